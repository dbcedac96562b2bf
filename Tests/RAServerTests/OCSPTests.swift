import CertificateKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwiftASN1
@testable import RAServer
import TestSupport
import X509
import XCTest

/// The RA's OCSP responder, live on loopback, checked by clients nobody on this project wrote:
/// `openssl ocsp`, GnuTLS `ocsptool` and NSS `ocspclnt`/`vfychain`; fed mutated requests; and asked by
/// `tokencert verify`. Runs on the test store of the run (SQLite, or PostgreSQL with
/// TOKENCERT_TEST_STORE=postgres).
final class OCSPTests: XCTestCase, @unchecked Sendable {
    /// Answers cached for an hour, clock a minute behind the wall (clients compare with their own clock).
    static let policy = Policy.standard.with {
        $0.passwordIterations = 1000
        $0.ocspLifetime = 3600
    }

    /// An RA whose certificates point to `base` (its CRL, OCSP responder and CA certificate), served
    /// live there (a port picked first) for `body`, which calls the API through the test client (the
    /// same service on a port of the test framework's); stopped when `body` returns.
    func withLiveRA<T: Sendable>(_ h: Harness, delegate: TokenPrivateKey? = nil,
                                 _ body: @escaping @Sendable (API, String) async throws -> T) async throws -> T {
        let port = try MultiInstanceTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let authority = CertificateAuthority(issuer: h.authority.issuer, organization: h.authority.organization, publicURL: base)
        let service = RAService(repository: h.repository, authority: authority, policy: h.policy, clock: h.clock,
                                delivery: try OutboxDelivery(directory: h.outbox), ocspResponderKey: delegate)
        var logger = Logger(label: "ocsp-test")
        logger.logLevel = .warning
        // Stopped by cancelling it, which its server logs as an error: only critical lines.
        var quiet = logger
        quiet.logLevel = .critical
        let app = Application(router: RARoutes.buildRouter(service: service), configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              logger: quiet)
        let tested = Application(router: RARoutes.buildRouter(service: service), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            do {
                try await MultiInstanceTests.waitUntilAnswering(base + "/health")
                let value = try await tested.test(.live) { client in try await body(API(client: client), base) }
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Alice's certificate for a fresh software key: (serial, PEM, key).
    func issue(_ api: API, _ h: Harness, requestID: String) async throws -> (serial: String, pem: String, key: TokenPrivateKey) {
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: "Mallory", serialNumber: "Z999999999"), key: key)
        try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
        let issued = try await api.expect(.created, .post, "/certificates",
                                          ["requestId": requestID, "csr": Data(try CertificateRequests.der(csr)).base64EncodedString()])
        return (try XCTUnwrap(issued.string("serial")), try XCTUnwrap(issued.string("certificate")), key)
    }

    func revoke(_ api: API, _ h: Harness, _ serial: String, reason: String = "keyCompromise") async throws {
        try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
        try await api.expect(.ok, .post, "/certificates/\(serial)/revoke", ["reason": reason])
    }

    /// A certificate of another CA (same kind of key and profile), and that CA's PEM.
    func foreignCertificate(_ dir: String) async throws -> (cert: String, ca: String) {
        let other = try await softwareCA("Another Broker CA")
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let certificate = try await other.issue(publicKey: key.publicKey, subject: try SubscriberSubject(commonName: "Eve", serialNumber: "Z999999999").distinguishedName(),
                                                notBefore: Date().addingTimeInterval(-3600), notAfter: Date().addingTimeInterval(86_400))
        let cert = dir + "/foreign.pem", ca = dir + "/foreign-ca.pem"
        try (certificate.serializeAsPEM().pemString + "\n").write(toFile: cert, atomically: true, encoding: .utf8)
        try (other.caCertificate.serializeAsPEM().pemString + "\n").write(toFile: ca, atomically: true, encoding: .utf8)
        return (cert, ca)
    }

    /// `openssl ocsp` against the responder; its whole output.
    func openssl(_ cert: String, issuer: String, _ base: String, _ extra: [String]) throws -> ToolResult {
        try runTool("openssl", ["ocsp", "-issuer", issuer, "-cert", cert, "-url", base + "/ocsp", "-resp_text"] + extra)
    }

    func testOpenSSLGnuTLSAndNSSSeeGoodRevokedWithItsReasonAndUnknownForAnotherCA() async throws {
        let h = try await Harness(self, policy: Self.policy)
        h.clock.set(Date().addingTimeInterval(-60))
        let ca = try h.caPEMPath
        let dir = h.dir
        let foreign = try await foreignCertificate(dir)
        let nss = try nssDatabase(dir, ca: ca)
        try await withLiveRA(h) { [self] api, base in
            let alice = try await aliceReady(api.client)
            let (serial, pem, _) = try await issue(alice, h, requestID: "ocsp-1")
            let cert = dir + "/alice.pem"
            try pem.write(toFile: cert, atomically: true, encoding: .utf8)

            // The certificate points to the responder and the CA certificate (openssl reads the AIA).
            let text = try runTool("openssl", ["x509", "-in", cert, "-noout", "-ext", "authorityInfoAccess,crlDistributionPoints"])
            XCTAssertTrue(text.out.contains("OCSP - URI:\(base)/ocsp"), text.out)
            XCTAssertTrue(text.out.contains("CA Issuers - URI:\(base)/ca.der"), text.out)
            XCTAssertTrue(text.out.contains("URI:\(base)/crl"), text.out)
            let der = try await api.expect(.ok, .get, "/ca.der")
            XCTAssertEqual(Array(der.body.readableBytesView), h.authority.issuer.caCertificate.derBytes)

            // good: with a nonce (openssl's default) checked by -CAfile, without one by -VAfile.
            for extra in [["-CAfile", ca], ["-VAfile", ca, "-no_nonce"]] {
                let r = try openssl(cert, issuer: ca, base, extra)
                XCTAssertEqual(r.status, 0, r.out + r.err)
                XCTAssertTrue(r.out.contains("\(cert): good"), r.out + r.err)
                XCTAssertTrue(r.err.contains("Response verify OK"), r.out + r.err)
                XCTAssertTrue(r.out.contains("This Update:") && r.out.contains("Next Update:"), r.out)
                XCTAssertEqual(r.out.contains("OCSP Nonce"), !extra.contains("-no_nonce"), "the nonce is echoed exactly when sent: \(r.out)")
                XCTAssertFalse(r.err.contains("WARNING"), r.err)
            }
            // Tampering with the response is noticed (the check can fail): another CA as the only trust.
            let wrongTrust = try openssl(cert, issuer: ca, base, ["-CAfile", foreign.ca])
            XCTAssertFalse(wrongTrust.err.contains("Response verify OK"), wrongTrust.out + wrongTrust.err)
            try gnutls(cert, ca: ca, base, expect: "good")
            try nssStatus(nss, cert: cert, base, expect: .good)

            // revoked with the reason, after the customer's revocation.
            try await revoke(alice, h, serial)
            for extra in [["-CAfile", ca], ["-VAfile", ca, "-no_nonce"]] {
                let r = try openssl(cert, issuer: ca, base, extra)
                XCTAssertTrue(r.out.contains("\(cert): revoked"), r.out + r.err)
                XCTAssertTrue(r.out.contains("Reason: keyCompromise"), r.out)
                XCTAssertTrue(r.out.contains("Revocation Time:"), r.out)
                XCTAssertTrue(r.err.contains("Response verify OK"), r.out + r.err)
            }
            try gnutls(cert, ca: ca, base, expect: "revoked")
            try nssStatus(nss, cert: cert, base, expect: .revoked)

            // unknown for another CA's certificate (the answer is still signed by this CA).
            let r = try openssl(foreign.cert, issuer: foreign.ca, base, ["-VAfile", ca])
            XCTAssertTrue(r.out.contains("\(foreign.cert): unknown"), r.out + r.err)
            XCTAssertTrue(r.err.contains("Response verify OK"), r.out + r.err)
            try gnutls(foreign.cert, ca: foreign.ca, signer: ca, base, expect: "unknown")
            try nssStatus(nss, cert: foreign.cert, foreignCA: foreign.ca, base, expect: .unknown)
        }
    }

    /// A delegated responder (`serve --ocsp-key-file`): its certificate (OCSP signing, no-check, two
    /// days) travels in each answer, and openssl (-CAfile: the chain and the key usage), GnuTLS
    /// (--load-trust) and NSS (vfychain, the responder from the AIA) accept what it signs; our own
    /// client refuses an answer signed by a certificate of the CA without OCSP signing.
    func testADelegatedResponderCertificateSignsAnswersThatOpenSSLGnuTLSAndNSSAccept() async throws {
        let h = try await Harness(self, policy: Self.policy)
        h.clock.set(Date().addingTimeInterval(-60))
        let ca = try h.caPEMPath
        let dir = h.dir
        let nss = try nssDatabase(dir, ca: ca)
        let keyFile = dir + "/ocsp.key"
        let delegate = try CASetup.responderKey(file: keyFile)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try CASetup.responderKey(file: keyFile).publicKey, delegate.publicKey, "the file is read again, not replaced")
        try await withLiveRA(h, delegate: delegate) { [self] api, base in
            let alice = try await aliceReady(api.client)
            let (serial, pem, key) = try await issue(alice, h, requestID: "ocsp-delegated")
            let cert = dir + "/alice.pem"
            try pem.write(toFile: cert, atomically: true, encoding: .utf8)
            let good = try openssl(cert, issuer: ca, base, ["-CAfile", ca])
            XCTAssertTrue(good.out.contains("\(cert): good"), good.out + good.err)
            XCTAssertTrue(good.err.contains("Response verify OK"), good.out + good.err)
            XCTAssertTrue(good.out.contains("OCSP Signing") && good.out.contains("OCSP No Check"), good.out)
            XCTAssertTrue(good.out.contains("CN=TokenCert Test RA CA OCSP Responder") || good.out.contains("CN = TokenCert Test RA CA OCSP Responder"), "the responder's certificate is in the answer: \(good.out)")
            try gnutls(cert, ca: ca, trust: true, base, expect: "good")
            try vfychain(nss, cert: cert, expect: .good)

            // The responder's certificate: two days (the policy's), issued by the CA, key usage for OCSP only.
            let certificate = try Certificate(pemEncoded: pem)
            let request = try OCSPCheck.request(for: certificate, issuer: h.authority.issuer.caCertificate)
            let answer = try await api.client.execute(uri: "/ocsp", method: .post, body: ByteBuffer(bytes: request.der))
            let parsed = try OCSPResponse(der: Array(answer.body.readableBytesView))
            let responder = try XCTUnwrap(parsed.certificates.first)
            XCTAssertEqual(responder.notValidAfter.timeIntervalSince(responder.notValidBefore), 2 * 86_400 + 60, accuracy: 1)
            XCTAssertEqual(responder.publicKey, delegate.publicKey)
            XCTAssertEqual(OCSPCheck.judge(Array(answer.body.readableBytesView), to: request, issuer: h.authority.issuer.caCertificate), .good)

            // An answer signed by a certificate of the CA that may not sign OCSP answers (Alice's own) is no answer.
            let forged = try await OCSPResponse.sign([OCSPSingleResponse(certID: request.certIDs[0], status: .good, thisUpdate: Date(),
                                                                         nextUpdate: Date().addingTimeInterval(600))],
                                                     producedAt: Date(), nonce: request.nonce, key: key, certificates: [certificate])
            guard case .unknown = OCSPCheck.judge(forged, to: request, issuer: h.authority.issuer.caCertificate) else {
                return XCTFail("an answer signed without OCSP signing was taken")
            }

            try await revoke(alice, h, serial)
            let revoked = try openssl(cert, issuer: ca, base, ["-CAfile", ca, "-no_nonce"])
            XCTAssertTrue(revoked.out.contains("\(cert): revoked") && revoked.err.contains("Response verify OK"), revoked.out + revoked.err)
            try gnutls(cert, ca: ca, trust: true, base, expect: "revoked")
            try vfychain(nss, cert: cert, expect: .revoked)
        }
    }

