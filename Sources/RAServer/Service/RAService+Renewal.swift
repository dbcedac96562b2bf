import CertificateKit
import Crypto
public import Foundation
import Localization
public import RAContract
import X509

extension RAService {
    /// Renews an active certificate in its last `renewalWindowDays` days: both identity steps, a new
    /// CSR, and `proof` — a signature with the current certificate's key over
    /// `ProofOfPossession.renewalMessage`. The new certificate is `pending` until `confirm`.
    /// Idempotent by `requestID` like `issue`.
    public func renew(customerID: String, session: String, serial: String, requestID: String, csr csrBytes: [UInt8],
                      proof: [UInt8]) async throws -> (RA.IssuedCertificate, created: Bool) {
        let oldSerial = serial.lowercased()
        try Self.checkRequestID(requestID)
        let csr = try checkedCSR(csrBytes)
        try await checkKeyUnused(csr, customerID: customerID)
        let csrHash = hexString(SHA256.hash(data: try CertificateRequests.der(csr)))
        let now = clock.now(), policy = self.policy, agreement = self.agreement
        let caPEM = try authority.certificatePEM
        let message = ProofOfPossession.renewalMessage(serial: oldSerial, requestID: requestID, csrSHA256: csrHash)

        @Sendable func checks(_ ledger: inout CustomerLedger) throws -> CertificateRecord? {
            if let previous = try Self.previousIssue(&ledger, requestID: requestID, csrHash: csrHash, now: now) { return previous }
            try Self.gate(&ledger, action: "renew", now: now, agreement: agreement)
            func refuse(_ error: RAError) -> RAError {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "renew", outcome: error.code.rawValue,
                                               detail: "serial \(oldSerial)"))
                return error
            }
            guard let current = ledger.certificates.first(where: { $0.serial == oldSerial }) else { throw refuse(.certificateNotFound) }
            let state = current.state(at: now)
            guard state == .active else { throw refuse(.notRenewable(state: state.rawValue)) }
            let opens = current.notAfter.addingTimeInterval(-Double(policy.renewalWindowDays) * 86_400)
            guard now >= opens else { throw refuse(.renewalNotOpen(opensAt: opens, windowDays: policy.renewalWindowDays)) }
            if let pending = ledger.certificates.first(where: { $0.state(at: now) == .pending }) {
                throw refuse(.renewalPending(serial: pending.serial))
            }
            guard ProofOfPossession.verify(proof, over: message, spki: try Certificate(derEncoded: current.der).publicKey.derSubjectPublicKeyInfo)
            else { throw refuse(.proofFailed) }
            try Self.requireIdentity(&ledger, action: "renew", now: now, policy: policy, session: session)
            return nil
        }

        if let existing = try await repository.transact(customerID: customerID, checks) {
            return (try Self.issued(existing, caPEM: caPEM, now: now), false)
        }
        let certificate = try await sign(csr, customerID: customerID, now: now)
        let record = Self.record(of: certificate, customerID: customerID, requestID: requestID, csrHash: csrHash, status: .pending,
                                 issuedAt: now, replacing: oldSerial)
        let (stored, created) = try await repository.transact(customerID: customerID) { ledger -> (CertificateRecord, Bool) in
            if let previous = try checks(&ledger) { return (previous, false) }
            ledger.certificates.append(record)
            ledger.security.birthDateVerifiedAt = nil
            ledger.security.codeVerifiedAt = nil
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "renew", outcome: "ok",
                                           detail: "serial \(record.serial) replaces \(oldSerial) request \(requestID)"))
            return (record, true)
        }
        return (try Self.issued(stored, caPEM: caPEM, now: now), created)
    }

    /// The client installed the renewed certificate: `proof` is a signature with its key over
    /// `ProofOfPossession.confirmationMessage`. It becomes active; the old one is superseded (on the
    /// CRL with reason superseded), and the answer names it with the CRL that lists it.
    public func confirm(customerID: String, serial: String, proof: [UInt8]) async throws -> RA.Confirmation {
        let wanted = serial.lowercased(), now = clock.now(), agreement = self.agreement
        let (result, changed) = try await repository.transact(customerID: customerID) { ledger -> (RA.Confirmation, Bool) in
            try Self.gate(&ledger, action: "confirm", now: now, agreement: agreement)
            func refuse(_ error: RAError) -> RAError {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "confirm", outcome: error.code.rawValue,
                                               detail: "serial \(wanted)"))
                return error
            }
            guard let index = ledger.certificates.firstIndex(where: { $0.serial == wanted }) else { throw refuse(.certificateNotFound) }
            let record = ledger.certificates[index]
            // Confirmed already (an answer lost on the way): the same answer, nothing changed, no new CRL.
            if record.status == .active { return (RA.Confirmation(serial: wanted, status: .active, superseded: record.replacesSerial), false) }
            guard record.state(at: now) == .pending else { throw refuse(.notConfirmable(state: record.state(at: now).rawValue)) }
            guard ProofOfPossession.verify(proof, over: ProofOfPossession.confirmationMessage(serial: wanted),
                                           spki: try Certificate(derEncoded: record.der).publicKey.derSubjectPublicKeyInfo)
            else { throw refuse(.proofFailed) }
            ledger.certificates[index].status = .active
            var superseded: String?
            if let old = record.replacesSerial, let oldIndex = ledger.certificates.firstIndex(where: { $0.serial == old }),
               [.active, .expired].contains(ledger.certificates[oldIndex].state(at: now)) {
                ledger.certificates[oldIndex].status = .superseded
                ledger.certificates[oldIndex].revokedAt = now
                ledger.certificates[oldIndex].revocationReason = .superseded
                superseded = old
            }
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "confirm", outcome: "ok",
                                           detail: "serial \(wanted) supersedes \(superseded ?? "-")"))
            return (RA.Confirmation(serial: wanted, status: .active, superseded: superseded), superseded != nil)
        }
        guard result.superseded != nil else { return result }
        var confirmed = result
        // A CRL is signed only when a certificate was superseded now; a repeat names the latest one.
        confirmed.crlNumber = changed ? try await crl.publish().number : try await repository.latestCRL()?.number
        return confirmed
    }
}

