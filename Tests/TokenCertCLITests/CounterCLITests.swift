import Foundation
import PCSC
import TestSupport
import VirtualCard
import XCTest

/// The branch counter with the built `tokencert` and `tokencert-ra`: an officer key on SoftHSM,
/// enrolled and registered, then in-person issue onto a blank SoftHSM token and a batch of three
/// virtual PIV cards (one pulled mid-issue, the batch killed and run again); revoke and unlock.
extension JourneyCLITests {
    /// An officer enrolled on a SoftHSM token, registered with the RA and logged in; the environment
    /// for counter commands.
    func officer(_ ra: RAProcess, dir: String) throws -> [String: String] {
        let token = try softHSM(dir + "/officer")
        var env = token.env
        env["TOKENCERT_RA"] = ra.url
        env["XDG_STATE_HOME"] = dir + "/counter-state"
        env["LANG"] = "C.UTF-8"
        let officerToken = ["--officer-token", token.uri, "--officer-module", Self.softhsm, "--officer-pin-file", token.pinFile]
        let enrolled = try runTool(Self.tokencert, ["counter", "enrol", "--officer", "chen-branch", "--out", dir + "/officer.pem"] + officerToken,
                                   environment: env)
        XCTAssertEqual(enrolled.status, 0, enrolled.err)
        let text = try runTool("openssl", ["x509", "-in", dir + "/officer.pem", "-noout", "-subject"])
        XCTAssertTrue(text.out.contains("chen-branch"), "openssl reads the officer certificate: \(text.out)\(text.err)")
        let added = try runTool(builtExecutable("tokencert-ra"), ["officer", "add", "--database", ra.dir + "/ra.sqlite", "--name", "chen-branch",
                                                                  "--certificate", dir + "/officer.pem"])
        XCTAssertEqual(added.status, 0, added.err)
        let login = try runTool(Self.tokencert, ["counter", "login", "--officer", "chen-branch", "--format", "json"] + officerToken, environment: env)
        XCTAssertEqual(login.status, 0, login.out + login.err)
        try JSONSchemas.check(login.out, schema: "counter-login")
        XCTAssertEqual(try json(login.out)["officer"] as? String, "chen-branch")
        return env
    }

    /// How often `pattern` occurs in the program's stderr.
    func count(_ p: InteractiveProcess, _ pattern: String) -> Int {
        p.stderr.components(separatedBy: pattern).count - 1
    }

    /// Waits (bounded) until `pattern` occurred `n` times in stderr.
    func waitCount(_ p: InteractiveProcess, _ pattern: String, _ n: Int, timeout: TimeInterval = 60,
                   file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if count(p, pattern) >= n { return }
            if !p.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("'\(pattern)' not seen \(n) times; stderr:\n\(p.stderr)\nstdout:\n\(p.stdout)", file: file, line: line)
        throw CocoaError(.userCancelled)
    }

    func testCounterIssuesOntoABlankTokenAndRevokesAndUnlocks() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try officer(ra, dir: dir)
        // The customer's blank token: a SoftHSM directory with only the free slot.
        try FileManager.default.createDirectory(atPath: dir + "/customer/tokens", withIntermediateDirectories: true)
        try "directories.tokendir = \(dir)/customer/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: dir + "/customer/softhsm2.conf", atomically: true, encoding: .utf8)
        var customerEnv = env
        customerEnv["SOFTHSM2_CONF"] = dir + "/customer/softhsm2.conf"
        try "246813".write(toFile: dir + "/newpin", atomically: true, encoding: .utf8)
        let issue = ["counter", "issue", "--customer", RAProcess.betty.id, "--module", Self.softhsm, "--new-pin-file", dir + "/newpin",
                     "--mailer-dir", dir + "/mailers", "--wait", "10", "--format", "json"]
        let issued = try runTool(Self.tokencert, issue, environment: customerEnv)
        XCTAssertEqual(issued.status, 0, issued.out + issued.err)
        try JSONSchemas.check(issued.out, schema: "counter-receipt")
        let receipt = try json(issued.out)
        let serial = try XCTUnwrap(receipt["serial"] as? String)
        XCTAssertEqual(receipt["customer"] as? String, "B223456***")
        XCTAssertEqual(receipt["officer"] as? String, "chen-branch")
        XCTAssertFalse(issued.out.contains("246813") || issued.err.contains("246813"), "the PIN is not printed")

