import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit log as JSON lines (oldest first).")

        @Option(help: "SQLite database file, or postgres://USER@HOST/DB (password from $TOKENCERT_RA_DATABASE_PASSWORD).")
        var database = "tokencert-ra.sqlite"

        func run() async throws {
            do {
                for line in try await AuditExport.jsonLines(try await openStore(database)) { print(line) }
            } catch {
                throw fail(error)
            }
        }
    }
}
