import Foundation
import RAServer
import TestSupport
import XCTest

/// The built `tokencert-ra` as the customers' RA: a key-file CA, customers imported from CSV, a
/// config file with the test's policy, served on a free loopback port with an outbox folder.
final class RAProcess: @unchecked Sendable {
    struct Customer {
        var id: String, name: String, birth: String, password: String, account: String, mobile: String, email: String
    }
    static let alice = Customer(id: "A123456789", name: "王小明", birth: "44/2/1", password: "alice-secret-1", account: "1020-1234567",
                                mobile: "0912345678", email: "alice@example.test")
    static let betty = Customer(id: "B223456782", name: "林美華", birth: "70/8/15", password: "betty-secret-2", account: "1020-7654321",
                                mobile: "0922333444", email: "betty@example.test")
    static let chen = Customer(id: "F131232216", name: "陳大文", birth: "65/11/30", password: "chen-secret-3", account: "1020-5550123",
                               mobile: "0933555666", email: "chen@example.test")

    let dir: String
    let outbox: String
    private var server: InteractiveProcess?
    private(set) var url = ""

    /// Whether the RA speaks https (with `tlsCA` as its self-signed certificate for 127.0.0.1).
    let tls: Bool
    /// The https certificate (PEM) a client must trust, when `tls`.
    var tlsCA: String { dir + "/tls.pem" }

    /// - Parameters:
    ///   - policy: `policy` entries of the config file (e.g. `["renewalWindowDays": 400]`).
    ///   - tls: serve https with a certificate made by openssl for IP 127.0.0.1 (`tlsCA`).
    init(_ test: XCTestCase, policy: [String: Any] = [:], customers: [Customer] = [alice, betty, chen], tls: Bool = false) throws {
        self.tls = tls
        dir = NSTemporaryDirectory() + "cli-ra-\(getpid())-\(UUID().uuidString.prefix(8))"
        outbox = dir + "/outbox"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dir = self.dir
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let binary = builtExecutable("tokencert-ra")
        let made = try runTool(binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/ca.pem",
                                        "--organization", "TokenCert 測試證券", "--common-name", "TokenCert CLI Test CA"])
        XCTAssertEqual(made.status, 0, made.err)
        var csv = "id,name,birth_date,mobile,email,accounts,password\n"
        for c in customers { csv += "\(c.id),\(c.name),\(c.birth),\(c.mobile),\(c.email),\(c.account),\(c.password)\n" }
        try csv.write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let imported = try runTool(binary, ["customer", "import", "--database", dir + "/ra.sqlite", dir + "/customers.csv"])
        XCTAssertEqual(imported.status, 0, imported.err)
        var config: [String: Any] = ["caKeyFile": dir + "/ca.key", "caCertificate": dir + "/ca.pem", "database": dir + "/ra.sqlite",
                                     "outbox": outbox, "policy": policy]
        if tls {
            let made = try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                                               "-keyout", dir + "/tls.key", "-out", dir + "/tls.pem", "-subj", "/CN=127.0.0.1",
                                               "-addext", "subjectAltName=IP:127.0.0.1"])
            XCTAssertEqual(made.status, 0, made.err)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir + "/tls.key")
            config["tlsCertificate"] = dir + "/tls.pem"
            config["tlsKey"] = dir + "/tls.key"
        }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/ra.json"))
        try start()
        test.addTeardownBlock { [self] in stop() }
    }

    func start() throws {
        let server = try InteractiveProcess(builtExecutable("tokencert-ra"), ["serve", "--config", dir + "/ra.json", "--port", "0"])
        let port = try server.waitFor(#"listening on [\d.]+:(\d+)"#, timeout: 30)
        url = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
        self.server = server
    }

    func stop() {
        if let server { _ = server.finish(timeout: 0.1) }
        server = nil
    }

    /// The newest code sent with this identifier.
    func code(for identifier: String) throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let code = try OutboxDelivery(directory: outbox).codes(for: identifier).last { return code }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("no outbox message for \(identifier)")
        throw CocoaError(.fileNoSuchFile)
    }

    var caPEM: String { dir + "/ca.pem" }

    /// Environment for a customer's command: RA address, ID, password file, birth date.
    func environment(_ c: Customer, birth: String? = nil) throws -> [String: String] {
        let passwordFile = dir + "/password-\(c.id)"
        try c.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        return ["TOKENCERT_RA": url, "TOKENCERT_ID": c.id, "TOKENCERT_PASSWORD": c.password, "TOKENCERT_BIRTH_DATE": birth ?? c.birth,
                "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state-\(c.id)"]
    }
}
