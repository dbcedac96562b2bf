import ArgumentParser
import CertificateKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RAServer
#if canImport(Glibc)
import Glibc
#endif

/// CSR → certificate over HTTP on loopback: `tokencert-ra serve` (POST /certificates, each request a
/// customer who has passed consent and both identity steps) vs `cfssl serve` (POST
/// /api/v1/cfssl/sign), same CA key, same CSRs, same load generator, concurrency 1, 8 and 32.
struct RAIssueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ra-issue",
        abstract: "Certificate issuance over HTTP: tokencert-ra vs cfssl serve at concurrency 1, 8, 32.",
        discussion: """
        Setup (not measured): a P-256 CA made by `tokencert-ra init-ca`, whose key file both servers use;
        one customer per request, stored with a cheap password hash (setup only — the RA's own default is
        600,000 PBKDF2 iterations), each logged in over HTTP with consent accepted, birth date and
        one-time code (read from the outbox) verified; one P-256 CSR per request.
        Measured: POST /certificates {requestId, csr} with the customer's bearer token, against cfssl's
        POST /api/v1/cfssl/sign {certificate_request} with the same CSR. Requests/s, p50 and p99 per side
        and level; ratio = our requests/s ÷ cfssl's. Sides alternate which goes first per level.
        The load generator (this process) keeps one HTTP/1.1 keep-alive connection per request in
        flight, opened before the clock starts, with request bytes built beforehand; the CPU time per
        request of each server process and of the load generator is printed under each level.
        """)

    @Option(help: "The tokencert-ra executable (release build).")
    var ra: String

    @Option(help: "The cfssl executable.")
    var cfssl = "/usr/bin/cfssl"

    @Option(help: ArgumentHelp("""
        What cfssl stores: sqlite (default: every issued certificate in its certdb, a SQLite file in WAL mode \
        with synchronous=NORMAL — what tokencert-ra does with its own records) or none (cfssl signs and \
        forgets, which an RA may not do).
        """, valueName: "sqlite|none"))
    var cfsslStore = "sqlite"

    @Option(help: ArgumentHelp("""
        Where both sides keep their records: sqlite (tokencert-ra's file; cfssl per --cfssl-store) or postgres \
        (tokencert-ra on one database, cfssl's certdb on another of the same PostgreSQL server, given by \
        --postgres-url; bench/run starts a private cluster).
        """, valueName: "sqlite|postgres"))
    var store = "sqlite"

    @Option(help: "A PostgreSQL server's URL (postgres://USER@/postgres?host=/socket/dir) for --store postgres.")
    var postgresURL: String?

    @Option(help: ArgumentHelp("""
        Instances of each server (--store postgres only): N tokencert-ra processes on the one database and N cfssl \
        processes on the one certdb, each side behind its own HAProxy front end (round robin, as \
        examples/haproxy/tokencert-ra.cfg), which the load generator then talks to.
        """, valueName: "N"))
    var instances = 1

    @Option(help: "Requests per side and concurrency level.")
    var requests = 300

    @Option(help: "Concurrency levels, comma-separated.")
    var levels = "1,8,32"

    @Option(help: "Scratch folder.")
    var work = "bench/.work/ra-issue"

    func run() async throws {
        let concurrency = levels.split(separator: ",").compactMap { Int($0) }
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work + "/outbox", withIntermediateDirectories: true)
        let work = self.work
        @Sendable func path(_ name: String) -> String { work + "/" + name }

        try runQuietly(ra, ["init-ca", "--ca-key-file", path("ca.key"), "--certificate", path("ca.pem"), "--key-type", "p256"], showErrors: true)
        let count = requests * concurrency.count
        print("setup: \(count) customers, sessions and CSRs…")
        var inputs: [(line: Int, input: CustomerInput)] = []
        for i in 0..<count {
            inputs.append((i + 1, CustomerInput(id: Self.nationalID(i), name: "顧客\(i)", birthDate: "44/2/1",
                                                mobile: String(format: "09%08d", i), email: nil,
                                                accounts: [String(format: "1020-%07d", i)], password: "bench-pass-1")))
        }
        var raDatabase = path("ra.sqlite")
        var cfsslDatabaseConfig: String? = nil
        switch store {
        case "sqlite": break
        case "postgres":
            guard let postgresURL else { throw ValidationError("--store postgres needs --postgres-url") }
            let suffix = "\(getpid())"
            for name in ["bench_ra_\(suffix)", "bench_cfssl_\(suffix)"] {
                try runQuietly("/usr/bin/psql", [postgresURL, "-q", "-c", "CREATE DATABASE \(name)"], showErrors: true)
            }
            raDatabase = postgresURL.replacingOccurrences(of: "/postgres?", with: "/bench_ra_\(suffix)?")
            cfsslDatabaseConfig = try Self.cfsslPostgresCertDB(postgresURL.replacingOccurrences(of: "/postgres?", with: "/bench_cfssl_\(suffix)?"),
                                                               config: path("cfssl-db.json"))
        default: throw ValidationError("--store is sqlite or postgres")
        }
        guard instances == 1 || store == "postgres" else {
            throw ValidationError("--instances above 1 needs --store postgres (SQLite is one file on one host)")
        }
        guard (1...8).contains(instances) else { throw ValidationError("--instances is 1 to 8") }
        try await CustomerImport.store(inputs, into: try await RAStore.open(raDatabase), passwordIterations: 1000)

        let raPorts = (0..<instances).map { _ in Self.freePort() }, cfsslPorts = (0..<instances).map { _ in Self.freePort() }
        // Every customer logs in from this one process: lift the per-address login limit for the setup.
        try #"{"policy": {"loginAttemptsPerAddressPerMinute": 1000000}}"#.write(toFile: path("ra.json"), atomically: true, encoding: .utf8)
        var servers: [Process] = []
        defer { for p in servers { p.terminate() } }
        for (n, port) in raPorts.enumerated() {
            servers.append(try Self.start(ra, ["serve", "--config", path("ra.json"), "--ca-key-file", path("ca.key"), "--ca-certificate", path("ca.pem"),
                                               "--database", raDatabase, "--port", "\(port)", "--outbox", path("outbox"),
                                               "--log-level", "error"], log: path("ra-\(n).log")))
        }
        var cfsslBase = ["serve", "-ca", path("ca.pem"), "-ca-key", path("ca.key"), "-address", "127.0.0.1", "-loglevel", "5"]
        switch (cfsslDatabaseConfig, cfsslStore) {
        case (let config?, _):
            cfsslBase += ["-db-config", config]
            print("both store in PostgreSQL: tokencert-ra its records, cfssl every certificate in its certdb (lib/pq)")
        case (nil, "none"): print("cfssl stores: nothing")
        case (nil, "sqlite"):
            cfsslBase += ["-db-config", try Self.cfsslCertDB(path("cfssl-certs.db"), config: path("cfssl-db.json"))]
            print("cfssl stores: every certificate in its SQLite certdb (WAL, synchronous=NORMAL)")
        default: throw ValidationError("--cfssl-store is sqlite or none")
        }
        var cfssls: [Process] = []
        defer { for p in cfssls { p.terminate() } }
        for (n, port) in cfsslPorts.enumerated() {
            cfssls.append(try Self.start(cfssl, cfsslBase + ["-port", "\(port)"], log: path("cfssl-\(n).log")))
        }
        // One instance: straight to it. Several: each side behind its own HAProxy front end.
        var raPort = raPorts[0], cfsslPort = cfsslPorts[0]
        var proxy: Process?
        defer { proxy?.terminate() }
        if instances > 1 {
            raPort = Self.freePort()
            cfsslPort = Self.freePort()
            proxy = try Self.haproxy(fronts: [(raPort, raPorts), (cfsslPort, cfsslPorts)], config: path("haproxy.cfg"), log: path("haproxy.log"))
            print("\(instances) instances per side behind HAProxy (round robin)")
        }
        let raURL = "http://127.0.0.1:\(raPort)", cfsslURL = "http://127.0.0.1:\(cfsslPort)"
        let client = HTTP(maxConnections: (concurrency.max() ?? 1) * 2)
        for port in raPorts { try await client.waitUntilUp("http://127.0.0.1:\(port)/health") }
        for port in cfsslPorts { try await client.waitUntilUp("http://127.0.0.1:\(port)/api/v1/cfssl/info", method: "POST", body: "{}") }
        try await client.waitUntilUp(raURL + "/health")
        try await client.waitUntilUp(cfsslURL + "/api/v1/cfssl/info", method: "POST", body: "{}")

        // Customers ready to be issued a certificate, 8 at a time.
        let consent = try await client.json("GET", raURL + "/consent")
        guard let consentVersion = consent["version"] as? String, let consentHash = consent["sha256"] as? String else {
            throw ValidationError("no consent text: \(consent)")
        }
        let tokens = try await Self.parallel(count, width: 8) { i -> String in
            let login = try await client.json("POST", raURL + "/login", ["id": Self.nationalID(i), "password": "bench-pass-1"])
            guard let token = login["token"] as? String else { throw ValidationError("login failed: \(login)") }
            _ = try await client.json("POST", raURL + "/consent", ["version": consentVersion, "sha256": consentHash], token: token)
            _ = try await client.json("POST", raURL + "/identity/birth-date", ["birthDate": "44/2/1"], token: token)
            let sent = try await client.json("POST", raURL + "/identity/code", ["account": String(format: "1020-%07d", i), "channel": "sms"], token: token)
            guard let identifier = sent["identifier"] as? String else { throw ValidationError("code not sent: \(sent)") }
            let code = try Self.code(outbox: path("outbox"), identifier: identifier, mobile: String(format: "09%08d", i))
            let verified = try await client.json("POST", raURL + "/identity/code/verify", ["identifier": identifier, "code": code], token: token)
            guard verified["verified"] as? Bool == true else { throw ValidationError("code not verified: \(verified)") }
            return token
        }
        // The same CSR to both: base64 of its DER for tokencert-ra (its wire form), PEM for cfssl.
        let csrs = try await Self.parallel(count, width: 4) { _ -> (der: String, pem: String) in
            let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
            let subject = SubscriberSubject(commonName: "Bench", serialNumber: "A000000000")
            let csr = try await CertificateRequests.make(subject: subject, key: key)
            return (Data(try CertificateRequests.der(csr)).base64EncodedString(), try CertificateRequests.pem(csr))
        }

        print("measuring: \(requests) requests per side and level")
        let raLoad = RawHTTPLoad(port: raPort), cfsslLoad = RawHTTPLoad(port: cfsslPort)
        var rows: [String] = []
        for (round, width) in concurrency.enumerated() {
            let base = round * requests
            // Request bytes are built before the clock starts; a fresh request id per request.
            let ourRequests = try (0..<requests).map { i in
                try raLoad.request("POST", "/certificates", json: ["requestId": UUID().uuidString, "csr": csrs[base + i].der],
                                   token: tokens[base + i], expectedStatus: 201)
            }
            let theirRequests = try (0..<requests).map { i in
                try cfsslLoad.request("POST", "/api/v1/cfssl/sign", json: ["certificate_request": csrs[base + i].pem], expectedStatus: 200)
            }
            let ours = { try Self.measure(raLoad, ourRequests, width: width, servers: servers.map(\.processIdentifier)) }
            let theirs = { try Self.measure(cfsslLoad, theirRequests, width: width, servers: cfssls.map(\.processIdentifier)) }
            let a: Measurement, b: Measurement
            if round % 2 == 0 {
                a = try ours()
                b = try theirs()
            } else {
                b = try theirs()
                a = try ours()
            }
            rows.append(String(format: "  c=%-3d  tokencert-ra %7.1f req/s  p50 %6.2f ms  p99 %6.2f ms   cfssl %7.1f req/s  p50 %6.2f ms  p99 %6.2f ms   ratio %.2f",
                               width, a.rate, a.p50, a.p99, b.rate, b.p50, b.p99, a.rate / b.rate))
            rows.append(String(format: "         CPU ms per request: tokencert-ra %.3f (load generator %.3f)   cfssl %.3f (load generator %.3f)",
                               a.serverCPU * 1000, a.clientCPU * 1000, b.serverCPU * 1000, b.clientCPU * 1000))
        }
        print("CSR → certificate over HTTP on loopback, P-256 CA, \(requests) requests per side and level (target: ratio ≥ 1 at c=8 and 32):")
        rows.forEach { print($0) }
    }

    // MARK: load generator

    /// Requests/s, latency percentiles (ms), and CPU seconds per request spent by the server processes
    /// (all instances; not HAProxy) and by this process (the load generator).
    struct Measurement { var rate: Double; var p50: Double; var p99: Double; var serverCPU = 0.0; var clientCPU = 0.0 }

    /// Sends `requests` with `width` in flight over keep-alive connections opened beforehand; the
    /// latency of each, the rate over the whole run, and the CPU time the servers (`servers`, PIDs) and
    /// this process used for them.
    static func measure(_ load: RawHTTPLoad, _ requests: [RawHTTPLoad.Request], width: Int, servers: [Int32]) throws -> Measurement {
        func cpu() -> Double { servers.reduce(0) { $0 + (ProcessCPU.seconds(pid: $1) ?? 0) } }
        let serverCPU0 = cpu(), clientCPU0 = ProcessCPU.own()
        let (latencies, seconds) = try load.run(requests, width: width)
        let serverCPU = cpu() - serverCPU0, clientCPU = ProcessCPU.own() - clientCPU0
        let sorted = latencies.sorted()
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Measurement(rate: Double(requests.count) / seconds, p50: pct(0.50), p99: pct(0.99),
                           serverCPU: serverCPU / Double(requests.count), clientCPU: clientCPU / Double(requests.count))
    }

    /// Runs `body(0..<count)` with at most `width` at once; results in index order.
    static func parallel<T: Sendable>(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            var results = [T?](repeating: nil, count: count)
            while next < min(width, count) {
                let i = next
                group.addTask { (i, try await body(i)) }
                next += 1
            }
            while let (i, value) = try await group.next() {
                results[i] = value
                if next < count {
                    let j = next
                    group.addTask { (j, try await body(j)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    // MARK: helpers

    /// A valid national ID: A + 1 + seven digits of `n` + check digit (A = 10, weights 1 9 8 7 6 5 4 3 2 1).
    static func nationalID(_ n: Int) -> String {
        let digits = [1] + String(format: "%07d", n).compactMap { $0.wholeNumberValue }
        var sum = 1 * 1 + 0 * 9
        for (digit, weight) in zip(digits, [8, 7, 6, 5, 4, 3, 2, 1]) { sum += digit * weight }
        return "A" + digits.map(String.init).joined() + String((10 - sum % 10) % 10)
    }

    /// The six-digit code in the outbox message for this identifier and phone.
    static func code(outbox: String, identifier: String, mobile: String) throws -> String {
        guard let code = try OutboxDelivery(directory: outbox).codes(for: identifier, to: mobile).first else {
            throw ValidationError("no outbox message for \(identifier)")
        }
        return code
    }

    /// A port the kernel says is free now (bound to port 0, read back, released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return ok ? Int(UInt16(bigEndian: address.sin_port)) : Int.random(in: 45_000...49_000)
    }

    /// HAProxy (Debian's) with one round-robin front end per entry: `front` on loopback to `backs`.
    static func haproxy(fronts: [(front: Int, backs: [Int])], config: String, log: String) throws -> Process {
        var text = """
            global
                maxconn 4096
            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                option http-buffer-request

            """
        for (n, entry) in fronts.enumerated() {
            text += "frontend f\(n)\n    bind 127.0.0.1:\(entry.front)\n    default_backend b\(n)\n"
            text += "backend b\(n)\n    balance roundrobin\n    http-reuse always\n"
            for (m, port) in entry.backs.enumerated() { text += "    server s\(m) 127.0.0.1:\(port)\n" }
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy") else {
            throw ValidationError("--instances needs HAProxy: apt-get install haproxy")
        }
        return try start("/usr/sbin/haproxy", ["-db", "-f", config], log: log)
    }

    static func start(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardError = p.standardOutput
        try p.run()
        return p
    }

}

/// A small HTTP/1.1 JSON client over URLSession with enough connections for the load.
final class HTTP: Sendable {
    let session: URLSession

    init(maxConnections: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnections
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    func request(_ method: String, _ url: String, body: [String: Any]? = nil, token: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func json(_ method: String, _ url: String, _ body: [String: Any]? = nil, token: String? = nil) async throws -> [String: Any] {
        let reply = try await request(method, url, body: body, token: token)
        guard (200..<300).contains(reply.status) else {
            throw ValidationError("\(method) \(url) → \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]) ?? [:]
    }

    func waitUntilUp(_ url: String, method: String = "GET", body: String? = nil) async throws {
        for _ in 0..<100 {
            var request = URLRequest(url: URL(string: url)!)
            request.httpMethod = method
            request.httpBody = body.map { Data($0.utf8) }
            if let (_, response) = try? await session.data(for: request), (response as? HTTPURLResponse) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("\(url) did not come up")
    }
}

extension RAIssueBench {
    /// cfssl 1.2's certdb in PostgreSQL (its `certdb/pg` schema: bytea keys, timestamptz), reached
    /// through lib/pq with the same URL (a Unix socket folder as `host=`).
    static func cfsslPostgresCertDB(_ url: String, config: String) throws -> String {
        let schema = """
            CREATE TABLE certificates (serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL, ca_label bytea,
              status bytea NOT NULL, reason int, expiry timestamptz, revoked_at timestamptz, pem bytea NOT NULL,
              PRIMARY KEY(serial_number, authority_key_identifier));
            CREATE TABLE ocsp_responses (serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL, body bytea NOT NULL,
              expiry timestamptz, PRIMARY KEY(serial_number, authority_key_identifier),
              FOREIGN KEY(serial_number, authority_key_identifier) REFERENCES certificates(serial_number, authority_key_identifier));
            """
        try runQuietly("/usr/bin/psql", [url, "-q", "-c", schema], showErrors: true)
        let source = url + (url.contains("?") ? "&" : "?") + "sslmode=disable"
        try #"{"driver": "postgres", "data_source": "\#(source)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// cfssl's certdb as a SQLite file: its schema (cfssl 1.2's `certdb/sqlite` migration: the
    /// `certificates` and `ocsp_responses` tables, made with sqlite3), and a `-db-config` file whose
    /// data source asks go-sqlite3 for WAL and synchronous=NORMAL, the durability tokencert-ra runs with.
    static func cfsslCertDB(_ database: String, config: String) throws -> String {
        let schema = """
            CREATE TABLE certificates (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, ca_label blob,
              status blob NOT NULL, reason int, expiry timestamp, revoked_at timestamp, pem blob NOT NULL,
              PRIMARY KEY(serial_number, authority_key_identifier));
            CREATE TABLE ocsp_responses (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, body blob NOT NULL,
              expiry timestamp, PRIMARY KEY(serial_number, authority_key_identifier),
              FOREIGN KEY(serial_number, authority_key_identifier) REFERENCES certificates(serial_number, authority_key_identifier));
            PRAGMA journal_mode=WAL;
            """
        try runQuietly("/usr/bin/sqlite3", [database, schema], showErrors: true)
        let source = "file:\(database)?_journal_mode=WAL&_synchronous=NORMAL"
        try #"{"driver": "sqlite3", "data_source": "\#(source)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }
}
