public import CertificateKit
public import Domain
import Foundation
import Localization
public import RAContract
import X509

extension CertificateLifecycle {
    /// What apply or renew installed.
    public struct Installed: Sendable {
        public var certificate: CertificateSummary
        /// Lower-case hex, as the RA writes it.
        public var serial: String
        /// Renewal: the serial it replaced (now superseded on the host).
        public var replaced: String?
        /// True when this run finished an operation an earlier run had left midway.
        public var resumed: Bool
    }

    /// `tokencert apply`: consent, both identity steps, a key generated in `store`, its CSR, the
    /// certificate downloaded, stored next to the key and checked with a test signature.
    ///
    /// A failure before the RA issued anything removes the new key. A failure after it (the token
    /// pulled while storing) keeps the key and a journal entry, and the next run finishes the job
    /// with the same request id; `cleanUp` removes keys no run will finish.
    /// - Throws: `LifecycleError` (`.notEligible` when the host has an active certificate,
    ///   `.cancelled`, `.interrupted`), `RAClientError`, `KeyStoreUnavailable`, the store's errors.
    public func apply(store: any KeyStore, session: RA.Session, customerID: CustomerID?) async throws -> Installed {
        if let resumed = try await resume(store: store, session: session, operation: .apply) { return resumed }
        try await store.checkCanGenerate(configuration.keyKind)
        let host = try await ra.hostStatus(session: session)
        if let active = host.certificates.first(where: { $0.state == .active || $0.state == .pending }) {
            throw LifecycleError.hostHasActive(active.serial)
        }
        // Consent and identity first: the store's PIN is asked only after the agreement was accepted.
        try await identity(session: session, host: host, customerID: customerID)
        try await cleanUp(store: store, host: host)

        let (signer, journaled) = try await generateJournaledKey(store: store, customerID: customerID) { signer, requestID, csrPEM in
            JournalEntry(operation: .apply, requestID: requestID, csrPEM: csrPEM, subjectPublicKeyInfo: signer.subjectPublicKeyInfo,
                         createdAt: clock.now())
        }
        return try await finishIssue(store: store, signer: signer, requestID: journaled.requestID, csrPEM: journaled.csrPEM, session: session,
                                     resumed: false) {
            try await ra.issue(RA.IssueRequest(requestId: journaled.requestID, csrDER: try journaled.csrDER()), session: session)
        }
    }

    /// What apply, renew and the counter issue share before anything is sent: a key generated in
    /// `store` (with progress), its CSR, and the journal entry `entry` makes of them saved — from then
    /// on a stopped run is finished by the next. Any failure before the entry is saved removes the key.
    func generateJournaledKey(store: any KeyStore, customerID: CustomerID?,
                              entry: (_ signer: any TokenSigner, _ requestID: String, _ csrPEM: String) async throws -> JournalEntry)
        async throws -> (signer: any TokenSigner, entry: JournalEntry) {
        await prompt.progress(.generatingKey, fraction: nil)
        let signer = try await store.generateKey(configuration.keyKind, label: "TokenCert \(Self.taipeiStamp(clock.now()))")
        do {
            let csrPEM = try await Self.csr(for: signer, customerID: customerID)
            let made = try await entry(signer, UUID().uuidString.lowercased(), csrPEM)
            try journal.save(made, for: Self.journalKey(store))
            return (signer, made)
        } catch {
            await Self.discard(signer, from: store)
            throw error
        }
    }

    /// Sends the request and installs the answer. An RA refusal removes the key and the journal
    /// entry; no answer, or a failure after the answer, keeps both for the next run.
    func finishIssue(store: any KeyStore, signer: any TokenSigner, requestID: String, csrPEM: String, session: RA.Session?,
                     resumed: Bool, replaced: String? = nil, send: () async throws -> RA.IssuedCertificate) async throws -> Installed {
        await prompt.progress(.requestingCertificate, fraction: nil)
        let issued: RA.IssuedCertificate
        do {
            issued = try await send()
        } catch let e as RAClientError where !e.isUnreachable {
            await Self.discard(signer, from: store)
            try? journal.clear(for: Self.journalKey(store))
            throw e
        }
        do {
            await prompt.progress(.downloading, fraction: 1)
            let certificate = try Self.certificate(from: issued, for: signer.subjectPublicKeyInfo)
            await prompt.progress(.storing, fraction: nil)
            try await store.storeCertificate(certificate.derBytes, for: signer)
            await prompt.progress(.testSignature, fraction: nil)
            try await Self.testSignature(signer, certificate: certificate)
            var replacedSerial: String?
            if replaced != nil || issued.status == .pending, let session {
                replacedSerial = try await confirmRenewal(store: store, signer: signer, serial: issued.serial, session: session)
            }
            try journal.clear(for: Self.journalKey(store))
            return Installed(certificate: try CertificateSummary(certificate, keyLocation: signer.location), serial: issued.serial,
                             replaced: replacedSerial ?? replaced, resumed: resumed)
        } catch let e as LifecycleError where e.kind == .verificationFailed {
            throw e
        } catch {
            throw LifecycleError.interrupted(replaced == nil && issued.status != .pending ? "application" : "renewal", error)
        }
    }

