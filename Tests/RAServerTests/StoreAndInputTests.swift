import Localization
import CertificateKit
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
@testable import RAServer
import SwiftASN1
import TestSupport
import XCTest

/// Consent records, the store's guarantees, password hashing and customer files.
final class StoreAndInputTests: XCTestCase {
    func testConsentIsRecordedWithVersionTextHashAndTimeAndAStaleOneIsRefused() async throws {
        let h = try await Harness(self, store: .sqlite)
        // The hash the server announces is the SHA-256 of the canonical text, as openssl computes it.
        let digest = try runTool("openssl", ["dgst", "-sha256", "-r"], stdin: Data(Agreement.current.canonicalText.utf8))
        XCTAssertEqual(digest.out.split(separator: " ").first.map(String.init), Agreement.current.sha256)
        XCTAssertTrue(Agreement.current.text.traditionalChinese.contains("兩次"))
        XCTAssertTrue(Agreement.current.text.english.contains("never leaves it"))
        try await h.application.test(.router) { client in
            let api = try await API(client: client).login(Harness.alice.id, Harness.alice.password)
            let shown = try await api.expect(.ok, .get, "/consent")
            XCTAssertNotNil((shown["text"] as? [String: String])?["zh-TW"])
            try await api.expectCode("consent-mismatch", .post, "/consent", ["version": "2020-01", "sha256": Agreement.current.sha256])
            try await api.expectCode("consent-mismatch", .post, "/consent", ["version": Agreement.current.version, "sha256": String(repeating: "0", count: 64)])
            try await api.expectCode("consent-required", .post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            let accepted = try await api.expect(.created, .post, "/consent", ["version": Agreement.current.version, "sha256": Agreement.current.sha256])
            XCTAssertEqual(accepted.string("acceptedAt"), "2026-03-10T02:00:00Z")
        }
        let rows = try XCTUnwrap(h.sqlite).pool.read { db in
            try Row.fetchAll(db, sql: "SELECT customer_id, version, text_sha256, accepted_at FROM consents")
        }
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["customer_id"] as String, Harness.alice.id)
        XCTAssertEqual(rows[0]["version"] as String, Agreement.current.version)
        XCTAssertEqual(rows[0]["text_sha256"] as String, Agreement.current.sha256)
        XCTAssertEqual(rows[0]["accepted_at"] as Double, startDate.timeIntervalSince1970)
    }

    func testTheAuditLogIsAppendOnlyAndTheSchemaIsMigrated() async throws {
        let h = try await Harness(self, store: .sqlite)
        try await h.repository.appendAudit([AuditEvent(at: startDate, customerID: nil, action: "test", outcome: "ok")])
        for sql in ["UPDATE audit_log SET outcome = 'changed'", "DELETE FROM audit_log"] {
            do {
                try await XCTUnwrap(h.sqlite).pool.write { db in try db.execute(sql: sql) }
                XCTFail("\(sql) was allowed")
            } catch let error as DatabaseError {
                XCTAssertTrue(error.message?.contains("append-only") ?? false, "\(error)")
            }
        }
        let log = try await h.repository.auditLog()
        XCTAssertEqual(log.last?.outcome, "ok")
        XCTAssertEqual(try XCTUnwrap(h.sqlite).appliedMigrations(), ["001-initial", "002-renewal", "003-officers", "004-login-lock", "005-identity-session", "006-consents-by-customer", "007-key-per-customer", "008-stateless-officer-challenges", "009-reminders"])
        // Reopening applies nothing twice.
        XCTAssertEqual(try SQLiteRepository(path: XCTUnwrap(h.sqlite).path).appliedMigrations(), ["001-initial", "002-renewal", "003-officers", "004-login-lock", "005-identity-session", "006-consents-by-customer", "007-key-per-customer", "008-stateless-officer-challenges", "009-reminders"])
    }

