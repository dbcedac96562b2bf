import Foundation
import TestSupport
import XCTest

/// `tokencert status --check` (issue 17): the exit code says what the certificate needs — 0 fine, 10
/// renew now, 11 expired or revoked — for a real certificate from the built RA, judged by the built
/// `tokencert` at a clock moved with faketime (Debian's libfaketime) so that the certificate has +200,
/// +20 and −1 days left; and revoked on the host while a copy is still here.
final class StatusCheckCLITests: XCTestCase, JourneyTest {
    static let tokencert = builtExecutable("tokencert")
    static let softhsm = "/usr/lib/softhsm/libsofthsm2.so"

    /// `tokencert status --check` with the clock at `daysLeft` days before the certificate's notAfter.
    func check(_ store: [String], env: [String: String], notAfter: Date, daysLeft: Double, unset: [String] = [],
               file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
        let offset = Int(notAfter.addingTimeInterval(-daysLeft * 86_400).timeIntervalSinceNow)
        // (runTool's `unset` only clears inherited variables; these are the test's own.)
        return try runTool("faketime", ["-f", "\(offset >= 0 ? "+" : "")\(offset)", Self.tokencert, "status", "--check"] + store,
                           environment: env.filter { !unset.contains($0.key) }, unset: unset, file: file, line: line)
    }

