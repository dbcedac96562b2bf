import Localization
import Crypto
import Foundation
import GRDB
import PostgresNIO

/// `tokencert-ra migrate-store`: every record of a SQLite store copied into an empty PostgreSQL
/// database in one transaction, then checked — the same number of rows in every table, and every
/// certificate's DER with the same SHA-256 on both sides.
///
/// Copied: customers and their accounts, identity-check state and live codes, certificates, consents,
/// CRLs (and the CRL number sequence set past them), the audit log with its original times, officers,
/// the store's secret keys, the renewal reminders recorded (so none goes out twice after the move). Not copied: login and officer sessions (everyone logs in again) and the
/// record of used officer challenges (they expire within two minutes).
public enum StoreMigration {
    /// What was copied: table → rows, and the certificates compared by DER hash.
    public struct Report: Sendable, Equatable {
        public var rows: [String: Int]
        public var certificatesCompared: Int
    }

    /// The tables compared by count after the copy.
    static let tables = ["customers", "accounts", "security_state", "one_time_codes", "certificates", "consents", "crls", "audit_log",
                         "officers", "secret_keys", "reminders"]

    /// Copies `source` into `target`, which must hold no customer, certificate or audit event yet.
    /// - Throws: `StoreMigrationError` (`.targetNotEmpty`, `.mismatch`), the stores' errors. On any
    ///   error the PostgreSQL transaction is rolled back: the target stays empty.
    public static func copy(from source: SQLiteRepository, to target: PostgresRepository) async throws -> Report {
        let logger = target.logger
        let snapshot = try source.reading { db in try Snapshot(db) }
        try await target.write { c in
            for table in ["customers", "certificates", "audit_log"] {
                let n = try await c.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*)::bigint FROM \(table)"), logger: logger).collect().first?.decode(Int.self) ?? 0
                if n > 0 { throw StoreMigrationError.targetNotEmpty(table: table, rows: n) }
            }
            for r in snapshot.customers {
                _ = try await c.query("""
                    INSERT INTO customers (id, kind, name, birth_date, mobile, email, password_hash, created_at)
                    VALUES (\(r.string("id")), \(r.string("kind")), \(r.string("name")), \(r.string("birth_date")), \(r.optionalString("mobile")),
                            \(r.optionalString("email")), \(r.string("password_hash")), \(r.date("created_at")))
                    """, logger: logger).collect()
            }
            for r in snapshot.accounts {
                _ = try await c.query("INSERT INTO accounts (customer_id, account) VALUES (\(r.string("customer_id")), \(r.string("account")))",
                                      logger: logger).collect()
            }
            for r in snapshot.security {
                _ = try await c.query("""
                    INSERT INTO security_state (customer_id, birth_date_failures, locked_until, birth_date_verified_at, code_verified_at,
                                                send_window_start, sends_in_window, replaced_identifiers, login_failures, login_locked_until,
                                                identity_session)
                    VALUES (\(r.string("customer_id")), \(r.int("birth_date_failures")), \(r.optionalDate("locked_until")),
                            \(r.optionalDate("birth_date_verified_at")), \(r.optionalDate("code_verified_at")), \(r.optionalDate("send_window_start")),
                            \(r.int("sends_in_window")), \(r.string("replaced_identifiers")), \(r.int("login_failures")),
                            \(r.optionalDate("login_locked_until")), \(r.optionalString("identity_session")))
                    """, logger: logger).collect()
            }
            for r in snapshot.codes {
                _ = try await c.query("""
                    INSERT INTO one_time_codes (customer_id, identifier, salt, code_hash, channel, account, sent_at, expires_at, wrong_tries)
                    VALUES (\(r.string("customer_id")), \(r.string("identifier")), \(r.data("salt")), \(r.data("code_hash")), \(r.string("channel")),
                            \(r.string("account")), \(r.date("sent_at")), \(r.date("expires_at")), \(r.int("wrong_tries")))
                    """, logger: logger).collect()
            }
            for r in snapshot.certificates {
                let der = r.data("der")
                let keyHash = r.optionalString("spki_sha256") ?? SQLiteRepository.spkiSHA256(ofCertificate: [UInt8](der))
                _ = try await c.query("""
                    INSERT INTO certificates (serial, customer_id, request_id, csr_sha256, status, not_before, not_after, issued_at, der,
                                              revoked_at, revocation_reason, revoked_online, replaces_serial, spki_sha256)
                    VALUES (\(r.string("serial")), \(r.string("customer_id")), \(r.string("request_id")), \(r.string("csr_sha256")),
                            \(r.string("status")), \(r.date("not_before")), \(r.date("not_after")), \(r.date("issued_at")), \(der),
                            \(r.optionalDate("revoked_at")), \(r.optionalInt("revocation_reason")), \(r.int("revoked_online") != 0),
                            \(r.optionalString("replaces_serial")), \(keyHash))
                    """, logger: logger).collect()
                _ = try await c.query("""
                    INSERT INTO key_owners (spki_sha256, customer_id) VALUES (\(keyHash), \(r.string("customer_id"))) ON CONFLICT DO NOTHING
                    """, logger: logger).collect()
            }
            for r in snapshot.consents {
                _ = try await c.query("""
                    INSERT INTO consents (customer_id, version, text_sha256, accepted_at)
                    VALUES (\(r.string("customer_id")), \(r.string("version")), \(r.string("text_sha256")), \(r.date("accepted_at")))
                    """, logger: logger).collect()
            }
            for r in snapshot.crls {
                _ = try await c.query("""
                    INSERT INTO crls (number, der, this_update, next_update)
                    VALUES (\(r.int("number")), \(r.data("der")), \(r.date("this_update")), \(r.date("next_update")))
                    """, logger: logger).collect()
            }
            if let highest = snapshot.crls.map({ $0.int("number") }).max() {
                _ = try await c.query("SELECT setval('crl_numbers', \(highest))", logger: logger).collect()
            }
            for r in snapshot.audit {
                _ = try await c.query("""
                    INSERT INTO audit_log (at, customer_id, actor, action, outcome, detail)
                    VALUES (\(r.date("at")), \(r.optionalString("customer_id")), \(r.string("actor")), \(r.string("action")), \(r.string("outcome")),
                            \(r.string("detail")))
                    """, logger: logger).collect()
            }
            for r in snapshot.officers {
                _ = try await c.query("""
                    INSERT INTO officers (name, certificate, created_at) VALUES (\(r.string("name")), \(r.data("certificate")), \(r.date("created_at")))
                    """, logger: logger).collect()
            }
            for r in snapshot.reminders {
                _ = try await c.query("""
                    INSERT INTO reminders (serial, kind, customer_id, state, claimed_at, finished_at, channels_sent, attempts)
                    VALUES (\(r.string("serial")), \(r.string("kind")), \(r.string("customer_id")), \(r.string("state")), \(r.date("claimed_at")),
                            \(r.optionalDate("finished_at")), \(r.string("channels_sent")), \(r.int("attempts")))
                    """, logger: logger).collect()
            }
            for r in snapshot.secretKeys {
                _ = try await c.query("INSERT INTO secret_keys (name, key) VALUES (\(r.string("name")), \(r.data("key")))", logger: logger).collect()
            }
            // The check, inside the transaction: a mismatch rolls everything back.
            for table in tables {
                let n = try await c.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*)::bigint FROM \(table)"), logger: logger).collect().first?.decode(Int.self) ?? 0
                guard n == snapshot.counts[table] else { throw StoreMigrationError.mismatch("\(table): \(snapshot.counts[table] ?? 0) rows in SQLite, \(n) in PostgreSQL") }
            }
            var copied: [String: String] = [:]
            for row in try await c.query("SELECT serial, der FROM certificates", logger: logger).collect() {
                let (serial, der) = try row.decode((String, Data).self)
                copied[serial] = hexString(SHA256.hash(data: der))
            }
            for r in snapshot.certificates where copied[r.string("serial")] != hexString(SHA256.hash(data: r.data("der"))) {
                throw StoreMigrationError.mismatch("certificate \(r.string("serial")): its DER differs after the copy")
            }
        }
        return Report(rows: snapshot.counts, certificatesCompared: snapshot.certificates.count)
    }

    /// Every row to copy, read in one SQLite read transaction (a consistent picture of a store that
    /// keeps serving meanwhile).
    struct Snapshot: Sendable {
        var customers: [Values] = [], accounts: [Values] = [], security: [Values] = [], codes: [Values] = [], certificates: [Values] = []
        var consents: [Values] = [], crls: [Values] = [], audit: [Values] = [], officers: [Values] = [], secretKeys: [Values] = []
        var reminders: [Values] = []
        var counts: [String: Int] = [:]

        init(_ db: Database) throws {
            func all(_ sql: String) throws -> [Values] { try Row.fetchAll(db, sql: sql).map(Values.init) }
            customers = try all("SELECT * FROM customers ORDER BY id")
            accounts = try all("SELECT * FROM accounts")
            security = try all("SELECT * FROM security_state")
            codes = try all("SELECT * FROM one_time_codes")
            certificates = try all("SELECT * FROM certificates ORDER BY issued_at, serial")
            consents = try all("SELECT * FROM consents ORDER BY id")
            crls = try all("SELECT * FROM crls ORDER BY number")
            audit = try all("SELECT * FROM audit_log ORDER BY id")
            officers = try all("SELECT * FROM officers")
            secretKeys = try all("SELECT * FROM secret_keys")
            reminders = try all("SELECT * FROM reminders")
            counts = ["customers": customers.count, "accounts": accounts.count, "security_state": security.count, "one_time_codes": codes.count,
                      "certificates": certificates.count, "consents": consents.count, "crls": crls.count, "audit_log": audit.count,
                      "officers": officers.count, "secret_keys": secretKeys.count, "reminders": reminders.count]
        }
    }

    /// One SQLite row's values by column, as plain Sendable values.
    struct Values: Sendable {
        var strings: [String: String] = [:], numbers: [String: Double] = [:], integers: [String: Int] = [:], blobs: [String: Data] = [:]

        init(_ row: Row) {
            for (column, value) in row {
                switch value.storage {
                case .string(let s): strings[column] = s
                case .int64(let i): integers[column] = Int(i); numbers[column] = Double(i)
                case .double(let d): numbers[column] = d
                case .blob(let b): blobs[column] = b
                case .null: break
                }
            }
        }

        func string(_ c: String) -> String { strings[c] ?? "" }
        func optionalString(_ c: String) -> String? { strings[c] }
        func int(_ c: String) -> Int { integers[c] ?? Int(numbers[c] ?? 0) }
        func optionalInt(_ c: String) -> Int? { integers[c] }
        func date(_ c: String) -> Date { Date(timeIntervalSince1970: numbers[c] ?? 0) }
        func optionalDate(_ c: String) -> Date? { numbers[c].map { Date(timeIntervalSince1970: $0) } }
        func data(_ c: String) -> Data { blobs[c] ?? Data() }
    }
}

/// A store migration that could not be done; nothing was written.
public enum StoreMigrationError: Error, Hashable, Sendable, CustomStringConvertible {
    case targetNotEmpty(table: String, rows: Int)
    case mismatch(String)

    public var description: String {
        switch self {
        case .targetNotEmpty(let table, let rows):
            "the PostgreSQL database is not empty (\(table) has \(rows) rows): migrate into a new database"
        case .mismatch(let what): "the copy does not match the source (\(what)); nothing was written"
        }
    }
}
