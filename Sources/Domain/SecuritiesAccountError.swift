public import Localization

/// Why a text is not a securities account number. Thrown by ``SecuritiesAccount``'s initialisers.
public enum SecuritiesAccountError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was typed.
    case empty
    /// Something other than digits and one separator after the branch code.
    case notDigits
    /// Not 4 + 7 = 11 digits (the digit count found).
    case wrongDigitCount(Int)
    /// A separator somewhere else than between the 4-digit branch code and the 7-digit account.
    case misplacedSeparator

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no securities account given"
        case .notDigits: "a securities account has digits only, with an optional dash after the branch code"
        case .wrongDigitCount(let n): "a securities account has 11 digits (4 + 7), not \(n)"
        case .misplacedSeparator: "the dash belongs between the 4-digit branch code and the 7-digit account"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty:
            LocalizedText(en: "No securities account was entered.", zhTW: "未輸入證券帳號。")
        case .notDigits:
            LocalizedText(en: "A securities account has digits only.", zhTW: "證券帳號只能有數字。")
        case .wrongDigitCount(let n):
            LocalizedText(en: "A securities account has 11 digits (4 for the branch, 7 for the account); \(n) were entered.",
                          zhTW: "證券帳號共 11 碼（分公司代號 4 碼、帳號 7 碼），目前輸入 \(n) 碼。")
        case .misplacedSeparator:
            LocalizedText(en: "The dash belongs after the 4-digit branch code.", zhTW: "「-」應位於 4 碼分公司代號之後。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        LocalizedText(en: "Enter the branch code and account as on the passbook, for example 1020-1234567.",
                      zhTW: "請依存摺上的分公司代號與帳號輸入，例如 1020-1234567。")
    }
}
