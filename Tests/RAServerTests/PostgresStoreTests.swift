import Localization
import CertificateKit
import Domain
import Foundation
import Logging
import PostgresNIO
@testable import RAServer
import TestSupport
import XCTest

/// The PostgreSQL store's own behaviour, on the test command's private PostgreSQL 15 cluster: the
/// schema migrated once when instances start together, the audit log append-only, and the rules exact
/// when two RA instances (two services, each with its own connection pool) share one database.
final class PostgresStoreTests: XCTestCase {
    func testInstancesStartingTogetherMigrateOnceAndTheAuditLogIsAppendOnly() async throws {
        let location = try await TestPostgres.freshDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresRepository.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresRepository(location: location, password: nil, maximumConnections: 2) } }
            var all: [PostgresRepository] = []
            for try await store in group { all.append(store) }
            return all
        }
        for store in stores { addTeardownBlock { await store.shutdown() } }
        let applied = try await stores[0].appliedMigrations()
        XCTAssertEqual(applied, PostgresRepository.migrations.map(\.id))
        let ping = await stores[1].ping()
        XCTAssertTrue(ping)
        try await stores[0].appendAudit([AuditEvent(at: Date(), customerID: nil, actor: "system", action: "test", outcome: "ok")])
        for statement in ["UPDATE audit_log SET outcome = 'changed'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
            do {
                _ = try await stores[2].client.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test")).collect()
                XCTFail("\(statement) was allowed")
            } catch let error as PSQLError {
                XCTAssertTrue(String(reflecting: error).contains("append-only"), "\(statement): \(String(reflecting: error))")
            }
        }
        let log = try await stores[3].auditLog()
        XCTAssertEqual(log.map(\.outcome), ["ok"])
    }

    /// Two instances on one database: twenty revocations for one customer, spread over both at once,
    /// never exceed the yearly limit; every CRL number is drawn once; the latest CRL lists both.
    func testTwoInstancesKeepTheYearlyRevocationLimitAndCRLNumbersExact() async throws {
        let h = try await Harness(self, store: .postgres)
        let now = h.clock.now()
        try await CertificateRuleTests.seedActiveCertificates(h, count: 20, serialPrefix: "05", now: now)
        let second = try await h.reopenedStore(self)
        let services = try [h.repository, second].map { store in
            RAService(repository: AlwaysIdentified(base: store, now: now), authority: h.authority, policy: h.policy, clock: h.clock,
                      delivery: try OutboxDelivery(directory: h.outbox))
        }
        let outcomes = try await concurrentOutcomes(20) { n in
            try await services[n % 2].revoke(customerID: Harness.alice.id, session: AlwaysIdentified.session,
                                             serial: String(format: "05%02x", n), reason: .keyCompromise).crlNumber
        }
        let results = outcomes.codes()
        XCTAssertEqual(results.filter { $0 == "ok" }.count, h.policy.onlineRevocationsPerYear, "\(results)")
        XCTAssertEqual(results.filter { $0 == "revocations-used-up" }.count, 20 - h.policy.onlineRevocationsPerYear, "\(results)")
        let numbers = outcomes.compactMap { try? $0.get() }
        XCTAssertEqual(Set(numbers).count, numbers.count, "one CRL per revocation, each its own number: \(numbers)")
        let latestCRL = try await second.latestCRL()
        let latest = try XCTUnwrap(latestCRL)
        let revoked = try await h.repository.revokedEntries()
        XCTAssertEqual(revoked.count, h.policy.onlineRevocationsPerYear)
        let crlPath = h.dir + "/latest.crl"
        try Data(latest.der).write(to: URL(fileURLWithPath: crlPath))
        let text = try runTool("openssl", ["crl", "-inform", "DER", "-in", crlPath, "-CAfile", try h.caPEMPath, "-noout", "-text"])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("verify OK") || text.err.contains("verify OK"), text.out + text.err)
        for entry in revoked {
            XCTAssertTrue(text.out.uppercased().contains(hexString(entry.serialNumber).uppercased()), "the latest CRL lists \(hexString(entry.serialNumber))")
        }
    }

    /// The same request id sent to both instances at once gives one certificate; ten applies with
    /// different ids at once on both give one active certificate.
    func testTwoInstancesIssueOneCertificatePerRequestIDAndOneActiveCertificate() async throws {
        let h = try await Harness(self, store: .postgres)
        let now = h.clock.now()
        for id in [Harness.alice.id, Harness.bob.id] {
            try await h.repository.transact(customerID: id) { ledger in
                ledger.consents.append(ConsentRecord(customerID: id, version: Agreement.current.version,
                                                     textSHA256: Agreement.current.sha256, acceptedAt: now))
            }
        }
        let second = try await h.reopenedStore(self)
        let services = try [h.repository, second].map { store in
            RAService(repository: AlwaysIdentified(base: store, now: now), authority: h.authority, policy: h.policy, clock: h.clock,
                      delivery: try OutboxDelivery(directory: h.outbox))
        }
        let csrText = try await softwareCSR()
        let csr = Array(try XCTUnwrap(Data(base64Encoded: csrText)))
        let same = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<2 {
                group.addTask {
                    try await services[n].issue(customerID: Harness.bob.id, session: AlwaysIdentified.session, requestID: "both", csr: csr).0.serial
                }
            }
            var all: [String] = []
            for try await serial in group { all.append(serial) }
            return all
        }
        XCTAssertEqual(Set(same).count, 1, "one certificate for one request id: \(same)")
        var csrs: [[UInt8]] = []
        for _ in 0..<10 {
            let text = try await softwareCSR()
            csrs.append(Array(try XCTUnwrap(Data(base64Encoded: text))))
        }
        let requests = csrs
        let outcomes = try await concurrentOutcomes(10) { n in
            _ = try await services[n % 2].issue(customerID: Harness.alice.id, session: AlwaysIdentified.session, requestID: "apply-\(n)",
                                                csr: requests[n])
        }.codes()
        XCTAssertEqual(outcomes.filter { $0 == "ok" }.count, 1, "\(outcomes)")
        XCTAssertEqual(outcomes.filter { $0 == "active-certificate-exists" }.count, 9, "\(outcomes)")
        let status = try await h.service.status(customerID: Harness.alice.id)
        XCTAssertEqual(status.certificates.filter { $0.state == .active }.count, 1)
    }
}

