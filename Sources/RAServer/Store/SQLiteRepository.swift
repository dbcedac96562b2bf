public import CertificateKit
import Domain
public import Foundation
import Crypto
import GRDB
import X509
import Synchronization
import Localization

/// The RA's records in one SQLite file (GRDB over Debian's libsqlite3), WAL mode, migrations on open.
///
/// Every operation is one transaction. `transact(customerID:_:)` runs in GRDB's serialised writer,
/// so the read, the rule check and the write of one customer's ledger never interleave with another
/// request's — that is what keeps the yearly revocation limit exact under concurrent requests.
/// Times are stored as seconds since 1970 (REAL), birth dates as Gregorian `yyyy-MM-dd`.
///
/// Reads run on the calling thread (GRDB's synchronous access takes a reader connection's serial
/// queue in place; readers rarely wait, WAL lets them run beside the writer), which saves two thread
/// switches per read. A write runs on the calling thread too when no other write is under way;
/// otherwise it goes to GRDB's asynchronous writer queue, which drains waiting transactions one after
/// another on one thread — blocking callers there would tie up the few threads of Swift's cooperative
/// pool (measured: twice the CPU per issue at 32 in flight when every write blocked).
/// Durability is GRDB's WAL setting, `synchronous = NORMAL`: a committed transaction survives a
/// crash of the process; a power loss or OS crash can lose the transactions committed since the last
/// checkpoint, never corrupt the file.
public final class SQLiteRepository: RARepository {
    let pool: DatabasePool
    /// The file.
    public let path: String

