import Foundation
import XCTest

/// The dependency rule of DESIGN.md, checked on the sources: hardware (PKCS#11, PIV, PC/SC, smart-card
/// APDUs and their C shims) is reached only through KeyStores and the CLI, never from the core
/// (Lifecycle), the certificate layer (CertificateKit), the RA (RAServer) or the pure layers below.
final class ArchitectureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hardware: Set<String> = ["PKCS11", "PIV", "PCSC", "SmartCard", "CPKCS11", "CPCSC", "KeyStores", "VirtualCard"]
    static let hardwareFree = ["Localization", "Domain", "CertificateKit", "Lifecycle", "RAServer", "RemovableMedia"]

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

    /// Lifecycle reaches drives only through its `BackupMedium` protocol; CertificateKit not at all.
    func testTheCoreReachesDrivesThroughItsProtocol() throws {
        for target in ["CertificateKit", "Lifecycle"] {
            if let files = try imports(of: target)["RemovableMedia"] {
                XCTFail("\(target) imports RemovableMedia in \(files.joined(separator: ", ")): use Lifecycle's BackupMedium")
            }
        }
    }

    /// The scan itself can fail: KeyStores does import the hardware modules.
    func testTheScanSeesHardwareImportsWhereTheyBelong() throws {
        let keyStores = try imports(of: "KeyStores")
        XCTAssertNotNil(keyStores["PKCS11"])
        XCTAssertNotNil(keyStores["PIV"])
    }
}
