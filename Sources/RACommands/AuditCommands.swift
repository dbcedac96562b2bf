import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Print the audit log as JSON lines (oldest first).")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            do {
                for line in try await AuditExport.jsonLines(try await store.open()) { print(line) }
            } catch {
                throw fail(error)
            }
        }
    }
}
