import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization
import Secrets

/// `tokencert restore FILE`.
struct RestoreCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Import a .pfx backup into the software store or onto a token.",
        discussion: """
        Reads a .pfx written by tokencert backup (or by the broker's Windows app, openssl, Java: modern
        AES, compat 3DES and legacy RC2-40 files all open), checks that the certificate is still valid and,
        when you log in, that the host has it active, then stores key and certificate — in the software
        store (--software) or on a token (--token) — and checks them with a test signature. Run
        tokencert sign-test afterwards to check everything end to end.

        The password comes from --backup-password-file, $TOKENCERT_BACKUP_PASSWORD or a no-echo prompt.

        Examples:
          tokencert restore '/media/alice/USB/A123456789-TOKENCERT(2026-11-25).pfx' --software --id A123456789
          tokencert restore backup.pfx --software --offline

        Exit codes: 0 restored · 3 not eligible (expired, not active) · 64 wrong password or not a .pfx.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The .pfx / .p12 file.", valueName: "file")) var file: String
    @OptionGroup var nss: NSSOptions
    @Option(name: .customLong("backup-password-file"), help: ArgumentHelp("File whose first line is the backup's password.", valueName: "path"))
    var passwordFile: String?
    @Flag(name: .long, help: "Do not ask the host whether the certificate is active (no login).") var offline = false

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        let keyStore = try await store.open(language: lang, needsKeys: true)
        let password = try SecretReader(file: passwordFile, environmentVariable: "TOKENCERT_BACKUP_PASSWORD",
                                        prompt: LocalizedText(en: "Backup password", zhTW: "備份密碼"),
                                        fileOption: "--backup-password-file").read(language: lang)
        let session = offline ? nil : try await customer.login(run.ra, language: lang).0
        let summary = try await run.lifecycle.restore(file: URL(fileURLWithPath: file), password: password, into: keyStore, session: session)
        try await nss.installIfAsked(keyStore, language: lang)
        if global.format == .json { return try printJSON(CertificateJSON(summary)) }
        run.say("✔ Certificate restored", "✔ 憑證已匯入")
        for (label, value) in summary.lines(lang) { print("  \(label): \(value)") }
    }
}