        // OpenSC's pkcs11-tool logs in with the customer's PIN and sees the key and the certificate.
        let listed = try runTool("pkcs11-tool", ["--module", Self.softhsm, "--token-label", "TokenCert B223456***", "--login", "--pin", "246813", "-O"],
                                 environment: customerEnv)
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertEqual(listed.out.components(separatedBy: "Private Key Object").count - 1, 1, listed.out)
        XCTAssertEqual(listed.out.components(separatedBy: "Certificate Object").count - 1, 1, listed.out)
        let mailer = try XCTUnwrap(receipt["mailer"] as? String)
        let attributes = try FileManager.default.attributesOfItem(atPath: mailer)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertTrue(try String(contentsOfFile: mailer, encoding: .utf8).contains("SO PIN: "))

        // A second issue is refused before any token is touched; --replace would revoke the first.
        let again = try runTool(Self.tokencert, issue, environment: customerEnv)
        XCTAssertEqual(again.status, 3, again.out + again.err)
        XCTAssertTrue(again.err.contains("--replace"), again.err)

        // Revoke at the counter: beyond the yearly online limit, named after the officer.
        let revoked = try runTool(Self.tokencert, ["counter", "revoke", "--customer", RAProcess.betty.id, "--reason", "keyCompromise", "--format", "json"],
                                  environment: env)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        try JSONSchemas.check(revoked.out, schema: "ra-revocation")
        XCTAssertEqual((try json(revoked.out)["serial"] as? String)?.uppercased(), serial.uppercased())

