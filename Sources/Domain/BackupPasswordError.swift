public import Localization

/// A rule of the `.pfx` backup password that a candidate breaks. Thrown by
/// ``BackupPassword/checked(_:customerID:birthDate:)``; ``BackupPassword/problems(with:customerID:birthDate:)``
/// lists all of them.
///
/// The cases never carry the password, nor which birth-date form matched.
public enum BackupPasswordError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Fewer than 4 characters.
    case tooShort
    /// More than 12 characters.
    case tooLong
    /// A character other than the ASCII letters A–Z, a–z and digits 0–9 (symbols, spaces,
    /// full-width or accented letters, Chinese characters).
    case invalidCharacters
    /// The customer's ID number (or unified business number) is, or is inside, the password.
    case containsCustomerID
    /// The digits of the customer's birth date (or company registration date) are inside the password.
    case containsBirthDate

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .tooShort: "backup password shorter than 4 characters"
        case .tooLong: "backup password longer than 12 characters"
        case .invalidCharacters: "backup password with characters other than letters and digits"
        case .containsCustomerID: "backup password contains the ID number"
        case .containsBirthDate: "backup password contains the birth date"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .tooShort:
            LocalizedText(en: "The backup password is too short: it needs 4 to 12 characters.",
                          zhTW: "匯出密碼太短：須為 4 至 12 碼。")
        case .tooLong:
            LocalizedText(en: "The backup password is too long: it may have 4 to 12 characters.",
                          zhTW: "匯出密碼太長：須為 4 至 12 碼。")
        case .invalidCharacters:
            LocalizedText(en: "The backup password may only contain English letters and digits.",
                          zhTW: "匯出密碼只能使用英文字母與數字。")
        case .containsCustomerID:
            LocalizedText(en: "The backup password must not contain your ID number.",
                          zhTW: "匯出密碼不可包含您的身分證字號（統一編號）。")
        case .containsBirthDate:
            LocalizedText(en: "The backup password must not contain your birth date (in any form, ROC or Gregorian).",
                          zhTW: "匯出密碼不可包含您的出生日期（民國或西元，任何寫法）。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        switch self {
        case .tooShort, .tooLong:
            LocalizedText(en: "Choose a password of 4 to 12 letters and digits.", zhTW: "請設定 4 至 12 碼的英文字母或數字。")
        case .invalidCharacters:
            LocalizedText(en: "Leave out symbols and spaces, and switch the input method to half-width (English) mode.",
                          zhTW: "請勿使用符號或空白，並將輸入法切換為半形（英數）模式。")
        case .containsCustomerID, .containsBirthDate:
            LocalizedText(en: "Choose a password others cannot guess from your personal data.",
                          zhTW: "請設定他人無法由您的個人資料猜出的密碼。")
        }
    }
}
