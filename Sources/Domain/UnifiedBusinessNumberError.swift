public import Localization

/// Why a text is not a unified business number. Thrown by ``UnifiedBusinessNumber/init(_:)``.
public enum UnifiedBusinessNumberError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was typed.
    case empty
    /// Not eight characters (the count typed, after trimming).
    case wrongLength(Int)
    /// Not all digits.
    case notDigits
    /// The check does not add up: a typing mistake.
    case badCheckDigit

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no unified business number given"
        case .wrongLength(let n): "a unified business number has 8 digits, not \(n)"
        case .notDigits: "a unified business number has digits only"
        case .badCheckDigit: "the unified business number's check does not add up"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty:
            LocalizedText(en: "No unified business number was entered.", zhTW: "未輸入統一編號。")
        case .wrongLength(let n):
            LocalizedText(en: "A unified business number has 8 digits; \(n) characters were entered.",
                          zhTW: "統一編號為 8 碼數字，目前輸入 \(n) 碼。")
        case .notDigits:
            LocalizedText(en: "A unified business number has digits only.", zhTW: "統一編號只能有數字。")
        case .badCheckDigit:
            LocalizedText(en: "This unified business number is not valid: its check does not add up.",
                          zhTW: "統一編號檢查碼不符，號碼有誤。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        LocalizedText(en: "Check the number on the company's registration and enter it again.",
                      zhTW: "請對照公司登記資料重新輸入。")
    }
}
