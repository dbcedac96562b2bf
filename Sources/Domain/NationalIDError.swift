public import Localization

/// Why a text is not a Taiwan national ID number. Thrown by ``NationalID/init(_:)``.
///
/// The cases never carry the text that was typed, so logging an error does not log an ID.
public enum NationalIDError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was typed.
    case empty
    /// Not ten characters (the count typed, after trimming).
    case wrongLength(Int)
    /// The first character is not a letter A–Z.
    case firstCharacterNotLetter
    /// Characters 2–10 are not all digits.
    case notDigits
    /// The second character is not 1 or 2 (citizens) nor 8 or 9 (resident certificates since 2021).
    case unknownSecondDigit
    /// The check digit (the last one) does not match the others: a typing mistake.
    case badCheckDigit

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no ID number given"
        case .wrongLength(let n): "an ID number has 10 characters, not \(n)"
        case .firstCharacterNotLetter: "an ID number starts with a letter"
        case .notDigits: "an ID number has 9 digits after its letter"
        case .unknownSecondDigit: "an ID number's second character is 1, 2, 8 or 9"
        case .badCheckDigit: "the ID number's check digit does not match"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty:
            LocalizedText(en: "No ID number was entered.", zhTW: "未輸入身分證字號。")
        case .wrongLength(let n):
            LocalizedText(en: "An ID number has 10 characters; \(n) were entered.",
                          zhTW: "身分證字號為 10 碼，目前輸入 \(n) 碼。")
        case .firstCharacterNotLetter:
            LocalizedText(en: "An ID number starts with an English letter.", zhTW: "身分證字號第一碼應為英文字母。")
        case .notDigits:
            LocalizedText(en: "An ID number has nine digits after its letter.", zhTW: "身分證字號字母之後應為 9 個數字。")
        case .unknownSecondDigit:
            LocalizedText(en: "The second character of an ID number is 1, 2, 8 or 9.",
                          zhTW: "身分證字號第二碼應為 1、2、8 或 9。")
        case .badCheckDigit:
            LocalizedText(en: "This ID number is not valid: its check digit does not match.",
                          zhTW: "身分證字號檢查碼不符，號碼有誤。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        LocalizedText(en: "Check the ID number on the ID card or resident certificate and enter it again, for example A123456789.",
                      zhTW: "請對照身分證或居留證重新輸入，例如 A123456789。")
    }
}
