import ArgumentParser
import CertificateKit
import Domain
import Foundation
import KeyStores
import Lifecycle
import Localization
import Secrets
import RAContract
import X509

/// `tokencert counter …`: the branch counter's commands.
struct CounterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counter",
        abstract: "Branch counter: an officer issues cards in person, revokes beyond the yearly limit, lifts lockouts.",
        discussion: """
        Once per officer: `counter enrol` makes the officer's key on their own token and prints its certificate, which the RA administrator registers (tokencert-ra officer add). Each day: `counter login` signs the RA's challenge with that key; the session lasts until it expires or `counter logout`.

        Issuing (`counter issue`, `counter batch`) waits for a blank card (a factory-fresh PIV card in --reader) or an uninitialised token (of --module), generates the key on it, issues through the officer path (the customer signed the agreement on paper and showed their ID: no one-time code), writes the certificate, then personalises: the customer's PIN, a random PUK (PIV) or SO PIN (PKCS#11), and for PIV a random management key kept PIN-protected on the card. A signature with the new PIN is checked against the certificate, and a receipt (masked ID, serial, validity) is printed. The PUK / SO PIN — and the PIN when the counter generated it — go only to a PIN mailer file (0600) for a sealed envelope, never to the screen or logs.

        A card pulled mid-issue can go back in: the same command (or the batch) finishes it. A batch keeps its progress next to its file and, run again, goes on with the first card not done.

        With --format json, one JSON document with a schema in docs/schemas/: login counter-login, issue counter-receipt, batch counter-batch, revoke ra-revocation, unlock counter-unlock (two-language text is always {"en", "zh-TW"}).

        Examples:
          tokencert counter enrol --officer chen --officer-token 'pkcs11:token=Officer%20Chen' > chen.pem
          tokencert counter login --officer chen --officer-token 'pkcs11:token=Officer%20Chen'
          tokencert counter issue --customer A123456789 --reader 'Yubico YubiKey CCID 00 00'
          tokencert counter batch cards.csv --reader 'Yubico YubiKey CCID 00 00'
          tokencert counter revoke --customer A123456789 --serial 5F0E… --reason keyCompromise
          tokencert counter unlock --customer A123456789

        Exit codes: 0 done · 3 refused by the rules or not logged in · 4 no card/token in time · 5 PIN · 6 RA unreachable · 64 bad input.
        """,
        subcommands: [Enrol.self, Login.self, Logout.self, Issue.self, Batch.self, Revoke.self, Unlock.self])

    /// What every counter command needs after login.
    struct Context {
        let run: CustomerRun
        let officer: RA.OfficerSession

        init(global: GlobalOptions, ra: RAOptions) throws {
            run = try CustomerRun(global: global, ra: ra)
            officer = try CounterSessionFile.load(ra: run.ra)
        }
    }

    // MARK: enrol / login / logout

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol",
            abstract: "Generate the officer's key (P-256) on their token and print its self-signed certificate (PEM) for the RA administrator.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var officerToken: OfficerTokenOptions
        @Option(name: .long, help: "The officer's name, as the RA registers it.") var officer: String
        @Option(name: .long, help: ArgumentHelp("Write the PEM here instead of standard output.", valueName: "path")) var out: String?

        func run() async throws {
            let lang = global.language
            do {
                let store = try officerToken.open(language: lang)
                let signer = try await store.generateKey(.p256, label: "TokenCert officer \(officer)")
                let now = Date()
                let subject = try DistinguishedName {
                    OrganizationName("TokenCert branch officer")
                    CommonName(officer)
                }
                let certificate = try await CertificateIssuer.selfSignedLeaf(subject: subject, key: try TokenPrivateKey(signer), notBefore: now,
                                                                             notAfter: now.addingTimeInterval(2 * 365 * 86_400))
                try await store.storeCertificate(certificate.derBytes, for: signer)
                await store.close()
                let pem = try certificate.serializeAsPEM().pemString + "\n"
                if let out {
                    try pem.write(toFile: out, atomically: true, encoding: .utf8)
                } else {
                    print(pem, terminator: "")
                }
                FileHandleStderr.write(lang == .english
                    ? "Key and certificate for officer \(officer) are on the token. Register them: tokencert-ra officer add --name \(officer) --certificate FILE\n"
                    : "經辦人員 \(officer) 的金鑰與憑證已存入載具。請由 RA 管理者登錄：tokencert-ra officer add --name \(officer) --certificate 檔案\n")
            } catch {
                throw report(error, language: lang)
            }
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "login", abstract: "Log the officer in: sign the RA's challenge with the key on the officer token.",
                                                        discussion: "With --format json: docs/schemas/counter-login.schema.json.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var raOptions: RAOptions
        @OptionGroup var officerToken: OfficerTokenOptions
        @Option(name: .long, help: "The officer's registered name.") var officer: String

        func run() async throws {
            let lang = global.language
            do {
                let run = try CustomerRun(global: global, ra: raOptions)
                let store = try officerToken.open(language: lang)
                guard let key = try await store.currentKey(), key.certificateDER != nil else {
                    throw CLIError(.notEligible, en: "The officer token holds no officer key with a certificate.", zhTW: "經辦人員載具中沒有附憑證的金鑰。",
                                   remedyEN: "Enrol first: tokencert counter enrol --officer \(officer) …", remedyZH: "請先執行 tokencert counter enrol --officer \(officer) …")
                }
                let session = try await run.lifecycle.officerLogin(officer: officer, signer: key.signer)
                await store.close()
                try CounterSessionFile(ra: run.ra.baseURL.absoluteString, officer: session.officer, token: session.token,
                                       expiresAt: session.expiresAt).save()
                if global.format == .json {
                    struct JSON: Codable { var officer: String; var expiresAt: Date }
                    return try printJSON(JSON(officer: session.officer, expiresAt: session.expiresAt))
                }
                run.say("✔ Officer \(session.officer) logged in until \(CertificateSummary.taipeiString(session.expiresAt)) (Taipei).",
                        "✔ 經辦人員 \(session.officer) 已登入，有效至 \(CertificateSummary.taipeiString(session.expiresAt))（台北時間）。")
            } catch {
                throw report(error, language: lang)
            }
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logout", abstract: "End the officer session at this counter.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try? FileManager.default.removeItem(at: CounterSessionFile.url)
            print(global.language == .english ? "Logged out." : "已登出。")
        }
    }

    // MARK: issue / batch

    struct DeviceOptions: ParsableArguments, Sendable {
        @Option(name: .long, help: ArgumentHelp("PC/SC reader for blank PIV cards.", valueName: "name")) var reader: String?
        @Option(name: .long, help: ArgumentHelp("PKCS#11 module whose uninitialised tokens are personalised.", valueName: "module")) var module: String?
        @Option(name: .long, help: ArgumentHelp("Seconds to wait for each blank card or token.", valueName: "s")) var wait: Int = 300
        @Option(name: .customLong("mailer-dir"), help: ArgumentHelp("Folder for the PIN mailers (default $XDG_STATE_HOME/tokencert/counter/mailers).", valueName: "dir"))
        var mailerDirectory: String?
        @Option(name: .customLong("key-type"), help: ArgumentHelp("rsa2048, p256 or p384 (default: the broker's).", valueName: "type")) var keyType: String?

        func validate() throws {
            guard (reader == nil) != (module == nil) else { throw ValidationError("Give one of --reader (PIV card) and --module (PKCS#11 token).") }
        }

        var device: CounterDevice { reader.map { .piv(reader: $0) } ?? .pkcs11(module: module ?? "") }
        var mailers: URL { mailerDirectory.map { URL(fileURLWithPath: $0) } ?? PINMailerFile.defaultDirectory() }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract: "Issue a certificate onto a blank card or token for a customer at the counter, personalise it and print the receipt.",
            discussion: "With --format json: the receipt as docs/schemas/counter-receipt.schema.json.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var raOptions: RAOptions
        @OptionGroup var device: DeviceOptions
        @Option(name: .long, help: "The customer's national ID or unified business number (checked in person).") var customer: String
        @Option(name: .customLong("new-pin-file"), help: ArgumentHelp("File with the customer's new PIN (else $TOKENCERT_NEW_PIN, else typed twice by the customer).", valueName: "path"))
        var newPINFile: String?
        @Flag(name: .long, help: "Revoke (superseded) an active certificate the host holds for the customer that is not on this card.")
        var replace = false

        func run() async throws {
            let lang = global.language
            do {
                let id = try CustomerOptions.customerID(parsing: customer)
                let context = try Context(global: global, ra: raOptions)
                let run = try CustomerRun(global: global, ra: raOptions, keyType: device.keyType)
                let pin = try newPIN(language: lang)
                let desk = CounterDesk(run: run, officer: context.officer, device: device.device, mailerDirectory: device.mailers,
                                       wait: .seconds(device.wait))
                let receipt = try await desk.issue(customerID: id, pin: pin, replaceActive: replace)
                if global.format == .json { return try printJSON(receipt) }
                print(receipt.text(lang))
            } catch {
                throw report(error, language: lang)
            }
        }

        /// The customer's new PIN: the file, the variable, or typed twice (no echo) — 6 to 8 digits.
        func newPIN(language: Language) throws -> Secret {
            let source = SecretReader(file: newPINFile, environmentVariable: "TOKENCERT_NEW_PIN",
                                      prompt: LocalizedText(en: "Customer: choose your PIN (6–8 digits)", zhTW: "請客戶設定 PIN 碼（6 至 8 位數字）"),
                                      fileOption: "--new-pin-file")
            let first = try source.read(language: language)
            if newPINFile == nil, ProcessInfo.processInfo.environment["TOKENCERT_NEW_PIN"] == nil {
                var again = source
                again.prompt = LocalizedText(en: "Type the PIN again", zhTW: "請再輸入一次 PIN 碼")
                guard try again.read(language: language) == first else {
                    throw CLIError(.badInput, en: "The two PINs differ.", zhTW: "兩次輸入的 PIN 碼不同。")
                }
            }
            guard (6...8).contains(first.count), first.withUnsafeBytes({ $0.allSatisfy { (0x30...0x39).contains($0) } }) else {
                throw CLIError(.badInput, en: "A PIN is 6 to 8 digits.", zhTW: "PIN 碼須為 6 至 8 位數字。")
            }
            return first
        }
    }

    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch",
            abstract: "Issue cards for a list of customers, one blank card after another; resumable.",
            discussion: """
            FILE lists one national ID or unified business number per line (a header line `id` and lines starting with # are skipped). Each card gets a random PIN, written with its PUK only to the PIN mailer. Progress is kept in FILE.progress.json (or --state): run the same command again after an interruption and it goes on with the first customer not done; a card pulled mid-issue can simply go back in. With --format json: the receipts as docs/schemas/counter-batch.schema.json.
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var raOptions: RAOptions
        @OptionGroup var device: DeviceOptions
        @Argument(help: ArgumentHelp("The list of customers.", valueName: "file")) var file: String
        @Option(name: .long, help: ArgumentHelp("Progress file (default FILE.progress.json).", valueName: "path")) var state: String?

        func run() async throws {
            let lang = global.language
            do {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw CLIError(.badInput, en: "Cannot read \(file).", zhTW: "無法讀取 \(file)。")
                }
                let ids = try text.split(whereSeparator: \.isNewline)
                    .map { $0.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "" }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") && $0.lowercased() != "id" }
                    .map { try CustomerOptions.customerID(parsing: $0) }
                let statePath = state ?? file + ".progress.json"
                var progress = Self.load(statePath) ?? CounterBatchProgress(rows: [])
                if !progress.isFor(ids) {
                    guard progress.rows.isEmpty else {
                        throw CLIError(.badInput, en: "\(statePath) belongs to another list.", zhTW: "\(statePath) 屬於另一份名單。",
                                       remedyEN: "Give a new --state, or remove the progress file if that batch is finished.",
                                       remedyZH: "請以 --state 指定新的進度檔，或於該批次完成後移除進度檔。")
                    }
                    progress = CounterBatchProgress(customers: ids)
                }
                let context = try Context(global: global, ra: raOptions)
                let run = try CustomerRun(global: global, ra: raOptions, keyType: device.keyType)
                let desk = CounterDesk(run: run, officer: context.officer, device: device.device, mailerDirectory: device.mailers,
                                       wait: .seconds(device.wait))
                try await desk.issueBatch(ids, progress: &progress) { try Self.save($0, statePath) }
                if global.format == .json {
                    struct JSON: Codable { var receipts: [CounterReceipt] }
                    return try printJSON(JSON(receipts: progress.rows.compactMap(\.receipt)))
                }
                run.say("✔ \(progress.rows.count) card(s) done; progress in \(statePath).", "✔ 共 \(progress.rows.count) 張卡片完成；進度記錄於 \(statePath)。")
            } catch {
                throw report(error, language: lang)
            }
        }

        static func load(_ path: String) -> CounterBatchProgress? {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try? decoder.decode(CounterBatchProgress.self, from: data)
        }

        static func save(_ progress: CounterBatchProgress, _ path: String) throws {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let url = URL(fileURLWithPath: path)
            let temporary = url.appendingPathExtension("tmp")
            try encoder.encode(progress).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        }
    }

    // MARK: revoke / unlock

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a customer's certificate at the counter (not counted against the yearly online limit).",
            discussion: "With --format json: the RA's revocation as docs/schemas/ra-revocation.schema.json (the reason in words in both languages).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var raOptions: RAOptions
        @Option(name: .long, help: "The customer's national ID or unified business number.") var customer: String
        @Option(name: .long, help: ArgumentHelp("Serial (hex) of the certificate; default: the customer's active one.", valueName: "hex")) var serial: String?
        @Option(name: .long, help: "RFC 5280 reason (e.g. keyCompromise, affiliationChanged, superseded, cessationOfOperation).")
        var reason: RevocationReason = .cessationOfOperation

        func run() async throws {
            let lang = global.language
            do {
                let id = try CustomerOptions.customerID(parsing: customer)
                let context = try Context(global: global, ra: raOptions)
                let ra = context.run.ra
                let chosen: String
                if let serial { chosen = serial } else {
                    let host = try await ra.officerCustomerStatus(customerID: id.value, session: context.officer)
                    guard let active = host.certificates.first(where: { $0.state == .active || $0.state == .pending }) else {
                        throw CLIError(.notEligible, en: "\(id.masked) has no active certificate.", zhTW: "\(id.masked) 沒有有效憑證。")
                    }
                    chosen = active.serial
                }
                let r = try await ra.officerRevoke(customerID: id.value, RA.OfficerRevokeRequest(serial: chosen, reason: reason), session: context.officer)
                if global.format == .json { return try printJSON(r) }
                context.run.say("✔ \(r.serial.uppercased()) revoked at the counter (\(reason.label.english)) by \(context.officer.officer).",
                                "✔ \(r.serial.uppercased()) 已於櫃檯廢止（\(reason.label.traditionalChinese)），經辦：\(context.officer.officer)。")
            } catch {
                throw report(error, language: lang)
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlock",
            abstract: "Lift a customer's lockout (wrong birth dates, wrong passwords) after checking their ID in person.",
            discussion: "With --format json: docs/schemas/counter-unlock.schema.json.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var raOptions: RAOptions
        @Option(name: .long, help: "The customer's national ID or unified business number.") var customer: String

        func run() async throws {
            let lang = global.language
            do {
                let id = try CustomerOptions.customerID(parsing: customer)
                let context = try Context(global: global, ra: raOptions)
                try await context.run.ra.officerUnlock(customerID: id.value, session: context.officer)
                if global.format == .json {
                    struct JSON: Codable { var unlocked: String; var officer: String }
                    return try printJSON(JSON(unlocked: id.masked, officer: context.officer.officer))
                }
                context.run.say("✔ \(id.masked) unlocked by \(context.officer.officer).", "✔ \(id.masked) 已由 \(context.officer.officer) 解除鎖定。")
            } catch {
                throw report(error, language: lang)
            }
        }
    }
}
