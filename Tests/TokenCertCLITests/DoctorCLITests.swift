import Foundation
import Localization
import TestSupport
import XCTest

/// `tokencert doctor` against the test pcscd with a virtual PIV card and SoftHSM tokens, then with one
/// fault at a time: pcscd unreachable, no card, a module that is not there, a locked PIN, a known USB
/// token in (fake) sysfs with no rules installed.
final class DoctorCLITests: XCTestCase {
    struct Report: Decodable {
        struct Check: Decodable {
            var id: String
            var title: LocalizedText
            var status: String
            var summary: LocalizedText
            var remedy: LocalizedText?
            var details: [String]
            var exitCode: Int32?
        }
        var checks: [Check]
        var worst: String
        var exitCode: Int32
        func check(_ id: String) -> Check? { checks.first { $0.id == id } }
    }

    /// A private SoftHSM configuration with one personalised token, a staging prefix with our files
    /// installed (or not), and an empty fake sysfs.
    struct Setup {
        var dir: String
        var env: [String: String]
        var prefix: String
        var sysfs: String
    }

    func makeSetup(installDrivers: Bool = true) throws -> Setup {
        let dir = NSTemporaryDirectory() + "tokencert-doctor-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/sys/bus/usb/devices", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let conf = dir + "/softhsm2.conf"
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let env = ["SOFTHSM2_CONF": conf, "LANG": "C.UTF-8"]
        let made = try runTool("softhsm2-util", ["--init-token", "--free", "--label", "doctor-\(UUID().uuidString.prefix(6))",
                                                 "--so-pin", "27182818", "--pin", "314159"], environment: env)
        XCTAssertEqual(made.status, 0, made.err)
        let setup = Setup(dir: dir, env: env, prefix: dir + "/root", sysfs: dir + "/sys")
        if installDrivers {
            let r = try runTool(CLITests.tokencert, ["drivers", "install", "--prefix", setup.prefix, "--table", DriversTests.tablePath])
            XCTAssertEqual(r.status, 0, r.err)
        }
        return setup
    }

    func doctor(_ setup: Setup, module: String = CLITests.softhsm, extraEnv: [String: String] = [:], lang: String = "en",
                json: Bool = true, extraArgs: [String] = [], unset: [String] = []) throws -> (ToolResult, Report?) {
        var args = ["doctor", "--module", module, "--prefix", setup.prefix, "--table", DriversTests.tablePath,
                    "--sysfs", setup.sysfs, "--lang", lang] + extraArgs
        if json { args += ["--format", "json"] }
        let r = try runTool(CLITests.tokencert, args, environment: setup.env.merging(extraEnv) { $1 }, unset: ["TOKENCERT_PIN"] + unset)
        let report = json ? try? JSONDecoder().decode(Report.self, from: Data(r.out.utf8)) : nil
        if json {
            XCTAssertNotNil(report, "doctor JSON: \(r.out)\n\(r.err)")
            // Every document of every doctor test: the schema (a remedy for every warning and failure) and the text shape.
            try JSONSchemas.check(r.out, schema: "doctor")
            for check in report?.checks ?? [] {
                XCTAssertNotEqual(check.title.english, check.id, "\(check.id) has a title in words")
                XCTAssertFalse(check.title.traditionalChinese.isEmpty || check.summary.traditionalChinese.isEmpty || check.summary.english.isEmpty)
            }
        }
        return (r, report)
    }

    func emptyReaders() async throws {
        for port in try VirtualReaders.ports() {
            try await VirtualReaders.waitForCard(reader: try VirtualReaders.readerName(port: port), present: false)
        }
    }

