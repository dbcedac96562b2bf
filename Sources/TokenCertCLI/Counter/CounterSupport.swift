import ArgumentParser
import Domain
import Foundation
import KeyStores
import Lifecycle
import Localization
import Secrets
import PKCS11
import RAContract
import RAHTTPClient

/// The officer's own token: `--officer-token` (RFC 7512 URI), `--officer-module`, and its PIN from
/// `--officer-pin-file`, `$TOKENCERT_OFFICER_PIN` or a no-echo prompt.
struct OfficerTokenOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("officer-token"), help: ArgumentHelp("The officer's token, e.g. 'pkcs11:token=Officer%20Chen' (else $TOKENCERT_OFFICER_TOKEN).", valueName: "uri"))
    var token: String?

    @Option(name: .customLong("officer-module"), help: ArgumentHelp("PKCS#11 module of the officer's token (default: p11-kit-proxy).", valueName: "module"))
    var module: String?

    @Option(name: .customLong("officer-pin-file"), help: ArgumentHelp("File whose first line is the officer token's PIN (else $TOKENCERT_OFFICER_PIN, else a prompt).", valueName: "path"))
    var pinFile: String?

    func open(language: Language) throws -> PKCS11KeyStore {
        guard let text = token ?? ProcessInfo.processInfo.environment["TOKENCERT_OFFICER_TOKEN"], !text.isEmpty else {
            throw CLIError(.badInput, en: "Which officer token? Give --officer-token 'pkcs11:token=…'.", zhTW: "請以 --officer-token 'pkcs11:token=…' 指定經辦人員載具。",
                           remedyEN: "List tokens with tokencert tokens.", remedyZH: "可用 tokencert tokens 列出載具。")
        }
        let uri: PKCS11URI
        do { uri = try PKCS11URI(parsing: text) } catch {
            throw CLIError(.badInput, en: "--officer-token is not a pkcs11: URI (RFC 7512): \(text)", zhTW: "--officer-token 不是 pkcs11: URI（RFC 7512）：\(text)")
        }
        let source = SecretReader(file: pinFile, environmentVariable: "TOKENCERT_OFFICER_PIN",
                                  prompt: LocalizedText(en: "Officer token PIN", zhTW: "經辦人員載具 PIN 碼"), fileOption: "--officer-pin-file")
        return try PKCS11KeyStore(module: module ?? (uri.modulePath == nil && uri.moduleName == nil ? P11KitRegistry.proxyModulePath : nil),
                                  token: uri, pin: StoreOptions.provider(source, language: language, ask: true))
    }
}

/// The officer session between `counter login` and the other counter commands: a JSON file (0600)
/// in `$XDG_STATE_HOME/tokencert/counter/` holding the RA address, the officer and the bearer token
/// until it expires (the RA's session lifetime). `counter logout` deletes it.
struct CounterSessionFile: Codable {
    var ra: String
    var officer: String
    var token: String
    var expiresAt: Date

    static var url: URL {
        if let explicit = ProcessInfo.processInfo.environment["TOKENCERT_COUNTER_SESSION"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return FileJournal.defaultDirectory().deletingLastPathComponent().appendingPathComponent("counter/session.json")
    }

    func save() throws {
        let url = Self.url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let temporary = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
    }

    /// The live session with `ra`, or a `CLIError` telling to log in.
    static func load(ra: HTTPRAClient) throws -> RA.OfficerSession {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // A session is for the RA it was opened with: another --ra needs its own login.
        guard let data = FileManager.default.contents(atPath: url.path), let file = try? decoder.decode(CounterSessionFile.self, from: data),
              file.expiresAt > Date(), file.ra == ra.baseURL.absoluteString
        else {
            throw CLIError(.notEligible, en: "No officer is logged in at this counter (or the session expired).", zhTW: "本櫃檯尚無經辦人員登入（或登入已逾時）。",
                           remedyEN: "Log in with your officer token: tokencert counter login --officer NAME --officer-token URI.",
                           remedyZH: "請以經辦人員載具登入：tokencert counter login --officer 姓名 --officer-token URI。")
        }
        return RA.OfficerSession(token: file.token, expiresAt: file.expiresAt, officer: file.officer)
    }
}

/// Where the counter personalises: a PIV card in a reader, or a blank token of a PKCS#11 module.
enum CounterDevice: Sendable {
    case piv(reader: String)
    case pkcs11(module: String)

