import CertificateKit
import Domain
import Foundation
import Synchronization
import Hummingbird
import KeyStores
import Lifecycle
import Localization
import Secrets
import Logging
import PKCS11
import RAContract
import RAHTTPClient
import RAServer
import RemovableMedia
import TokenCertCLI
import X509

/// The demo's registration authority: the real `RAService` over a temporary SQLite file and an outbox
/// folder, served by Hummingbird on a free loopback port, with a clock the demo can move forward (to
/// reach the renewal window without waiting eleven months).
struct DemoRA {
    let service: RAService
    let clock: ManualClock
    let outbox: String

    /// People the demo applies for (fictional; IDs with valid check digits).
    static let customers: [(id: String, name: String, birth: String, password: String, account: String, mobile: String, email: String)] = [
        ("A123456789", "王小明", "44/2/1", "demo-pass-A1", "1020-1234567", "0912345678", "wang@example.test"),
        ("B223456782", "林美華", "70/8/15", "demo-pass-B2", "1020-7654321", "0922333444", "lin@example.test"),
        ("F131232216", "陳大文", "65/11/30", "demo-pass-C3", "1020-5550123", "0933555666", "chen@example.test"),
    ]

    static func make(directory: String, clock: ManualClock) async throws -> DemoRA {
        let outbox = directory + "/outbox"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let policy = Policy.standard.with { $0.passwordIterations = 10_000 }   // demo logins stay quick
        let repository = try SQLiteRepository(path: directory + "/ra.sqlite")
        var quietLogger = Logger(label: "tokencert-demo-ra")   // the RA's own events would interleave with the steps
        quietLogger.logLevel = .warning
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let subject = try DistinguishedName {
            CountryName("TW")
            OrganizationName("TokenCert Demo Securities")
            CommonName("TokenCert Demo CA")
        }
        let now = clock.now()
        let ca = try await CertificateIssuer.selfSignedCA(subject: subject, key: key, notBefore: now.addingTimeInterval(-86_400),
                                                          notAfter: now.addingTimeInterval(86_400 * 3650))
        let service = RAService(repository: repository,
                                authority: CertificateAuthority(issuer: CertificateIssuer(caCertificate: ca, caKey: key),
                                                                organization: "TokenCert Demo Securities"),
                                policy: policy, clock: clock, delivery: try OutboxDelivery(directory: outbox), logger: quietLogger)
        try await repository.addCustomers(try customers.map { c in
            CustomerRecord(id: try CustomerID(c.id), name: c.name, birthDate: try ROCDate.parseBirthDate(c.birth), mobile: c.mobile,
                           email: c.email, accounts: [try SecuritiesAccount(c.account)],
                           passwordHash: try PasswordHasher.hash(c.password, iterations: policy.passwordIterations))
        }, replace: false)
        try await service.publishCRL()
        return DemoRA(service: service, clock: clock, outbox: outbox)
    }

    /// Serves the RA on 127.0.0.1 (a free port) while `body` runs with its base URL.
    func serve<T: Sendable>(_ body: @escaping @Sendable (URL) async throws -> T) async throws -> T {
        // Quiet: the demo prints its own steps; a cancelled connection at shutdown is not news.
        var logger = Logger(label: "tokencert-demo-ra")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: RARoutes.buildRouter(service: service),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "tokencert-demo-ra"),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await app.run(); return nil }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw DemoFailure(step: "RA", detail: "the RA did not start") }
            let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
            group.cancelAll()
            return result
        }
    }
}

struct DemoFailure: Error, UserFacingError {
    var step: String
    var detail: String
    var category: ErrorCategory { .failure }

    var summary: LocalizedText { LocalizedText(en: "Demo step \(step) failed: \(detail)", zhTW: "示範步驟 \(step) 失敗：\(detail)") }
    var remedy: LocalizedText? { nil }
}

/// Answers the journey's questions for a demo customer: agrees, gives the birth date, reads the
/// one-time code from the RA's outbox, and prints what a person would see.
final class DemoPrompt: JourneyPrompt, @unchecked Sendable {
    let birth: String
    let outbox: String
    let say: @Sendable (LocalizedText) -> Void

