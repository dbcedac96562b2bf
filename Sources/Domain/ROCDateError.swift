public import Localization

/// Why a date could not be read or does not exist. Thrown by ``ROCDate``'s initialisers and parsers.
public enum ROCDateError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// Nothing was typed.
    case empty
    /// The text is in none of the accepted forms (see ``ROCDate/parse(_:)``).
    case unrecognizedFormat
    /// Six digits without separators: `100101` could be ROC 10/01/01 or 100/1/01, and `550201`
    /// could be ROC 55/02/01 or Gregorian (19)55-02-01, so six digits are never guessed at.
    case ambiguousCompactDigits
    /// A four-digit (Gregorian) year where an ROC year was asked for.
    case gregorianYearNotAccepted
    /// A one- to three-digit (ROC) year where a Gregorian year was asked for.
    case rocYearNotAccepted
    /// The ROC year is 0 or negative: the ROC calendar starts with year 1 (Gregorian 1912).
    case beforeROCEra
    /// The year is beyond ROC 999 (Gregorian 2910), the last year three digits can write.
    case yearTooLarge
    /// The month is not 1–12.
    case invalidMonth(Int)
    /// The day does not exist in that month (Feb 30, or Feb 29 in a common year).
    case invalidDay(day: Int, month: Int, daysInMonth: Int)
    /// Date components lacked a year, month or day, or named a calendar other than Gregorian/ROC.
    case unusableComponents

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .empty: "no date given"
        case .unrecognizedFormat: "unrecognized date format"
        case .ambiguousCompactDigits: "six digits without separators are ambiguous"
        case .gregorianYearNotAccepted: "a Gregorian year where an ROC year was expected"
        case .rocYearNotAccepted: "an ROC year where a Gregorian year was expected"
        case .beforeROCEra: "before ROC year 1 (1912)"
        case .yearTooLarge: "year beyond ROC 999 (2910)"
        case .invalidMonth(let m): "month \(m) does not exist"
        case .invalidDay(let d, let m, let n): "day \(d) does not exist in month \(m) (\(n) days)"
        case .unusableComponents: "date components need a year, month and day"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .empty:
            LocalizedText(en: "No date was entered.", zhTW: "未輸入日期。")
        case .unrecognizedFormat:
            LocalizedText(en: "The date could not be read.", zhTW: "無法辨識此日期格式。")
        case .ambiguousCompactDigits:
            LocalizedText(en: "Six digits without separators could mean more than one date.",
                          zhTW: "未加分隔符號的六位數字可能代表不只一個日期。")
        case .gregorianYearNotAccepted:
            LocalizedText(en: "The year looks Gregorian (four digits); an ROC (Minguo) year is needed here.",
                          zhTW: "年份看起來是西元年（四位數）；此處請輸入民國年。")
        case .rocYearNotAccepted:
            LocalizedText(en: "The year looks like an ROC (Minguo) year; a four-digit Gregorian year is needed here.",
                          zhTW: "年份看起來是民國年；此處請輸入四位數的西元年。")
        case .beforeROCEra:
            LocalizedText(en: "The date is before ROC year 1 (1912).", zhTW: "日期早於民國元年（西元 1912 年）。")
        case .yearTooLarge:
            LocalizedText(en: "The year is too large.", zhTW: "年份過大。")
        case .invalidMonth(let m):
            LocalizedText(en: "There is no month \(m).", zhTW: "月份 \(m) 不存在。")
        case .invalidDay(let d, let m, let n):
            LocalizedText(en: "Month \(m) of that year has \(n) days; day \(d) does not exist.",
                          zhTW: "該年 \(m) 月只有 \(n) 天，沒有 \(d) 日。")
        case .unusableComponents:
            LocalizedText(en: "The date lacks a year, month or day.", zhTW: "日期缺少年、月或日。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        switch self {
        case .empty, .unrecognizedFormat, .ambiguousCompactDigits:
            LocalizedText(en: "Enter the ROC date as year/month/day, for example 44/2/1, 044/02/01, 0440201 or 民國44年2月1日.",
                          zhTW: "請以「年/月/日」輸入民國日期，例如 44/2/1、044/02/01、0440201 或 民國44年2月1日。")
        case .gregorianYearNotAccepted:
            LocalizedText(en: "Subtract 1911 from the Gregorian year (1955 is ROC 44).",
                          zhTW: "請將西元年減去 1911（西元 1955 年為民國 44 年）。")
        case .rocYearNotAccepted:
            LocalizedText(en: "Add 1911 to the ROC year (ROC 44 is 1955), or write it as 民國44年2月1日.",
                          zhTW: "請將民國年加上 1911（民國 44 年為西元 1955 年），或寫成「民國44年2月1日」。")
        case .beforeROCEra, .yearTooLarge, .invalidMonth, .invalidDay:
            LocalizedText(en: "Check the date and enter it again.", zhTW: "請確認日期後重新輸入。")
        case .unusableComponents:
            nil
        }
    }
}
