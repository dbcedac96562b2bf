import Foundation
import TestSupport
@testable import TokenCertCLI
import XCTest

/// The devices table, the udev rules made from it, our rule-line checker, and `drivers install/check`.
final class DriversTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let tablePath = root + "/Drivers/devices.json"

    func table() throws -> DeviceTable { try DeviceTable.load(path: Self.tablePath) }

    func testTableIsValidAndHasTheCommonDevices() throws {
        let t = try table()
        XCTAssertEqual(t.problems(), [])
        XCTAssertTrue((20...40).contains(t.devices.count), "\(t.devices.count) devices")
        XCTAssertEqual(t.device(usb: DeviceTable.USBID("1050:0407")!)?.id, "yubikey-4-5")
        XCTAssertEqual(t.device(usb: DeviceTable.USBID("08e6:3437")!)?.id, "gemalto-pc-twin")
        for m in t.modules { XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root + "/Drivers/modules/" + m.moduleFile!), m.id) }
    }

    /// Every libccid-sourced USB ID is in the installed libccid's supported-readers list, under a
    /// friendly name containing the entry's pcscName (so reader names pcscd shows match the table).
    func testUSBIDsAndNamesAgreeWithTheInstalledLibccidList() throws {
        let plist = "/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist"
        let data = try XCTUnwrap(FileManager.default.contents(atPath: plist), "libccid is installed by scripts/test")
        let dict = try XCTUnwrap(PropertyListSerialization.propertyList(from: data, format: nil) as? [String: Any])
        let vendors = try XCTUnwrap(dict["ifdVendorID"] as? [String]), products = try XCTUnwrap(dict["ifdProductID"] as? [String])
        let names = try XCTUnwrap(dict["ifdFriendlyName"] as? [String])
        var known: [String: String] = [:]
        for i in vendors.indices {
            let v = String(UInt16(vendors[i].dropFirst(2), radix: 16)!, radix: 16), p = String(UInt16(products[i].dropFirst(2), radix: 16)!, radix: 16)
            known[String(repeating: "0", count: 4 - v.count) + v + ":" + String(repeating: "0", count: 4 - p.count) + p] = names[i]
        }
        var checked = 0
        for d in try table().devices where d.sources.contains("libccid") {
            for id in d.usb ?? [] {
                let name = try XCTUnwrap(known[id.description], "\(d.id) \(id) is not in libccid's list")
                XCTAssertTrue(d.matches(readerName: name + " 00 00"), "\(d.id): \(name) does not contain \(d.pcscName ?? "")")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testValidationFindsEveryKindOfProblem() throws {
        var t = try table()
        t.devices[0].kinds = []
        t.devices[1].usb = [t.devices[2].usb![0]]
        t.devices[3].module = "no-such-module"
        t.devices[4].sources = ["made-up"]
        t.devices[5].name = ""
        t.modules[0].path = "relative/opensc-pkcs11.so"
        t.devices.append(t.devices[6])
        let problems = t.problems().joined(separator: "\n")
        for expected in ["no kinds", "is also", "no-such-module is not in modules", "made-up is not in sources",
                         "name is empty", "is not absolute", "is listed twice"] {
            XCTAssertTrue(problems.contains(expected), "missing \(expected) in:\n\(problems)")
        }
        // Bad USB IDs and unknown kinds are refused when the file is read.
        for bad in ["\"usb\": [\"1050:04\"]", "\"usb\": [\"1050:040G\"]", "\"usb\": [\"1050:0A07\"]"] {
            let json = try String(contentsOfFile: Self.tablePath, encoding: .utf8)
                .replacingOccurrences(of: "\"usb\": [\"072f:90cc\"]", with: bad)
            XCTAssertThrowsError(try JSONDecoder().decode(DeviceTable.self, from: Data(json.utf8)), bad)
        }
        let unknownKind = try String(contentsOfFile: Self.tablePath, encoding: .utf8)
            .replacingOccurrences(of: "\"kinds\": [\"ccid-reader\"], \"pcscName\": \"ACS ACR 38U-CCID\"", with: "\"kinds\": [\"floppy\"], \"pcscName\": \"ACS ACR 38U-CCID\"")
        XCTAssertNotEqual(unknownKind, try String(contentsOfFile: Self.tablePath, encoding: .utf8))
        XCTAssertThrowsError(try JSONDecoder().decode(DeviceTable.self, from: Data(unknownKind.utf8)))
    }

    func testATRMatchingWithAndWithoutMask() throws {
        let t = try table()
        XCTAssertEqual(t.device(atr: DeviceTable.bytes(hex: "3BFD1300008131FE158073C021C057597562694B657940")!)?.device.id, "yubikey-4-5")
        // The IDPrime mask ignores byte 2 and bytes 10–13.
        let idprime = DeviceTable.bytes(hex: "3B7FAA000080318065B0AAAAAAAA120FFE829000")!
        XCTAssertNotNil(t.device(atr: idprime))
        XCTAssertNil(t.device(atr: DeviceTable.bytes(hex: "3B7F96000080318065B084413DF6120FFE829001")!))
        XCTAssertEqual(t.device(atr: DeviceTable.bytes(hex: "3B8C8001546F6B656E4365727450495639")!)?.device.id, "tokencert-virtual-piv")
    }

    /// The committed udev/70-tokencert.rules is exactly what the generator makes now, and so is the CLI's output.
    func testCommittedRulesEqualTheGeneratorOutput() throws {
        let committed = try String(contentsOfFile: Self.root + "/udev/70-tokencert.rules", encoding: .utf8)
        XCTAssertEqual(committed, UdevRules.render(try table()), "run: tokencert drivers generate-udev --out udev/70-tokencert.rules")
        let cli = try runTool(CLITests.tokencert, ["drivers", "generate-udev", "--table", Self.tablePath])
        XCTAssertEqual(cli.status, 0, cli.err)
        XCTAssertEqual(cli.out, committed)
    }

    func testEveryGeneratedLineIsValidAndCoversEveryUSBIDOnce() throws {
        let t = try table()
        let rules = UdevRules.render(t)
        XCTAssertEqual(UdevRuleParser.check(file: rules), [])
        var seen: [String] = []
        for line in rules.split(separator: "\n") where !line.hasPrefix("#") {
            let pairs = try UdevRuleParser.parse(String(line))
            guard let v = pairs.first(where: { $0.attribute == "idVendor" }), let p = pairs.first(where: { $0.attribute == "idProduct" }) else { continue }
            for value in [v.value, p.value] {
                XCTAssertTrue(value.count == 4 && value.allSatisfy { $0.isHexDigit && !$0.isUppercase }, value)
            }
            XCTAssertTrue(pairs.contains { $0.key == "TAG" && $0.op == .add && $0.value == "uaccess" }, String(line))
            XCTAssertTrue(pairs.contains { $0.key == "ENV" && ($0.attribute == "ID_SMARTCARD_READER" || $0.attribute == "ID_SECURITY_TOKEN") && $0.value == "1" })
            seen.append(v.value + ":" + p.value)
        }
        XCTAssertEqual(seen.count, Set(seen).count, "no duplicate USB IDs")
        XCTAssertEqual(Set(seen), Set(t.devices.flatMap { $0.usb ?? [] }.map(\.description)))
        let yubikey = try XCTUnwrap(rules.split(separator: "\n").first { $0.contains("\"0407\"") })
        XCTAssertTrue(yubikey.contains("ID_SECURITY_TOKEN") && yubikey.contains("ID_SMARTCARD_READER"), String(yubikey))
        let reader = try XCTUnwrap(rules.split(separator: "\n").first { $0.contains("\"3437\"") })
        XCTAssertFalse(reader.contains("ID_SECURITY_TOKEN"), String(reader))
        XCTAssertLessThan(UdevRules.fileName, "73", "numbered below 73 so the uaccess tag is applied")
    }

    func testRuleParserAcceptsValidAndRejectsInvalidLines() throws {
        for valid in [
            "", "   # comment", "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"1050\", TAG+=\"uaccess\"",
            "ACTION!=\"add\", GOTO=\"x\"", "ENV{ID_X}:=\"1\",RUN+=\"/bin/true\"", "KERNEL==\"sd*\", SYMLINK-=\"a\"",
            "ATTRS{serial}==\"a\\\"b\"", "LABEL=\"x\"", "TEST{0644}==\"/x\", IMPORT{builtin}=\"usb_id\"",
        ] {
            XCTAssertNoThrow(try UdevRuleParser.parse(valid), valid)
        }
        XCTAssertEqual(try UdevRuleParser.parse("ATTRS{serial}==\"a\\\"b\"")[0].value, "a\"b")
        let invalid: [(String, String)] = [
            ("SUBSYSTEM=\"usb\"", "can only be compared"),
            ("GOTO==\"x\"", "can only be assigned"),
            ("ATTR==\"x\"", "needs {attribute}"),
            ("TAG{x}+=\"y\"", "takes no {attribute}"),
            ("FOO==\"x\"", "unknown key FOO"),
            ("SUBSYSTEM==usb", "double quotes"),
            ("SUBSYSTEM==\"usb", "not closed"),
            ("SUBSYSTEM==\"usb\" TAG+=\"x\"", "expected a comma"),
            ("SUBSYSTEM==\"usb\",", "ends with a comma"),
            ("SUBSYSTEM~\"usb\"", "expected an operator"),
            ("ATTR{idVendor==\"1050\"", "is not closed"),
            ("subsystem==\"usb\"", "expected a KEY"),
            ("SUBSYSTEM==\"usb\", \\", "continuation"),
        ]
        for (line, expected) in invalid {
            XCTAssertThrowsError(try UdevRuleParser.parse(line), line) { error in
                XCTAssertTrue((error as? UdevRuleParser.Problem)?.message.contains(expected) ?? false, "\(line): \(error)")
            }
        }
        XCTAssertEqual(UdevRuleParser.check(file: "GOTO=\"nowhere\"\n"), ["line 1: GOTO \"nowhere\" has no LABEL"])
    }

    func testInstallIsIdempotentUpdatesOutdatedAndKeepsLocalEdits() throws {
        let prefix = NSTemporaryDirectory() + "tokencert-drivers-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: prefix) }
        let rules = prefix + "/etc/udev/rules.d/70-tokencert.rules"
        let opensc = prefix + "/etc/pkcs11/modules/opensc-pkcs11.module"
        func cli(_ args: [String]) throws -> ToolResult {
            try runTool(CLITests.tokencert, ["drivers"] + args + ["--prefix", prefix, "--table", Self.tablePath, "--lang", "en"])
        }
        let missing = try cli(["check", "--format", "json"])
        XCTAssertEqual(missing.status, 4)
        XCTAssertTrue(missing.out.contains("\"state\" : \"missing\""), missing.out)
        try JSONSchemas.check(missing.out, schema: "drivers-check")

        let first = try cli(["install"])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(try String(contentsOfFile: rules, encoding: .utf8), UdevRules.render(try table()))
        XCTAssertTrue(try String(contentsOfFile: opensc, encoding: .utf8).contains("module: /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"))
        XCTAssertEqual(try cli(["check"]).status, 0)
        let second = try cli(["install", "--format", "json"])
        XCTAssertEqual(second.status, 0, second.err)
        try JSONSchemas.check(second.out, schema: "drivers-install")
        XCTAssertTrue(second.out.contains("\"written\" : [\n\n  ]"), "nothing written the second time: \(second.out)")

        // An older TokenCert file (unedited) is outdated and replaced.
        try ManagedFile.render(header: ["old"], body: "LABEL=\"old\"\n").write(toFile: rules, atomically: true, encoding: .utf8)
        XCTAssertTrue(try cli(["check", "--format", "json"]).out.contains("\"state\" : \"outdated\""))
        XCTAssertEqual(try cli(["install"]).status, 0)
        XCTAssertEqual(try cli(["check"]).status, 0)

        // A local edit is never overwritten silently: kept, reported, exit 1; --force keeps a copy.
        let edited = try String(contentsOfFile: opensc, encoding: .utf8) + "critical: yes\n"
        try edited.write(toFile: opensc, atomically: true, encoding: .utf8)
        let check = try cli(["check"])
        XCTAssertEqual(check.status, 4)
        XCTAssertTrue(check.out.contains("modified"), check.out)
        let kept = try cli(["install"])
        XCTAssertEqual(kept.status, 1, kept.out + kept.err)
        XCTAssertTrue(kept.err.contains(opensc) && kept.err.contains("--force"), kept.err)
        XCTAssertEqual(try String(contentsOfFile: opensc, encoding: .utf8), edited)
        let forced = try cli(["install", "--force"])
        XCTAssertEqual(forced.status, 0, forced.err)
        XCTAssertEqual(try String(contentsOfFile: opensc + ".tokencert-old", encoding: .utf8), edited)
        XCTAssertEqual(try cli(["check"]).status, 0)

        // A file TokenCert did not write is "foreign" and also kept.
        try "# someone else's\n".write(toFile: rules, atomically: true, encoding: .utf8)
        XCTAssertTrue(try cli(["check", "--format", "json"]).out.contains("\"state\" : \"foreign\""))
        XCTAssertEqual(try cli(["install"]).status, 1)
    }

    /// The tokencert Debian package ships the rules in udev's package folder (/lib/udev/rules.d; lintian
    /// refuses /etc/udev/rules.d): `check` and `install` take that copy as installed when it is current,
    /// and an outdated one as missing from /etc.
    func testPackagedRulesInLibUdevCountAsInstalled() throws {
        let prefix = NSTemporaryDirectory() + "tokencert-packaged-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: prefix) }
        func cli(_ args: [String]) throws -> ToolResult {
            try runTool(CLITests.tokencert, ["drivers"] + args + ["--prefix", prefix, "--table", Self.tablePath, "--lang", "en"])
        }
        // What the package build does: install into a staging prefix, move the rules to /lib/udev.
        XCTAssertEqual(try cli(["install"]).status, 0)
        let packaged = prefix + "/lib/udev/rules.d/70-tokencert.rules"
        try FileManager.default.createDirectory(atPath: prefix + "/lib/udev/rules.d", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: prefix + "/etc/udev/rules.d/70-tokencert.rules", toPath: packaged)
        let check = try cli(["check", "--format", "json"])
        XCTAssertEqual(check.status, 0, check.out + check.err)
        XCTAssertTrue(check.out.contains(packaged) && !check.out.contains("missing"), check.out)
        let install = try cli(["install", "--format", "json"])
        XCTAssertEqual(install.status, 0, install.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: prefix + "/etc/udev/rules.d/70-tokencert.rules"), "no second copy in /etc")
        // A packaged copy that differs (an older package) does not count.
        try "# old\n".write(toFile: packaged, atomically: true, encoding: .utf8)
        XCTAssertEqual(try cli(["check"]).status, 4)
    }

    func testInstallToTheRealSystemNeedsRootAndABadTableIsBadInput() throws {
        if getuid() != 0 {
            let r = try runTool(CLITests.tokencert, ["drivers", "install", "--table", Self.tablePath, "--lang", "en"])
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.err.contains("needs root") && r.err.contains("--prefix"), r.err)
        }
        let dir = NSTemporaryDirectory() + "tokencert-badtable-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let bad = try String(contentsOfFile: Self.tablePath, encoding: .utf8).replacingOccurrences(of: "\"/usr/lib/softhsm/libsofthsm2.so\"", with: "\"libsofthsm2.so\"")
        try bad.write(toFile: dir + "/devices.json", atomically: true, encoding: .utf8)
        let r = try runTool(CLITests.tokencert, ["drivers", "generate-udev", "--table", dir + "/devices.json", "--lang", "en"])
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertTrue(r.err.contains("softhsm2: path libsofthsm2.so is not absolute"), r.err)
    }
}
