import Foundation
import GRDB
import Logging
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
import XCTest

/// Every refusal of the two identity steps, with the clock moved by hand.
final class IdentityTests: XCTestCase {

    func testThreeWrongBirthDatesLockOnlineServicesFor24Hours() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            let first = try await api.call(.post, "/identity/birth-date", ["birthDate": "44/2/2"])
            XCTAssertEqual(first.status, .unprocessableContent)
            XCTAssertEqual(first.code, "birth-date-wrong")
            XCTAssertEqual((first["details"] as? [String: String])?["attemptsLeft"], "2")
            // A typo in the format is not a wrong date and does not count.
            let typo = try await api.call(.post, "/identity/birth-date", ["birthDate": "440201"])
            XCTAssertEqual(typo.code, "invalid-birthDate")
            let second = try await api.call(.post, "/identity/birth-date", ["birthDate": "1955-02-02"])
            XCTAssertEqual((second["details"] as? [String: String])?["attemptsLeft"], "1")
            let third = try await api.call(.post, "/identity/birth-date", ["birthDate": "44/3/1"])
            XCTAssertEqual(third.status.code, 423)
            XCTAssertEqual(third.code, "locked")
            XCTAssertEqual((third["details"] as? [String: String])?["lockedUntil"], "2026-03-11T02:00:00Z")
            XCTAssertTrue(((third["message"] as? [String: String])?["zh-TW"] ?? "").contains("2026-03-11 10:00:00"), "\(third.json)")

            // Even the right date is refused while locked, and so is every other step.
            h.clock.advance(24 * 3600 - 1)
            // The session has long ended; the lock has not.
            try await api.expectCode("not-logged-in", .get, "/certificates")
            let again = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            let right = try await again.call(.post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            XCTAssertEqual(right.code, "locked")
            let code = try await again.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            XCTAssertEqual(code.code, "locked")
            let apply = try await again.call(.post, "/certificates", ["requestId": "r1", "csr": try await softwareCSR()])
            XCTAssertEqual(apply.code, "locked")
            let status = try await again.call(.get, "/certificates")
            XCTAssertEqual(status["lockedUntil"] as? String, "2026-03-11T02:00:00Z")

            h.clock.advance(2)
            let unlocked = try await again.call(.post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            XCTAssertEqual(unlocked.status, .ok, "\(unlocked.json)")
        }
    }

