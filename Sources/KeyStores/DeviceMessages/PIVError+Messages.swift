public import Localization
public import PIV

/// PIV failures in words. The PIV target carries no customer text.
extension PIVError {
    /// PIN wrong or blocked → PIN; not a PIV card or nothing in the slot → token missing.
    public var category: ErrorCategory {
        switch self {
        case .invalidPIN, .blocked, .securityStatusNotSatisfied, .badSecretFormat: .pin
        case .notPIVCard, .notFound: .tokenMissing
        default: .failure
        }
    }

    public var summary: LocalizedText {
        switch self {
        case .invalidPIN(let n):
            LocalizedText(en: n == 1 ? "Wrong PIN. One more wrong PIN blocks the card." : "Wrong PIN. \(n) tries left.",
                          zhTW: n == 1 ? "PIN 碼錯誤，再錯一次卡片即鎖定。" : "PIN 碼錯誤，剩餘 \(n) 次機會。")
        case .blocked: LocalizedText(en: "The card's PIN is blocked.", zhTW: "卡片 PIN 碼已鎖定。")
        case .managementKeyRejected: LocalizedText(en: "The card rejected the management key.", zhTW: "卡片拒絕了管理金鑰。")
        case .managementKeyAlgorithmMismatch(let a):
            LocalizedText(en: "The card's management key is not a \(a.displayName) key.", zhTW: "卡片的管理金鑰不是 \(a.displayName) 金鑰。")
        case .securityStatusNotSatisfied: LocalizedText(en: "The card needs the PIN first.", zhTW: "卡片需要先驗證 PIN 碼。")
        case .notFound: LocalizedText(en: "The card has no such key or object.", zhTW: "卡片上沒有此金鑰或資料。")
        case .badSecretFormat: LocalizedText(en: "A PIN has 6 to 8 characters.", zhTW: "PIN 碼須為 6 至 8 個字元。")
        case .notPIVCard: LocalizedText(en: "This card is not a PIV card.", zhTW: "此卡片不是 PIV 卡。")
        case .malformedResponse: LocalizedText(en: "The card gave an answer that makes no sense.", zhTW: "卡片回應的資料格式錯誤。")
        case .status(let sw, _): sw.meaning
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .invalidPIN: LocalizedText(en: "Check the PIN. A blocked PIN can only be reset with the PUK at a branch counter.", zhTW: "請確認 PIN 碼。PIN 碼鎖定後只能至分公司櫃檯以 PUK 重設。")
        case .blocked: LocalizedText(en: "Take the card to a branch counter to unblock it with the PUK (`tokencert counter unlock`).", zhTW: "請攜卡至分公司櫃檯以 PUK 解鎖（`tokencert counter unlock`）。")
        case .managementKeyRejected: LocalizedText(en: "Use the card's management key (branch counters keep it); too many wrong keys may block the card.", zhTW: "請使用卡片的管理金鑰（由分公司櫃檯保管）；錯誤次數過多可能鎖卡。")
        case .managementKeyAlgorithmMismatch: LocalizedText(en: "Give the key's algorithm with the key (3DES, AES-128, AES-192 or AES-256).", zhTW: "請同時指定管理金鑰的演算法（3DES、AES-128、AES-192 或 AES-256）。")
        case .securityStatusNotSatisfied: LocalizedText(en: "Enter the PIN when asked.", zhTW: "請依提示輸入 PIN 碼。")
        case .notFound: LocalizedText(en: "Apply for a certificate first, or insert the card that holds it.", zhTW: "請先申請憑證，或插入存放憑證的卡片。")
        case .badSecretFormat: LocalizedText(en: "Use 6 to 8 characters.", zhTW: "請使用 6 至 8 個字元。")
        case .notPIVCard: LocalizedText(en: "Insert the card your broker issued.", zhTW: "請插入券商核發的卡片。")
        default: LocalizedText(en: "Remove and reinsert the card, then try again.", zhTW: "請重新插拔卡片後再試一次。")
        }
    }
}
