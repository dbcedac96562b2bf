import Localization
import CertificateKit
import Crypto
import Foundation
import KeyStores
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PKCS11
@testable import RAServer
import TestSupport
import X509
import XCTest

/// Renewal: only in the last 30 days, signed with the current key, pending until confirmed with the
/// new key, then the old certificate is superseded and listed on the CRL.
final class RenewalTests: XCTestCase {
    /// A key on a fresh SoftHSM token.
    static func tokenKey(_ spec: KeySpec, name: String = #function) async throws -> TokenPrivateKey {
        let token = try await SoftHSM.makeToken(name)
        let session = try await token.loggedInSession()
        let pair = try await session.generateKeyPair(spec, label: "order key")
        return try TokenPrivateKey(try PKCS11Signer(session: session, key: pair.privateKey, subjectPublicKeyInfo: pair.subjectPublicKeyInfo,
                                                    tokenLabel: token.label, uri: "pkcs11:token=\(token.label);object=order%20key"))
    }

    /// Base64 of the CSR's DER, as the RA takes it.
    static func csr(_ key: TokenPrivateKey) async throws -> String {
        Data(try CertificateRequests.der(try await CertificateRequests.make(subject: SubscriberSubject(commonName: "x", serialNumber: "x"), key: key)))
            .base64EncodedString()
    }

    static func sign(_ message: [UInt8], _ key: TokenPrivateKey) async throws -> String {
        Data(try await key.signer.sign(message, algorithm: key.signer.supportedAlgorithms[0])).base64EncodedString()
    }

    static func csrHash(_ base64: String) throws -> String {
        hexString(SHA256.hash(data: try CertificateRequests.der(try CertificateRequests.parseAndVerify(Array(try XCTUnwrap(Data(base64Encoded: base64)))))))
    }

