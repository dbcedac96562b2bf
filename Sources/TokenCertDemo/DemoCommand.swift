public import ArgumentParser
import CertificateKit
import Crypto
import Foundation
import KeyStores
import Lifecycle
import Localization
import Secrets
import PIV
import RAHTTPClient
import RAServer
import TokenCertCLI
import PKCS11

/// `tokencert-demo` (also run as `tokencert demo`): the main job on embedded defaults. The RA in-process on loopback (temporary
/// SQLite file and outbox), demo customers, a throwaway SoftHSM token, the software store in two
/// "computers", and the virtual PIV card when a vpcd reader is given; the customer journey on each.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokencert-demo",
        abstract: "Run the whole journey on embedded defaults: an in-process RA, a fresh SoftHSM token, software backup/restore (and the virtual PIV card).",
        discussion: """
        Everything lives in a private work directory (nothing outside it is touched). A fresh SoftHSM2 token is personalised with random SO and user PINs (never shown) and signs a sample order with an RSA-2048 and a P-256 key, verified on the token and in software. Then the registration authority starts in this process on a free loopback port (SQLite file, one-time codes in an outbox folder) with three demo customers, and the journey runs as a customer would run it:

          software:  apply → backup → restore on a second "computer" → sign-test → revoke
          token:     apply → status → sign-test → renew → status → revoke
          PIV card:  apply → status → sign-test → renew → status → revoke

        The backup is a .pfx written to a "drive" folder and dated today; for each renewal the demo moves the clock forward into the renewal window, on the RA and on that customer's side; the PIV card takes part with --piv-port and --piv-reader. One-time codes are read from the outbox. Prints each step and the token table; exits non-zero if any step fails.

        scripts/demo starts a private pcscd with a vpcd reader when none is running and passes --piv-port and --piv-reader.

        With --format json: one JSON document as docs/schemas/demo.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert demo
          tokencert demo --module /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
          tokencert demo --piv-port 35963 --piv-reader "Virtual PCD 00 00" --format json
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("PKCS#11 module that serves SoftHSM (libsofthsm2.so directly, or p11-kit-proxy.so).", valueName: "path"))
    var module: String = "/usr/lib/softhsm/libsofthsm2.so"

    @Option(name: .long, help: ArgumentHelp("Keep the token directory here instead of a temporary one.", valueName: "dir"))
    var workDir: String?

    @Option(name: .long, help: ArgumentHelp("vpcd port to plug the virtual PIV card into (with --piv-reader).", valueName: "port"))
    var pivPort: Int?

    @Option(name: .long, help: ArgumentHelp("The pcscd reader name of that vpcd port, e.g. \"Virtual PCD 00 00\".", valueName: "name"))
    var pivReader: String?

    public init() {}

    public func validate() throws {
        if (pivPort == nil) != (pivReader == nil) {
            throw ValidationError("--piv-port and --piv-reader go together")
        }
    }

    public func run() async throws {
        let lang = global.language
        let en = lang == .english
        func step(_ enText: String, _ zhText: String) {
            if global.format == .text { print("▶ " + (en ? enText : zhText)) }
        }
        let dir = workDir ?? (NSTemporaryDirectory() + "tokencert-demo-\(UUID().uuidString.prefix(8))")
        let keep = workDir != nil
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        do {
            let conf = try SoftHSMSetup.prepare(directory: dir)
            setenv("SOFTHSM2_CONF", conf, 1)
            step("SoftHSM token directory: \(dir)/tokens", "SoftHSM 載具目錄：\(dir)/tokens")

            let module = try PKCS11Module.load(path: module)
            step("Module: \(module.info.libraryDescription) \(module.info.libraryVersion)",
                 "模組：\(module.info.libraryDescription) \(module.info.libraryVersion)")

            let label = "TokenCert demo \(UUID().uuidString.prefix(6))"
            let userPINText = SoftHSMSetup.randomDigits(6)
            let soPIN = Secret(SoftHSMSetup.randomDigits(8)), userPIN = Secret(userPINText)
            let token = try await module.initializeToken(label: label, soPIN: soPIN, userPIN: userPIN)
            step("Personalised token \"\(label)\" (serial \(token.info.serialNumber)); PINs are random and not shown",
                 "已初始化載具「\(label)」（序號 \(token.info.serialNumber)），PIN 碼為隨機產生、不顯示")

            let session = try module.openSession(token.slot.id)
            try await session.login(pin: userPIN)
            let message = Array("order: buy 2330 x 1000 @ 1085.00 TWD".utf8)
            var results: [DemoResult] = []
            for spec in [KeySpec.rsa2048, .p256] {
                let started = ContinuousClock.now
                let pair = try await session.generateKeyPair(spec, label: "demo \(spec)")
                step("Generated \(spec) on the token in \(started.duration(to: .now).formatted(.units(allowed: [.milliseconds]))) (private key sensitive, non-extractable)",
                     "已在載具內產生 \(spec) 金鑰（私鑰不可匯出）")
                let signature = try await session.sign(message, with: pair.privateKey)
                let onToken = try await session.verify(signature, of: message, publicKey: pair.publicKey!, key: pair.privateKey)
                var inSoftware: Bool?
                if spec == .p256 {
                    let key = try P256.Signing.PublicKey(derRepresentation: pair.subjectPublicKeyInfo)
                    inSoftware = key.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: signature),
                                                      for: SHA256.hash(data: message))
                }
                results.append(DemoResult(key: spec.description, signatureBytes: signature.count,
                                          verifiedOnToken: onToken, verifiedInSoftware: inSoftware))
                step("Signed the sample order with \(spec): \(signature.count)-byte signature, token verify \(onToken ? "OK" : "FAILED")"
                     + (inSoftware.map { ", software verify \($0 ? "OK" : "FAILED")" } ?? ""),
                     "以 \(spec) 簽署範例委託單：簽章 \(signature.count) 位元組，載具驗章\(onToken ? "成功" : "失敗")"
                     + (inSoftware.map { "，軟體驗章\($0 ? "成功" : "失敗")" } ?? ""))
            }
            try await session.logout()
            try await session.close()

            // The customer journey against the RA, in-process on loopback.
            let clock = ManualClock(Date())
            let demoRA = try await DemoRA.make(directory: dir + "/ra", clock: clock)
            step("RA started in-process on loopback (SQLite \(dir)/ra/ra.sqlite, one-time codes in \(dir)/ra/outbox)",
                 "RA 已於本機回送位址啟動（SQLite：\(dir)/ra/ra.sqlite，一次性密碼寫入 \(dir)/ra/outbox）")
            let format = global.format
            let say: @Sendable (LocalizedText) -> Void = { text in if format == .text { print(text.text(lang)) } }
            let tokenURI = PKCS11URI.forToken(token.info)
            let pivPort = self.pivPort, pivReader = self.pivReader
            let journeySteps = try await demoRA.serve { url in
                let journey = DemoJourney(ra: demoRA, client: HTTPRAClient(baseURL: url, timeout: 30), say: say, directory: dir)
                var steps: [DemoStep] = []
                let tokenStore = PKCS11KeyStore(module: module, token: tokenURI, pin: .constant(Secret(String(decoding: userPINText.utf8, as: UTF8.self))))
                // Software first: its computers keep the real date, and the RA's clock only moves forward (for the renewals).
                try await journey.software(customer: 1, steps: &steps)
                try await journey.token(tokenStore, customer: 0, steps: &steps)
                if let pivPort, let pivReader {
                    try await DemoVirtualCard.run(port: pivPort, reader: pivReader, say: say) {
                        try await journey.token(PIVKeyStore(reader: pivReader, pin: .constant(Secret(PIV.defaultPIN))), customer: 2, steps: &steps)
                    }
                }
                return steps
            }

            let inventory = try await TokenInventory.collect(modules: [(nil, self.module)],
                                                         tokenFilter: PKCS11URI.forToken(token.info),
                                                         pin: userPIN, includeMechanisms: false)
            let ok = results.allSatisfy { $0.verifiedOnToken && $0.verifiedInSoftware != false } && journeySteps.allSatisfy(\.ok)
            if global.format == .json {
                try printJSON(DemoReport(ok: ok, steps: results, journey: journeySteps, inventory: inventory))
            } else {
                print(inventory.text(lang))
                print(ok ? (en ? "Demo finished: every step passed." : "示範完成：每個步驟皆成功。")
                         : (en ? "Demo FAILED: a step did not pass." : "示範失敗：有步驟未通過。"))
            }
            if !ok { throw ExitStatus.verificationFailed.exitCode }
        } catch {
            throw report(error, language: lang)
        }
    }
}

struct DemoResult: Codable {
    var key: String
    var signatureBytes: Int
    var verifiedOnToken: Bool
    var verifiedInSoftware: Bool?
}

struct DemoReport: Codable {
    var ok: Bool
    var steps: [DemoResult]
    var journey: [DemoStep]
    var inventory: TokenInventory
}

/// A private SoftHSM2 configuration: its own token directory, file backend, errors-only logging.
public enum SoftHSMSetup {
    /// Writes `DIR/softhsm2.conf` with `directories.tokendir = DIR/tokens` and returns the conf path.
    public static func prepare(directory: String) throws -> String {
        let tokens = directory + "/tokens"
        try FileManager.default.createDirectory(atPath: tokens, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let conf = directory + "/softhsm2.conf"
        let text = """
            directories.tokendir = \(tokens)
            objectstore.backend = file
            log.level = ERROR
            slots.removable = false

            """
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        return conf
    }

    /// `n` random digits (PINs the demo never shows).
    public static func randomDigits(_ n: Int) -> String { CardPersonalisation.randomDigits(n) }
}
