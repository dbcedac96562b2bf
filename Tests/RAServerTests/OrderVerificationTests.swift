import CertificateKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
@testable import RAServer
import TestSupport
import X509
import XCTest

/// Orders signed on a SoftHSM token with an RA-issued certificate, judged by `POST /orders/verify`.
final class OrderVerificationTests: XCTestCase {
    func testSignedOrdersAreJudgedForSignatureRevocationAndAccountHolder() async throws {
        let h = try await Harness(self)
        let key = try await RenewalTests.tokenKey(.p256, name: "order-signer")
        let csr = try await RenewalTests.csr(key)
        let order = Array("BUY 2330 x 1000 @ 1085.00 account 1020-1234567".utf8)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "o1", "csr": csr])
            let certificate = try Certificate(pemEncoded: try XCTUnwrap(issued.string("certificate")))
            let signature = try await OrderSigner.sign(order, key: key, certificate: certificate, signingTime: h.clock.now())
            let body: [String: any Sendable] = ["account": Harness.alice.account, "signature": Data(signature).base64EncodedString(),
                                                "content": Data(order).base64EncodedString()]

            let ok = try await api.expect(.ok, .post, "/orders/verify", body)
            XCTAssertEqual(ok["valid"] as? Bool, true, "\(ok.json)")
            XCTAssertEqual(ok.string("signerSerial"), issued.string("serial"))
            XCTAssertEqual(ok.string("customer"), "A123456***")

            var otherAccount = body
            otherAccount["account"] = Harness.bob.account
            let notHolder = try await api.expect(.ok, .post, "/orders/verify", otherAccount)
            XCTAssertEqual(notHolder.string("code"), "signer-not-account-holder")
            XCTAssertEqual(notHolder["valid"] as? Bool, false)

            var changed = body
            changed["content"] = Data(Array("BUY 2330 x 9000 @ 1085.00 account 1020-1234567".utf8)).base64EncodedString()
            let tampered = try await api.expect(.ok, .post, "/orders/verify", changed)
            XCTAssertEqual(tampered.string("code"), "tampered")

            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await api.expect(.ok, .post, "/certificates/\(issued.string("serial")!)/revoke", ["reason": 1])
            let revoked = try await api.expect(.ok, .post, "/orders/verify", body)
            XCTAssertEqual(revoked.string("code"), "revoked", "\(revoked.json)")
            try await api.expectCode("invalid-account", .post, "/orders/verify", ["account": "12", "signature": "AA=="])
        }
        // With a gateway token configured, only the gateway may ask.
        let guarded = Application(router: RARoutes.buildRouter(service: h.service, orderGatewayToken: "gateway-secret"))
        try await guarded.test(.router) { client in
            let body: [String: any Sendable] = ["account": Harness.alice.account, "signature": "AA=="]
            try await API(client: client).expectCode("not-logged-in", .post, "/orders/verify", body)
            try await API(client: client, token: "wrong").expectCode("not-logged-in", .post, "/orders/verify", body)
            let r = try await API(client: client, token: "gateway-secret").expect(.ok, .post, "/orders/verify", body)
            XCTAssertEqual(r.string("code"), "malformed")
        }
    }

    /// Issue 19 L8: `/metrics` and `/orders/verify` answer a client on another machine only with
    /// their token; without a configured token, loopback clients only.
    func testOperatorEndpointsAnswerLoopbackClientsOrTheirTokenOnly() throws {
        func context(_ address: String?) throws -> RARequestContext {
            let channel = EmbeddedChannel()
            channel.remoteAddress = try address.map { try SocketAddress(ipAddress: $0, port: 40000) }
            return RARequestContext(source: ApplicationRequestContextSource(channel: channel, logger: Logger(label: "test")))
        }
        func request(_ token: String?, forwardedFor: String? = nil) -> Request {
            var head = HTTPRequest(method: .get, scheme: "http", authority: "ra", path: "/metrics")
            if let token { head.headerFields[.authorization] = "Bearer \(token)" }
            if let forwardedFor { head.headerFields[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
            return Request(head: head, body: .init(buffer: ByteBuffer()))
        }
        for local in ["127.0.0.1", "127.8.9.10", "::1", nil] {
            XCTAssertNoThrow(try Wire.requireOperator(request(nil), try context(local), tokenSHA256: nil, endpoint: "GET /metrics"), "\(local ?? "in-process")")
        }
        for remote in ["192.0.2.7", "10.0.0.1", "2001:db8::1"] {
            XCTAssertThrowsError(try Wire.requireOperator(request(nil), try context(remote), tokenSHA256: nil, endpoint: "GET /metrics")) {
                XCTAssertEqual(($0 as? RAError)?.code, .localOnly)
                XCTAssertEqual(($0 as? RAError)?.status, .forbidden)
            }
        }
        // Behind a trusted proxy, the login limits count the address the proxy saw (X-Forwarded-For's
        // last entry); anyone else's X-Forwarded-For is ignored.
        let forwarded = request(nil, forwardedFor: "203.0.113.9, 198.51.100.4")
        XCTAssertEqual(Wire.clientAddress(forwarded, try context("127.0.0.1"), trustedProxies: ["127.0.0.1"]), "198.51.100.4")
        XCTAssertEqual(Wire.clientAddress(forwarded, try context("192.0.2.7"), trustedProxies: ["127.0.0.1"]), "192.0.2.7")
        XCTAssertEqual(Wire.clientAddress(request(nil), try context("127.0.0.1"), trustedProxies: ["127.0.0.1"]), "127.0.0.1")
        // With a token configured, the token decides — from anywhere, loopback included.
        let token = RAService.sha256("scraper-secret")
        XCTAssertNoThrow(try Wire.requireOperator(request("scraper-secret"), try context("192.0.2.7"), tokenSHA256: token, endpoint: "GET /metrics"))
        for (given, address) in [(nil, "127.0.0.1"), ("wrong", "192.0.2.7"), (nil, "192.0.2.7")] as [(String?, String)] {
            XCTAssertThrowsError(try Wire.requireOperator(request(given), try context(address), tokenSHA256: token, endpoint: "GET /metrics")) {
                XCTAssertEqual(($0 as? RAError)?.code, .notLoggedIn)
            }
        }
    }

    /// H1: a certificate that has expired signs an order with a back-dated signingTime from when it
    /// was valid. The RA judges the order when it receives it: not valid. The expired certificate can
    /// still be revoked for key compromise (not for another reason) and then appears on the CRL.
    func testAnExpiredCertificateCannotSignABackDatedOrderAndCanBeRevokedForKeyCompromise() async throws {
        let h = try await Harness(self)
        let key = try await RenewalTests.tokenKey(.p256, name: "expired-signer")
        let csr = try await RenewalTests.csr(key)
        let order = Array("BUY 2330 x 1000 @ 1085.00 account 1020-1234567".utf8)
        try await h.application.test(.router) { client in
            var api = try await aliceReady(client)
            _ = try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "h1", "csr": csr])
            let serial = try XCTUnwrap(issued.string("serial"))
            let certificate = try Certificate(pemEncoded: try XCTUnwrap(issued.string("certificate")))
            let whileValid = h.clock.now()

            // A year and a month later the certificate has expired; the key signs with the old date.
            h.clock.advance(86_400 * 400)
            let backDated = try await OrderSigner.sign(order, key: key, certificate: certificate, signingTime: whileValid.addingTimeInterval(3_600))
            let body: [String: any Sendable] = ["account": Harness.alice.account, "signature": Data(backDated).base64EncodedString(),
                                                "content": Data(order).base64EncodedString()]
            let judged = try await api.expect(.ok, .post, "/orders/verify", body)
            XCTAssertEqual(judged["valid"] as? Bool, false, "\(judged.json)")
            XCTAssertEqual(judged.string("code"), "not-valid", "\(judged.json)")

            // Revocation of the expired certificate: refused for cessation, done for key compromise.
            api = try await aliceReady(client)
            _ = try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await api.expectCode("not-revocable", .post, "/certificates/\(serial)/revoke", ["reason": 5])
            let revoked = try await api.expect(.ok, .post, "/certificates/\(serial)/revoke", ["reason": 1])
            XCTAssertEqual(revoked.string("serial"), serial)
            let crlPEM = try await api.call(.get, "/crl.pem")
            let crlPath = h.dir + "/crl-h1.pem"
            try String(buffer: crlPEM.body).write(toFile: crlPath, atomically: true, encoding: .utf8)
            let listed = try runTool("openssl", ["crl", "-in", crlPath, "-CAfile", try h.caPEMPath, "-noout", "-text"])
            XCTAssertEqual(listed.status, 0, listed.err)
            XCTAssertTrue(listed.out.uppercased().contains(serial.uppercased()), listed.out)
            XCTAssertTrue(listed.out.contains("Key Compromise"), listed.out)
        }
    }

    /// M1/M2: one key is certified for one customer only (else an order signed by one could be
    /// re-attributed to the other), and a key revoked for key compromise is never certified again.
    func testOneKeyOneCustomerAndACompromisedKeyNeverAgain() async throws {
        let h = try await Harness(self)
        let key = try await RenewalTests.tokenKey(.p256, name: "shared-key")
        let csr = try await RenewalTests.csr(key)
        try await h.application.test(.router) { client in
            let alice = try await aliceReady(client)
            _ = try await alice.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await alice.expect(.created, .post, "/certificates", ["requestId": "m1-a", "csr": csr])
            let serial = try XCTUnwrap(issued.string("serial"))

            // Bob sends a CSR for Alice's key: refused before anything is signed.
            let bob = try await API(client: client).login(Harness.bob.id, Harness.bob.password)
            try await bob.consent()
            _ = try await bob.identify(h, birth: Harness.bob.birth, account: Harness.bob.account)
            try await bob.expectCode("key-in-use", .post, "/certificates", ["requestId": "m1-b", "csr": csr])

            // Alice reports the key compromised; she may not have it certified again.
            _ = try await alice.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await alice.expect(.ok, .post, "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
            _ = try await alice.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await alice.expectCode("key-compromised", .post, "/certificates", ["requestId": "m2-a", "csr": csr])
        }
        let der = try await h.repository.transact(customerID: Harness.alice.id) { $0.certificates.first?.der }
        let uses = try await h.repository.keyUses(subjectPublicKeyInfoSHA256: SQLiteRepository.spkiSHA256(ofCertificate: try XCTUnwrap(der)))
        XCTAssertEqual(uses.count, 1, "one certificate for the key: \(uses)")
    }
}
