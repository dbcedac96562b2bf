public import Localization

/// RFC 5280 §5.3.1 CRLReason codes, with the labels customers see.
public enum RevocationReason: Int, Sendable, Hashable, Codable, CaseIterable {
    case unspecified = 0
    case keyCompromise = 1
    case caCompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aaCompromise = 10

    /// The RFC's name (as `openssl crl -text` prints it, e.g. "Key Compromise").
    public var label: LocalizedText {
        switch self {
        case .unspecified: LocalizedText(en: "Unspecified", zhTW: "未指定原因")
        case .keyCompromise: LocalizedText(en: "Key Compromise", zhTW: "金鑰洩漏或遺失")
        case .caCompromise: LocalizedText(en: "CA Compromise", zhTW: "憑證機構金鑰洩漏")
        case .affiliationChanged: LocalizedText(en: "Affiliation Changed", zhTW: "身分資料變更")
        case .superseded: LocalizedText(en: "Superseded", zhTW: "已由新憑證取代")
        case .cessationOfOperation: LocalizedText(en: "Cessation Of Operation", zhTW: "停止使用")
        case .certificateHold: LocalizedText(en: "Certificate Hold", zhTW: "暫時停用")
        case .removeFromCRL: LocalizedText(en: "Remove From CRL", zhTW: "自廢止清單移除")
        case .privilegeWithdrawn: LocalizedText(en: "Privilege Withdrawn", zhTW: "權限撤銷")
        case .aaCompromise: LocalizedText(en: "AA Compromise", zhTW: "屬性機構金鑰洩漏")
        }
    }

    /// The reasons a customer may choose online (the others are the CA's own).
    public static let customerChoices: [RevocationReason] = [.keyCompromise, .affiliationChanged, .superseded, .cessationOfOperation]
}
