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
/// `examples/haproxy/tokencert-ra.cfg` as shipped (only its ports replaced): a customer's whole journey
/// (apply → renew → confirm → revoke) whose requests alternate between the instances, one instance
/// killed with SIGKILL during a stream of issues and revocations, an instance stopped with SIGTERM
/// while a request is in flight, and `/health` when the database goes away.
final class MultiInstanceTests: XCTestCase {
    /// The pair: both instances, HAProxy in front, their database and folder.
    struct Pair {
        var dir: String
        var location: PostgresRepository.Location
        var instances: [ServerProcess]
        var ports: [Int]
        /// HAProxy's front end.
        var base: String
    }

    /// A customer of the pair (the CSV's columns).
    struct Customer: Sendable {
        var id: String, birth: String, password: String, account: String, mobile: String
    }

    static let alice = Customer(id: Harness.alice.id, birth: Harness.alice.birth, password: Harness.alice.password,
                                account: Harness.alice.account, mobile: Harness.alice.mobile)

    /// `count` customers with valid national IDs (A1…, check digit), a phone and an account each.
    static func customers(_ count: Int) -> [Customer] {
        (0..<count).map { n in
            let digits = [1] + String(format: "%07d", n).compactMap { $0.wholeNumberValue }
            var sum = 1 // A = 10: 1×1 + 0×9
            for (digit, weight) in zip(digits, [8, 7, 6, 5, 4, 3, 2, 1]) { sum += digit * weight }
            let id = "A" + digits.map(String.init).joined() + String((10 - sum % 10) % 10)
            return Customer(id: id, birth: "44/2/1", password: "stream-pass-\(n)", account: String(format: "1020-%07d", n),
                            mobile: String(format: "0955%06d", n))
        }
    }

    /// A CA, the customers imported with the shipped CLI, two instances on one fresh database (with the
    /// policy changes in `policy`, JSON), and HAProxy with the shipped example in front of them.
    func startPair(_ customers: [Customer], policy: String) async throws -> Pair {
        let dir = try workDirectory(self, "multi")
        let binary = builtExecutable("tokencert-ra")
        let location = try await TestPostgres.freshDatabase()
        let url = try TestPostgres.baseURL().replacingOccurrences(of: "/postgres?", with: "/\(location.database)?")
        let made = try runTool(binary, ["init-ca", "--ca-key-file", dir + "/ca.key", "--certificate", dir + "/ca.pem", "--key-type", "p256",
                                        "--organization", "測試證券"])
        XCTAssertEqual(made.status, 0, made.err)
        var csv = "id,name,birth_date,mobile,email,accounts,password\n"
        for c in customers { csv += "\(c.id),王小明,\(c.birth),\(c.mobile),,\(c.account),\(c.password)\n" }
        try csv.write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let imported = try runTool(binary, ["customer", "import", "--database", url, dir + "/customers.csv"])
        XCTAssertEqual(imported.status, 0, imported.err)

        try #"{"policy": \#(policy)}"#.write(toFile: dir + "/ra.json", atomically: true, encoding: .utf8)
        var instances: [ServerProcess] = []
        var ports: [Int] = []
        for _ in 0..<2 {
            let server = try ServerProcess(binary, ["serve", "--config", dir + "/ra.json", "--database", url, "--ca-key-file", dir + "/ca.key", "--ca-certificate", dir + "/ca.pem",
                                                    "--port", "0", "--outbox", dir + "/outbox", "--trusted-proxy", "127.0.0.1"], environment: [:])
            instances.append(server)
            addTeardownBlock { server.stop() }
            ports.append(try server.waitForPort())
        }

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
        addTeardownBlock {
            haproxy.terminate()
            haproxy.waitUntilExit()
        }
        let base = "http://127.0.0.1:\(front)"
        try await Self.waitUntilAnswering(base + "/health")
        return Pair(dir: dir, location: location, instances: instances, ports: ports, base: base)
    }

