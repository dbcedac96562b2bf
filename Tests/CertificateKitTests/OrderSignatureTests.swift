import CertificateKit
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

/// CMS order signatures and CRLs: ours checked by `openssl cms -verify` / `openssl crl`, OpenSSL's
/// checked by us, and every kind of failure with its own reason.
final class OrderSignatureTests: XCTestCase {
    let order = Array("委託單 2330 台積電 買進 1 張 限價 1000 元 \(UUID().uuidString)".utf8)
    let subject = SubscriberSubject(commonName: "王小明", serialNumber: "A123456789", organization: "TokenCert Securities")

    /// A customer certificate for `signer`'s key issued by `ca`.
    func certificate(for signer: any TokenSigner, ca: CertificateIssuer, notBefore: Date = Date().addingTimeInterval(-3600),
                     notAfter: Date = Date().addingTimeInterval(86_400 * 30)) async throws -> Certificate {
        try await ca.issue(publicKey: try TokenPrivateKey(signer).publicKey, subject: try subject.distinguishedName(),
                           notBefore: notBefore, notAfter: notAfter)
    }

    func testOpenSSLVerifiesOurDetachedAndAttachedSignatures() async throws {
        let dir = try workDirectory(self)
        let ca = try await softwareCA()
        try write(try ca.caCertificate.serializeAsPEM().pemString, dir + "/ca.pem")
        try write(order, dir + "/order.txt")
        for spec in [KeySpec.rsa2048, .p256] {
            let signer = try await softHSMSigner(spec)
            let cert = try await certificate(for: signer, ca: ca)
            let key = try TokenPrivateKey(signer)

            let detached = try await OrderSigner.sign(order, key: key, certificate: cert, detached: true)
            try write(detached, dir + "/detached.p7s")
            let v1 = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/detached.p7s",
                                             "-content", dir + "/order.txt", "-CAfile", dir + "/ca.pem", "-out", dir + "/out1"])
            XCTAssertEqual(v1.status, 0, "\(spec) detached: \(v1.err)")
            XCTAssertTrue(v1.err.contains("Verification successful"), v1.err)

