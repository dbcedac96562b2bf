import CertificateKit
import Domain
import Foundation
import Lifecycle
import KeyStores
import Localization
import RAContract
import Secrets

/// Text in both languages as the page receives it.
struct UIText: Codable, Sendable, Hashable {
    var en: String
    var zhTW: String
    enum CodingKeys: String, CodingKey {
        case en
        case zhTW = "zh-TW"
    }
    init(_ text: LocalizedText) { (en, zhTW) = (text.english, text.traditionalChinese) }
    init(en: String, zhTW: String) { (self.en, self.zhTW) = (en, zhTW) }
}

/// A question the running operation asks the person; the page shows the matching screen.
struct UIQuestion: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
        case agreement, birthDate, codeDestination, oneTimeCode, pin, secret, text, choose, confirm
    }
    struct Choice: Codable, Sendable { var id: String; var label: UIText }

    var id: String
    var kind: Kind
    var question: UIText?
    /// agreement
    var version: String?
    var agreement: UIText?
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
/// polls it: messages, the progress step, the open question, then the result or the error with its remedy.
struct UIJobSnapshot: Codable, Sendable {
    var id: String
    var kind: String
    var state: String
    var messages: [UIText]
    var progress: UIText?
    var fraction: Double?
    var question: UIQuestion?
    var result: [String: String]?
    var error: UIError?
}

struct UIError: Codable, Sendable {
    var code: String?
    var summary: UIText
    var remedy: UIText?
}

/// The job and the question it waits on. One job at a time: the customer's window shows one screen.
actor UIJobBoard {
    private var snapshot: UIJobSnapshot?
    private var waiting: (id: String, continuation: CheckedContinuation<UIAnswer, any Error>)?
    private var task: Task<Void, Never>?

    var current: UIJobSnapshot? { snapshot }
    var isRunning: Bool { snapshot?.state == "running" || snapshot?.state == "question" }

    /// Starts `body` as the current job; refused while another runs.
    func start(kind: String, _ body: @escaping @Sendable () async throws -> [String: String]) throws -> UIJobSnapshot {
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

    private func finish(_ id: String, result: [String: String]?, error: UIError?) {
        guard snapshot?.id == id else { return }
        snapshot?.state = error == nil ? "done" : "failed"
        snapshot?.result = result
        snapshot?.error = error
        snapshot?.question = nil
        snapshot?.progress = nil
    }

    func message(_ text: LocalizedText) {
        snapshot?.messages.append(UIText(text))
    }

    func progress(_ text: LocalizedText, fraction: Double?) {
        snapshot?.progress = UIText(text)
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

    static func describe(_ error: any Error) -> UIError {
        let error = DeviceFailure.translated(error)
        // The page's own words where the way to act differs by front end (never a command-line option).
        func remedy(_ e: any UserFacingError) -> UIText? { (e.hint.flatMap { UIRemedies.text($0) } ?? e.remedy).map(UIText.init) }
        if let e = error as? LifecycleError { return UIError(code: e.code, summary: UIText(e.summary), remedy: remedy(e)) }
        if let e = error as? RAClientError { return UIError(code: e.code?.rawValue, summary: UIText(e.summary), remedy: remedy(e)) }
        if let e = error as? any UserFacingError { return UIError(code: nil, summary: UIText(e.summary), remedy: remedy(e)) }
        return UIError(code: nil, summary: UIText(en: "Unexpected error: \(error)", zhTW: "未預期的錯誤：\(error)"), remedy: nil)
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
        try await ask(.text) { $0.question = UIText(question) }.value ?? ""
    }

    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String {
        let a = try await ask(.choose) { q in
            q.question = UIText(question)
            q.choices = choices.map { UIQuestion.Choice(id: $0.id, label: UIText($0.label)) }
        }
        guard let c = a.choice, choices.contains(where: { $0.id == c }) else { throw LifecycleError.cancelled }
        return c
    }

    func confirm(_ question: LocalizedText) async throws -> Bool {
        try await ask(.confirm) { $0.question = UIText(question) }.yes ?? false
    }

    func show(_ message: LocalizedText) async { await board.message(message) }

    func agreement(_ agreement: RA.Agreement) async throws -> Bool {
        let a = try await ask(.agreement) { q in
            q.version = agreement.version
            q.agreement = UIText(agreement.text.localized)
        }
        return a.agree ?? false
    }

    func birthDate(corporate: Bool) async throws -> String {
        try await ask(.birthDate) { $0.corporate = corporate }.value ?? ""
    }

    func codeDestination(accounts: [String], mobile: String?, email: String?) async throws -> (account: String, channel: RA.Channel) {
        var channels: [UIQuestion.Choice] = []
        if let mobile { channels.append(.init(id: "sms", label: UIText(en: "SMS to \(mobile)", zhTW: "簡訊：\(mobile)"))) }
        if let email { channels.append(.init(id: "email", label: UIText(en: "E-mail to \(email)", zhTW: "電子郵件：\(email)"))) }
        if channels.isEmpty { channels = [.init(id: "sms", label: UIText(en: "SMS", zhTW: "簡訊"))] }
        let a = try await ask(.codeDestination) { q in
            q.accounts = accounts.map { .init(id: $0, label: UIText(en: Masking.securitiesAccount($0), zhTW: Masking.securitiesAccount($0))) }
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
                q.question = UIText(en: "PIN for \(request.location.text.english)", zhTW: "\(request.location.text.traditionalChinese) 的 PIN 碼")
                q.triesLeft = request.triesLeft
            }
        } else {
            a = try await ask(.secret) { $0.question = UIText(request.question) }
        }
        guard let s = a.secret, !s.isEmpty else { throw LifecycleError.cancelled }
        return Secret(s)
    }

    func progress(_ step: ProgressStep, fraction: Double?) async {
        await board.progress(step.label, fraction: fraction)
    }
}