    init(birth: String, outbox: String, say: @escaping @Sendable (LocalizedText) -> Void) {
        (self.birth, self.outbox, self.say) = (birth, outbox, say)
    }

    func text(_ question: LocalizedText) async throws -> String { throw LifecycleError.cancelled }
    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String { choices[0].id }
    func confirm(_ question: LocalizedText) async throws -> Bool { true }
    func show(_ message: LocalizedText) async { say(message) }
    func agreement(_ agreement: RA.Agreement) async throws -> Bool {
        say(LocalizedText(en: "    agreement version \(agreement.version) shown and accepted", zhTW: "    已顯示並同意約定條款（版本 \(agreement.version)）"))
        return true
    }
    func birthDate(corporate: Bool) async throws -> String {
        say(LocalizedText(en: "    identity step 1: birth date \(birth) (ROC)", zhTW: "    身分驗證一：出生日期 民國 \(birth)"))
        return birth
    }
    func oneTimeCode(_ sent: RA.CodeSent, now: Date) async throws -> CodeAnswer {
        let codes = try OutboxDelivery(directory: outbox).codes(for: sent.identifier)
        guard let code = codes.last else { throw DemoFailure(step: "one-time code", detail: "no message for \(sent.identifier) in the outbox") }
        say(LocalizedText(en: "    identity step 2: code for identifier \(sent.identifier) sent to \(sent.destination), read from the outbox",
                          zhTW: "    身分驗證二：識別碼 \(sent.identifier) 的一次性密碼已傳送至 \(sent.destination)，由 outbox 讀取"))
        return .code(code)
    }
    /// The step once, when it starts: a step reported again (its end, `fraction` 1) is not news.
    func progress(_ step: ProgressStep, fraction: Double?) async {
        guard lastStep.withLock({ last in defer { last = step }; return last != step }) else { return }
        say(LocalizedText(en: "    … " + step.label.english, zhTW: "    … " + step.label.traditionalChinese))
    }
    private let lastStep = Mutex<ProgressStep?>(nil)
}

/// One step of the demo journey, for the JSON report (docs/schemas/demo.schema.json).
struct DemoStep: Codable, Sendable {
    /// The demo customer, masked.
    var customer: String
    /// Where the key lives, in words.
    var store: LocalizedText
    /// `apply`, `status`, `sign-test`, `renew`, `backup`, `restore`, `revoke`.
    var step: String
    var ok: Bool
    /// Facts for a script: serials, file names, codes.
    var detail: String
}

/// apply → status → sign-test → backup → restore → renew → revoke on real stores against the RA.
struct DemoJourney {
    let ra: DemoRA
    let client: HTTPRAClient
    let say: @Sendable (LocalizedText) -> Void
    let directory: String

    /// The customer's side of the journey. `clock` is the customer's computer's: the real time
    /// (`SystemWallClock`) unless the journey moves time for a renewal (`DemoClock`, the RA's).
    func lifecycle(_ customer: Int, clock: any WallClock) throws -> CertificateLifecycle {
        let c = DemoRA.customers[customer]
        return CertificateLifecycle(ra: client, clock: clock,
                                    prompt: DemoPrompt(birth: c.birth, outbox: ra.outbox, say: say),
                                    journal: FileJournal(directory: URL(fileURLWithPath: directory + "/journal-\(customer)")),
                                    configuration: .init(keyKind: .p256, broker: try BrokerCode("TCDEMO")))
    }

    func login(_ customer: Int) async throws -> (RA.Session, CustomerID) {
        let c = DemoRA.customers[customer]
        return (try await client.login(RA.LoginRequest(id: c.id, password: c.password)), try CustomerID(c.id))
    }

    func heading(_ customer: Int, _ en: String, _ zh: String) {
        let masked = (try? CustomerID(DemoRA.customers[customer].id).masked) ?? "?"
        say(LocalizedText(en: "▶ \(masked): \(en)", zhTW: "▶ \(masked)：\(zh)"))
    }

