public import CertificateKit
import Domain
public import Foundation
public import Localization
public import RAContract

/// A refusal of the RA: a stable code, the reason in both languages, what to do, and facts a client
/// may act on. The HTTP layer sends it as an `RA.ErrorBody` with the status of its code
/// (`RAError.status(of:)` in HTTP/Wire.swift, the one place codes meet statuses; the error category
/// follows from the status).
///
/// New refusals are new static constructors over `RAErrorCode` constants.
public struct RAError: Error, Sendable, UserFacingError, CustomStringConvertible {
    /// Machine-readable reason, e.g. `.locked`, `.codeExpired`.
    public var code: RAErrorCode
    /// What happened.
    public var summary: LocalizedText
    /// What the customer can do.
    public var remedy: LocalizedText?
    /// Facts a client may show or act on (`lockedUntil`, `retryAfterSeconds`, …); never a secret.
    public var details: [String: String]

    /// A refusal with everything spelled out.
    public init(code: RAErrorCode, summary: LocalizedText, remedy: LocalizedText? = nil, details: [String: String] = [:]) {
        self.code = code
        self.summary = summary
        self.remedy = remedy
        self.details = details
    }

    public var description: String { "\(code): \(summary.english)" }

    /// The body this refusal is sent with.
    public var body: RA.ErrorBody {
        RA.ErrorBody(code: code, message: summary, remedy: remedy, details: details.isEmpty ? nil : details)
    }
}

// MARK: - The refusals

extension RAError {
    static func taipei(_ date: Date) -> String { CertificateSummary.taipeiString(date) }
    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// The request body is not what the endpoint takes.
    public static func badRequest(_ what: String) -> RAError {
        RAError(code: .badRequest,
                summary: LocalizedText(en: "The request is not valid: \(what).", zhTW: "請求內容不正確：\(what)。"),
                remedy: LocalizedText(en: "Check the request against the API description.", zhTW: "請依照 API 說明檢查請求內容。"))
    }

    /// A field was refused by a domain rule (ID number, date, account…): its own message is kept.
    /// - Parameter code: one of `RAErrorCode.invalidFields`, for `field`.
    public static func invalidField(_ code: RAErrorCode, field: String, _ error: some UserFacingError) -> RAError {
        RAError(code: code, summary: error.summary, remedy: error.remedy, details: ["field": field])
    }

    /// No session, or an expired or ended one.
    public static let notLoggedIn = RAError(
        code: .notLoggedIn,
        summary: LocalizedText(en: "You are not logged in, or your session has ended.", zhTW: "您尚未登入，或登入已逾時。"),
        remedy: LocalizedText(en: "Log in again with your ID number and e-trading password.", zhTW: "請以身分證字號（統一編號）及電子交易密碼重新登入。"))

    /// Wrong ID or password (never says which).
    public static let badCredentials = RAError(
        code: .badCredentials,
        summary: LocalizedText(en: "The ID number or the e-trading password is wrong.", zhTW: "身分證字號（統一編號）或電子交易密碼錯誤。"),
        remedy: LocalizedText(en: "Check both and try again; a branch can reset the password.", zhTW: "請確認後重試；密碼可至分公司重設。"))

    /// The current agreement has not been accepted.
    public static func consentRequired(version: String) -> RAError {
        RAError(code: .consentRequired,
                summary: LocalizedText(en: "You have not accepted the current certificate agreement (version \(version)).",
                                       zhTW: "您尚未同意目前版本（\(version)）的憑證約定事項。"),
                remedy: LocalizedText(en: "Read the agreement (GET /consent) and accept it first.", zhTW: "請先閱讀並同意憑證約定事項。"),
                details: ["version": version])
    }

