import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization

/// `tokencert sign --in F --out F.p7s [--detached]`.
struct SignCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a file with the key here as CMS (PKCS#7) SignedData, for scripts.",
        discussion: """
        Writes DER CMS SignedData (signer certificate, contentType, messageDigest, signingTime), attached by default or --detached; openssl cms -verify and tokencert verify read it. --pem writes PEM instead.

        With --format json: one JSON document as docs/schemas/sign.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert sign --in order.txt --out order.p7s --token 'pkcs11:token=Alice' --module /usr/lib/softhsm/libsofthsm2.so
          tokencert sign --in order.txt --out order.p7s --detached --software

        Exit codes: 0 written · 3 no certificate · 4 token missing · 5 PIN · 64 bad input.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("in"), help: ArgumentHelp("The file to sign.", valueName: "file")) var input: String
    @Option(name: .customLong("out"), help: ArgumentHelp("Where the signature goes (refuses to overwrite unless --force).", valueName: "file")) var output: String
    @Flag(name: .long, help: "Leave the content out of the signature.") var detached = false
    @Flag(name: .long, help: "Write PEM instead of DER.") var pem = false
    @Flag(name: .long, help: "Overwrite --out.") var force = false

    func work() async throws {
        let lang = global.language
        guard let content = FileManager.default.contents(atPath: input) else {
            throw CLIError(.badInput, en: "Cannot read \(input).", zhTW: "無法讀取 \(input)。")
        }
        if !force, FileManager.default.fileExists(atPath: output) {
            throw CLIError(.badInput, en: "\(output) exists; give --force to overwrite it.", zhTW: "\(output) 已存在；如要覆寫請加 --force。")
        }
        let keyStore = try await store.open(language: lang, needsKeys: true)
        guard let current = try await keyStore.currentKey(), let der = current.certificateDER else { throw LifecycleError.noCertificate }
        let signature = try await OrderSigner.sign(Array(content), key: try TokenPrivateKey(current.signer),
                                                   certificate: try CertificateSummary.parse(der), detached: detached)
        let bytes = pem ? Array(OrderSigner.pem(signature).utf8) : signature
        try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        let serial = try CertificateSummary(der).serialNumber
        if global.format == .json {
            struct JSON: Codable { var output: String; var serial: String; var detached: Bool; var bytes: Int }
            try printJSON(JSON(output: output, serial: serial, detached: detached, bytes: bytes.count))
        } else {
            print(lang == .english ? "✔ Signed with certificate \(serial): \(output)" : "✔ 已以憑證 \(serial) 簽署：\(output)")
        }
    }
}
