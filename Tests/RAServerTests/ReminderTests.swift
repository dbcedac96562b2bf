import CertificateKit
import Foundation
import Domain
@testable import RAServer
import TestSupport
import XCTest

/// Renewal reminders: when the renewal window opens and again 7 days before expiry, each once per
/// certificate across two RA instances running the job at the same time and after a restart; none for
/// revoked or superseded certificates; a refused channel tried again alone; a claim whose run stopped
/// sent by a later run. On SQLite, and on PostgreSQL with TOKENCERT_TEST_STORE=postgres.
final class ReminderTests: XCTestCase {
    /// notAfter of the seeded certificates: 2026-06-30 23:59:59 Taipei.
    static let notAfter: Date = {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (2026, 6, 30, 23, 59, 59)
        return Domain.taipeiCalendar.date(from: c)!
    }()

    /// Certificates stored directly (as a migration from an older system could leave them), each with
    /// its own DER so that no two share a key hash.
    static func seed(_ h: Harness, _ customerID: String, _ certificates: [(serial: String, status: CertificateState, notAfter: Date)]) async throws {
        try await h.repository.transact(customerID: customerID) { ledger in
            for (n, c) in certificates.enumerated() {
                let revoked = c.status == .revoked || c.status == .superseded
                let reason: RevocationReason? = c.status == .revoked ? .keyCompromise : (c.status == .superseded ? .superseded : nil)
                ledger.certificates.append(CertificateRecord(
                    serial: c.serial, customerID: customerID, requestID: "seed-\(c.serial)", csrSHA256: "", status: c.status,
                    notBefore: c.notAfter - 365 * 86_400, notAfter: c.notAfter, issuedAt: startDate - Double(n),
                    der: [0x30, 0x02] + Array(c.serial.utf8.prefix(2)), revokedAt: revoked ? startDate : nil,
                    revocationReason: reason))
            }
        }
    }