extension RAError {
    /// Renewal asked for before the window opens.
    public static func renewalNotOpen(opensAt: Date, windowDays: Int) -> RAError {
        RAError(code: .renewalNotOpen,
                summary: LocalizedText(en: "Renewal opens on \(taipei(opensAt)) (Taipei time), \(windowDays) days before the certificate expires.",
                                                zhTW: "展期自 \(taipei(opensAt))（台北時間）起開放，即憑證到期前 \(windowDays) 天。"),
                remedy: LocalizedText(en: "Keep using the certificate and renew it then.", zhTW: "請繼續使用目前憑證，屆時再辦理展期。"),
                details: ["opensAt": iso(opensAt)])
    }

    /// Renewing a certificate that is not active (expired, revoked, pending).
    public static func notRenewable(state: String) -> RAError {
        RAError(code: .notRenewable,
                summary: LocalizedText(en: "Only a valid certificate can be renewed; this one is \(state).",
                                                zhTW: "僅有效憑證可以展期；此憑證狀態為\(CertificateState(rawValue: state)?.zhTW ?? state)。"),
                remedy: LocalizedText(en: "Apply for a new certificate instead.", zhTW: "請改為重新申請憑證。"),
                details: ["state": state])
    }

    /// A renewal is already waiting for confirmation.
    public static func renewalPending(serial: String) -> RAError {
        RAError(code: .renewalPending,
                summary: LocalizedText(en: "A renewed certificate (serial \(serial)) is waiting for confirmation.",
                                                zhTW: "已有展期憑證（序號 \(serial)）等待確認。"),
                remedy: LocalizedText(en: "Install it and confirm, or repeat the same request id to fetch it.",
                                               zhTW: "請安裝後確認，或以相同請求編號重新取得。"),
                details: ["serial": serial])
    }

    /// Confirming a certificate that is not pending.
    public static func notConfirmable(state: String) -> RAError {
        RAError(code: .notConfirmable,
                summary: LocalizedText(en: "This certificate is \(state), not waiting for confirmation.",
                                                zhTW: "此憑證狀態為\(CertificateState(rawValue: state)?.zhTW ?? state)，無須確認。"),
                remedy: nil, details: ["state": state])
    }

    /// The proof-of-possession signature does not verify.
    public static let proofFailed = RAError(
        code: .proofOfPossessionFailed,
        summary: LocalizedText(en: "The request is not signed with the certificate's key.", zhTW: "此請求並非以該憑證的金鑰簽章。"),
        remedy: LocalizedText(en: "Sign it on the token that holds the certificate's key.", zhTW: "請以存放該憑證金鑰的載具簽章。"))
}
