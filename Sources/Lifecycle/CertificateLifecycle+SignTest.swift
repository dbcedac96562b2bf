import CertificateKit
import Domain
import Foundation
public import Localization
public import RAContract
import X509

extension CertificateLifecycle {
    /// The outcome of `tokencert sign-test`, as the manual's screen shows it: serial and verdict.
    public struct SignTestReport: Sendable, Codable, Hashable {
        /// Upper-case hex.
        public var serial: String
        /// Both checks passed.
        public var passed: Bool
        /// Local check: signature, chain to the RA's CA, validity and the CRL.
        public var localCode: String
        public var local: LocalizedText
        /// The host's verdict; nil when not asked (no session) or unreachable (`hostError`).
        public var hostCode: String?
        public var host: LocalizedText?
        public var hostError: LocalizedText?
        public var signature: [UInt8]
    }

    /// Signs a sample order with the key here, verifies it locally against the RA's CA and CRL, and
    /// asks the host to verify it for one of the customer's accounts.
    /// - Throws: `LifecycleError.noCertificate`, `KeyStoreUnavailable`, the signer's errors; failed
    ///   checks are in the report, not thrown.
    public func signTest(store: any KeyStore, session: RA.Session?) async throws -> SignTestReport {
        guard let current = try await store.currentKey(), let der = current.certificateDER else { throw LifecycleError.noCertificate }
        let certificate = try CertificateSummary.parse(der)
        let summary = try CertificateSummary(certificate, keyLocation: current.location)
        let host = try await session.asyncMap { try await ra.hostStatus(session: $0) }
        let account = host?.accounts?.first ?? "0000-0000000"
        let order = Array("""
            TokenCert sign-and-verify test order
            account=\(account)
            side=buy symbol=2330 quantity=1000 price=0.00
            time=\(ISO8601DateFormatter().string(from: clock.now()))
            nonce=\(UUID().uuidString)

            """.utf8)
        await prompt.progress(.signing, fraction: nil)
        let signature = try await OrderSigner.sign(order, key: try TokenPrivateKey(current.signer), certificate: certificate,
                                                   detached: false, signingTime: clock.now())

        await prompt.progress(.verifying, fraction: nil)
        var localCode = "ok", local = LocalizedText(en: "Signature verified", zhTW: "驗章成功")
        do {
            let ca = try await brokerCADER()
            let crl = try await ra.crl()
            _ = try OrderSignatureVerifier(trustedCAs: [ca], crls: [crl], requireRevocationCheck: true).verify(signature: signature, at: clock.now())
        } catch let e as OrderSignatureError {
            localCode = e.code
            local = e.summary
        } catch let e as RAClientError {
            localCode = "ca-unavailable"
            local = e.summary
        }
        var hostCode: String?, hostText: LocalizedText?, hostError: LocalizedText?
        if host != nil {
            do {
                let verdict = try await ra.verifyOrder(RA.OrderVerificationRequest(account: account, signature: Data(signature).base64EncodedString()))
                hostCode = verdict.code.rawValue
                hostText = verdict.valid ? LocalizedText(en: "Signature verified", zhTW: "驗章成功") : verdict.message
            } catch let e as RAClientError {
                hostError = e.summary
            }
        }
        let passed = localCode == "ok" && (hostCode == nil || hostCode == RAErrorCode.ok.rawValue) && hostError == nil
        return SignTestReport(serial: summary.serialNumber, passed: passed, localCode: localCode, local: local, hostCode: hostCode,
                              host: hostText, hostError: hostError, signature: signature)
    }
}
