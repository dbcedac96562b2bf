import CertificateKit
import Domain
import Foundation
import KeyStores
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PKCS11
import PostgresNIO
@testable import RAServer
import TestSupport
import X509
import XCTest

/// A fresh directory per test, removed afterwards.
func workDirectory(_ test: XCTestCase, _ name: String = "ra") throws -> String {
    let dir = NSTemporaryDirectory() + "\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// 2026-03-10 10:00 Asia/Taipei.
let startDate: Date = {
    var c = DateComponents()
    (c.year, c.month, c.day, c.hour) = (2026, 3, 10, 10)
    return Domain.taipeiCalendar.date(from: c)!
}()

/// Which store a test's RA keeps its records in: `TOKENCERT_TEST_STORE=postgres` runs the suite on
/// a fresh database of the test command's PostgreSQL cluster (`TOKENCERT_TEST_POSTGRES_URL`), else
/// SQLite. Tests of one store's own behaviour name it.
enum TestStore: String, Sendable {
    case sqlite, postgres

    static var fromEnvironment: TestStore {
        ProcessInfo.processInfo.environment["TOKENCERT_TEST_STORE"] == "postgres" ? .postgres : .sqlite
    }
}

/// Fresh databases on the test command's PostgreSQL cluster.
enum TestPostgres {
    /// The cluster's URL; a missing one is a failure, never a skip.
    static func baseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TOKENCERT_TEST_POSTGRES_URL"] else {
            throw HarnessError("TOKENCERT_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        }
        return url
    }

    /// Creates an empty database and returns its location.
    static func freshDatabase() async throws -> PostgresRepository.Location {
        let name = "t_\(getpid())_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute("CREATE DATABASE \(name)")
        var location = try PostgresRepository.Location(url: try baseURL())
        location.database = name
        return location
    }

    /// Runs one statement on the cluster's `postgres` database (over its Unix socket, as the cluster's role).
    static func execute(_ sql: String) async throws {
        let base = try PostgresRepository.Location(url: try baseURL())
        let client = PostgresClient(configuration: .init(unixSocketPath: try XCTUnwrap(base.unixSocketPath), username: base.username,
                                                         password: nil, database: base.database))
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).collect()
            group.cancelAll()
        }
    }

    /// The cluster over TCP with TLS (`sslmode=verify-full`, the run's CA as `sslrootcert`) and the file
    /// holding the role's password (scripts/postgres-env.sh).
    static func tlsURL() throws -> (url: String, passwordFile: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["TOKENCERT_TEST_POSTGRES_TLS_URL"], let file = environment["TOKENCERT_TEST_POSTGRES_PASSWORD_FILE"] else {
            throw HarnessError("TOKENCERT_TEST_POSTGRES_TLS_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        }
        return (url, file)
    }
}

/// One RA over a real store (SQLite file or PostgreSQL database), a software CA, an outbox folder
/// and a hand-moved clock.
struct Harness {
    static let alice = (id: "A123456789", name: "王小明", birth: "44/2/1", password: "alice-secret-1", account: "1020-1234567",
                        mobile: "0912345678", email: "alice@example.test")
    static let bob = (id: "F131104093", name: "林大華", birth: "1960-07-15", password: "bob-secret-22", account: "1020-7654321",
                      mobile: "0922333444", email: "bob@example.test")

    let dir: String
    let repository: any RARepository
    /// The SQLite store, when the test runs on SQLite.
    let sqlite: SQLiteRepository?
    /// The PostgreSQL database, when the test runs on PostgreSQL.
    let postgres: PostgresRepository.Location?
    let clock: ManualClock
    let outbox: String
    let authority: CertificateAuthority
    let service: RAService
    let policy: Policy

    init(_ test: XCTestCase, policy: Policy = Policy.standard.with { $0.passwordIterations = 1000 },
         store: TestStore = .fromEnvironment) async throws {
        dir = try workDirectory(test)
        // As in tokencert-ra's commands: a sendmail that exits before reading its mail gives EPIPE, not
        // a SIGPIPE that ends the process (the failing sendmail stand-ins race for it).
        signal(SIGPIPE, SIG_IGN)
        // Every reply the test's API calls received is checked against its schema at the end.
        test.addTeardownBlock { XCTAssertNoThrow(try JSONSchemas.flush()) }
        switch store {
        case .sqlite:
            let sqlite = try SQLiteRepository(path: dir + "/ra.sqlite")
            (repository, self.sqlite, postgres) = (sqlite, sqlite, nil)
        case .postgres:
            let location = try await TestPostgres.freshDatabase()
            let postgres = try await PostgresRepository(location: location, password: nil, maximumConnections: 8)
            test.addTeardownBlock { await postgres.shutdown() }
            (repository, sqlite, self.postgres) = (postgres, nil, location)
        }
        clock = ManualClock(startDate)
        outbox = dir + "/outbox"
        self.policy = policy
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let subject = try DistinguishedName {
            CountryName("TW")
            OrganizationName("TokenCert Test Securities")
            CommonName("TokenCert Test RA CA")
        }
        let ca = try await CertificateIssuer.selfSignedCA(subject: subject, key: key, notBefore: startDate.addingTimeInterval(-86_400),
                                                          notAfter: startDate.addingTimeInterval(86_400 * 3650))
        authority = CertificateAuthority(issuer: CertificateIssuer(caCertificate: ca, caKey: key),
                                         organization: "TokenCert Test Securities", crlURL: "http://127.0.0.1/crl")
        service = RAService(repository: repository, authority: authority, policy: policy, clock: clock,
                            delivery: try OutboxDelivery(directory: outbox))
        for c in [Self.alice, Self.bob] {
            try await repository.addCustomers([
                CustomerRecord(id: try CustomerID(c.id), name: c.name, birthDate: try ROCDate.parseBirthDate(c.birth), mobile: c.mobile,
                               email: c.email, accounts: [try SecuritiesAccount(c.account)],
                               passwordHash: try PasswordHasher.hash(c.password, iterations: policy.passwordIterations))
            ], replace: false)
        }
    }

    var application: some ApplicationProtocol {
        var logger = Logger(label: "ra-test")
        logger.logLevel = .warning
        return Application(router: RARoutes.buildRouter(service: service),
                           configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    }

    /// The same store opened again, as a restarted RA (or a second instance) would.
    func reopenedStore(_ test: XCTestCase) async throws -> any RARepository {
        if let sqlite { return try SQLiteRepository(path: sqlite.path) }
        let postgres = try await PostgresRepository(location: try XCTUnwrap(postgres), password: nil, maximumConnections: 8)
        test.addTeardownBlock { await postgres.shutdown() }
        return postgres
    }

    var caPEMPath: String {
        get throws {
            let path = dir + "/ca.pem"
            if !FileManager.default.fileExists(atPath: path) { try authority.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8) }
            return path
        }
    }

    /// The code inside the outbox message with this identifier.
    func code(for identifier: String) throws -> String {
        let codes = try OutboxDelivery(directory: outbox).codes(for: identifier)
        guard codes.count == 1 else { throw HarnessError("expected one message for \(identifier), found \(codes.count)") }
        return codes[0]
    }
}

/// A JSON response.
struct Reply: @unchecked Sendable {
    var status: HTTPResponse.Status
    var json: [String: Any]
    var body: ByteBuffer
    var headers: HTTPFields
    var code: String? { json["code"] as? String }
    subscript(key: String) -> Any? { json[key] }
    func string(_ key: String) -> String? { json[key] as? String }
}

/// Calls the API as a client would.
struct API: Sendable {
    let client: any TestClientProtocol
    var token: String?

    func call(_ method: HTTPRequest.Method, _ path: String, _ body: [String: any Sendable]? = nil,
              file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let buffer = try body.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: buffer)
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
        if let schema = Self.schema(method, path, status: response.status.code) {
            JSONSchemas.later(.init(schema: schema, json: String(buffer: response.body), origin: "\(method) \(path) \(response.status.code)"))
        }
        if response.status.code >= 400 {
            // Every refusal has the documented shape.
            let message = json["message"] as? [String: Any]
            XCTAssertNotNil(json["code"] as? String, "error without code: \(String(buffer: response.body))", file: file, line: line)
            XCTAssertNotNil(message?["en"] as? String, file: file, line: line)
            XCTAssertNotNil(message?["zh-TW"] as? String, file: file, line: line)
        }
        return Reply(status: response.status, json: json, body: response.body, headers: response.headers)
    }

    /// The schema (docs/schemas/NAME.schema.json) of the reply to `method path` with `status`; nil for
    /// replies that are not JSON (CRL, CA certificate, metrics, 204).
    static func schema(_ method: HTTPRequest.Method, _ path: String, status: Int) -> String? {
        if status == 204 { return nil }
        if status >= 400 { return "ra-error" }
        let parts = path.split(separator: "?")[0].split(separator: "/").map(String.init)
        switch (method, parts.count, parts.first ?? "") {
        case (.get, 1, "health"): return "ra-health"
        case (.get, 1, "consent"): return "ra-agreement"
        case (.post, 1, "consent"): return "ra-consent-accepted"
        case (.post, 1, "login"): return "ra-session"
        case (.get, 1, "announcements"), (.get, 1, "faq"): return "ra-notices"
        case (.post, 2, "identity") where parts[1] == "birth-date": return "ra-identity-step"
        case (.post, 2, "identity") where parts[1] == "code": return "ra-code-sent"
        case (.post, 3, "identity") where parts[2] == "verify": return "ra-identity-step"
        case (.post, 1, "certificates"): return "ra-issued-certificate"
        case (.get, 1, "certificates"): return "ra-host-status"
        case (.post, 3, "certificates"):
            return ["renew": "ra-issued-certificate", "confirm": "ra-confirmation", "revoke": "ra-revocation"][parts[2]]
        case (.post, 2, "orders") where parts[1] == "verify": return "ra-order-verdict"
        case (.post, 2, "officer") where parts[1] == "challenge": return "ra-officer-challenge"
        case (.post, 2, "officer") where parts[1] == "login": return "ra-officer-session"
        case (.get, 3, "officer") where parts[1] == "customers": return "ra-host-status"
        case (.post, 4, "officer") where parts[1] == "customers":
            return ["unlock": "ra-unlocked", "revoke": "ra-revocation", "certificates": "ra-issued-certificate"][parts[3]]
        default: return nil
        }
    }

    /// Calls and checks the status.
    @discardableResult
    func expect(_ status: HTTPResponse.Status, _ method: HTTPRequest.Method, _ path: String, _ body: [String: any Sendable]? = nil,
                file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
        let r = try await call(method, path, body, file: file, line: line)
        XCTAssertEqual(r.status, status, "\(r.json)", file: file, line: line)
        return r
    }

    /// Calls and checks the refusal code.
    @discardableResult
    func expectCode(_ code: String, _ method: HTTPRequest.Method, _ path: String, _ body: [String: any Sendable]? = nil,
                    file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
        let r = try await call(method, path, body, file: file, line: line)
        XCTAssertEqual(r.code, code, "\(r.json)", file: file, line: line)
        return r
    }

    /// Logs in and returns an API carrying the token.
    func login(_ id: String, _ password: String) async throws -> API {
        let r = try await call(.post, "/login", ["id": id, "password": password])
        XCTAssertEqual(r.status, .ok, "\(r.json)")
        return API(client: client, token: try XCTUnwrap(r.string("token")))
    }

    func consent() async throws {
        let agreement = try await call(.get, "/consent")
        let r = try await call(.post, "/consent", ["version": agreement.string("version")!, "sha256": agreement.string("sha256")!])
        XCTAssertEqual(r.status, .created, "\(r.json)")
    }

    /// Both identity steps; returns the code's identifier.
    @discardableResult
    func identify(_ harness: Harness, birth: String, account: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let b = try await call(.post, "/identity/birth-date", ["birthDate": birth])
        XCTAssertEqual(b.status, .ok, "\(b.json)", file: file, line: line)
        let sent = try await call(.post, "/identity/code", ["account": account, "channel": "sms"])
        XCTAssertEqual(sent.status, .created, "\(sent.json)", file: file, line: line)
        let identifier = try XCTUnwrap(sent.string("identifier"))
        let v = try await call(.post, "/identity/code/verify", ["identifier": identifier, "code": try harness.code(for: identifier)])
        XCTAssertEqual(v.status, .ok, "\(v.json)", file: file, line: line)
        return identifier
    }
}

