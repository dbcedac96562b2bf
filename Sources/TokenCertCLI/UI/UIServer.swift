import CertificateKit
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import KeyStores
import Lifecycle
import Localization
import Secrets
import NIOCore
import RAContract
import RAHTTPClient
import RemovableMedia

/// The customer's window as a local web app: one page (HTML, CSS and script inline — nothing from
/// the network) and a JSON API over the same `CertificateLifecycle` the commands run.
///
/// **Who may drive it.** The server listens on 127.0.0.1 only. Every request must carry the
/// per-launch secret: the page itself as `/?k=<secret>` (the URL printed or opened at launch), every
/// API call in the `X-TokenCert-Key` header, which the page reads from its own document. Another
/// origin in the same browser can neither read the page (same-origin policy) nor send that header
/// without a CORS preflight, which is never granted. A `Host` other than this server's address
/// (DNS rebinding) is refused too. Refusals are 403 without a body worth reading.
///
/// **Secrets.** PINs and passwords travel in POST bodies only, are handed to the key store or the
/// RA and dropped; nothing here logs a body or a query string.
///
/// Every answer is JSON with a schema in docs/schemas (named below); text for people is always
/// `LocalizedText`, `{"en", "zh-TW"}`, and the page words it in the language chosen at the top.
///
/// | method | path | body | answer (schema) |
/// |---|---|---|---|
/// | GET | /?k=… | – | the page |
/// | POST | /api/login | `{id, password}` | `{customer, name}` (ui-login) |
/// | POST | /api/logout | – | `{}` (ui-empty) |
/// | GET | /api/status | – | client and host side, verdict (ui-status) |
/// | GET | /api/drives | – | removable drives and the backup file name (ui-drives) |
/// | GET | /api/doctor | – | the environment check (doctor) |
/// | GET | /api/notices/announcements, /api/notices/faq | – | the RA's notices (ra-notices) |
/// | POST | /api/jobs | `{kind, reason?, password?, target?, file?, fileName?}` | the job (ui-job) |
/// | GET | /api/job | – | the current job: messages, progress, question, result, error (ui-job) |
/// | POST | /api/answer | `UIAnswer` | `{}` (ui-empty) |
/// | POST | /api/cancel | – | `{}` (ui-empty) |
///
/// A refusal is `UIError` (ui-error): what happened and, but for a cancel, what to do.
final class UIServer: Sendable {
    let secret: String
    let ra: HTTPRAClient
    let store: any KeyStore
    let storeKind: String
    let lifecycle: CertificateLifecycle
    let board: UIJobBoard
    let session: UILogin
    let drives: RemovableDrives
    let broker: BrokerCode
    /// What the environment check (menu 5) looks at: the same as `tokencert doctor` with this RA.
    let doctorOptions: Doctor.Options

    init(ra: HTTPRAClient, store: any KeyStore, storeKind: String, board: UIJobBoard, configuration: CertificateLifecycle.Configuration,
         drives: RemovableDrives, doctor: Doctor.Options) {
        var rng = SystemRandomNumberGenerator()
        secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        self.ra = ra
        self.store = store
        self.storeKind = storeKind
        self.board = board
        self.lifecycle = CertificateLifecycle(ra: ra, prompt: WebPrompt(board: board), journal: FileJournal(directory: FileJournal.defaultDirectory()),
                                              configuration: configuration)
        self.session = UILogin()
        self.drives = drives
        self.broker = configuration.broker
        var doctor = doctor
        doctor.raURL = ra.baseURL
        self.doctorOptions = doctor
    }

    static func text(_ en: String, _ zh: String) -> LocalizedText { LocalizedText(en: en, zhTW: zh) }