    func testAllPassWithPCSCDAVirtualCardAndSoftHSM() async throws {
        let setup = try makeSetup()
        let (card, reader) = try await VirtualReaders.insertCard(port: try VirtualReaders.ports()[0])
        addTeardownBlock { await card.stop() }
        let (r, report) = try doctor(setup)
        let rep = try XCTUnwrap(report)
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertEqual(rep.exitCode, 0)
        for id in ["pcscd", "polkit", "readers", "usb-devices", "modules", "pin-state", "udev-rules", "openssl"] {
            XCTAssertEqual(rep.check(id)?.status, "pass", "\(id): \(String(describing: rep.check(id)))")
        }
        let readers = try XCTUnwrap(rep.check("readers"))
        XCTAssertTrue(readers.details.contains { $0.contains(reader) && $0.contains("TokenCert virtual PIV card") }, "\(readers.details)")
        XCTAssertEqual(rep.check("ra")?.status, "skip", "RA checks are listed as not done yet")
        XCTAssertNotNil(rep.check("backup-drives"))

        let (text, _) = try doctor(setup, lang: "zh-TW", json: false)
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.out.contains("[正常] 智慧卡服務（pcscd）：") && text.out.contains("讀卡機"), text.out)
    }

    func testPCSCDStoppedFailsWithExit4AndTheStartRemedy() throws {
        let setup = try makeSetup()
        let nowhere = NSTemporaryDirectory() + "no-pcscd-\(UUID().uuidString.prefix(8)).comm"
        let (r, report) = try doctor(setup, extraEnv: ["PCSCLITE_CSOCK_NAME": nowhere])
        let rep = try XCTUnwrap(report)
        XCTAssertEqual(r.status, 4, r.out)
        let pcscd = try XCTUnwrap(rep.check("pcscd"))
        XCTAssertEqual(pcscd.status, "fail")
        XCTAssertTrue(pcscd.remedy?.english.contains("systemctl start pcscd") ?? false, "\(pcscd)")
        XCTAssertTrue(pcscd.remedy?.traditionalChinese.contains("啟動") ?? false)
        XCTAssertEqual(rep.check("readers")?.status, "skip")
        let (text, _) = try doctor(setup, extraEnv: ["PCSCLITE_CSOCK_NAME": nowhere], lang: "zh-TW", json: false)
        XCTAssertEqual(text.status, 4)
        XCTAssertTrue(text.out.contains("[失敗] 智慧卡服務（pcscd）：") && text.out.contains("處理方式：") && text.out.contains("systemctl start pcscd"), text.out)
    }

    /// No card in either vpcd reader: readers are there, nothing is inserted → a warning saying to insert it.
    func testReadersWithNoCardWarn() async throws {
        try await emptyReaders()
        let setup = try makeSetup()
        let (r, report) = try doctor(setup)
        let readers = try XCTUnwrap(report?.check("readers"))
        XCTAssertEqual(readers.status, "warn", "\(readers)")
        XCTAssertTrue(readers.remedy?.english.contains("Insert") ?? false, "\(readers)")
        XCTAssertEqual(r.status, 0, "a warning alone does not fail the run")
        XCTAssertEqual(report?.worst, "warn")
    }

    func testMissingModuleFailsWithExit4AndTheModuleRemedy() throws {
        let setup = try makeSetup()
        let (r, report) = try doctor(setup, module: "/nonexistent/libnothing.so")
        let modules = try XCTUnwrap(report?.check("modules"))
        XCTAssertEqual(modules.status, "fail")
        XCTAssertEqual(modules.exitCode, 4)
        XCTAssertTrue(modules.summary.english.contains("/nonexistent/libnothing.so"), "\(modules)")
        XCTAssertTrue(modules.details.contains { $0.contains("CKR_LIBRARY_LOAD_FAILED") }, "\(modules)")
        XCTAssertFalse(modules.remedy?.english.isEmpty ?? true)
        XCTAssertFalse(modules.remedy?.traditionalChinese.isEmpty ?? true)
        XCTAssertEqual(r.status, 4, r.out)
    }

    /// The PIN-lock fixture module over SoftHSM, told to start every slot with 3 wrong tries counted.
    func testLockedPINFailsWithExit5AndTheUnblockRemedy() throws {
        let setup = try makeSetup()
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pinlock-module.c").path
        let shim = setup.dir + "/pinlock-module.so"
        let cflags = try runTool("pkg-config", ["--cflags", "p11-kit-1"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let cc = try runTool("cc", ["-shared", "-fPIC"] + cflags.split(separator: " ").map(String.init) + [source, "-o", shim, "-ldl"])
        XCTAssertEqual(cc.status, 0, cc.err)

        let (r, report) = try doctor(setup, module: shim, extraEnv: ["PINLOCK_START_WRONG": "3"])
        let pin = try XCTUnwrap(report?.check("pin-state"))
        XCTAssertEqual(pin.status, "fail", "\(pin)")
        XCTAssertTrue(pin.details.contains { $0.contains("user PIN locked") }, "\(pin)")
        XCTAssertTrue(pin.remedy?.english.contains("SO PIN") ?? false)
        XCTAssertTrue(pin.remedy?.traditionalChinese.contains("解鎖") ?? false)
        XCTAssertEqual(r.status, 5, r.out)

        // Two wrong tries: final try, a warning only.
        let (r2, report2) = try doctor(setup, module: shim, extraEnv: ["PINLOCK_START_WRONG": "2"])
        XCTAssertEqual(report2?.check("pin-state")?.status, "warn")
        XCTAssertTrue(report2?.check("pin-state")?.details.contains { $0.contains("final-try") } ?? false)
        XCTAssertNotEqual(r2.status, 5)
    }

    /// A Feitian ePass2003 (096e:0807) in a fake sysfs, no rules installed, no such reader in pcscd.
    /// (Not a YubiKey: the test pcscd's vpcd readers are named "Yubico YubiKey …" for ykcs11.)
    func testKnownUSBTokenWithoutRulesNamesDriversInstall() throws {
        let setup = try makeSetup(installDrivers: false)
        let device = setup.sysfs + "/bus/usb/devices/1-4"
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        try "096e\n".write(toFile: device + "/idVendor", atomically: true, encoding: .utf8)
        try "0807\n".write(toFile: device + "/idProduct", atomically: true, encoding: .utf8)
        // An interface folder (no IDs) and an unknown device are ignored.
        try FileManager.default.createDirectory(atPath: setup.sysfs + "/bus/usb/devices/1-4:1.0", withIntermediateDirectories: true)
        let other = setup.sysfs + "/bus/usb/devices/1-5"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "046d\n".write(toFile: other + "/idVendor", atomically: true, encoding: .utf8)
        try "c52b\n".write(toFile: other + "/idProduct", atomically: true, encoding: .utf8)

        let (r, report) = try doctor(setup)
        let usb = try XCTUnwrap(report?.check("usb-devices"))
        XCTAssertEqual(usb.status, "fail", "\(usb)")
        XCTAssertEqual(usb.details.count, 1, "\(usb.details)")
        XCTAssertTrue(usb.details[0].contains("096e:0807") && usb.details[0].contains("ePass2003"), "\(usb.details)")
        XCTAssertTrue(usb.remedy?.english.contains("tokencert drivers install") ?? false, "\(usb)")
        XCTAssertTrue(usb.remedy?.traditionalChinese.contains("tokencert drivers install") ?? false)
        XCTAssertEqual(report?.check("udev-rules")?.status, "warn")
        XCTAssertEqual(r.status, 4)

        // With the rules installed the rules cause is gone (pcscd simply has not seen it: replug).
        let install = try runTool(CLITests.tokencert, ["drivers", "install", "--prefix", setup.prefix, "--table", DriversTests.tablePath])
        XCTAssertEqual(install.status, 0, install.err)
        let (_, after) = try doctor(setup)
        let usb2 = try XCTUnwrap(after?.check("usb-devices"))
        XCTAssertFalse(usb2.remedy?.english.contains("drivers install") ?? true, "\(usb2)")
        XCTAssertTrue(usb2.remedy?.english.contains("plug it in again") ?? false, "\(usb2)")
    }

    /// What TokenCert can do with each token, and the computer's TPM 2.0 in each state: none, present
    /// without tpm2-pkcs11 (the set-up commands), and the test run's TPM (swtpm behind tpm2-abrmd,
    /// reached through TPM2_PKCS11_TCTI) with its token ready.
    func testTokenCapabilitiesAndTheTPMInEachState() throws {
        let setup = try makeSetup()
        let (_, ready) = try doctor(setup)
        let capabilities = try XCTUnwrap(ready?.check("token-capabilities"))
        XCTAssertEqual(capabilities.status, "pass", "\(capabilities)")
        XCTAssertTrue(capabilities.details.contains { $0.contains("SoftHSM2") && $0.contains("EC P-256") && $0.contains("RSA-2048") }, "\(capabilities.details)")
        let tpm = try XCTUnwrap(ready?.check("tpm"))
        let label = ProcessInfo.processInfo.environment["TOKENCERT_TEST_TPM_TOKEN"] ?? "(TOKENCERT_TEST_TPM_TOKEN unset: run scripts/test)"
        XCTAssertEqual(tpm.status, "pass", "\(tpm)")
        XCTAssertTrue(tpm.summary.english.contains(label) && tpm.summary.english.contains("cannot be backed up"), tpm.summary.english)
        XCTAssertTrue(tpm.summary.traditionalChinese.contains("無法備份"), tpm.summary.traditionalChinese)

        let noTPM = setup.dir + "/dev-empty"
        try FileManager.default.createDirectory(atPath: noTPM, withIntermediateDirectories: true)
        let (_, none) = try doctor(setup, extraArgs: ["--dev-root", noTPM], unset: ["TPM2_PKCS11_TCTI"])
        XCTAssertEqual(none?.check("tpm")?.status, "skip")

        let withNode = setup.dir + "/dev-tpm"
        try FileManager.default.createDirectory(atPath: withNode, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: withNode + "/tpmrm0", contents: nil)
        let (_, missing) = try doctor(setup, extraArgs: ["--dev-root", withNode, "--tpm-module", setup.dir + "/no-tpm2-pkcs11.so"],
                                      unset: ["TPM2_PKCS11_TCTI"])
        let check = try XCTUnwrap(missing?.check("tpm"))
        XCTAssertEqual(check.status, "warn")
        XCTAssertTrue(check.summary.english.contains("tpm2-pkcs11 is not installed"), check.summary.english)
        XCTAssertTrue(check.remedy?.english.contains("tpm2_ptool addtoken") ?? false, "\(check)")
        XCTAssertTrue(check.remedy?.traditionalChinese.contains("tpm2_ptool init") ?? false, "\(check)")
    }

    /// A Castles EZ100PU (0ca6:0010) is not a CCID reader: the doctor names its maker's driver, not libccid.
    func testANonCCIDReaderNamesItsMakersDriver() throws {
        let setup = try makeSetup()
        let device = setup.sysfs + "/bus/usb/devices/2-1"
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        try "0ca6\n".write(toFile: device + "/idVendor", atomically: true, encoding: .utf8)
        try "0010\n".write(toFile: device + "/idProduct", atomically: true, encoding: .utf8)
        let (_, report) = try doctor(setup)
        let usb = try XCTUnwrap(report?.check("usb-devices"))
        XCTAssertEqual(usb.status, "fail", "\(usb)")
        XCTAssertTrue(usb.details.contains { $0.contains("0ca6:0010") && $0.contains("EZ100PU") }, "\(usb.details)")
        XCTAssertTrue(usb.remedy?.english.contains("not a CCID reader") ?? false, "\(usb)")
        XCTAssertTrue(usb.remedy?.traditionalChinese.contains("原廠") ?? false, "\(usb)")
    }
}
