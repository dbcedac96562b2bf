import Foundation
import TestSupport
import XCTest

/// The dependency rule of DESIGN.md, checked on the sources: hardware (PKCS#11, PIV, PC/SC, smart-card
/// APDUs and their C shims) is reached only through KeyStores and the CLI, never from the core
/// (Lifecycle), the certificate layer (CertificateKit), the RA (RAServer) or the pure layers below.
final class ArchitectureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hardware: Set<String> = ["PKCS11", "PIV", "PCSC", "SmartCard", "CPKCS11", "CPCSC", "KeyStores", "VirtualCard"]
    static let hardwareFree = ["Localization", "Secrets", "Domain", "CertificateKit", "RAContract", "Lifecycle", "RAHTTPClient", "RAServer",
                               "RemovableMedia"]
    /// The device wrappers: pure data, no customer text (KeyStores words their errors).
    static let wrappers = ["PKCS11", "PCSC", "SmartCard", "PIV"]

    /// The modules a target's Swift files import (`import X`, `internal import X`, `@_exported import X`…).
    func imports(of target: String) throws -> [String: [String]] {
        let folder = Self.root.appendingPathComponent("Sources/\(target)")
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            XCTFail("no Sources/\(target)")
            return [:]
        }
        let pattern = try NSRegularExpression(pattern: #"^\s*(?:@\w+\s+)?(?:(?:public|internal|package|private|fileprivate)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)"#,
                                              options: .anchorsMatchLines)
        var result: [String: [String]] = [:]
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern.matches(in: text, range: range) {
                let module = (text as NSString).substring(with: match.range(at: 1))
                result[module, default: []].append(url.lastPathComponent)
            }
        }
        return result
    }

    func testTheCoreAndTheRAImportNoHardwareModule() throws {
        var seen = 0
        for target in Self.hardwareFree {
            let found = try imports(of: target)
            seen += found.count
            for (module, files) in found where Self.hardware.contains(module) {
                XCTFail("\(target) imports \(module) in \(files.joined(separator: ", ")): hardware belongs in KeyStores")
            }
        }
        XCTAssertGreaterThan(seen, 10, "the scan read the targets' imports")
    }

    /// The wrappers' errors name the C function or APDU and carry no words for a person: no
    /// `Localization` import and no `LocalizedText` in their sources; `DeviceFailure` in KeyStores
    /// is the one place that words them.
    func testTheDeviceWrappersCarryNoCustomerText() throws {
        for target in Self.wrappers {
            if let files = try imports(of: target)["Localization"] {
                XCTFail("\(target) imports Localization in \(files.joined(separator: ", ")): customer text belongs in KeyStores")
            }
            let folder = Self.root.appendingPathComponent("Sources/\(target)")
            for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
            where url.pathExtension == "swift" {
                let text = try String(contentsOf: url, encoding: .utf8)
                XCTAssertFalse(text.contains("LocalizedText") || text.contains("UserFacingError"),
                               "\(target)/\(url.lastPathComponent) words an error for a person: move it to KeyStores/DeviceMessages")
            }
        }
        let keyStores = try imports(of: "KeyStores")
        XCTAssertNotNil(keyStores["Localization"], "the scan sees where the words are")
    }

    /// The executables only start a library's command tree (tests and packaging reach the commands
    /// without a process): at most five lines of code in each.
    func testExecutablesAreFiveLineMains() throws {
        for executable in ["tokencert", "tokencert-ra", "tokencert-demo"] {
            let folder = Self.root.appendingPathComponent("Sources/\(executable)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
            XCTAssertEqual(files.count, 1, "\(executable): \(files)")
            for file in files {
                let code = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                    .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("//") }
                XCTAssertLessThanOrEqual(code.count, 5, "\(executable)/\(file) holds more than a start: \(code)")
            }
        }
    }

    /// Lifecycle reaches drives only through its `BackupMedium` protocol; CertificateKit not at all.
    func testTheCoreReachesDrivesThroughItsProtocol() throws {
        for target in ["CertificateKit", "Lifecycle"] {
            if let files = try imports(of: target)["RemovableMedia"] {
                XCTFail("\(target) imports RemovableMedia in \(files.joined(separator: ", ")): use Lifecycle's BackupMedium")
            }
        }
    }

    /// The RA's wire contract is plain Codable types that server and client both import: nothing
    /// but Foundation and the two-language text.
    func testTheRAContractImportsOnlyFoundationAndLocalization() throws {
        let found = try imports(of: "RAContract")
        XCTAssertFalse(found.isEmpty, "the scan read RAContract's imports")
        for (module, files) in found where !["Foundation", "Localization"].contains(module) {
            XCTFail("RAContract imports \(module) in \(files.joined(separator: ", ")): the contract depends on Foundation and Localization only")
        }
    }

    /// The scan itself can fail: KeyStores does import the hardware modules.
    func testTheScanSeesHardwareImportsWhereTheyBelong() throws {
        let keyStores = try imports(of: "KeyStores")
        XCTAssertNotNil(keyStores["PKCS11"])
        XCTAssertNotNil(keyStores["PIV"])
    }

    /// The `tokencert` product's target closure, from the manifest (`swift package dump-package`,
    /// with its own scratch folder so it never waits for the running build): no RA server, no
    /// card emulator, no GRDB — the demo that needs them is `tokencert-demo`.
    func testTheTokencertProductLinksNoServerAndNoCardEmulator() throws {
        let scratch = NSTemporaryDirectory() + "dump-package-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let swift = ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "swift"
        let r = try runTool(swift, ["package", "--package-path", Self.root.path, "--scratch-path", scratch, "dump-package"])
        XCTAssertEqual(r.status, 0, r.err)
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let targets = try XCTUnwrap(manifest["targets"] as? [[String: Any]])
        var localDependencies: [String: [String]] = [:]
        var productDependencies: [String: [String]] = [:]
        for t in targets {
            let name = try XCTUnwrap(t["name"] as? String)
            for d in t["dependencies"] as? [[String: Any]] ?? [] {
                if let byName = d["byName"] as? [Any], let n = byName.first as? String { localDependencies[name, default: []].append(n) }
                if let target = d["target"] as? [Any], let n = target.first as? String { localDependencies[name, default: []].append(n) }
                if let product = d["product"] as? [Any], let n = product.first as? String { productDependencies[name, default: []].append(n) }
            }
        }
        func closure(_ start: String) -> Set<String> {
            var seen: Set<String> = [], stack = [start]
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack += localDependencies[next] ?? [] }
            }
            return seen
        }
        let tokencert = closure("tokencert")
        XCTAssertTrue(tokencert.contains("TokenCertCLI") && tokencert.contains("KeyStores"), "\(tokencert.sorted())")
        for forbidden in ["RAServer", "VirtualCard", "TokenCertDemo"] {
            XCTAssertFalse(tokencert.contains(forbidden), "tokencert links \(forbidden): \(tokencert.sorted())")
        }
        let products = Set(tokencert.flatMap { productDependencies[$0] ?? [] })
        XCTAssertFalse(products.contains("GRDB"), "tokencert links GRDB: \(products.sorted())")
        XCTAssertTrue(closure("tokencert-demo").contains("RAServer"), "the check sees what the demo links")

        // Every target under Sources/ imports internally by default, so a module's dependencies are
        // not re-exported to its users: the graph above is the compiler's to enforce.
        var checked = 0
        for t in targets {
            let name = try XCTUnwrap(t["name"] as? String)
            let type = t["type"] as? String ?? ""
            guard type == "regular" || type == "executable", (t["path"] as? String).map({ !$0.hasPrefix("Tests") }) ?? true,
                  FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("Sources/\(name)").path)
                    || name == "tokencert-bench" else { continue }
            let settings = String(describing: t["settings"] ?? "")
            XCTAssertTrue(settings.contains("InternalImportsByDefault"), "\(name) does not import internally by default")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 15, "the check saw the Sources targets")
    }
}