    /// The outbox's messages: file name and text.
    static func outbox(_ h: Harness) throws -> [(name: String, text: String)] {
        guard FileManager.default.fileExists(atPath: h.outbox) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: h.outbox).sorted().map {
            ($0, try String(contentsOfFile: h.outbox + "/" + $0, encoding: .utf8))
        }
    }

    /// Reminders in the outbox: (destination, kind) → how many messages.
    static func counts(_ h: Harness) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for message in try outbox(h) where message.text.contains("\nReminder: ") {
            let to = try XCTUnwrap(message.text.firstMatch(of: /To: (\S+)\n/)).1
            let kind = try XCTUnwrap(message.text.firstMatch(of: /Reminder: (\S+)\n/)).1
            counts["\(to) \(kind)", default: 0] += 1
        }
        return counts
    }

    func reminders(_ h: Harness, _ repository: any RARepository, delivery: (any CodeDelivery)? = nil) throws -> RenewalReminders {
        RenewalReminders(repository: repository, policy: h.policy, clock: h.clock, delivery: try delivery ?? OutboxDelivery(directory: h.outbox))
    }

    /// Two instances on one store run the job at the same moment.
    func runTwoAtOnce(_ h: Harness, _ first: any RARepository, _ second: any RARepository) async throws -> [ReminderRunReport] {
        let a = try reminders(h, first), b = try reminders(h, second)
        async let one = a.run()
        async let two = b.run()
        return try await [one, two]
    }

    func testEachReminderGoesOutOnceAcrossTwoInstancesAndARestartAndNoneForRevokedOrSupersededCertificates() async throws {
        let h = try await Harness(self)
        let T = Self.notAfter
        try await Self.seed(h, Harness.alice.id, [("a0", .revoked, T), ("a1", .active, T)])
        try await Self.seed(h, Harness.bob.id, [("b0", .superseded, T), ("b1", .active, T), ("b2", .pending, T)])
        let second = try await h.reopenedStore(self)

        // Before the window: nothing due.
        h.clock.set(T - 31 * 86_400)
        let early = try await reminders(h, h.repository).run()
        XCTAssertEqual(early.certificates, 0)
        XCTAssertEqual(try Self.outbox(h).count, 0)

        // The window is open (29 days left): two instances at once send each customer one SMS and one e-mail.
        h.clock.set(T - 29 * 86_400)
        let window = try await runTwoAtOnce(h, h.repository, second)
        XCTAssertEqual(window.map(\.sent.count).reduce(0, +), 2, "\(window)")
        XCTAssertEqual(window.map(\.messages).reduce(0, +), 4, "\(window)")
        XCTAssertEqual(window.map { $0.alreadyDone + $0.inProgressElsewhere }.reduce(0, +), 2, "\(window)")
        XCTAssertEqual(Set(window.flatMap(\.sent).map(\.serial)), ["a1", "b1"])
        XCTAssertEqual(try Self.counts(h), ["0912345678 window-open": 1, "alice@example.test window-open": 1,
                                            "0922333444 window-open": 1, "bob@example.test window-open": 1])

        // What the customer reads: both languages, masked ID and account, no secret, no full number.
        let aliceSMS = try XCTUnwrap(try Self.outbox(h).first { $0.text.contains("To: 0912345678\n") })
        XCTAssertTrue(aliceSMS.name.contains("-sms-window-open-a1-"), aliceSMS.name)
        XCTAssertTrue(aliceSMS.text.contains("Channel: sms\nReminder: window-open\nSerial: a1\n"), aliceSMS.text)
        XCTAssertTrue(aliceSMS.text.contains("【TokenCert】憑證到期提醒：A123456***（帳號 1020-XXXXXX）的憑證將於 2026-06-30 23:59:59（台北時間）到期，尚餘 29 天。現已開放線上展期"), aliceSMS.text)
        XCTAssertTrue(aliceSMS.text.contains("TokenCert reminder: the certificate of A123456*** (account 1020-XXXXXX) expires on 2026-06-30 23:59:59 Taipei time, in 29 days. You can renew it online now"), aliceSMS.text)
        for message in try Self.outbox(h) {
            for secret in [Harness.alice.id, Harness.bob.id, Harness.alice.account, Harness.bob.account, Harness.alice.password, Harness.bob.password] {
                XCTAssertFalse(message.text.replacingOccurrences(of: "To: .*\n", with: "", options: .regularExpression).contains(secret),
                               "\(message.name) shows \(secret)")
            }
        }

        // A restarted RA (the store opened anew) running the job again sends nothing.
        let restarted = try await reminders(h, try await h.reopenedStore(self)).run()
        XCTAssertEqual(restarted.sent.count, 0, "\(restarted)")
        XCTAssertEqual(restarted.alreadyDone, 2)
        XCTAssertEqual(try Self.outbox(h).count, 4)

        // Seven days before expiry (6 days left): the final reminder, once, again across two instances and a re-run.
        h.clock.set(T - 6 * 86_400)
        let final = try await runTwoAtOnce(h, h.repository, second)
        XCTAssertEqual(final.map(\.sent.count).reduce(0, +), 2, "\(final)")
        XCTAssertTrue(final.flatMap(\.sent).allSatisfy { $0.kind == .final })
        _ = try await reminders(h, try await h.reopenedStore(self)).run()
        XCTAssertEqual(try Self.counts(h), ["0912345678 window-open": 1, "alice@example.test window-open": 1,
                                            "0922333444 window-open": 1, "bob@example.test window-open": 1,
                                            "0912345678 final": 1, "alice@example.test final": 1,
                                            "0922333444 final": 1, "bob@example.test final": 1])
        let bobMail = try XCTUnwrap(try Self.outbox(h).first { $0.text.contains("To: bob@example.test\n") && $0.text.contains("Reminder: final") })
        XCTAssertTrue(bobMail.text.contains("僅剩 6 天。請儘速開啟 TokenCert 線上展期；到期後須重新申請憑證。"), bobMail.text)
        XCTAssertTrue(bobMail.text.contains("F131104*** (account 1020-XXXXXX) expires on 2026-06-30 23:59:59 Taipei time, in 6 days."), bobMail.text)

        // None for the revoked, superseded or pending certificates.
        XCTAssertFalse(try Self.outbox(h).contains { $0.text.contains("Serial: a0\n") || $0.text.contains("Serial: b0\n") || $0.text.contains("Serial: b2\n") })

        // Audit-logged: one event per reminder, by the system.
        let audit = try await h.repository.auditLog().filter { $0.action == "reminder" }
        XCTAssertEqual(audit.count, 4, "\(audit)")
        XCTAssertTrue(audit.allSatisfy { $0.actor == "system" && $0.outcome == "ok" }, "\(audit)")
        XCTAssertEqual(Set(audit.map(\.detail)), ["serial a1 window-open sent sms,email", "serial b1 window-open sent sms,email",
                                                  "serial a1 final sent sms,email", "serial b1 final sent sms,email"])

        // After expiry nothing more.
        h.clock.set(T + 60)
        let after = try await reminders(h, h.repository).run()
        XCTAssertEqual(after.certificates, 0)
    }

    func testALateFirstRunSendsOnlyTheFinalReminderAndARenewedCertificateGetsNoFinalOne() async throws {
        let h = try await Harness(self)
        let T = Self.notAfter
        try await Self.seed(h, Harness.alice.id, [("a1", .active, T)])
        try await Self.seed(h, Harness.bob.id, [("b1", .active, T)])
        h.clock.set(T - 20 * 86_400)
        let window = try await reminders(h, h.repository).run()
        XCTAssertEqual(window.sent.map(\.serial).sorted(), ["a1", "b1"])

        // Bob renews: the new certificate is active, the old one superseded. Alice's job stopped running for two weeks.
        try await h.repository.transact(customerID: Harness.bob.id) { ledger in
            ledger.certificates[0].status = .superseded
            ledger.certificates[0].revokedAt = T - 10 * 86_400
            ledger.certificates[0].revocationReason = .superseded
        }
        try await Self.seed(h, Harness.bob.id, [("b2", .active, T + 365 * 86_400)])
        try await Self.seed(h, Harness.alice.id, [("a2", .active, T - 86_400)])   // another of Alice's, never reminded yet
        h.clock.set(T - 5 * 86_400)
        let late = try await reminders(h, h.repository).run()
        XCTAssertEqual(late.sent.map { "\($0.serial) \($0.kind.rawValue)" }.sorted(), ["a1 final", "a2 final"], "\(late)")
        // a2's first reminder comes too late: recorded as skipped, never sent after the final one.
        XCTAssertEqual(late.skipped.map { "\($0.serial) \($0.kind.rawValue)" }, ["a2 window-open"], "\(late)")
        let again = try await reminders(h, h.repository).run()
        XCTAssertEqual(again.sent.count + again.skipped.count, 0, "\(again)")
        XCTAssertFalse(try Self.outbox(h).contains { $0.text.contains("Reminder: final\nSerial: b1\n") || $0.text.contains("Serial: b2\n") })
        XCTAssertFalse(try Self.outbox(h).contains { $0.text.contains("Reminder: window-open\nSerial: a2\n") })
        XCTAssertEqual(try Self.counts(h).values.reduce(0, +), 8)
        let skipped = try await h.repository.auditLog().filter { $0.action == "reminder" && $0.outcome == "skipped" }
        XCTAssertEqual(skipped.map(\.detail), ["serial a2 window-open: overtaken by the final reminder"])
    }

    func testARefusedChannelIsTriedAgainAloneAndAClaimWhoseRunStoppedIsSentAfterTheLease() async throws {
        let h = try await Harness(self)
        let T = Self.notAfter
        try await Self.seed(h, Harness.alice.id, [("a1", .active, T)])
        try await Self.seed(h, Harness.bob.id, [("b1", .active, T)])
        let script = try sendmailStandIn(h.dir)
        let delivery = ChannelDelivery(sms: try OutboxDelivery(directory: h.outbox), email: SendmailDelivery(path: script, from: "RA <ra@example.test>"))
        h.clock.set(T - 25 * 86_400)

        // Bob's reminder was claimed by a run that stopped before sending (killed, the machine lost).
        let stopped = try await h.repository.claimReminder(serial: "b1", kind: .windowOpen, now: h.clock.now(), staleBefore: h.clock.now() - 3600)
        XCTAssertEqual(stopped, .claimed(alreadySent: []))
        XCTAssertTrue(FileManager.default.createFile(atPath: h.dir + "/fail", contents: nil))
        let first = try await reminders(h, h.repository, delivery: delivery).run()
        XCTAssertEqual(first.failed.map { "\($0.serial) \($0.channels) \($0.failedChannels)" }, [#"a1 ["sms"] ["email"]"#], "\(first)")
        XCTAssertEqual(first.inProgressElsewhere, 1, "\(first)")

        // The mail system is back, half an hour later: Alice's e-mail alone goes; Bob's claim is still within its lease.
        try FileManager.default.removeItem(atPath: h.dir + "/fail")
        h.clock.advance(1800)
        let second = try await reminders(h, h.repository, delivery: delivery).run()
        XCTAssertEqual(second.sent.map { "\($0.serial) \($0.channels)" }, [#"a1 ["email"]"#], "\(second)")
        XCTAssertEqual(second.inProgressElsewhere, 1)
        // An hour after the claim, the next run sends Bob's.
        h.clock.advance(1800 + 1)
        let third = try await reminders(h, h.repository, delivery: delivery).run()
        XCTAssertEqual(third.sent.map { "\($0.serial) \($0.channels)" }, [#"b1 ["sms", "email"]"#], "\(third)")
        let fourth = try await reminders(h, h.repository, delivery: delivery).run()
        XCTAssertEqual(fourth.sent.count + fourth.failed.count, 0)

        let sms = try Self.counts(h)
        XCTAssertEqual(sms, ["0912345678 window-open": 1, "0922333444 window-open": 1])
        let mails = try FileManager.default.contentsOfDirectory(atPath: h.dir).filter { $0.hasPrefix("mail-") }
            .map { try String(contentsOfFile: h.dir + "/" + $0, encoding: .utf8) }
        XCTAssertEqual(mails.filter { $0.contains("To: alice@example.test") }.count, 1)
        XCTAssertEqual(mails.filter { $0.contains("To: bob@example.test") }.count, 1)
        let subject = "Subject: =?UTF-8?B?\(Data("憑證可以展期了 / Your TokenCert certificate can be renewed now".utf8).base64EncodedString())?="
        XCTAssertTrue(mails.allSatisfy { $0.contains(subject) }, "\(mails)")
        let audit = try await h.repository.auditLog().filter { $0.action == "reminder" }.map { "\($0.outcome) \($0.detail)" }
        XCTAssertEqual(audit, ["delivery-failed serial a1 window-open sent sms failed email", "ok serial a1 window-open sent email",
                               "ok serial b1 window-open sent sms,email"])
    }

    /// The harness's store as a `--database` value for the executables.
    static func database(_ h: Harness) throws -> String {
        guard let location = h.postgres else { return try XCTUnwrap(h.sqlite?.path) }
        var url = try XCTUnwrap(URLComponents(string: try TestPostgres.baseURL()))
        url.path = "/" + location.database
        return try XCTUnwrap(url.string)
    }

    /// Messages in the outbox, waiting (at most `seconds`) until there are `count`.
    static func waitForOutbox(_ h: Harness, count: Int, seconds: TimeInterval) async throws -> Int {
        let deadline = Date() + seconds
        while Date() < deadline {
            if try outbox(h).count >= count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try outbox(h).count
    }

    /// `tokencert-ra serve --reminders-interval 1`: the job runs beside the service, every second,
    /// and still sends each reminder once.
    func testServeRunsTheRemindersPeriodicallyEachOnce() async throws {
        let h = try await Harness(self)
        try await Self.seed(h, Harness.alice.id, [("a1", .active, Date() + 20 * 86_400)])
        let made = try runTool(ExecutableTests.binary, ["init-ca", "--ca-key-file", h.dir + "/ca.key", "--certificate", h.dir + "/ca.pem"])
        XCTAssertEqual(made.status, 0, made.err)
        let server = try ServerProcess(ExecutableTests.binary, ["serve", "--ca-key-file", h.dir + "/ca.key", "--ca-certificate", h.dir + "/ca.pem",
                                                                "--database", try Self.database(h), "--port", "0", "--outbox", h.outbox,
                                                                "--reminders-interval", "1"], environment: [:])
        defer { server.stop() }
        _ = try server.waitForPort()
        let sent = try await Self.waitForOutbox(h, count: 2, seconds: 20)
        XCTAssertEqual(sent, 2)
        try await Task.sleep(for: .seconds(3))   // three more runs
        XCTAssertEqual(try Self.counts(h), ["0912345678 window-open": 1, "alice@example.test window-open": 1])
        let audit = try await h.repository.auditLog().filter { $0.action == "reminder" }
        XCTAssertEqual(audit.map(\.detail), ["serial a1 window-open sent sms,email"])
    }

    /// `tokencert-ra reminders run`, twice at the same moment as two processes on one store, then once
    /// more: one message per customer and channel; the JSON report checked against its schema.
    func testTheCommandRunTwiceAtOnceSendsEachReminderOnce() async throws {
        let h = try await Harness(self)
        // The processes use the real clock: certificates that end in 20 days.
        let T = Date() + 20 * 86_400
        try await Self.seed(h, Harness.alice.id, [("a1", .active, T), ("a0", .revoked, T)])
        try await Self.seed(h, Harness.bob.id, [("b1", .active, T)])
        let database = try Self.database(h)
        let arguments = ["reminders", "run", "--database", database, "--outbox", h.outbox, "--format", "json"]
        let results = try await withThrowingTaskGroup(of: ToolResult.self) { group in
            for _ in 0..<2 { group.addTask { try runTool(ExecutableTests.binary, arguments) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for r in results {
            XCTAssertEqual(r.status, 0, r.out + r.err)
            try JSONSchemas.check(r.out, schema: "ra-reminders-run", origin: "tokencert-ra reminders run")
        }
        let documents = try results.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.out.utf8)) as? [String: Any]) }
        XCTAssertEqual(documents.map { $0["messages"] as? Int ?? -1 }.reduce(0, +), 4, "\(results.map(\.out))")
        XCTAssertEqual(try Self.counts(h), ["0912345678 window-open": 1, "alice@example.test window-open": 1,
                                            "0922333444 window-open": 1, "bob@example.test window-open": 1])
        let again = try runTool(ExecutableTests.binary, ["reminders", "run", "--database", database, "--outbox", h.outbox])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.out.contains("Sent: 0 reminder(s), 0 message(s)."), again.out)
        XCTAssertTrue(again.out.contains("Sent before: 2;"), again.out)
        XCTAssertEqual(try Self.outbox(h).count, 4)

        // A wrong path is an error, not a new empty store with nothing due.
        let missing = try runTool(ExecutableTests.binary, ["reminders", "run", "--database", h.dir + "/nothing.sqlite", "--outbox", h.outbox])
        XCTAssertEqual(missing.status, 64, missing.out + missing.err)
        XCTAssertTrue(missing.err.contains("No SQLite store"), missing.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir + "/nothing.sqlite"))

        let help = try runTool(ExecutableTests.binary, ["reminders", "run", "--help"]).out
        let words = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(words.contains("Each goes to every channel the customer has"), help)
        XCTAssertTrue(words.contains("Exit status: 0 when every due reminder was sent (or none was due), 75 when some channel refused a message"), help)
    }
}