    func testARightDateResetsTheCountOfWrongOnes() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            for _ in 0..<2 { _ = try await api.call(.post, "/identity/birth-date", ["birthDate": "44/2/2"]) }
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": "0440201"])
            for _ in 0..<2 {
                try await api.expectCode("birth-date-wrong", .post, "/identity/birth-date", ["birthDate": "44/2/2"])
            }
        }
    }

    func testCodeNeedsStepOneAnOwnAccountAndExpiresAfter300Seconds() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            let before = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            XCTAssertEqual(before.code, "birth-date-required")
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let other = try await api.call(.post, "/identity/code", ["account": Harness.bob.account, "channel": "sms"])
            XCTAssertEqual(other.code, "unknown-account")

            let sent = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "email"])
            XCTAssertEqual(sent.status, .created)
            XCTAssertEqual(sent.string("destination"), "a***@example.test")
            XCTAssertEqual(sent.string("account"), "1020-XXXXXX")
            let identifier = try XCTUnwrap(sent.string("identifier"))
            XCTAssertNotNil(identifier.wholeMatch(of: /[A-Z]{4}/))
            let code = try h.code(for: identifier)
            XCTAssertNotNil(code.wholeMatch(of: /\d{6}/))
            XCTAssertFalse(sent.body.readableBytesView.contains(Array(code.utf8)), "the code is only in the message")

            h.clock.advance(300)
            let late = try await api.call(.post, "/identity/code/verify", ["identifier": identifier, "code": code])
            XCTAssertEqual(late.status, .gone)
            XCTAssertEqual(late.code, "code-expired")
        }
    }

    func testResendWaits60SecondsAndKillsThePreviousCode() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let first = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let oldIdentifier = try XCTUnwrap(first.string("identifier"))
            h.clock.advance(59)
            let tooSoon = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            XCTAssertEqual(tooSoon.status, .tooManyRequests)
            XCTAssertEqual(tooSoon.code, "resend-too-soon")
            XCTAssertEqual(tooSoon.headers[.retryAfter], "1")
            h.clock.advance(1)
            let second = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            XCTAssertEqual(second.status, .created)
            let newIdentifier = try XCTUnwrap(second.string("identifier"))
            XCTAssertNotEqual(newIdentifier, oldIdentifier)

            let old = try await api.call(.post, "/identity/code/verify", ["identifier": oldIdentifier, "code": try h.code(for: oldIdentifier)])
            XCTAssertEqual(old.code, "code-replaced")
            let fresh = try await api.call(.post, "/identity/code/verify", ["identifier": newIdentifier, "code": try h.code(for: newIdentifier)])
            XCTAssertEqual(fresh.status, .ok)
        }
    }

    func testFifthWrongGuessKillsTheCodeAndASixthIsRefusedEvenWhenRight() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let sent = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let identifier = try XCTUnwrap(sent.string("identifier"))
            let code = try h.code(for: identifier)
            let wrong = code == "000000" ? "000001" : "000000"
            for left in (1...4).reversed() {
                let r = try await api.call(.post, "/identity/code/verify", ["identifier": identifier, "code": wrong])
                XCTAssertEqual(r.code, "code-wrong")
                XCTAssertEqual((r["details"] as? [String: String])?["triesLeft"], String(left))
            }
            let fifth = try await api.call(.post, "/identity/code/verify", ["identifier": identifier, "code": wrong])
            XCTAssertEqual(fifth.code, "code-too-many-tries")
            let sixth = try await api.call(.post, "/identity/code/verify", ["identifier": identifier, "code": code])
            XCTAssertEqual(sixth.code, "code-too-many-tries")
            let apply = try await api.call(.post, "/certificates", ["requestId": "r1", "csr": try await softwareCSR()])
            XCTAssertEqual(apply.code, "identity-required")
        }
    }

    func testSendingCodesIsRateLimited() async throws {
        let h = try await Harness(self, policy: Policy.standard.with { $0.passwordIterations = 1000; $0.identityWindow = 3600 })
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            for _ in 0..<5 {
                try await api.expect(.created, .post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
                h.clock.advance(61)
            }
            let sixth = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            XCTAssertEqual(sixth.code, "send-limit")
            XCTAssertEqual(sixth.headers[.retryAfter], String(3600 - 5 * 61))
        }
    }

    func testTheCodeIsStoredOnlyAsAHashAndNeverInTheAuditLog() async throws {
        let h = try await Harness(self, store: .sqlite)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let sent = try await api.call(.post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let code = try h.code(for: try XCTUnwrap(sent.string("identifier")))
            let stored = try await XCTUnwrap(h.sqlite).pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM one_time_codes").map { $0.description }.joined()
                    + (try Row.fetchAll(db, sql: "SELECT * FROM audit_log").map { $0.description }.joined())
            }
            XCTAssertTrue(stored.contains("sms"), stored)
            XCTAssertFalse(stored.contains(code))
            XCTAssertFalse(stored.contains(Harness.alice.password))
        }
    }

    func testSessionsExpireAndCustomersCannotReachEachOthersCertificates() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let alice = try await aliceReady(client)
            try await alice.identify(h, birth: Harness.alice.birth, account: Harness.alice.account)
            let issued = try await alice.call(.post, "/certificates", ["requestId": "a1", "csr": try await softwareCSR()])
            let serial = try XCTUnwrap(issued.string("serial"))

            let bob = try await API(client: client).login(Harness.bob.id, Harness.bob.password)
            try await bob.consent()
            try await bob.identify(h, birth: "49/7/15", account: Harness.bob.account)
            let bobStatus = try await bob.call(.get, "/certificates")
            XCTAssertEqual((bobStatus["certificates"] as? [Any])?.count, 0)
            let steal = try await bob.call(.post, "/certificates/\(serial)/revoke", ["reason": 1])
            XCTAssertEqual(steal.status, .notFound)
            XCTAssertEqual(steal.code, "certificate-not-found")
            // Bob's request id does not reach Alice's certificate either.
            let replay = try await bob.call(.post, "/certificates", ["requestId": "a1", "csr": try await softwareCSR()])
            XCTAssertEqual(replay.status, .created)
            XCTAssertNotEqual(replay.string("serial"), serial)

            h.clock.advance(h.policy.sessionLifetime + 1)
            try await alice.expectCode("not-logged-in", .get, "/certificates")
        }
    }
}