            let attached = try await OrderSigner.sign(order, key: key, certificate: cert, detached: false)
            try write(OrderSigner.pem(attached), dir + "/attached.pem")
            let v2 = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "PEM", "-in", dir + "/attached.pem",
                                             "-CAfile", dir + "/ca.pem", "-out", dir + "/out2"])
            XCTAssertEqual(v2.status, 0, "\(spec) attached: \(v2.err)")
            XCTAssertEqual(try read(dir + "/out2"), order, "the signed content comes back unchanged")

            // openssl shows our signed attributes.
            let printed = try runTool("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", dir + "/detached.p7s"])
            for attribute in ["contentType", "messageDigest", "signingTime"] {
                XCTAssertTrue(printed.out.contains(attribute), "\(attribute) in \(printed.out.prefix(400))")
            }

            // And we verify our own, getting the signer and time back.
            let verified = try OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes]).verify(signature: detached, content: order)
            XCTAssertEqual(verified.signer.subscriber?.serialNumber, "A123456789")
            XCTAssertLessThan(abs(try XCTUnwrap(verified.signingTime).timeIntervalSinceNow), 120)
        }
    }

    func testOrderSignedOnTheVirtualPIVCardVerifiesWithOpenSSL() async throws {
        let dir = try workDirectory(self)
        let ca = try await softwareCA()
        try write(try ca.caCertificate.serializeAsPEM().pemString, dir + "/ca.pem")
        try write(order, dir + "/order.txt")
        let (card, reader) = try await VirtualReaders.insertCard(port: try VirtualReaders.ports()[1])
        addTeardownBlock { await card.stop() }
        let piv = try await PIVSession(transport: try PCSCContext().connect(reader: reader))
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        let publicKey = try await piv.generateKey(slot: .signature, algorithm: .eccP256)
        let signer = try PIVSigner(session: piv, reader: reader, slot: .signature, algorithm: .eccP256,
                                   subjectPublicKeyInfo: try publicKey.subjectPublicKeyInfo())
        let cert = try await certificate(for: signer, ca: ca)
        try await piv.verifyPIN(Secret(PIV.defaultPIN))  // 9C: right before the signature
        let signature = try await OrderSigner.sign(order, key: try TokenPrivateKey(signer), certificate: cert)
        try write(signature, dir + "/piv.p7s")
        let v = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/piv.p7s",
                                        "-content", dir + "/order.txt", "-CAfile", dir + "/ca.pem", "-out", "/dev/null"])
        XCTAssertEqual(v.status, 0, v.err)
    }

    func testWeVerifyOpenSSLSignatures() throws {
        let dir = try workDirectory(self)
        try write(order, dir + "/order.txt")
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/ca.key", "-subj", "/C=TW/CN=OpenSSL CA", "-days", "30", "-out", dir + "/ca.pem"],
            ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir + "/leaf.key",
             "-subj", "/C=TW/CN=Signer/serialNumber=B234567890", "-out", dir + "/leaf.csr"],
            ["x509", "-req", "-in", dir + "/leaf.csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key", "-days", "10", "-out", dir + "/leaf.pem"],
            ["cms", "-sign", "-binary", "-in", dir + "/order.txt", "-signer", dir + "/leaf.pem", "-inkey", dir + "/leaf.key",
             "-outform", "DER", "-out", dir + "/detached.p7s"],
            ["cms", "-sign", "-binary", "-nodetach", "-in", dir + "/order.txt", "-signer", dir + "/leaf.pem", "-inkey", dir + "/leaf.key",
             "-outform", "PEM", "-out", dir + "/attached.pem"],
        ]
        for step in steps {
            let r = try runTool("openssl", step)
            XCTAssertEqual(r.status, 0, "openssl \(step.prefix(2)): \(r.err)")
        }
        let verifier = OrderSignatureVerifier(trustedCAs: [try read(dir + "/ca.pem")])
        let detached = try verifier.verify(signature: try read(dir + "/detached.p7s"), content: order)
        XCTAssertEqual(detached.signer.subscriber?.serialNumber, "B234567890")
        XCTAssertNotNil(detached.signingTime, "openssl adds signingTime")
        let attached = try verifier.verify(signature: try read(dir + "/attached.pem"))
        XCTAssertEqual(attached.content, order)
    }

    func testEachFailureHasItsOwnReason() async throws {
        let dir = try workDirectory(self)
        let ca = try await softwareCA()
        let signer = try SoftwareSigner.generate(.p256)
        let key = try TokenPrivateKey(signer)
        let cert = try await certificate(for: signer, ca: ca)
        let signature = try await OrderSigner.sign(order, key: key, certificate: cert)
        let trusted = OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes])
        XCTAssertNoThrow(try trusted.verify(signature: signature, content: order))

        func reason(_ body: () throws -> Void) -> OrderSignatureError.Reason? {
            do { try body(); return nil } catch let e as OrderSignatureError {
                XCTAssertFalse(e.summary.english.isEmpty)
                XCTAssertFalse(e.summary.traditionalChinese.isEmpty)
                return e.reason
            } catch { XCTFail("\(error)"); return nil }
        }

        // Tampered message.
        var changed = order
        changed[changed.count - 1] ^= 0x01
        guard case .tampered? = reason({ _ = try trusted.verify(signature: signature, content: changed) }) else {
            return XCTFail("a changed message must be reported as tampered")
        }
        // Wrong CA.
        let other = try await softwareCA("Another CA")
        guard case .untrustedSigner? = reason({
            _ = try OrderSignatureVerifier(trustedCAs: [other.caCertificate.derBytes]).verify(signature: signature, content: order)
        }) else { return XCTFail("a foreign CA must be reported as untrusted") }
        // Expired signer: signed after the certificate ended.
        let expired = try await certificate(for: signer, ca: ca, notBefore: Date().addingTimeInterval(-86_400 * 10),
                                             notAfter: Date().addingTimeInterval(-86_400))
        let late = try await OrderSigner.sign(order, key: key, certificate: expired)
        guard case .signerNotValid? = reason({ _ = try trusted.verify(signature: late, content: order) }) else {
            return XCTFail("signing with an expired certificate must fail")
        }
        // H1: the expired certificate signs today with a back-dated signingTime from when it was
        // valid. The order is judged now, so it is refused — as OpenSSL refuses it.
        let backDated = try await OrderSigner.sign(order, key: key, certificate: expired, signingTime: Date().addingTimeInterval(-86_400 * 5))
        guard case .signerNotValid? = reason({ _ = try trusted.verify(signature: backDated, content: order) }) else {
            return XCTFail("a back-dated signature by an expired certificate must not verify")
        }
        try write(try ca.caCertificate.serializeAsPEM().pemString, dir + "/ca-h1.pem")
        try write(backDated, dir + "/backdated.p7s")
        try write(order, dir + "/order-h1.txt")
        let refusedByOpenSSL = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/backdated.p7s",
                                                       "-content", dir + "/order-h1.txt", "-CAfile", dir + "/ca-h1.pem", "-out", "/dev/null"])
        XCTAssertNotEqual(refusedByOpenSSL.status, 0, "openssl cms -verify refuses it too")
        // An archived order judged at the time it was received (vouched for by the caller) still verifies.
        let received = Date().addingTimeInterval(-86_400 * 5 + 60)
        XCTAssertNoThrow(try trusted.verify(signature: backDated, content: order, at: received))
        // A valid certificate with a signingTime a day off the time of judgement: back-dated.
        let dayOld = try await OrderSigner.sign(order, key: key, certificate: cert, signingTime: Date().addingTimeInterval(-86_400))
        guard case .signingTimeOutOfRange? = reason({ _ = try trusted.verify(signature: dayOld, content: order) }) else {
            return XCTFail("a signingTime far from now must be refused")
        }
        let skewed = try await OrderSigner.sign(order, key: key, certificate: cert, signingTime: Date().addingTimeInterval(-120))
        XCTAssertNoThrow(try trusted.verify(signature: skewed, content: order), "a clock two minutes off is within the skew")

        // Revoked: our CRL lists the certificate.
        let crl = try await CRLBuilder.make(issuer: ca, entries: [RevokedEntry(serialNumber: cert.serialNumberBytes, revocationDate: Date(),
                                                                               reason: .keyCompromise)],
                                            number: 7, thisUpdate: Date().addingTimeInterval(-60), nextUpdate: Date().addingTimeInterval(86_400))
        guard case .revoked? = reason({
            _ = try OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes], crls: [crl]).verify(signature: signature, content: order)
        }) else { return XCTFail("a revoked signer must be reported as revoked") }
        // A CRL that does not list it: fine. No CRL while one is required: unknown.
        let clean = try await CRLBuilder.make(issuer: ca, entries: [], number: 8, thisUpdate: Date().addingTimeInterval(-60),
                                              nextUpdate: Date().addingTimeInterval(86_400))
        XCTAssertNoThrow(try OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes], crls: [clean]).verify(signature: signature, content: order))
        guard case .revocationUnknown? = reason({
            _ = try OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes], requireRevocationCheck: true).verify(signature: signature, content: order)
        }) else { return XCTFail("no CRL when required") }
        // Garbage.
        guard case .malformed? = reason({ _ = try trusted.verify(signature: [0x30, 0x03, 0x02, 0x01, 0x00], content: order) }) else {
            return XCTFail("garbage must be malformed")
        }

        // OpenSSL agrees about the revocation, reading our CRL.
        try write(try ca.caCertificate.serializeAsPEM().pemString, dir + "/ca.pem")
        // `openssl cms` takes CRLs inside the CAfile.
        try write(try ca.caCertificate.serializeAsPEM().pemString + "\n" + CRLBuilder.pem(crl), dir + "/ca+crl.pem")
        try write(signature, dir + "/sig.p7s")
        try write(order, dir + "/order.txt")
        let v = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/sig.p7s", "-content", dir + "/order.txt",
                                        "-CAfile", dir + "/ca+crl.pem", "-crl_check", "-out", "/dev/null"])
        XCTAssertNotEqual(v.status, 0)
        XCTAssertTrue(v.err.contains("certificate revoked"), v.err)
    }

    /// One verifier answers repeated chain questions from memory (a batch of one customer's orders):
    /// the answer still follows the time of judgement and the signer, and a revoked signer stays
    /// revoked while another's orders pass.
    func testOneVerifierKeepsEachSignersVerdictApart() async throws {
        let ca = try await softwareCA()
        let alice = try SoftwareSigner.generate(.p256), bob = try SoftwareSigner.generate(.p256)
        let aliceCert = try await certificate(for: alice, ca: ca, notAfter: Date().addingTimeInterval(86_400 * 30))
        let bobCert = try await certificate(for: bob, ca: ca)
        let crl = try await CRLBuilder.make(issuer: ca, entries: [RevokedEntry(serialNumber: bobCert.serialNumberBytes, revocationDate: Date(),
                                                                               reason: .keyCompromise)],
                                            number: 9, thisUpdate: Date().addingTimeInterval(-60), nextUpdate: Date().addingTimeInterval(86_400))
        let verifier = OrderSignatureVerifier(trustedCAs: [ca.caCertificate.derBytes], crls: [crl])
        let later = Date().addingTimeInterval(86_400 * 40)
        let aliceNow = try await OrderSigner.sign(order, key: try TokenPrivateKey(alice), certificate: aliceCert)
        let aliceLater = try await OrderSigner.sign(order, key: try TokenPrivateKey(alice), certificate: aliceCert, signingTime: later)
        let bobNow = try await OrderSigner.sign(order, key: try TokenPrivateKey(bob), certificate: bobCert)
        for round in 1...3 {
            XCTAssertNoThrow(try verifier.verify(signature: aliceNow, content: order), "round \(round)")
            do {
                _ = try verifier.verify(signature: aliceLater, content: order, at: later)
                XCTFail("round \(round): judged after notAfter")
            } catch let e as OrderSignatureError {
                guard case .signerNotValid = e.reason else { return XCTFail("round \(round): \(e.reason)") }
            }
            do {
                _ = try verifier.verify(signature: bobNow, content: order)
                XCTFail("round \(round): bob is revoked")
            } catch let e as OrderSignatureError {
                guard case .revoked = e.reason else { return XCTFail("round \(round): \(e.reason)") }
            }
        }
    }

    func testCRLReadByOpenSSL() async throws {
        let dir = try workDirectory(self)
        let caSigner = try await softHSMSigner(.rsa2048)  // the CA key on a token
        let caKey = try TokenPrivateKey(caSigner)
        let caCert = try await CertificateIssuer.selfSignedCA(subject: try DistinguishedName { CountryName("TW"); CommonName("HSM CA") },
                                                              key: caKey, notBefore: Date().addingTimeInterval(-60),
                                                              notAfter: Date().addingTimeInterval(86_400 * 365))
        let ca = CertificateIssuer(caCertificate: caCert, caKey: caKey)
        let serials = [CertificateIssuer.randomSerialNumber(), CertificateIssuer.randomSerialNumber()]
        let crl = try await CRLBuilder.make(issuer: ca, entries: [
            RevokedEntry(serialNumber: Array(serials[0].bytes), revocationDate: Date().addingTimeInterval(-3600), reason: .keyCompromise),
            RevokedEntry(serialNumber: Array(serials[1].bytes), revocationDate: Date(), reason: .superseded),
        ], number: 42, thisUpdate: Date().addingTimeInterval(-60), nextUpdate: Date().addingTimeInterval(86_400 * 7))
        try write(crl, dir + "/crl.der")
        try write(try caCert.serializeAsPEM().pemString, dir + "/ca.pem")
        let r = try runTool("openssl", ["crl", "-inform", "DER", "-in", dir + "/crl.der", "-CAfile", dir + "/ca.pem", "-noout", "-text"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("verify OK") || r.out.contains("verify OK"), r.out + r.err)
        XCTAssertTrue(r.out.contains("Key Compromise") && r.out.contains("Superseded"), r.out)
        XCTAssertTrue(r.out.contains("X509v3 CRL Number") && r.out.contains("42"), r.out)
        for serial in serials {
            let hex = serial.bytes.map { String(format: "%02X", $0) }.joined()
            XCTAssertTrue(r.out.contains(hex), "serial \(hex) listed")
        }
        XCTAssertEqual(RevocationReason.keyCompromise.label.english, "Key Compromise")
    }
}