    // MARK: GnuTLS

    /// `ocsptool --ask URL --load-cert --load-issuer --load-signer` (nonce on): its "Cert Status" and
    /// a verified response.
    /// With `trust`, the signer is found from `ca` as a trust anchor (a delegated responder's certificate).
    func gnutls(_ cert: String, ca: String, signer: String? = nil, trust: Bool = false, _ base: String, expect: String,
                file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runTool("ocsptool", ["--ask=" + base + "/ocsp", "--load-cert", cert, "--load-issuer", ca,
                                         trust ? "--load-trust" : "--load-signer", signer ?? ca, "--nonce"])
        let out = r.out + r.err
        XCTAssertTrue(out.contains("Certificate Status: \(expect)"), out, file: file, line: line)
        XCTAssertTrue(out.contains("Verifying OCSP Response: Success."), out, file: file, line: line)
    }

    // MARK: NSS

    enum NSSStatus { case good, revoked, unknown }

    /// An NSS database (no password) with the RA's CA trusted.
    func nssDatabase(_ dir: String, ca: String) throws -> String {
        let db = dir + "/nssdb"
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        let made = try runTool("certutil", ["-N", "-d", "sql:" + db, "--empty-password"])
        XCTAssertEqual(made.status, 0, made.err)
        let added = try runTool("certutil", ["-A", "-d", "sql:" + db, "-n", "ra-ca", "-t", "CT,C,C", "-i", ca])
        XCTAssertEqual(added.status, 0, added.err)
        return db
    }

