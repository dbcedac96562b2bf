public import CertificateKit
import Domain
public import Localization
public import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import X509

/// The RA's records in PostgreSQL (postgres-nio), for several RA instances on one database.
///
/// Every operation is one transaction at READ COMMITTED. `transact(customerID:_:)` starts with
/// `SELECT … FOR UPDATE` on the customer's row, so two requests for one customer — on one instance
/// or on two — never interleave: the yearly revocation limit, the one-active-certificate rule, code
/// tries, the birth-date lockout and request ids stay exact. Unique constraints are the last line:
/// issuer serial, customer + request id, and one owner per key (`key_owners`), which also orders two
/// customers presenting one key at once.
///
/// The schema is migrated on start under a PostgreSQL advisory lock (`pg_advisory_lock`), so
/// instances starting together never race; applied migrations are listed in `schema_migrations`.
/// Times are `timestamptz`, DER and hashes `bytea` or hex text, as in the SQLite store.
public final class PostgresRepository: RARepository, @unchecked Sendable {
    /// Where the database is and who logs in.
    public struct Location: Sendable, Equatable {
        public var host: String?
        public var port: Int
        public var unixSocketPath: String?
        public var username: String
        public var database: String
        /// TLS to the server: off (`sslmode` absent or `disable`), or required with the server's
        /// certificate verified (`require`, `verify-ca`, `verify-full`).
        public var requireTLS: Bool
        /// `sslmode=verify-ca`: the chain is verified but not the host name.
        public var verifyHostName = true
        /// `sslrootcert=FILE`: the CA certificates (PEM) that may sign the server's certificate, instead
        /// of the system's.
        public var rootCertificatePath: String?

        /// Parses `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=require[&sslrootcert=FILE]]` or, for a Unix
        /// socket, `postgres://USER@/DATABASE?host=/run/postgresql[&port=5433]` (libpq's form). A password in the URL
        /// is refused: it would be on the command line; give it from a file or the environment.
        ///
        /// Unlike libpq, `sslmode=require` verifies the server's certificate (against `sslrootcert` or the
        /// system's CAs) and its host name: TLS that accepts any certificate protects from no one
        /// in the middle. `verify-ca` skips only the host-name check; `prefer` and `allow` are refused
        /// (they fall back to plain text silently).
        /// - Throws: `PostgresLocationError`.
        public init(url text: String) throws(PostgresLocationError) {
            guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme?.lowercased() ?? "") else {
                throw PostgresLocationError.notAPostgresURL
            }
            guard url.password == nil else { throw PostgresLocationError.passwordInURL }
            let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
            host = url.host.flatMap { $0.isEmpty ? nil : $0 }
            // libpq takes the port in the authority or as `?port=` (the form a socket URL needs).
            if let given = query["port"] {
                guard let number = Int(given), (1...65535).contains(number) else { throw PostgresLocationError.badPort(given) }
                port = number
            } else {
                port = url.port ?? 5432
            }
            let socketPort = port
            unixSocketPath = query["host"].flatMap { $0.hasPrefix("/") ? "\($0)/.s.PGSQL.\(socketPort)" : nil }
            if host == nil, unixSocketPath == nil { throw PostgresLocationError.noHost }
            username = url.user ?? NSUserName()
            let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
            guard !path.isEmpty else { throw PostgresLocationError.noDatabase }
            database = path
            switch query["sslmode"] ?? "disable" {
            case "disable": requireTLS = false
            case "require", "verify-full": requireTLS = true
            case "verify-ca":
                requireTLS = true
                verifyHostName = false
            case let mode: throw PostgresLocationError.unsupportedSSLMode(mode)
            }
            rootCertificatePath = query["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
            if rootCertificatePath != nil, !requireTLS { throw PostgresLocationError.rootCertificateWithoutTLS }
        }
    }

    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    /// The database URL without secrets, for logs and `/health`.
    public let location: Location