    func testAJourneyAcrossTwoInstancesBehindHAProxySurvivesAKill() async throws {
        // A second code may follow the first at once (the journey verifies several times within seconds);
        // the renewal window is open from the start (400 days), so renewal needs no clock of its own.
        let pair = try await startPair([Self.alice], policy: #"{"codeResendAfterSeconds": 0, "renewalWindowDays": 400}"#)
        let dir = pair.dir

        // Round robin: each request of the journey goes to the other instance than the one before.
        let client = JourneyClient(base: pair.base, outbox: dir + "/outbox", customer: Self.alice)
        try await client.login()
        try await client.consent()
        try await client.identify()
        let oldKey = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let csr = try await RenewalTests.csr(oldKey)
        let issued = try await client.call("POST", "/certificates", ["requestId": "multi-1", "csr": csr])
        XCTAssertEqual(issued.status, 201, "\(issued.json)")
        let oldSerial = try XCTUnwrap(issued.json["serial"] as? String)
        // The same request again (through the other instance): the same certificate.
        let again = try await client.call("POST", "/certificates", ["requestId": "multi-1", "csr": csr])
        XCTAssertEqual(again.json["serial"] as? String, oldSerial)

        // Renewal, signed with the current key, and its confirmation with the new key, on alternating instances.
        try await client.identify()
        let newKey = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let newCSR = try await RenewalTests.csr(newKey)
        let proof = try await RenewalTests.sign(ProofOfPossession.renewalMessage(serial: oldSerial, requestID: "renew-1",
                                                                                 csrSHA256: try RenewalTests.csrHash(newCSR)), oldKey)
        let renewal = ["requestId": "renew-1", "csr": newCSR, "proof": proof]
        let renewed = try await client.call("POST", "/certificates/\(oldSerial)/renew", renewal)
        XCTAssertEqual(renewed.status, 201, "\(renewed.json)")
        let serial = try XCTUnwrap(renewed.json["serial"] as? String)
        let renewedAgain = try await client.call("POST", "/certificates/\(oldSerial)/renew", renewal)
        XCTAssertEqual(renewedAgain.json["serial"] as? String, serial, "the same renewal through the other instance")
        let confirmed = try await client.call("POST", "/certificates/\(serial)/confirm",
                                              ["proof": try await RenewalTests.sign(ProofOfPossession.confirmationMessage(serial: serial), newKey)])
        XCTAssertEqual(confirmed.status, 200, "\(confirmed.json)")

        // One instance dies; the journey goes on through the other.
        kill(pair.instances[0].process.processIdentifier, SIGKILL)
        pair.instances[0].process.waitUntilExit()
        try await client.identify()
        let revoked = try await client.call("POST", "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
        XCTAssertEqual(revoked.status, 200, "\(revoked.json)")
        let crl = try await Self.verifiedCRL(pair)
        XCTAssertTrue(crl.contains(serial.uppercased()), "the CRL lists the revoked \(serial)")
        XCTAssertTrue(crl.contains(oldSerial.uppercased()), "the CRL lists the superseded \(oldSerial)")
        let stored = try await PostgresRepository(location: pair.location, password: nil, maximumConnections: 1)
        addTeardownBlock { await stored.shutdown() }
        let record = try await stored.certificate(serial: serial)
        XCTAssertEqual(record?.status, .revoked)
        let old = try await stored.certificate(serial: oldSerial)
        XCTAssertEqual(old?.status, .superseded)
        let audit = try await stored.auditLog()
        let outcomes = audit.map { "\($0.action):\($0.outcome)" }
        XCTAssertEqual(audit.filter { $0.action == "issue" && $0.outcome == "ok" }.count, 1, "\(outcomes)")
        XCTAssertEqual(audit.filter { $0.action == "renew" && $0.outcome == "ok" }.count, 1, "\(outcomes)")
        XCTAssertEqual(audit.filter { $0.action == "revoke" && $0.outcome == "ok" }.count, 1, "\(outcomes)")
    }

    /// Sixteen customers apply, eight at a time, and every other one revokes for key compromise; one
    /// instance is killed with SIGKILL after the fourth certificate. A client whose request dies with
    /// the instance (or that HAProxy answers 502/503) sends the same request again, as a real client
    /// does (same request id). Afterwards every certificate a client received is in the database, none
    /// twice, one per customer; the audit log has one issue per certificate and one revocation per
    /// revoked one; the CRL (verified by `openssl crl -CAfile`) lists every revoked serial.
    func testKillingOneInstanceDuringAStreamOfIssuesLosesNothing() async throws {
        let customers = Self.customers(16)
        let pair = try await startPair(customers, policy: #"{"codeResendAfterSeconds": 0, "codeSendsPerHour": 100}"#)
        let issuedCount = Counter()
        let victim = pair.instances[0].process
        let killer = Task {
            let deadline = Date().addingTimeInterval(120)
            while await issuedCount.value < 4, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            kill(victim.processIdentifier, SIGKILL)
        }
        let results = try await RAIssueStream.run(customers.count, width: 8) { i -> (serial: String, revoked: Bool) in
            let client = JourneyClient(base: pair.base, outbox: pair.dir + "/outbox", customer: customers[i], retrying: true)
            try await client.login()
            try await client.consent()
            try await client.identify()
            let issued = try await client.call("POST", "/certificates", ["requestId": "stream-\(i)", "csr": try await softwareCSR()])
            guard issued.status == 201 || issued.status == 200, let serial = issued.json["serial"] as? String else {
                throw HarnessError("customer \(i): issue answered \(issued.status) \(issued.json)")
            }
            await issuedCount.add()
            guard i % 2 == 0 else { return (serial, false) }
            try await client.identify()
            let revoked = try await client.call("POST", "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
            guard revoked.status == 200 else { throw HarnessError("customer \(i): revoke answered \(revoked.status) \(revoked.json)") }
            return (serial, true)
        }
        _ = await killer.value
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal, "the instance was killed during the stream")

        let stored = try await PostgresRepository(location: pair.location, password: nil, maximumConnections: 1)
        addTeardownBlock { await stored.shutdown() }
        XCTAssertEqual(Set(results.map(\.serial)).count, customers.count, "one certificate per customer, none given twice")
        for (i, result) in results.enumerated() {
            let record = try await stored.certificate(serial: result.serial)
            XCTAssertEqual(record?.customerID, customers[i].id, "customer \(i)'s certificate \(result.serial) is in the database")
            XCTAssertEqual(record?.status, result.revoked ? .revoked : .active)
            let theirs = try await stored.transact(customerID: customers[i].id) { $0.certificates }
            XCTAssertEqual(theirs.map(\.serial), [result.serial], "customer \(i) has exactly the certificate they received")
        }
        let audit = try await stored.auditLog()
        XCTAssertEqual(Set(audit.filter { $0.action == "issue" && $0.outcome == "ok" }.compactMap(\.customerID)), Set(customers.map(\.id)))
        XCTAssertEqual(audit.filter { $0.action == "issue" && $0.outcome == "ok" }.count, customers.count, "one issue event per certificate")
        XCTAssertEqual(audit.filter { $0.action == "revoke" && $0.outcome == "ok" }.count, results.filter(\.revoked).count,
                       "one revocation event per revoked certificate")
        let crl = try await Self.verifiedCRL(pair)
        for result in results where result.revoked {
            XCTAssertTrue(crl.contains(result.serial.uppercased()), "the CRL lists \(result.serial)")
        }
    }

    /// SIGTERM while a login (a 600,000-iteration PBKDF2, some hundred milliseconds) is in flight on that
    /// instance: the login is answered, the process exits 0, and it takes no new connection; HAProxy
    /// goes on through the other instance.
    func testSIGTERMFinishesTheRequestInFlightAndExitsCleanly() async throws {
        let pair = try await startPair([Self.alice], policy: "{}")
        let direct = "http://127.0.0.1:\(pair.ports[0])"
        let id = Self.alice.id, password = Self.alice.password
        let login = Task { () async throws -> (status: Int, body: Data) in try await http(direct + "/login", json: ["id": id, "password": password]) }
        try await Task.sleep(for: .milliseconds(60))
        let server = pair.instances[0].process
        kill(server.processIdentifier, SIGTERM)
        let answered = try await login.value
        XCTAssertEqual(answered.status, 200, String(decoding: answered.body, as: UTF8.self))
        let deadline = Date().addingTimeInterval(15)
        while server.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertFalse(server.isRunning, "the instance exits within 15 s of SIGTERM")
        XCTAssertEqual(server.terminationReason, .exit)
        XCTAssertEqual(server.terminationStatus, 0)
        let refused = try? await http(direct + "/health")
        XCTAssertNil(refused, "a stopped instance takes no connection")
        let front = try await http(pair.base + "/health")
        XCTAssertEqual(front.status, 200, "HAProxy answers through the other instance")
    }

    /// `/health` names the store and answers 503 once the database is gone (here: dropped), so a load
    /// balancer takes the instance out; HAProxy then answers 503 itself, with no instance left.
    func testHealthAnswers503WhenTheDatabaseIsGone() async throws {
        let pair = try await startPair([Self.alice], policy: "{}")
        let direct = "http://127.0.0.1:\(pair.ports[1])"
        let good = try await http(direct + "/health")
        XCTAssertEqual(good.status, 200)
        let fine = try XCTUnwrap(try JSONSerialization.jsonObject(with: good.body) as? [String: Any])
        XCTAssertEqual(fine["store"] as? String, "postgres", "\(fine)")
        try await TestPostgres.execute("DROP DATABASE \(pair.location.database) WITH (FORCE)")
        let bad = try await http(direct + "/health")
        XCTAssertEqual(bad.status, 503, String(decoding: bad.body, as: UTF8.self))
        let said = try XCTUnwrap(try JSONSerialization.jsonObject(with: bad.body) as? [String: Any])
        XCTAssertNotEqual(said["database"] as? String, "ok", "\(said)")
        // HAProxy checks every 500 ms and takes an instance out after one failed check.
        let deadline = Date().addingTimeInterval(10)
        var front = try await http(pair.base + "/health")
        while front.status != 503, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            front = try await http(pair.base + "/health")
        }
        XCTAssertEqual(front.status, 503, "HAProxy has no instance left to send to")
    }

    /// The CRL through HAProxy, verified by `openssl crl -CAfile`; its text in upper case.
    static func verifiedCRL(_ pair: Pair) async throws -> String {
        let crl = try await http(pair.base + "/crl")
        XCTAssertEqual(crl.status, 200)
        let file = pair.dir + "/ca-\(UUID().uuidString.prefix(6)).crl"
        try crl.body.write(to: URL(fileURLWithPath: file))
        let text = try runTool("openssl", ["crl", "-inform", "DER", "-in", file, "-CAfile", pair.dir + "/ca.pem", "-noout", "-text"])
        XCTAssertTrue((text.out + text.err).contains("verify OK"), text.out + text.err)
        return text.out.uppercased()
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

/// A customer's side of the journey over real HTTP. With `retrying`, a request that fails in transport
/// or times out, or that HAProxy answers 502/503/504 (its instance died), is sent again, as a client
/// would, 20 times at most.
final class JourneyClient: @unchecked Sendable {
    let base: String
    let outbox: String
    let customer: MultiInstanceTests.Customer
    let retrying: Bool
    var token: String?

    init(base: String, outbox: String, customer: MultiInstanceTests.Customer = MultiInstanceTests.alice, retrying: Bool = false) {
        self.base = base
        self.outbox = outbox
        self.customer = customer
        self.retrying = retrying
    }

    func call(_ method: String, _ path: String, _ body: [String: String]? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        // A retrying client gives up on an attempt after 5 s: FoundationNetworking sometimes leaves a
        // request that starts at the moment of the kill without its body (HAProxy logs the client as
        // never finishing it), and a real client's timeout then sends it again.
        request.timeoutInterval = retrying ? 5 : 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if retrying, [502, 503, 504].contains(status), attempt < 20 {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                return (status, json)
            } catch where retrying && attempt < 20 && !(error is CancellationError) {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func login() async throws {
        let r = try await call("POST", "/login", ["id": customer.id, "password": customer.password])
        guard r.status == 200, let token = r.json["token"] as? String else { throw HarnessError("\(customer.id): login \(r.status) \(r.json)") }
        self.token = token
    }

    func consent() async throws {
        let shown = try await call("GET", "/consent")
        let accepted = try await call("POST", "/consent", ["version": try XCTUnwrap(shown.json["version"] as? String),
                                                          "sha256": try XCTUnwrap(shown.json["sha256"] as? String)])
        guard accepted.status == 201 || accepted.status == 200 else { throw HarnessError("\(customer.id): consent \(accepted.status) \(accepted.json)") }
    }

    /// Both identity steps: the birth date, then the code from the shared outbox. When retrying, a code
    /// whose verification was lost with an instance is started over with a new code (3 rounds at most).
    func identify() async throws {
        var round = 0
        while true {
            round += 1
            let birth = try await call("POST", "/identity/birth-date", ["birthDate": customer.birth])
            guard birth.status == 200 else { throw HarnessError("\(customer.id): birth date \(birth.status) \(birth.json)") }
            let sent = try await call("POST", "/identity/code", ["account": customer.account, "channel": "sms"])
            guard sent.status == 201, let identifier = sent.json["identifier"] as? String else {
                throw HarnessError("\(customer.id): code \(sent.status) \(sent.json)")
            }
            let code = try XCTUnwrap(try OutboxDelivery(directory: outbox).codes(for: identifier, to: customer.mobile).last)
            let verified = try await call("POST", "/identity/code/verify", ["identifier": identifier, "code": code])
            if verified.status == 200 { return }
            guard retrying, round < 3 else { throw HarnessError("\(customer.id): verify \(verified.status) \(verified.json)") }
        }
    }
}

/// Counts, across tasks.
actor Counter {
    var value = 0
    func add() { value += 1 }
}

/// Runs `body(0..<count)` with at most `width` at once; results in index order.
enum RAIssueStream {
    static func run<T: Sendable>(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            var results = [T?](repeating: nil, count: count)
            func start(_ i: Int) { group.addTask { (i, try await body(i)) } }
            while next < min(width, count) { start(next); next += 1 }
            while let (i, value) = try await group.next() {
                results[i] = value
                if next < count { start(next); next += 1 }
            }
            return results.map { $0! }
        }
    }
}