extension PostgresStoreTests {
    /// `tokencert-ra migrate-store` copies a SQLite store that has seen a journey — customers,
    /// consents, certificates issued and revoked, CRLs, officers, the audit log — into an empty
    /// PostgreSQL database: every record there, the same certificates by DER, the same audit log; the
    /// CRL numbers go on from the copied ones; a second copy into it is refused.
    func testMigratingAPopulatedSQLiteStoreKeepsEveryRecord() async throws {
        let h = try await Harness(self, store: .sqlite)
        try await h.repository.addOfficer(name: "陳專員", certificate: [0x30, 0x00], at: startDate)
        try await h.application.test(.router) { client in
            let api = try await aliceReady(client)
            for n in 1...2 {
                let revoked = try await CertificateRuleTests.issueAndRevoke(h, api, n)
                XCTAssertEqual(revoked.status, .ok, "\(revoked.json)")
            }
        }
        let sqlite = try XCTUnwrap(h.sqlite)
        // A renewal reminder sent before the move.
        try await ReminderTests.seed(h, Harness.bob.id, [("b1", .active, ReminderTests.notAfter)])
        h.clock.set(ReminderTests.notAfter - 20 * 86_400)
        let sentBefore = try await RenewalReminders(repository: sqlite, policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox)).run()
        XCTAssertEqual(sentBefore.sent.count, 1)
        let location = try await TestPostgres.freshDatabase()
        let url = try TestPostgres.baseURL().replacingOccurrences(of: "/postgres?", with: "/\(location.database)?")
        let migrated = try runTool(builtExecutable("tokencert-ra"), ["migrate-store", "--from", sqlite.path, "--to", url])
        XCTAssertEqual(migrated.status, 0, migrated.out + migrated.err)
        XCTAssertTrue(migrated.out.contains("certificates: 3 compared by DER SHA-256"), migrated.out)

