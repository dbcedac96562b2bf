import CertificateKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
import TestSupport
import X509
import XCTest

/// Branch officers: challenge login with the key on their token, unlock, revoke beyond the yearly
/// limit, issue at the counter without a one-time code; every action names the officer.
final class OfficerTests: XCTestCase {
    static let officer = "陳專員"

    func testOfficerLoginUnlockCounterIssueAndRevokeBeyondTheLimit() async throws {
        let h = try await Harness(self, policy: Policy.standard.with { $0.passwordIterations = 1000; $0.codeSendsPerWindow = 20 })
        let officerKey = try await RenewalTests.tokenKey(.p256, name: "officer")
        let officerCertificate = try await h.authority.issuer.issue(
            publicKey: officerKey.publicKey, subject: try SubscriberSubject(commonName: Self.officer, serialNumber: "OFFICER-1").distinguishedName(),
            notBefore: startDate.addingTimeInterval(-60), notAfter: startDate.addingTimeInterval(86_400 * 365))
        try await h.repository.addOfficer(name: Self.officer, certificate: officerCertificate.derBytes, at: startDate)
        let capture = LogCapture()
        let stranger = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let bobCSR = try await softwareCSR()

        let app = Application(router: RARoutes.buildRouter(service: h.service), logger: capture.logger(label: "http"))
        try await app.test(.router) { client in
            let anonymous = API(client: client)
            // Issue 19 M6: any name gets a challenge of the same shape (the endpoint does not tell who
            // is an officer), and a later request does not cancel an earlier one.
            let nobody = try await anonymous.expect(.created, .post, "/officer/challenge", ["officer": "nobody"])
            let c1 = try await anonymous.expect(.created, .post, "/officer/challenge", ["officer": Self.officer])
            XCTAssertEqual(Set(nobody.json.keys), Set(c1.json.keys))
            XCTAssertEqual(try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(nobody.string("challenge")))).count,
                           try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(c1.string("challenge")))).count)
            let m1 = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(c1.string("message"))))
            XCTAssertTrue(String(decoding: m1, as: UTF8.self).hasPrefix("TokenCert officer login\nofficer=\(Self.officer)\n"))
            let c2 = try await anonymous.expect(.created, .post, "/officer/challenge", ["officer": Self.officer])
            // A signature by another key is refused.
            let forged = Data(try await stranger.signer.sign(Array(m1), algorithm: .ecdsaSHA256)).base64EncodedString()
            try await anonymous.expectCode("officer-refused", .post, "/officer/login",
                                           ["officer": Self.officer, "challenge": try XCTUnwrap(c1.string("challenge")), "signature": forged])
            // A challenge made up, or made for another name, is refused; so is a login without one.
            let right1 = Data(try await officerKey.signer.sign(Array(m1), algorithm: .ecdsaSHA256)).base64EncodedString()
            try await anonymous.expectCode("officer-refused", .post, "/officer/login", ["officer": Self.officer, "signature": right1])
            try await anonymous.expectCode("officer-refused", .post, "/officer/login",
                                           ["officer": Self.officer, "challenge": try XCTUnwrap(nobody.string("challenge")), "signature": right1])
            // The first challenge, signed on the officer's token, still logs in after the second was asked for …
            let login = try await anonymous.expect(.ok, .post, "/officer/login",
                                                   ["officer": Self.officer, "challenge": try XCTUnwrap(c1.string("challenge")), "signature": right1])
            // … once: the same answer again is refused.
            try await anonymous.expectCode("officer-refused", .post, "/officer/login",
                                           ["officer": Self.officer, "challenge": try XCTUnwrap(c1.string("challenge")), "signature": right1])
            // An expired challenge is refused.
            h.clock.advance(121)
            let m2 = Array(try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(c2.string("message")))))
            try await anonymous.expectCode("officer-refused", .post, "/officer/login",
                                           ["officer": Self.officer, "challenge": try XCTUnwrap(c2.string("challenge")),
                                            "signature": Data(try await officerKey.signer.sign(m2, algorithm: .ecdsaSHA256)).base64EncodedString()])
            let officer = API(client: client, token: try XCTUnwrap(login.string("token")))

            // A customer's session does not open officer routes.
            let alice = try await aliceReady(client)
            try await alice.expectCode("not-logged-in", .post, "/officer/customers/\(Harness.alice.id)/unlock")

            // Unlock after three wrong birth dates.
            for _ in 0..<3 { _ = try await alice.call(.post, "/identity/birth-date", ["birthDate": "44/2/2"]) }
            try await alice.expectCode("locked", .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            try await officer.expect(.ok, .post, "/officer/customers/\(Harness.alice.id)/unlock")
            try await alice.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])

            // Two online revocations use up the year; the third is refused online, done at the counter.
            for n in 1...2 {
                let revoked = try await CertificateRuleTests.issueAndRevoke(h, alice, n)
                XCTAssertEqual(revoked.status, .ok, "revocation \(n): \(revoked.json)")
                h.clock.advance(61)
            }
            let third = try await officer.expect(.created, .post, "/officer/customers/\(Harness.alice.id)/certificates",
                                                 ["requestId": "counter-a", "csr": try await softwareCSR(), "consentOnPaper": true])
            let serial = try XCTUnwrap(third.string("serial"))
            try await alice.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            try await alice.expectCode("revocations-used-up", .post, "/certificates/\(serial)/revoke", ["reason": 1])
            let counter = try await officer.expect(.ok, .post, "/officer/customers/\(Harness.alice.id)/revoke", ["serial": serial, "reason": 1])
            XCTAssertEqual(counter["onlineRevocationsLeftThisYear"] as? Int, 0)

            // Bob never accepted online and never got a code: issued at the counter, consent on paper recorded.
            try await officer.expectCode("bad-request", .post, "/officer/customers/\(Harness.bob.id)/certificates",
                                         ["requestId": "counter-b", "csr": bobCSR, "consentOnPaper": false])
            try await officer.expect(.created, .post, "/officer/customers/\(Harness.bob.id)/certificates",
                                     ["requestId": "counter-b", "csr": bobCSR, "consentOnPaper": true])
            try await officer.expect(.ok, .post, "/officer/customers/\(Harness.bob.id)/certificates",
                                     ["requestId": "counter-b", "csr": bobCSR, "consentOnPaper": true])
            let bobStatus = try await officer.expect(.ok, .get, "/officer/customers/\(Harness.bob.id)")
            XCTAssertEqual(bobStatus.string("consentVersion"), Agreement.current.version)
            try await officer.expectCode("customer-not-found", .post, "/officer/customers/A100000001/unlock")
            try await officer.expectCode("invalid-id", .post, "/officer/customers/A123/unlock")
        }
        // Requests are logged by route, so the ID numbers in officer URLs stay out of the log.
        XCTAssertTrue(capture.lines.contains { $0.contains("\"route\":\"/officer/customers/{id}/unlock\"") }, "\(capture.lines)")
        XCTAssertFalse(capture.lines.contains { $0.contains(Harness.alice.id) || $0.contains(Harness.bob.id) })
        let audit = try await h.repository.auditLog()
        let byOfficer = audit.filter { $0.actor == "officer:\(Self.officer)" }.map { "\($0.action):\($0.outcome)" }
        // Forged signature, no challenge, another name's challenge; the login; its replay, an expired challenge.
        XCTAssertEqual(byOfficer, ["officer-login:refused", "officer-login:refused", "officer-login:refused", "officer-login:ok",
                                   "officer-login:refused", "officer-login:refused", "unlock:ok", "issue:ok", "revoke:ok", "issue:ok"])
        let lines = try await AuditExport.jsonLines(h.repository)
        XCTAssertEqual(lines.count, audit.count)
        XCTAssertTrue(lines.contains { $0.contains("\"actor\":\"officer:\(Self.officer)\"") && $0.contains("\"action\":\"unlock\"") })
    }

    /// H2: anonymous `POST /officer/login` with 256 KiB names once grew the append-only audit log by
    /// ~21 MB per 100 requests. Names nobody registered are never written verbatim, every field is
    /// bounded, and at most `unauthenticatedAuditEventsPerMinute` such refusals are written a minute.
    func testUnknownOfficerNamesCannotFillTheAuditLog() async throws {
        let h = try await Harness(self, store: .sqlite)
        let name = String(repeating: "A", count: 200 * 1024) + "\u{1B}[2J"   // under the 256 KiB body limit
        let sizeBefore = try Self.databaseBytes(h)
        try await h.application.test(.router) { client in
            let anonymous = API(client: client)
            for _ in 0..<100 {
                try await anonymous.expectCode("officer-refused", .post, "/officer/login", ["officer": name, "signature": "AA=="])
            }
            h.clock.advance(61)
            try await anonymous.expectCode("officer-refused", .post, "/officer/login", ["officer": name, "signature": "AA=="])
        }
        let lines = try await AuditExport.jsonLines(h.repository)
        let refusals = lines.filter { $0.contains("officer-login") }
        XCTAssertEqual(refusals.count, Policy.standard.unauthenticatedAuditEventsPerMinute + 1, "the limit, then the next minute's first")
        XCTAssertFalse(lines.contains { $0.contains(String(repeating: "A", count: 64)) }, "an unknown name is never written verbatim")
        XCTAssertFalse(lines.contains { $0.contains("\u{1B}") || $0.contains("\\u001b") }, "no control characters")
        let summary = try XCTUnwrap(lines.first { $0.contains("audit-suppressed") }, "the suppressed refusals are counted")
        XCTAssertTrue(summary.contains("40 unauthenticated"), summary)
        XCTAssertLessThan(lines.map(\.utf8.count).max() ?? 0, 1_024, "every audit row is bounded")
        let grown = try Self.databaseBytes(h) - sizeBefore
        XCTAssertLessThan(grown, 512 * 1024, "the database grew by \(grown) bytes")
    }

    /// Every field of an audit event is bounded, whoever builds it.
    func testAuditFieldsAreBounded() {
        let long = String(repeating: "x", count: 10_000)
        let event = AuditEvent(at: Date(), customerID: long, actor: long, action: long, outcome: long, detail: long + "\u{07}")
        for field in [event.customerID ?? "", event.actor, event.action, event.outcome] {
            XCTAssertLessThanOrEqual(field.count, AuditEvent.fieldLimit)
            XCTAssertTrue(field.hasSuffix("…"))
        }
        XCTAssertLessThanOrEqual(event.detail.count, AuditEvent.detailLimit)
        XCTAssertEqual(AuditEvent(at: Date(), customerID: nil, action: "a\u{07}b", outcome: "ok").action, "a?b")
    }

    /// The database file and its write-ahead log, in bytes.
    static func databaseBytes(_ h: Harness) throws -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: h.dir + "/ra.sqlite" + suffix)[.size] as? Int) ?? 0)
        }
    }
}
