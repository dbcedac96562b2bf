import CertificateKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
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
}