    /// The CSR (PEM) for `signer`; the RA takes the subject from its own record, so this one names
    /// the customer only as far as the client knows.
    static func csr(for signer: any TokenSigner, customerID: CustomerID?) async throws -> String {
        let subject = SubscriberSubject(commonName: customerID?.masked ?? "TokenCert customer", serialNumber: customerID?.value ?? "unknown")
        return try CertificateRequests.pem(try await CertificateRequests.make(subject: subject, key: try TokenPrivateKey(signer)))
    }

    static func taipeiStamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Taipei")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Finishes what the journal says an earlier run left: the same request sent again (the RA
    /// answers with what it issued), then installed. Nil when there is nothing to finish here.
    func resume(store: any KeyStore, session: RA.Session?, officer: RA.OfficerSession? = nil,
                operation: JournalEntry.Operation) async throws -> Installed? {
        guard let entry = try journal.load(for: Self.journalKey(store)) else { return nil }
        // A counter run finishes only counter work, a customer run only the customer's.
        guard (entry.operation == .counter) == (officer != nil) else { return nil }
        guard let key = try await store.key(matching: entry.spki) else {
            try journal.clear(for: Self.journalKey(store))   // the key is gone: nothing can be finished
            return nil
        }
        if let der = key.certificateDER, entry.operation != .renew {
            // The certificate got onto the key before the run stopped: check it, and report it installed.
            let certificate = try Certificate(derEncoded: der)
            await prompt.progress(.testSignature, fraction: nil)
            try await Self.testSignature(key.signer, certificate: certificate)
            try journal.clear(for: Self.journalKey(store))
            let summary = try CertificateSummary(certificate, keyLocation: key.location)
            return Installed(certificate: summary, serial: summary.serialNumber.lowercased(), replaced: nil, resumed: true)
        }
        await prompt.show(LocalizedText(en: "Finishing the \(entry.operation == .renew ? "renewal" : "application") an earlier run left midway.",
                                        zhTW: "正在完成先前中斷的\(entry.operation == .renew ? "展期" : "申請")。"))
        switch entry.operation {
        case .apply:
            guard let session else { return nil }
            return try await finishIssue(store: store, signer: key.signer, requestID: entry.requestID, csrPEM: entry.csrPEM,
                                         session: session, resumed: true) {
                try await ra.issue(RA.IssueRequest(requestId: entry.requestID, csrDER: try entry.csrDER()), session: session)
            }
        case .counter:
            guard let officer, let customer = entry.customerID else { return nil }
            return try await finishIssue(store: store, signer: key.signer, requestID: entry.requestID, csrPEM: entry.csrPEM,
                                         session: nil, resumed: true) {
                try await ra.officerIssue(customerID: customer, RA.OfficerIssueRequest(requestId: entry.requestID, csrDER: try entry.csrDER(),
                                                                                       consentOnPaper: true), session: officer)
            }
        case .renew:
            guard let session else { return nil }
            guard let old = entry.oldSerial, let proof = entry.proof else {
                try journal.clear(for: Self.journalKey(store))
                return nil
            }
            return try await finishIssue(store: store, signer: key.signer, requestID: entry.requestID, csrPEM: entry.csrPEM,
                                         session: session, resumed: true, replaced: old) {
                try await ra.renew(serial: old, RA.RenewRequest(requestId: entry.requestID, csrDER: try entry.csrDER(), proof: proof), session: session)
            }
        }
    }
}
