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
        Reads a .pfx written by tokencert backup (or by the broker's Windows app, openssl, Java: modern AES, compat 3DES and legacy RC2-40 files all open), checks that the certificate is still valid, that the broker's CA issued it (the CA from --ca, else from the RA; CA certificates inside the file are not trusted) and, when you log in, that the host has it active, then stores key and certificate — in the software store (--software) or on a token (--token) — and checks them with a test signature. Run tokencert sign-test afterwards to check everything end to end.

        The password comes from --backup-password-file, $TOKENCERT_BACKUP_PASSWORD or a no-echo prompt. A file without an integrity check (MAC) or with its key unencrypted is refused unless --force: nothing shows that it is the file that was written.

        Examples:
          tokencert restore '/media/alice/USB/A123456789-TOKENCERT(2026-11-25).pfx' --software --id A123456789
          tokencert restore backup.pfx --software --offline --ca broker-ca.pem

        With --format json: one JSON document as docs/schemas/certificate.schema.json; two-language text is always {"en", "zh-TW"}.

        Exit codes: 0 restored · 2 not issued by the broker's CA · 3 not eligible (expired, not active) · 6 the RA (for its CA) not reachable · 64 wrong password, not a .pfx, an unprotected file without --force.
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
    @Option(name: .long, help: ArgumentHelp("The broker's CA certificate (PEM or DER) the backup's certificate must chain to; default: the RA's.", valueName: "file"))
    var ca: String?
    @Flag(name: .long, help: "Restore a file without a MAC or with an unencrypted key (only when you know where it came from).")
    var force = false

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        let keyStore = try await store.open(language: lang, needsKeys: true)
        let password = try SecretReader(file: passwordFile, environmentVariable: "TOKENCERT_BACKUP_PASSWORD",
                                        prompt: LocalizedText(en: "Backup password", zhTW: "備份密碼"),
                                        fileOption: "--backup-password-file").read(language: lang)
        let session = offline ? nil : try await customer.login(run.ra, language: lang).0
        let trustedCA = try ca.map { path in
            guard let bytes = FileManager.default.contents(atPath: path), let der = try? CertificateSummary.parse(Array(bytes)).derBytes else {
                throw CLIError(.badInput, en: "--ca \(path) is not a readable certificate (PEM or DER).", zhTW: "--ca \(path) 不是可讀取的憑證（PEM 或 DER）。")
            }
            return der
        }
        let summary = try await run.lifecycle.restore(file: URL(fileURLWithPath: file), password: password, into: keyStore, session: session,
                                                      trustedCA: trustedCA, allowUnprotected: force)
        try await nss.installIfAsked(keyStore, language: lang)
        if global.format == .json { return try printJSON(CertificateJSON(summary)) }
        run.say("✔ Certificate restored", "✔ 憑證已匯入")
        for (label, value) in summary.lines(lang) { print("  \(label): \(value)") }
    }
}