    func testCheckExitCodesAtPlus200Plus20MinusOneDaysAndRevoked() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.chen)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let store = ["--software", "--store-dir", dir + "/store"]
        let applied = try interactive(["apply", "--yes", "--key-type", "p256", "--format", "json"] + store, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        let status = try runTool(Self.tokencert, ["status", "--format", "json"] + store, environment: env)
        let client = try XCTUnwrap(try json(status.out)["client"] as? [String: Any], status.out + status.err)
        let notAfterText = try XCTUnwrap((client["certificate"] as? [String: Any])?["notAfter"] as? String, status.out)
        let notAfter = try XCTUnwrap(ISO8601DateFormatter().date(from: notAfterText), notAfterText)

        // Now: fine, silent.
        let now = try runTool(Self.tokencert, ["status", "--check"] + store, environment: env)
        XCTAssertEqual(now.status, 0, now.out + now.err)
        XCTAssertEqual(now.out, "", "--check prints nothing when all is fine")

        // With the host (customer and password from the environment) and without (no e-trading
        // password: the certificate alone, by its dates; nothing is asked).
        for (name, unset) in [("host", [String]()), ("certificate alone", ["TOKENCERT_PASSWORD"])] {
            let fine = try check(store, env: env, notAfter: notAfter, daysLeft: 200, unset: unset)
            XCTAssertEqual(fine.status, 0, "\(name), +200 days: " + fine.out + fine.err)
            let renew = try check(store, env: env, notAfter: notAfter, daysLeft: 20, unset: unset)
            XCTAssertEqual(renew.status, 10, "\(name), +20 days: renew now. " + renew.out + renew.err)
            XCTAssertTrue(renew.out.contains("tokencert renew"), renew.out)
            let expired = try check(store, env: env, notAfter: notAfter, daysLeft: -1, unset: unset)
            XCTAssertEqual(expired.status, 11, "\(name), −1 day: expired. " + expired.out + expired.err)
            XCTAssertTrue(expired.out.contains("tokencert apply"), expired.out)
        }

        // Revoked on the host (from a copy of the store: revoke removes the certificate where it runs)
        // while this computer still holds it: 11 with the host, 0 judged on the certificate alone.
        try FileManager.default.copyItem(atPath: dir + "/store", toPath: dir + "/copy")
        let revoked = try interactive(["revoke", "--yes", "--reason", "keyCompromise"] + ["--software", "--store-dir", dir + "/copy"], env: env, ra: ra)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        let afterRevocation = try runTool(Self.tokencert, ["status", "--check", "--lang", "en"] + store, environment: env)
        XCTAssertEqual(afterRevocation.status, 11, afterRevocation.out + afterRevocation.err)
        XCTAssertTrue(afterRevocation.out.contains("Revoked"), afterRevocation.out)
        let noLogin = env.filter { $0.key != "TOKENCERT_PASSWORD" }
        let alone = try runTool(Self.tokencert, ["status", "--check"] + store, environment: noLogin, unset: ["TOKENCERT_PASSWORD"])
        XCTAssertEqual(alone.status, 0, "without the host a revocation is not seen (documented): " + alone.out + alone.err)
        // Without the store's passphrase: the certificate is kept outside the encrypted key files, so
        // the daily check needs no stored secret (it used to stop at 5, "PIN needed"). Nothing is asked.
        let noSecret = noLogin.filter { $0.key != "TOKENCERT_STORE_PASSWORD" }
        for (days, expected) in [(200.0, Int32(0)), (20, 10), (-1, 11)] {
            let r = try check(store, env: noSecret, notAfter: notAfter, daysLeft: days, unset: ["TOKENCERT_PASSWORD", "TOKENCERT_STORE_PASSWORD"])
            XCTAssertEqual(r.status, expected, "no passphrase, \(days) days: " + r.out + r.err)
        }

        // The RA unreachable while the certificate is fine: 6, not 0.
        var away = env
        away["TOKENCERT_RA"] = "http://127.0.0.1:9"
        let unreachable = try check(store, env: away, notAfter: notAfter, daysLeft: 200)
        XCTAssertEqual(unreachable.status, 6, unreachable.out + unreachable.err)
    }

    /// The issue's case: a certificate on a token (SoftHSM through PKCS#11), checked with no PIN at
    /// all — the certificate is a public object, read without C_Login — at +200, +20 and −1 days, and
    /// revoked on the host (by serial, from elsewhere, so the token keeps its copy).
    func testTokenCertificateIsCheckedWithoutItsPIN() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let token = try softHSM(dir)
        var env = try ra.environment(RAProcess.alice).merging(token.env) { $1 }
        env["TOKENCERT_PIN"] = nil
        let withPIN = ["--token", token.uri, "--module", Self.softhsm, "--pin-file", token.pinFile]
        let applied = try interactive(["apply", "--yes", "--key-type", "p256", "--format", "json"] + withPIN, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        let serial = try XCTUnwrap(try json(applied.out)["serial"] as? String, applied.out)
        let certificate = try XCTUnwrap(try json(applied.out)["certificate"] as? [String: Any], applied.out)
        let notAfter = try XCTUnwrap(ISO8601DateFormatter().date(from: certificate["notAfter"] as? String ?? ""), applied.out)

        // No --pin-file, no TOKENCERT_PIN, no terminal: the daily timer's situation.
        let noPIN = ["--token", token.uri, "--module", Self.softhsm]
        for (name, unset) in [("host", ["TOKENCERT_PIN"]), ("certificate alone", ["TOKENCERT_PIN", "TOKENCERT_PASSWORD"])] {
            let environment = env.filter { !unset.contains($0.key) }
            for (days, expected) in [(200.0, Int32(0)), (20, 10), (-1, 11)] {
                let r = try check(noPIN, env: environment, notAfter: notAfter, daysLeft: days, unset: unset)
                XCTAssertEqual(r.status, expected, "\(name), \(days) days: " + r.out + r.err)
                XCTAssertFalse(r.out.contains("PIN"), "no PIN is asked for or missed: " + r.out)
            }
        }

        // Revoked on the host by serial from an empty software store: the token still holds it.
        let revoked = try interactive(["revoke", "--yes", "--reason", "keyCompromise", "--serial", serial,
                                       "--software", "--store-dir", dir + "/elsewhere"], env: env.merging(["TOKENCERT_STORE_PASSWORD": "other-1"]) { $1 }, ra: ra)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        let afterRevocation = try runTool(Self.tokencert, ["status", "--check", "--lang", "en"] + noPIN, environment: env, unset: ["TOKENCERT_PIN"])
        XCTAssertEqual(afterRevocation.status, 11, afterRevocation.out + afterRevocation.err)
        XCTAssertTrue(afterRevocation.out.contains("Revoked"), afterRevocation.out)

        // The token unplugged (its module has no such token): 4, still nothing asked.
        let away = try runTool(Self.tokencert, ["status", "--check", "--token", "pkcs11:token=not-here", "--module", Self.softhsm],
                               environment: env, unset: ["TOKENCERT_PIN"])
        XCTAssertEqual(away.status, 4, away.out + away.err)
    }
}
