public import Localization

/// Why a text is neither a national ID number nor a unified business number. Thrown by
/// ``CustomerID/init(_:)``.
public enum CustomerIDError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was typed.
    case empty
    /// Starts with neither a letter (a person's ID number) nor a digit (a company's number), or
    /// mixes them in a way neither has.
    case unrecognizedShape
    /// Shaped like a person's ID number (starts with a letter) but not a valid one.
    case nationalID(NationalIDError)
    /// Shaped like a company's number (digits only) but not a valid one.
    case unifiedBusinessNumber(UnifiedBusinessNumberError)

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no ID number given"
        case .unrecognizedShape: "neither an ID number nor a unified business number"
        case .nationalID(let error): error.description
        case .unifiedBusinessNumber(let error): error.description
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty:
            LocalizedText(en: "No ID number or unified business number was entered.", zhTW: "未輸入身分證字號或統一編號。")
        case .unrecognizedShape:
            LocalizedText(en: "This is neither an ID number nor a unified business number.",
                          zhTW: "此號碼不是身分證字號，也不是統一編號。")
        case .nationalID(let error): error.summary
        case .unifiedBusinessNumber(let error): error.summary
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        switch self {
        case .empty, .unrecognizedShape:
            LocalizedText(en: "Enter a person's ID number (a letter and 9 digits) or a company's unified business number (8 digits).",
                          zhTW: "個人請輸入身分證字號（1 個英文字母加 9 個數字），法人請輸入統一編號（8 個數字）。")
        case .nationalID(let error): error.remedy
        case .unifiedBusinessNumber(let error): error.remedy
        }
    }
}
