import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import KeyStores
import Localization
import Secrets
import PKCS11

/// Where the customer's key lives: `--token 'pkcs11:…'` (with `--module`), `--reader NAME` for a
/// PIV card, or `--software` (the encrypted store in the XDG data folder). Never a slot number.
struct StoreOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("The token, as an RFC 7512 URI, e.g. 'pkcs11:token=My%20Token'.", valueName: "uri"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("PKCS#11 module for --token (a path, or a p11-kit module name; default: p11-kit-proxy).", valueName: "module"))
    var module: String?

    @Option(name: .long, help: ArgumentHelp("PC/SC reader holding a PIV card, e.g. \"Yubico YubiKey OTP+FIDO+CCID 00 00\".", valueName: "name"))
    var reader: String?

    @Flag(name: .long, help: "Keep the key in software (encrypted in $XDG_DATA_HOME/tokencert/store) — for customers without a token.")
    var software = false

    @Flag(name: .long, help: "Keep the key in this computer's TPM 2.0 (a tpm2-pkcs11 token; `tokencert doctor` says how to set one up). It cannot be copied off this computer, so it cannot be backed up. Chosen by itself when nothing else is named and the TPM token holds the key; apply offers it.")
    var tpm = false

    @Option(name: .customLong("store-dir"), help: ArgumentHelp("The software store's folder (default $XDG_DATA_HOME/tokencert/store).", valueName: "dir"))
    var storeDirectory: String?

    @Option(name: .customLong("pin-file"), help: ArgumentHelp("File whose first line is the token/card PIN (else $TOKENCERT_PIN, else a prompt).", valueName: "path"))
    var pinFile: String?

    @Option(name: .customLong("so-pin-file"), help: ArgumentHelp("File whose first line is the token administrator's PIN — for ykcs11 the PIV management key as 48 hex digits — needed where only the administrator may create keys (else $TOKENCERT_SO_PIN, else a prompt; a YubiKey's factory management key is tried first).", valueName: "path"))
    var soPINFile: String?

    @Option(name: .customLong("store-password-file"), help: ArgumentHelp("File whose first line is the software store's password (else $TOKENCERT_STORE_PASSWORD, else a prompt).", valueName: "path"))
    var storePasswordFile: String?

    func validate() throws {
        let chosen = [token != nil, reader != nil, software, tpm].filter { $0 }.count
        if chosen > 1 { throw ValidationError("Choose one of --token, --reader, --tpm and --software.") }
        if module != nil && token == nil { throw ValidationError("--module goes with --token.") }
    }

    /// A short name of the choice for messages.
    var describe: String { token ?? reader.map { "PIV: \($0)" } ?? (tpm ? "TPM" : "software") }
}

extension StoreOptions {
    /// Nothing but (at most) `--software` was chosen: the software store, or the TPM when it holds the key.
    var isSoftware: Bool { token == nil && reader == nil && !tpm && tokenFromEnvironment == nil && readerFromEnvironment == nil }

    /// Which store the options name, with the TPM worked out: `--tpm`; or, when nothing is named (not
    /// even `--software`), the TPM if its tpm2-pkcs11 token already holds a key, else — where `offer`
    /// asks and the person agrees — a ready but empty TPM token; else the software store.
    enum Choice { case named, software, tpm(TPMKeyStore.Availability) }

    /// - Parameter offer: answers the offer of a ready, empty TPM token (the terminal asks the person;
    ///   the web page, which shows the store it uses, accepts); nil leaves the software store.
    func resolve(offer: (@Sendable (LocalizedText) async throws -> Bool)? = nil) async throws -> Choice {
        if tpm || ProcessInfo.processInfo.environment["TOKENCERT_TPM"] == "1" {
            let availability = await TPMKeyStore.probe()
            guard case .ready = availability else { throw Self.tpmUnavailable(availability) }
            return .tpm(availability)
        }
        guard isSoftware else { return .named }
        if software { return .software }
        let availability = await TPMKeyStore.probe()
        guard case .ready(_, let label, _, let holdsKeys) = availability else { return .software }
        if holdsKeys { return .tpm(availability) }
        if let offer, try await offer(LocalizedText(
            en: "This computer has a TPM 2.0 (token \"\(label)\"). Keep the key in it? It cannot be copied off this computer — not by malware either — and for the same reason it cannot be backed up: a new computer needs a new certificate. (No: a software certificate with a .pfx backup.)",
            zhTW: "此電腦具備 TPM 2.0（載具「\(label)」）。要將金鑰存放於 TPM 嗎？金鑰無法被複製出這台電腦（惡意程式亦然），也因此無法備份：換電腦時需重新申請憑證。（否：改用可備份為 .pfx 的軟體憑證。）")) {
            return .tpm(availability)
        }
        return .software
    }

    /// Why `--tpm` cannot be used here, and what to do (exit 4: the TPM store is missing).
    static func tpmUnavailable(_ availability: TPMKeyStore.Availability) -> CLIError {
        let reason = TPMKeyStore.unavailableReason(availability)
        var error = CLIError(.tokenMissing, summary: reason?.summary ?? LocalizedText(en: "The TPM is not ready.", zhTW: "TPM 尚未就緒。"),
                             remedy: reason?.remedy)
        if availability == .noTPM { error.hint = .chooseAnotherStore }
        return error
    }