    /// Opens (creating when missing) the database at `path` and applies pending migrations.
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened or migrated.
    /// Opens (creating and migrating when missing) the database at `path`. It holds birth dates,
    /// password hashes and contacts: a missing folder is created 0700, and the database, its
    /// write-ahead log and shared-memory file are made 0600 (tightened when found looser).
    public init(path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        try Self.migrator.migrate(pool)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    /// An online copy of the whole store into a new file at `path` (SQLite's backup API, while the RA
    /// keeps serving; the copy is a consistent picture), made 0600, then checked with
    /// `PRAGMA integrity_check`.
    /// - Throws: `RepositoryError.corrupt` when the copy does not check; `CocoaError` when `path`
    ///   exists; GRDB's `DatabaseError`.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: path]) }
        let copy = try DatabaseQueue(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try pool.backup(to: copy)
        let check = try copy.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        try copy.close()
        guard check == "ok" else { throw RepositoryError.corrupt("the backup's integrity check: \(check ?? "no answer")") }
    }

    /// Whether the file answers a read (`SELECT 1`), for `/health`.
    public func ping() -> Bool {
        (try? reading { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// The identifiers of the applied migrations, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedIdentifiers(db) }.sorted()
    }

    /// The schema, one migration per change; never edit a shipped migration, add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001-initial") { db in
            try db.execute(sql: """
                CREATE TABLE customers (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('person', 'company')),
                    name TEXT NOT NULL,
                    birth_date TEXT NOT NULL,
                    mobile TEXT,
                    email TEXT,
                    password_hash TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE accounts (
                    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    account TEXT NOT NULL,
                    PRIMARY KEY (customer_id, account)
                );
                CREATE TABLE sessions (
                    token_sha256 TEXT PRIMARY KEY,
                    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE TABLE consents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
                    version TEXT NOT NULL,
                    text_sha256 TEXT NOT NULL,
                    accepted_at REAL NOT NULL
                );
                CREATE TABLE security_state (
                    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
                    birth_date_failures INTEGER NOT NULL DEFAULT 0,
                    locked_until REAL,
                    birth_date_verified_at REAL,
                    code_verified_at REAL,
                    send_window_start REAL,
                    sends_in_window INTEGER NOT NULL DEFAULT 0,
                    replaced_identifiers TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE one_time_codes (
                    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
                    identifier TEXT NOT NULL,
                    salt BLOB NOT NULL,
                    code_hash BLOB NOT NULL,
                    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
                    account TEXT NOT NULL,
                    sent_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    wrong_tries INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE certificates (
                    serial TEXT PRIMARY KEY,
                    customer_id TEXT NOT NULL REFERENCES customers(id),
                    request_id TEXT NOT NULL,
                    csr_sha256 TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked', 'superseded')),
                    not_before REAL NOT NULL,
                    not_after REAL NOT NULL,
                    issued_at REAL NOT NULL,
                    der BLOB NOT NULL,
                    revoked_at REAL,
                    revocation_reason INTEGER,
                    revoked_online INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (customer_id, request_id)
                );
                CREATE INDEX certificates_by_customer ON certificates(customer_id);
                CREATE TABLE crls (
                    number INTEGER PRIMARY KEY,
                    der BLOB NOT NULL,
                    this_update REAL NOT NULL,
                    next_update REAL NOT NULL
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    customer_id TEXT,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
        migrator.registerMigration("002-renewal") { db in
            // A renewal is pending until the client confirms it; it then supersedes this serial.
            try db.execute(sql: "ALTER TABLE certificates ADD COLUMN replaces_serial TEXT")
        }
        migrator.registerMigration("003-officers") { db in
            try db.execute(sql: """
                CREATE TABLE officers (
                    name TEXT PRIMARY KEY,
                    certificate BLOB NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE officer_challenges (
                    officer TEXT PRIMARY KEY REFERENCES officers(name) ON DELETE CASCADE,
                    challenge BLOB NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE TABLE officer_sessions (
                    token_sha256 TEXT PRIMARY KEY,
                    officer TEXT NOT NULL REFERENCES officers(name) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("004-login-lock") { db in
            try db.execute(sql: """
                ALTER TABLE security_state ADD COLUMN login_failures INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE security_state ADD COLUMN login_locked_until REAL;
                """)
        }
        migrator.registerMigration("005-identity-session") { db in
            try db.execute(sql: "ALTER TABLE security_state ADD COLUMN identity_session TEXT")
        }
        migrator.registerMigration("006-consents-by-customer") { db in
            // Every ledger read looks consents up by customer; without this it scanned the whole table.
            try db.execute(sql: "CREATE INDEX consents_by_customer ON consents(customer_id, id)")
        }
        migrator.registerMigration("007-key-per-customer") { db in
            // One key, one customer; a compromised key never again: certificates are found by key.
            try db.execute(sql: "ALTER TABLE certificates ADD COLUMN spki_sha256 TEXT")
            for row in try Row.fetchAll(db, sql: "SELECT serial, der FROM certificates") {
                let der: Data = row["der"]
                try db.execute(sql: "UPDATE certificates SET spki_sha256 = ? WHERE serial = ?",
                               arguments: [Self.spkiSHA256(ofCertificate: Array(der)), row["serial"] as String])
            }
            try db.execute(sql: "CREATE INDEX certificates_by_key ON certificates(spki_sha256)")
        }
        migrator.registerMigration("008-stateless-officer-challenges") { db in
            // Officer challenges carry their own proof (an HMAC with a store key): a request can no
            // longer replace another's pending challenge; only used ones are remembered.
            try db.execute(sql: """
                DROP TABLE officer_challenges;
                CREATE TABLE secret_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL);
                CREATE TABLE used_once (digest TEXT PRIMARY KEY, until REAL NOT NULL);
                """)
        }
        migrator.registerMigration("009-reminders") { db in
            // One row per certificate and reminder kind: the primary key is what sends each reminder once.
            try db.execute(sql: """
                CREATE TABLE reminders (
                    serial TEXT NOT NULL REFERENCES certificates(serial),
                    kind TEXT NOT NULL CHECK (kind IN ('window-open', 'final')),
                    customer_id TEXT NOT NULL REFERENCES customers(id),
                    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
                    claimed_at REAL NOT NULL,
                    finished_at REAL,
                    channels_sent TEXT NOT NULL DEFAULT '',
                    attempts INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (serial, kind)
                );
                CREATE INDEX certificates_active_by_expiry ON certificates(not_after) WHERE status = 'active';
                """)
        }
        return migrator
    }

    /// Set while a write runs on a caller's thread.
    private let inlineWrite = Atomic<Bool>(false)

    /// A write transaction: on the calling thread when no other write is under way, else queued on
    /// GRDB's writer. Either way GRDB's writer queue serialises it with every other write.
    func writing<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        if inlineWrite.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            defer { inlineWrite.store(false, ordering: .releasing) }
            return try writingInPlace(body)
        }
        return try await pool.write(body)
    }

    /// GRDB's synchronous `write` (a synchronous function, so the compiler cannot pick the async one).
    private func writingInPlace<T>(_ body: (Database) throws -> T) throws -> T { try pool.write(body) }

    /// A read transaction on the calling thread (GRDB's synchronous `read`, chosen explicitly: in an
    /// `async` function the compiler would pick the overload that hops to GRDB's queue).
    func reading<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    // MARK: Customers

    public func addCustomers(_ customers: [CustomerRecord], replace: Bool) async throws {
        try await writing { db in
            for c in customers {
                let exists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM customers WHERE id = ?"), arguments: [c.id.value]) ?? false
                if exists {
                    guard replace else { throw RepositoryError.duplicateCustomer(c.id.masked) }
                    try db.cachedStatement(sql: """
                        UPDATE customers SET kind = ?, name = ?, birth_date = ?, mobile = ?, email = ?, password_hash = ? WHERE id = ?
                        """).execute(arguments: [Self.kind(c.id), c.name, c.birthDate.gregorianString, c.mobile, c.email, c.passwordHash, c.id.value])
                    try db.cachedStatement(sql: "DELETE FROM accounts WHERE customer_id = ?").execute(arguments: [c.id.value])
                } else {
                    try db.cachedStatement(sql: """
                        INSERT INTO customers (id, kind, name, birth_date, mobile, email, password_hash, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [c.id.value, Self.kind(c.id), c.name, c.birthDate.gregorianString, c.mobile, c.email,
                                         c.passwordHash, Date().timeIntervalSince1970])
                }
                for account in Set(c.accounts.map(\.formatted)).sorted() {
                    try db.cachedStatement(sql: "INSERT INTO accounts (customer_id, account) VALUES (?, ?)").execute(arguments: [c.id.value, account])
                }
            }
        }
    }

    static func kind(_ id: CustomerID) -> String {
        if case .company = id { return "company" }
        return "person"
    }

    public func customer(id: String) async throws -> CustomerRecord? {
        try reading { db in try Self.loadCustomer(db, id) }
    }

    static func loadCustomer(_ db: Database, _ id: String) throws -> CustomerRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM customers WHERE id = ?"), arguments: [id]) else { return nil }
        let accounts = try String.fetchAll(db.cachedStatement(sql: "SELECT account FROM accounts WHERE customer_id = ? ORDER BY account"), arguments: [id])
        do {
            return CustomerRecord(
                id: try CustomerID(row["id"] as String), name: row["name"],
                birthDate: try ROCDate.parseGregorian(row["birth_date"] as String),
                mobile: row["mobile"], email: row["email"],
                accounts: try accounts.map { try SecuritiesAccount($0) }, passwordHash: row["password_hash"])
        } catch {
            throw RepositoryError.corrupt("customer row: \(error)")
        }
    }

    // MARK: Ledger

    public func transact<R: Sendable>(customerID: String, _ body: @Sendable (inout CustomerLedger) throws -> R) async throws -> R {
        let outcome: Result<R, any Error> = try await writing { db in
            guard let customer = try Self.loadCustomer(db, customerID) else { throw RepositoryError.unknownCustomer(customerID) }
            let original = CustomerLedger(customer: customer, security: try Self.loadSecurity(db, customerID),
                                          certificates: try Self.loadCertificates(db, customerID),
                                          consents: try Self.loadConsents(db, customerID))
            var ledger = original
            do {
                let value = try body(&ledger)
                try Self.save(db, from: original, to: ledger)
                return .success(value)
            } catch {
                // A refusal changes nothing but is still recorded.
                try Self.insertAudit(db, ledger.audit)
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    static func loadSecurity(_ db: Database, _ id: String) throws -> SecurityState {
        var state = SecurityState()
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM security_state WHERE customer_id = ?"), arguments: [id]) {
            state.birthDateFailures = row["birth_date_failures"]
            state.lockedUntil = date(row["locked_until"])
            state.birthDateVerifiedAt = date(row["birth_date_verified_at"])
            state.codeVerifiedAt = date(row["code_verified_at"])
            state.sendWindowStart = date(row["send_window_start"])
            state.sendsInWindow = row["sends_in_window"]
            state.replacedIdentifiers = (row["replaced_identifiers"] as String).split(separator: ",").map(String.init)
            state.loginFailures = row["login_failures"]
            state.loginLockedUntil = date(row["login_locked_until"])
            state.identitySession = row["identity_session"]
        }
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM one_time_codes WHERE customer_id = ?"), arguments: [id]) {
            state.code = OneTimeCode(
                identifier: row["identifier"], salt: [UInt8](row["salt"] as Data), codeHash: [UInt8](row["code_hash"] as Data),
                channel: row["channel"], account: row["account"], sentAt: date(row["sent_at"])!, expiresAt: date(row["expires_at"])!,
                wrongTries: row["wrong_tries"])
        }
        return state
    }

    static func loadCertificates(_ db: Database, _ id: String) throws -> [CertificateRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM certificates WHERE customer_id = ? ORDER BY issued_at, serial"), arguments: [id])
            .map(certificateRecord)
    }

    static func certificateRecord(_ row: Row) throws -> CertificateRecord {
        guard let status = CertificateState(rawValue: row["status"]) else { throw RepositoryError.corrupt("certificate status") }
        return CertificateRecord(
            serial: row["serial"], customerID: row["customer_id"], requestID: row["request_id"], csrSHA256: row["csr_sha256"],
            status: status, notBefore: date(row["not_before"])!, notAfter: date(row["not_after"])!, issuedAt: date(row["issued_at"])!,
            der: [UInt8](row["der"] as Data), revokedAt: date(row["revoked_at"]),
            revocationReason: (row["revocation_reason"] as Int?).flatMap(RevocationReason.init(rawValue:)),
            revokedOnline: row["revoked_online"], replacesSerial: row["replaces_serial"])
    }

    static func loadConsents(_ db: Database, _ id: String) throws -> [ConsentRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM consents WHERE customer_id = ? ORDER BY id"), arguments: [id]).map { row in
            ConsentRecord(customerID: row["customer_id"], version: row["version"], textSHA256: row["text_sha256"],
                          acceptedAt: date(row["accepted_at"])!)
        }
    }

    static func date(_ value: Double?) -> Date? { value.map { Date(timeIntervalSince1970: $0) } }
    static func seconds(_ value: Date?) -> Double? { value?.timeIntervalSince1970 }

    static func save(_ db: Database, from old: CustomerLedger, to new: CustomerLedger) throws {
        let id = new.customer.id.value
        if old.security != new.security {
            let s = new.security
            try db.cachedStatement(sql: """
                INSERT INTO security_state (customer_id, birth_date_failures, locked_until, birth_date_verified_at, code_verified_at,
                                            send_window_start, sends_in_window, replaced_identifiers, login_failures, login_locked_until,
                                            identity_session)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (customer_id) DO UPDATE SET
                    birth_date_failures = excluded.birth_date_failures, locked_until = excluded.locked_until,
                    birth_date_verified_at = excluded.birth_date_verified_at, code_verified_at = excluded.code_verified_at,
                    send_window_start = excluded.send_window_start, sends_in_window = excluded.sends_in_window,
                    replaced_identifiers = excluded.replaced_identifiers, login_failures = excluded.login_failures,
                    login_locked_until = excluded.login_locked_until, identity_session = excluded.identity_session
                """).execute(arguments: [id, s.birthDateFailures, seconds(s.lockedUntil), seconds(s.birthDateVerifiedAt), seconds(s.codeVerifiedAt),
                                 seconds(s.sendWindowStart), s.sendsInWindow, s.replacedIdentifiers.joined(separator: ","),
                                 s.loginFailures, seconds(s.loginLockedUntil), s.identitySession])
            if old.security.code != s.code {
                try db.cachedStatement(sql: "DELETE FROM one_time_codes WHERE customer_id = ?").execute(arguments: [id])
                if let c = s.code {
                    try db.cachedStatement(sql: """
                        INSERT INTO one_time_codes (customer_id, identifier, salt, code_hash, channel, account, sent_at, expires_at, wrong_tries)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [id, c.identifier, Data(c.salt), Data(c.codeHash), c.channel, c.account,
                                         seconds(c.sentAt), seconds(c.expiresAt), c.wrongTries])
                }
            }
        }
        let before = Dictionary(old.certificates.map { ($0.serial, $0) }, uniquingKeysWith: { a, _ in a })
        for cert in new.certificates where before[cert.serial] != cert {
            guard cert.customerID == id else { throw RepositoryError.corrupt("certificate for another customer") }
            // A new certificate: the last line of the one-key-one-customer rule, inside the write
            // transaction (which SQLite serialises with every other write): no key of another customer,
            // none compromised. An update (a status change) keeps the stored key hash.
            let keyHash = before[cert.serial] == nil ? Self.spkiSHA256(ofCertificate: cert.der) : nil
            if let keyHash {
                for use in try Self.keyUses(db, keyHash) {
                    if use.compromised { throw RAError.keyCompromised }
                    if use.customerID != id { throw RAError.keyInUse }
                }
            }
            try db.cachedStatement(sql: """
                INSERT INTO certificates (serial, customer_id, request_id, csr_sha256, status, not_before, not_after, issued_at, der,
                                          revoked_at, revocation_reason, revoked_online, replaces_serial, spki_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (serial) DO UPDATE SET
                    status = excluded.status, revoked_at = excluded.revoked_at, revocation_reason = excluded.revocation_reason,
                    revoked_online = excluded.revoked_online
                """).execute(arguments: [cert.serial, id, cert.requestID, cert.csrSHA256, cert.status.rawValue, seconds(cert.notBefore),
                                 seconds(cert.notAfter), seconds(cert.issuedAt), Data(cert.der), seconds(cert.revokedAt),
                                 cert.revocationReason?.rawValue, cert.revokedOnline, cert.replacesSerial, keyHash])
        }
        for consent in new.consents.dropFirst(old.consents.count) {
            try db.cachedStatement(sql: "INSERT INTO consents (customer_id, version, text_sha256, accepted_at) VALUES (?, ?, ?, ?)").execute(
                           arguments: [id, consent.version, consent.textSHA256, seconds(consent.acceptedAt)])
        }
        try insertAudit(db, new.audit)
    }

    static func insertAudit(_ db: Database, _ events: [AuditEvent]) throws {
        for e in events {
            try db.cachedStatement(sql: "INSERT INTO audit_log (at, customer_id, actor, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)").execute(
                           arguments: [seconds(e.at), e.customerID, e.actor, e.action, e.outcome, e.detail])
        }
    }

    // MARK: Sessions

    public func addSession(_ session: SessionRecord) async throws {
        try await writing { db in
            try db.cachedStatement(sql: "DELETE FROM sessions WHERE expires_at < ?").execute(arguments: [Self.seconds(session.createdAt)])
            try db.cachedStatement(sql: "INSERT INTO sessions (token_sha256, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)").execute(
                           arguments: [session.tokenSHA256, session.customerID, Self.seconds(session.createdAt), Self.seconds(session.expiresAt)])
        }
    }

    public func session(tokenSHA256: String) async throws -> SessionRecord? {
        try reading { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM sessions WHERE token_sha256 = ?"), arguments: [tokenSHA256]).map {
                SessionRecord(tokenSHA256: $0["token_sha256"], customerID: $0["customer_id"],
                              createdAt: Self.date($0["created_at"])!, expiresAt: Self.date($0["expires_at"])!)
            }
        }
    }

    public func deleteSession(tokenSHA256: String) async throws {
        try await writing { db in try db.cachedStatement(sql: "DELETE FROM sessions WHERE token_sha256 = ?").execute(arguments: [tokenSHA256]) }
    }

    public func keyUses(subjectPublicKeyInfoSHA256: String) async throws -> [KeyUse] {
        try reading { db in try Self.keyUses(db, subjectPublicKeyInfoSHA256) }
    }

    static func keyUses(_ db: Database, _ keyHash: String) throws -> [KeyUse] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT customer_id, serial, revocation_reason FROM certificates WHERE spki_sha256 = ?"),
                         arguments: [keyHash]).map { row in
            KeyUse(customerID: row["customer_id"], serial: row["serial"],
                   compromised: (row["revocation_reason"] as Int?) == RevocationReason.keyCompromise.rawValue)
        }
    }

    /// SHA-256 (hex) of a certificate's SubjectPublicKeyInfo; of the whole DER when it does not parse.
    static func spkiSHA256(ofCertificate der: [UInt8]) -> String {
        KeyUse.hash(subjectPublicKeyInfo: (try? Certificate(derEncoded: der).publicKey.derSubjectPublicKeyInfo) ?? der)
    }

    public func certificate(serial: String) async throws -> CertificateRecord? {
        try reading { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM certificates WHERE serial = ?"), arguments: [serial]).map(Self.certificateRecord)
        }
    }

    // MARK: CRL

    public func revokedEntries() async throws -> [RevokedEntry] {
        try reading { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT serial, revoked_at, revocation_reason FROM certificates WHERE status IN ('revoked', 'superseded') ORDER BY revoked_at"))
                .map { row in
                    guard let serial = Self.bytes(hex: row["serial"]), let at = Self.date(row["revoked_at"]) else {
                        throw RepositoryError.corrupt("revoked certificate")
                    }
                    return RevokedEntry(serialNumber: serial, revocationDate: at,
                                        reason: (row["revocation_reason"] as Int?).flatMap(RevocationReason.init(rawValue:)) ?? .unspecified)
                }
        }
    }

    public func latestCRL() async throws -> CRLRecord? {
        try reading { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM crls ORDER BY number DESC LIMIT 1")).map {
                CRLRecord(number: $0["number"], der: [UInt8]($0["der"] as Data), thisUpdate: Self.date($0["this_update"])!,
                          nextUpdate: Self.date($0["next_update"])!)
            }
        }
    }

