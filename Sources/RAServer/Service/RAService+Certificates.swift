public import CertificateKit
import Localization
import Crypto
import Domain
import Foundation
public import RAContract
import SwiftASN1
import X509

extension RAService {
    // MARK: - Issue

    /// Issues a certificate for a CSR (DER) after consent and both identity steps. The subject
    /// is the customer's record; the CSR gives only the key. The same `requestID` with the same CSR
    /// returns the certificate issued the first time (`created` false), whatever happened to the
    /// first response.
    ///
    /// With the CA key in memory (a key file) the checks, the signature and the stored record are one
    /// transaction. With the CA key on a token, signing is I/O that must not hold the store's writer:
    /// one transaction checks, the token signs, a second transaction checks again and stores.
    public func issue(customerID: String, session: String, requestID: String, csr csrBytes: [UInt8]) async throws -> (RA.IssuedCertificate, created: Bool) {
        try Self.checkRequestID(requestID)
        let csr = try checkedCSR(csrBytes)
        try await checkKeyUnused(csr, customerID: customerID)
        let csrHash = hexString(SHA256.hash(data: try CertificateRequests.der(csr)))
        let now = clock.now(), policy = self.policy, agreement = self.agreement
        let caPEM = try authority.certificatePEM

        if authority.issuer.signsSynchronously {
            let (stored, created) = try await repository.transact(customerID: customerID) { ledger -> (CertificateRecord, Bool) in
                if let previous = try Self.previousIssue(&ledger, requestID: requestID, csrHash: csrHash, now: now) { return (previous, false) }
                try Self.issueChecks(&ledger, now: now, policy: policy, agreement: agreement, session: session)
                let certificate = try self.signSynchronously(csr, customer: ledger.customer, now: now)
                let record = Self.record(of: certificate, customerID: customerID, requestID: requestID, csrHash: csrHash, status: .active, issuedAt: now)
                Self.recordIssue(record, in: &ledger, now: now)
                return (record, true)
            }
            if created { logIssue(customerID: customerID, serial: stored.serial) }
            return (try Self.issued(stored, caPEM: caPEM, now: now), created)
        }

        // 1. Before signing: a retry, or is the customer allowed? The subject comes from the customer
        // record read here.
        let (existing, customer) = try await repository.transact(customerID: customerID) { ledger -> (CertificateRecord?, CustomerRecord) in
            if let previous = try Self.previousIssue(&ledger, requestID: requestID, csrHash: csrHash, now: now) { return (previous, ledger.customer) }
            try Self.issueChecks(&ledger, now: now, policy: policy, agreement: agreement, session: session)
            return (nil, ledger.customer)
        }
        if let existing { return (try Self.issued(existing, caPEM: caPEM, now: now), false) }

        // 2. Sign (the CA key is on a token: outside any transaction).
        let certificate = try await sign(csr, customer: customer, now: now)
        let record = Self.record(of: certificate, customerID: customerID, requestID: requestID, csrHash: csrHash, status: .active, issuedAt: now)

        // 3. Store it, checking again: a concurrent request may have won.
        let (stored, created) = try await repository.transact(customerID: customerID) { ledger -> (CertificateRecord, Bool) in
            if let previous = try Self.previousIssue(&ledger, requestID: requestID, csrHash: csrHash, now: now) { return (previous, false) }
            try Self.issueChecks(&ledger, now: now, policy: policy, agreement: agreement, session: session)
            Self.recordIssue(record, in: &ledger, now: now)
            return (record, true)
        }
        if created { logIssue(customerID: customerID, serial: stored.serial) }
        return (try Self.issued(stored, caPEM: caPEM, now: now), created)
    }

    /// A new certificate in the ledger: the record, the identity steps used up, the audit event.
    static func recordIssue(_ record: CertificateRecord, in ledger: inout CustomerLedger, now: Date) {
        ledger.certificates.append(record)
        ledger.security.birthDateVerifiedAt = nil
        ledger.security.codeVerifiedAt = nil
        ledger.audit.append(AuditEvent(at: now, customerID: ledger.customer.id.value, action: "issue", outcome: "ok",
                                       detail: "serial \(record.serial) request \(record.requestID)"))
    }

    func logIssue(customerID: String, serial: String) {
        logger.info("certificate issued", metadata: ["customer": "\(Self.masked(customerID))", "serial": "\(serial)"])
    }