    var tokenFromEnvironment: String? { ProcessInfo.processInfo.environment["TOKENCERT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } }
    var readerFromEnvironment: String? { ProcessInfo.processInfo.environment["TOKENCERT_READER"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Opens the chosen store. PINs and the store password come from their file, their environment
    /// variable, or a no-echo prompt — asked only when the store needs one.
    /// - Parameter needsKeys: false for `status`, which shows a needed PIN as a state instead of asking.
    func open(language: Language, needsKeys: Bool, choice: Choice? = nil) async throws -> any KeyStore {
        let pin = Self.provider(pinSource, language: language, ask: needsKeys)
        let soPIN = Self.provider(soPINSource, language: language, ask: needsKeys)
        let resolved: Choice
        if let choice { resolved = choice } else { resolved = try await resolve() }
        if case .tpm(let availability) = resolved {
            return try TPMKeyStore.open(availability, pin: pin, soPIN: soPIN)
        }
        return try open(pin: pin, storePassword: Self.provider(storePasswordSource, language: language, ask: needsKeys), soPIN: soPIN)
    }

    /// The token administrator's PIN (SO PIN; the PIV management key for ykcs11): `--so-pin-file`,
    /// `$TOKENCERT_SO_PIN`, or asked — only on tokens whose profile says the administrator writes.
    var soPINSource: SecretReader {
        SecretReader(file: soPINFile, environmentVariable: "TOKENCERT_SO_PIN",
                     prompt: LocalizedText(en: "Administrator PIN (SO PIN / PIV management key)", zhTW: "管理者 PIN 碼（SO PIN／PIV 管理金鑰）"),
                     fileOption: "--so-pin-file")
    }

    /// The token or card PIN: `--pin-file`, `$TOKENCERT_PIN`, or asked.
    var pinSource: SecretReader {
        SecretReader(file: pinFile, environmentVariable: "TOKENCERT_PIN", prompt: LocalizedText(en: "PIN", zhTW: "PIN 碼"), fileOption: "--pin-file")
    }

    /// The software store's password: `--store-password-file`, `$TOKENCERT_STORE_PASSWORD`, or asked.
    var storePasswordSource: SecretReader {
        SecretReader(file: storePasswordFile, environmentVariable: "TOKENCERT_STORE_PASSWORD",
                     prompt: LocalizedText(en: "Password of the software certificate store", zhTW: "軟體憑證存放區密碼"),
                     fileOption: "--store-password-file")
    }

    /// The chosen store with the given secret providers (the web UI asks in the page). A PIN or
    /// password given by file or environment variable is used first.
    func open(pin: SecretProvider, storePassword: SecretProvider, soPIN: SecretProvider = .unavailable) throws -> any KeyStore {
        if let uriText = token ?? (reader == nil && !software ? tokenFromEnvironment : nil) {
            let uri: PKCS11URI
            do { uri = try PKCS11URI(parsing: uriText) } catch {
                throw CLIError(.badInput, en: "--token is not a pkcs11: URI (RFC 7512): \(uriText)", zhTW: "--token 不是 pkcs11: URI（RFC 7512）：\(uriText)",
                               remedyEN: "List tokens with their URIs: tokencert tokens.", remedyZH: "可用 tokencert tokens 列出載具及其 URI。")
            }
            let moduleName = module ?? ProcessInfo.processInfo.environment["TOKENCERT_MODULE"] ?? (uri.modulePath == nil && uri.moduleName == nil
                ? P11KitRegistry.proxyModulePath : nil)
            return try PKCS11KeyStore(module: moduleName, token: uri, pin: pin, soPIN: soPIN)
        }
        if let name = reader ?? (!software ? readerFromEnvironment : nil) {
            return PIVKeyStore(reader: name, pin: pin)
        }
        let directory = storeDirectory.map { URL(fileURLWithPath: $0) } ?? SoftwareKeyStore.defaultDirectory()
        return try SoftwareKeyStore(directory: directory, passphrase: storePassword)
    }

    /// A store's secret provider over a `SecretReader`: the file or variable when given, else the
    /// terminal when `ask`, else none (the store then reports "PIN needed").
    static func provider(_ source: SecretReader, language: Language, ask: Bool) -> SecretProvider {
        SecretProvider { request in
            if let given = try source.given() { return given }
            guard ask else { return nil }
            var asking = source
            asking.prompt = request.question
            return try asking.read(language: language)
        }
    }
}

/// `--install-nss`: after a software certificate is installed, also put it into the browsers' NSS
/// database (`sql:$HOME/.pki/nssdb`, or `--nss-db`) with NSS's pk12util when it is installed.
struct NSSOptions: ParsableArguments, Sendable {
    @Flag(name: .customLong("install-nss"), help: "Software certificates: also install into the browsers' NSS database (needs libnss3-tools).")
    var install = false

    @Option(name: .customLong("nss-db"), help: ArgumentHelp("The NSS database (default sql:$HOME/.pki/nssdb).", valueName: "sql:dir"))
    var database: String?

    /// Installs the store's current key when asked and the store is the software one; says what happened on stderr.
    func installIfAsked(_ store: any KeyStore, language: Language) async throws {
        guard install else { return }
        guard let software = store as? SoftwareKeyStore else {
            FileHandleStderr.write(language == .english ? "--install-nss applies to software certificates only; a token's key stays on the token (browsers reach it through p11-kit).\n"
                                                        : "--install-nss 僅適用於軟體憑證；載具金鑰留在載具內（瀏覽器經 p11-kit 使用）。\n")
            return
        }
        switch try await software.installIntoNSS(database: database) {
        case .done(let nickname, let db):
            FileHandleStderr.write(language == .english ? "Installed into \(db) as \"\(nickname)\".\n" : "已安裝至 \(db)，名稱「\(nickname)」。\n")
        case .toolsMissing(let text):
            FileHandleStderr.write(text.text(language) + "\n")
        }
    }
}