    /// The agreement version or hash sent does not match the current one.
    public static func consentMismatch(version: String) -> RAError {
        RAError(code: .consentMismatch,
                summary: LocalizedText(en: "The agreement you accepted is not the current one (version \(version)).",
                                       zhTW: "您同意的約定事項不是目前版本（\(version)）。"),
                remedy: LocalizedText(en: "Load the agreement again and accept the current text.", zhTW: "請重新載入約定事項並同意目前的內容。"),
                details: ["version": version])
    }

    /// Online certificate services are locked after wrong birth dates.
    public static func locked(until: Date) -> RAError {
        RAError(code: .locked,
                summary: LocalizedText(en: "Online certificate services are locked until \(taipei(until)) (Taipei time) after wrong birth dates.",
                                       zhTW: "因出生日期輸入錯誤次數過多，線上憑證服務已鎖定至 \(taipei(until))（台北時間）。"),
                remedy: LocalizedText(en: "Wait until then, or visit a branch where an officer can unlock it.",
                                      zhTW: "請於解鎖後再試，或親至分公司由營業員解除鎖定。"),
                details: ["lockedUntil": iso(until)])
    }

    /// A wrong birth date; `remaining` more lock the service.
    public static func birthDateWrong(remaining: Int) -> RAError {
        RAError(code: .birthDateWrong,
                summary: LocalizedText(en: "The birth date (or registration date) does not match our records; \(remaining) more wrong attempt(s) lock online services.",
                                       zhTW: "出生日期（或公司設立登記日期）與資料不符；再錯 \(remaining) 次將鎖定線上憑證服務。"),
                remedy: LocalizedText(en: "Enter the date as registered with the broker, in the ROC (e.g. 44/2/1) or Gregorian (1955-02-01) calendar.",
                                      zhTW: "請輸入您在券商登記的日期，可用民國（例如 44/2/1）或西元（1955-02-01）格式。"),
                details: ["attemptsLeft": String(remaining)])
    }

    /// Step 2 asked for before step 1.
    public static let birthDateStepRequired = RAError(
        code: .birthDateRequired,
        summary: LocalizedText(en: "Confirm your birth date first (identity step 1).", zhTW: "請先完成身分驗證第一步：確認出生日期。"),
        remedy: LocalizedText(en: "Send your birth date, then ask for a one-time code.", zhTW: "請先輸入出生日期，再申請一次性驗證碼。"))

    /// The account is not one of the customer's.
    public static let unknownAccount = RAError(
        code: .unknownAccount,
        summary: LocalizedText(en: "That securities account is not one of yours.", zhTW: "此證券帳號不屬於您。"),
        remedy: LocalizedText(en: "Choose one of the accounts listed for you.", zhTW: "請選擇您名下的帳號。"))

    /// No mobile number or e-mail address on file for the chosen channel.
    public static func noDestination(_ channel: RA.Channel) -> RAError {
        RAError(code: .noDestination,
                summary: LocalizedText(en: "There is no \(channel == .sms ? "mobile number" : "e-mail address") on file for you.",
                                       zhTW: "您的資料中沒有\(channel == .sms ? "行動電話" : "電子郵件")。"),
                remedy: LocalizedText(en: "Choose the other channel, or update your contact details at a branch.", zhTW: "請改用另一種方式，或至分公司更新聯絡資料。"))
    }

    /// Too many login attempts from this address or for this ID within a minute.
    public static func tooManyLogins(retryAfter seconds: Int) -> RAError {
        RAError(code: .tooManyLogins,
                summary: LocalizedText(en: "Too many login attempts; try again in \(seconds) s.", zhTW: "登入嘗試次數過多，請於 \(seconds) 秒後再試。"),
                remedy: LocalizedText(en: "Wait, then log in once with the right password.", zhTW: "請稍候，再以正確密碼登入一次。"),
                details: ["retryAfterSeconds": String(seconds)])
    }

    /// Too many logins are waiting for their password to be checked.
    public static let loginBusy = RAError(
        code: .loginBusy,
        summary: LocalizedText(en: "The service is checking many logins right now.", zhTW: "服務目前正在處理大量登入。"),
        remedy: LocalizedText(en: "Try again in a moment.", zhTW: "請稍後再試。"),
        details: ["retryAfterSeconds": "1"])