    /// M4: the database holds birth dates, password hashes and contacts — 0600 files (database,
    /// write-ahead log, shared memory) in a 0700 folder when the RA makes it; a looser file is tightened.
    func testTheDatabaseIsPrivate() throws {
        let base = NSTemporaryDirectory() + "ra-private-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let path = base + "/state/ra.sqlite"
        let previous = umask(0o022)
        defer { umask(previous) }
        do { _ = try SQLiteRepository(path: path) }
        func mode(_ p: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int ?? -1) & 0o777 }
        XCTAssertEqual(try mode(base + "/state"), 0o700)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            XCTAssertEqual(try mode(file), 0o600, file)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        _ = try SQLiteRepository(path: path)
        XCTAssertEqual(try mode(path), 0o600, "a database found 0644 is tightened on start")
    }

    func testPasswordHashesAreSaltedPBKDF2AndVerifyOnlyTheRightPassword() throws {
        let a = try PasswordHasher.hash("correct horse", iterations: 1000)
        let b = try PasswordHasher.hash("correct horse", iterations: 1000)
        XCTAssertNotEqual(a, b, "salted")
        XCTAssertTrue(a.hasPrefix("pbkdf2-sha256$1000$"))
        XCTAssertTrue(PasswordHasher.verify("correct horse", against: a))
        XCTAssertFalse(PasswordHasher.verify("correct horsE", against: a))
        XCTAssertFalse(PasswordHasher.verify("correct horse", against: "plain"))
        // RFC 7914 §11's PBKDF2-HMAC-SHA256 vector (c = 1): "passwd", salt "salt".
        let derived = try PasswordHasher.derive("passwd", salt: Array("salt".utf8), iterations: 1)
        XCTAssertEqual(hexString(derived), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    func testCSVFilesAreReadPerRFC4180WithLineNumbersInErrors() throws {
        let csv = "\u{FEFF}ID,Name,Birth_Date,Mobile,Email,Accounts,Password\r\n"
            + "A123456789,\"王, 小明\",44/2/1,0912345678,a@example.test,1020-1234567;1020-7654321,\"pa\"\"ss,word\"\r\n"
            + "\r\n"
            + "22099131,\"台灣測試\nCo.\",1990-05-04,,ir@example.test,1020-1111111,company-pass\n"
        let rows = try CustomerImport.parseCSV(csv)
        XCTAssertEqual(rows.map(\.line), [2, 4])
        XCTAssertEqual(rows[0].input.name, "王, 小明")
        XCTAssertEqual(rows[0].input.password, "pa\"ss,word")
        XCTAssertEqual(rows[0].input.accounts, ["1020-1234567", "1020-7654321"])
        XCTAssertEqual(rows[1].input.name, "台灣測試\nCo.")
        XCTAssertEqual(rows[1].input.mobile, "")
        let company = try rows[1].input.record(passwordIterations: 1000)
        XCTAssertNil(company.mobile)
        XCTAssertEqual(company.birthDate.rocString, "79/05/04")

        XCTAssertThrowsError(try CustomerImport.parseCSV("id,name\nA123456789,x\n")) { error in
            XCTAssertEqual((error as? CustomerImportError)?.field, "birthdate")
        }
        XCTAssertThrowsError(try CustomerImport.parseCSV("id,name,birth_date,accounts,password\nA123456789,x,44/2/1\n")) { error in
            XCTAssertEqual((error as? CustomerImportError)?.line, 2)
        }
        XCTAssertThrowsError(try CustomerImport.parseCSV("id,name\n\"open,x\n"))
        let bad = CustomerInput(id: "A123456788", name: "x", birthDate: "44/2/1", mobile: "0912345678", email: nil,
                                accounts: ["1020-1234567"], password: "secret-1")
        XCTAssertThrowsError(try bad.record(passwordIterations: 1000)) { error in
            XCTAssertEqual((error as? CustomerImportError)?.field, "id")
        }
        var noPhone = bad
        noPhone.id = "A123456789"
        noPhone.mobile = "0212345678"
        XCTAssertThrowsError(try noPhone.record(passwordIterations: 1000)) { error in
            XCTAssertEqual((error as? CustomerImportError)?.field, "mobile")
        }
    }

    func testServeConfigFilesChangePolicyAndRefuseUnknownKeys() throws {
        let dir = try workDirectory(self)
        try #"{"port": 8443, "policy": {"lockoutHours": 2, "onlineRevocationsPerYear": 3, "codeSendsPerHour": 4}}"#
            .write(toFile: dir + "/ok.json", atomically: true, encoding: .utf8)
        let file = try ServeConfigFile.load(dir + "/ok.json")
        XCTAssertEqual(file.port, 8443)
        let policy = try XCTUnwrap(file.policy).applied(to: .standard)
        XCTAssertEqual(policy.lockoutDuration, 7200)
        XCTAssertEqual(policy.onlineRevocationsPerYear, 3)
        XCTAssertEqual(policy.codeSendsPerWindow, 4)
        XCTAssertEqual(policy.codeLifetime, 300, "unchanged rules keep their defaults")
        try #"{"prot": 8443}"#.write(toFile: dir + "/typo.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ServeConfigFile.load(dir + "/typo.json")) { XCTAssertEqual($0 as? SetupError, .unknownConfigKey("prot")) }
        try #"{"policy": {"lockout": 1}}"#.write(toFile: dir + "/typo2.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ServeConfigFile.load(dir + "/typo2.json")) { XCTAssertEqual($0 as? SetupError, .unknownConfigKey("policy.lockout")) }
    }

    func testAnImportReportsTheFirstBadLineAndStoresNothing() async throws {
        let h = try await Harness(self)
        func input(_ id: String, account: String = "1020-1111111") -> CustomerInput {
            CustomerInput(id: id, name: "x", birthDate: "1980-01-01", mobile: "0911111111", email: nil, accounts: [account], password: "secret-123")
        }
        let bad = [(2, input("22099131")), (3, input("A123456788")), (4, input("B123456780")), (5, input("22099131", account: "12"))]
        do {
            try await CustomerImport.store(bad, into: h.repository, passwordIterations: 1000)
            XCTFail("a bad file was imported")
        } catch let error as CustomerImportError {
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.field, "id")
        }
        let twice = [(2, input("22099131")), (3, input("22099131"))]
        do {
            try await CustomerImport.store(twice, into: h.repository, passwordIterations: 1000)
            XCTFail("a duplicate was imported")
        } catch let error as CustomerImportError {
            XCTAssertEqual(error.line, 3)
            XCTAssertTrue(error.summary.english.contains("appears twice"))
        }
        let stored = try await h.repository.customer(id: "22099131")
        XCTAssertNil(stored, "all or none")
        let count = try await CustomerImport.store([(2, input("22099131"))], into: h.repository, passwordIterations: 1000)
        XCTAssertEqual(count, 1)
    }

    func testPEMTextIsPEMDocumentsTextWithANewline() {
        for length in [0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 500] {
            let der = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(PEMText.encode(der, type: "CERTIFICATE"), PEMDocument(type: "CERTIFICATE", derBytes: der).pemString + "\n",
                           "\(length) bytes")
        }
    }
}
