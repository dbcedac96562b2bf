import CertificateKit
import Domain
import Foundation
import Localization
public import RAContract

extension RAService {
    /// Verifies a CMS-signed order for a securities account: the signature over the content, the
    /// signer's chain to this RA's CA and its validity now (the time the RA receives the order, never
    /// the signature's own signingTime, which must be within the allowed skew of now), not revoked on
    /// the current CRL, the certificate active in the store (not a renewal still pending, not
    /// replaced), and the signer being the account's customer. For the broker's order gateway.
    /// A verdict with `valid` false comes with the reason (code, message, remedy).
    public func verifyOrder(account accountText: String, signature: [UInt8], content: [UInt8]?) async throws -> RA.OrderVerdict {
        let account: SecuritiesAccount
        do { account = try SecuritiesAccount(accountText) } catch { throw RAError.invalidField(.invalidAccount, field: "account", error) }
        let crl = try await currentCRL()
        let verifier = OrderSignatureVerifier(trustedCAs: [authority.issuer.caCertificate.derBytes], crls: [crl.der], requireRevocationCheck: true)
        let now = clock.now()
        func refused(_ code: RAErrorCode, _ error: some UserFacingError, serial: String? = nil) -> RA.OrderVerdict {
            RA.OrderVerdict(valid: false, code: code, message: error.summary, remedy: error.remedy,
                            signerSerial: serial)
        }
        let verified: VerifiedOrderSignature
        do {
            verified = try verifier.verify(signature: signature, content: content, at: now)
        } catch let error as OrderSignatureError {
            return refused(RAErrorCode(rawValue: error.code), error)
        }
        let serial = verified.signer.serialNumber.lowercased().replacingOccurrences(of: ":", with: "")
        guard let record = try await repository.certificate(serial: serial), let customer = try await repository.customer(id: record.customerID),
              customer.accounts.contains(account)
        else {
            return refused(.signerNotAccountHolder, NotAccountHolder(), serial: serial)
        }
        let owner = record.customerID
        // The store knows more than the CRL: a renewed certificate not yet confirmed, or one replaced.
        let state = record.state(at: now)
        guard state == .active else {
            return refused(.certificateNotActive, CertificateNotActive(state: state), serial: serial)
        }
        try await repository.appendAudit([AuditEvent(at: now, customerID: owner, actor: "system", action: "order-verify", outcome: "ok",
                                                     detail: "serial \(serial) account \(account.masked)")])
        return RA.OrderVerdict(valid: true, code: .ok, message: RA.Text(en: "The order signature is valid.", zhTW: "委託簽章有效。"),
                               remedy: nil, signerSerial: serial, customer: customer.id.masked, signingTime: verified.signingTime)
    }

    struct CertificateNotActive: UserFacingError {
        var state: CertificateState
        var category: ErrorCategory { .verification }

        var summary: LocalizedText {
            switch state {
            case .pending:
                LocalizedText(en: "The order was signed with a renewed certificate that the customer has not confirmed yet.",
                              zhTW: "此委託所用的展期憑證尚未經客戶確認啟用。")
            default:
                LocalizedText(en: "The certificate that signed the order is not active (\(state.rawValue)).",
                              zhTW: "簽署此委託的憑證目前非有效狀態（\(state.rawValue)）。")
            }
        }
        var remedy: LocalizedText? {
            LocalizedText(en: "Do not act on this order; the customer signs with the active certificate (tokencert status shows it).",
                          zhTW: "請勿執行此委託；客戶應以有效憑證簽章（可由 tokencert status 查看）。")
        }
    }

    struct NotAccountHolder: UserFacingError {
        var category: ErrorCategory { .verification }

        var summary: LocalizedText {
            LocalizedText(en: "The signer is not the holder of this securities account.", zhTW: "簽章者並非此證券帳號的所有人。")
        }
        var remedy: LocalizedText? {
            LocalizedText(en: "Do not act on this order.", zhTW: "請勿執行此委託。")
        }
    }
}
