public import Foundation
import CertificateKit
import Domain
public import Localization
public import RAContract
import Secrets

/// One choice offered to a person.
public struct PromptChoice: Sendable, Hashable {
    /// What the caller gets back.
    public var id: String
    /// What the person sees.
    public var label: LocalizedText
    public init(id: String, label: LocalizedText) { (self.id, self.label) = (id, label) }
}

/// How Lifecycle asks a person plain questions: a terminal, the web page, a test script. Secrets
/// (PINs, passphrases) are asked through `SecretProvider`, never here.
public protocol Prompt: Sendable {
    /// Asks for plain text (a birth date, an account), which may be echoed.
    func text(_ question: LocalizedText) async throws -> String
    /// Asks to pick one of `choices`; returns the chosen id.
    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String
    /// Asks yes or no.
    func confirm(_ question: LocalizedText) async throws -> Bool
    /// Tells the person something (progress, a step done).
    func show(_ message: LocalizedText) async
}

/// What a person answers at the one-time-code step.
public enum CodeAnswer: Sendable, Hashable {
    /// The six digits from the message.
    case code(String)
    /// Send a new code (allowed after `CodeSent.resendAfter`); the old one dies.
    case resend
}

/// A step of a long operation, for progress display.
public enum ProgressStep: String, Sendable, Hashable, Codable, CaseIterable {
    case generatingKey, requestingCertificate, downloading, storing, testSignature, confirming, removingOldKey,
         revoking, removingKey, writingBackup, readingBackup, signing, verifying, personalising

    public var label: LocalizedText {
        switch self {
        case .generatingKey: LocalizedText(en: "Generating the key pair", zhTW: "正在產生金鑰對")
        case .requestingCertificate: LocalizedText(en: "Requesting the certificate", zhTW: "正在申請憑證")
        case .downloading: LocalizedText(en: "Downloading the certificate", zhTW: "正在下載憑證")
        case .storing: LocalizedText(en: "Storing the certificate next to its key", zhTW: "正在將憑證存入金鑰所在處")
        case .testSignature: LocalizedText(en: "Checking with a test signature", zhTW: "正在以測試簽章驗證")
        case .confirming: LocalizedText(en: "Confirming the installation with the host", zhTW: "正在向主機確認安裝")
        case .removingOldKey: LocalizedText(en: "Removing the old key and certificate", zhTW: "正在移除舊金鑰與憑證")
        case .revoking: LocalizedText(en: "Revoking on the host", zhTW: "正在向主機廢止")
        case .removingKey: LocalizedText(en: "Removing the key and certificate here", zhTW: "正在移除本機金鑰與憑證")
        case .writingBackup: LocalizedText(en: "Writing the backup", zhTW: "正在寫入備份")
        case .readingBackup: LocalizedText(en: "Reading the backup", zhTW: "正在讀取備份")
        case .signing: LocalizedText(en: "Signing the sample order", zhTW: "正在簽署測試委託")
        case .verifying: LocalizedText(en: "Verifying the signature", zhTW: "正在驗證簽章")
        case .personalising: LocalizedText(en: "Setting the customer's PIN and the card's unblock code", zhTW: "正在設定客戶 PIN 碼與卡片解鎖碼")
        }
    }
}

/// The structured questions of the certificate journey: each front end (terminal, web page, demo)
/// asks them its own way; choosing the account and channel has a default over the plain questions
/// above.
public protocol JourneyPrompt: Prompt {
    /// The agreement: shown whole; true when the person agrees.
    func agreement(_ agreement: RA.Agreement) async throws -> Bool
    /// Identity step 1: the birth date (or company registration date), ROC `民國年/月/日` or Gregorian.
    func birthDate(corporate: Bool) async throws -> String
    /// Identity step 2: which account and which channel; `accounts` are full numbers, shown masked.
    func codeDestination(accounts: [String], mobile: String?, email: String?) async throws -> (account: String, channel: RA.Channel)
    /// Identity step 2: the code for `sent` (its identifier shown, with the time left), or a resend.
    func oneTimeCode(_ sent: RA.CodeSent, now: Date) async throws -> CodeAnswer
    /// Progress of a long step: `fraction` in 0…1 when known.
    func progress(_ step: ProgressStep, fraction: Double?) async
}

extension JourneyPrompt {
    public func codeDestination(accounts: [String], mobile: String?, email: String?) async throws -> (account: String, channel: RA.Channel) {
        let account: String
        if accounts.count == 1 {
            account = accounts[0]
        } else {
            account = try await choose(LocalizedText(en: "Which account?", zhTW: "請選擇帳號"),
                                       accounts.map { PromptChoice(id: $0, label: LocalizedText(en: Masking.securitiesAccount($0),
                                                                                               zhTW: Masking.securitiesAccount($0))) })
        }
        var channels: [PromptChoice] = []
        if let mobile { channels.append(PromptChoice(id: "sms", label: LocalizedText(en: "SMS to \(mobile)", zhTW: "簡訊至 \(mobile)"))) }
        if let email { channels.append(PromptChoice(id: "email", label: LocalizedText(en: "E-mail to \(email)", zhTW: "電子郵件至 \(email)"))) }
        if channels.isEmpty { channels = RA.Channel.allCases.map { PromptChoice(id: $0.rawValue, label: LocalizedText(en: $0.rawValue, zhTW: $0.rawValue)) } }
        let channel = channels.count == 1 ? channels[0].id
            : try await choose(LocalizedText(en: "Send the one-time code by", zhTW: "一次性密碼傳送方式"), channels)
        return (account, RA.Channel(rawValue: channel) ?? .sms)
    }
}
