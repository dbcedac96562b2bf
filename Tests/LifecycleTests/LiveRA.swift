import CertificateKit
import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Lifecycle
import Logging
import RAContract
import RAHTTPClient
import RAServer
import X509
import XCTest

/// An in-process RA (real SQLite file, software CA, outbox folder, hand-moved clock) served on a
/// loopback port by Hummingbird's `.live` test mode, for `HTTPRAClient` to talk to.
struct LiveRA {
    static let customer = (id: "A123456789", name: "王小明", birth: "44/2/1", password: "alice-secret-1", account: "1020-1234567",
                           mobile: "0912345678", email: "alice@example.test")
    /// 2026-03-10 10:00 Asia/Taipei.
    static let start = Date(timeIntervalSince1970: 1_773_108_000)

    let dir: String
    let outbox: String
    let clock: ManualClock
    let service: RAService

    init(_ test: XCTestCase) async throws {
        dir = NSTemporaryDirectory() + "lifecycle-ra-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dir = self.dir
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        outbox = dir + "/outbox"
        clock = ManualClock(Self.start)
        let policy = Policy.standard.with { $0.passwordIterations = 1000 }
        let repository = try SQLiteRepository(path: dir + "/ra.sqlite")
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let subject = try DistinguishedName {
            CountryName("TW")
            OrganizationName("TokenCert Test Securities")
            CommonName("TokenCert Lifecycle Test CA")
        }
        let ca = try await CertificateIssuer.selfSignedCA(subject: subject, key: key, notBefore: Self.start.addingTimeInterval(-86_400),
                                                          notAfter: Self.start.addingTimeInterval(86_400 * 3650))
        let authority = CertificateAuthority(issuer: CertificateIssuer(caCertificate: ca, caKey: key),
                                             organization: "TokenCert Test Securities", crlURL: "http://127.0.0.1/crl")
        service = RAService(repository: repository, authority: authority, policy: policy, clock: clock,
                            delivery: try OutboxDelivery(directory: outbox))
        let c = Self.customer
        try await repository.addCustomers([
            CustomerRecord(id: try CustomerID(c.id), name: c.name, birthDate: try ROCDate.parseBirthDate(c.birth), mobile: c.mobile,
                           email: c.email, accounts: [try SecuritiesAccount(c.account)],
                           passwordHash: try PasswordHasher.hash(c.password, iterations: policy.passwordIterations)),
        ], replace: false)
    }

    /// Serves the RA on 127.0.0.1 (a free port) while `body` runs with a client pointed at it.
    func serve<T: Sendable>(_ body: @Sendable @escaping (HTTPRAClient) async throws -> T) async throws -> T {
        var logger = Logger(label: "lifecycle-ra-test")
        logger.logLevel = .warning
        let app = Application(router: RARoutes.buildRouter(service: service),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            return try await body(HTTPRAClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 20))
        }
    }

    /// The code inside the outbox message with this identifier.
    func code(for identifier: String) throws -> String {
        let codes = try OutboxDelivery(directory: outbox).codes(for: identifier)
        XCTAssertEqual(codes.count, 1, "one message for \(identifier)")
        return try XCTUnwrap(codes.first)
    }
}
