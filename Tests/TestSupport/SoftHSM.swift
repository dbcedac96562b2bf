import Foundation
import PKCS11
import Secrets
import XCTest

/// One SoftHSM2 token directory per test run (a fresh temporary folder), one module instance per
/// process, one fresh token per test. A missing SoftHSM is a failure, never a skip: the test command
/// installs it.
public enum SoftHSM {
    public static let modulePath = "/usr/lib/softhsm/libsofthsm2.so"

    /// The run's directory: `$TMPDIR/tokencert-tests-<pid>-<random>/`, with `softhsm2.conf` and `tokens/`.
    public static let runDirectory: String = {
        let dir = NSTemporaryDirectory() + "tokencert-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        let tokens = dir + "/tokens"
        try! FileManager.default.createDirectory(atPath: tokens, withIntermediateDirectories: true)
        let conf = dir + "/softhsm2.conf"
        try! "directories.tokendir = \(tokens)\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        setenv("SOFTHSM2_CONF", conf, 1)
        return dir
    }()

    public static var confPath: String { runDirectory + "/softhsm2.conf" }

    /// The module, loaded once for the process after the private configuration is in place.
    public static func module() throws -> PKCS11Module {
        _ = runDirectory
        guard FileManager.default.fileExists(atPath: modulePath) else {
            XCTFail("SoftHSM2 is not installed at \(modulePath): run the README's test command, which installs softhsm2")
            throw PKCS11Error(.libraryLoadFailed, function: "dlopen", detail: modulePath)
        }
        return try PKCS11Module.load(path: modulePath)
    }

    public struct TestToken {
        public var module: PKCS11Module
        public var token: PKCS11Module.Token
        public var label: String
        public var soPIN: Secret
        public var userPIN: Secret
        public var soPINText: String
        public var userPINText: String

        public func session() throws -> PKCS11Session { try module.openSession(token.slot.id) }
        public func loggedInSession() async throws -> PKCS11Session {
            let s = try session()
            try await s.login(pin: userPIN)
            return s
        }
    }

    /// A freshly personalised token with a unique label and known PINs.
    public static func makeToken(_ name: String = #function, module: PKCS11Module? = nil) async throws -> TestToken {
        let module = try module ?? self.module()
        let label = String("\(name.prefix(14))-\(UUID().uuidString.prefix(8))".filter { $0 != "(" && $0 != ")" }.prefix(32))
        let so = "so-\(Int.random(in: 10000...99999))", user = "\(Int.random(in: 100000...999999))"
        let token = try await module.initializeToken(label: label, soPIN: Secret(so), userPIN: Secret(user))
        return TestToken(module: module, token: token, label: label, soPIN: Secret(so), userPIN: Secret(user),
                         soPINText: so, userPINText: user)
    }
}


/// The C fixture modules in Tests/Fixtures (PKCS#11 modules that forward to SoftHSM and behave like
/// other tokens), compiled with the system's `cc` into the run directory.
public enum FixtureModule {
    /// Compiles `Tests/Fixtures/<name>.c` to `<run directory>/<name>-<suffix>.so` and returns its path.
    /// A compiler failure fails the calling test.
    public static func build(_ name: String, suffix: String = "", file: StaticString = #filePath, line: UInt = #line) -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name).c").path
        let out = SoftHSM.runDirectory + "/\(name)\(suffix.isEmpty ? "" : "-" + suffix).so"
        let cflags = (try? runTool("pkg-config", ["--cflags", "p11-kit-1"]).out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
        let r = try? runTool("cc", ["-shared", "-fPIC"] + cflags.split(separator: " ").map(String.init) + [source, "-o", out, "-ldl"])
        XCTAssertEqual(r?.status, 0, "compiling the fixture module \(name): \(r?.err ?? "cc missing")", file: file, line: line)
        return out
    }
}
