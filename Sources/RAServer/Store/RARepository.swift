import CertificateKit
import Foundation

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

    /// The customer a certificate was issued to, by serial (lower-case hex).
    func certificateOwner(serial: String) async throws -> String?

    /// Every revoked certificate, for the CRL.
    func revokedEntries() async throws -> [RevokedEntry]
    /// The newest CRL, if any.
    func latestCRL() async throws -> CRLRecord?
    /// Stores a CRL; `number` must be above every stored one.
    func storeCRL(_ crl: CRLRecord) async throws

    /// Appends to the audit log.
    func appendAudit(_ events: [AuditEvent]) async throws
    /// The audit log, oldest first (for export).
    func auditLog() async throws -> [AuditEvent]
}

/// Failures of the store itself.
public enum RepositoryError: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicateCustomer(String)
    case unknownCustomer(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .duplicateCustomer(let id): "customer \(id) exists already"
        case .unknownCustomer(let id): "no customer \(id)"
        case .corrupt(let what): "the store holds an unreadable value: \(what)"
        }
    }
}