/// A CSR for a software key, with a subject the RA must ignore: base64 of its DER, as the RA takes it.
func softwareCSR(_ kind: KeyDescription.Kind = .p256) async throws -> String {
    let key = try TokenPrivateKey(try SoftwareSigner.generate(kind))
    let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: "Mallory", serialNumber: "Z999999999"), key: key)
    return Data(try CertificateRequests.der(csr)).base64EncodedString()
}

/// A sendmail stand-in in `dir`: it fails (exit 75) while `dir/fail` exists, else writes its
/// arguments and the mail to `dir/mail-<pid>.txt`. Returns its path.
func sendmailStandIn(_ dir: String) throws -> String {
    let script = dir + "/sendmail"
    try """
        #!/bin/sh
        [ -e "\(dir)/fail" ] && exit 75
        { echo "ARGS: $*"; cat; } > "\(dir)/mail-$$.txt"
        """.write(toFile: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
    return script
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A CSR signed on a fresh SoftHSM token (the key never leaves it), base64 DER.
func softHSMCSR(_ spec: KeySpec = .p256, name: String = #function) async throws -> String {
    let token = try await SoftHSM.makeToken(name)
    let session = try await token.loggedInSession()
    let pair = try await session.generateKeyPair(spec, label: "order key")
    var uri = PKCS11URI()
    uri.token = token.label
    uri.object = "order key"
    let signer = try PKCS11Signer(session: session, key: pair.privateKey, subjectPublicKeyInfo: pair.subjectPublicKeyInfo,
                                  tokenLabel: token.label, uri: uri.description)
    let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: "Mallory", serialNumber: "Z999999999"),
                                                 key: try TokenPrivateKey(signer))
    return Data(try CertificateRequests.der(csr)).base64EncodedString()
}

/// Runs `body(n)` for every n in `0..<count` at once; each outcome in index order: the value, or the
/// `RAError` it was refused with (any other error fails the call).
func concurrentOutcomes<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [Result<T, RAError>] {
    try await withThrowingTaskGroup(of: (Int, Result<T, RAError>).self) { group in
        for n in 0..<count {
            group.addTask {
                do { return (n, .success(try await body(n))) } catch let error as RAError { return (n, .failure(error)) }
            }
        }
        var all: [(Int, Result<T, RAError>)] = []
        for try await outcome in group { all.append(outcome) }
        return all.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

extension Array {
    /// "ok" for each success, the refusal's code for each `RAError`.
    func codes<T>() -> [String] where Element == Result<T, RAError> {
        map { if case .failure(let error) = $0 { error.code.rawValue } else { "ok" } }
    }
}