    /// 1–128 ASCII letters, digits or `- _ . :`.
    static func checkRequestID(_ requestID: String) throws {
        guard (1...128).contains(requestID.count),
              requestID.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0)) })
        else { throw RAError.badRequest("requestId must be 1–128 letters, digits or - _ . :") }
    }

    static func previousIssue(_ ledger: inout CustomerLedger, requestID: String, csrHash: String, now: Date) throws -> CertificateRecord? {
        guard let previous = ledger.certificates.first(where: { $0.requestID == requestID }) else { return nil }
        guard previous.csrSHA256 == csrHash else {
            ledger.audit.append(AuditEvent(at: now, customerID: ledger.customer.id.value, action: "issue",
                                           outcome: RAErrorCode.requestIDReused.rawValue,
                                           detail: "request \(requestID)"))
            throw RAError.requestIDReused
        }
        return previous
    }

    static func issueChecks(_ ledger: inout CustomerLedger, now: Date, policy: Policy, agreement: Agreement, session: String) throws {
        try gate(&ledger, action: "issue", now: now, agreement: agreement)
        // Before the identity check, so nobody goes through both steps for an apply that cannot succeed.
        if let active = ledger.certificates.first(where: { [.active, .pending].contains($0.state(at: now)) }) {
            ledger.audit.append(AuditEvent(at: now, customerID: ledger.customer.id.value, action: "issue",
                                           outcome: RAErrorCode.activeCertificateExists.rawValue, detail: "serial \(active.serial)"))
            throw RAError.activeCertificateExists(serial: active.serial, renewalWindowDays: policy.renewalWindowDays)
        }
        try requireIdentity(&ledger, action: "issue", now: now, policy: policy, session: session)
    }

    static func issued(_ record: CertificateRecord, caPEM: String, now: Date) throws -> RA.IssuedCertificate {
        RA.IssuedCertificate(requestId: record.requestID, serial: record.serial, status: record.state(at: now),
                          notBefore: record.notBefore, notAfter: record.notAfter,
                          certificate: PEMText.encode(record.der, type: "CERTIFICATE"), caCertificate: caPEM)
    }

    // MARK: - Host status

    /// What the host knows of the customer: the certificates, newest first, with their state now;
    /// the accounts and masked contacts for the one-time code (only ever for the customer's own
    /// session or an officer).
    public func status(customerID: String) async throws -> RA.HostStatus {
        let now = clock.now(), policy = self.policy, agreement = self.agreement
        return try await repository.transact(customerID: customerID) { ledger in
            let used = Self.onlineRevocations(ledger, year: Self.taipeiYear(now))
            return RA.HostStatus(
                customer: ledger.customer.id.masked,
                certificates: ledger.certificates.reversed().map { c in
                    RA.HostStatus.Entry(serial: c.serial, state: c.state(at: now), notBefore: c.notBefore, notAfter: c.notAfter,
                                     renewalOpensAt: c.notAfter.addingTimeInterval(-Double(policy.renewalWindowDays) * 86_400),
                                     revokedAt: c.revokedAt, revocationReason: c.revocationReason?.rawValue,
                                     revocationReasonLabel: c.revocationReason?.label)
                },
                onlineRevocationsLeftThisYear: max(0, policy.onlineRevocationsPerYear - used),
                lockedUntil: ledger.security.lockedUntil.flatMap { $0 > now ? $0 : nil },
                consentVersion: ledger.consents.last(where: { $0.version == agreement.version })?.version,
                accounts: ledger.customer.accounts.map(\.formatted),
                mobile: ledger.customer.mobile.map(Masking.phone), email: ledger.customer.email.map(Masking.email))
        }
    }

    static func taipeiYear(_ date: Date) -> Int { Domain.taipeiCalendar.component(.year, from: date) }

    static func onlineRevocations(_ ledger: CustomerLedger, year: Int) -> Int {
        ledger.certificates.filter { $0.revokedOnline && $0.revokedAt.map(taipeiYear) == year }.count
    }

    // MARK: - Revoke

    /// Revokes one of the customer's certificates online, after both identity steps, within the
    /// yearly limit (Asia/Taipei calendar year), then re-signs the CRL.
    ///
    /// Idempotent per serial: asking again for a certificate already revoked with the same reason
    /// (a retry after a lost answer) answers with that revocation — its time, the CRL that lists it —
    /// and needs no identity steps (the first request used them), counts nothing and signs no CRL
    /// unless none lists it yet. Another reason is `not-revocable`.
    public func revoke(customerID: String, session: String, serial: String, reason: RevocationReason) async throws -> RA.Revocation {
        guard RevocationReason.customerChoices.contains(reason) else { throw RAError.reasonNotAllowed(reason) }
        let now = clock.now(), policy = self.policy, agreement = self.agreement
        let wanted = serial.lowercased().replacingOccurrences(of: ":", with: "")
        let done = try await repository.transact(customerID: customerID) { ledger -> (left: Int, revokedAt: Date, repeated: Bool) in
            let year = Self.taipeiYear(now)
            if let earlier = ledger.certificates.first(where: { $0.serial == wanted }), earlier.status == .revoked,
               earlier.revocationReason == reason, let revokedAt = earlier.revokedAt {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "revoke", outcome: "repeat",
                                               detail: "serial \(wanted) revoked \(revokedAt.formatted(.iso8601))"))
                return (max(0, policy.onlineRevocationsPerYear - Self.onlineRevocations(ledger, year: year)), revokedAt, true)
            }
            try Self.gate(&ledger, action: "revoke", now: now, agreement: agreement)
            try Self.requireIdentity(&ledger, action: "revoke", now: now, policy: policy, session: session)
            func refuse(_ error: RAError) -> RAError {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "revoke", outcome: error.code.rawValue,
                                               detail: "serial \(wanted)"))
                return error
            }
            guard let index = ledger.certificates.firstIndex(where: { $0.serial == wanted }) else { throw refuse(.certificateNotFound) }
            let state = ledger.certificates[index].state(at: now)
            guard Self.revocable(state, reason: reason) else { throw refuse(.notRevocable(state: state.rawValue)) }
            let used = Self.onlineRevocations(ledger, year: year)
            guard used < policy.onlineRevocationsPerYear else {
                throw refuse(.revocationsUsedUp(year: year, limit: policy.onlineRevocationsPerYear))
            }
            ledger.certificates[index].status = .revoked
            ledger.certificates[index].revokedAt = now
            ledger.certificates[index].revocationReason = reason
            ledger.certificates[index].revokedOnline = true
            ledger.security.birthDateVerifiedAt = nil
            ledger.security.codeVerifiedAt = nil
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "revoke", outcome: "ok",
                                           detail: "serial \(wanted) reason \(reason.rawValue)"))
            return (policy.onlineRevocationsPerYear - used - 1, now, false)
        }
        let published: CRLRecord
        if done.repeated, let latest = try await repository.latestCRL(), latest.thisUpdate >= done.revokedAt {
            published = latest
        } else {
            if !done.repeated { logger.info("certificate revoked", metadata: ["customer": "\(Self.masked(customerID))", "serial": "\(wanted)"]) }
            published = try await crl.publish()
        }
        return RA.Revocation(serial: wanted, revokedAt: done.revokedAt, reason: reason.rawValue, reasonLabel: reason.label,
                          onlineRevocationsLeftThisYear: done.left, crlNumber: published.number)
    }

    /// Active and pending certificates can be revoked; an expired one for key compromise too (a key
    /// stolen after expiry must reach the CRL, where order gateways and `tokencert verify` see it).
    static func revocable(_ state: CertificateState, reason: RevocationReason) -> Bool {
        state == .active || state == .pending || (state == .expired && reason == .keyCompromise)
    }

    // MARK: - CRL

    /// The current CRL, re-signed when half its lifetime has passed.
    public func currentCRL() async throws -> CRLRecord { try await crl.current() }

    /// Signs and stores a new CRL now.
    @discardableResult
    public func publishCRL() async throws -> CRLRecord { try await crl.publish() }
}