    /// A new code asked for too soon after the last.
    public static func resendTooSoon(seconds: Int) -> RAError {
        RAError(code: .resendTooSoon,
                summary: LocalizedText(en: "A new code can be sent in \(seconds) s.", zhTW: "請於 \(seconds) 秒後再重新發送驗證碼。"),
                remedy: LocalizedText(en: "Wait, or use the code already sent.", zhTW: "請稍候，或使用已收到的驗證碼。"),
                details: ["retryAfterSeconds": String(seconds)])
    }

    /// Too many codes sent in the rate-limit window.
    public static func sendLimit(until: Date, now: Date) -> RAError {
        let seconds = max(1, Int((until.timeIntervalSince(now)).rounded(.up)))
        return RAError(code: .sendLimit,
                       summary: LocalizedText(en: "Too many codes were sent; a new one can be sent after \(taipei(until)) (Taipei time).",
                                              zhTW: "驗證碼發送次數過多，請於 \(taipei(until))（台北時間）後再試。"),
                       remedy: LocalizedText(en: "Use the last code you received, or try later.", zhTW: "請使用最後收到的驗證碼，或稍後再試。"),
                       details: ["retryAfterSeconds": String(seconds)])
    }

    /// No live code: none sent, used, killed, or replaced.
    public static let noActiveCode = RAError(
        code: .noActiveCode,
        summary: LocalizedText(en: "There is no valid one-time code for you.", zhTW: "目前沒有有效的一次性驗證碼。"),
        remedy: LocalizedText(en: "Ask for a new code.", zhTW: "請重新申請驗證碼。"))

    /// The identifier is of an older code, killed by a resend.
    public static let codeReplaced = RAError(
        code: .codeReplaced,
        summary: LocalizedText(en: "This code was replaced by a newer one and no longer works.", zhTW: "此驗證碼已被新的驗證碼取代，已失效。"),
        remedy: LocalizedText(en: "Use the code whose identifier is shown on screen now.", zhTW: "請使用畫面上目前識別碼所對應的驗證碼。"))

    /// The code's lifetime passed.
    public static func codeExpired(lifetime: TimeInterval) -> RAError {
        let minutes = minutes(lifetime)
        return RAError(code: .codeExpired,
                       summary: LocalizedText(en: "The one-time code has expired.", zhTW: "一次性驗證碼已逾時失效。"),
                       remedy: LocalizedText(en: "Ask for a new code and enter it within \(minutes) minutes.", zhTW: "請重新申請驗證碼，並於 \(minutes) 分鐘內輸入。"))
    }

    /// Whole minutes of an interval, at least 1.
    static func minutes(_ interval: TimeInterval) -> Int { max(1, Int((interval / 60).rounded())) }

    /// A wrong code; `remaining` tries left.
    public static func codeWrong(remaining: Int) -> RAError {
        RAError(code: .codeWrong,
                summary: LocalizedText(en: "The one-time code is wrong; \(remaining) tries left.", zhTW: "驗證碼錯誤，尚可再試 \(remaining) 次。"),
                remedy: LocalizedText(en: "Check the 6 digits in the message with the identifier shown on screen.", zhTW: "請核對簡訊或郵件中與畫面識別碼相同的 6 位數驗證碼。"),
                details: ["triesLeft": String(remaining)])
    }

    /// The wrong guess that killed the code, or any guess after it.
    public static let tooManyTries = RAError(
        code: .codeTooManyTries,
        summary: LocalizedText(en: "Too many wrong codes: this code no longer works.", zhTW: "驗證碼錯誤次數過多，此驗證碼已失效。"),
        remedy: LocalizedText(en: "Ask for a new code.", zhTW: "請重新申請驗證碼。"))