extension IdentityTests {
    func testIdentityStepsBelongToTheSessionThatPassedThem() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let first = try await aliceReady(client)
            let second = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            try await first.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            // Step 2 from another session is refused, and so is its code.
            try await second.expectCode("birth-date-required", .post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let sent = try await first.expect(.created, .post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let identifier = try XCTUnwrap(sent.string("identifier"))
            try await second.expectCode("birth-date-required", .post, "/identity/code/verify", ["identifier": identifier, "code": try h.code(for: identifier)])
            try await first.expect(.ok, .post, "/identity/code/verify", ["identifier": identifier, "code": try h.code(for: identifier)])
            try await second.expectCode("identity-required", .post, "/certificates", ["requestId": "s2", "csr": try await softwareCSR()])
            try await first.expect(.created, .post, "/certificates", ["requestId": "s1", "csr": try await softwareCSR()])
        }
    }

    /// Issue 19 M5: wrong passwords slow the guessing address down and lock nothing; an ID that is
    /// no customer gets exactly the same answers.
    func testWrongPasswordsBackOffTheSameForCustomersAndStrangers() async throws {
        let h = try await Harness(self)
        try await h.application.test(.router) { client in
            let anonymous = API(client: client)
            for id in [Harness.alice.id, "Z100000002"] {
                for _ in 0..<5 { try await anonymous.expectCode("bad-credentials", .post, "/login", ["id": id, "password": "guess"]) }
                let sixth = try await anonymous.expectCode("too-many-logins", .post, "/login", ["id": id, "password": "guess"])
                XCTAssertEqual(sixth.status.code, 429)
                XCTAssertEqual(sixth.headers[.retryAfter], "15", "\(id)")
            }
            // The right password waits its turn too (this address guessed), but nothing is locked:
            // Bob is not affected, and after the wait Alice gets in.
            try await anonymous.expectCode("too-many-logins", .post, "/login", ["id": Harness.alice.id, "password": Harness.alice.password])
            _ = try await anonymous.login(Harness.bob.id, Harness.bob.password)
            h.clock.advance(15)
            _ = try await anonymous.login(Harness.alice.id, Harness.alice.password)
            // A success clears the count.
            for _ in 0..<4 { try await anonymous.expectCode("bad-credentials", .post, "/login", ["id": Harness.alice.id, "password": "guess"]) }
            _ = try await anonymous.login(Harness.alice.id, Harness.alice.password)
            try await anonymous.expectCode("bad-credentials", .post, "/login", ["id": Harness.alice.id, "password": "guess"])
        }
    }

