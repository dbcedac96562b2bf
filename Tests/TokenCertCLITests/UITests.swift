import Foundation
import TestSupport
import XCTest

/// `tokencert ui` in a real browser: headless Chromium driven by chromium-driver through Debian's
/// selenium (Tests/UI/ui_journey.py), against the built `tokencert-ra` on loopback, a SoftHSM token
/// or the software store, and a made-up removable drive. The script reads every screen in zh-TW and in
/// English (headings, table cells, questions, messages, errors and their remedies) and checks every API
/// answer the page received against docs/schemas. Screenshots of every screen are kept in
/// `.build/ui-artefacts/<test>/`. Missing Chromium, driver or selenium is a failure (scripts/test
/// installs them).
final class UITests: XCTestCase, @unchecked Sendable {
    static let tokencert = builtExecutable("tokencert")
    static let softhsm = "/usr/lib/softhsm/libsofthsm2.so"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func work() throws -> String {
        let dir = NSTemporaryDirectory() + "ui-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Starts `tokencert ui` and returns it with its URL.
    func launch(_ arguments: [String], env: [String: String]) throws -> (InteractiveProcess, String) {
        let ui = try InteractiveProcess(Self.tokencert, ["ui", "--no-browser"] + arguments, environment: env,
                                        unset: ["TOKENCERT_PIN", "TOKENCERT_STORE_PASSWORD", "DISPLAY", "WAYLAND_DISPLAY"])
        addTeardownBlock { _ = ui.finish(timeout: 0.5) }
        let url = try ui.waitFor(#"(http://127\.0\.0\.1:\d+/\?k=[A-Za-z0-9_-]+)"#, timeout: 30)
        return (ui, url)
    }

    /// Runs the browser scenario; its output is attached to the failure.
    func browse(_ scenario: String, url: String, ra: RAProcess, customer: RAProcess.Customer, secret: String? = nil,
                extra: [String] = [], artefacts folder: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let artefacts = Self.root.path + "/.build/ui-artefacts/\(name.filter { $0.isLetter || $0.isNumber })" + (folder.map { "-" + $0 } ?? "")
        try? FileManager.default.removeItem(atPath: artefacts)
        var arguments = [Self.root.path + "/Tests/UI/ui_journey.py", "--url", url, "--outbox", ra.outbox, "--artefacts", artefacts,
                         "--scenario", scenario, "--id", customer.id, "--birth", customer.birth] + extra
        if let secret { arguments += ["--secret", secret] }
        let r = try runTool("/usr/bin/python3", arguments, environment: ["UI_TEST_PASSWORD": customer.password])
        XCTAssertEqual(r.status, 0, "\(scenario): \(r.out)\n\(r.err)", file: file, line: line)
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: artefacts).filter { $0.hasSuffix(".png") }) ?? []
        XCTAssertGreaterThan(shots.count, 5, "screenshots kept in \(artefacts)", file: file, line: line)
    }

