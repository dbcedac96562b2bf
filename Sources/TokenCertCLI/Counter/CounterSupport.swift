import ArgumentParser
import CertificateKit
import Domain
import Foundation
import KeyStores
import Lifecycle
import Localization
import Secrets
import PCSC
import PIV
import PKCS11
import RAContract
import RAHTTPClient
import X509

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

    var text: String {
        switch self {
        case .piv(let reader): "PIV card in \(reader)"
        case .pkcs11(let module): "token of \(module)"
        }
    }
}

/// What the counter hands the customer (no secret on it).
struct CounterReceipt: Codable, Sendable {
    var customer: String
    var serial: String
    var notBefore: Date
    var notAfter: Date
    var validFromTaipei: String
    var validUntilTaipei: String
    var device: String
    var officer: String
    var resumed: Bool
    /// The sealed PIN mailer (PUK / SO PIN, and the PIN when it was generated), mode 0600.
    var mailer: String

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

/// Issues at the counter onto one device: waits for a blank card or token, generates the key there,
/// issues on the officer path, personalises (PIN, PUK / SO PIN, PIV management key), checks a
/// signature with the customer's new PIN, and writes the PIN mailer.
struct CounterDesk {
    let run: CustomerRun
    let officer: RA.OfficerSession
    let mailerDirectory: URL
    let wait: Duration

    var language: Language { run.language }

    func say(_ en: String, _ zh: String) {
        FileHandleStderr.write((language == .english ? en : zh) + "\n")
    }

