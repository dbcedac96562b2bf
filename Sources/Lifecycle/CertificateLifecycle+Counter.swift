public import CertificateKit
public import Domain
import Foundation
import Localization
public import RAContract
import X509

/// The branch counter: an officer, logged in with the key on their own token, issues a certificate
/// onto a card or token the customer takes home, revokes beyond the yearly limit and lifts lockouts.
/// The identity check is the officer's (the customer is there with their ID), so there is no
/// one-time code; the RA records the officer's name on every action. `CounterDesk` runs the whole
/// issue onto a blank device (wait, issue, personalise, test signature, PIN mailer, receipt) over these.
extension CertificateLifecycle {
    /// Logs an officer in: asks the RA for a challenge (`POST /officer/challenge`), signs the exact
    /// bytes it names with `signer` (the officer's key on their token) and sends the signature
    /// (`POST /officer/login`).
    /// - Throws: `RAClientError` (`officer-refused` for an unknown officer, a wrong key or an expired
    ///   challenge), the signer's errors (token missing, PIN).
    public func officerLogin(officer: String, signer: any TokenSigner) async throws -> RA.OfficerSession {
        let challenge = try await ra.officerChallenge(officer: officer)
        guard let message = Data(base64Encoded: challenge.message) else {
            throw RAClientError(kind: .badResponse(status: 201), summary: LocalizedText(en: "The RA's login challenge is not base64.",
                                                                                       zhTW: "RA 的登入挑戰碼不是 base64 格式。"))
        }
        let signature = try await ProofOfPossession.sign(Array(message), with: signer)
        return try await ra.officerLogin(officer: officer, challenge: challenge.challenge, signature: Data(signature).base64EncodedString())
    }

    /// Issues at the counter into `store` (a blank card or token the counter has just initialised):
    /// a key generated there, its CSR sent on the officer path
    /// (`POST /officer/customers/{id}/certificates`, consent signed on paper), the certificate stored
    /// next to the key and checked with a test signature — as `apply` does, with the same journal, so
    /// a run stopped midway (card pulled) is finished by the next run on the same card.
    ///
    /// - Parameter replaceActive: when the host holds an active certificate for the customer that is
    ///   not on `store` (a card lost, or a batch run stopped after the RA answered), revoke it first
    ///   as superseded (`POST /officer/customers/{id}/revoke`, no yearly limit at the counter).
    ///   Without it that case is refused.
    /// - Throws: `LifecycleError` (`active-certificate-exists`, `.interrupted`), `RAClientError`,
    ///   `KeyStoreUnavailable`, the store's errors.
    public func issueAtCounter(store: any KeyStore, officer: RA.OfficerSession, customerID: CustomerID,
                               replaceActive: Bool = false) async throws -> Installed {
        if let entry = try journal.load(for: Self.journalKey(store)), entry.operation == .counter, entry.customerID != customerID.value {
            // Another customer's issue stopped on this reader. Its card is this one: finish that first.
            // Its card is elsewhere: that run cannot be finished here, so forget it (a batch revokes what the host issued).
            if try await store.key(matching: entry.spki) != nil {
                let other = (try? CustomerID(entry.customerID ?? ""))?.masked ?? "?"
                throw LifecycleError(.notEligible, code: "card-of-another-customer",
                                     summary: LifecycleError.text("This card holds the unfinished issue of \(other).", "此卡片是 \(other) 尚未完成的核發。"),
                                     remedy: LifecycleError.text("Finish it first: tokencert counter issue --customer (that customer), then use a blank card.",
                                                        "請先以 tokencert counter issue --customer（該客戶）完成，再改用空白卡。"))
            }
            try journal.clear(for: Self.journalKey(store))
        }
        if let resumed = try await resume(store: store, session: nil, officer: officer, operation: .counter) { return resumed }
        try await checkCounterIssue(officer: officer, customerID: customerID, replaceActive: replaceActive)
        let host = try await ra.officerCustomerStatus(customerID: customerID.value, session: officer)
        for active in host.certificates where active.state == .active || active.state == .pending {
            await prompt.show(LocalizedText(en: "Revoking \(active.serial.uppercased()) (superseded): it is not on this card.",
                                            zhTW: "廢止 \(active.serial.uppercased())（已由新憑證取代）：該憑證不在此卡上。"))
            _ = try await ra.officerRevoke(customerID: customerID.value, RA.OfficerRevokeRequest(serial: active.serial, reason: .superseded),
                                           session: officer)
        }
        let (signer, journaled) = try await generateJournaledKey(store: store, customerID: customerID) { signer, requestID, csrPEM in
            JournalEntry(operation: .counter, requestID: requestID, csrPEM: csrPEM, subjectPublicKeyInfo: signer.subjectPublicKeyInfo,
                         customerID: customerID.value, createdAt: clock.now())
        }
        return try await finishIssue(store: store, signer: signer, requestID: journaled.requestID, csrPEM: journaled.csrPEM, session: nil,
                                     resumed: false) {
            try await ra.officerIssue(customerID: customerID.value,
                                      RA.OfficerIssueRequest(requestId: journaled.requestID, csrDER: try journaled.csrDER(), consentOnPaper: true),
                                      session: officer)
        }
    }

    /// Refuses before any card is touched when the host holds an active certificate for the customer
    /// and `replaceActive` is false (`GET /officer/customers/{id}`).
    /// - Throws: `LifecycleError` `active-certificate-exists` (with the counter's remedy), `RAClientError`.
    func checkCounterIssue(officer: RA.OfficerSession, customerID: CustomerID, replaceActive: Bool) async throws {
        guard !replaceActive else { return }
        let host = try await ra.officerCustomerStatus(customerID: customerID.value, session: officer)
        if let active = host.certificates.first(where: { $0.state == .active || $0.state == .pending }) {
            throw LifecycleError(
                .notEligible, code: RAErrorCode.activeCertificateExists.rawValue,
                summary: LifecycleError.text("\(customerID.masked) already has an active certificate (serial \(active.serial.uppercased())).",
                                    "\(customerID.masked) 已有有效憑證（序號 \(active.serial.uppercased())）。"),
                remedy: LifecycleError.text("If the customer keeps it, nothing is to be issued. If the card is lost or replaced, run again with --replace (it is revoked as superseded), or revoke it first: tokencert counter revoke.",
                                   "若客戶仍使用該憑證，無須核發。若卡片遺失或更換，請加上 --replace 重新執行（該憑證將以「已由新憑證取代」廢止），或先執行 tokencert counter revoke。"))
        }
    }

    /// The customer whose counter issue on `store` is unfinished (journal), nil when none.
    func unfinishedCounterIssue(store: any KeyStore) throws -> String? {
        guard let entry = try journal.load(for: Self.journalKey(store)), entry.operation == .counter else { return nil }
        return entry.customerID
    }
}