    /// NSS's `ocspclnt -S` (status of a certificate in the database, asked of the responder at `base`
    /// that `ra-ca` signs for); for our own certificates also `vfychain -pp -g leaf -m ocsp`, which
    /// finds the responder in the certificate's AIA.
    func nssStatus(_ db: String, cert: String, foreignCA: String? = nil, _ base: String, expect: NSSStatus,
                   file: StaticString = #filePath, line: UInt = #line) throws {
        // NSS keeps one nickname per certificate: the file's name, the same each time.
        let nick = "c-" + URL(fileURLWithPath: cert).lastPathComponent
        if let foreignCA {
            XCTAssertEqual(try runTool("certutil", ["-A", "-d", "sql:" + db, "-n", "foreign-ca", "-t", "C,C,C", "-i", foreignCA]).status, 0)
        }
        XCTAssertEqual(try runTool("certutil", ["-A", "-d", "sql:" + db, "-n", nick, "-t", ",,", "-i", cert]).status, 0, file: file, line: line)
        let r = try runTool("ocspclnt", ["-S", nick, "-d", "sql:" + db, "-l", base + "/ocsp", "-t", "ra-ca"])
        let out = r.out + r.err
        switch expect {
        case .good: XCTAssertTrue(out.contains("Check of certificate \"\(nick)\" succeeded."), out, file: file, line: line)
        case .revoked: XCTAssertTrue(out.contains("failed") && out.contains("Certificate has been revoked"), out, file: file, line: line)
        case .unknown: XCTAssertTrue(out.contains("failed") && out.contains("has no status for the certificate"), out, file: file, line: line)
        }
        guard foreignCA == nil else { return }
        try vfychain(db, cert: cert, expect: expect, file: file, line: line)
    }