    /// Issue or revoke without both fresh identity steps.
    public static func identityRequired(window: TimeInterval) -> RAError {
        let minutes = minutes(window)
        return RAError(code: .identityRequired,
                       summary: LocalizedText(en: "Confirm your identity first in this session: birth date, then the one-time code (within the last \(minutes) minutes).",
                                              zhTW: "請先於本次登入完成身分驗證：出生日期及一次性驗證碼（\(minutes) 分鐘內有效）。"),
                       remedy: LocalizedText(en: "Complete both identity steps, then try again.", zhTW: "請完成兩個身分驗證步驟後再試。"))
    }

    /// An operator endpoint asked from another machine with no token configured for it.
    public static func localOnly(_ endpoint: String) -> RAError {
        RAError(code: .localOnly,
                summary: LocalizedText(en: "\(endpoint) answers clients on the RA's own machine only, because no access token is configured for it.",
                                       zhTW: "因未設定存取權杖，\(endpoint) 只回應 RA 主機本機的用戶端。"),
                remedy: LocalizedText(en: "Configure a token on the RA (tokencert-ra serve --help names the option) and send it as Authorization: Bearer.",
                                      zhTW: "請於 RA 設定存取權杖（選項見 tokencert-ra serve --help），並以 Authorization: Bearer 傳送。"),
                details: ["endpoint": endpoint])
    }

    /// The CSR did not parse or its self-signature failed.
    public static func badCSR(_ error: some UserFacingError) -> RAError {
        RAError(code: .badCSR, summary: error.summary, remedy: error.remedy)
    }

    /// The CSR's key is not allowed by the policy.
    public static func keyNotAllowed(_ key: String, policy: Policy = .standard) -> RAError {
        let rsa = "RSA \(policy.minimumRSABits)–\(policy.maximumRSABits)"
        return RAError(code: .keyNotAllowed,
                       summary: LocalizedText(en: "The key (\(key)) is not allowed: use \(rsa)\(policy.allowECDSA ? " or ECDSA P-256/P-384" : "").",
                                              zhTW: "不允許此金鑰（\(key)）：請使用 \(rsa) 位元\(policy.allowECDSA ? "或 ECDSA P-256/P-384" : "")。"),
                       remedy: LocalizedText(en: "Generate a new key of an allowed kind on your token.", zhTW: "請在載具上重新產生允許類型的金鑰。"))
    }

    /// The CSR's RSA key is of an allowed size but unsound (a small factor, a bad exponent): anyone
    /// could find its private key.
    public static func weakKey(_ key: String, _ weakness: String) -> RAError {
        RAError(code: .keyNotAllowed,
                summary: LocalizedText(en: "The key (\(key)) is not a sound RSA key (\(weakness)): anyone could work out its private key.",
                                       zhTW: "此金鑰（\(key)）不是安全的 RSA 金鑰（\(weakness)），任何人都可能推算出其私密金鑰。"),
                remedy: LocalizedText(en: "Generate a new key on your token with its own key generation, and apply again.",
                                      zhTW: "請以載具本身的金鑰產生功能重新產生金鑰後再申請。"),
                details: ["weakness": weakness])
    }

    /// The key is certified for another customer already.
    public static let keyInUse = RAError(
        code: .keyInUse,
        summary: LocalizedText(en: "This key is already certified for someone else; one key belongs to one customer.",
                               zhTW: "此金鑰已為他人申請憑證；一把金鑰只能屬於一位客戶。"),
        remedy: LocalizedText(en: "Generate a new key on your own token and apply again.", zhTW: "請在您自己的載具上重新產生金鑰後再申請。"))

    /// The key was revoked for key compromise.
    public static let keyCompromised = RAError(
        code: .keyCompromised,
        summary: LocalizedText(en: "This key was reported compromised; it is never certified again.",
                               zhTW: "此金鑰曾因洩漏而廢止，不會再為其核發憑證。"),
        remedy: LocalizedText(en: "Generate a new key and apply again.", zhTW: "請重新產生金鑰後再申請。"))

