import CertificateKit
import Domain
import Foundation
import Lifecycle
import KeyStores
import Localization
import RAContract
import Secrets

/// A question the running operation asks the person; the page shows the matching screen.
struct UIQuestion: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
        case agreement, birthDate, codeDestination, oneTimeCode, pin, secret, text, choose, confirm
    }
    struct Choice: Codable, Sendable { var id: String; var label: LocalizedText }

    var id: String
    var kind: Kind
    var question: LocalizedText?
    /// agreement
    var version: String?
    var agreement: LocalizedText?
    /// birthDate
    var corporate: Bool?
    /// codeDestination: accounts (masked labels); channels. choose: choices.
    var accounts: [Choice]?
    var channels: [Choice]?
    var choices: [Choice]?
    /// oneTimeCode
    var identifier: String?
    var destination: String?
    var account: String?
    var expiresAt: Date?
    var resendAfter: Date?
    /// pin
    var triesLeft: Int?
}

/// What the page sends back.
struct UIAnswer: Codable, Sendable {
    var question: String
    var agree: Bool?
    var value: String?
    var account: String?
    var channel: String?
    var code: String?
    var resend: Bool?
    /// A PIN or password; never logged.
    var secret: String?
    var choice: String?
    var yes: Bool?
    var cancel: Bool?
}

/// One running or finished operation (apply, renew, revoke, backup, restore, sign-test) as the page
/// polls it (`GET /api/job`, docs/schemas/ui-job.schema.json): the messages of the current step, the
/// progress step, the open question, then the result or the error with its remedy.
struct UIJobSnapshot: Codable, Sendable {
    var id: String
    var kind: String
    /// `running`, `question`, `done` or `failed`.
    var state: String
    /// What the operation said since the last answered question (an answer starts a new step, so a
    /// message such as "wrong birth date" never stays on a later screen).
    var messages: [LocalizedText]
    var progress: LocalizedText?
    var fraction: Double?
    var question: UIQuestion?
    var result: UIJobResult?
    var error: UIError?
}

/// What a finished operation gives the page; each operation fills its own fields.
struct UIJobResult: Codable, Sendable {
    /// apply, renew, restore, revoke: the certificate's serial (upper-case hex).
    var serial: String?
    /// apply, renew, restore: the end of validity (Asia/Taipei, `yyyy-MM-dd HH:mm:ss`).
    var notAfter: String?
    /// renew: the serial it replaced.
    var replaced: String?
    /// revoke: the revocation as the RA answered it (reason in words, the year's online revocations left).
    var revocation: RA.Revocation?
    /// unlockStore: keys now readable.
    var keys: Int?
    /// backup: the file written, its name and the drive.
    var file: String?
    var fileName: String?
    var drive: String?
    /// signTest: the same document as `tokencert sign-test --format json`.
    var signTest: SignTestJSON?
}

/// A refusal or failure as the page shows it: what happened and what to do (`remedy` is always set).
struct UIError: Codable, Sendable {
    var code: String?
    var summary: LocalizedText
    var remedy: LocalizedText?
}

/// The job and the question it waits on. One job at a time: the customer's window shows one screen.
actor UIJobBoard {
    private var snapshot: UIJobSnapshot?
    private var waiting: (id: String, continuation: CheckedContinuation<UIAnswer, any Error>)?
    private var task: Task<Void, Never>?

    var current: UIJobSnapshot? { snapshot }
    var isRunning: Bool { snapshot?.state == "running" || snapshot?.state == "question" }

    /// Starts `body` as the current job; refused while another runs.
    func start(kind: String, _ body: @escaping @Sendable () async throws -> UIJobResult) throws -> UIJobSnapshot {
        guard !isRunning else { throw UIRefusal.busy }
        let job = UIJobSnapshot(id: UUID().uuidString.lowercased(), kind: kind, state: "running", messages: [])
        snapshot = job
        task = Task {
            do {
                let result = try await body()
                self.finish(job.id, result: result, error: nil)
            } catch {
                self.finish(job.id, result: nil, error: Self.describe(error))
            }
        }
        return job
    }

    private func finish(_ id: String, result: UIJobResult?, error: UIError?) {
        guard snapshot?.id == id else { return }
        snapshot?.state = error == nil ? "done" : "failed"
        snapshot?.result = result
        snapshot?.error = error
        snapshot?.question = nil
        snapshot?.progress = nil
    }

    func message(_ text: LocalizedText) {
        snapshot?.messages.append(text)
    }

    func progress(_ text: LocalizedText, fraction: Double?) {
        snapshot?.progress = text
        snapshot?.fraction = fraction
    }

    /// Shows `question` and waits (at most 15 minutes) for the page's answer.
    func ask(_ question: UIQuestion) async throws -> UIAnswer {
        guard snapshot != nil else { throw LifecycleError.cancelled }
        snapshot?.question = question
        snapshot?.state = "question"
        let id = question.id
        let timeout = Task {
            try await Task.sleep(for: .seconds(900))
            self.resume(id, with: .failure(LifecycleError.cancelled))
        }
        defer { timeout.cancel() }
        let answer = try await withCheckedThrowingContinuation { continuation in
            waiting = (id, continuation)
        }
        return answer
    }

    private func resume(_ id: String, with result: Result<UIAnswer, any Error>) {
        guard let w = waiting, w.id == id else { return }
        waiting = nil
        snapshot?.question = nil
        // The answered question's step is over: its messages go with it.
        snapshot?.messages = []
        if snapshot?.state == "question" { snapshot?.state = "running" }
        w.continuation.resume(with: result)
    }

    /// The page's answer to the open question.
    func answer(_ answer: UIAnswer) throws {
        guard let w = waiting, w.id == answer.question else { throw UIRefusal.noSuchQuestion }
        if answer.cancel == true {
            resume(w.id, with: .failure(LifecycleError.cancelled))
        } else {
            resume(w.id, with: .success(answer))
        }
    }

    /// Cancels the open question (the operation stops with "cancelled").
    func cancel() {
        if let w = waiting { resume(w.id, with: .failure(LifecycleError.cancelled)) }
    }

    /// The remedy of an error that names none.
    static let unexpectedRemedy = LocalizedText(en: "Try again. If it happens again, run the environment check (menu 5) and tell the broker's help desk what this message says.",
                                                zhTW: "請再試一次；若仍發生，請執行「環境檢測」（選單 5），並將此訊息告知券商客服。")

    static func describe(_ error: any Error) -> UIError {
        let error = DeviceFailure.translated(error)
        // The page's own words where the way to act differs by front end (never a command-line option).
        func remedy(_ e: any UserFacingError) -> LocalizedText? { e.hint.flatMap { UIRemedies.text($0) } ?? e.remedy ?? unexpectedRemedy }
        // A stop the person asked for needs nothing done.
        if let e = error as? LifecycleError { return UIError(code: e.code, summary: e.summary, remedy: e.kind == .cancelled ? nil : remedy(e)) }
        if let e = error as? RAClientError { return UIError(code: e.code?.rawValue, summary: e.summary, remedy: remedy(e)) }
        if let e = error as? any UserFacingError { return UIError(code: nil, summary: e.summary, remedy: remedy(e)) }
        return UIError(code: nil, summary: LocalizedText(en: "Unexpected error: \(error)", zhTW: "未預期的錯誤：\(error)"), remedy: unexpectedRemedy)
    }
}

