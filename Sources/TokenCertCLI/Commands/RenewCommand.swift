import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization

/// `tokencert renew`.
struct RenewCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew the certificate in its last 30 days: new key beside the old, proof with the old key, then the old one removed.",
        discussion: """
        Only while the certificate is valid and in its renewal window (the last 30 days before it ends; tokencert status shows the opening date). After both identity steps a new key is generated beside the old one, the request is signed with the old key (proof of possession), the new certificate is stored and tested, its installation confirmed to the broker with the new key, and only then the old key and certificate are removed. If anything stops midway (token pulled, network down), run the same command again: it finishes what was started and leaves no orphaned key behind.

        With --format json: one JSON document as docs/schemas/installed.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert renew --id A123456789 --token 'pkcs11:token=Alice' --module /usr/lib/softhsm/libsofthsm2.so

        Exit codes: 0 renewed · 3 not in the window / not renewable · 4 token missing · 5 PIN · 6 RA unreachable · 1 interrupted (run again; 4 when the token was pulled midway).
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var journey: JourneyOptions
    @Option(name: .customLong("key-type"), help: ArgumentHelp("Key type of the new key (default rsa2048).", valueName: "type"))
    var keyType: String?

    var journeyAnswers: JourneyOptions? { journey }
    var keyTypeChoice: String? { keyType }

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        let keyStore = try await store.open(language: lang, needsKeys: true)
        let (session, id) = try await customer.login(run.ra, language: lang)
        let installed = try await run.lifecycle.renew(store: keyStore, session: session, customerID: id)
        try InstalledOutput.print(installed, run: run, verb: (en: "Certificate renewed", zh: "憑證已展期"))
    }
}
