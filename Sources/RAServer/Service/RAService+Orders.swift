import CertificateKit
import Domain
import Foundation
import Localization
public import RAContract

extension RAService {
    /// Verifies a CMS-signed order for a securities account: the signature over the content, the
    /// signer's chain to this RA's CA and its validity now (the time the RA receives the order, never
    /// the signature's own signingTime, which must be within the allowed skew of now), not revoked on
    /// the current CRL, and the signer being the account's customer. For the broker's order gateway.
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
        guard let owner = try await repository.certificateOwner(serial: serial), let customer = try await repository.customer(id: owner),
              customer.accounts.contains(account)
        else {
            return refused(.signerNotAccountHolder, NotAccountHolder(), serial: serial)
        }
        try await repository.appendAudit([AuditEvent(at: now, customerID: owner, actor: "system", action: "order-verify", outcome: "ok",
                                                     detail: "serial \(serial) account \(account.masked)")])
        return RA.OrderVerdict(valid: true, code: .ok, message: RA.Text(en: "The order signature is valid.", zhTW: "委託簽章有效。"),
                               remedy: nil, signerSerial: serial, customer: customer.id.masked, signingTime: verified.signingTime)
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