    /// The device as Lifecycle's counter desk drives it (KeyStores' adapters).
    var personalisation: any DevicePersonalisation {
        switch self {
        case .piv(let reader): PIVCardPersonalisation(reader: reader)
        case .pkcs11(let module): PKCS11TokenPersonalisation(module: module)
        }
    }

    /// The officer's line on stderr for what the desk waits for (a batch's receipts go to stdout).
    func line(_ event: CounterDeskEvent) -> LocalizedText? {
        switch (event, self) {
        case (.insertBlank(let id), .piv(let reader)):
            LocalizedText(en: "Insert a blank card for \(id.masked) in \(reader).", zhTW: "請將空白卡插入 \(reader)（客戶 \(id.masked)）。")
        case (.insertBlank, .pkcs11):
            LocalizedText(en: "Insert a blank token.", zhTW: "請插入空白載具。")
        case (.notBlank, .piv(let reader)):
            LocalizedText(en: "The card in \(reader) is already personalised: take it out and insert a blank card.",
                          zhTW: "\(reader) 中的卡片已完成個人化：請取出並改插空白卡。")
        case (.batchCustomer(let position, let total, let id), _):
            LocalizedText(en: "[\(position)/\(total)] \(id.masked)", zhTW: "[\(position)/\(total)] \(id.masked)")
        case (.putSameCardBack, _):
            LocalizedText(en: "The card was taken out before it was finished: put the same card back in.", zhTW: "卡片在完成前被取出：請將同一張卡片插回。")
        case (.putCardBack, _):
            LocalizedText(en: "The card was taken out: put it back in.", zhTW: "卡片已被取出：請插回。")
        case (.takeOut, .piv(let reader)):
            LocalizedText(en: "Take the card out of \(reader).", zhTW: "請自 \(reader) 取出卡片。")
        case (.issued, _), (.notBlank, .pkcs11), (.takeOut, .pkcs11):
            // A receipt is printed, not a line; a module's tokens each have a slot: none is refused or taken out.
            nil
        }
    }
}

extension CounterReceipt {
    func text(_ language: Language) -> String {
        language == .english
            ? """
              ── TokenCert issue receipt ──
              Customer:    \(customer)
              Serial:      \(serial)
              Valid:       \(validFromTaipei) – \(validUntilTaipei) (Taipei)
              Device:      \(device)
              Officer:     \(officer)
              PIN mailer:  \(mailer)
              """
            : """
              ── TokenCert 憑證核發收據 ──
              客戶：      \(customer)
              憑證序號：  \(serial)
              有效期間：  \(validFromTaipei) – \(validUntilTaipei)（台北時間）
              載具：      \(device)
              經辦人員：  \(officer)
              密碼函：    \(mailer)
              """
    }
}

extension CounterDesk {
    /// The desk of `counter issue` and `counter batch`: the officer's lines on stderr, a batch's
    /// receipts on stdout (text format), PIN mailers as files in `mailerDirectory`.
    init(run: CustomerRun, officer: RA.OfficerSession, device: CounterDevice, mailerDirectory: URL, wait: Duration) {
        let language = run.language
        let text = run.global.format == .text
        self.init(lifecycle: run.lifecycle, officer: officer, device: device.personalisation, wait: wait,
                  notify: { event in
                      if case .issued(let receipt) = event {
                          if text { print(receipt.text(language)) }
                      } else if let line = device.line(event) {
                          FileHandleStderr.write(line.text(language) + "\n")
                      }
                  },
                  writeMailer: { try PINMailerFile.write($0, in: mailerDirectory).path })
    }
}

/// The sealed PIN mailer: one file (0600) in a 0700 folder, for printing in a sealed envelope.
enum PINMailerFile {
    static func write(_ mailer: PINMailer, in directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let masked = mailer.customerID.masked
        let url = directory.appendingPathComponent("\(masked.replacingOccurrences(of: "*", with: "x"))-\(mailer.serial.lowercased().prefix(12)).txt")
        var text = "TokenCert PIN mailer / 密碼函\nCustomer 客戶: \(masked)\nCertificate 憑證序號: \(mailer.serial.uppercased())\n"
        if let pin = mailer.pin { text += "PIN: \(pin.revealedString())\n" }
        text += "\(mailer.unblockCodeName): \(mailer.unblockCode.revealedString())\n"
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(.failure, en: "Cannot write the PIN mailer \(url.path).", zhTW: "無法寫入密碼函 \(url.path)。")
        }
        return url
    }

    static func defaultDirectory() -> URL {
        FileJournal.defaultDirectory().deletingLastPathComponent().appendingPathComponent("counter/mailers")
    }
}
