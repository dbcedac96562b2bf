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
        Signs a sample order (CMS) with the key here, verifies it locally — signature, chain to the broker's
        CA, validity and the current CRL — and, logged in, asks the host to verify it for your account, as
        the order gateway would. Prints the certificate serial and 驗章成功 / the reason it failed.

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
            struct JSON: Codable {
                var serial: String; var passed: Bool; var local: Check; var host: Check?
                struct Check: Codable { var code: String; var message: TextJSON }
            }
            try printJSON(JSON(serial: r.serial, passed: r.passed, local: .init(code: r.localCode, message: TextJSON(r.local)),
                               host: r.hostCode.map { .init(code: $0, message: TextJSON(r.host ?? r.local)) }
                                   ?? r.hostError.map { .init(code: "unavailable", message: TextJSON($0)) }))
        } else {
            run.say("Certificate serial: \(r.serial)", "憑證序號： \(r.serial)")
            run.say("Result (this computer): \(r.local.english)", "檢驗結果（本機）： \(r.local.traditionalChinese)")
            if let host = r.host { run.say("Result (host): \(host.english)", "檢驗結果（主機）： \(host.traditionalChinese)") }
            if let e = r.hostError { run.say("Host: not available — \(e.english)", "主機：無法驗證 — \(e.traditionalChinese)") }
        }
        if !r.passed { throw ExitStatus.verificationFailed.exitCode }
    }
}
