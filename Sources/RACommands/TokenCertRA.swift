public import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

/// `tokencert-ra`: the registration authority. Each subcommand parses flags and hands the work to
/// the RAServer library. The executable's `main.swift` only calls `TokenCertRA.main()`.
public struct TokenCertRA: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "tokencert-ra",
        abstract: "TokenCert registration authority: CA setup, customers, and the HTTP service.",
        subcommands: [InitCA.self, Serve.self, Customer.self, Officer.self, Reminders.self, Audit.self, MigrateStore.self, Backup.self])
}
