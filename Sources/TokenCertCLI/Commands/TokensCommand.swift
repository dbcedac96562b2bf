import ArgumentParser
import Foundation
public import Localization
import Secrets
import PKCS11

/// `tokencert tokens`: modules, tokens, PIN state, keys and certificates.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "List PKCS#11 modules, their tokens, PIN state, and key and certificate objects.",
        discussion: """
        Without --module, every module registered with p11-kit is listed (e.g. softhsm2, opensc-pkcs11). Public objects are listed without a PIN; add --login to see private keys (the PIN is read from --pin-file, the TOKENCERT_PIN environment variable, or asked for without echo — never from argv). For each token, "TokenCert can" says which key kinds it can generate there (each new key is read back and kept only if non-extractable), which signatures it makes on the token or with the hash on the host, the module profile in use (SoftHSM2, TPM 2.0, openCryptoki, ykcs11, OpenSC PIV…) and what the token cannot do and why; in JSON under "capabilities".

        With --format json: one JSON document as docs/schemas/tokens.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert tokens
          tokencert tokens --module /usr/lib/softhsm/libsofthsm2.so --format json
          tokencert tokens --token 'pkcs11:token=My%20Token' --login --pin-file ~/.config/pin

        PIN states: ok, count-low (a wrong PIN was entered), final-try (one more wrong PIN locks it), locked, must-change, not-initialized.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("PKCS#11 module: a path, a file name in p11-kit's module directory, or a p11-kit registry name. Repeatable.", valueName: "path"))
    var module: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only tokens matching this RFC 7512 URI, e.g. 'pkcs11:token=Alice'.", valueName: "pkcs11-uri"))
    var token: String?

    @Flag(name: .long, help: "Log in with the user PIN to list private objects too.")
    var login = false

    @Option(name: .long, help: ArgumentHelp("File whose first line is the user PIN (with --login).", valueName: "path"))
    var pinFile: String?

    @Flag(name: .long, help: "Also list each token's mechanisms with key sizes.")
    var mechanisms = false

    func validate() throws {
        if let token, PKCS11URI(token) == nil {
            throw ValidationError("--token is not a valid pkcs11: URI (RFC 7512): \(token)")
        }
        if pinFile != nil && !login { throw ValidationError("--pin-file goes with --login") }
    }

    func run() async throws {
        let language = global.language
        do {
            let modules: [(name: String?, path: String)] = module.isEmpty
                ? TokenInventory.defaultModulePaths()
                : module.map { m in
                    if let entry = P11KitRegistry.modules().first(where: { $0.name == m }) { return (entry.name, entry.modulePath) }
                    return (nil, P11KitRegistry.resolveModulePath(m))
                }
            let pin: Secret? = login ? try SecretReader(file: pinFile, environmentVariable: "TOKENCERT_PIN",
                                                         prompt: LocalizedText(en: "User PIN: ", zhTW: "使用者 PIN 碼：")).read(language: language) : nil
            let inventory = try await TokenInventory.collect(modules: modules, tokenFilter: token.flatMap(PKCS11URI.init),
                                                         pin: pin, includeMechanisms: mechanisms)
            if global.format == .json {
                try printJSON(inventory)
            } else {
                print(render(inventory, language))
            }
            if !modules.isEmpty && inventory.modules.allSatisfy({ $0.error != nil }) {
                throw ExitStatus.tokenMissing.exitCode  // every module failed; each one's reason is printed above
            }
            if modules.isEmpty {
                throw CLIError(.tokenMissing, en: "No PKCS#11 module is installed or registered.",
                               zhTW: "沒有安裝或登錄任何 PKCS#11 模組。",
                               remedyEN: "Install one, e.g. apt-get install opensc-pkcs11 softhsm2, or pass --module PATH.",
                               remedyZH: "請安裝模組，例如 apt-get install opensc-pkcs11 softhsm2，或以 --module 指定路徑。")
            }
        } catch {
            throw report(error, language: language)
        }
    }

    func render(_ inventory: TokenInventory, _ lang: Language) -> String {
        let en = lang == .english
        var out: [String] = []
        for m in inventory.modules {
            let title = [m.name, m.description, m.version].compactMap { $0 }.joined(separator: " ")
            out.append((en ? "Module " : "模組 ") + "\(title.isEmpty ? m.path : title)  [\(m.path)]")
            if let error = m.error {
                out.append("  " + (en ? "cannot use: " : "無法使用：") + (m.problem?.text(lang) ?? error))
                if let remedy = m.remedy { out.append("  " + (en ? "What to do: " : "處理方式：") + remedy.text(lang)) }
                continue
            }
            if m.tokens.isEmpty { out.append("  " + (en ? "(no token present)" : "（沒有載具）")) }
            for t in m.tokens {
                out.append("  " + (en ? "Token " : "載具 ") + "\"\(t.label)\"  \(t.manufacturer) \(t.model)  serial \(t.serial)")
                out.append("    URI: \(t.uri)")
                if !t.initialized {
                    out.append("    " + (en ? "not initialised (blank)" : "尚未初始化（空白載具）"))
                    continue
                }
                out.append("    " + (en ? "user PIN: " : "使用者 PIN：") + pinText(t.userPIN, lang)
                           + "   SO PIN: " + pinText(t.soPIN, lang) + (t.pinPad ? (en ? "   (PIN pad)" : "（讀卡機密碼鍵盤）") : ""))
                if let c = t.capabilities {
                    out.append("    " + (en ? "TokenCert can: " : "TokenCert 可以：")
                               + (c.generates.isEmpty ? (en ? "not generate keys" : "無法產生金鑰")
                                  : (en ? "generate " : "產生 ") + c.generates.joined(separator: ", ")
                                    + (en ? " (non-extractable, checked)" : "（不可匯出，產生後檢查）"))
                               + (c.signs.isEmpty ? "" : (en ? "; sign " : "；簽章 ") + c.signs.joined(separator: ", ")))
                    out.append("    " + (en ? "module profile: " : "模組設定檔：") + c.profileName)
                    for l in c.limitations { out.append("    " + (en ? "note: " : "注意：") + l) }
                }
                if t.objects.isEmpty {
                    out.append("    " + (en ? "no objects" : "沒有物件") + (t.loggedIn ? "" : (en ? " visible without login (try --login)" : "（未登入時看不到私密物件，可加 --login）")))
                } else {
                    var table = TextTable(header: en ? ["type", "label", "id", "key", "flags"] : ["類型", "標籤", "ID", "金鑰", "屬性"])
                    for o in t.objects {
                        var flags: [String] = []
                        if o.sensitive == true { flags.append("sensitive") }
                        if o.extractable == false { flags.append("non-extractable") }
                        if o.local == true { flags.append("generated-on-token") }
                        let key = [o.keyType, o.bits.map(String.init)].compactMap { $0 }.joined(separator: "-")
                        table.rows.append([o.type, o.label ?? "", o.id ?? "", key, flags.joined(separator: ",")])
                    }
                    out.append(table.render().split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                }
                if let mechs = t.mechanisms {
                    out.append("    " + (en ? "mechanisms:" : "機制："))
                    for m in mechs { out.append("      \(m.name) \(m.minKeySize)-\(m.maxKeySize) \(m.flags.joined(separator: ","))") }
                }
            }
        }
        return out.joined(separator: "\n")
    }

    func pinText(_ s: PINState, _ lang: Language) -> String {
        switch (s, lang) {
        case (.ok, .english): "ok"
        case (.ok, _): "正常"
        case (.countLow, .english): "count low (a wrong PIN was entered)"
        case (.countLow, _): "曾輸入錯誤"
        case (.finalTry, .english): "FINAL TRY: one more wrong PIN locks it"
        case (.finalTry, _): "最後一次機會：再錯一次即鎖定"
        case (.locked, .english): "LOCKED"
        case (.locked, _): "已鎖定"
        case (.mustChange, .english): "must be changed"
        case (.mustChange, _): "必須變更"
        case (.notInitialized, .english): "not set"
        case (.notInitialized, _): "尚未設定"
        }
    }
}

extension TokenInventory {
    /// The table `tokencert tokens` prints, in `language`.
    public func text(_ language: Language) -> String { TokensCommand().render(self, language) }
}