    func testRenewalWindowProofOfPossessionPendingConfirmAndSupersede() async throws {
        let h = try await Harness(self)
        let oldKey = try await Self.tokenKey(.p256, name: "renew-old")
        let newKey = try await Self.tokenKey(.rsa2048, name: "renew-new")
        let strangerKey = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let oldCSR = try await Self.csr(oldKey), newCSR = try await Self.csr(newKey)
        let newHash = try Self.csrHash(newCSR)
        let dir = h.dir
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "first", "csr": oldCSR])
            let oldSerial = try XCTUnwrap(issued.string("serial"))
            try XCTUnwrap(issued.string("certificate")).write(toFile: dir + "/old.pem", atomically: true, encoding: .utf8)
            let renewal = ["requestId": "renew-1", "csr": newCSR,
                           "proof": try await Self.sign(ProofOfPossession.renewalMessage(serial: oldSerial, requestID: "renew-1", csrSHA256: newHash), oldKey)]

            // Too early: the window opens 30 days before 2027-03-09 23:59:59 Taipei.
            let early = try await api.expectCode("renewal-not-open", .post, "/certificates/\(oldSerial)/renew", renewal)
            XCTAssertEqual((early["details"] as? [String: String])?["opensAt"], "2027-02-07T15:59:59Z")

            h.clock.set(ISO8601DateFormatter().date(from: "2027-02-08T01:00:00Z")!)
            let again = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            // Signed by a key that is not the certificate's.
            var forged = renewal
            forged["proof"] = try await Self.sign(ProofOfPossession.renewalMessage(serial: oldSerial, requestID: "renew-1", csrSHA256: newHash), strangerKey)
            try await again.expectCode("proof-of-possession-failed", .post, "/certificates/\(oldSerial)/renew", forged)
            // The right proof for another request id does not count either.
            var replayed = renewal
            replayed["requestId"] = "renew-2"
            try await again.expectCode("proof-of-possession-failed", .post, "/certificates/\(oldSerial)/renew", replayed)
            try await again.expectCode("identity-required", .post, "/certificates/\(oldSerial)/renew", renewal)

            try await again.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let pending = try await again.expect(.created, .post, "/certificates/\(oldSerial)/renew", renewal)
            XCTAssertEqual(pending.string("status"), "pending")
            let newSerial = try XCTUnwrap(pending.string("serial"))
            try XCTUnwrap(pending.string("certificate")).write(toFile: dir + "/new.pem", atomically: true, encoding: .utf8)
            let repeatRenew = try await again.expect(.ok, .post, "/certificates/\(oldSerial)/renew", renewal)
            XCTAssertEqual(repeatRenew.string("serial"), newSerial)

            let both = try await again.expect(.ok, .get, "/certificates")
            let states = (both["certificates"] as? [[String: Any]])?.map { "\($0["serial"]!)=\($0["state"]!)" }
            XCTAssertEqual(states, ["\(newSerial)=pending", "\(oldSerial)=active"])
            // L4: an order signed with the pending certificate is not valid until it is confirmed.
            let order = Array("BUY 2330 x 1 account \(Harness.alice.account)".utf8)
            let pendingCertificate = try Certificate(pemEncoded: try XCTUnwrap(pending.string("certificate")))
            let orderBody: [String: any Sendable] = [
                "account": Harness.alice.account, "content": Data(order).base64EncodedString(),
                "signature": Data(try await OrderSigner.sign(order, key: newKey, certificate: pendingCertificate, signingTime: h.clock.now())).base64EncodedString()]
            let unconfirmed = try await again.expect(.ok, .post, "/orders/verify", orderBody)
            XCTAssertEqual(unconfirmed["valid"] as? Bool, false)
            XCTAssertEqual(unconfirmed.string("code"), "certificate-not-active", "\(unconfirmed.json)")
            XCTAssertTrue(((unconfirmed["message"] as? [String: String])?["zh-TW"] ?? "").contains("尚未經客戶確認"), "\(unconfirmed.json)")

            // Confirmation must be signed with the new key.
            try await again.expectCode("proof-of-possession-failed", .post, "/certificates/\(newSerial)/confirm",
                                       ["proof": try await Self.sign(ProofOfPossession.confirmationMessage(serial: newSerial), oldKey)])
            let confirmed = try await again.expect(.ok, .post, "/certificates/\(newSerial)/confirm",
                                                   ["proof": try await Self.sign(ProofOfPossession.confirmationMessage(serial: newSerial), newKey)])
            XCTAssertEqual(confirmed.string("superseded"), oldSerial)
            let confirmedOrder = try await again.expect(.ok, .post, "/orders/verify", orderBody)
            XCTAssertEqual(confirmedOrder["valid"] as? Bool, true, "\(confirmedOrder.json)")
            // M3: repeating the confirmation (even with a junk proof) answers the same and signs no CRL.
            let crlNumber = confirmed["crlNumber"] as? Int
            XCTAssertNotNil(crlNumber)
            for _ in 0..<5 {
                let repeated = try await again.expect(.ok, .post, "/certificates/\(newSerial)/confirm", ["proof": "AAAA"])
                XCTAssertEqual(repeated["crlNumber"] as? Int, crlNumber, "no new CRL without a state change")
            }
            let latest = try await h.repository.latestCRL()?.number
            XCTAssertEqual(latest, crlNumber)
            let after = try await again.expect(.ok, .get, "/certificates")
            XCTAssertEqual((after["certificates"] as? [[String: Any]])?.map { $0["state"] as? String }, ["active", "superseded"])
            XCTAssertEqual(after["onlineRevocationsLeftThisYear"] as? Int, 2, "a renewal is not a revocation")
            let crl = try await again.expect(.ok, .get, "/crl.pem")
            try String(buffer: crl.body).write(toFile: dir + "/crl.pem", atomically: true, encoding: .utf8)
            // The same request id still returns the renewal; a new one cannot renew the superseded certificate.
            try await again.expect(.ok, .post, "/certificates/\(oldSerial)/renew", renewal)
            let proof3 = try await Self.sign(ProofOfPossession.renewalMessage(serial: oldSerial, requestID: "renew-3", csrSHA256: newHash), oldKey)
            try await again.expectCode("not-renewable", .post, "/certificates/\(oldSerial)/renew",
                                       ["requestId": "renew-3", "csr": newCSR, "proof": proof3])
        }
        let attime = "\(Int(h.clock.now().timeIntervalSince1970))"
        let ca = try h.caPEMPath
        let text = try runTool("openssl", ["crl", "-in", dir + "/crl.pem", "-CAfile", ca, "-noout", "-text"])
        XCTAssertTrue(text.out.contains("Superseded"), text.out)
        let old = try runTool("openssl", ["verify", "-attime", attime, "-crl_check", "-CAfile", ca, "-CRLfile", dir + "/crl.pem", dir + "/old.pem"])
        XCTAssertTrue((old.out + old.err).contains("certificate revoked"), old.out + old.err)
        let new = try runTool("openssl", ["verify", "-attime", attime, "-crl_check", "-CAfile", ca, "-CRLfile", dir + "/crl.pem", dir + "/new.pem"])
        XCTAssertEqual(new.status, 0, new.out + new.err)
    }

    func testAnExpiredCertificateCannotBeRenewed() async throws {
        let h = try await Harness(self)
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let csr = try await Self.csr(key)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let first = try await api.expect(.created, .post, "/certificates", ["requestId": "a", "csr": csr])
            let serial = try XCTUnwrap(first.string("serial"))
            h.clock.set(ISO8601DateFormatter().date(from: "2027-03-09T16:00:00Z")!)  // 00:00 Taipei, one second after notAfter
            let again = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            let next = try await Self.csr(try TokenPrivateKey(try SoftwareSigner.generate(.p256)))
            let proof = try await Self.sign(ProofOfPossession.renewalMessage(serial: serial, requestID: "b", csrSHA256: try Self.csrHash(next)), key)
            let r = try await again.expectCode("not-renewable", .post, "/certificates/\(serial)/renew", ["requestId": "b", "csr": next, "proof": proof])
            XCTAssertEqual((r["details"] as? [String: String])?["state"], "expired")
            // An expired certificate no longer blocks a new application.
            try await again.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await again.expect(.created, .post, "/certificates", ["requestId": "c", "csr": next])
        }
    }
}
