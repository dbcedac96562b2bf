import ArgumentParser
import Foundation
import RAServer

/// `tokencert-ra migrate-store`: a SQLite store into an empty PostgreSQL database.
struct MigrateStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy a SQLite store into an empty PostgreSQL database, checked by counts and certificate hashes.",
        discussion: """
        Every customer, account, identity-check state, certificate, consent, CRL, audit event, officer and store key is copied in one PostgreSQL transaction; then the rows of every table are counted on both sides and every certificate's DER is compared by SHA-256. Any difference rolls the copy back (the database stays empty) and exits 1. Sessions are not copied: customers and officers log in again. Stop the RA on the SQLite file first (or copy a `tokencert-ra backup` of it), so no request is lost between the copy and the switch.

        Example:
          TOKENCERT_RA_DATABASE_PASSWORD=… tokencert-ra migrate-store --from /var/lib/tokencert-ra/ra.sqlite \\
              --to postgres://tokencert@db.internal/tokencert?sslmode=require
        """)

    @Option(help: ArgumentHelp("The SQLite store.", valueName: "file")) var from: String
    @Option(help: ArgumentHelp("The empty PostgreSQL database (migrated first): postgres://USER@HOST/DB.", valueName: "url")) var to: String
    @Option(help: "File whose first line is the PostgreSQL password (else $TOKENCERT_RA_DATABASE_PASSWORD; never in the URL).")
    var databasePasswordFile: String?

    func run() async throws {
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("No SQLite store at \(from).") }
        guard RAStore.isPostgres(to) else { throw ValidationError("--to must be a postgres:// URL.") }
        do {
            let source = try SQLiteRepository(path: from)
            guard let target = try await openStore(to, passwordFile: databasePasswordFile) as? PostgresRepository else {
                throw ValidationError("--to must be a postgres:// URL.")
            }
            defer { Task { await target.shutdown() } }
            let report = try await StoreMigration.copy(from: source, to: target)
            for (table, rows) in report.rows.sorted(by: { $0.key < $1.key }) { print("\(table): \(rows) rows copied and counted") }
            print("certificates: \(report.certificatesCompared) compared by DER SHA-256 — the same")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
