import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization

/// `tokencert apply`: the manual's "query and apply" journey.
struct ApplyCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply for a certificate: agreement, birth date, one-time code, key generated on the token, certificate installed.",
        discussion: """
        Steps: the agreement is shown and your consent recorded; identity step 1 asks your birth date (ROC yyy/mm/dd such as 44/2/1, or yyyy-mm-dd; companies give the registration date); step 2 sends a one-time code by SMS or e-mail for the account you choose — the message carries the 4-letter identifier shown here, the code lives 300 s, and R asks for a new one after 60 s. Then a key pair is generated on the token or card (or in software), its request sent, the certificate downloaded, stored next to the key and checked with a test signature. Software certificates are then offered a backup (tokencert backup).

        Three wrong birth dates in a row lock online certificate services for 24 hours (a branch can unlock). If the token is pulled after the broker issued the certificate, run the same command again: it finishes the job with the same request.

        Answers come from the terminal or standard input (one per line); the birth date may come from $TOKENCERT_BIRTH_DATE. Secrets never come from the command line.

        With --format json: one JSON document as docs/schemas/installed.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert apply --id A123456789 --token 'pkcs11:token=Alice' --module /usr/lib/softhsm/libsofthsm2.so
          tokencert apply --id A123456789 --software --account 1020-1234567 --channel email
          tokencert apply --id A123456789 --tpm        # the computer's TPM 2.0 (tpm2-pkcs11), no USB token needed

        With no --token, --reader, --tpm or --software, a ready TPM 2.0 token (tpm2-pkcs11) is offered first — the key cannot be copied off the computer, so it cannot be backed up — and the software store otherwise.

        Exit codes: 0 installed · 3 not eligible (an active certificate exists, locked…) · 4 token missing · 5 PIN · 6 RA unreachable · 64 bad input · 1 interrupted (run again; 4 when the token was pulled midway).
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var journey: JourneyOptions
    @OptionGroup var nss: NSSOptions
    @Option(name: .customLong("key-type"), help: ArgumentHelp("rsa2048 (default), rsa3072, rsa4096, p256 or p384 — as the broker allows.", valueName: "type"))
    var keyType: String?

    var journeyAnswers: JourneyOptions? { journey }
    var keyTypeChoice: String? { keyType }

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        // Nothing named: a ready TPM is offered before the software store.
        let choice = try await store.resolve(offer: { try await run.prompt.confirm($0) })
        if case .tpm = choice, global.format == .text {
            run.say("The key will be made in this computer's TPM 2.0; it cannot be copied off this computer or backed up. Name it with --tpm in other commands, or nothing at all.",
                    "金鑰將產生於此電腦的 TPM 2.0，無法複製出這台電腦，也無法備份。其他指令可加 --tpm，或不指定存放位置。")
        }
        let keyStore = try await store.open(language: lang, needsKeys: true, choice: choice)
        let (session, id) = try await customer.login(run.ra, language: lang)
        let installed = try await run.lifecycle.apply(store: keyStore, session: session, customerID: id)
        try InstalledOutput.print(installed, run: run, verb: (en: "Certificate installed", zh: "憑證已安裝"))
        try await nss.installIfAsked(keyStore, language: lang)
        if case .software = choice, global.format == .text {
            run.say("Back it up now to a removable drive: tokencert backup --software", "請立即備份至隨身碟：tokencert backup --software")
        }
    }
}

/// Output of apply and renew.
enum InstalledOutput {
    struct JSON: Codable {
        var serial: String
        var certificate: CertificateJSON
        var replaced: String?
        var resumed: Bool
    }

    static func print(_ installed: CertificateLifecycle.Installed, run: CustomerRun, verb: (en: String, zh: String)) throws {
        if run.global.format == .json {
            return try printJSON(JSON(serial: installed.certificate.serialNumber, certificate: CertificateJSON(installed.certificate),
                                      replaced: installed.replaced?.uppercased(), resumed: installed.resumed))
        }
        let s = installed.certificate
        run.say("✔ \(verb.en)\(installed.resumed ? " (finished an earlier interrupted run)" : "")",
                "✔ \(verb.zh)\(installed.resumed ? "（已完成先前中斷的作業）" : "")")
        for (label, value) in s.lines(run.language) { Swift.print("  \(label): \(value)") }
        if let old = installed.replaced { run.say("  Replaced: \(old.uppercased()) (superseded)", "  取代：\(old.uppercased())（已汰換）") }
    }
}