    /// - Parameters:
    ///   - pin: the customer's new PIN; nil generates one (written only to the mailer).
    ///   - replaceActive: revoke a host certificate that is not on this device (see `issueAtCounter`).
    func issue(customerID: CustomerID, device: CounterDevice, pin: Secret?, replaceActive: Bool) async throws -> CounterReceipt {
        let newPIN = pin ?? Secret(CardPersonalisation.randomDigits(6))
        let unblock = Secret(CardPersonalisation.randomDigits(8))
        let installed: CertificateLifecycle.Installed
        let deviceText: String
        // Refused before a card or token is touched (a pulled card's unfinished issue is finished whatever the host says).
        try await run.lifecycle.checkCounterIssue(officer: officer, customerID: customerID,
                                                  replaceActive: replaceActive || resuming(device, customerID: customerID))
        switch device {
        case .piv(let reader):
            try await waitForBlankCard(reader: reader, customerID: customerID)
            let store = PIVKeyStore(reader: reader, pin: .constant(Secret(PIV.defaultPIN)))
            do {
                installed = try await run.lifecycle.issueAtCounter(store: store, officer: officer, customerID: customerID,
                                                                   replaceActive: replaceActive)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            await run.prompt.progress(.personalising, fraction: nil)
            try await CardPersonalisation.personalisePIV(reader: reader, secrets: .init(pin: newPIN, unblockCode: unblock))
            try await check(PIVKeyStore(reader: reader, pin: .constant(newPIN)), serial: installed.serial)
            deviceText = "PIV \(reader)"
        case .pkcs11(let modulePath):
            let module = try PKCS11KeyStore.loadModule(modulePath)
            let slot = try await waitForBlankToken(module)
            let label = String("TokenCert \(customerID.masked)".prefix(32))
            let uri = try await CardPersonalisation.initialiseToken(module, slot: slot, label: label,
                                                                    secrets: .init(pin: newPIN, unblockCode: unblock))
            let store = PKCS11KeyStore(module: module, token: uri, pin: .constant(newPIN))
            installed = try await run.lifecycle.issueAtCounter(store: store, officer: officer, customerID: customerID,
                                                               replaceActive: replaceActive)
            try await check(store, serial: installed.serial)
            await store.close()
            deviceText = "PKCS#11 \(uri.description)"
        }
        let mailer = try writeMailer(customerID: customerID, serial: installed.serial, pin: pin == nil ? newPIN : nil,
                                     unblock: unblock, device: device)
        let c = installed.certificate
        return CounterReceipt(customer: customerID.masked, serial: c.serialNumber, notBefore: c.notBefore, notAfter: c.notAfter,
                              validFromTaipei: CertificateSummary.taipeiString(c.notBefore),
                              validUntilTaipei: CertificateSummary.taipeiString(c.notAfter),
                              device: deviceText, officer: officer.officer, resumed: installed.resumed, mailer: mailer.path)
    }

    /// Whether this counter's journal holds an unfinished issue for this customer on `device` (a PIV reader).
    func resuming(_ device: CounterDevice, customerID: CustomerID) -> Bool {
        guard case .piv(let reader) = device else { return false }
        return (try? run.lifecycle.unfinishedCounterIssue(store: PIVKeyStore(reader: reader, pin: .unavailable))) == customerID.value
    }

    /// Waits (bounded by `wait`) until a card is in `reader` and it is factory-fresh; a personalised
    /// card is refused and has to come out first. A card carrying this counter's unfinished issue is
    /// still factory-fresh (personalising comes last), so a pulled card can go back in.
    func waitForBlankCard(reader: String, customerID: CustomerID) async throws {
        let deadline = ContinuousClock.now + wait
        let context = try PCSCContext()
        while true {
            say("Insert a blank card for \(customerID.masked) in \(reader).", "請將空白卡插入 \(reader)（客戶 \(customerID.masked)）。")
            guard try await context.waitForCard(in: reader, present: true, timeout: max(.zero, deadline - .now)) else { throw timeout(reader) }
            if try await CardPersonalisation.pivIsBlank(reader: reader) { return }
            say("The card in \(reader) is already personalised: take it out and insert a blank card.",
                "\(reader) 中的卡片已完成個人化：請取出並改插空白卡。")
            guard try await context.waitForCard(in: reader, present: false, timeout: max(.zero, deadline - .now)) else { throw timeout(reader) }
        }
    }

    /// Polls (every 0.5 s, bounded by `wait`) for a slot whose token is not initialised.
    func waitForBlankToken(_ module: PKCS11Module) async throws -> SlotID {
        let deadline = ContinuousClock.now + wait
        var asked = false
        while true {
            if let slot = try CardPersonalisation.blankPKCS11Slot(module) { return slot }
            if !asked {
                say("Insert a blank token.", "請插入空白載具。")
                asked = true
            }
            guard ContinuousClock.now < deadline else { throw timeout("PKCS#11") }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    func timeout(_ place: String) -> CLIError {
        CLIError(.tokenMissing, en: "No blank card or token arrived in \(place) in time.", zhTW: "等候逾時：\(place) 未插入空白卡片或載具。",
                 remedyEN: "Insert a blank card and run the command again (--wait sets how long to wait).",
                 remedyZH: "請插入空白卡片後再執行一次（可用 --wait 設定等候秒數）。")
    }

    /// Signs with the customer's new PIN (the store was opened with it) and checks the signature
    /// against the installed certificate: apply's test signature.
    func check(_ store: any KeyStore, serial: String) async throws {
        await run.prompt.progress(.testSignature, fraction: nil)
        guard let key = try await store.currentKey(), let der = key.certificateDER,
              let summary = try? CertificateSummary(der), summary.serialNumber.lowercased() == serial.lowercased(),
              let certificate = try? Certificate(derEncoded: der)
        else {
            throw CLIError(.verificationFailed, en: "The certificate \(serial.uppercased()) is not on the device after personalising.",
                           zhTW: "個人化後在載具上找不到憑證 \(serial.uppercased())。")
        }
        try await CertificateLifecycle.testSignature(key.signer, certificate: certificate)
    }

    /// The sealed PIN mailer: one file (0600) in a 0700 folder, for printing in a sealed envelope.
    func writeMailer(customerID: CustomerID, serial: String, pin: Secret?, unblock: Secret, device: CounterDevice) throws -> URL {
        try FileManager.default.createDirectory(at: mailerDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let url = mailerDirectory.appendingPathComponent("\(customerID.masked.replacingOccurrences(of: "*", with: "x"))-\(serial.lowercased().prefix(12)).txt")
        let unblockName: String
        switch device {
        case .piv: unblockName = "PUK"
        case .pkcs11: unblockName = "SO PIN"
        }
        var text = "TokenCert PIN mailer / 密碼函\nCustomer 客戶: \(customerID.masked)\nCertificate 憑證序號: \(serial.uppercased())\n"
        if let pin { text += "PIN: \(pin.revealedString())\n" }
        text += "\(unblockName): \(unblock.revealedString())\n"
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(.failure, en: "Cannot write the PIN mailer \(url.path).", zhTW: "無法寫入密碼函 \(url.path)。")
        }
        return url
    }

    static func defaultMailerDirectory() -> URL {
        FileJournal.defaultDirectory().deletingLastPathComponent().appendingPathComponent("counter/mailers")
    }
}
