import CertificateKit
import Domain
import Foundation
import Lifecycle
import Localization
import RAContract
import Secrets

/// `JourneyPrompt` on a terminal or a pipe: questions and progress go to stderr (stdout stays the
/// command's result, e.g. its JSON), answers are read line by line from stdin; secrets only from
/// /dev/tty with echo off. Options answer questions ahead: `--yes`, `--account`, `--channel`.
final class TerminalPrompt: JourneyPrompt, @unchecked Sendable {
    let language: Language
    /// `--yes`: agree and confirm without asking (the agreement is still printed).
    let assumeYes: Bool
    let account: String?
    let channel: RA.Channel?
    /// `TOKENCERT_BIRTH_DATE` when set: the birth date is personal data, so never an option.
    let birthDateAnswer: String?
    /// Quiet progress (JSON output): only questions are written.
    let quiet: Bool
    private let lock = NSLock()

    init(language: Language, assumeYes: Bool, account: String?, channel: RA.Channel?, quiet: Bool,
         environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.language = language
        self.assumeYes = assumeYes
        self.account = account
        self.channel = channel
        self.quiet = quiet
        birthDateAnswer = environment["TOKENCERT_BIRTH_DATE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func say(_ text: String) {
        lock.withLock { FileHandleStderr.write(text + "\n") }
    }

    /// One line from stdin; `LifecycleError.cancelled` at end of input.
    func line(_ question: String) throws -> String {
        lock.withLock { FileHandleStderr.write(question + ": ") }
        guard let answer = Swift.readLine(strippingNewline: true) else {
            say("")
            throw LifecycleError(.cancelled, code: "no-answer",
                                 summary: LocalizedText(en: "No answer (end of input).", zhTW: "未取得回答（輸入已結束）。"),
                                 remedy: LocalizedText(en: "Run the command on a terminal, or give the answers on its standard input.",
                                                       zhTW: "請在終端機執行，或由標準輸入提供回答。"))
        }
        return answer.trimmingCharacters(in: .whitespaces)
    }

    func text(_ question: LocalizedText) async throws -> String { try line(question.text(language)) }

    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String {
        say(question.text(language))
        for (i, c) in choices.enumerated() { say("  \(i + 1)) \(c.label.text(language))") }
        for _ in 0..<3 {
            let answer = try line(language == .english ? "Number" : "請輸入編號")
            if let n = Int(answer), (1...choices.count).contains(n) { return choices[n - 1].id }
            if let match = choices.first(where: { $0.id == answer }) { return match.id }
        }
        throw LifecycleError.cancelled
    }

    func confirm(_ question: LocalizedText) async throws -> Bool {
        if assumeYes {
            say(question.text(language) + (language == .english ? " yes (--yes)" : " 是（--yes）"))
            return true
        }
        let answer = try line(question.text(language) + (language == .english ? " [y/N]" : " [y/N]")).lowercased()
        return ["y", "yes", "是", "同意"].contains(answer)
    }

    func show(_ message: LocalizedText) async { say(message.text(language)) }

    func agreement(_ agreement: RA.Agreement) async throws -> Bool {
        say(agreement.text.text(language))
        return try await confirm(LocalizedText(en: "I agree to the terms above (version \(agreement.version))?",
                                               zhTW: "我同意以上約定條款（版本 \(agreement.version)）？"))
    }

    func birthDate(corporate: Bool) async throws -> String {
        if let birthDateAnswer { return birthDateAnswer }
        return try line(corporate
            ? (language == .english ? "Company registration date (ROC yyy/mm/dd or yyyy-mm-dd)" : "公司設立登記日期（民國 yyy/mm/dd 或西元 yyyy-mm-dd）")
            : (language == .english ? "Birth date (ROC yyy/mm/dd, e.g. 44/2/1, or yyyy-mm-dd)" : "出生日期（民國 yyy/mm/dd，例如 44/2/1，或西元 yyyy-mm-dd）"))
    }

    func codeDestination(accounts: [String], mobile: String?, email: String?) async throws -> (account: String, channel: RA.Channel) {
        let chosenAccount: String
        if let account {
            guard let match = accounts.first(where: { $0 == account || $0.replacingOccurrences(of: "-", with: "") == account.replacingOccurrences(of: "-", with: "") })
            else {
                throw CLIError(.badInput, en: "--account \(Masking.securitiesAccount(account)) is not one of your accounts.", zhTW: "--account \(Masking.securitiesAccount(account)) 不是您名下的帳號。",
                               remedyEN: "Leave --account out to choose from your accounts.", remedyZH: "省略 --account 即可由名下帳號中選擇。")
            }
            chosenAccount = match
        } else if accounts.count == 1 || (assumeYes && !accounts.isEmpty) {
            chosenAccount = accounts[0]
        } else {
            chosenAccount = try await choose(LocalizedText(en: "Which account should the one-time code be for?", zhTW: "請選擇要接收一次性密碼的帳號"),
                                             accounts.map { PromptChoice(id: $0, label: LocalizedText(en: Masking.securitiesAccount($0), zhTW: Masking.securitiesAccount($0))) })
        }
        if let channel { return (chosenAccount, channel) }
        var choices: [PromptChoice] = []
        if let mobile { choices.append(PromptChoice(id: "sms", label: LocalizedText(en: "SMS to \(mobile)", zhTW: "簡訊：\(mobile)"))) }
        if let email { choices.append(PromptChoice(id: "email", label: LocalizedText(en: "E-mail to \(email)", zhTW: "電子郵件：\(email)"))) }
        if choices.count == 1 { return (chosenAccount, RA.Channel(rawValue: choices[0].id)!) }
        if choices.isEmpty { return (chosenAccount, .sms) }
        if assumeYes {
            say((language == .english ? "One-time code by " : "一次性密碼傳送方式：") + choices[0].label.text(language) + " (--yes)")
            return (chosenAccount, RA.Channel(rawValue: choices[0].id) ?? .sms)
        }
        let picked = try await choose(LocalizedText(en: "Send the one-time code by", zhTW: "一次性密碼傳送方式"), choices)
        return (chosenAccount, RA.Channel(rawValue: picked) ?? .sms)
    }

    func oneTimeCode(_ sent: RA.CodeSent, now: Date) async throws -> CodeAnswer {
        let seconds = max(0, Int(sent.expiresAt.timeIntervalSince(now)))
        let resend = max(0, Int(sent.resendAfter.timeIntervalSince(now)))
        say(language == .english
            ? "One-time code sent to \(sent.destination) for account \(Masking.securitiesAccount(sent.account)). Identifier: \(sent.identifier) — valid for \(seconds) s; a new code can be sent after \(resend) s."
            : "一次性密碼已傳送至 \(sent.destination)（帳號 \(Masking.securitiesAccount(sent.account))）。識別碼：\(sent.identifier)，\(seconds) 秒內有效；\(resend) 秒後可重新傳送。")
        let answer = try line(language == .english ? "Code for identifier \(sent.identifier) (6 digits, or R to resend)"
                                                   : "識別碼 \(sent.identifier) 的一次性密碼（6 位數字，或輸入 R 重新傳送）")
        return answer.lowercased() == "r" ? .resend : .code(answer)
    }

    func progress(_ step: ProgressStep, fraction: Double?) async {
        // Fault injection for the end-to-end tests: stop before a step until a line arrives on stdin,
        // so a test can pull the card at an exact point of apply or renew.
        if let pause = ProcessInfo.processInfo.environment["TOKENCERT_TEST_PAUSE_AT"], pause == step.rawValue {
            say("PAUSED \(step.rawValue)")
            _ = Swift.readLine()
        }
        guard !quiet else { return }
        if let fraction {
            let filled = Int((fraction * 20).rounded())
            say("  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] " + step.label.text(language))
        } else {
            say("  … " + step.label.text(language))
        }
    }
}
