import Foundation
import TestSupport
import XCTest

/// End-to-end runs of the built `tokencert` executable against SoftHSM tokens made by SoftHSM's and
/// OpenSC's own tools, directly and through p11-kit's proxy.
final class CLITests: XCTestCase {
    static let softhsm = "/usr/lib/softhsm/libsofthsm2.so"
    static let proxy = "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

    /// `.build/<triple>/debug/tokencert`, next to the test bundle.
    static var tokencert: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = dir.appendingPathComponent("tokencert").path
        if !FileManager.default.fileExists(atPath: candidate) {
            candidate = dir.deletingLastPathComponent().appendingPathComponent("tokencert").path
        }
        return candidate
    }

    /// A private SoftHSM configuration for one test, with one token made by softhsm2-util and keys by pkcs11-tool.
    struct Fixture {
        var dir: String
        var conf: String
        var label: String
        let pin = "314159"
        var env: [String: String] { ["SOFTHSM2_CONF": conf, "LANG": "C.UTF-8"] }
    }

    func makeFixture() throws -> Fixture {
        let dir = NSTemporaryDirectory() + "tokencert-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        let conf = dir + "/softhsm2.conf"
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let f = Fixture(dir: dir, conf: conf, label: "cli-\(UUID().uuidString.prefix(8))")
        let initResult = try exec("softhsm2-util", ["--init-token", "--free", "--label", f.label, "--so-pin", "27182818", "--pin", f.pin], env: f.env)
        XCTAssertEqual(initResult.status, 0, initResult.err)
        let gen = try exec("pkcs11-tool", ["--module", Self.softhsm, "--token-label", f.label, "--login", "--pin", f.pin,
                                           "--keypairgen", "--key-type", "EC:prime256v1", "--label", "order-key", "--id", "0a0b"], env: f.env)
        XCTAssertEqual(gen.status, 0, gen.err)
        return f
    }

    func testTokensJSONShowsTokenPINStateAndObjects() throws {
        let f = try makeFixture()
        let r = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm, "--format", "json"], env: f.env)
        XCTAssertEqual(r.status, 0, r.err)
        try JSONSchemas.check(r.out, schema: "tokens")
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let modules = json["modules"] as! [[String: Any]]
        XCTAssertEqual(modules.count, 1)
        XCTAssertEqual(modules[0]["manufacturer"] as? String, "SoftHSM")
        let tokens = modules[0]["tokens"] as! [[String: Any]]
        let token = try XCTUnwrap(tokens.first { $0["label"] as? String == f.label })
        XCTAssertEqual(token["userPIN"] as? String, "ok")
        XCTAssertEqual(token["initialized"] as? Bool, true)
        XCTAssertTrue((token["uri"] as? String)?.hasPrefix("pkcs11:") ?? false)
        let publicObjects = token["objects"] as! [[String: Any]]
        XCTAssertEqual(publicObjects.map { $0["type"] as? String }, ["public"], "without login only the public key shows")

        // With --login (PIN from the environment, never argv) the private key shows with its safety flags.
        var env = f.env
        env["TOKENCERT_PIN"] = f.pin
        let loggedIn = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm, "--format", "json", "--login"], env: env)
        XCTAssertEqual(loggedIn.status, 0, loggedIn.err)
        let all = ((((try JSONSerialization.jsonObject(with: Data(loggedIn.out.utf8)) as! [String: Any])["modules"] as! [[String: Any]])[0]["tokens"]
            as! [[String: Any]]).first { $0["label"] as? String == f.label }!["objects"] as! [[String: Any]])
        let priv = try XCTUnwrap(all.first { $0["type"] as? String == "private" })
        XCTAssertEqual(priv["label"] as? String, "order-key")
        XCTAssertEqual(priv["id"] as? String, "0a0b")
        XCTAssertEqual(priv["keyType"] as? String, "EC")
        XCTAssertEqual(priv["bits"] as? Int, 256)
        XCTAssertEqual(priv["sensitive"] as? Bool, true)
        XCTAssertEqual(priv["extractable"] as? Bool, false)
        XCTAssertTrue((priv["uri"] as? String)?.contains("type=private") ?? false)
    }

    func testTokensTextInBothLanguages() throws {
        let f = try makeFixture()
        var env = f.env
        env["LANG"] = "zh_TW.UTF-8"
        let zh = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm], env: env)
        XCTAssertEqual(zh.status, 0, zh.err)
        XCTAssertTrue(zh.out.contains("載具 \"\(f.label)\""), zh.out)
        XCTAssertTrue(zh.out.contains("使用者 PIN：正常"), zh.out)
        let en = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm, "--lang", "en"], env: env)
        XCTAssertTrue(en.out.contains("Token \"\(f.label)\""), en.out)
        XCTAssertTrue(en.out.contains("user PIN: ok"), en.out)
    }

    func testWrongPINGivesExitCode5AndTheCountLowStateShows() throws {
        let f = try makeFixture()
        var env = f.env
        env["TOKENCERT_PIN"] = "999999"
        let r = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm, "--login", "--lang", "en"], env: env)
        XCTAssertEqual(r.status, 5, r.out + r.err)
        XCTAssertTrue(r.err.contains("CKR_PIN_INCORRECT"), r.err)
        XCTAssertFalse(r.err.contains("999999") || r.out.contains("999999"), "the PIN never appears in output")
        let after = try exec(Self.tokencert, ["tokens", "--module", Self.softhsm, "--format", "json"], env: f.env)
        XCTAssertTrue(after.out.contains("\"userPIN\" : \"count-low\""), after.out)
    }

    func testNoPINOnTheCommandLine() throws {
        let r = try exec(Self.tokencert, ["tokens", "--pin", "123456"], env: [:])
        XCTAssertEqual(r.status, 64, "there is no --pin option: secrets never come from argv")
        let badURI = try exec(Self.tokencert, ["tokens", "--token", "http://x"], env: [:])
        XCTAssertEqual(badURI.status, 64, badURI.err)
        XCTAssertTrue(badURI.err.contains("pkcs11: URI"), badURI.err)
    }

    func testMissingModuleIsTokenMissingWithRemedy() throws {
        let f = try makeFixture()
        let r = try exec(Self.tokencert, ["tokens", "--module", "/nope/libmissing.so", "--format", "json"], env: f.env)
        XCTAssertEqual(r.status, 4, "no module could be used: token missing")
        XCTAssertTrue(r.out.contains("CKR_LIBRARY_LOAD_FAILED"), r.out)
        XCTAssertTrue(r.out.contains("\"remedy\""), "scripts get the remedy too: \(r.out)")
        try JSONSchemas.check(r.out, schema: "tokens")
        let text = try exec(Self.tokencert, ["tokens", "--module", "/nope/libmissing.so", "--lang", "zh-TW"], env: f.env)
        XCTAssertEqual(text.status, 4)
        XCTAssertTrue(text.out.contains("處理方式："), text.out)
        // One good module and one missing: the listing works and the missing one is reported in place.
        let mixed = try exec(Self.tokencert, ["tokens", "--module", "/nope/libmissing.so", "--module", Self.softhsm, "--format", "json"], env: f.env)
        XCTAssertEqual(mixed.status, 0, mixed.err)
        XCTAssertTrue(mixed.out.contains(f.label), mixed.out)
    }

    func testDemoDirect() throws {
        let dir = NSTemporaryDirectory() + "tokencert-demo-test-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        func taipeiToday() -> String {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = TimeZone(identifier: "Asia/Taipei")
            return f.string(from: Date())
        }
        let before = taipeiToday()
        let r = try exec(Self.tokencert, ["demo", "--format", "json", "--work-dir", dir], env: [:])
        let after = taipeiToday()
        XCTAssertEqual(r.status, 0, r.out + r.err)
        try JSONSchemas.check(r.out, schema: "demo")
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(json["ok"] as? Bool, true)
        XCTAssertEqual((json["steps"] as? [Any])?.count, 2)
        let journey = try XCTUnwrap(json["journey"] as? [[String: Any]])
        XCTAssertEqual(journey.compactMap { $0["step"] as? String },
                       ["apply", "backup", "restore", "sign-test", "revoke",                // software, restored elsewhere
                        "apply", "status", "sign-test", "renew", "status", "revoke"],           // the SoftHSM token
                       "\(journey)")
        XCTAssertTrue(journey.allSatisfy { $0["ok"] as? Bool == true }, "\(journey)")
        XCTAssertTrue(((journey.last?["store"] as? [String: String])?["en"])?.contains("pkcs11:") == true, "\(journey)")
        XCTAssertEqual(journey.first?["store"] as? [String: String], ["en": "software", "zh-TW": "軟體憑證"], "where the key lives, in words")
        // The backup is dated by the customer's computer, today — not by the demo RA's clock moved for a renewal.
        let backup = try XCTUnwrap(journey.first { $0["step"] as? String == "backup" }?["detail"] as? String)
        XCTAssertTrue(backup.hasSuffix("(\(before)).pfx") || backup.hasSuffix("(\(after)).pfx"), "\(backup) is not dated \(before)")
    }

    /// The demo with the virtual PIV card in the test pcscd's first vpcd reader, in Chinese.
    func testDemoWithTheVirtualCard() throws {
        let port = try VirtualReaders.ports()[0]
        let reader = try VirtualReaders.readerName(port: port)
        let dir = NSTemporaryDirectory() + "tokencert-demo-card-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let r = try exec(Self.tokencert, ["demo", "--work-dir", dir, "--lang", "zh-TW", "--piv-port", "\(port)", "--piv-reader", reader], env: [:])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("虛擬 PIV 卡已插入 \(reader)"), r.out)
        XCTAssertTrue(r.out.contains("讀卡機 \(reader) 的 PIV 卡"), r.out)
        XCTAssertEqual(r.out.components(separatedBy: "下單簽驗章測試：").count - 1, 3, "sign-test on the token, the restored software key and the card")
        XCTAssertEqual(r.out.components(separatedBy: "已展期").count - 1, 2, "renewed on the token and on the card")
        XCTAssertTrue(r.out.contains("示範完成"), r.out)
        let lone = try exec(Self.tokencert, ["demo", "--piv-port", "\(port)"], env: [:])
        XCTAssertEqual(lone.status, 64, "--piv-port without --piv-reader is bad input: \(lone.err)")
    }

    func testDemoAndTokensThroughP11KitProxy() throws {
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.proxy), "p11-kit-proxy.so is installed by p11-kit")
        let dir = NSTemporaryDirectory() + "tokencert-proxy-test-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let r = try exec(Self.tokencert, ["demo", "--module", Self.proxy, "--work-dir", dir, "--lang", "en"], env: [:])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        // Each step of an operation is said once (the backup reports its end too).
        XCTAssertEqual(r.out.components(separatedBy: "… Writing the backup").count - 1, 1, r.out)
        XCTAssertTrue(r.out.contains("Module: PKCS#11 Kit Proxy Module") || r.out.contains("p11-kit"), r.out)
        XCTAssertTrue(r.out.contains("Demo finished: every step passed."), r.out)

        let f = try makeFixture()
        let listed = try exec(Self.tokencert, ["tokens", "--module", Self.proxy, "--format", "json"], env: f.env)
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("\"label\" : \"\(f.label)\""), "the SoftHSM token shows through the proxy: \(listed.out)")
    }
}

/// Runs a program with extra environment and without any TOKENCERT_PIN the test process may have.
func exec(_ executable: String, _ arguments: [String], env extra: [String: String],
          file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
    try runTool(executable, arguments, environment: extra, unset: ["TOKENCERT_PIN"], file: file, line: line)
}