    /// Connects once on its own (so that a wrong address, certificate, password or `pg_hba.conf` rule
    /// is said at once, not after the pool's minute of retries), then starts the client (a pool of up
    /// to `maximumConnections`) and applies pending migrations.
    /// - Throws: `DatabaseConnectionError` when the first connection fails; `PSQLError` when a
    ///   migration fails.
    public init(location: Location, password: String?, maximumConnections: Int = 20,
                logger: Logger = Logger(label: "tokencert-ra.postgres")) async throws {
        var configuration: PostgresClient.Configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = location.verifyHostName ? .fullVerification : .noHostnameVerification
        if let roots = location.rootCertificatePath {
            tls.trustRoots = .file(roots)
        }
        if let socket = location.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: location.username, password: password, database: location.database)
        } else {
            configuration = .init(host: location.host ?? "localhost", port: location.port, username: location.username, password: password,
                                  database: location.database, tls: location.requireTLS ? .require(tls) : .disable)
        }
        // The schema is migrated on the first connection, before the pool exists.
        try await Self.firstConnection(location, password: password, tls: tls) { connection in
            try await Self.migrate(connection, logger: logger)
        }
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.location = location
        self.logger = logger
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// One connection with what the pool will use, for `body`, then closed.
    /// - Throws: `DatabaseConnectionError` saying why it could not be opened; what `body` throws.
    static func firstConnection(_ location: Location, password: String?, tls: TLSConfiguration,
                                _ body: (PostgresConnection) async throws -> Void) async throws {
        let configuration: PostgresConnection.Configuration
        if let socket = location.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: location.username, password: password, database: location.database)
        } else {
            let mode: PostgresConnection.Configuration.TLS
            do {
                mode = location.requireTLS ? .require(try NIOSSLContext(configuration: tls)) : .disable
            } catch {
                throw DatabaseConnectionError(location: location, cause: .rootCertificates("\(error)"))
            }
            configuration = .init(host: location.host ?? "localhost", port: location.port, username: location.username, password: password,
                                  database: location.database, tls: mode)
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0,
                                                              logger: Logger(label: "tokencert-ra.postgres.first"))
        } catch {
            throw DatabaseConnectionError(location: location, cause: .init(error))
        }
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// Ends the connection pool.
    public func shutdown() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Schema

    /// The schema, one migration per change; never edit a shipped migration, add one.
    static let migrations: [(id: String, sql: [String])] = [
        ("001-initial", [
            """
            CREATE TABLE customers (
                id text PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('person', 'company')),
                name text NOT NULL,
                birth_date text NOT NULL,
                mobile text,
                email text,
                password_hash text NOT NULL,
                created_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE accounts (
                customer_id text NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                account text NOT NULL,
                PRIMARY KEY (customer_id, account)
            )
            """,
            """
            CREATE TABLE sessions (
                token_sha256 text PRIMARY KEY,
                customer_id text NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE consents (
                id bigserial PRIMARY KEY,
                customer_id text NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                version text NOT NULL,
                text_sha256 text NOT NULL,
                accepted_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX consents_by_customer ON consents(customer_id, id)",
            """
            CREATE TABLE security_state (
                customer_id text PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
                birth_date_failures integer NOT NULL DEFAULT 0,
                locked_until timestamptz,
                birth_date_verified_at timestamptz,
                code_verified_at timestamptz,
                send_window_start timestamptz,
                sends_in_window integer NOT NULL DEFAULT 0,
                replaced_identifiers text NOT NULL DEFAULT '',
                login_failures integer NOT NULL DEFAULT 0,
                login_locked_until timestamptz,
                identity_session text
            )
            """,
            """
            CREATE TABLE one_time_codes (
                customer_id text PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
                identifier text NOT NULL,
                salt bytea NOT NULL,
                code_hash bytea NOT NULL,
                channel text NOT NULL CHECK (channel IN ('sms', 'email')),
                account text NOT NULL,
                sent_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                wrong_tries integer NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE certificates (
                serial text PRIMARY KEY,
                customer_id text NOT NULL REFERENCES customers(id),
                request_id text NOT NULL,
                csr_sha256 text NOT NULL,
                status text NOT NULL CHECK (status IN ('pending', 'active', 'revoked', 'superseded')),
                not_before timestamptz NOT NULL,
                not_after timestamptz NOT NULL,
                issued_at timestamptz NOT NULL,
                der bytea NOT NULL,
                revoked_at timestamptz,
                revocation_reason integer,
                revoked_online boolean NOT NULL DEFAULT false,
                replaces_serial text,
                spki_sha256 text NOT NULL,
                UNIQUE (customer_id, request_id)
            )
            """,
            "CREATE INDEX certificates_by_customer ON certificates(customer_id)",
            "CREATE INDEX certificates_by_key ON certificates(spki_sha256)",
            "CREATE INDEX certificates_revoked ON certificates(revoked_at) WHERE status IN ('revoked', 'superseded')",
            """
            CREATE TABLE key_owners (
                spki_sha256 text PRIMARY KEY,
                customer_id text NOT NULL REFERENCES customers(id)
            )
            """,
            "CREATE SEQUENCE crl_numbers START WITH 1",
            """
            CREATE TABLE crls (
                number bigint PRIMARY KEY,
                der bytea NOT NULL,
                this_update timestamptz NOT NULL,
                next_update timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE audit_log (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL,
                customer_id text,
                actor text NOT NULL,
                action text NOT NULL,
                outcome text NOT NULL,
                detail text NOT NULL
            )
            """,
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
            """,
            """
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
            """,
            """
            CREATE TABLE officers (
                name text PRIMARY KEY,
                certificate bytea NOT NULL,
                created_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE officer_sessions (
                token_sha256 text PRIMARY KEY,
                officer text NOT NULL REFERENCES officers(name) ON DELETE CASCADE,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE TABLE secret_keys (name text PRIMARY KEY, key bytea NOT NULL)",
            "CREATE TABLE used_once (digest text PRIMARY KEY, until timestamptz NOT NULL)",
        ]),
        ("002-reminders", [
            // One row per certificate and reminder kind: the primary key is what sends each reminder once.
            """
            CREATE TABLE reminders (
                serial text NOT NULL REFERENCES certificates(serial),
                kind text NOT NULL CHECK (kind IN ('window-open', 'final')),
                customer_id text NOT NULL REFERENCES customers(id),
                state text NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
                claimed_at timestamptz NOT NULL,
                finished_at timestamptz,
                channels_sent text NOT NULL DEFAULT '',
                attempts integer NOT NULL DEFAULT 1,
                PRIMARY KEY (serial, kind)
            )
            """,
            "CREATE INDEX certificates_active_by_expiry ON certificates(not_after) WHERE status = 'active'",
        ]),
    ]

    /// An arbitrary constant naming TokenCert's migration lock among the database's advisory locks.
    static let migrationLock: Int64 = 0x546F_6B65_6E43_6572 // "TokenCer"

    /// Applies pending migrations, one transaction each, holding the advisory lock on one connection
    /// (a second instance starting at the same time waits, then finds them applied).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        do {
            _ = try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger).collect()
            do {
                _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL)",
                                               logger: logger).collect()
                let applied = Set(try await connection.query("SELECT id FROM schema_migrations", logger: logger).collect()
                    .map { try $0.decode(String.self) })
                for migration in Self.migrations where !applied.contains(migration.id) {
                    try await connection.withTransaction(logger: logger) { connection in
                        for statement in migration.sql {
                            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                        }
                        _ = try await connection.query("INSERT INTO schema_migrations (id, applied_at) VALUES (\(migration.id), now())",
                                                       logger: logger).collect()
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger).collect()
                throw error
            }
            _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger).collect()
        }
    }

    /// The identifiers of the applied migrations, in order.
    public func appliedMigrations() async throws -> [String] {
        try await client.query("SELECT id FROM schema_migrations ORDER BY id", logger: logger).collect().map { try $0.decode(String.self) }
    }

    /// Whether the database answers (`SELECT 1`), for `/health`.
    ///
    /// At most `timeout`: when the database is gone the pool waits for a connection that never comes,
    /// and a health check that hangs is no answer for a load balancer.
    public func ping(timeout: Duration = .seconds(2)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [client, logger] in (try? await client.query("SELECT 1", logger: logger).collect().count) == 1 }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }

    /// One transaction (`BEGIN` … `COMMIT`, `ROLLBACK` when `body` throws). What `body` throws comes
    /// out as itself (postgres-nio wraps it in `PostgresTransactionError`); a failure of `BEGIN` or
    /// `COMMIT` as postgres-nio's error.
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw error.beginError ?? error.commitError ?? error
        }
    }

    // MARK: Customers

    public func addCustomers(_ customers: [CustomerRecord], replace: Bool) async throws {
        try await write { c in
            for customer in customers {
                let id = customer.id.value, kind = SQLiteRepository.kind(customer.id), birth = customer.birthDate.gregorianString
                let exists = try await c.query("SELECT 1 FROM customers WHERE id = \(id) FOR UPDATE", logger: logger).collect().count == 1
                if exists {
                    guard replace else { throw RepositoryError.duplicateCustomer(customer.id.masked) }
                    _ = try await c.query("""
                        UPDATE customers SET kind = \(kind), name = \(customer.name), birth_date = \(birth), mobile = \(customer.mobile),
                            email = \(customer.email), password_hash = \(customer.passwordHash) WHERE id = \(id)
                        """, logger: logger).collect()
                    _ = try await c.query("DELETE FROM accounts WHERE customer_id = \(id)", logger: logger).collect()
                } else {
                    _ = try await c.query("""
                        INSERT INTO customers (id, kind, name, birth_date, mobile, email, password_hash, created_at)
                        VALUES (\(id), \(kind), \(customer.name), \(birth), \(customer.mobile), \(customer.email), \(customer.passwordHash), now())
                        """, logger: logger).collect()
                }
                for account in Set(customer.accounts.map(\.formatted)).sorted() {
                    _ = try await c.query("INSERT INTO accounts (customer_id, account) VALUES (\(id), \(account))", logger: logger).collect()
                }
            }
        }
    }

    public func customer(id: String) async throws -> CustomerRecord? {
        try await client.withConnection { c in try await Self.loadCustomer(c, id, logger: logger) }
    }

    static func loadCustomer(_ c: PostgresConnection, _ id: String, logger: Logger) async throws -> CustomerRecord? {
        let query: PostgresQuery = "SELECT id, name, birth_date, mobile, email, password_hash FROM customers WHERE id = \(id)"
        guard let row = try await c.query(query, logger: logger).collect().first else { return nil }
        let (cid, name, birth, mobile, email, hash) = try row.decode((String, String, String, String?, String?, String).self)
        let accounts = try await c.query("SELECT account FROM accounts WHERE customer_id = \(id) ORDER BY account", logger: logger).collect()
            .map { try $0.decode(String.self) }
        do {
            return CustomerRecord(id: try CustomerID(cid), name: name, birthDate: try ROCDate.parseGregorian(birth), mobile: mobile, email: email,
                                  accounts: try accounts.map { try SecuritiesAccount($0) }, passwordHash: hash)
        } catch {
            throw RepositoryError.corrupt("customer row: \(error)")
        }
    }

    // MARK: Ledger

    public func transact<R: Sendable>(customerID: String, _ body: @Sendable (inout CustomerLedger) throws -> R) async throws -> R {
        let outcome: Result<R, any Error> = try await write { c in
            // The customer's row lock orders every transaction for this customer, on every instance.
            guard let original = try await loadLedger(c, customerID) else { throw RepositoryError.unknownCustomer(customerID) }
            var ledger = original
            do {
                let value = try body(&ledger)
                try await save(c, from: original, to: ledger)
                return .success(value)
            } catch let error as PSQLError {
                throw error
            } catch {
                // A refusal changes nothing but is still recorded.
                try await insertAudit(c, ledger.audit)
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// The customer's ledger in three round trips: the customer's row lock (`FOR UPDATE`, alone: a
    /// statement that waits for a row lock re-reads only the locked row, and anything it joined would
    /// be from before the wait), then the customer with accounts, security state, pending code and
    /// consents in one row (arrays and outer joins), then the certificates.
    func loadLedger(_ c: PostgresConnection, _ id: String) async throws -> CustomerLedger? {
        guard try await c.query("SELECT 1 FROM customers WHERE id = \(id) FOR UPDATE", logger: logger).collect().count == 1 else { return nil }
        guard let found = try await c.query("""
            SELECT c.id, c.name, c.birth_date, c.mobile, c.email, c.password_hash,
                   ARRAY(SELECT a.account FROM accounts a WHERE a.customer_id = c.id ORDER BY a.account) AS accounts,
                   s.customer_id IS NOT NULL AS has_security, s.birth_date_failures, s.locked_until, s.birth_date_verified_at,
                   s.code_verified_at, s.send_window_start, s.sends_in_window, s.replaced_identifiers, s.login_failures,
                   s.login_locked_until, s.identity_session,
                   o.identifier, o.salt, o.code_hash, o.channel, o.account AS code_account, o.sent_at, o.expires_at, o.wrong_tries,
                   ARRAY(SELECT n.version FROM consents n WHERE n.customer_id = c.id ORDER BY n.id) AS consent_versions,
                   ARRAY(SELECT n.text_sha256 FROM consents n WHERE n.customer_id = c.id ORDER BY n.id) AS consent_hashes,
                   ARRAY(SELECT n.accepted_at FROM consents n WHERE n.customer_id = c.id ORDER BY n.id) AS consent_times
            FROM customers c
            LEFT JOIN security_state s ON s.customer_id = c.id
            LEFT JOIN one_time_codes o ON o.customer_id = c.id
            WHERE c.id = \(id)
            """, logger: logger).collect().first else { return nil }
        let row = found.makeRandomAccess()
        let customer: CustomerRecord
        do {
            let accounts = try row["accounts"].decode([String].self)
            customer = CustomerRecord(id: try CustomerID(try row["id"].decode(String.self)), name: try row["name"].decode(String.self),
                                      birthDate: try ROCDate.parseGregorian(try row["birth_date"].decode(String.self)),
                                      mobile: try row["mobile"].decode(String?.self), email: try row["email"].decode(String?.self),
                                      accounts: try accounts.map { try SecuritiesAccount($0) }, passwordHash: try row["password_hash"].decode(String.self))
        } catch let error as PostgresDecodingError {
            throw error
        } catch {
            throw RepositoryError.corrupt("customer row: \(error)")
        }
        var security = SecurityState()
        if try row["has_security"].decode(Bool.self) {
            security.birthDateFailures = try row["birth_date_failures"].decode(Int.self)
            security.lockedUntil = try row["locked_until"].decode(Date?.self)
            security.birthDateVerifiedAt = try row["birth_date_verified_at"].decode(Date?.self)
            security.codeVerifiedAt = try row["code_verified_at"].decode(Date?.self)
            security.sendWindowStart = try row["send_window_start"].decode(Date?.self)
            security.sendsInWindow = try row["sends_in_window"].decode(Int.self)
            security.replacedIdentifiers = try row["replaced_identifiers"].decode(String.self).split(separator: ",").map(String.init)
            security.loginFailures = try row["login_failures"].decode(Int.self)
            security.loginLockedUntil = try row["login_locked_until"].decode(Date?.self)
            security.identitySession = try row["identity_session"].decode(String?.self)
        }
        if let identifier = try row["identifier"].decode(String?.self) {
            security.code = OneTimeCode(identifier: identifier, salt: [UInt8](try row["salt"].decode(Data.self)),
                                        codeHash: [UInt8](try row["code_hash"].decode(Data.self)), channel: try row["channel"].decode(String.self),
                                        account: try row["code_account"].decode(String.self), sentAt: try row["sent_at"].decode(Date.self),
                                        expiresAt: try row["expires_at"].decode(Date.self), wrongTries: try row["wrong_tries"].decode(Int.self))
        }
        let versions = try row["consent_versions"].decode([String].self), hashes = try row["consent_hashes"].decode([String].self)
        let times = try row["consent_times"].decode([Date].self)
        guard versions.count == hashes.count, hashes.count == times.count else { throw RepositoryError.corrupt("consents") }
        let consents = (0..<versions.count).map { ConsentRecord(customerID: id, version: versions[$0], textSHA256: hashes[$0], acceptedAt: times[$0]) }
        return CustomerLedger(customer: customer, security: security, certificates: try await loadCertificates(c, id), consents: consents)
    }

    static let certificateColumns = """
        serial, customer_id, request_id, csr_sha256, status, not_before, not_after, issued_at, der, revoked_at, revocation_reason,
        revoked_online, replaces_serial
        """

    static func certificateRecord(_ row: PostgresRow) throws -> CertificateRecord {
        let d = try row.decode((String, String, String, String, String, Date, Date, Date, Data, Date?, Int?, Bool, String?).self)
        guard let status = CertificateState(rawValue: d.4) else { throw RepositoryError.corrupt("certificate status") }
        return CertificateRecord(serial: d.0, customerID: d.1, requestID: d.2, csrSHA256: d.3, status: status, notBefore: d.5, notAfter: d.6,
                                 issuedAt: d.7, der: [UInt8](d.8), revokedAt: d.9, revocationReason: d.10.flatMap(RevocationReason.init(rawValue:)),
                                 revokedOnline: d.11, replacesSerial: d.12)
    }

    func loadCertificates(_ c: PostgresConnection, _ id: String) async throws -> [CertificateRecord] {
        try await c.query(PostgresQuery(unsafeSQL: "SELECT \(Self.certificateColumns) FROM certificates WHERE customer_id = $1 ORDER BY issued_at, serial",
                                        binds: Self.binds(id)), logger: logger).collect().map(Self.certificateRecord)
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    func save(_ c: PostgresConnection, from old: CustomerLedger, to new: CustomerLedger) async throws {
        let id = new.customer.id.value
        if old.security != new.security {
            let s = new.security
            let replaced = s.replacedIdentifiers.joined(separator: ",")
            _ = try await c.query("""
                INSERT INTO security_state (customer_id, birth_date_failures, locked_until, birth_date_verified_at, code_verified_at,
                                            send_window_start, sends_in_window, replaced_identifiers, login_failures, login_locked_until,
                                            identity_session)
                VALUES (\(id), \(s.birthDateFailures), \(s.lockedUntil), \(s.birthDateVerifiedAt), \(s.codeVerifiedAt), \(s.sendWindowStart),
                        \(s.sendsInWindow), \(replaced), \(s.loginFailures), \(s.loginLockedUntil), \(s.identitySession))
                ON CONFLICT (customer_id) DO UPDATE SET
                    birth_date_failures = excluded.birth_date_failures, locked_until = excluded.locked_until,
                    birth_date_verified_at = excluded.birth_date_verified_at, code_verified_at = excluded.code_verified_at,
                    send_window_start = excluded.send_window_start, sends_in_window = excluded.sends_in_window,
                    replaced_identifiers = excluded.replaced_identifiers, login_failures = excluded.login_failures,
                    login_locked_until = excluded.login_locked_until, identity_session = excluded.identity_session
                """, logger: logger).collect()
            if old.security.code != s.code {
                if let code = s.code {
                    _ = try await c.query("""
                        INSERT INTO one_time_codes (customer_id, identifier, salt, code_hash, channel, account, sent_at, expires_at, wrong_tries)
                        VALUES (\(id), \(code.identifier), \(Data(code.salt)), \(Data(code.codeHash)), \(code.channel), \(code.account),
                                \(code.sentAt), \(code.expiresAt), \(code.wrongTries))
                        ON CONFLICT (customer_id) DO UPDATE SET
                            identifier = excluded.identifier, salt = excluded.salt, code_hash = excluded.code_hash, channel = excluded.channel,
                            account = excluded.account, sent_at = excluded.sent_at, expires_at = excluded.expires_at, wrong_tries = excluded.wrong_tries
                        """, logger: logger).collect()
                } else {
                    _ = try await c.query("DELETE FROM one_time_codes WHERE customer_id = \(id)", logger: logger).collect()
                }
            }
        }
        let before = Dictionary(old.certificates.map { ($0.serial, $0) }, uniquingKeysWith: { a, _ in a })
        for cert in new.certificates where before[cert.serial] != cert {
            guard cert.customerID == id else { throw RepositoryError.corrupt("certificate for another customer") }
            if before[cert.serial] == nil {
                // A new certificate: one key, one customer, and a compromised key never again. The
                // key_owners primary key makes two customers presenting one key at once wait for each
                // other; the second then sees the first as owner.
                // One statement: was the key ever revoked for compromise, and who owns it now. The
                // owner read sees rows committed before the statement began; a row that another
                // customer's transaction committed while this one waited on the key shows as neither
                // inserted nor owned — someone else's key, which is what it is.
                let keyHash = SQLiteRepository.spkiSHA256(ofCertificate: cert.der)
                let compromised = RevocationReason.keyCompromise.rawValue
                guard let checked = try await c.query("""
                    WITH claimed AS (
                        INSERT INTO key_owners (spki_sha256, customer_id) VALUES (\(keyHash), \(id)) ON CONFLICT DO NOTHING RETURNING customer_id
                    )
                    SELECT EXISTS (SELECT 1 FROM certificates WHERE spki_sha256 = \(keyHash) AND revocation_reason = \(compromised)),
                           COALESCE((SELECT customer_id FROM claimed), (SELECT customer_id FROM key_owners WHERE spki_sha256 = \(keyHash)))
                    """, logger: logger).collect().first else { throw RepositoryError.corrupt("key check") }
                let (isCompromised, owner) = try checked.decode((Bool, String?).self)
                if isCompromised { throw RAError.keyCompromised }
                if owner != id { throw RAError.keyInUse }
                _ = try await c.query("""
                    INSERT INTO certificates (serial, customer_id, request_id, csr_sha256, status, not_before, not_after, issued_at, der,
                                              revoked_at, revocation_reason, revoked_online, replaces_serial, spki_sha256)
                    VALUES (\(cert.serial), \(id), \(cert.requestID), \(cert.csrSHA256), \(cert.status.rawValue), \(cert.notBefore), \(cert.notAfter),
                            \(cert.issuedAt), \(Data(cert.der)), \(cert.revokedAt), \(cert.revocationReason?.rawValue), \(cert.revokedOnline),
                            \(cert.replacesSerial), \(keyHash))
                    """, logger: logger).collect()
            } else {
                _ = try await c.query("""
                    UPDATE certificates SET status = \(cert.status.rawValue), revoked_at = \(cert.revokedAt),
                        revocation_reason = \(cert.revocationReason?.rawValue), revoked_online = \(cert.revokedOnline)
                    WHERE serial = \(cert.serial)
                    """, logger: logger).collect()
            }
        }
        for consent in new.consents.dropFirst(old.consents.count) {
            _ = try await c.query("""
                INSERT INTO consents (customer_id, version, text_sha256, accepted_at) VALUES (\(id), \(consent.version), \(consent.textSHA256),
                \(consent.acceptedAt))
                """, logger: logger).collect()
        }
        try await insertAudit(c, new.audit)
    }

    /// All of `events` in one INSERT (one round trip), in order.
    func insertAudit(_ c: PostgresConnection, _ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        var binds = PostgresBindings(capacity: events.count * 6)
        var rows: [String] = []
        for (n, e) in events.enumerated() {
            binds.append(e.at)
            binds.append(e.customerID)
            binds.append(e.actor)
            binds.append(e.action)
            binds.append(e.outcome)
            binds.append(e.detail)
            let first = n * 6 + 1
            rows.append("(" + (first..<first + 6).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        _ = try await c.query(PostgresQuery(unsafeSQL: "INSERT INTO audit_log (at, customer_id, actor, action, outcome, detail) VALUES "
                                                + rows.joined(separator: ", "), binds: binds), logger: logger).collect()
    }

    // MARK: Sessions

    public func addSession(_ session: SessionRecord) async throws {
        try await write { c in
            _ = try await c.query("DELETE FROM sessions WHERE expires_at < \(session.createdAt)", logger: logger).collect()
            _ = try await c.query("""
                INSERT INTO sessions (token_sha256, customer_id, created_at, expires_at)
                VALUES (\(session.tokenSHA256), \(session.customerID), \(session.createdAt), \(session.expiresAt))
                """, logger: logger).collect()
        }
    }

    public func session(tokenSHA256: String) async throws -> SessionRecord? {
        try await rows("SELECT token_sha256, customer_id, created_at, expires_at FROM sessions WHERE token_sha256 = \(tokenSHA256)").first.map {
            let d = try $0.decode((String, String, Date, Date).self)
            return SessionRecord(tokenSHA256: d.0, customerID: d.1, createdAt: d.2, expiresAt: d.3)
        }
    }

    public func deleteSession(tokenSHA256: String) async throws {
        _ = try await rows("DELETE FROM sessions WHERE token_sha256 = \(tokenSHA256)")
    }

    public func certificate(serial: String) async throws -> CertificateRecord? {
        try await rows(PostgresQuery(unsafeSQL: "SELECT \(Self.certificateColumns) FROM certificates WHERE serial = $1", binds: Self.binds(serial)))
            .first.map(Self.certificateRecord)
    }

    public func keyUses(subjectPublicKeyInfoSHA256 hash: String) async throws -> [KeyUse] {
        try await rows("SELECT customer_id, serial, revocation_reason FROM certificates WHERE spki_sha256 = \(hash)").map {
            let d = try $0.decode((String, String, Int?).self)
            return KeyUse(customerID: d.0, serial: d.1, compromised: d.2 == RevocationReason.keyCompromise.rawValue)
        }
    }

    // MARK: CRL

    public func revokedEntries() async throws -> [RevokedEntry] {
        try await rows("SELECT serial, revoked_at, revocation_reason FROM certificates WHERE status IN ('revoked', 'superseded') ORDER BY revoked_at")
            .map {
                let d = try $0.decode((String, Date?, Int?).self)
                guard let serial = SQLiteRepository.bytes(hex: d.0), let at = d.1 else { throw RepositoryError.corrupt("revoked certificate") }
                return RevokedEntry(serialNumber: serial, revocationDate: at, reason: d.2.flatMap(RevocationReason.init(rawValue:)) ?? .unspecified)
            }
    }

    public func latestCRL() async throws -> CRLRecord? {
        try await rows("SELECT number, der, this_update, next_update FROM crls ORDER BY number DESC LIMIT 1").first.map {
            let d = try $0.decode((Int, Data, Date, Date).self)
            return CRLRecord(number: d.0, der: [UInt8](d.1), thisUpdate: d.2, nextUpdate: d.3)
        }
    }

    /// `nextval('crl_numbers')`: every instance on the database draws from one sequence, so no two
    /// CRLs ever share a number.
    public func nextCRLNumber() async throws -> Int {
        guard let row = try await rows("SELECT nextval('crl_numbers')").first else { throw RepositoryError.corrupt("crl_numbers") }
        return try row.decode(Int.self)
    }

    /// An advisory-lock number for "re-signing the CRL", apart from the migration lock.
    static let crlLock: Int64 = 0x546F_6B65_6E43_524C // "TokenCRL"

    public func leadingCRLRefresh(_ refresh: @Sendable (CRLRecord?) async throws -> CRLRecord) async throws -> CRLRecord? {
        try await client.withConnection { c in
            guard let got = try await c.query("SELECT pg_try_advisory_lock(\(Self.crlLock))", logger: logger).collect().first,
                  try got.decode(Bool.self)
            else { return nil }
            do {
                let result = try await refresh(try await latestCRL())
                _ = try await c.query("SELECT pg_advisory_unlock(\(Self.crlLock))", logger: logger).collect()
                return result
            } catch {
                _ = try? await c.query("SELECT pg_advisory_unlock(\(Self.crlLock))", logger: logger).collect()
                throw error
            }
        }
    }

    public func storeCRL(_ crl: CRLRecord) async throws {
        _ = try await rows("""
            INSERT INTO crls (number, der, this_update, next_update) VALUES (\(crl.number), \(Data(crl.der)), \(crl.thisUpdate), \(crl.nextUpdate))
            """)
    }

    // MARK: Officers

    public func addOfficer(name: String, certificate: [UInt8], at: Date) async throws {
        let inserted = try await rows("""
            INSERT INTO officers (name, certificate, created_at) VALUES (\(name), \(Data(certificate)), \(at)) ON CONFLICT DO NOTHING RETURNING name
            """)
        if inserted.isEmpty { throw RepositoryError.duplicateOfficer(name) }
    }

    public func officerCertificate(name: String) async throws -> [UInt8]? {
        try await rows("SELECT certificate FROM officers WHERE name = \(name)").first.map { [UInt8](try $0.decode(Data.self)) }
    }

    /// Read first (one SELECT on every officer challenge and login); the key is made only when missing.
    public func secretKey(named name: String) async throws -> [UInt8] {
        if let key = try await rows("SELECT key FROM secret_keys WHERE name = \(name)").first { return [UInt8](try key.decode(Data.self)) }
        var rng = SystemRandomNumberGenerator()
        let fresh = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        _ = try await rows("INSERT INTO secret_keys (name, key) VALUES (\(name), \(fresh)) ON CONFLICT DO NOTHING")
        guard let key = try await rows("SELECT key FROM secret_keys WHERE name = \(name)").first else { throw RepositoryError.corrupt("secret key") }
        return [UInt8](try key.decode(Data.self))
    }

    public func useOnce(digest: String, until: Date, now: Date) async throws -> Bool {
        try await write { c in
            _ = try await c.query("DELETE FROM used_once WHERE until < \(now)", logger: logger).collect()
            return try await c.query("INSERT INTO used_once (digest, until) VALUES (\(digest), \(until)) ON CONFLICT DO NOTHING RETURNING digest",
                                     logger: logger).collect().count == 1
        }
    }

    public func addOfficerSession(_ session: SessionRecord) async throws {
        try await write { c in
            _ = try await c.query("DELETE FROM officer_sessions WHERE expires_at < \(session.createdAt)", logger: logger).collect()
            _ = try await c.query("""
                INSERT INTO officer_sessions (token_sha256, officer, created_at, expires_at)
                VALUES (\(session.tokenSHA256), \(session.customerID), \(session.createdAt), \(session.expiresAt))
                """, logger: logger).collect()
        }
    }

    public func officerSession(tokenSHA256: String) async throws -> SessionRecord? {
        try await rows("SELECT token_sha256, officer, created_at, expires_at FROM officer_sessions WHERE token_sha256 = \(tokenSHA256)").first.map {
            let d = try $0.decode((String, String, Date, Date).self)
            return SessionRecord(tokenSHA256: d.0, customerID: d.1, createdAt: d.2, expiresAt: d.3)
        }
    }

    // MARK: Reminders

    public func reminderCandidates(validAt now: Date, expiringBy until: Date) async throws -> [ReminderCandidate] {
        var candidates: [ReminderCandidate] = []
        for row in try await rows("""
            SELECT c.serial, c.customer_id, c.not_after, r.kind, r.state FROM certificates c LEFT JOIN reminders r ON r.serial = c.serial
            WHERE c.status = 'active' AND c.not_after >= \(now) AND c.not_after <= \(until) ORDER BY c.not_after, c.serial
            """) {
            let d = try row.decode((String, String, Date, String?, String?).self)
            if candidates.last?.serial != d.0 { candidates.append(ReminderCandidate(serial: d.0, customerID: d.1, notAfter: d.2, recorded: [:])) }
            if let kind = d.3.flatMap(ReminderKind.init(rawValue:)), let state = d.4.flatMap(ReminderState.init(rawValue:)) {
                candidates[candidates.count - 1].recorded[kind] = state
            }
        }
        return candidates
    }

    /// The certificate's row is read `FOR SHARE`, so a revocation or supersession committing at the
    /// same time is seen; the INSERT … ON CONFLICT DO NOTHING of a second caller waits for the first's
    /// commit and then finds its row, which it reads `FOR UPDATE` before taking it over.
    public func claimReminder(serial: String, kind: ReminderKind, now: Date, staleBefore: Date) async throws -> ReminderClaim {
        try await write { c in
            guard let certificate = try await c.query("SELECT customer_id, status, not_after FROM certificates WHERE serial = \(serial) FOR SHARE",
                                                      logger: logger).collect().first
            else { return .notEligible }
            let (customerID, status, notAfter) = try certificate.decode((String, String, Date).self)
            guard status == "active", notAfter >= now else { return .notEligible }
            let inserted = try await c.query("""
                INSERT INTO reminders (serial, kind, customer_id, state, claimed_at) VALUES (\(serial), \(kind.rawValue), \(customerID), 'claimed', \(now))
                ON CONFLICT DO NOTHING RETURNING serial
                """, logger: logger).collect()
            if !inserted.isEmpty { return .claimed(alreadySent: []) }
            guard let row = try await c.query("""
                SELECT state, claimed_at, channels_sent FROM reminders WHERE serial = \(serial) AND kind = \(kind.rawValue) FOR UPDATE
                """, logger: logger).collect().first else { throw RepositoryError.corrupt("reminder row") }
            let (stateText, claimedAt, channels) = try row.decode((String, Date, String).self)
            guard let state = ReminderState(rawValue: stateText) else { throw RepositoryError.corrupt("reminder state") }
            guard state == .failed || (state == .claimed && claimedAt < staleBefore) else { return .taken(state) }
            _ = try await c.query("""
                UPDATE reminders SET state = 'claimed', claimed_at = \(now), attempts = attempts + 1 WHERE serial = \(serial) AND kind = \(kind.rawValue)
                """, logger: logger).collect()
            return .claimed(alreadySent: channels.split(separator: ",").map(String.init))
        }
    }

    public func finishReminder(serial: String, kind: ReminderKind, state: ReminderState, channelsSent: [String], at: Date,
                               audit: [AuditEvent]) async throws {
        let channels = channelsSent.joined(separator: ",")
        try await write { c in
            _ = try await c.query("""
                UPDATE reminders SET state = \(state.rawValue), finished_at = \(at), channels_sent = \(channels)
                WHERE serial = \(serial) AND kind = \(kind.rawValue)
                """, logger: logger).collect()
            try await insertAudit(c, audit)
        }
    }

    // MARK: Metrics and audit

    public func metrics() async throws -> [String: Int] {
        var m: [String: Int] = [:]
        m["customers"] = try await rows("SELECT COUNT(*)::bigint FROM customers").first?.decode(Int.self) ?? 0
        for row in try await rows("SELECT status, COUNT(*)::bigint FROM certificates GROUP BY status") {
            let (status, n) = try row.decode((String, Int).self)
            m["certificates_\(status)"] = n
        }
        m["crl_number"] = try await rows("SELECT COALESCE(MAX(number), 0)::bigint FROM crls").first?.decode(Int.self) ?? 0
        m["audit_events"] = try await rows("SELECT COUNT(*)::bigint FROM audit_log").first?.decode(Int.self) ?? 0
        return m
    }

    public func appendAudit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await write { c in try await insertAudit(c, events) }
    }

    public func auditLog() async throws -> [AuditEvent] {
        try await rows("SELECT at, customer_id, actor, action, outcome, detail FROM audit_log ORDER BY id").map {
            let d = try $0.decode((Date, String?, String, String, String, String).self)
            return AuditEvent(at: d.0, customerID: d.1, actor: d.2, action: d.3, outcome: d.4, detail: d.5)
        }
    }
}

/// The first connection to PostgreSQL failed: where, and why in words a database administrator knows.
public struct DatabaseConnectionError: Error, Sendable, UserFacingError, CustomStringConvertible {
    public enum Cause: Sendable, Equatable {
        /// The server's certificate did not verify (untrusted CA, wrong name, expired).
        case certificate(String)
        /// `sslrootcert` could not be read.
        case rootCertificates(String)
        /// The server said no (`pg_hba.conf`, password, unknown database or role): its message.
        case server(String)
        /// Nothing answered, or the connection broke.
        case network(String)

        init(_ error: any Error) {
            if let psql = error as? PSQLError {
                if let message = psql.serverInfo?[.message] {
                    self = .server(message)
                    return
                }
                if let underlying = psql.underlying {
                    self = Self.classify(underlying)
                    return
                }
                self = .network("\(psql.code)")
                return
            }
            self = Self.classify(error)
        }

        /// TLS failures by their short name (BoringSSL's reason, NIOSSL's case), the rest as they print.
        static func classify(_ error: any Error) -> Cause {
            let text = String(describing: error)
            for reason in ["CERTIFICATE_VERIFY_FAILED", "failedToValidateHostname", "CERTIFICATE_EXPIRED"] where text.contains(reason) {
                return .certificate(reason)
            }
            if error is NIOSSLError || error is NIOSSLExtraError || text.contains("handshakeFailed") { return .certificate(text) }
            return .network(text)
        }
    }

    public var location: PostgresRepository.Location
    public var cause: Cause

    var address: String {
        "\(location.unixSocketPath ?? "\(location.host ?? "localhost"):\(location.port)")/\(location.database)"
    }

    public var category: ErrorCategory { .unreachable }

    public var summary: LocalizedText {
        switch cause {
        case .certificate(let detail):
            LocalizedText(en: "PostgreSQL at \(address): its TLS certificate did not verify (\(detail)).",
                          zhTW: "PostgreSQL（\(address)）的 TLS 憑證驗證失敗（\(detail)）。")
        case .rootCertificates(let detail):
            LocalizedText(en: "The CA certificates of sslrootcert=\(location.rootCertificatePath ?? "") cannot be read (\(detail)).",
                          zhTW: "無法讀取 sslrootcert=\(location.rootCertificatePath ?? "") 的 CA 憑證（\(detail)）。")
        case .server(let message):
            LocalizedText(en: "PostgreSQL at \(address) refused the connection: \(message).",
                          zhTW: "PostgreSQL（\(address)）拒絕連線：\(message)。")
        case .network(let detail):
            LocalizedText(en: "PostgreSQL at \(address) cannot be reached (\(detail)).",
                          zhTW: "無法連上 PostgreSQL（\(address)）（\(detail)）。")
        }
    }

    public var remedy: LocalizedText? {
        switch cause {
        case .certificate:
            LocalizedText(en: "Give the CA that signed the server's certificate with sslrootcert=FILE in the URL, and reach the server by a name its certificate holds (sslmode=verify-ca skips the name check).",
                          zhTW: "在網址加上 sslrootcert=檔案，指定簽發伺服器憑證的 CA，並以憑證上的名稱連線（sslmode=verify-ca 不檢查名稱）。")
        case .rootCertificates:
            LocalizedText(en: "Point sslrootcert at a readable PEM file of CA certificates.", zhTW: "請將 sslrootcert 指向可讀取的 PEM 格式 CA 憑證檔。")
        case .server(let message) where message.contains("no encryption"):
            LocalizedText(en: "The server takes only TLS connections: add sslmode=verify-full (and sslrootcert=FILE) to the URL.",
                          zhTW: "伺服器只接受 TLS 連線：請在網址加上 sslmode=verify-full（及 sslrootcert=檔案）。")
        case .server:
            LocalizedText(en: "Check the user and database in the URL, the password (--database-password-file or $TOKENCERT_RA_DATABASE_PASSWORD), and the server's pg_hba.conf.",
                          zhTW: "請檢查網址中的使用者與資料庫、密碼（--database-password-file 或 $TOKENCERT_RA_DATABASE_PASSWORD）及伺服器的 pg_hba.conf。")
        case .network:
            LocalizedText(en: "Check that PostgreSQL runs and listens there (pg_isready), and the host, port or socket folder in the URL.",
                          zhTW: "請確認 PostgreSQL 正在該位址執行並接受連線（pg_isready），並檢查網址中的主機、連接埠或通訊端資料夾。")
        }
    }

    public var description: String { summary.english }
}

/// A `--database` URL that cannot be used.
public enum PostgresLocationError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAPostgresURL, passwordInURL, noHost, noDatabase, unsupportedSSLMode(String), rootCertificateWithoutTLS, badPort(String)

    public var description: String {
        switch self {
        case .notAPostgresURL: "not a postgres:// URL"
        case .passwordInURL: "the URL holds a password, which would be on the command line; give it with --database-password-file or $TOKENCERT_RA_DATABASE_PASSWORD"
        case .noHost: "the URL names no host (postgres://USER@HOST/DB, or postgres://USER@/DB?host=/run/postgresql for a Unix socket)"
        case .noDatabase: "the URL names no database (postgres://USER@HOST/DATABASE)"
        case .unsupportedSSLMode(let mode):
            "sslmode=\(mode) is not supported: use disable, or require / verify-full (TLS, the server's certificate and name verified) or verify-ca (certificate only); prefer and allow would fall back to plain text without a word"
        case .badPort(let text): "port=\(text) is not a port number (1–65535)"
        case .rootCertificateWithoutTLS: "sslrootcert is given but TLS is off: add sslmode=verify-full"
        }
    }
}