    /// Constant-time comparison of a presented key with the launch secret.
    func accepts(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let a = Array(presented.utf8), b = Array(secret.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func refuse(_ status: HTTPResponse.Status, _ error: UIError) throws -> Response {
        try json(error, status: status)
    }

    func router(port: @escaping @Sendable () -> Int) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: UIGuard(server: self, port: port))
        router.get("/") { [self] _, _ in
            let html = UIPage.html.replacingOccurrences(of: "{{KEY}}", with: secret)
                .replacingOccurrences(of: "{{STORE}}", with: storeKind)
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                   HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
                                                   HTTPField.Name("Referrer-Policy")!: "no-referrer",
                                                   HTTPField.Name("X-Frame-Options")!: "DENY"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        router.post("api/login") { [self] request, context in
            struct Body: Decodable { var id: String; var password: String }
            let body = try await request.decode(as: Body.self, context: context)
            let id: CustomerID
            do { id = try CustomerID(body.id.trimmingCharacters(in: .whitespaces)) } catch {
                return try Self.refuse(.badRequest, UIError(code: RAErrorCode.invalidID.rawValue,
                                                            summary: LocalizedText(en: "Not a valid national ID or unified business number.", zhTW: "身分證字號或統一編號格式不正確。"),
                                                            remedy: LocalizedText(en: "Type the ID as on your ID card (a letter and 9 digits, e.g. A123456789), or a company's 8-digit unified business number.",
                                                                                  zhTW: "請依身分證輸入（1 個英文字母加 9 位數字，例如 A123456789），公司請輸入 8 位數字的統一編號。")))
            }
            do {
                let s = try await ra.login(RA.LoginRequest(id: id.value, password: body.password))
                await session.set(s, id)
                struct Out: Encodable { var customer: String; var name: String? }
                return try Self.json(Out(customer: id.masked, name: s.name))
            } catch {
                return try Self.refuse(.forbidden, UIJobBoard.describe(error))
            }
        }
        router.post("api/logout") { [self] _, _ in
            if let s = await session.current?.session { try? await ra.logout(session: s) }
            await session.clear()
            await board.cancel()
            return try Self.json([String: String]())
        }
        router.get("api/status") { [self] _, _ in
            let s = await session.current
            let report = await lifecycle.status(store: store, session: s?.session)
            return try Self.json(UIStatus(status: StatusCommand.json(report), verdictLabel: report.verdict.state.label,
                                          nextStep: UIRemedies.nextStep(report.verdict), loggedIn: s.map { $0.id.masked }))
        }
        router.get("api/drives") { [self] _, _ in
            struct Out: Encodable { var drives: [UIDrive]; var fileName: String?; var error: UIError?; var refusal: UIError? }
            if !(store is SoftwareKeyStore) {
                // A token's key cannot leave it: say so instead of showing the form.
                return try Self.json(Out(drives: [], refusal: UIJobBoard.describe(LifecycleError.tokenKeyNotExportable)))
            }
            var fileName: String?
            if let id = await session.current?.id {
                fileName = (try? BackupFileName(customerID: id, broker: broker, exportedAt: Date()))?.fileName
            }
            do {
                let found = try drives.removableDrives().filter { !$0.isReadOnly }
                return try Self.json(Out(drives: found.map { UIDrive(mountPoint: $0.mountPoint, label: $0.label ?? ($0.mountPoint as NSString).lastPathComponent,
                                                                     available: $0.available) },
                                         fileName: fileName))
            } catch {
                return try Self.json(Out(drives: [], fileName: fileName, error: UIJobBoard.describe(error)))
            }
        }
        router.get("api/doctor") { [self] _, _ in
            try Self.json(await Doctor(options: doctorOptions).run())
        }
        router.get("api/notices/:kind") { [self] _, context in
            guard let kind = context.parameters.get("kind").flatMap(RA.NoticeKind.init(rawValue:)) else { throw HTTPError(.notFound) }
            do { return try Self.json(try await ra.notices(kind)) } catch {
                return try Self.refuse(.badGateway, UIJobBoard.describe(error))
            }
        }
        router.post("api/jobs") { [self] request, context in
            let body = try await request.decode(as: UIJobRequest.self, context: context)
            do {
                return try Self.json(try await startJob(body), status: .accepted)
            } catch UIRefusal.busy {
                return try Self.refuse(.conflict, UIError(code: "busy", summary: LocalizedText(en: "Another operation is still running.", zhTW: "另一項作業仍在進行中。"),
                                                          remedy: LocalizedText(en: "Finish or cancel it first.", zhTW: "請先完成或取消該作業。")))
            } catch {
                return try Self.refuse(.badRequest, UIJobBoard.describe(error))
            }
        }
        router.get("api/job") { [self] _, _ in
            guard let job = await board.current else { return try Self.json([String: String]()) }
            return try Self.json(job)
        }
        router.post("api/answer") { [self] request, context in
            let answer = try await request.decode(as: UIAnswer.self, context: context)
            do { try await board.answer(answer) } catch {
                return try Self.refuse(.conflict, UIError(code: "no-question", summary: LocalizedText(en: "That question is no longer open.", zhTW: "該問題已不在等候回答。"),
                                                          remedy: LocalizedText(en: "Go back to menu 1 and start the operation again.", zhTW: "請回到選單 1，重新開始該作業。")))
            }
            return try Self.json([String: String]())
        }
        router.post("api/cancel") { [self] _, _ in
            await board.cancel()
            return try Self.json([String: String]())
        }
        return router
    }

    /// Starts an operation for the logged-in customer.
    func startJob(_ body: UIJobRequest) async throws -> UIJobSnapshot {
        guard let login = await session.current else {
            throw LifecycleError(.missing, code: RAErrorCode.notLoggedIn.rawValue, summary: Self.text("Please log in first.", "請先登入。"))
        }
        let lifecycle = self.lifecycle, store = self.store, drives = self.drives
        let session = login.session, id = login.id
        switch body.kind {
        case "apply":
            return try await board.start(kind: "apply") {
                let done = try await lifecycle.apply(store: store, session: session, customerID: id)
                return UIJobResult(serial: done.certificate.serialNumber, notAfter: CertificateSummary.taipeiString(done.certificate.notAfter))
            }
        case "renew":
            return try await board.start(kind: "renew") {
                let done = try await lifecycle.renew(store: store, session: session, customerID: id)
                return UIJobResult(serial: done.certificate.serialNumber, notAfter: CertificateSummary.taipeiString(done.certificate.notAfter),
                                   replaced: done.replaced?.uppercased())
            }
        case "revoke":
            let reason = body.reason.flatMap { RevocationReason(argument: $0) } ?? .cessationOfOperation
            guard RevocationReason.customerChoices.contains(reason) else {
                throw LifecycleError(.badInput, code: RAErrorCode.reasonNotAllowed.rawValue, summary: Self.text("That reason cannot be chosen online.", "線上廢止不可選擇此原因。"))
            }
            return try await board.start(kind: "revoke") {
                let done = try await lifecycle.revoke(store: store, session: session, customerID: id, serial: nil, reason: reason)
                return UIJobResult(serial: done.revocation.serial.uppercased(), revocation: done.revocation)
            }
        case "unlockStore":
            // Reading the keys makes the store ask for its PIN or password (in the page); the token stays logged in.
            return try await board.start(kind: "unlockStore") {
                let keys = try await store.allKeys()
                return UIJobResult(keys: keys.count)
            }
        case "signTest":
            return try await board.start(kind: "signTest") {
                return UIJobResult(signTest: SignTestJSON(try await lifecycle.signTest(store: store, session: session)))
            }
        case "backup":
            let password = Secret(body.password ?? "")
            let target = body.target
            let board = self.board
            return try await board.start(kind: "backup") {
                let birth = try await WebPrompt(board: board).birthDate(corporate: { if case .company = id { true } else { false } }())
                let birthDate: ROCDate
                do { birthDate = try ROCDate.parseBirthDate(birth) } catch {
                    throw LifecycleError(.badInput, code: RAErrorCode.invalidBirthDate.rawValue,
                                         summary: Self.text("The birth date is not a date (ROC yyy/mm/dd or yyyy-mm-dd).",
                                                                      "出生日期格式不正確（民國 yyy/mm/dd 或西元 yyyy-mm-dd）。"))
                }
                let done = try await lifecycle.backup(store: store, password: password, birthDate: birthDate, target: target, force: false,
                                                      medium: RemovableDriveMedium(drives: drives))
                return UIJobResult(file: done.file.path, fileName: done.fileName, drive: done.place.mountPoint)
            }
        case "restore":
            guard let base64 = body.file, let bytes = Data(base64Encoded: base64), !bytes.isEmpty else {
                throw LifecycleError(.badInput, code: "no-file", summary: Self.text("Choose the backup file (.pfx).", "請選擇備份檔（.pfx）。"))
            }
            let password = Secret(body.password ?? "")
            return try await board.start(kind: "restore") {
                // The upload goes to a private 0600 file for the time of the import, then away.
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokencert-ui-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                defer { try? FileManager.default.removeItem(at: folder) }
                let file = folder.appendingPathComponent("backup.pfx")
                guard FileManager.default.createFile(atPath: file.path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
                }
                let summary = try await lifecycle.restore(file: file, password: password, into: store, session: session)
                return UIJobResult(serial: summary.serialNumber, notAfter: CertificateSummary.taipeiString(summary.notAfter))
            }
        default:
            throw LifecycleError(.badInput, code: "unknown-job", summary: Self.text("Unknown operation \(body.kind).", "未知的作業 \(body.kind)。"))
        }
    }
}

struct UIJobRequest: Decodable, Sendable {
    var kind: String
    var reason: String?
    var password: String?
    var target: String?
    var file: String?
    var fileName: String?
}

/// `GET /api/status` (docs/schemas/ui-status.schema.json): the document of `tokencert status --format
/// json`, the verdict in words and who is logged in.
struct UIStatus: Encodable {
    var status: StatusCommand.StatusJSON
    var verdictLabel: LocalizedText
    /// What to do next in the page's words (`UIRemedies.nextStep`): its buttons and menus, never a command.
    var nextStep: LocalizedText
    /// The masked ID of the logged-in customer.
    var loggedIn: String?
}

struct UIDrive: Encodable { var mountPoint: String; var label: String; var available: UInt64? }

/// The logged-in customer of this window.
actor UILogin {
    private(set) var current: (session: RA.Session, id: CustomerID)?
    func set(_ session: RA.Session, _ id: CustomerID) { current = (session, id) }
    func clear() { current = nil }
}

/// Refuses every request without the launch secret, from another Host, or with a foreign Origin.
struct UIGuard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: UIServer
    let port: @Sendable () -> Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        let allowed = ["127.0.0.1:\(port())", "localhost:\(port())"]
        guard allowed.contains(host) else { return Self.forbidden() }
        if let origin = request.headers[HTTPField.Name("Origin")!], !allowed.contains(where: { origin == "http://" + $0 }) {
            return Self.forbidden()
        }
        let presented: String?
        if request.uri.path == "/" {
            presented = request.uri.queryParameters["k"].map(String.init)
        } else {
            presented = request.headers[HTTPField.Name("X-TokenCert-Key")!]
        }
        guard server.accepts(presented) else { return Self.forbidden() }
        return try await next(request, context)
    }

    static func forbidden() -> Response {
        Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "403 — this window only answers the page TokenCert opened.\n")))
    }
}