enum UIRefusal: Error {
    case busy, noSuchQuestion
}

/// Lifecycle's questions as screens of the page.
struct WebPrompt: JourneyPrompt {
    let board: UIJobBoard

    private func ask(_ kind: UIQuestion.Kind, _ fill: (inout UIQuestion) -> Void = { _ in }) async throws -> UIAnswer {
        var q = UIQuestion(id: UUID().uuidString.lowercased(), kind: kind)
        fill(&q)
        return try await board.ask(q)
    }

    func text(_ question: LocalizedText) async throws -> String {
        try await ask(.text) { $0.question = question }.value ?? ""
    }

    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String {
        let a = try await ask(.choose) { q in
            q.question = question
            q.choices = choices.map { UIQuestion.Choice(id: $0.id, label: $0.label) }
        }
        guard let c = a.choice, choices.contains(where: { $0.id == c }) else { throw LifecycleError.cancelled }
        return c
    }

    func confirm(_ question: LocalizedText) async throws -> Bool {
        try await ask(.confirm) { $0.question = question }.yes ?? false
    }

    func show(_ message: LocalizedText) async { await board.message(message) }

    func agreement(_ agreement: RA.Agreement) async throws -> Bool {
        let a = try await ask(.agreement) { q in
            q.version = agreement.version
            q.agreement = agreement.text
        }
        return a.agree ?? false
    }

    func birthDate(corporate: Bool) async throws -> String {
        try await ask(.birthDate) { $0.corporate = corporate }.value ?? ""
    }

    func codeDestination(accounts: [String], mobile: String?, email: String?) async throws -> (account: String, channel: RA.Channel) {
        var channels: [UIQuestion.Choice] = []
        if let mobile { channels.append(.init(id: "sms", label: LocalizedText(en: "SMS to \(mobile)", zhTW: "簡訊：\(mobile)"))) }
        if let email { channels.append(.init(id: "email", label: LocalizedText(en: "E-mail to \(email)", zhTW: "電子郵件：\(email)"))) }
        if channels.isEmpty { channels = [.init(id: "sms", label: LocalizedText(en: "SMS", zhTW: "簡訊"))] }
        let a = try await ask(.codeDestination) { q in
            q.accounts = accounts.map { .init(id: $0, label: LocalizedText(en: Masking.securitiesAccount($0), zhTW: Masking.securitiesAccount($0))) }
            q.channels = channels
        }
        guard let account = a.account, accounts.contains(account) else { throw LifecycleError.cancelled }
        return (account, RA.Channel(rawValue: a.channel ?? "sms") ?? .sms)
    }

    func oneTimeCode(_ sent: RA.CodeSent, now: Date) async throws -> CodeAnswer {
        let a = try await ask(.oneTimeCode) { q in
            q.identifier = sent.identifier
            q.destination = sent.destination
            q.account = Masking.securitiesAccount(sent.account)
            q.expiresAt = sent.expiresAt
            q.resendAfter = sent.resendAfter
        }
        if a.resend == true { return .resend }
        return .code((a.code ?? "").trimmingCharacters(in: .whitespaces))
    }

    /// A PIN (with the tries left shown by the page) or a passphrase, asked in the page.
    func secret(for request: SecretRequest) async throws -> Secret {
        let a: UIAnswer
        if request.kind == .pin {
            a = try await ask(.pin) { q in
                q.question = LocalizedText(en: "PIN for \(request.location.text.english)", zhTW: "\(request.location.text.traditionalChinese) 的 PIN 碼")
                q.triesLeft = request.triesLeft
            }
        } else {
            a = try await ask(.secret) { $0.question = request.question }
        }
        guard let s = a.secret, !s.isEmpty else { throw LifecycleError.cancelled }
        return Secret(s)
    }

    func progress(_ step: ProgressStep, fraction: Double?) async {
        await board.progress(step.label, fraction: fraction)
    }
}
