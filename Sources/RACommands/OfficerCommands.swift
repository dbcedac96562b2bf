import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct Officer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "officer", abstract: "Branch officers.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register an officer with the certificate (PEM) of the key on their token; they log in by signing a challenge with it.")

        @OptionGroup var store: StoreOptions
        @Option(help: "The officer's name as the audit log shows it.")
        var name: String
        @Option(help: "The officer's certificate (PEM).")
        var certificate: String

        func run() async throws {
            do {
                let der = try OfficerRegistration.certificateDER(pemFile: certificate)
                try await store.open().addOfficer(name: name, certificate: der, at: Date())
                print("Officer \(name) registered.")
            } catch {
                throw fail(error)
            }
        }
    }
}
