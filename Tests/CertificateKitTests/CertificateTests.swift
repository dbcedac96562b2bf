import CertificateKit
import Domain
import Foundation
import KeyStores
import PCSC
import PIV
import PKCS11
import TestSupport
import VirtualCard
import X509
import XCTest
import Secrets

/// CSRs signed on SoftHSM and on the virtual PIV card, certificates we issue — each checked by OpenSSL.
final class CertificateTests: XCTestCase {
    let subject = SubscriberSubject(commonName: "王小明", serialNumber: "A123456789", organization: "TokenCert Securities")

    func testCSRFromSoftHSMKeysPassesOpenSSLVerify() async throws {
        let dir = try workDirectory(self)
        for spec in [KeySpec.rsa2048, .p256, .p384] {
            let signer = try await softHSMSigner(spec)
            let csr = try await CertificateRequests.make(subject: subject, key: try TokenPrivateKey(signer))
            let path = dir + "/req-\(spec).pem"
            try write(try CertificateRequests.pem(csr), path)

            let verify = try runTool("openssl", ["req", "-in", path, "-verify", "-noout"])
                XCTAssertEqual(verify.status, 0, "\(spec): \(verify.err)")
            XCTAssertTrue((verify.out + verify.err).contains("verify OK"), verify.out + verify.err)
            XCTAssertFalse((verify.out + verify.err).contains("failure"), verify.out + verify.err)
            let shown = try runTool("openssl", ["req", "-in", path, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"])
            XCTAssertTrue(shown.out.contains("CN=王小明") && shown.out.contains("serialNumber=A123456789") && shown.out.contains("C=TW"), shown.out)
            let text = try runTool("openssl", ["req", "-in", path, "-noout", "-text"])
            XCTAssertTrue(text.out.contains("Digital Signature, Non Repudiation"), "requested key usage: \(text.out)")
            if case .rsa = spec { XCTAssertTrue(text.out.contains("sha256WithRSAEncryption"), text.out) }

            // Our own check agrees, and both notice a forged signature.
            let der = try CertificateRequests.der(csr)
            XCTAssertNoThrow(try CertificateRequests.parseAndVerify(der))
            var forged = der
            forged[forged.count - 5] ^= 0x01
            XCTAssertThrowsError(try CertificateRequests.parseAndVerify(forged))
            try write(forged, dir + "/forged.der")
            // OpenSSL 3.0's `req -verify` exits 0 either way: read what it says.
            let forgedCheck = try runTool("openssl", ["req", "-inform", "DER", "-in", dir + "/forged.der", "-verify", "-noout"])
            XCTAssertTrue((forgedCheck.out + forgedCheck.err).contains("verify failure"), forgedCheck.out + forgedCheck.err)
        }
    }

    func testIssuedCertificatesVerifyWithOpenSSLAndCarryThePolicy() async throws {
        let dir = try workDirectory(self)
        let ca = try await softwareCA()
        try write(try ca.caCertificate.serializeAsPEM().pemString, dir + "/ca.pem")
        let signer = try await softHSMSigner(.rsa2048)
        let csr = try CertificateRequests.parseAndVerify(try CertificateRequests.der(
            try await CertificateRequests.make(subject: subject, key: try TokenPrivateKey(signer))))

        // 2026-03-10 10:00 Taipei → valid until 2027-03-09 23:59:59 Taipei = 15:59:59 UTC.
        let issued = ISO8601DateFormatter().date(from: "2026-03-10T02:00:00Z")!
        let end = CertificateIssuer.validityEnd(from: issued)
        XCTAssertEqual(CertificateSummary.taipeiString(end), "2027-03-09 23:59:59")
        let certificate = try await ca.issue(publicKey: csr.publicKey, subject: try subject.distinguishedName(),
                                             notBefore: Date().addingTimeInterval(-60), notAfter: end,
                                             profile: .init(crlDistributionPoint: "http://127.0.0.1:8443/crl.der"))
        try write(try certificate.serializeAsPEM().pemString, dir + "/leaf.pem")

        let verify = try runTool("openssl", ["verify", "-CAfile", dir + "/ca.pem", dir + "/leaf.pem"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        let text = try runTool("openssl", ["x509", "-in", dir + "/leaf.pem", "-noout", "-text", "-nameopt", "utf8,sep_comma_plus"])
        XCTAssertTrue(text.out.contains("Digital Signature, Non Repudiation"), text.out)
        XCTAssertTrue(text.out.contains("CA:FALSE"), text.out)
        XCTAssertTrue(text.out.contains("URI:http://127.0.0.1:8443/crl.der"), text.out)
        XCTAssertTrue(text.out.contains("Not After : Mar  9 15:59:59 2027 GMT"), text.out)
        let serial = try runTool("openssl", ["x509", "-in", dir + "/leaf.pem", "-noout", "-serial"])
        let summary = try CertificateSummary(certificate, keyLocation: signer.location)
        XCTAssertEqual("serial=" + summary.serialNumber, serial.out.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(summary.serialNumber.count, 32, "128-bit serial")
        XCTAssertEqual(summary.key, "RSA 2048")
        XCTAssertEqual(summary.subscriber, subject)
        XCTAssertTrue(summary.lines(.traditionalChinese).contains { $0.value.contains("載具") })

        // A CA that did not issue it: openssl refuses.
        let other = try await softwareCA("Some Other CA")
        try write(try other.caCertificate.serializeAsPEM().pemString, dir + "/other.pem")
        XCTAssertNotEqual(try runTool("openssl", ["verify", "-CAfile", dir + "/other.pem", dir + "/leaf.pem"]).status, 0)
    }

    func testCAKeyOnAToken() async throws {
        let dir = try workDirectory(self)
        let caSigner = try await softHSMSigner(.p384)
        let caKey = try TokenPrivateKey(caSigner)
        let caName = try DistinguishedName { CountryName("TW"); CommonName("TokenCert HSM CA") }
        let caCertificate = try await CertificateIssuer.selfSignedCA(subject: caName, key: caKey, notBefore: Date().addingTimeInterval(-60),
                                                                     notAfter: Date().addingTimeInterval(86_400 * 365))
        let ca = CertificateIssuer(caCertificate: caCertificate, caKey: caKey)
        let customer = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let leaf = try await ca.issue(publicKey: customer.publicKey, subject: try subject.distinguishedName(),
                                      notBefore: Date().addingTimeInterval(-60), notAfter: Date().addingTimeInterval(86_400))
        try write(try caCertificate.serializeAsPEM().pemString, dir + "/ca.pem")
        try write(try leaf.serializeAsPEM().pemString, dir + "/leaf.pem")
        let verify = try runTool("openssl", ["verify", "-CAfile", dir + "/ca.pem", dir + "/leaf.pem"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        XCTAssertTrue(try runTool("openssl", ["x509", "-in", dir + "/leaf.pem", "-noout", "-text"]).out.contains("ecdsa-with-SHA384"))
    }

    func testCSRSignedOnTheVirtualPIVCard() async throws {
        let dir = try workDirectory(self)
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let connection = try PCSCContext().connect(reader: reader)
        let piv = try await PIVSession(transport: connection)
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        for (slot, algorithm) in [(PIV.Slot.signature, PIV.KeyAlgorithm.rsa2048), (.authentication, .eccP256)] {
            let publicKey = try await piv.generateKey(slot: slot, algorithm: algorithm)
            let signer = try PIVSigner(session: piv, reader: reader, slot: slot, algorithm: algorithm,
                                       subjectPublicKeyInfo: try publicKey.subjectPublicKeyInfo())
            try await piv.verifyPIN(Secret(PIV.defaultPIN))
            let csr = try await CertificateRequests.make(subject: subject, key: try TokenPrivateKey(signer))
            try write(try CertificateRequests.pem(csr), dir + "/piv.pem")
            let verify = try runTool("openssl", ["req", "-in", dir + "/piv.pem", "-verify", "-noout"])
            XCTAssertEqual(verify.status, 0, "\(slot) \(algorithm): \(verify.err)")
            XCTAssertTrue((verify.out + verify.err).contains("verify OK"), verify.out + verify.err)
            XCTAssertEqual(signer.location, .piv(reader: reader, slot: slot.description))
        }
    }

    func testSigningAlgorithmAndKeyPolicy() throws {
        let dir = try workDirectory(self)
        let rsa1024 = try runTool("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", dir + "/k1024.pem"])
        XCTAssertEqual(rsa1024.status, 0)
        XCTAssertEqual(try runTool("openssl", ["pkey", "-in", dir + "/k1024.pem", "-pubout", "-outform", "DER", "-out", dir + "/p1024.der"]).status, 0)
        let description = try KeyDescription(subjectPublicKeyInfo: try read(dir + "/p1024.der"))
        XCTAssertEqual(description.description, "RSA 1024")
        XCTAssertFalse(description.isAllowed(), "RSA below 2048 bits is refused by policy")
        XCTAssertThrowsError(try SoftwareSigner(pem: String(decoding: try read(dir + "/k1024.pem"), as: UTF8.self)),
                             "software keys below 2048 bits are not even loaded")

        XCTAssertEqual(try runTool("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", dir + "/k2048.pem"]).status, 0)
        let signer = try SoftwareSigner(pem: String(decoding: try read(dir + "/k2048.pem"), as: UTF8.self))
        XCTAssertEqual(signer.supportedAlgorithms.first, .rsaPKCS1SHA256, "RSA signs PKCS#1 v1.5 SHA-256 by default")
        XCTAssertTrue(try KeyDescription(subjectPublicKeyInfo: signer.subjectPublicKeyInfo).isAllowed())
        XCTAssertEqual(try KeyDescription(subjectPublicKeyInfo: try SoftwareSigner.generate(.p384).subjectPublicKeyInfo).description, "ECDSA P-384")
        // The software key's PKCS#8 is what openssl reads back as the same key.
        try write(signer.pkcs8PEM, dir + "/ours.pem")
        let a = try runTool("openssl", ["pkey", "-in", dir + "/ours.pem", "-pubout"])
        let b = try runTool("openssl", ["pkey", "-in", dir + "/k2048.pem", "-pubout"])
        XCTAssertEqual(a.out, b.out)
        XCTAssertTrue(signer.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8")
    }
}