    /// The token journey: apply, status, sign-test, renew in the window, revoke. For the renewal the
    /// demo moves time forward on both sides (the RA's clock, which this customer's side reads too).
    func token(_ store: any KeyStore, customer: Int, steps: inout [DemoStep]) async throws {
        let flow = try lifecycle(customer, clock: DemoClock(clock: ra.clock))
        let label = store.location.text
        func record(_ step: String, _ ok: Bool, _ detail: String) {
            steps.append(DemoStep(customer: (try? CustomerID(DemoRA.customers[customer].id).masked) ?? "", store: label, step: step, ok: ok, detail: detail))
        }
        var (session, id) = try await login(customer)
        heading(customer, "apply with the key on \(store.location.text.english)", "申請憑證，金鑰在\(store.location.text.traditionalChinese)")
        let applied = try await flow.apply(store: store, session: session, customerID: id)
        record("apply", true, applied.certificate.serialNumber)
        say(LocalizedText(en: "  ✔ certificate \(applied.certificate.serialNumber) installed, valid until \(CertificateSummary.taipeiString(applied.certificate.notAfter))",
                          zhTW: "  ✔ 憑證 \(applied.certificate.serialNumber) 已安裝，有效至 \(CertificateSummary.taipeiString(applied.certificate.notAfter))"))

        try await status(flow, store, session, customer, expect: .ok, record: record)
        try await signTest(flow, store, session, customer, record: record)

        heading(customer, "renew in the last 30 days (the demo RA's clock moves 345 days ahead)", "於到期前 30 天內展期（示範 RA 時鐘前進 345 天）")
        ra.clock.set(applied.certificate.notAfter.addingTimeInterval(-20 * 86_400))
        (session, id) = try await login(customer)
        let renewed = try await flow.renew(store: store, session: session, customerID: id)
        let keys = try await store.allKeys()
        record("renew", keys.count == 1, "\(renewed.certificate.serialNumber) replaces \(applied.certificate.serialNumber)")
        say(LocalizedText(en: "  ✔ renewed: \(renewed.certificate.serialNumber) replaces \(applied.certificate.serialNumber); keys left here: \(keys.count)",
                          zhTW: "  ✔ 已展期：\(renewed.certificate.serialNumber) 取代 \(applied.certificate.serialNumber)；本處剩餘金鑰 \(keys.count) 把"))
        guard keys.count == 1 else { throw DemoFailure(step: "renew", detail: "\(keys.count) keys left after renewal") }
        try await status(flow, store, session, customer, expect: .ok, record: record)

        try await revoke(flow, store, session, id, customer, record: record)
    }

    /// The software journey: apply, backup to a drive, restore on "another computer", sign-test there,
    /// revoke — on computers that keep the real time (the backup is dated today), while the RA's clock
    /// has not been moved yet: it runs before any renewal.
    func software(customer: Int, steps: inout [DemoStep]) async throws {
        let flow = try lifecycle(customer, clock: SystemWallClock())
        let passphrase = Secret("demo-" + SoftHSMSetup.randomDigits(8))
        let first = try SoftwareKeyStore(directory: URL(fileURLWithPath: directory + "/computer-1/store"), passphrase: .constant(passphrase))
        let label = KeyLocation.software(path: nil).text
        func record(_ step: String, _ ok: Bool, _ detail: String) {
            steps.append(DemoStep(customer: (try? CustomerID(DemoRA.customers[customer].id).masked) ?? "", store: label, step: step, ok: ok, detail: detail))
        }
        let (session, id) = try await login(customer)
        heading(customer, "apply for a software certificate (no token)", "申請軟體憑證（無載具）")
        let applied = try await flow.apply(store: first, session: session, customerID: id)
        record("apply", true, applied.certificate.serialNumber)
        say(LocalizedText(en: "  ✔ certificate \(applied.certificate.serialNumber) in the encrypted software store", zhTW: "  ✔ 憑證 \(applied.certificate.serialNumber) 已存入加密的軟體憑證存放區"))

        heading(customer, "back up to a drive", "備份至隨身碟")
        let usb = directory + "/usb"
        try FileManager.default.createDirectory(atPath: usb, withIntermediateDirectories: true)
        let password = Secret("Demo" + SoftHSMSetup.randomDigits(4))
        let backup = try await flow.backup(store: first, password: password, birthDate: try ROCDate.parseBirthDate(DemoRA.customers[customer].birth),
                                           target: usb, force: true, medium: RemovableDriveMedium())
        record("backup", true, backup.fileName)
        say(LocalizedText(en: "  ✔ \(backup.fileName) written and read back (the demo's \"drive\" is a folder, so the fixed-disk check is forced)",
                          zhTW: "  ✔ \(backup.fileName) 已寫入並讀回驗證（示範用「隨身碟」為資料夾，故略過固定磁碟檢查）"))

        heading(customer, "restore on another computer", "於另一台電腦匯入")
        let second = try SoftwareKeyStore(directory: URL(fileURLWithPath: directory + "/computer-2/store"), passphrase: .constant(passphrase))
        let restored = try await flow.restore(file: backup.file, password: password, into: second, session: session)
        record("restore", restored.serialNumber == applied.certificate.serialNumber, restored.serialNumber)
        say(LocalizedText(en: "  ✔ certificate \(restored.serialNumber) restored", zhTW: "  ✔ 憑證 \(restored.serialNumber) 已匯入"))
        try await signTest(flow, second, session, customer, record: record)
        try await revoke(flow, second, session, id, customer, record: record)
    }