    /// One past the stored CRLs' highest (one process writes a SQLite store; its CRL publisher signs
    /// one CRL at a time).
    public func nextCRLNumber() async throws -> Int {
        try reading { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(number), 0) FROM crls")) ?? 0 } + 1
    }

    public func leadingCRLRefresh(_ refresh: @Sendable (CRLRecord?) async throws -> CRLRecord) async throws -> CRLRecord? {
        try await refresh(try await latestCRL())
    }

    public func storeCRL(_ crl: CRLRecord) async throws {
        try await writing { db in
            try db.cachedStatement(sql: "INSERT INTO crls (number, der, this_update, next_update) VALUES (?, ?, ?, ?)").execute(
                           arguments: [crl.number, Data(crl.der), Self.seconds(crl.thisUpdate), Self.seconds(crl.nextUpdate)])
        }
    }

    // MARK: Officers

    public func addOfficer(name: String, certificate: [UInt8], at: Date) async throws {
        try await writing { db in
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM officers WHERE name = ?"), arguments: [name]) ?? false {
                throw RepositoryError.duplicateOfficer(name)
            }
            try db.cachedStatement(sql: "INSERT INTO officers (name, certificate, created_at) VALUES (?, ?, ?)").execute(
                           arguments: [name, Data(certificate), Self.seconds(at)])
        }
    }

    public func officerCertificate(name: String) async throws -> [UInt8]? {
        try reading { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT certificate FROM officers WHERE name = ?"), arguments: [name]).map { [UInt8]($0) }
        }
    }

    public func secretKey(named name: String) async throws -> [UInt8] {
        if let key = try reading({ db in try Data.fetchOne(db.cachedStatement(sql: "SELECT key FROM secret_keys WHERE name = ?"), arguments: [name]) }) {
            return [UInt8](key)
        }
        var rng = SystemRandomNumberGenerator()
        let fresh = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        return try await writing { db in
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO secret_keys (name, key) VALUES (?, ?)").execute(arguments: [name, fresh])
            return [UInt8](try Data.fetchOne(db.cachedStatement(sql: "SELECT key FROM secret_keys WHERE name = ?"), arguments: [name]) ?? fresh)
        }
    }

    public func useOnce(digest: String, until: Date, now: Date) async throws -> Bool {
        try await writing { db in
            try db.cachedStatement(sql: "DELETE FROM used_once WHERE until < ?").execute(arguments: [Self.seconds(now)])
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO used_once (digest, until) VALUES (?, ?)").execute(arguments: [digest, Self.seconds(until)])
            return db.changesCount == 1
        }
    }

    public func addOfficerSession(_ session: SessionRecord) async throws {
        try await writing { db in
            try db.cachedStatement(sql: "DELETE FROM officer_sessions WHERE expires_at < ?").execute(arguments: [Self.seconds(session.createdAt)])
            try db.cachedStatement(sql: "INSERT INTO officer_sessions (token_sha256, officer, created_at, expires_at) VALUES (?, ?, ?, ?)").execute(
                           arguments: [session.tokenSHA256, session.customerID, Self.seconds(session.createdAt), Self.seconds(session.expiresAt)])
        }
    }

    public func officerSession(tokenSHA256: String) async throws -> SessionRecord? {
        try reading { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM officer_sessions WHERE token_sha256 = ?"), arguments: [tokenSHA256]).map {
                SessionRecord(tokenSHA256: $0["token_sha256"], customerID: $0["officer"],
                              createdAt: Self.date($0["created_at"])!, expiresAt: Self.date($0["expires_at"])!)
            }
        }
    }

    // MARK: Reminders

    public func reminderCandidates(validAt now: Date, expiringBy until: Date) async throws -> [ReminderCandidate] {
        try reading { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.serial, c.customer_id, c.not_after, r.kind, r.state FROM certificates c LEFT JOIN reminders r ON r.serial = c.serial
                WHERE c.status = 'active' AND c.not_after >= ? AND c.not_after <= ? ORDER BY c.not_after, c.serial
                """), arguments: [Self.seconds(now), Self.seconds(until)])
            var candidates: [ReminderCandidate] = []
            for row in rows {
                let serial: String = row["serial"]
                if candidates.last?.serial != serial {
                    candidates.append(ReminderCandidate(serial: serial, customerID: row["customer_id"], notAfter: Self.date(row["not_after"])!,
                                                        recorded: [:]))
                }
                if let kind = (row["kind"] as String?).flatMap(ReminderKind.init(rawValue:)),
                   let state = (row["state"] as String?).flatMap(ReminderState.init(rawValue:)) {
                    candidates[candidates.count - 1].recorded[kind] = state
                }
            }
            return candidates
        }
    }

    public func claimReminder(serial: String, kind: ReminderKind, now: Date, staleBefore: Date) async throws -> ReminderClaim {
        try await writing { db in
            guard let certificate = try Row.fetchOne(db.cachedStatement(sql: "SELECT customer_id, status, not_after FROM certificates WHERE serial = ?"),
                                                     arguments: [serial]),
                  (certificate["status"] as String) == "active", Self.date(certificate["not_after"])! >= now
            else { return .notEligible }
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, claimed_at, channels_sent FROM reminders WHERE serial = ? AND kind = ?"),
                                             arguments: [serial, kind.rawValue]) else {
                try db.cachedStatement(sql: "INSERT INTO reminders (serial, kind, customer_id, state, claimed_at) VALUES (?, ?, ?, 'claimed', ?)")
                    .execute(arguments: [serial, kind.rawValue, certificate["customer_id"] as String, Self.seconds(now)])
                return .claimed(alreadySent: [])
            }
            guard let state = ReminderState(rawValue: row["state"]) else { throw RepositoryError.corrupt("reminder state") }
            guard state == .failed || (state == .claimed && Self.date(row["claimed_at"])! < staleBefore) else { return .taken(state) }
            try db.cachedStatement(sql: "UPDATE reminders SET state = 'claimed', claimed_at = ?, attempts = attempts + 1 WHERE serial = ? AND kind = ?")
                .execute(arguments: [Self.seconds(now), serial, kind.rawValue])
            return .claimed(alreadySent: (row["channels_sent"] as String).split(separator: ",").map(String.init))
        }
    }

    public func finishReminder(serial: String, kind: ReminderKind, state: ReminderState, channelsSent: [String], at: Date,
                               audit: [AuditEvent]) async throws {
        try await writing { db in
            try db.cachedStatement(sql: "UPDATE reminders SET state = ?, finished_at = ?, channels_sent = ? WHERE serial = ? AND kind = ?")
                .execute(arguments: [state.rawValue, Self.seconds(at), channelsSent.joined(separator: ","), serial, kind.rawValue])
            try Self.insertAudit(db, audit)
        }
    }

    // MARK: Metrics

    /// Counts for `/metrics`: customers, certificates by stored status, CRL number, audit events.
    public func metrics() async throws -> [String: Int] {
        try reading { db in
            var m: [String: Int] = [:]
            m["customers"] = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM customers")) ?? 0
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM certificates GROUP BY status")) {
                m["certificates_\(row["status"] as String)"] = row["n"]
            }
            m["crl_number"] = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(number) FROM crls")) ?? 0
            m["audit_events"] = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM audit_log")) ?? 0
            return m
        }
    }

    // MARK: Audit

    public func appendAudit(_ events: [AuditEvent]) async throws {
        try await writing { db in try Self.insertAudit(db, events) }
    }

    public func auditLog() async throws -> [AuditEvent] {
        try reading { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log ORDER BY id")).map {
                AuditEvent(at: Self.date($0["at"])!, customerID: $0["customer_id"], actor: $0["actor"], action: $0["action"],
                           outcome: $0["outcome"], detail: $0["detail"])
            }
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        var out: [UInt8] = []
        var chars = Array(hex.utf8)[...]
        guard chars.count % 2 == 0 else { return nil }
        while let hi = chars.popFirst(), let lo = chars.popFirst() {
            guard let h = hexValue(hi), let l = hexValue(lo) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
