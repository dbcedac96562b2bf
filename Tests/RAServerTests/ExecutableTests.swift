import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import CertificateKit
import TestSupport
import X509
import XCTest

/// End-to-end runs of the built `tokencert-ra`: init-ca with a key file and on a SoftHSM token made
/// by softhsm2-util, customers added and imported, and `serve` answering on a loopback port.
final class ExecutableTests: XCTestCase {
    /// `.build/<triple>/debug/tokencert-ra`, next to the test bundle.
    static var binary: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()].map({ $0.appendingPathComponent("tokencert-ra").path })
        where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        return dir.appendingPathComponent("tokencert-ra").path
    }

    func testInitCAWithAKeyFileWritesAPrivateKeyAndACACertificateAndNeverOverwrites() throws {
        let dir = try workDirectory(self)
        let r = try runTool(Self.binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/ca.pem",
                                          "--key-type", "p384", "--organization", "測試證券", "--common-name", "Test CA"])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/ca.key")[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        let x509 = try runTool("openssl", ["x509", "-in", dir + "/ca.pem", "-noout", "-text", "-nameopt", "utf8"])
        XCTAssertTrue(x509.out.contains("CA:TRUE"), x509.out)
        XCTAssertTrue(x509.out.contains("Certificate Sign, CRL Sign"), x509.out)
        XCTAssertTrue(x509.out.contains("測試證券"), x509.out)
        XCTAssertTrue(x509.out.contains("secp384r1") || x509.out.contains("P-384"), x509.out)
        let selfCheck = try runTool("openssl", ["verify", "-CAfile", dir + "/ca.pem", dir + "/ca.pem"])
        XCTAssertEqual(selfCheck.status, 0, selfCheck.err)
        let keyCheck = try runTool("openssl", ["pkey", "-in", dir + "/ca.key", "-noout"])
        XCTAssertEqual(keyCheck.status, 0, keyCheck.err)

        let again = try runTool(Self.binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/other.pem"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("exists already"), again.err)
        let both = try runTool(Self.binary, ["init-ca", "--ca-key-file", dir + "/x.key", "--ca-key-uri", "pkcs11:token=x;object=y",
                                             "--certificate", dir + "/x.pem"])
        XCTAssertNotEqual(both.status, 0)
    }

    /// A private SoftHSM configuration with one token made by softhsm2-util.
    func softHSMToken(_ dir: String) throws -> (env: [String: String], label: String, pin: String) {
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        let conf = dir + "/softhsm2.conf"
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let label = "ra-ca-\(UUID().uuidString.prefix(6))", pin = "\(Int.random(in: 100000...999999))"
        let env = ["SOFTHSM2_CONF": conf, "LANG": "C.UTF-8"]
        let made = try runTool("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "27182818", "--pin", pin], environment: env)
        XCTAssertEqual(made.status, 0, made.err)
        return (env, label, pin)
    }

    func testInitCAOnASoftHSMTokenByURIWithThePINFromTheEnvironmentThenServeIssuesFromIt() async throws {
        let dir = try workDirectory(self)
        let token = try softHSMToken(dir)
        let uri = "pkcs11:token=\(token.label);object=ra-ca"
        let noPIN = try runTool(Self.binary, ["init-ca", "--ca-key-uri", uri, "--certificate", dir + "/ca.pem"], environment: token.env,
                                unset: ["TOKENCERT_RA_CA_PIN"])
        XCTAssertNotEqual(noPIN.status, 0)
        XCTAssertTrue(noPIN.err.contains("TOKENCERT_RA_CA_PIN"), noPIN.err)

        var env = token.env
        env["TOKENCERT_RA_CA_PIN"] = token.pin
        let made = try runTool(Self.binary, ["init-ca", "--ca-key-uri", uri, "--certificate", dir + "/ca.pem", "--key-type", "rsa2048"],
                               environment: env)
        XCTAssertEqual(made.status, 0, made.out + made.err)
        // The key is on the token, private and not extractable.
        let objects = try runTool("pkcs11-tool", ["--module", "/usr/lib/softhsm/libsofthsm2.so", "--token-label", token.label, "--login",
                                                  "--pin", token.pin, "--list-objects", "--type", "privkey"], environment: token.env)
        XCTAssertTrue(objects.out.contains("ra-ca"), objects.out)
        XCTAssertTrue(objects.out.contains("never extractable") || objects.out.contains("sensitive"), objects.out)
        XCTAssertEqual(try runTool("openssl", ["verify", "-CAfile", dir + "/ca.pem", dir + "/ca.pem"]).status, 0)

        // A customer from a file, then the service on a free loopback port with the token CA.
        try "id,name,birth_date,mobile,email,accounts,password\nA123456789,王小明,44/2/1,0912345678,,1020-1234567,alice-secret-1\n"
            .write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let imported = try runTool(Self.binary, ["customer", "import", "--database", dir + "/ra.sqlite", dir + "/customers.csv"])
        XCTAssertEqual(imported.status, 0, imported.err)
        let server = try ServerProcess(Self.binary, ["serve", "--ca-key-uri", uri, "--ca-certificate", dir + "/ca.pem", "--database",
                                                     dir + "/ra.sqlite", "--port", "0", "--outbox", dir + "/outbox"], environment: env)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(try server.waitForPort())"
        let health = try await http(base + "/health")
        XCTAssertEqual(health.status, 200)
        let crl = try await http(base + "/crl.pem")
        try crl.body.write(to: URL(fileURLWithPath: dir + "/crl.pem"))
        let check = try runTool("openssl", ["crl", "-in", dir + "/crl.pem", "-CAfile", dir + "/ca.pem", "-noout"])
        XCTAssertTrue((check.out + check.err).contains("verify OK"), check.out + check.err)
        let login = try await http(base + "/login", json: ["id": "A123456789", "password": "alice-secret-1"])
        XCTAssertEqual(login.status, 200, String(decoding: login.body, as: UTF8.self))
        let refused = try await http(base + "/login", json: ["id": "A123456789", "password": "wrong-password"])
        XCTAssertEqual(refused.status, 401)
    }

    func testServeSpeaksTLSWithTheConfiguredCertificate() throws {
        let dir = try workDirectory(self)
        let made = try runTool(Self.binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/ca.pem"])
        XCTAssertEqual(made.status, 0, made.err)
        let tls = try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                                          "-keyout", dir + "/tls.key", "-out", dir + "/tls.pem", "-subj", "/CN=127.0.0.1",
                                          "-addext", "subjectAltName=IP:127.0.0.1"])
        XCTAssertEqual(tls.status, 0, tls.err)
        let arguments = ["serve", "--ca-key-file", dir + "/ca.key", "--ca-certificate", dir + "/ca.pem", "--database", dir + "/ra.sqlite",
                         "--port", "0", "--outbox", dir + "/outbox", "--tls-certificate", dir + "/tls.pem", "--tls-key", dir + "/tls.key"]
        // A TLS key others can read is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir + "/tls.key")
        let open = try runTool(Self.binary, arguments)
        XCTAssertNotEqual(open.status, 0)
        XCTAssertTrue(open.err.contains("chmod 600"), open.err)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir + "/tls.key")

        // The same settings from a configuration file, the port from a flag.
        let config: [String: Any] = ["caKeyFile": dir + "/ca.key", "caCertificate": dir + "/ca.pem", "database": dir + "/ra.sqlite",
                                     "outbox": dir + "/outbox", "tlsCertificate": dir + "/tls.pem", "tlsKey": dir + "/tls.key",
                                     "policy": ["lockoutHours": 1]]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/ra.json"))
        let server = try ServerProcess(Self.binary, ["serve", "--config", dir + "/ra.json", "--port", "0"], environment: [:])
        defer { server.stop() }
        let port = try server.waitForPort()
        let https = try runTool("curl", ["-sS", "--max-time", "10", "--cacert", dir + "/tls.pem", "https://127.0.0.1:\(port)/health"])
        XCTAssertEqual(https.status, 0, https.err)
        XCTAssertEqual(https.out, #"{"database":"ok","status":"ok","store":"sqlite"}"#)
        let plain = try runTool("curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(port)/health"])
        XCTAssertFalse(plain.out.contains(#""status":"ok""#), plain.out)
        let untrusted = try runTool("curl", ["-sS", "--max-time", "10", "https://127.0.0.1:\(port)/health"])
        XCTAssertNotEqual(untrusted.status, 0, "a client without the certificate refuses the server")
    }

    func testCustomerAddAndImportValidateEverythingAndImportAllOrNone() async throws {
        let dir = try workDirectory(self)
        let db = dir + "/ra.sqlite"
        let noPassword = try runTool(Self.binary, ["customer", "add", "--database", db, "--id", "A123456789", "--name", "王小明",
                                                   "--mobile", "0912345678", "--account", "1020-1234567"],
                                     environment: ["TOKENCERT_RA_CUSTOMER_BIRTH_DATE": "44/2/1"], unset: ["TOKENCERT_RA_CUSTOMER_PASSWORD"])
        XCTAssertNotEqual(noPassword.status, 0)
        // L7: the birth date never on the command line — refused there with the ways to give it.
        let inArgv = try runTool(Self.binary, ["customer", "add", "--database", db, "--id", "A123456789", "--name", "王小明",
                                               "--birth-date", "44/2/1", "--mobile", "0912345678", "--account", "1020-1234567"],
                                 environment: ["TOKENCERT_RA_CUSTOMER_PASSWORD": "alice-secret-1"])
        XCTAssertEqual(inArgv.status, 64, inArgv.err)
        XCTAssertTrue(inArgv.err.contains("--birth-date-file") && inArgv.err.contains("TOKENCERT_RA_CUSTOMER_BIRTH_DATE"), inArgv.err)
        // Neither file nor environment, and no terminal to ask on: refused, naming both.
        let noBirth = try runTool(Self.binary, ["customer", "add", "--database", db, "--id", "A123456789", "--name", "王小明",
                                                "--mobile", "0912345678", "--account", "1020-1234567"],
                                  environment: ["TOKENCERT_RA_CUSTOMER_PASSWORD": "alice-secret-1"], unset: ["TOKENCERT_RA_CUSTOMER_BIRTH_DATE"])
        XCTAssertNotEqual(noBirth.status, 0)
        XCTAssertTrue(noBirth.err.contains("--birth-date-file"), noBirth.err)
        try "44/2/1\n".write(toFile: dir + "/birth", atomically: true, encoding: .utf8)
        let added = try runTool(Self.binary, ["customer", "add", "--database", db, "--id", "A123456789", "--name", "王小明",
                                              "--birth-date-file", dir + "/birth", "--mobile", "0912-345-678", "--account", "1020-1234567"],
                                environment: ["TOKENCERT_RA_CUSTOMER_PASSWORD": "alice-secret-1"])
        XCTAssertEqual(added.status, 0, added.err)
        let duplicate = try runTool(Self.binary, ["customer", "add", "--database", db, "--id", "A123456789", "--name", "王小明",
                                                  "--mobile", "0912345678", "--account", "1020-1234567"],
                                    environment: ["TOKENCERT_RA_CUSTOMER_PASSWORD": "alice-secret-1", "TOKENCERT_RA_CUSTOMER_BIRTH_DATE": "44/2/1"])
        XCTAssertNotEqual(duplicate.status, 0)
        XCTAssertTrue(duplicate.err.contains("exists already"), duplicate.err)

        // The second record has a bad check digit: nothing of the file is imported.
        let json = """
            [{"id": "22099131", "name": "台灣測試股份有限公司", "birthDate": "1990-05-04", "email": "ir@example.test",
              "accounts": ["9A00-0000001"], "password": "company-pass"},
             {"id": "F131104093", "name": "林大華", "birthDate": "49/7/15", "mobile": "0922333444", "accounts": ["1020-7654321"],
              "password": "bob-secret-22"}]
            """
        try json.write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try runTool(Self.binary, ["customer", "import", "--database", db, dir + "/bad.json"], environment: ["LANG": "C.UTF-8"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("Record 1, accounts"), bad.err)
        let fixed = json.replacingOccurrences(of: "9A00-0000001", with: "9A00-0000001".replacingOccurrences(of: "A", with: "1"))
        try fixed.write(toFile: dir + "/good.json", atomically: true, encoding: .utf8)
        let good = try runTool(Self.binary, ["customer", "import", "--database", db, dir + "/good.json"])
        XCTAssertEqual(good.status, 0, good.err)
        XCTAssertTrue(good.out.contains("Imported 2"), good.out)
        let rows = try runTool("sqlite3", [db, "SELECT id, kind, birth_date, mobile FROM customers ORDER BY id"])
        XCTAssertEqual(rows.out, "22099131|company|1990-05-04|\nA123456789|person|1955-02-01|0912345678\nF131104093|person|1960-07-15|0922333444\n")
        // An officer, and the audit log exported as JSON lines.
        let officerCA = try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                                                "-keyout", dir + "/officer.key", "-out", dir + "/officer.pem", "-subj", "/CN=Officer Chen"])
        XCTAssertEqual(officerCA.status, 0, officerCA.err)
        let officer = try runTool(Self.binary, ["officer", "add", "--database", db, "--name", "chen", "--certificate", dir + "/officer.pem"])
        XCTAssertEqual(officer.status, 0, officer.err)
        // L9: an expired officer certificate is refused with the reason.
        let oldKey = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let old = try await CertificateIssuer.selfSignedCA(subject: try DistinguishedName { CommonName("Officer Old") }, key: oldKey,
                                                           notBefore: Date().addingTimeInterval(-86_400 * 400),
                                                           notAfter: Date().addingTimeInterval(-86_400 * 30))
        try old.serializeAsPEM().pemString.write(toFile: dir + "/old.pem", atomically: true, encoding: .utf8)
        let refused = try runTool(Self.binary, ["officer", "add", "--database", db, "--name", "old", "--certificate", dir + "/old.pem"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("not valid now"), refused.err)
        let audit = try runTool(Self.binary, ["audit", "export", "--database", db])
        XCTAssertEqual(audit.status, 0, audit.err)
        for line in audit.out.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), String(line))
        }
        let hashes = try runTool("sqlite3", [db, "SELECT password_hash FROM customers"])
        XCTAssertFalse(hashes.out.contains("secret"), "passwords are stored hashed")
        XCTAssertTrue(hashes.out.hasPrefix("pbkdf2-sha256$600000$"), hashes.out)
    }
}

/// A `tokencert-ra serve` child process, stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let output = Pipe()

    init(_ binary: String, _ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Reads stdout until the "listening on host:port" line (20 s at most).
    func waitForPort() throws -> Int {
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { continue }
            text += String(decoding: data, as: UTF8.self)
            if let match = text.firstMatch(of: /listening on [\d.]+:(\d+)/), let port = Int(match.1) { return port }
        }
        throw HarnessError("the server did not start: \(text)")
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A GET, or a POST of `json`.
func http(_ url: String, json: [String: String]? = nil) async throws -> (status: Int, body: Data) {
    var request = URLRequest(url: URL(string: url)!)
    if let json {
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}