    func status(_ flow: CertificateLifecycle, _ store: any KeyStore, _ session: RA.Session, _ customer: Int, expect: StatusVerdict.Action,
                record: (String, Bool, String) -> Void) async throws {
        let report = await flow.status(store: store, session: session)
        let ok = report.verdict.action == expect
        record("status", ok, report.verdict.state.rawValue)
        say(LocalizedText(en: "  status: client \(report.verdict.clientSerial ?? "-") · host \(report.verdict.hostSerial?.uppercased() ?? "-") → \(report.verdict.state.label.english)",
                          zhTW: "  狀態：用戶端 \(report.verdict.clientSerial ?? "-")・主機端 \(report.verdict.hostSerial?.uppercased() ?? "-") → \(report.verdict.state.label.traditionalChinese)"))
        guard ok else { throw DemoFailure(step: "status", detail: "verdict \(report.verdict.action.rawValue), expected \(expect.rawValue)") }
    }

    func signTest(_ flow: CertificateLifecycle, _ store: any KeyStore, _ session: RA.Session, _ customer: Int,
                  record: (String, Bool, String) -> Void) async throws {
        let test = try await flow.signTest(store: store, session: session)
        record("sign-test", test.passed, "\(test.serial) local \(test.localCode) host \(test.hostCode ?? "-")")
        say(LocalizedText(en: "  sign-and-verify test: serial \(test.serial) — \(test.local.english) (here), \(test.host?.english ?? "-") (host)",
                          zhTW: "  下單簽驗章測試：憑證序號 \(test.serial) — 本機\(test.local.traditionalChinese)，主機\(test.host?.traditionalChinese ?? "-")"))
        guard test.passed else { throw DemoFailure(step: "sign-test", detail: test.localCode) }
    }

    func revoke(_ flow: CertificateLifecycle, _ store: any KeyStore, _ session: RA.Session, _ id: CustomerID, _ customer: Int,
                record: (String, Bool, String) -> Void) async throws {
        heading(customer, "revoke", "廢止憑證")
        let done = try await flow.revoke(store: store, session: session, customerID: id, serial: nil, reason: .cessationOfOperation)
        let left = try await store.allKeys().count
        record("revoke", done.removedLocally && left == 0, done.revocation.serial)
        say(LocalizedText(en: "  ✔ \(done.revocation.serial.uppercased()) revoked; online revocations left this year: \(done.revocation.onlineRevocationsLeftThisYear); keys left here: \(left)",
                          zhTW: "  ✔ \(done.revocation.serial.uppercased()) 已廢止；本年度剩餘線上廢止次數：\(done.revocation.onlineRevocationsLeftThisYear)；本處剩餘金鑰 \(left) 把"))
        guard left == 0 else { throw DemoFailure(step: "revoke", detail: "\(left) keys left") }
    }
}

/// The demo RA's clock, read by the client side too.
struct DemoClock: WallClock {
    let clock: ManualClock
    func now() -> Date { clock.now() }
}
