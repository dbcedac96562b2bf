public import Localization

/// Why a text is not a broker code. Thrown by ``BrokerCode/init(_:)``.
public enum BrokerCodeError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was given.
    case empty
    /// More than 10 characters.
    case tooLong
    /// A character other than ASCII letters and digits.
    case invalidCharacters

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no broker code given"
        case .tooLong: "a broker code has at most 10 characters"
        case .invalidCharacters: "a broker code has ASCII letters and digits only"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty: LocalizedText(en: "No broker code is set.", zhTW: "未設定券商代碼。")
        case .tooLong: LocalizedText(en: "A broker code has at most 10 characters.", zhTW: "券商代碼最多 10 個字元。")
        case .invalidCharacters:
            LocalizedText(en: "A broker code may only contain English letters and digits.", zhTW: "券商代碼只能使用英文字母與數字。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        LocalizedText(en: "Set a broker code of 1 to 10 letters or digits in the RA policy, for example TCFHCSEC.",
                      zhTW: "請於 RA 政策設定 1 至 10 碼英文字母或數字的券商代碼，例如 TCFHCSEC。")
    }
}