    /// Issue 19 M5: the limits are per address and per ID, so guessing from elsewhere cannot keep the
    /// customer out; waits double up to the limit.
    func testLoginGateCannotBeAimedAtACustomer() throws {
        let policy = Policy.standard
        let gate = LoginGate(policy: policy)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let id = "A123456789"
        // Twenty addresses fail once each for the ID within the minute.
        for n in 0..<policy.loginFailuresPerIDPerMinute {
            try gate.attempt(id: id, address: "203.0.113.\(n)", now: now)
            gate.failed(id: id, address: "203.0.113.\(n)", now: now)
        }
        // An address that failed waits for the minute to end; the customer's own address does not.
        XCTAssertThrowsError(try gate.attempt(id: id, address: "203.0.113.0", now: now.addingTimeInterval(1))) {
            XCTAssertEqual(($0 as? RAError)?.code, .tooManyLogins)
            XCTAssertEqual(($0 as? RAError)?.details["retryAfterSeconds"], "59")
        }
        XCTAssertNoThrow(try gate.attempt(id: id, address: "198.51.100.7", now: now.addingTimeInterval(1)))
        XCTAssertNoThrow(try gate.attempt(id: id, address: "203.0.113.0", now: now.addingTimeInterval(61)))
        // One address guessing one ID: 15 s after the fifth failure, then 30 s, 60 s, … at most 15 min.
        XCTAssertEqual(gate.backoff(afterFailures: 4), 0)
        XCTAssertEqual(gate.backoff(afterFailures: 5), 15)
        XCTAssertEqual(gate.backoff(afterFailures: 6), 30)
        XCTAssertEqual(gate.backoff(afterFailures: 7), 60)
        XCTAssertEqual(gate.backoff(afterFailures: 40), 900)
        let guesser = "192.0.2.1"
        for _ in 0..<6 { gate.failed(id: "B123456780", address: guesser, now: now) }
        XCTAssertThrowsError(try gate.attempt(id: "B123456780", address: guesser, now: now.addingTimeInterval(29)))
        XCTAssertNoThrow(try gate.attempt(id: "B123456780", address: guesser, now: now.addingTimeInterval(30)))
        XCTAssertNoThrow(try gate.attempt(id: "B123456780", address: "192.0.2.2", now: now), "another address is not slowed")
        gate.succeeded(id: "B123456780", address: guesser)
        XCTAssertNoThrow(try gate.attempt(id: "B123456780", address: guesser, now: now))
    }
}

/// Logged in as Alice with the agreement accepted.
func aliceReady(_ client: any TestClientProtocol) async throws -> API {
    let api = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
    try await api.consent()
    return api
}

/// What the RA logs: JSON lines with masked IDs and code identifiers, never a code or a password.
final class LoggingTests: XCTestCase {
    func testNoCodeOrPasswordEverReachesTheLogs() async throws {
        let h = try await Harness(self)
        let capture = LogCapture()
        let service = RAService(repository: h.repository, authority: h.authority, policy: h.policy, clock: h.clock,
                                delivery: try OutboxDelivery(directory: h.outbox), logger: capture.logger())
        let app = Application(router: RARoutes.buildRouter(service: service), logger: capture.logger(label: "http"))
        let codes = try await app.test(.router) { client -> [String] in
            try await API(client: client).expectCode("bad-credentials", .post, "/login", ["id": Harness.alice.id, "password": "wrong-password-77"])
            let api = try await aliceReady(client)
            try await api.expect(.ok, .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let sent = try await api.expect(.created, .post, "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
            let identifier = try XCTUnwrap(sent.string("identifier"))
            let code = try h.code(for: identifier)
            let wrong = code == "999999" ? "999998" : "999999"
            try await api.expectCode("code-wrong", .post, "/identity/code/verify", ["identifier": identifier, "code": wrong])
            try await api.expect(.ok, .post, "/identity/code/verify", ["identifier": identifier, "code": code])
            try await api.expect(.created, .post, "/certificates", ["requestId": "log-1", "csr": try await softwareCSR()])
            return [code, wrong]
        }
        let secrets = [Harness.alice.password, "wrong-password-77"] + codes
        let lines = capture.lines
        XCTAssertTrue(lines.contains { $0.contains("\"message\":\"code sent\"") && $0.contains("\"customer\":\"A123456***\"") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("\"message\":\"certificate issued\"") })
        for line in lines {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), line)
            XCTAssertFalse(line.contains(Harness.alice.id), "full ID in a log line: \(line)")
            for secret in secrets { XCTAssertFalse(line.contains(secret), "a secret in a log line: \(line)") }
        }
    }
}
