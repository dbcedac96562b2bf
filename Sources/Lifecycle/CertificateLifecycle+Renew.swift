import CertificateKit
public import Domain
import Foundation
import Localization
public import RAContract
import X509

extension CertificateLifecycle {
    /// `tokencert renew`: only while the current certificate is valid and in its renewal window. A
    /// new key beside the old one, the request signed with the old key (proof of possession), the new
    /// certificate stored and tested, the installation confirmed with the new key, then the old key
    /// and certificate removed. A run stopped midway is finished by the next.
    /// - Throws: `LifecycleError` (`.notEligible` outside the window, `.missing` without a
    ///   certificate, `.interrupted`), `RAClientError`, `KeyStoreUnavailable`, the store's errors.
    public func renew(store: any KeyStore, session: RA.Session, customerID: CustomerID?) async throws -> Installed {
        if let resumed = try await resume(store: store, session: session, operation: .renew) { return resumed }
        // Eligibility from the certificate alone (public: no PIN), then consent and identity; the
        // key itself (and with it the PIN) only after the agreement was accepted.
        guard let der = try await store.currentCertificate() else { throw LifecycleError.noCertificate }
        let summary = try CertificateSummary(der)
        let host = try await ra.hostStatus(session: session)
        let now = clock.now()
        guard let entry = host.certificates.first(where: { Self.sameSerial($0.serial, summary.serialNumber) }) else {
            throw LifecycleError.notRenewable("unknown")
        }
        guard entry.state == .active, summary.isValid(at: now) else { throw LifecycleError.notRenewable(entry.state.rawValue) }
        guard now >= entry.renewalOpensAt else { throw LifecycleError.renewalNotOpen(entry.renewalOpensAt) }
        try await store.checkCanGenerate(configuration.keyKind)
        try await identity(session: session, host: host, customerID: customerID)
        guard let current = try await store.currentKey(), let currentDER = current.certificateDER,
              try Self.sameSerial(CertificateSummary(currentDER).serialNumber, summary.serialNumber) else {
            throw LifecycleError.noCertificate
        }
        try await cleanUp(store: store, host: host)

        // The request is signed with the old key (proof of possession) before it is journaled.
        var proof = ""
        let (signer, journaled) = try await generateJournaledKey(store: store, customerID: customerID) { signer, requestID, csrPEM in
            let csrHash = Self.sha256Hex(try CertificateRequests.der(try CertificateSigningRequest(pemEncoded: csrPEM)))
            proof = Data(try await ProofOfPossession.sign(
                ProofOfPossession.renewalMessage(serial: entry.serial, requestID: requestID, csrSHA256: csrHash), with: current.signer))
                .base64EncodedString()
            return JournalEntry(operation: .renew, requestID: requestID, csrPEM: csrPEM, subjectPublicKeyInfo: signer.subjectPublicKeyInfo,
                                oldSerial: entry.serial, proof: proof, createdAt: now)
        }
        return try await finishIssue(store: store, signer: signer, requestID: journaled.requestID, csrPEM: journaled.csrPEM, session: session,
                                     resumed: false, replaced: entry.serial) {
            try await ra.renew(serial: entry.serial, RA.RenewRequest(requestId: journaled.requestID, csrDER: try journaled.csrDER(), proof: proof),
                               session: session)
        }
    }

    /// Confirms a pending renewal with the new key, then removes the certificates it replaced.
    /// Returns the superseded serial.
    func confirmRenewal(store: any KeyStore, signer: any TokenSigner, serial: String, session: RA.Session) async throws -> String? {
        await prompt.progress(.confirming, fraction: nil)
        let proof = try await ProofOfPossession.sign(ProofOfPossession.confirmationMessage(serial: serial.lowercased()), with: signer)
        let confirmation: RA.Confirmation
        do {
            confirmation = try await ra.confirm(serial: serial, RA.ConfirmRequest(proof: Data(proof).base64EncodedString()), session: session)
        } catch let e as RAClientError where e.code == .notConfirmable {
            // Confirmed by an earlier run whose answer was lost.
            confirmation = RA.Confirmation(serial: serial, status: .active, superseded: nil)
            _ = e
        }
        await prompt.progress(.removingOldKey, fraction: nil)
        try journal.clear(for: Self.journalKey(store))
        try await cleanUp(store: store, host: try await ra.hostStatus(session: session))
        return confirmation.superseded
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        ProofOfPossession.sha256Hex(bytes)
    }
}
