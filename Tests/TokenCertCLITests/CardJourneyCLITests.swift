import Foundation
import PCSC
import TestSupport
import VirtualCard
import XCTest

/// The customer's journey on the virtual PIV card behind the test pcscd, with the built `tokencert`
/// and `tokencert-ra`; yubico-piv-tool reads what ended up on the card. The card is pulled at exact
/// APDUs (the card emulator's pull-on-instruction) to check that a stopped apply or renew leaves
/// nothing orphaned and that running the command again finishes the job.
extension JourneyCLITests {
    /// Runs blocking work (processes, sleeps) off the cooperative pool, which the card emulator needs.
    func off<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The certificate (DER) yubico-piv-tool reads from `slot`, nil when it finds none.
    func cardCertificate(reader: String, slot: String, dir: String) throws -> [UInt8]? {
        let out = dir + "/read-\(slot)-\(UUID().uuidString.prefix(6)).der"
        let r = try runTool("yubico-piv-tool", ["-r", reader, "-a", "read-certificate", "-s", slot, "-K", "DER", "-o", out])
        guard r.status == 0, let data = FileManager.default.contents(atPath: out), !data.isEmpty else { return nil }
        return Array(data)
    }

    /// The host's certificates as `status` shows them: serial and state of each.
    func hostCertificates(_ env: [String: String], reader: String) throws -> [[String: String]] {
        let host = try runTool(Self.tokencert, ["status", "--reader", reader, "--format", "json"], environment: env)
        let entries = ((try json(host.out)["host"] as? [String: Any])?["certificates"] as? [[String: Any]]) ?? []
        return entries.map { e in e.compactMapValues { $0 as? String } }
    }

    func testCardJourneyApplySignTestRenewRevoke() async throws {
        let port = try VirtualReaders.ports()[0]
        let ra = try RAProcess(self, policy: ["renewalWindowDays": 400])
        let dir = try work()
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        defer { Task { await card.stop() } }
        try "123456".write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        let env = try ra.environment(RAProcess.chen)
        let store = ["--reader", reader, "--pin-file", dir + "/pin", "--key-type", "p256"]

        let applied = try await off { try self.interactive(["apply", "--yes", "--format", "json"] + store, env: env, ra: ra) }
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        let serial = try XCTUnwrap(try json(applied.out)["serial"] as? String)
        let in9A = try await off { try self.cardCertificate(reader: reader, slot: "9a", dir: dir) }
        XCTAssertNotNil(in9A, "yubico-piv-tool reads the certificate in 9A")

        let test = try await off { try runTool(Self.tokencert, ["sign-test", "--format", "json"] + store.dropLast(2), environment: env) }
        XCTAssertEqual(test.status, 0, test.out + test.err)
        try validate(test.out, schema: "sign-test")
        XCTAssertEqual(try json(test.out)["serial"] as? String, serial)

        // Renew: the new key goes to retired slot 82, then the old one in 9A is overwritten and emptied.
        let renewed = try await off { try self.interactive(["renew", "--yes", "--format", "json"] + store, env: env, ra: ra) }
        XCTAssertEqual(renewed.status, 0, renewed.out + renewed.err)
        let after9A = try await off { try self.cardCertificate(reader: reader, slot: "9a", dir: dir) }
        let after82 = try await off { try self.cardCertificate(reader: reader, slot: "82", dir: dir) }
        XCTAssertNil(after9A, "the old certificate is gone from 9A")
        XCTAssertNotNil(after82, "the new certificate is in 82")

        let revoked = try await off { try self.interactive(["revoke", "--yes", "--reason", "keyCompromise"] + store.dropLast(2), env: env, ra: ra) }
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        let left82 = try await off { try self.cardCertificate(reader: reader, slot: "82", dir: dir) }
        XCTAssertNil(left82, "nothing left on the card after the host confirmed the revocation")
        await card.stop()
    }

    /// The card is pulled while the certificate is being written (apply), then while the renewed
    /// certificate is being written (renew). Each time: exit 4 with the remedy, nothing half-done on
    /// the card or the host, and the same command run again finishes.
    func testCardPulledDuringApplyAndDuringRenewLeavesNothingOrphaned() async throws {
        let port = try VirtualReaders.ports()[1]
        let ra = try RAProcess(self, policy: ["renewalWindowDays": 400])
        let dir = try work()
        // Pulled at the first PUT DATA (INS DB): apply's certificate.
        let (card, reader) = try await VirtualReaders.insertCard(port: port) { $0.pullOnInstruction = 0xDB }
        try "123456".write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        let env = try ra.environment(RAProcess.alice)
        let store = ["--reader", reader, "--pin-file", dir + "/pin", "--key-type", "p256"]

        let pulled = try await off { try self.interactive(["apply", "--yes"] + store, env: env, ra: ra) }
        XCTAssertEqual(pulled.status, 4, pulled.out + pulled.err)
        XCTAssertTrue(pulled.err.contains("again"), "the message says to run the command again: \(pulled.err)")
        try await VirtualReaders.waitForCard(reader: reader, present: false)
        try await card.insert()
        try await VirtualReaders.waitForCard(reader: reader, present: true)
        let none = try await off { try self.cardCertificate(reader: reader, slot: "9a", dir: dir) }
        XCTAssertNil(none, "no certificate was written before the pull")

        // Again: the earlier run is finished (same request id, the RA answers with what it issued).
        let again = try await off { try runTool(Self.tokencert, ["apply", "--yes", "--format", "json"] + store, environment: env) }
        XCTAssertEqual(again.status, 0, again.out + again.err)
        XCTAssertEqual(try json(again.out)["resumed"] as? Bool, true, again.out)
        let serial = try XCTUnwrap(try json(again.out)["serial"] as? String)
        let hosted = try await off { try self.hostCertificates(env, reader: reader) }
        XCTAssertEqual(hosted.count, 1, "one certificate on the host: \(hosted)")
        XCTAssertEqual(hosted.first?["serial"]?.uppercased(), serial.uppercased())

        // Renew, pulled while the new certificate is written into 82.
        await card.armPull(onInstruction: 0xDB)
        let renewPulled = try await off { try self.interactive(["renew", "--yes"] + store, env: env, ra: ra) }
        XCTAssertEqual(renewPulled.status, 4, renewPulled.out + renewPulled.err)
        try await VirtualReaders.waitForCard(reader: reader, present: false)
        try await card.insert()
        try await VirtualReaders.waitForCard(reader: reader, present: true)
        let still9A = try await off { try self.cardCertificate(reader: reader, slot: "9a", dir: dir) }
        XCTAssertNotNil(still9A, "the old certificate is untouched while the renewal is unfinished")
        let renewed = try await off { try runTool(Self.tokencert, ["renew", "--yes", "--format", "json"] + store, environment: env) }
        XCTAssertEqual(renewed.status, 0, renewed.out + renewed.err)
        XCTAssertEqual(try json(renewed.out)["replaced"] as? String, serial)
        let final9A = try await off { try self.cardCertificate(reader: reader, slot: "9a", dir: dir) }
        let final82 = try await off { try self.cardCertificate(reader: reader, slot: "82", dir: dir) }
        XCTAssertNil(final9A, "the superseded certificate is removed")
        XCTAssertNotNil(final82)
        let states = try await off { try self.hostCertificates(env, reader: reader) }.compactMap { $0["state"] }.sorted()
        XCTAssertEqual(states, ["active", "superseded"], "host: the new one active, the old superseded")
        await card.stop()
    }
}