    func testRequestsWithoutTheLaunchSecretAreRefused() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let (_, url) = try launch(["--software", "--store-dir", dir + "/store"], env: ["TOKENCERT_RA": ra.url, "XDG_STATE_HOME": dir + "/state"])
        let base = String(url[..<url.range(of: "/?k=")!.lowerBound])
        let key = String(url[url.range(of: "k=")!.upperBound...])
        func status(_ args: [String]) throws -> String {
            try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + args).out
        }
        XCTAssertEqual(try status([base + "/"]), "403", "the page without the secret")
        XCTAssertEqual(try status([base + "/?k=" + String(key.reversed())]), "403", "a wrong secret")
        XCTAssertEqual(try status([base + "/api/status"]), "403", "the API without the header")
        XCTAssertEqual(try status(["-H", "X-TokenCert-Key: \(key)", "-H", "Host: evil.example", base + "/api/status"]), "403", "another Host (DNS rebinding)")
        XCTAssertEqual(try status(["-H", "X-TokenCert-Key: \(key)", "-H", "Origin: http://evil.example", "-X", "POST", "-d", "{}", base + "/api/logout"]), "403",
                       "another origin")
        XCTAssertEqual(try status([url]), "200", "the launch URL")
        XCTAssertEqual(try status(["-H", "X-TokenCert-Key: \(key)", base + "/api/status"]), "200", "the API with the secret")
        let page = try runTool("curl", ["-s", url]).out
        XCTAssertFalse(page.contains("http://") || page.contains("https://"), "nothing is loaded from the network")
    }

    func testBrowserJourneyOnASoftHSMToken() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n".write(toFile: dir + "/softhsm2.conf", atomically: true, encoding: .utf8)
        let label = "ui-\(UUID().uuidString.prefix(6))", pin = "\(Int.random(in: 100000...999999))"
        let made = try runTool("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "27182818", "--pin", pin],
                               environment: ["SOFTHSM2_CONF": dir + "/softhsm2.conf"])
        XCTAssertEqual(made.status, 0, made.err)
        let (_, url) = try launch(["--token", "pkcs11:token=\(label)", "--module", Self.softhsm],
                                  env: ["TOKENCERT_RA": ra.url, "SOFTHSM2_CONF": dir + "/softhsm2.conf", "XDG_STATE_HOME": dir + "/state"])
        try browse("token", url: url, ra: ra, customer: RAProcess.alice, secret: pin)
    }

    func testBrowserJourneyInSoftwareBackupToARemovableDriveThenImportOnAnotherComputer() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let system = try FakeUSBStick.make(in: dir, mount: dir + "/media/KINGSTON")
        // The environment check (menu 5) must show a failure and a warning: no pcscd answers on this
        // window's socket, and TokenCert's udev rules are not installed under its (empty) prefix.
        try FileManager.default.createDirectory(atPath: dir + "/no-drivers", withIntermediateDirectories: true)
        let (_, url) = try launch(["--software", "--store-dir", dir + "/store", "--system-root", system, "--drivers-prefix", dir + "/no-drivers"],
                                  env: ["TOKENCERT_RA": ra.url, "XDG_STATE_HOME": dir + "/state", "PCSCLITE_CSOCK_NAME": dir + "/no-pcscd.comm"])
        try browse("software", url: url, ra: ra, customer: RAProcess.betty, secret: "store-pass-ui-1")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir + "/media/KINGSTON").filter { $0.hasSuffix(".pfx") }
        XCTAssertEqual(written.count, 1, "the backup is on the drive: \(written)")
        // openssl opens it with the password typed in the page.
        let pfx = dir + "/media/KINGSTON/" + (try XCTUnwrap(written.first))
        let r = try runTool("openssl", ["pkcs12", "-in", pfx, "-nokeys", "-passin", "env:P"], environment: ["P": "Bk2026ab"])
        XCTAssertEqual(r.status, 0, r.err)
        // A second computer (another store and state folder): import it in the page, test, revoke.
        let (_, second) = try launch(["--software", "--store-dir", dir + "/store-2"], env: ["TOKENCERT_RA": ra.url, "XDG_STATE_HOME": dir + "/state-2"])
        try browse("import", url: second, ra: ra, customer: RAProcess.betty, secret: "store-pass-ui-2", extra: ["--pfx", pfx], artefacts: "import")
    }

    func testAnExpiredCodeShowsItsMessageInThePage() throws {
        let ra = try RAProcess(self, policy: ["codeLifetimeSeconds": 2])
        let dir = try work()
        let (_, url) = try launch(["--software", "--store-dir", dir + "/store"], env: ["TOKENCERT_RA": ra.url, "XDG_STATE_HOME": dir + "/state"])
        try browse("expired", url: url, ra: ra, customer: RAProcess.chen, extra: ["--code-wait", "3"])
    }
}