/// Signs CRLs one at a time so their numbers only go up.
actor CRLPublisher {
    let repository: any RARepository
    let authority: CertificateAuthority
    let lifetime: TimeInterval
    let clock: any RAClock

    init(repository: any RARepository, authority: CertificateAuthority, lifetime: TimeInterval, clock: any RAClock) {
        self.repository = repository
        self.authority = authority
        self.lifetime = lifetime
        self.clock = clock
    }

    /// The latest CRL, re-signed when half its lifetime has passed — by one instance at a time: when
    /// another instance on the same store is re-signing, this one serves the latest stored CRL (still
    /// within its nextUpdate), which every instance reads from the store.
    func current() async throws -> CRLRecord {
        let latest = try await repository.latestCRL()
        if let latest, fresh(latest) { return latest }
        let refreshed = try await repository.leadingCRLRefresh { [self] _ in try await publish(onlyIfStale: true) }
        if let refreshed { return refreshed }
        if let latest { return latest }
        return try await publish()
    }

    private func fresh(_ crl: CRLRecord) -> Bool { clock.now() < crl.thisUpdate.addingTimeInterval(lifetime / 2) }

    /// The last signing started; each new one waits for it (an actor alone would interleave at
    /// every `await` and hand out one number twice).
    private var last: Task<CRLRecord, any Error>?

    /// Signs and stores a new CRL after the one being signed, if any. `onlyIfStale`: unless, by then,
    /// the latest stored CRL (this instance's or another's) is fresh — concurrent refreshes sign once.
    func publish(onlyIfStale: Bool = false) async throws -> CRLRecord {
        let previous = last
        let task = Task {
            _ = try? await previous?.value
            if onlyIfStale, let latest = try await self.repository.latestCRL(), self.fresh(latest) { return latest }
            return try await self.signAndStore()
        }
        last = task
        return try await task.value
    }

    /// The number is taken before the revoked entries are read: a number is handed out after every
    /// revocation committed before it, so a CRL with a higher number — from this instance or another
    /// on the same store — lists every revocation a lower one lists, and the latest lists them all.
    private func signAndStore() async throws -> CRLRecord {
        let now = clock.now()
        let number = try await repository.nextCRLNumber()
        let entries = try await repository.revokedEntries()
        let next = now.addingTimeInterval(lifetime)
        let der = try await CRLBuilder.make(issuer: authority.issuer, entries: entries, number: number, thisUpdate: now, nextUpdate: next)
        let record = CRLRecord(number: number, der: der, thisUpdate: now, nextUpdate: next)
        try await repository.storeCRL(record)
        return record
    }
}
