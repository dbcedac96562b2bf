import CertificateKit
import Domain
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

/// The RA on a real loopback socket, and a CA whose key lives on a SoftHSM token.
final class LiveAndTokenCATests: XCTestCase {
    func testApplyAndRevokeOverALiveLoopbackServer() async throws {
        let h = try await Harness(self)
        let csr = try await softHSMCSR(.rsa2048)
        try await h.application.test(.live) { client in
            XCTAssertNotNil(client.port)
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "live-1", "csr": csr])
            let serial = try XCTUnwrap(issued.string("serial"))
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await api.expect(.ok, .post, "/certificates/\(serial)/revoke", ["reason": "cessationOfOperation"])
            let crl = try await api.expect(.ok, .get, "/crl.pem")
            XCTAssertTrue(String(buffer: crl.body).hasPrefix("-----BEGIN X509 CRL-----"))
            try await api.expectCode("http-404", .get, "/no-such-path")
            let metrics = String(buffer: try await api.expect(.ok, .get, "/metrics").body)
            XCTAssertTrue(metrics.contains("tokencert_ra_customers 2\n"), metrics)
            XCTAssertTrue(metrics.contains("tokencert_ra_certificates_revoked 1\n"), metrics)
            XCTAssertTrue(metrics.contains("tokencert_ra_crl_number 1\n"), metrics)
        }
    }

    func testACAKeyOnASoftHSMTokenByURIIssuesCertificatesAndCRLsOpenSSLAccepts() async throws {
        let token = try await SoftHSM.makeToken()
        let dir = try workDirectory(self)
        var uri = PKCS11URI()
        uri.token = token.label
        uri.object = "ra-ca"
        let location = CAKeyLocation.token(PKCS11CAKey(uri: uri, modulePath: SoftHSM.modulePath, pin: token.userPIN))
        _ = try await CASetup.initialize(key: location, keyKind: .p256, certificatePath: dir + "/ca.pem",
                                         organization: "TokenCert Test Securities", commonName: "Token CA", now: startDate)
        let again = try? await CASetup.initialize(key: location, keyKind: .p256, certificatePath: dir + "/ca2.pem",
                                                  organization: "x", commonName: "x", now: startDate)
        XCTAssertNil(again, "a second key with the same label is refused")

        let issuer = try await CASetup.load(certificatePath: dir + "/ca.pem", key: location)
        XCTAssertEqual(issuer.caKey.signer.location.description.contains(token.label), true)
        let h = try await Harness(self)
        let service = RAService(repository: h.repository, authority: CertificateAuthority(issuer: issuer, organization: "TokenCert Test Securities"),
                                policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox))
        let app = Application(router: RARoutes.buildRouter(service: service))
        let csr = try await softwareCSR()
        try await app.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "hsm-1", "csr": csr])
            try XCTUnwrap(issued.string("certificate")).write(toFile: dir + "/alice.pem", atomically: true, encoding: .utf8)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await api.expect(.ok, .post, "/certificates/\(issued.string("serial")!)/revoke", ["reason": 1])
            let crl = try await api.expect(.ok, .get, "/crl.pem")
            try String(buffer: crl.body).write(toFile: dir + "/crl.pem", atomically: true, encoding: .utf8)
        }
        let attime = "\(Int(h.clock.now().timeIntervalSince1970) + 60)"
        let verify = try runTool("openssl", ["verify", "-attime", attime, "-CAfile", dir + "/ca.pem", dir + "/alice.pem"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        let crl = try runTool("openssl", ["crl", "-in", dir + "/crl.pem", "-CAfile", dir + "/ca.pem", "-noout"])
        XCTAssertTrue((crl.out + crl.err).contains("verify OK"), crl.out + crl.err)
        let revoked = try runTool("openssl", ["verify", "-attime", attime, "-crl_check", "-CAfile", dir + "/ca.pem", "-CRLfile",
                                              dir + "/crl.pem", dir + "/alice.pem"])
        XCTAssertTrue((revoked.out + revoked.err).contains("certificate revoked"), revoked.out + revoked.err)

        // A key file others can read is refused.
        let keyPath = dir + "/dev.key"
        _ = try await CASetup.initialize(key: .file(path: keyPath), keyKind: .p256, certificatePath: dir + "/dev.pem",
                                         organization: "x", commonName: "x")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyPath)
        do {
            _ = try await CASetup.load(certificatePath: dir + "/dev.pem", key: .file(path: keyPath))
            XCTFail("a world-readable key file was accepted")
        } catch let error as SetupError {
            XCTAssertEqual(error, .keyFileNotPrivate(keyPath, mode: "644"))
        }
        // The wrong certificate for a key is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        do {
            _ = try await CASetup.load(certificatePath: dir + "/ca.pem", key: .file(path: keyPath))
            XCTFail("a mismatched key was accepted")
        } catch let error as SetupError {
            XCTAssertEqual(error, .keyDoesNotMatchCertificate)
        }
    }
}
