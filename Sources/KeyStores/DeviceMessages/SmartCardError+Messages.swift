public import Localization
public import SmartCard

/// Status words and APDU-layer failures in words. The SmartCard target carries no customer text.
extension StatusWord {
    /// What the status word means, in both languages.
    public var meaning: LocalizedText {
        if let n = triesLeft { return LocalizedText(en: "Verification failed; \(n) tries left.", zhTW: "驗證失敗，剩餘 \(n) 次機會。") }
        if let n = bytesRemaining { return LocalizedText(en: "\(n) more response bytes are available.", zhTW: "尚有 \(n) 位元組回應資料。") }
        if let n = correctLength { return LocalizedText(en: "Wrong expected length; the card has \(n) bytes.", zhTW: "預期長度錯誤，卡片有 \(n) 位元組。") }
        switch self {
        case .success: return LocalizedText(en: "Success.", zhTW: "成功。")
        case .wrongLength: return LocalizedText(en: "Wrong length.", zhTW: "長度錯誤。")
        case .securityStatusNotSatisfied: return LocalizedText(en: "Security status not satisfied (PIN or key authentication needed).", zhTW: "安全條件未滿足（需先驗證 PIN 碼或管理金鑰）。")
        case .authenticationMethodBlocked: return LocalizedText(en: "Blocked: too many wrong tries.", zhTW: "已鎖定：錯誤次數過多。")
        case .referenceDataNotUsable: return LocalizedText(en: "Reference data not usable.", zhTW: "參考資料無法使用。")
        case .conditionsOfUseNotSatisfied: return LocalizedText(en: "Conditions of use not satisfied.", zhTW: "使用條件未滿足。")
        case .commandNotAllowed: return LocalizedText(en: "Command not allowed.", zhTW: "不允許此指令。")
        case .incorrectData: return LocalizedText(en: "Incorrect data.", zhTW: "資料錯誤。")
        case .functionNotSupported: return LocalizedText(en: "Function not supported.", zhTW: "不支援此功能。")
        case .fileNotFound: return LocalizedText(en: "Not found on the card.", zhTW: "卡片上找不到資料。")
        case .notEnoughMemory: return LocalizedText(en: "Not enough memory on the card.", zhTW: "卡片記憶體不足。")
        case .incorrectP1P2: return LocalizedText(en: "Incorrect parameters P1/P2.", zhTW: "參數 P1/P2 錯誤。")
        case .referenceNotFound: return LocalizedText(en: "Referenced data not found.", zhTW: "找不到參考資料。")
        case .instructionNotSupported: return LocalizedText(en: "Instruction not supported.", zhTW: "不支援此指令。")
        case .classNotSupported: return LocalizedText(en: "Class not supported.", zhTW: "不支援此類別。")
        default: return LocalizedText(en: "Card status \(description).", zhTW: "卡片狀態 \(description)。")
        }
    }
}

extension SmartCardError {
    /// A transport or framing failure: no better class.
    public var category: ErrorCategory { .failure }

    public var summary: LocalizedText {
        switch self {
        case .status(let sw, _): sw.meaning
        case .malformedResponse: LocalizedText(en: "The card gave an answer that makes no sense.", zhTW: "卡片回應的資料格式錯誤。")
        case .responseTooLong: LocalizedText(en: "The card kept sending data without end.", zhTW: "卡片持續傳送資料未結束。")
        }
    }

    public var remedy: LocalizedText? {
        if case .status(.authenticationMethodBlocked, _) = self {
            return LocalizedText(en: "The PIN is blocked: unblock it with the PUK at a branch counter.", zhTW: "PIN 碼已鎖定，請至分公司櫃檯以 PUK 解鎖。")
        }
        return LocalizedText(en: "Remove and reinsert the card, then try again.", zhTW: "請重新插拔卡片後再試一次。")
    }
}
