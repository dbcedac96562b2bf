import CertificateKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import RAServer
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Two live `tokencert-ra serve` processes on one PostgreSQL database behind Debian's HAProxy, with
/// `examples/haproxy/tokencert-ra.cfg` as shipped (only its ports replaced): a customer's journey
/// whose requests alternate between the instances, then one instance killed with SIGKILL while the
/// journey goes on through the other.
final class MultiInstanceTests: XCTestCase {
    func testAJourneyAcrossTwoInstancesBehindHAProxySurvivesAKill() async throws {
        let dir = try workDirectory(self, "multi")
        let binary = builtExecutable("tokencert-ra")
        let location = try await TestPostgres.freshDatabase()
        let url = try TestPostgres.baseURL().replacingOccurrences(of: "/postgres?", with: "/\(location.database)?")
        let made = try runTool(binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/ca.pem", "--key-type", "p256",
                                        "--organization", "測試證券"])
        XCTAssertEqual(made.status, 0, made.err)
        try "id,name,birth_date,mobile,email,accounts,password\n\(Harness.alice.id),\(Harness.alice.name),\(Harness.alice.birth),\(Harness.alice.mobile),\(Harness.alice.email),\(Harness.alice.account),\(Harness.alice.password)\n"
            .write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let imported = try runTool(binary, ["customer", "import", "--database", url, dir + "/customers.csv"])
        XCTAssertEqual(imported.status, 0, imported.err)

        // A second code may follow the first at once (the journey verifies twice within seconds).
        try #"{"policy": {"codeResendAfterSeconds": 0}}"#.write(toFile: dir + "/ra.json", atomically: true, encoding: .utf8)
        var instances: [ServerProcess] = []
        var ports: [Int] = []
        for _ in 0..<2 {
            let server = try ServerProcess(binary, ["serve", "--config", dir + "/ra.json", "--database", url, "--ca-key-file", dir + "/ca.key", "--ca-certificate", dir + "/ca.pem",
                                                    "--port", "0", "--outbox", dir + "/outbox", "--trusted-proxy", "127.0.0.1"], environment: [:])
            instances.append(server)
            ports.append(try server.waitForPort())
        }
        defer { for server in instances { server.stop() } }

        // The shipped example, with the kernel's ports.
        let front = try Self.freePort()
        var config = try String(contentsOfFile: Self.repositoryRoot + "/examples/haproxy/tokencert-ra.cfg", encoding: .utf8)
        config = config.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(front)")
            .replacingOccurrences(of: "127.0.0.1:8081", with: "127.0.0.1:\(ports[0])")
            .replacingOccurrences(of: "127.0.0.1:8082", with: "127.0.0.1:\(ports[1])")
        try config.write(toFile: dir + "/haproxy.cfg", atomically: true, encoding: .utf8)
        let checked = try runTool("haproxy", ["-c", "-f", dir + "/haproxy.cfg"])
        XCTAssertEqual(checked.status, 0, checked.out + checked.err)
        let haproxy = Process()
        haproxy.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
        haproxy.arguments = ["-db", "-f", dir + "/haproxy.cfg"]
        haproxy.standardOutput = FileHandle.nullDevice
        haproxy.standardError = FileHandle.nullDevice
        try haproxy.run()
        defer { haproxy.terminate(); haproxy.waitUntilExit() }
        let base = "http://127.0.0.1:\(front)"
        try await Self.waitUntilAnswering(base + "/health")

        // Round robin: each request of the journey goes to the other instance than the one before.
        let client = JourneyClient(base: base, outbox: dir + "/outbox")
        try await client.login()
        try await client.consent()
        try await client.identify()
        let csr = try await softwareCSR()
        let issued = try await client.call("POST", "/certificates", ["requestId": "multi-1", "csr": csr])
        XCTAssertEqual(issued.status, 201, "\(issued.json)")
        let serial = try XCTUnwrap(issued.json["serial"] as? String)
        // The same request again (through the other instance): the same certificate.
        let again = try await client.call("POST", "/certificates", ["requestId": "multi-1", "csr": csr])
        XCTAssertEqual(again.json["serial"] as? String, serial)

        // One instance dies; the journey goes on through the other.
        kill(instances[0].process.processIdentifier, SIGKILL)
        instances[0].process.waitUntilExit()
        try await client.identify()
        let revoked = try await client.call("POST", "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
        XCTAssertEqual(revoked.status, 200, "\(revoked.json)")
        let crl = try await http(base + "/crl")
        XCTAssertEqual(crl.status, 200)
        try crl.body.write(to: URL(fileURLWithPath: dir + "/ca.crl"))
        let text = try runTool("openssl", ["crl", "-inform", "DER", "-in", dir + "/ca.crl", "-CAfile", dir + "/ca.pem", "-noout", "-text"])
        XCTAssertTrue((text.out + text.err).contains("verify OK"), text.out + text.err)
        XCTAssertTrue(text.out.uppercased().contains(serial.uppercased()), "the CRL lists \(serial)")
        let stored = try await PostgresRepository(location: location, password: nil, maximumConnections: 1)
        addTeardownBlock { await stored.shutdown() }
        let record = try await stored.certificate(serial: serial)
        XCTAssertEqual(record?.status, .revoked)
        let audit = try await stored.auditLog()
        XCTAssertEqual(audit.filter { $0.action == "issue" && $0.outcome == "ok" }.count, 1, "\(audit.map { "\($0.action):\($0.outcome)" })")
        XCTAssertEqual(audit.filter { $0.action == "revoke" && $0.outcome == "ok" }.count, 1)
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// A port the kernel hands out for 127.0.0.1 (bound, read, released) for HAProxy's front end.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw HarnessError("bind failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits (10 s at most) until `url` answers 200.
    static func waitUntilAnswering(_ url: String) async throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let answer = try? await http(url), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(url) did not answer within 10 s")
    }
}

/// Alice's side of the journey over real HTTP.
final class JourneyClient: @unchecked Sendable {
    let base: String
    let outbox: String
    var token: String?

    init(base: String, outbox: String) {
        self.base = base
        self.outbox = outbox
    }

    func call(_ method: String, _ path: String, _ body: [String: String]? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    func login() async throws {
        let r = try await call("POST", "/login", ["id": Harness.alice.id, "password": Harness.alice.password])
        XCTAssertEqual(r.status, 200, "\(r.json)")
        token = try XCTUnwrap(r.json["token"] as? String)
    }

    func consent() async throws {
        let shown = try await call("GET", "/consent")
        let accepted = try await call("POST", "/consent", ["version": try XCTUnwrap(shown.json["version"] as? String),
                                                          "sha256": try XCTUnwrap(shown.json["sha256"] as? String)])
        XCTAssertEqual(accepted.status, 201, "\(accepted.json)")
    }

    /// Both identity steps: the birth date, then the code from the shared outbox.
    func identify() async throws {
        let birth = try await call("POST", "/identity/birth-date", ["birthDate": Harness.alice.birth])
        XCTAssertEqual(birth.status, 200, "\(birth.json)")
        let sent = try await call("POST", "/identity/code", ["account": Harness.alice.account, "channel": "sms"])
        XCTAssertEqual(sent.status, 201, "\(sent.json)")
        let identifier = try XCTUnwrap(sent.json["identifier"] as? String)
        let code = try XCTUnwrap(try OutboxDelivery(directory: outbox).codes(for: identifier).last)
        let verified = try await call("POST", "/identity/code/verify", ["identifier": identifier, "code": code])
        XCTAssertEqual(verified.status, 200, "\(verified.json)")
    }
}