    /// `vfychain -pp -g leaf -m ocsp -s failIfNoInfo`: NSS finds the responder in the certificate's AIA.
    func vfychain(_ db: String, cert: String, expect: NSSStatus, file: StaticString = #filePath, line: UInt = #line) throws {
        let chain = try runTool("vfychain", ["-d", "sql:" + db, "-pp", "-v", "-u", "4", "-g", "leaf", "-m", "ocsp", "-s", "failIfNoInfo", "-a", cert])
        let said = chain.out + chain.err
        switch expect {
        case .good: XCTAssertTrue(said.contains("Chain is good!"), said, file: file, line: line)
        case .revoked:
            XCTAssertTrue(said.contains("Chain is bad!") && said.contains("ERROR -8180: Peer's Certificate has been revoked."), said, file: file, line: line)
        case .unknown: break
        }
    }

    // MARK: Bad requests

    func testMutatedGarbageTruncatedAndOversizedRequestsGetMalformedRequestOr4xxAndTheResponderKeepsAnswering() async throws {
        let h = try await Harness(self, policy: Self.policy)
        h.clock.set(Date())
        try await withLiveRA(h) { [self] api, base in
            let alice = try await aliceReady(api.client)
            let (_, pem, _) = try await issue(alice, h, requestID: "ocsp-fuzz")
            let certificate = try Certificate(pemEncoded: pem)
            let ca = h.authority.issuer.caCertificate
            let valid = OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: ca)], nonce: OCSPRequest.randomNonce()).der
            var rng = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["TOKENCERT_OCSP_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max))
            print("OCSP mutation seed \(rng.seed)")
            var inputs: [[UInt8]] = [[], [0x30], [0x30, 0x00], [0x30, 0x80, 0x00, 0x00], Array(repeating: 0x30, count: 3000),
                                     [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF] + valid]
            for n in 1..<valid.count { inputs.append(Array(valid.prefix(n))) }
            for _ in 0..<250 {
                var m = valid
                switch rng.next() % 4 {
                case 0: let i = Int(rng.next() % UInt64(m.count)); m[i] ^= UInt8(1 << (rng.next() % 8))
                case 1: let i = Int(rng.next() % UInt64(m.count)); m[i] = UInt8(truncatingIfNeeded: rng.next())
                case 2: let i = Int(rng.next() % UInt64(m.count)); m.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                default: m = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                inputs.append(m)
            }
            // RFC 8954: a nonce of 0 or 33 octets is malformed; 32 is echoed.
            var zero = OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: ca)]).der
            zero = try Self.withNonce(zero, nonce: [])
            inputs.append(zero)
            inputs.append(try Self.withNonce(OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: ca)]).der, nonce: Array(repeating: 7, count: 33)))

            var outcomes: [String: Int] = [:]
            for (i, input) in inputs.enumerated() {
                let r = try await api.client.execute(uri: "/ocsp", method: .post, headers: [.contentType: "application/ocsp-request"],
                                                     body: ByteBuffer(bytes: input))
                XCTAssertLessThan(r.status.code, 500, "input \(i): \(input)")
                let body = Array(r.body.readableBytesView)
                if body == OCSPResponseStatus.malformedRequest.errorResponse { outcomes["malformedRequest", default: 0] += 1; continue }
                // A mutation that is still a request (a changed serial or hash) gets a signed answer.
                XCTAssertEqual(r.status, .ok, "input \(i)")
                let answer = try OCSPResponse(der: body)
                XCTAssertTrue(answer.isSigned(by: ca.publicKey), "input \(i)")
                outcomes["answered", default: 0] += 1
            }
            XCTAssertGreaterThan(outcomes["malformedRequest"] ?? 0, 100, "\(outcomes)")
            let empty = try await api.client.execute(uri: "/ocsp", method: .post, body: ByteBuffer(bytes: zero))
            XCTAssertEqual(Array(empty.body.readableBytesView), OCSPResponseStatus.malformedRequest.errorResponse, "an empty nonce is malformed (RFC 8954)")
            let nonce32 = Array(repeating: UInt8(9), count: 32)
            let echoed = try OCSPResponse(der: Array(try await api.client.execute(
                uri: "/ocsp", method: .post, body: ByteBuffer(bytes: OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: ca)], nonce: nonce32).der))
                .body.readableBytesView))
            XCTAssertEqual(echoed.nonce, nonce32)

            // Oversized bodies: 413 with malformedRequest, never read whole.
            for size in [OCSPResponder.maximumRequestBytes + 1, 1 << 20] {
                let r = try await api.client.execute(uri: "/ocsp", method: .post, body: ByteBuffer(bytes: [UInt8](repeating: 0x30, count: size)))
                XCTAssertEqual(r.status, .contentTooLarge)
                XCTAssertEqual(Array(r.body.readableBytesView), OCSPResponseStatus.malformedRequest.errorResponse)
            }
            // GET: garbage paths are malformedRequest; a real one is answered, with caching headers.
            for path in ["/ocsp", "/ocsp/", "/ocsp/%%%", "/ocsp/AAAA", "/ocsp/" + String(repeating: "A", count: 20_000), "/ocsp/a/b//c"] {
                let r = try await api.client.execute(uri: path, method: .get)
                XCTAssertLessThan(r.status.code, 500, path)
                if r.status == .ok { XCTAssertEqual(Array(r.body.readableBytesView), OCSPResponseStatus.malformedRequest.errorResponse, path) }
            }
            let plain = OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: ca)]).der
            let encoded = Data(plain).base64EncodedString().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let got = try await api.client.execute(uri: "/ocsp/" + encoded, method: .get)
            XCTAssertEqual(got.status, .ok)
            XCTAssertTrue(got.headers[.cacheControl]?.contains("max-age=") == true, "\(got.headers)")
            let answer = try OCSPResponse(der: Array(got.body.readableBytesView))
            XCTAssertEqual(answer.responses.first?.status, .good)
            XCTAssertTrue(answer.isSigned(by: ca.publicKey))
            XCTAssertEqual(answer.responses.first?.nextUpdate, answer.responses.first.map { $0.thisUpdate.addingTimeInterval(3600) })

            // The responder still answers after all of it.
            let after = try OCSPResponse(der: Array(try await api.client.execute(uri: "/ocsp", method: .post, body: ByteBuffer(bytes: valid))
                .body.readableBytesView))
            XCTAssertEqual(after.responses.first?.status, .good)
            print("OCSP bad requests: \(inputs.count) inputs, \(outcomes)")
        }
    }

    // MARK: tokencert verify

    /// `tokencert verify` asks the responder the certificate names: an order received before the
    /// revocation is valid (`--at`), one signed after it is revoked, and with the RA down the verdict
    /// is revocation-unknown (exit 2) — never valid. `--offline` does not ask.
    func testTokencertVerifyAsksTheResponderBeforeAndAfterRevocationAndNeverSaysValidWhenItIsDown() async throws {
        let h = try await Harness(self, policy: Self.policy)
        let real = Date()
        h.clock.set(real.addingTimeInterval(-600))
        let dir = h.dir
        let ca = try h.caPEMPath
        let tokencert = builtExecutable("tokencert")
        try "buy 2330 x 1000".write(toFile: dir + "/order.txt", atomically: true, encoding: .utf8)
        @Sendable func verify(_ sig: String, _ extra: [String] = []) throws -> (status: Int32, json: [String: Any]) {
            let r = try runTool(tokencert, ["verify", "--in", dir + "/order.txt", "--sig", sig, "--ca", ca, "--format", "json"] + extra,
                                environment: ["LANG": "C.UTF-8"], unset: ["TOKENCERT_RA"])
            try JSONSchemas.check(r.out, schema: "verify")
            return (r.status, (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]) ?? [:])
        }
        let base = try await withLiveRA(h) { [self] api, base -> String in
            let alice = try await aliceReady(api.client)
            let (serial, pem, key) = try await issue(alice, h, requestID: "ocsp-verify")
            let certificate = try Certificate(pemEncoded: pem)
            // Order A: signed and received 500 s ago, while the certificate was good.
            let before = try await OrderSigner.sign(Array("buy 2330 x 1000".utf8), key: key, certificate: certificate,
                                                    signingTime: real.addingTimeInterval(-500))
            try Data(before).write(to: URL(fileURLWithPath: dir + "/before.p7s"))
            let receivedA = ISO8601DateFormatter().string(from: real.addingTimeInterval(-480))
            let good = try verify(dir + "/before.p7s", ["--at", receivedA, "--ocsp"])
            XCTAssertEqual(good.status, 0, "\(good.json)")
            XCTAssertEqual(good.json["revocationChecked"] as? [String], ["ocsp"])
            // Revoked 300 s ago; order B signed now.
            h.clock.set(real.addingTimeInterval(-300))
            try await revoke(alice, h, serial)
            let after = try await OrderSigner.sign(Array("buy 2330 x 1000".utf8), key: key, certificate: certificate)
            try Data(after).write(to: URL(fileURLWithPath: dir + "/after.p7s"))
            // By default (the certificate names a responder, no --offline) and with --ocsp.
            for extra in [[], ["--ocsp"]] {
                let revoked = try verify(dir + "/after.p7s", extra)
                XCTAssertEqual(revoked.status, 2, "\(revoked.json)")
                XCTAssertEqual(revoked.json["code"] as? String, "revoked")
            }
            // Order A, judged at its receipt time: the certificate was revoked only later.
            let stillGood = try verify(dir + "/before.p7s", ["--at", receivedA])
            XCTAssertEqual(stillGood.status, 0, "\(stillGood.json)")
            // --offline does not ask (no CRL given: revocation not checked, as before).
            let offline = try verify(dir + "/after.p7s", ["--offline"])
            XCTAssertEqual(offline.status, 0, "\(offline.json)")
            XCTAssertEqual(offline.json["revocationChecked"] as? [String], [])
            return base
        }
        // The RA is down now: never valid.
        for extra in [[], ["--ocsp"]] {
            let down = try verify(dir + "/before.p7s", extra + ["--at", ISO8601DateFormatter().string(from: real.addingTimeInterval(-480))])
            XCTAssertEqual(down.status, 2, "\(down.json)")
            XCTAssertEqual(down.json["code"] as? String, "revocation-unknown")
            XCTAssertTrue(((down.json["message"] as? [String: String])?["en"] ?? "").contains(base), "\(down.json)")
        }
        let contradiction = try runTool(tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/after.p7s", "--ca", ca, "--ocsp", "--offline"])
        XCTAssertEqual(contradiction.status, 64, contradiction.err)
    }

    /// `request` (no extensions) with a nonce extension of `nonce`, however long.
    static func withNonce(_ request: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        // OCSPRequest { TBSRequest { requestList } } → append [2] { Extensions { nonce } } to TBSRequest.
        let root = try DER.parse(request)
        guard case .constructed(let top) = root.content, let tbs = top.first(where: { _ in true }), case .constructed(let fields) = tbs.content else {
            throw HarnessError("not a request")
        }
        let inner = fields.flatMap { Array($0.encodedBytes) }
        func tlv(_ tag: UInt8, _ c: [UInt8]) -> [UInt8] {
            c.count < 128 ? [tag, UInt8(c.count)] + c : [tag, 0x81, UInt8(c.count)] + c
        }
        let oid: [UInt8] = [0x06, 0x09, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02]
        let ext = tlv(0x30, oid + tlv(0x04, tlv(0x04, nonce)))
        return tlv(0x30, tlv(0x30, inner + tlv(0xA2, tlv(0x30, ext))))
    }
}

/// xorshift64*: reproducible mutations from a printed seed.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    var state: UInt64
    init(seed: UInt64) { self.seed = seed; state = seed == 0 ? 1 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
