public import Localization

/// Why a backup file name could not be made or read. Thrown by ``BackupFileName``.
public enum BackupFileNameError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// The name does not end in `.pfx`.
    case notPFX
    /// The name is not `{ID}-{BROKER}({yyyy-MM-dd}).pfx`, optionally with ` (n)` before `.pfx`.
    case unrecognizedPattern
    /// The ID part is neither a valid number nor a masked one.
    case invalidHolder
    /// The broker part is not a broker code.
    case invalidBroker(BrokerCodeError)
    /// The date part is not an existing `yyyy-MM-dd` date from 1912 on.
    case invalidDate
    /// The export time is outside the years a file name can carry (1912–2910 in Asia/Taipei).
    case exportDateOutOfRange

    /// A short English description, for logs.
    public var description: String {
        switch self {
        case .notPFX: "not a .pfx file name"
        case .unrecognizedPattern: "not a backup file name ({ID}-{BROKER}({yyyy-MM-dd}).pfx)"
        case .invalidHolder: "the ID part of the backup file name is not valid"
        case .invalidBroker(let error): "the broker part of the backup file name: \(error)"
        case .invalidDate: "the date part of the backup file name is not a yyyy-MM-dd date"
        case .exportDateOutOfRange: "export date out of range"
        }
    }

    /// What went wrong, in Traditional Chinese and English.
    /// A value that breaks the rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch self {
        case .notPFX:
            LocalizedText(en: "This is not a .pfx certificate backup.", zhTW: "此檔案不是 .pfx 憑證備份檔。")
        case .unrecognizedPattern, .invalidHolder, .invalidBroker, .invalidDate:
            LocalizedText(en: "The file name is not that of a certificate backup, such as A123456789-TCFHCSEC(2021-01-21).pfx.",
                          zhTW: "檔名不符合憑證備份檔格式，例如 A123456789-TCFHCSEC(2021-01-21).pfx。")
        case .exportDateOutOfRange:
            LocalizedText(en: "The export date is out of range; check the computer's clock.",
                          zhTW: "匯出日期超出範圍，請檢查電腦時間。")
        }
    }

    /// What to do about it, in Traditional Chinese and English.
    public var remedy: LocalizedText? {
        switch self {
        case .notPFX, .unrecognizedPattern, .invalidHolder, .invalidBroker, .invalidDate:
            LocalizedText(en: "Choose the .pfx file made when the certificate was backed up, or give its path explicitly.",
                          zhTW: "請選擇匯出備份時產生的 .pfx 檔，或直接指定檔案路徑。")
        case .exportDateOutOfRange:
            LocalizedText(en: "Set the system date and time correctly and try again.", zhTW: "請校正系統日期與時間後再試一次。")
        }
    }
}