        let postgres = try await PostgresRepository(location: location, password: nil, maximumConnections: 2)
        addTeardownBlock { await postgres.shutdown() }
        for id in [Harness.alice.id, Harness.bob.id] {
            let before = try await sqlite.customer(id: id), after = try await postgres.customer(id: id)
            XCTAssertEqual(before, after, id)
        }
        let ledger = { (store: any RARepository) in try await store.transact(customerID: Harness.alice.id) { $0.certificates } }
        let sqliteCertificates = try await ledger(sqlite), postgresCertificates = try await ledger(postgres)
        XCTAssertEqual(sqliteCertificates.count, 2)
        XCTAssertEqual(sqliteCertificates, postgresCertificates)
        let sqliteAudit = try await sqlite.auditLog(), postgresAudit = try await postgres.auditLog()
        XCTAssertEqual(sqliteAudit, postgresAudit)
        let sqliteCRL = try await sqlite.latestCRL(), postgresCRL = try await postgres.latestCRL()
        XCTAssertEqual(sqliteCRL, postgresCRL)
        let next = try await postgres.nextCRLNumber()
        XCTAssertEqual(next, (sqliteCRL?.number ?? 0) + 1, "CRL numbers go on from the copied ones")
        let officer = try await postgres.officerCertificate(name: "陳專員")
        XCTAssertEqual(officer, [0x30, 0x00])
        // ... is not sent again after it.
        let sentAfter = try await RenewalReminders(repository: postgres, policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox)).run()
        XCTAssertEqual(sentAfter.sent.count, 0, "\(sentAfter)")
        XCTAssertEqual(sentAfter.alreadyDone, 1, "\(sentAfter)")
        // The online backup of the SQLite store (SQLite's backup API) holds the same, and sqlite3 finds it sound.
        let backup = try runTool(builtExecutable("tokencert-ra"), ["backup", "--database", sqlite.path, "--to", h.dir + "/copy.sqlite"])
        XCTAssertEqual(backup.status, 0, backup.out + backup.err)
        let copied = try SQLiteRepository(path: h.dir + "/copy.sqlite")
        let copiedAudit = try await copied.auditLog()
        XCTAssertEqual(copiedAudit, sqliteAudit)
        let mode = try FileManager.default.attributesOfItem(atPath: h.dir + "/copy.sqlite")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let overwrite = try runTool(builtExecutable("tokencert-ra"), ["backup", "--database", sqlite.path, "--to", h.dir + "/copy.sqlite"])
        XCTAssertNotEqual(overwrite.status, 0, "an existing file is never overwritten")
        let again = try runTool(builtExecutable("tokencert-ra"), ["migrate-store", "--from", sqlite.path, "--to", url])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("not empty"), again.err)
    }
}

extension PostgresStoreTests {
    /// When the CRL is due for re-signing, ten requests for it spread over two instances at once sign
    /// one new CRL, not ten: one instance leads (an advisory lock), the others serve the latest stored.
    func testTwoInstancesReSignADueCRLOnce() async throws {
        let h = try await Harness(self, store: .postgres)
        let second = try await h.reopenedStore(self)
        let services = try [h.repository, second].map { store in
            RAService(repository: store, authority: h.authority, policy: h.policy, clock: h.clock, delivery: try OutboxDelivery(directory: h.outbox))
        }
        let first = try await services[0].publishCRL()
        h.clock.advance(h.policy.crlLifetime / 2 + 60)
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<10 { group.addTask { try await services[n % 2].currentCRL().number } }
            var all: [Int] = []
            for try await number in group { all.append(number) }
            return all
        }
        let latest = try await h.repository.latestCRL()
        XCTAssertEqual(latest?.number, first.number + 1, "one new CRL: \(numbers)")
        XCTAssertTrue(numbers.allSatisfy { $0 == first.number || $0 == first.number + 1 }, "\(numbers)")
        let next = try await services[1].currentCRL()
        XCTAssertEqual(next.number, first.number + 1, "fresh now: served as stored")
    }
}