        // Unlock: three wrong birth dates lock the customer; the officer lifts it; the code step is reached.
        var customer = try ra.environment(RAProcess.alice, birth: "50/1/1")
        customer["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let locked = try runTool(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/alice"], environment: customer)
        XCTAssertEqual(locked.status, 3, locked.err)
        let unlocked = try runTool(Self.tokencert, ["counter", "unlock", "--customer", RAProcess.alice.id, "--format", "json"], environment: env)
        XCTAssertEqual(unlocked.status, 0, unlocked.out + unlocked.err)
        try JSONSchemas.check(unlocked.out, schema: "counter-unlock")
        customer["TOKENCERT_BIRTH_DATE"] = RAProcess.alice.birth
        let p = try InteractiveProcess(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/alice"], environment: customer)
        try p.waitFor("Code for identifier")
        _ = p.finish(timeout: 5)

        // Logged out, counter commands say how to log in.
        env["LANG"] = "C.UTF-8"
        XCTAssertEqual(try runTool(Self.tokencert, ["counter", "logout"], environment: env).status, 0)
        let out = try runTool(Self.tokencert, ["counter", "unlock", "--customer", RAProcess.alice.id], environment: env)
        XCTAssertEqual(out.status, 3)
        XCTAssertTrue(out.err.contains("counter login"), out.err)
    }

    /// A batch of three virtual PIV cards: card 2 is pulled while its certificate is written and put
    /// back; the batch is killed while waiting for card 3 and run again, and finishes with card 3 only.
    func testCounterBatchOfThreeVirtualCardsIsResumable() async throws {
        let port = try VirtualReaders.ports()[0]
        let reader = try VirtualReaders.readerName(port: port)
        let ra = try RAProcess(self)
        let dir = try work()
        let env = try await off { try self.officer(ra, dir: dir) }
        let list = dir + "/cards.csv"
        try "id\n\(RAProcess.alice.id)\n\(RAProcess.betty.id)\n\(RAProcess.chen.id)\n".write(toFile: list, atomically: true, encoding: .utf8)
        let batch = ["counter", "batch", list, "--reader", reader, "--mailer-dir", dir + "/mailers", "--wait", "60", "--key-type", "p256",
                     "--format", "json"]

        /// The PIN and certificate on the card in the reader, checked by yubico-piv-tool with the mailer's PIN.
        @Sendable func checkCard(_ masked: String) throws {
            let mailers = try FileManager.default.contentsOfDirectory(atPath: dir + "/mailers").filter { $0.hasPrefix(masked) }
            XCTAssertEqual(mailers.count, 1, "one mailer for \(masked): \(mailers)")
            let text = try String(contentsOfFile: dir + "/mailers/" + (mailers.first ?? ""), encoding: .utf8)
            let pin = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("PIN: ") }).dropFirst(5)
            XCTAssertTrue(text.contains("PUK: "))
            let verified = try runTool("yubico-piv-tool", ["-r", reader, "-a", "verify-pin", "-P", String(pin)])
            XCTAssertEqual(verified.status, 0, "the mailer's PIN opens the card: \(verified.err)")
            XCTAssertNotNil(try cardCertificate(reader: reader, slot: "9a", dir: dir), "certificate in 9A")
            XCTAssertNil(try cardCertificate(reader: reader, slot: "82", dir: dir), "nothing orphaned in 82")
        }

        let first = try InteractiveProcess(Self.tokencert, batch, environment: env)
        // Card 1.
        try await off { try self.waitCount(first, "Insert a blank card for", 1) }
        let (card1, _) = try await VirtualReaders.insertCard(port: port)
        try await off { try self.waitCount(first, "Take the card out", 1) }
        try await off { try checkCard("A123456xxx") }
        await card1.stop()
        // Card 2: pulled at its first PUT DATA (the certificate), then put back.
        try await off { try self.waitCount(first, "Insert a blank card for", 2) }
        let (card2, _) = try await VirtualReaders.insertCard(port: port) { $0.pullOnInstruction = 0xDB }
        try await off { try self.waitCount(first, "put the same card back in", 1) }
        try await VirtualReaders.waitForCard(reader: reader, present: false)
        try await card2.insert()
        try await off { try self.waitCount(first, "Take the card out", 2) }
        try await off { try checkCard("B223456xxx") }
        await card2.stop()
        // The batch is killed while it waits for card 3.
        try await off { try self.waitCount(first, "for F131232***", 1) }
        first.process.terminate()
        _ = first.finish(timeout: 10)
        let progress = try String(contentsOfFile: list + ".progress.json", encoding: .utf8)
        XCTAssertEqual(progress.components(separatedBy: "\"done\"").count - 1, 2, progress)

        // Run again: only card 3 is asked for.
        let second = try InteractiveProcess(Self.tokencert, batch, environment: env)
        try await off { try self.waitCount(second, "Insert a blank card for", 1) }
        XCTAssertTrue(second.stderr.contains("F131232***") && !second.stderr.contains("A123456***"), second.stderr)
        let (card3, _) = try await VirtualReaders.insertCard(port: port)
        try await off { try self.waitCount(second, "Take the card out", 1) }
        try await off { try checkCard("F131232xxx") }
        await card3.stop()
        let result = try await off { second.finish(timeout: 30) }
        XCTAssertEqual(result.status, 0, result.out + result.err)
        try JSONSchemas.check(result.out, schema: "counter-batch")
        let receipts = try XCTUnwrap(try json(result.out)["receipts"] as? [[String: Any]])
        XCTAssertEqual(receipts.compactMap { $0["customer"] as? String }, ["A123456***", "B223456***", "F131232***"])
        XCTAssertEqual(receipts.compactMap { $0["resumed"] as? Bool }, [false, true, false], "card 2 was finished after the pull")
    }
}
