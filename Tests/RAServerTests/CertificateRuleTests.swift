import CertificateKit
import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
import TestSupport
import XCTest

/// Issue and revocation rules: key policy, request ids, the yearly revocation limit, concurrency,
/// and a response lost between issuing and answering.
final class CertificateRuleTests: XCTestCase {
    func testKeyPolicyAndCSRSelfSignatureAreChecked() async throws {
        let h = try await Harness(self)
        let dir = h.dir
        let weak = try runTool("openssl", ["req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", dir + "/weak.key",
                                           "-subj", "/CN=weak", "-outform", "DER", "-out", dir + "/weak.der"])
        XCTAssertEqual(weak.status, 0, weak.err)
        let weakCSR = try Data(contentsOf: URL(fileURLWithPath: dir + "/weak.der")).base64EncodedString()
        let rsa = try runTool("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/rsa.key",
                                          "-subj", "/CN=rsa", "-outform", "DER", "-out", dir + "/rsa.der"])
        XCTAssertEqual(rsa.status, 0, rsa.err)
        let rsaDER = try Data(contentsOf: URL(fileURLWithPath: dir + "/rsa.der"))
        var flipped = Array(rsaDER)
        flipped[flipped.count - 10] ^= 0x01
        let tampered = flipped

        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let small = try await api.expectCode("key-not-allowed", .post, "/certificates", ["requestId": "w", "csr": weakCSR])
            XCTAssertTrue(((small["message"] as? [String: String])?["en"] ?? "").contains("RSA 1024"), "\(small.json)")
            try await api.expectCode("bad-csr", .post, "/certificates", ["requestId": "t", "csr": Data(tampered).base64EncodedString()])
            try await api.expectCode("bad-request", .post, "/certificates", ["requestId": "no spaces allowed", "csr": weakCSR])
            // RSA-2048 as base64 DER is fine.
            let ok = try await api.expect(.created, .post, "/certificates", ["requestId": "r", "csr": rsaDER.base64EncodedString()])
            // The same id with another CSR is refused, not answered with the first certificate.
            try await api.expectCode("request-id-reused", .post, "/certificates", ["requestId": "r", "csr": try await softwareCSR()])
            XCTAssertNotNil(ok.string("serial"))
        }
    }

    /// Issue 19 L5: a modulus 3·q (a real CSR, self-signature valid) and an exponent of 1 are refused
    /// as unsound keys; RSA-16384 as "not allowed", not "unreadable"; a PEM wrapper or junk around
    /// the base64, or bytes after the DER, are refused; no message names our source files.
    func testUnsoundKeysAndJunkAroundCSRsAreRefused() async throws {
        let h = try await Harness(self)
        let dir = h.dir
        let script = dir + "/weak-csrs.py"
        try Self.weakCSRScript.write(toFile: script, atomically: true, encoding: .utf8)
        let made = try runTool("python3", [script, dir])
        XCTAssertEqual(made.status, 0, made.out + made.err)
        for key in ["three", "e1"] {
            let r = try runTool("openssl", ["asn1parse", "-genconf", "\(dir)/\(key).conf", "-out", "\(dir)/\(key).key.der", "-noout"])
            XCTAssertEqual(r.status, 0, r.err)
            let csr = try runTool("openssl", ["req", "-new", "-key", "\(dir)/\(key).key.der", "-keyform", "DER", "-subj", "/CN=weak",
                                              "-outform", "DER", "-out", "\(dir)/\(key).csr.der"])
            XCTAssertEqual(csr.status, 0, csr.err)
            // OpenSSL itself checks the self-signature: the CSR is well-formed, only the key is unsound.
            let verified = try runTool("openssl", ["req", "-in", "\(dir)/\(key).csr.der", "-inform", "DER", "-verify", "-noout"])
            XCTAssertEqual(verified.status, 0, verified.out + verified.err)
        }
        @Sendable func base64(_ file: String) throws -> String { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)).base64EncodedString() }
        let rsa = try runTool("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/rsa.key",
                                          "-subj", "/CN=rsa", "-outform", "DER", "-out", dir + "/rsa.der"])
        XCTAssertEqual(rsa.status, 0, rsa.err)
        let good = try base64("rsa.der")
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let three = try await api.expectCode("key-not-allowed", .post, "/certificates", ["requestId": "t3", "csr": try base64("three.csr.der")])
            XCTAssertEqual((three["details"] as? [String: String])?["weakness"], "modulus divisible by 3", "\(three.json)")
            let e1 = try await api.expectCode("key-not-allowed", .post, "/certificates", ["requestId": "e1", "csr": try base64("e1.csr.der")])
            XCTAssertEqual((e1["details"] as? [String: String])?["weakness"], "public exponent 1", "\(e1.json)")
            let big = try await api.expectCode("key-not-allowed", .post, "/certificates", ["requestId": "big", "csr": try base64("big.csr.der")])
            XCTAssertTrue(((big["message"] as? [String: String])?["en"] ?? "").contains("RSA 16384"), "\(big.json)")
            let pem = "-----BEGIN CERTIFICATE REQUEST-----\n\(good)\n-----END CERTIFICATE REQUEST-----\n"
            try await api.expectCode("bad-request", .post, "/certificates", ["requestId": "p", "csr": pem])
            try await api.expectCode("bad-request", .post, "/certificates", ["requestId": "j", "csr": good + "#junk!"])
            let trailing = Data(try XCTUnwrap(Data(base64Encoded: good)) + [0x00, 0x01]).base64EncodedString()
            let junk = try await api.expectCode("bad-csr", .post, "/certificates", ["requestId": "d", "csr": trailing])
            let garbage = try await api.expectCode("bad-csr", .post, "/certificates", ["requestId": "g", "csr": Data([0x30, 0x03, 0x02, 0x01, 0x05]).base64EncodedString()])
            // The attack suite's finding: the signature BIT STRING's unused-bits octet flipped (OpenSSL
            // refuses the request; swift-certificates read past it).
            var unaligned = Array(try XCTUnwrap(Data(base64Encoded: good)))
            unaligned[Self.signatureBitStringContent(unaligned)] = 0x01
            let bits = try await api.expectCode("bad-csr", .post, "/certificates", ["requestId": "u", "csr": Data(unaligned).base64EncodedString()])
            for reply in [junk, garbage, three, e1, big, bits] {
                XCTAssertFalse("\(reply.json)".contains(".swift:"), "no source locations: \(reply.json)")
            }
            // The same RSA-2048 request, clean, is issued.
            try await api.expect(.created, .post, "/certificates", ["requestId": "ok", "csr": good])
        }
    }

    /// The index of the first content octet (the unused-bits count) of a CSR's signature BIT STRING,
    /// the third element of the outer SEQUENCE.
    static func signatureBitStringContent(_ der: [UInt8]) -> Int {
        func header(_ at: Int) -> (length: Int, content: Int) {
            let first = Int(der[at + 1])
            guard first & 0x80 != 0 else { return (first, at + 2) }
            let count = first & 0x7F
            return (der[(at + 2)..<(at + 2 + count)].reduce(0) { $0 << 8 | Int($1) }, at + 2 + count)
        }
        var at = header(0).content
        for _ in 0..<2 { let h = header(at); at = h.content + h.length }
        return header(at).content
    }

    /// Writes `three.conf` (an RSA key with modulus 3·q, q a 2046-bit prime), `e1.conf` (a sound
    /// modulus with public exponent 1) for `openssl asn1parse -genconf`, and `big.csr.der` (a CSR
    /// naming an RSA-16384 key, signature junk).
    static let weakCSRScript = #"""
    import random, sys
    out = sys.argv[1]
    rng = random.SystemRandom()
    def probable_prime(n):
        if n % 2 == 0: return False
        d, r = n - 1, 0
        while d % 2 == 0: d, r = d // 2, r + 1
        for _ in range(32):
            x = pow(rng.randrange(2, n - 1), d, n)
            if x in (1, n - 1): continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1: break
            else: return False
        return True
    def prime(bits, e=65537):
        while True:
            q = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
            if all(q % p for p in range(3, 2000, 2)) and probable_prime(q) and (q - 1) % e: return q
    def conf(name, p, q, e):
        n, phi = p * q, (p - 1) * (q - 1)
        d = pow(e, -1, phi) if e > 1 else 1
        fields = [("version", 0), ("n", n), ("e", e), ("d", d), ("p", p), ("q", q),
                  ("e1", d % (p - 1)), ("e2", d % (q - 1)), ("coeff", pow(q, -1, p))]
        with open(f"{out}/{name}.conf", "w") as f:
            f.write("asn1=SEQUENCE:rsa\n[rsa]\n" + "".join(f"{k}=INTEGER:{hex(v)}\n" for k, v in fields))
    conf("three", 3, prime(2046), 65537)
    conf("e1", prime(1024), prime(1024), 1)
    def tlv(tag, body):
        n = len(body)
        length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([tag]) + length + body
    def integer(v):
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return tlv(0x02, b)
    rsa_oid = tlv(0x06, bytes.fromhex("2a864886f70d010101"))
    sha256_rsa = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d01010b")) + tlv(0x05, b""))
    modulus = rng.getrandbits(16384) | (1 << 16383) | 1
    spki = tlv(0x30, tlv(0x30, rsa_oid + tlv(0x05, b"")) + tlv(0x03, b"\x00" + tlv(0x30, integer(modulus) + integer(65537))))
    info = tlv(0x30, integer(0) + tlv(0x30, b"") + spki + tlv(0xA0, b""))
    with open(f"{out}/big.csr.der", "wb") as f:
        f.write(tlv(0x30, info + sha256_rsa + tlv(0x03, b"\x00" + bytes(512))))
    """#

    /// Issues and revokes a certificate; returns the revoke reply.
    static func issueAndRevoke(_ h: Harness, _ api: API, _ n: Int) async throws -> Reply {
        try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
        let issued = try await api.expect(.created, .post, "/certificates", ["requestId": "year-\(n)", "csr": try await softwareCSR()])
        try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
        return try await api.call(.post, "/certificates/\(issued.string("serial")!)/revoke", ["reason": "superseded"])
    }

    /// Issue 19 L3: a revocation asked again (the first answer was lost) answers with the revocation
    /// that happened — without identity steps, without counting, without a new CRL; another reason
    /// is refused.
    func testARevocationAskedAgainAnswersWithTheOneThatHappened() async throws {
        let h = try await Harness(self, policy: Policy.standard.with { $0.passwordIterations = 1000; $0.codeSendsPerWindow = 20 })
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            let first = try await Self.issueAndRevoke(h, api, 1)
            XCTAssertEqual(first.status, .ok, "\(first.json)")
            let serial = try XCTUnwrap(first.string("serial"))
            h.clock.advance(30)
            let again = try await api.call(.post, "/certificates/\(serial)/revoke", ["reason": "superseded"])
            XCTAssertEqual(again.status, .ok, "\(again.json)")
            for key in ["serial", "revokedAt", "reason", "crlNumber", "onlineRevocationsLeftThisYear"] {
                XCTAssertEqual("\(again[key] ?? "nil")", "\(first[key] ?? "nil")", key)
            }
            let status = try await api.expect(.ok, .get, "/certificates")
            XCTAssertEqual(status["onlineRevocationsLeftThisYear"] as? Int, first["onlineRevocationsLeftThisYear"] as? Int, "\(status.json)")
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await api.expectCode("not-revocable", .post, "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
        }
    }

    func testAThirdOnlineRevocationInATaipeiYearIsRefusedAndTheNextYearAllowsAgain() async throws {
        // 2026-12-31 23:00 Taipei (15:00 UTC).
        let h = try await Harness(self, policy: Policy.standard.with { $0.passwordIterations = 1000; $0.codeSendsPerWindow = 20 })
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour) = (2026, 12, 31, 23)
        h.clock.set(Domain.taipeiCalendar.date(from: c)!)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            for n in 1...2 {
                let r = try await Self.issueAndRevoke(h, api, n)
                XCTAssertEqual(r.status, .ok, "\(r.json)")
                XCTAssertEqual(r["onlineRevocationsLeftThisYear"] as? Int, 2 - n)
                h.clock.advance(61)
            }
            let third = try await Self.issueAndRevoke(h, api, 3)
            XCTAssertEqual(third.status, .forbidden)
            XCTAssertEqual(third.code, "revocations-used-up")
            XCTAssertTrue(((third["remedy"] as? [String: String])?["zh-TW"] ?? "").contains("分公司"), "\(third.json)")
            XCTAssertEqual((third["details"] as? [String: String])?["year"], "2026")
            let status = try await api.call(.get, "/certificates")
            XCTAssertEqual(status["onlineRevocationsLeftThisYear"] as? Int, 0)

            // One hour later it is 2027 in Taipei (still 2026-12-31 in UTC).
            h.clock.advance(3600)
            let again = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            try await again.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let list = try await again.call(.get, "/certificates")
            let serial = try XCTUnwrap((list["certificates"] as? [[String: Any]])?.first?["serial"] as? String)
            let newYear = try await again.call(.post, "/certificates/\(serial)/revoke", ["reason": 5])
            XCTAssertEqual(newYear.status, .ok, "\(newYear.json)")
            XCTAssertEqual(newYear["onlineRevocationsLeftThisYear"] as? Int, 1)
            // A revoked certificate cannot be revoked twice; a CA-only reason cannot be chosen.
            try await again.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await again.expectCode("not-revocable", .post, "/certificates/\(serial)/revoke", ["reason": 1])
            try await again.expectCode("reason-not-allowed", .post, "/certificates/\(serial)/revoke", ["reason": "caCompromise"])
        }
    }

    /// Consent given and `count` active certificates `<prefix>00`, `<prefix>01`, … (as a migration from
    /// an older system could leave them), none revoked this year.
    static func seedActiveCertificates(_ h: Harness, count: Int = 10, serialPrefix: String, now: Date) async throws {
        try await h.repository.transact(customerID: Harness.alice.id) { ledger in
            ledger.consents.append(ConsentRecord(customerID: Harness.alice.id, version: Agreement.current.version,
                                                 textSHA256: Agreement.current.sha256, acceptedAt: now))
            for n in 0..<count {
                ledger.certificates.append(CertificateRecord(serial: serialPrefix + String(format: "%02x", n), customerID: Harness.alice.id,
                                                             requestID: "seed-\(n)", csrSHA256: "", status: .active, notBefore: now,
                                                             notAfter: now + 86_400, issuedAt: now, der: [0x30, 0x00]))
            }
        }
    }

    func testTenConcurrentRevocationsNeverExceedTheYearlyLimit() async throws {
        let h = try await Harness(self)
        // Ten active certificates (as a migration from an older system could leave), ten revocations
        // at once. The repository below makes both identity steps fresh inside every transaction,
        // so only the yearly limit can stop a revocation.
        let now = h.clock.now()
        try await Self.seedActiveCertificates(h, serialPrefix: "02", now: now)
        let service = RAService(repository: AlwaysIdentified(base: h.repository, now: now), authority: h.authority, policy: h.policy,
                                clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox))
        let results = try await concurrentOutcomes(10) { n in
            try await service.revoke(customerID: Harness.alice.id, session: AlwaysIdentified.session, serial: String(format: "02%02x", n),
                                     reason: .keyCompromise)
        }.codes()
        XCTAssertEqual(results.filter { $0 == "ok" }.count, 2, "\(results)")
        XCTAssertEqual(results.filter { $0 == "revocations-used-up" }.count, 8, "\(results)")
        let status = try await h.service.status(customerID: Harness.alice.id)
        XCTAssertEqual(status.certificates.filter { $0.state == .revoked }.count, 2)
        XCTAssertEqual(status.onlineRevocationsLeftThisYear, 0)
        let crl = try await h.service.currentCRL()
        XCTAssertGreaterThanOrEqual(crl.number, 2)
    }

    func testTenConcurrentRevocationsOverRealHTTPConnectionsNeverExceedTheYearlyLimit() async throws {
        let h = try await Harness(self)
        let now = h.clock.now()
        try await Self.seedActiveCertificates(h, serialPrefix: "03", now: now)
        let token = try await h.service.login(id: Harness.alice.id, password: Harness.alice.password).token
        let service = RAService(repository: AlwaysIdentified(base: h.repository, now: now, session: RAService.sha256(token)),
                                authority: h.authority, policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox))
        let app = Application(router: RARoutes.buildRouter(service: service), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            // Ten separate connections at once (the test client has only one).
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/certificates/\(String(format: "03%02x", n))/revoke")!)
                        request.httpMethod = "POST"
                        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        request.httpBody = Data(#"{"reason": "keyCompromise"}"#.utf8)
                        let (data, response) = try await URLSession.shared.data(for: request)
                        if (response as? HTTPURLResponse)?.statusCode == 200 { return "ok" }
                        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["code"] as? String ?? "?"
                    }
                }
                var all: [String] = []
                for try await c in group { all.append(c) }
                return all
            }
            XCTAssertEqual(codes.sorted(), ["ok", "ok"] + Array(repeating: "revocations-used-up", count: 8), "\(codes)")
        }
        let revoked = try await h.repository.revokedEntries()
        XCTAssertEqual(revoked.count, 2)
    }

    func testTransactSerialisesReadCheckWriteAcrossConcurrentCallers() async throws {
        // The primitive the yearly limit rests on: 10 callers each read a counter, wait, and write
        // it back plus one. Interleaving would lose increments.
        let h = try await Harness(self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await h.repository.transact(customerID: Harness.alice.id) { ledger in
                        let seen = ledger.security.sendsInWindow
                        usleep(2_000)
                        ledger.security.sendsInWindow = seen + 1
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try await h.repository.transact(customerID: Harness.alice.id) { $0.security.sendsInWindow }
        XCTAssertEqual(count, 10)
    }

    func testACertificateIssuedButNeverAnsweredIsReturnedForTheSameRequestIDAfterARestart() async throws {
        let h = try await Harness(self)
        let csr = try await softwareCSR(.p384)
        let token = try await h.application.test(.router) { client -> String in
            let api = try await aliceReady(client)
            try await api.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            return try XCTUnwrap(api.token)
        }
        // The response is lost: the service issued, nobody saw the answer.
        let first = try await h.service.issue(customerID: Harness.alice.id, session: RAService.sha256(token), requestID: "lost-1",
                                              csr: Array(try XCTUnwrap(Data(base64Encoded: csr)))).0

        // The RA restarts on the same file.
        let reopened = RAService(repository: try await h.reopenedStore(self), authority: h.authority,
                                 policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox))
        let app = Application(router: RARoutes.buildRouter(service: reopened))
        try await app.test(.router) { client in
            let api = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            let retry = try await api.expect(.ok, .post, "/certificates", ["requestId": "lost-1", "csr": csr])
            XCTAssertEqual(retry.string("serial"), first.serial)
            XCTAssertEqual(retry.string("certificate"), first.certificate)
        }
    }
}

/// A repository whose every transaction starts with both identity steps just passed in `session`.
struct AlwaysIdentified: RARepository {
    static let session = "always-identified-session"
    let base: any RARepository
    let now: Date
    var session = AlwaysIdentified.session

    func transact<R: Sendable>(customerID: String, _ body: @Sendable (inout CustomerLedger) throws -> R) async throws -> R {
        let now = self.now, session = self.session
        return try await base.transact(customerID: customerID) { ledger in
            ledger.security.birthDateVerifiedAt = now
            ledger.security.codeVerifiedAt = now
            ledger.security.identitySession = session
            return try body(&ledger)
        }
    }
    func addCustomers(_ customers: [CustomerRecord], replace: Bool) async throws { try await base.addCustomers(customers, replace: replace) }
    func keyUses(subjectPublicKeyInfoSHA256: String) async throws -> [KeyUse] { try await base.keyUses(subjectPublicKeyInfoSHA256: subjectPublicKeyInfoSHA256) }
    func customer(id: String) async throws -> CustomerRecord? { try await base.customer(id: id) }
    func addSession(_ session: SessionRecord) async throws { try await base.addSession(session) }
    func session(tokenSHA256: String) async throws -> SessionRecord? { try await base.session(tokenSHA256: tokenSHA256) }
    func deleteSession(tokenSHA256: String) async throws { try await base.deleteSession(tokenSHA256: tokenSHA256) }
    func revokedEntries() async throws -> [RevokedEntry] { try await base.revokedEntries() }
    func certificate(serial: String) async throws -> CertificateRecord? { try await base.certificate(serial: serial) }
    func latestCRL() async throws -> CRLRecord? { try await base.latestCRL() }
    func nextCRLNumber() async throws -> Int { try await base.nextCRLNumber() }
    func leadingCRLRefresh(_ refresh: @Sendable (CRLRecord?) async throws -> CRLRecord) async throws -> CRLRecord? {
        try await base.leadingCRLRefresh(refresh)
    }
    func storeCRL(_ crl: CRLRecord) async throws { try await base.storeCRL(crl) }
    func appendAudit(_ events: [AuditEvent]) async throws { try await base.appendAudit(events) }
    func auditLog() async throws -> [AuditEvent] { try await base.auditLog() }
    func metrics() async throws -> [String: Int] { try await base.metrics() }
    func addOfficer(name: String, certificate: [UInt8], at: Date) async throws { try await base.addOfficer(name: name, certificate: certificate, at: at) }
    func officerCertificate(name: String) async throws -> [UInt8]? { try await base.officerCertificate(name: name) }
    func secretKey(named name: String) async throws -> [UInt8] { try await base.secretKey(named: name) }
    func useOnce(digest: String, until: Date, now: Date) async throws -> Bool { try await base.useOnce(digest: digest, until: until, now: now) }
    func addOfficerSession(_ session: SessionRecord) async throws { try await base.addOfficerSession(session) }
    func officerSession(tokenSHA256: String) async throws -> SessionRecord? { try await base.officerSession(tokenSHA256: tokenSHA256) }
    func reminderCandidates(validAt now: Date, expiringBy until: Date) async throws -> [ReminderCandidate] {
        try await base.reminderCandidates(validAt: now, expiringBy: until)
    }
    func claimReminder(serial: String, kind: ReminderKind, now: Date, staleBefore: Date) async throws -> ReminderClaim {
        try await base.claimReminder(serial: serial, kind: kind, now: now, staleBefore: staleBefore)
    }
    func finishReminder(serial: String, kind: ReminderKind, state: ReminderState, channelsSent: [String], at: Date, audit: [AuditEvent]) async throws {
        try await base.finishReminder(serial: serial, kind: kind, state: state, channelsSent: channelsSent, at: at, audit: audit)
    }
}
