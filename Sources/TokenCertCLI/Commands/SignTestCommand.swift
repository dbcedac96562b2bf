import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization

/// `tokencert sign-test`: the manual's 下單簽驗章測試.
struct SignTestCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-test",
        abstract: "Sign a sample order and verify it here and with the host; prints the serial and the verdict.",
        discussion: """
        Signs a sample order (CMS) with the key here, verifies it locally — signature, chain to the broker's CA, validity and the current CRL — and, logged in, asks the host to verify it for your account, as the order gateway would. Prints the certificate serial and 驗章成功 / the reason it failed.

        With --format json: one JSON document as docs/schemas/sign-test.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert sign-test --id A123456789 --token 'pkcs11:token=Alice' --module /usr/lib/softhsm/libsofthsm2.so
          tokencert sign-test --software --offline --format json

        Exit codes: 0 verified · 2 verification failed · 3 no certificate · 4 token missing · 5 PIN · 6 RA unreachable.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @Flag(name: .long, help: "Only the local check (no login; the CA and CRL still come from the RA).") var offline = false

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        let keyStore = try await store.open(language: lang, needsKeys: true)
        let session = offline ? nil : try await customer.login(run.ra, language: lang).0
        let r = try await run.lifecycle.signTest(store: keyStore, session: session)
        if global.format == .json {
            try printJSON(SignTestJSON(r))
        } else {
            run.say("Certificate serial: \(r.serial)", "憑證序號： \(r.serial)")
            run.say("Result (this computer): \(r.local.english)", "檢驗結果（本機）： \(r.local.traditionalChinese)")
            if let host = r.host { run.say("Result (host): \(host.english)", "檢驗結果（主機）： \(host.traditionalChinese)") }
            if let e = r.hostError { run.say("Host: not available — \(e.english)", "主機：無法驗證 — \(e.traditionalChinese)") }
        }
        if !r.passed { throw ExitStatus.verificationFailed.exitCode }
    }
}

/// The sign-and-verify test's result as `tokencert sign-test --format json` prints it and the window's
/// job result carries it (docs/schemas/sign-test.schema.json).
struct SignTestJSON: Codable, Sendable {
    /// One side's verdict: a code for scripts and the words for people.
    struct Check: Codable, Sendable {
        var code: String
        var message: LocalizedText
    }
    var serial: String
    var passed: Bool
    var local: Check
    /// The host's verdict, or `unavailable` with the reason; absent when offline.
    var host: Check?

    init(_ r: CertificateLifecycle.SignTestReport) {
        serial = r.serial
        passed = r.passed
        local = Check(code: r.localCode, message: r.local)
        host = r.hostCode.map { Check(code: $0, message: r.host ?? r.local) } ?? r.hostError.map { Check(code: "unavailable", message: $0) }
    }
}
