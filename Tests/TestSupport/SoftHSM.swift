import Foundation
import PKCS11
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
        public var soPIN: PIN
        public var userPIN: PIN
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
        let token = try await module.initializeToken(label: label, soPIN: PIN(so), userPIN: PIN(user))
        return TestToken(module: module, token: token, label: label, soPIN: PIN(so), userPIN: PIN(user),
                         soPINText: so, userPINText: user)
    }
}

