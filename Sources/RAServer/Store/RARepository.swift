public import CertificateKit
public import Foundation
import Crypto
import Localization

/// Where the RA keeps its records. `SQLiteRepository` is the one-file default; a PostgreSQL
/// implementation for several instances implements the same operations, each as one transaction
/// (`transact` as `SELECT … FOR UPDATE` on the customer row).
public protocol RARepository: Sendable {
    /// Adds customers, all or none (one transaction).
    /// - Throws: `RepositoryError.duplicateCustomer` when an ID exists (unless `replace`).
    func addCustomers(_ customers: [CustomerRecord], replace: Bool) async throws

    /// The customer with this ID number, if any.
    func customer(id: String) async throws -> CustomerRecord?

    /// Reads the customer's ledger, lets `body` change it, and writes the changes back — all in one
    /// transaction, so two requests for the same customer never interleave. When `body` throws,
    /// nothing is written except `audit` events already appended (so refusals are recorded).
    /// - Throws: `RepositoryError.unknownCustomer`, or what `body` throws.
    func transact<R: Sendable>(customerID: String, _ body: @Sendable (inout CustomerLedger) throws -> R) async throws -> R

    /// Stores a new session.
    func addSession(_ session: SessionRecord) async throws
    /// The session with this token hash, if any (expired ones too: the caller checks).
    func session(tokenSHA256: String) async throws -> SessionRecord?
    /// Ends a session.
    func deleteSession(tokenSHA256: String) async throws

    /// A certificate by serial (lower-case hex): whose it is and its state.
    func certificate(serial: String) async throws -> CertificateRecord?
    /// Every certificate of the key whose SubjectPublicKeyInfo has this SHA-256 (hex): who holds it
    /// and whether it was revoked for key compromise.
    func keyUses(subjectPublicKeyInfoSHA256: String) async throws -> [KeyUse]

    /// Every revoked certificate, for the CRL.
    func revokedEntries() async throws -> [RevokedEntry]
    /// The newest CRL, if any.
    func latestCRL() async throws -> CRLRecord?
    /// A CRL number no CRL has had or will be given again, higher than every number handed out before.
    func nextCRLNumber() async throws -> Int
    /// Runs `refresh` with the latest CRL when no other instance is re-signing the CRL right now, and
    /// returns its result; nil (without running it) when another instance is. PostgreSQL: a
    /// session-level advisory lock held while `refresh` runs; SQLite (one instance): always runs.
    func leadingCRLRefresh(_ refresh: @Sendable (CRLRecord?) async throws -> CRLRecord) async throws -> CRLRecord?
    /// Stores a CRL; `number` must be above every stored one.
    func storeCRL(_ crl: CRLRecord) async throws

    /// Registers a branch officer with the certificate whose key they log in with.
    /// - Throws: `RepositoryError.duplicateOfficer`.
    func addOfficer(name: String, certificate: [UInt8], at: Date) async throws
    /// The officer's registered certificate (DER), if the officer exists.
    func officerCertificate(name: String) async throws -> [UInt8]?
    /// The store's secret key called `name` (32 random bytes made on first use, then the same for
    /// every instance on the store), e.g. for officer login challenges.
    func secretKey(named name: String) async throws -> [UInt8]
    /// Records that the one-time value with this digest was used; false when it was used before.
    /// Records past `until` may be forgotten (`now` is the time of the use).
    func useOnce(digest: String, until: Date, now: Date) async throws -> Bool
    /// Stores an officer session (`customerID` holds the officer's name).
    func addOfficerSession(_ session: SessionRecord) async throws
    /// The officer session with this token hash, if any.
    func officerSession(tokenSHA256: String) async throws -> SessionRecord?

    /// Certificates that are stored `active` and valid at `validAt` with notAfter at or before
    /// `expiringBy`, soonest first, each with the reminders recorded for it (see `RenewalReminders`).
    func reminderCandidates(validAt now: Date, expiringBy until: Date) async throws -> [ReminderCandidate]
    /// Takes the reminder of `kind` for `serial` for this caller, in a transaction committed before
    /// the caller sends: `.claimed` when no row exists (one is inserted, state `claimed`), or the row
    /// is `failed`, or `claimed` before `staleBefore` (its run stopped); `.taken` when it is recorded
    /// otherwise; `.notEligible` when the certificate is no longer active and valid at `now`. The
    /// primary key (serial, kind) lets only one of several concurrent callers claim it.
    func claimReminder(serial: String, kind: ReminderKind, now: Date, staleBefore: Date) async throws -> ReminderClaim
    /// Records how a claimed reminder ended (`sent`, `failed` or `skipped`, with every channel it has
    /// reached) and appends `audit`, in one transaction.
    func finishReminder(serial: String, kind: ReminderKind, state: ReminderState, channelsSent: [String], at: Date,
                        audit: [AuditEvent]) async throws

    /// Counts for `/metrics` (name → value), e.g. `customers`, `certificates_active`, `crl_number`.
    func metrics() async throws -> [String: Int]

    /// Appends to the audit log.
    func appendAudit(_ events: [AuditEvent]) async throws
    /// The audit log, oldest first (for export).
    func auditLog() async throws -> [AuditEvent]
}

extension RARepository {
    /// The store's kind for `/health` (`sqlite`, `postgres`); `other` for stores that do not say.
    public var storeKind: String {
        switch self {
        case is SQLiteRepository: "sqlite"
        case is PostgresRepository: "postgres"
        default: "other"
        }
    }

    /// Whether the store answers a trivial query now (`SELECT 1`), for `/health`.
    public func isReachable() async -> Bool {
        switch self {
        case let postgres as PostgresRepository: await postgres.ping()
        case let sqlite as SQLiteRepository: sqlite.ping()
        default: true
        }
    }
}

/// Failures of the store itself.
/// One certificate of a key, for the one-key-one-customer rule.
public struct KeyUse: Sendable, Hashable {
    public var customerID: String
    public var serial: String
    public var compromised: Bool

    /// How a key is looked up: SHA-256 (lower-case hex) of its DER SubjectPublicKeyInfo.
    public static func hash(subjectPublicKeyInfo spki: [UInt8]) -> String { hexString(SHA256.hash(data: spki)) }
}

public enum RepositoryError: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicateCustomer(String)
    case duplicateOfficer(String)
    case unknownCustomer(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .duplicateCustomer(let id): "customer \(id) exists already"
        case .duplicateOfficer(let name): "officer \(name) exists already"
        case .unknownCustomer(let id): "no customer \(id)"
        case .corrupt(let what): "the store holds an unreadable value: \(what)"
        }
    }
}
