import ArgumentParser
import CertificateKit
import Domain
import Foundation
import Lifecycle
import Localization
import RAContract
import RAHTTPClient
import Secrets

/// `--ra URL`: the registration authority (else `$TOKENCERT_RA`, else http://127.0.0.1:8080).
struct RAOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("The broker's certificate service (else $TOKENCERT_RA, else http://127.0.0.1:8080).", valueName: "url"))
    var ra: String?

    @Option(name: .customLong("ra-timeout"), help: ArgumentHelp("Seconds to wait for the RA's answer.", valueName: "s"))
    var raTimeout: Double = 30

    @Option(name: .customLong("ra-ca"), help: ArgumentHelp("The broker's own CA certificate (PEM) to trust for an https RA and OCSP responder, besides the system's (else $TOKENCERT_RA_CA).", valueName: "file"))
    var raCA: String?

    func client(language: Language) throws -> HTTPRAClient {
        let text = ra ?? ProcessInfo.processInfo.environment["TOKENCERT_RA"] ?? "http://127.0.0.1:8080"
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw CLIError(.badInput, en: "--ra must be an http(s) URL: \(text)", zhTW: "--ra 必須是 http(s) 網址：\(text)")
        }
        return HTTPRAClient(baseURL: url, timeout: raTimeout,
                            orderGatewayToken: ProcessInfo.processInfo.environment["TOKENCERT_ORDER_GATEWAY_TOKEN"],
                            trustedCAFile: try trustedCAFile())
    }

    /// `--ra-ca` or `$TOKENCERT_RA_CA`, checked now: a file that is missing or holds no PEM certificate
    /// is bad input (64), said before anything is sent — not a TLS failure later.
    func trustedCAFile() throws -> String? {
        guard let path = raCA ?? ProcessInfo.processInfo.environment["TOKENCERT_RA_CA"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.badInput, en: "The RA's CA certificate \(path) cannot be read.", zhTW: "無法讀取註冊中心的 CA 憑證 \(path)。",
                           remedyEN: "Give --ra-ca (or $TOKENCERT_RA_CA) the PEM file the broker gave you.",
                           remedyZH: "請以 --ra-ca（或環境變數 TOKENCERT_RA_CA）指定券商提供的 PEM 憑證檔。")
        }
        guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw CLIError(.badInput, en: "\(path) holds no PEM certificate.", zhTW: "\(path) 不含 PEM 格式的憑證。",
                           remedyEN: "Give --ra-ca (or $TOKENCERT_RA_CA) the PEM file the broker gave you.",
                           remedyZH: "請以 --ra-ca（或環境變數 TOKENCERT_RA_CA）指定券商提供的 PEM 憑證檔。")
        }
        return path
    }
}

/// Who the customer is: `--id` (else `$TOKENCERT_ID`) and the e-trading password from
/// `--password-file`, `$TOKENCERT_PASSWORD` or a no-echo prompt.
struct CustomerOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("National ID or unified business number (else $TOKENCERT_ID).", valueName: "id"))
    var id: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("File whose first line is the e-trading password (else $TOKENCERT_PASSWORD, else a prompt).", valueName: "path"))
    var passwordFile: String?

    func customerID(language: Language) throws -> CustomerID {
        guard let text = id ?? ProcessInfo.processInfo.environment["TOKENCERT_ID"], !text.isEmpty else {
            throw CLIError(.badInput, en: "Which customer? Give --id (or $TOKENCERT_ID).", zhTW: "請以 --id（或環境變數 TOKENCERT_ID）指定身分證字號或統一編號。")
        }
        return try Self.customerID(parsing: text)
    }

    /// `text` as a national ID or unified business number; the refusal shows only its first four characters.
    static func customerID(parsing text: String) throws -> CustomerID {
        do { return try CustomerID(text) } catch {
            throw CLIError(.badInput, en: "\(String(text.prefix(4)))*** is not a valid national ID or unified business number.",
                           zhTW: "\(String(text.prefix(4)))*** 不是有效的身分證字號或統一編號。")
        }
    }

    /// True when the customer is known and the password comes from a file or the environment, so a
    /// login asks nothing (`status --check` logs in only then).
    var loginNeedsNoPrompt: Bool {
        let environment = ProcessInfo.processInfo.environment
        guard !(id ?? environment["TOKENCERT_ID"] ?? "").isEmpty else { return false }
        return passwordFile != nil || !(environment["TOKENCERT_PASSWORD"] ?? "").isEmpty
    }

    /// Logs in; the password never leaves this function except in the login request body.
    func login(_ ra: any RAClient, language: Language) async throws -> (RA.Session, CustomerID) {
        let id = try customerID(language: language)
        let password = try SecretReader(file: passwordFile, environmentVariable: "TOKENCERT_PASSWORD",
                                        prompt: LocalizedText(en: "E-trading password for \(id.masked)", zhTW: "\(id.masked) 的電子交易密碼"),
                                        fileOption: "--password-file").read(language: language)
        return (try await ra.login(RA.LoginRequest(id: id.value, password: password.revealedString())), id)
    }
}

/// Answers given ahead for scripted runs.
struct JourneyOptions: ParsableArguments, Sendable {
    @Flag(name: .long, help: "Agree and confirm without asking (the agreement is still printed); the first account and SMS unless --account/--channel say otherwise. The birth date comes from $TOKENCERT_BIRTH_DATE or stdin; the one-time code is always asked.")
    var yes = false

    @Option(name: .long, help: ArgumentHelp("The securities account for the one-time code, e.g. 1020-1234567.", valueName: "account"))
    var account: String?

    @Option(name: .long, help: ArgumentHelp("How the one-time code is sent: sms or email.", valueName: "sms|email"))
    var channel: String?

    func prompt(_ global: GlobalOptions) throws -> TerminalPrompt {
        var parsed: RA.Channel?
        if let channel {
            guard let c = RA.Channel(rawValue: channel.lowercased()) else {
                throw CLIError(.badInput, en: "--channel is sms or email, not \(channel).", zhTW: "--channel 須為 sms 或 email，而非 \(channel)。")
            }
            parsed = c
        }
        return TerminalPrompt(language: global.language, assumeYes: yes, account: account, channel: parsed, quiet: global.format == .json)
    }
}

/// The broker settings a client needs: the key type to generate and the code in backup names.
struct ClientSettings {
    static func configuration(keyType: String?) throws -> CertificateLifecycle.Configuration {
        let broker = try BrokerCode(ProcessInfo.processInfo.environment["TOKENCERT_BROKER"] ?? "TOKENCERT")
        var configuration = CertificateLifecycle.Configuration(broker: broker)
        if let keyType { configuration.keyKind = try parseKeyType(keyType) }
        return configuration
    }

    static func parseKeyType(_ text: String) throws -> KeyDescription.Kind {
        switch text.lowercased() {
        case "rsa2048", "rsa-2048", "rsa": .rsa(bits: 2048)
        case "rsa3072", "rsa-3072": .rsa(bits: 3072)
        case "rsa4096", "rsa-4096": .rsa(bits: 4096)
        case "p256", "p-256", "ec", "ecdsa": .p256
        case "p384", "p-384": .p384
        default:
            throw CLIError(.badInput, en: "Unknown key type \(text): use rsa2048, rsa3072, rsa4096, p256 or p384.",
                           zhTW: "不支援的金鑰類型 \(text)：請用 rsa2048、rsa3072、rsa4096、p256 或 p384。")
        }
    }
}