    /// Apply while the host has an active certificate.
    public static func activeCertificateExists(serial: String, renewalWindowDays: Int = Policy.standard.renewalWindowDays) -> RAError {
        RAError(code: .activeCertificateExists,
                summary: LocalizedText(en: "You already have an active certificate (serial \(serial)).", zhTW: "您已有一張有效憑證（序號 \(serial)）。"),
                remedy: LocalizedText(en: "Use it, renew it in its last \(renewalWindowDays) days, or revoke it before applying again.",
                                      zhTW: "請繼續使用；於到期前 \(renewalWindowDays) 天內展期；或先廢止後再重新申請。"),
                details: ["serial": serial])
    }

    /// The same request id with a different CSR.
    public static let requestIDReused = RAError(
        code: .requestIDReused,
        summary: LocalizedText(en: "This request id was already used for a different certificate request.", zhTW: "此請求編號已用於另一份憑證申請。"),
        remedy: LocalizedText(en: "Use a new request id for a new request.", zhTW: "新的申請請使用新的請求編號。"))

    /// No such certificate of this customer.
    public static let certificateNotFound = RAError(
        code: .certificateNotFound,
        summary: LocalizedText(en: "You have no certificate with that serial number.", zhTW: "您沒有此序號的憑證。"),
        remedy: LocalizedText(en: "Check the serial number in the host status.", zhTW: "請於主機憑證狀態中確認序號。"))

    /// Revoking a certificate that is already revoked or expired.
    public static func notRevocable(state: String) -> RAError {
        RAError(code: .notRevocable,
                summary: LocalizedText(en: "This certificate cannot be revoked: it is \(state).", zhTW: "此憑證無法廢止：狀態為\(CertificateState(rawValue: state)?.zhTW ?? state)。"),
                remedy: nil, details: ["state": state])
    }

    /// A reason a customer may not choose online.
    public static func reasonNotAllowed(_ reason: RevocationReason) -> RAError {
        RAError(code: .reasonNotAllowed,
                summary: LocalizedText(en: "“\(reason.label.english)” cannot be chosen online.", zhTW: "線上廢止不可選擇「\(reason.label.traditionalChinese)」。"),
                remedy: LocalizedText(en: "Choose key compromise, affiliation changed, superseded or cessation of operation.",
                                      zhTW: "請選擇金鑰洩漏或遺失、身分資料變更、已由新憑證取代或停止使用。"))
    }

    /// The yearly online revocation limit is used up.
    public static func revocationsUsedUp(year: Int, limit: Int) -> RAError {
        RAError(code: .revocationsUsedUp,
                summary: LocalizedText(en: "You have used your \(limit) online revocations for \(year).", zhTW: "您 \(year) 年的 \(limit) 次線上廢止已用完。"),
                remedy: LocalizedText(en: "Please visit a branch: an officer can revoke the certificate in person.",
                                      zhTW: "請親至分公司臨櫃辦理，由營業員為您廢止憑證。"),
                details: ["year": String(year), "limit": String(limit)])
    }

    /// Something failed on the RA's side; nothing secret is said.
    public static let internalError = RAError(
        code: .internalError,
        summary: LocalizedText(en: "The certificate service failed to complete the request.", zhTW: "憑證服務無法完成此請求。"),
        remedy: LocalizedText(en: "Try again later; if it persists, contact the broker.", zhTW: "請稍後再試；若持續發生，請聯絡券商。"))
}

extension RAError {
    /// The code could not be handed to the SMS gateway or mail system.
    public static func deliveryFailed(channel: RA.Channel) -> RAError {
        RAError(code: .deliveryFailed,
                summary: LocalizedText(en: "The one-time code could not be sent.", zhTW: "一次性驗證碼無法送出。"),
                remedy: LocalizedText(en: "Try again in a moment, or choose the other channel.", zhTW: "請稍後再試，或改用另一種傳送方式。"),
                details: ["channel": channel.rawValue])
    }
}

