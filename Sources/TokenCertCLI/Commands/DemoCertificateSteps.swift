import CertificateKit
import Foundation
import Localization
import PCSC
import PIV
import PKCS11
import VirtualCard
import X509

/// The demo's certificate walk on one key: a CSR signed where the key lives, a certificate from an
/// in-process development CA, an order signed (CMS) and verified, then the certificate revoked by a
/// CRL and the same signature refused. Used for the SoftHSM key and for the virtual PIV card.
struct DemoCertificateWalk {
    struct Outcome: Codable {
        var keyLocation: String
        var certificateSerial: String
        var validUntilTaipei: String
        var csrVerified: Bool
        var orderSignatureVerified: Bool
        var refusedAfterRevocation: String?
    }

    let ca: CertificateIssuer
    let step: (String, String) -> Void
    static let order = Array("委託單 order: buy 2330 x 1000 @ 1085.00 TWD".utf8)
    static let subject = SubscriberSubject(commonName: "王小明", serialNumber: "A123456789", organization: "TokenCert Demo Securities")

    /// A throwaway development CA whose key lives in memory (a real RA keeps it on an HSM).
    static func makeCA() async throws -> CertificateIssuer {
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let name = try DistinguishedName {
            CountryName("TW")
            OrganizationName("TokenCert Demo")
            CommonName("TokenCert Demo CA")
        }
        let certificate = try await CertificateIssuer.selfSignedCA(subject: name, key: key, notBefore: Date().addingTimeInterval(-3600),
                                                                   notAfter: Date().addingTimeInterval(86_400 * 365 * 5))
        return CertificateIssuer(caCertificate: certificate, caKey: key)
    }

    /// Runs the walk; `store` keeps the certificate next to its key (token object, card slot).
    /// `beforeSigning` runs right before each signature (a PIV 9C key wants the PIN every time).
    func run(signer: any TokenSigner, beforeSigning: () async throws -> Void = {},
             store: (Certificate) async throws -> Void) async throws -> Outcome {
        let key = try TokenPrivateKey(signer)
        try await beforeSigning()
        let request = try await CertificateRequests.make(subject: Self.subject, key: key)
        let csr = try CertificateRequests.parseAndVerify(try CertificateRequests.der(request))
        step("CSR signed by \(signer.location) — self-signature verified", "憑證請求已由 \(signer.location.text.traditionalChinese) 簽署，自我簽章驗證成功")

        let now = Date()
        let certificate = try await ca.issue(publicKey: csr.publicKey, subject: try Self.subject.distinguishedName(),
                                             notBefore: now.addingTimeInterval(-60), notAfter: CertificateIssuer.validityEnd(from: now))
        try await store(certificate)
        let summary = try CertificateSummary(certificate, keyLocation: signer.location)
        step("Certificate \(summary.serialNumber) issued, valid until \(CertificateSummary.taipeiString(summary.notAfter)) (Taipei), stored with its key",
             "憑證 \(summary.serialNumber) 已簽發，有效至 \(CertificateSummary.taipeiString(summary.notAfter))（台北時間），已與金鑰存放在一起")

        try await beforeSigning()
        let signature = try await OrderSigner.sign(Self.order, key: key, certificate: certificate)
        let verifier = OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes])
        let verified = try verifier.verify(signature: signature, content: Self.order)
        step("Order signed (CMS, \(signature.count) bytes) and verified: signer \(verified.signer.subscriber?.serialNumber ?? "?")",
             "委託單已簽章（CMS，\(signature.count) 位元組）並驗證成功：簽章者 \(verified.signer.subscriber?.serialNumber ?? "?")")

        let crl = try await CRLBuilder.make(issuer: ca, entries: [RevokedEntry(serialNumber: certificate.serialNumberBytes, revocationDate: Date(),
                                                                               reason: .keyCompromise)],
                                            number: 1, thisUpdate: Date().addingTimeInterval(-60), nextUpdate: Date().addingTimeInterval(86_400))
        var refused: String?
        do {
            _ = try OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes], crls: [crl]).verify(signature: signature, content: Self.order)
        } catch let error as OrderSignatureError {
            refused = error.summary.english
            step("After revocation (CRL, reason Key Compromise) the same signature is refused: \(error.summary.english)",
                 "廢止後（廢止清單，原因：金鑰洩漏）同一份簽章遭拒：\(error.summary.traditionalChinese)")
        }
        return Outcome(keyLocation: signer.location.description, certificateSerial: summary.serialNumber,
                       validUntilTaipei: CertificateSummary.taipeiString(summary.notAfter), csrVerified: true,
                       orderSignatureVerified: true, refusedAfterRevocation: refused)
    }
}

/// The demo's virtual PIV card: plugged into the vpcd reader on `port`, personalised with the card's
/// default management key, a P-256 key generated on the card in slot 9C, then the certificate walk.
enum DemoVirtualCard {
    static func run(port: Int, reader: String, walk: DemoCertificateWalk) async throws -> DemoCertificateWalk.Outcome {
        let card = try VirtualPIVCard(configuration: .init(port: port, connectTimeout: .seconds(10), reconnectWhenDropped: false))
        try await card.start()
        do {
            let context = try PCSCContext()
            guard try await context.waitForCard(in: reader, timeout: .seconds(10)) else {
                throw PCSCError(.noSmartcard, function: "SCardGetStatusChange", reader: reader)
            }
            walk.step("Virtual PIV card inserted in \(reader)", "虛擬 PIV 卡已插入 \(reader)")
            let connection = try context.connect(reader: reader)
            let piv = try await PIVSession(transport: connection)
            try await piv.authenticate(managementKey: PIV.defaultManagementKey)
            let publicKey = try await piv.generateKey(slot: .signature, algorithm: .eccP256)
            walk.step("Generated a P-256 key on the card in slot 9C (it never leaves the card)", "已在卡片槽位 9C 產生 P-256 金鑰（不會離開卡片）")
            let signer = try PIVSigner(session: piv, reader: reader, slot: .signature, algorithm: .eccP256,
                                       subjectPublicKeyInfo: try publicKey.subjectPublicKeyInfo())
            let outcome = try await walk.run(signer: signer, beforeSigning: {
                try await piv.verifyPIN(CardSecret(PIV.defaultPIN))  // the card's documented default PIN
            }, store: { certificate in
                try await piv.writeCertificate(certificate.derBytes, slot: .signature)
            })
            try? await connection.disconnect()
            await card.stop()
            return outcome
        } catch {
            await card.stop()
            throw error
        }
    }
}