extension PostgresStoreTests {
    /// TLS to the database (the test cluster takes TCP only with TLS and a SCRAM password): with
    /// `sslmode=verify-full` and the cluster's CA as `sslrootcert`, the shipped CLI imports customers
    /// with the password from a file, and the connection is TLS by the server's own account
    /// (`pg_stat_ssl`). Without the CA (`sslmode=require`: the system's CAs) the server is not trusted;
    /// without `sslmode` the server refuses plain TCP; `prefer`, a password in the URL and a stray
    /// `sslrootcert` are refused before connecting.
    func testTLSToTheDatabaseVerifiesTheServerAndPlainTextIsRefused() async throws {
        let location = try await TestPostgres.freshDatabase()
        let (base, passwordFile) = try TestPostgres.tlsURL()
        let url = base.replacingOccurrences(of: "/postgres?", with: "/\(location.database)?")
        let dir = try workDirectory(self, "pgtls")
        let csv = "id,name,birth_date,mobile,email,accounts,password\n\(Harness.alice.id),\(Harness.alice.name),\(Harness.alice.birth),\(Harness.alice.mobile),,\(Harness.alice.account),\(Harness.alice.password)\n"
        try csv.write(toFile: dir + "/customers.csv", atomically: true, encoding: .utf8)
        let binary = builtExecutable("tokencert-ra")
        let imported = try runTool(binary, ["customer", "import", "--database", url, "--database-password-file", passwordFile, dir + "/customers.csv"])
        XCTAssertEqual(imported.status, 0, imported.out + imported.err)

        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try await PostgresRepository(location: try .init(url: url), password: password, maximumConnections: 1)
        addTeardownBlock { await store.shutdown() }
        let tls = try await store.client.query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "test"))
            .collect().first?.decode((Bool, String?).self)
        XCTAssertEqual(tls?.0, true, "the server says this connection is TLS")
        XCTAssertTrue(tls?.1?.hasPrefix("TLSv1.") == true, "\(String(describing: tls))")
        let alice = try await store.customer(id: Harness.alice.id)
        XCTAssertNotNil(alice)

        // The system's CAs do not know the run's CA: refused, and the message says it is the certificate.
        let untrusted = url.replacingOccurrences(of: "sslmode=verify-full", with: "sslmode=require")
            .replacingOccurrences(of: #"&sslrootcert=[^&]*"#, with: "", options: .regularExpression)
        // Said at once (the first connection is tried on its own), not after the pool's minute of retries.
        let started = Date()
        let refused = try runTool(binary, ["customer", "import", "--database", untrusted, "--database-password-file", passwordFile, dir + "/customers.csv"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("TLS certificate did not verify (CERTIFICATE_VERIFY_FAILED)"), refused.err)
        XCTAssertTrue(refused.err.contains("sslrootcert=FILE"), refused.err)
        // Plain TCP: the server refuses it (pg_hba: hostnossl … reject), and the remedy says TLS.
        let plain = untrusted.replacingOccurrences(of: "?sslmode=require", with: "")
        let plainRefused = try runTool(binary, ["customer", "import", "--database", plain, "--database-password-file", passwordFile, dir + "/customers.csv"])
        XCTAssertNotEqual(plainRefused.status, 0)
        XCTAssertTrue(plainRefused.err.contains("no encryption"), plainRefused.err)
        XCTAssertTrue(plainRefused.err.contains("add sslmode=verify-full"), plainRefused.err)
        // A wrong password: the server's word for it (in zh-TW when asked).
        try "wrong-password\n".write(toFile: dir + "/wrong", atomically: true, encoding: .utf8)
        let wrong = try runTool(binary, ["customer", "import", "--database", url, "--database-password-file", dir + "/wrong", dir + "/customers.csv"],
                                environment: ["LC_ALL": "zh_TW.UTF-8"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("拒絕連線") && wrong.err.contains("password authentication failed"), wrong.err)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "three refusals within seconds")

        XCTAssertThrowsError(try PostgresRepository.Location(url: url.replacingOccurrences(of: "sslmode=verify-full", with: "sslmode=prefer"))) {
            XCTAssertEqual($0 as? PostgresLocationError, .unsupportedSSLMode("prefer"))
        }
        XCTAssertThrowsError(try PostgresRepository.Location(url: url.replacingOccurrences(of: "tokencert@", with: "tokencert:secret@"))) {
            XCTAssertEqual($0 as? PostgresLocationError, .passwordInURL)
        }
        XCTAssertThrowsError(try PostgresRepository.Location(url: url.replacingOccurrences(of: "sslmode=verify-full", with: "sslmode=disable"))) {
            XCTAssertEqual($0 as? PostgresLocationError, .rootCertificateWithoutTLS)
        }
        let socket = try PostgresRepository.Location(url: "postgres://ra@/tokencert?host=/run/postgresql&port=5433")
        XCTAssertEqual(socket.unixSocketPath, "/run/postgresql/.s.PGSQL.5433")
        let verifyCA = try PostgresRepository.Location(url: "postgres://ra@db.internal/tokencert?sslmode=verify-ca")
        XCTAssertEqual(verifyCA.requireTLS, true)
        XCTAssertEqual(verifyCA.verifyHostName, false)
    }
}
