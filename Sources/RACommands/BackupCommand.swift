import ArgumentParser
import Foundation
import RAServer

/// `tokencert-ra backup`: an online copy of a SQLite store.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a SQLite store to a new file while the RA keeps serving (SQLite's online backup), checked.",
        discussion: """
        The copy is a consistent picture of the store at one moment, written 0600 and checked with PRAGMA integrity_check; an existing file is never overwritten. For a PostgreSQL store use PostgreSQL's own tools: pg_dump --format=custom for a nightly copy, or WAL archiving with pg_basebackup for point-in-time recovery (README, "The RA on several machines").

        Example:
          tokencert-ra backup --database /var/lib/tokencert-ra/ra.sqlite --to /var/backups/tokencert-ra/ra-$(date +%F).sqlite
        """)

    @Option(help: "The SQLite store.") var database = "tokencert-ra.sqlite"
    @Option(help: ArgumentHelp("The new file.", valueName: "file")) var to: String

    func run() async throws {
        guard !RAStore.isPostgres(database) else {
            throw ValidationError("tokencert-ra backup copies a SQLite store; back PostgreSQL up with pg_dump or pg_basebackup.")
        }
        guard FileManager.default.fileExists(atPath: database) else { throw ValidationError("No SQLite store at \(database).") }
        do {
            try SQLiteRepository(path: database).backup(to: to)
            print("Backed up to \(to) (integrity check ok).")
        } catch {
            throw fail(error)
        }
    }
}
