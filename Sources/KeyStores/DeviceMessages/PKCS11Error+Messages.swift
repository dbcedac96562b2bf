public import Localization
public import PKCS11

/// A PKCS#11 failure in words: a module's legitimate refusal explained as one, the code's meaning
/// with the PIN state, and what to do. The PKCS11 target itself carries no customer text.
extension PKCS11Error {
    /// A module's legitimate refusal of a request — it cannot do this on this token, or only its
    /// administrator may — as opposed to a failure: the same code means different things in
    /// different functions (`CKR_FUNCTION_NOT_SUPPORTED` from `C_GenerateKeyPair` is "this token
    /// cannot make keys", not a bug). Nil when the error is not such a refusal.
    public var refusal: (summary: LocalizedText, remedy: LocalizedText)? {
        let writes = ["C_GenerateKeyPair", "C_CreateObject", "C_DestroyObject", "C_SetAttributeValue"]
        let askBroker = LocalizedText(
            en: "Use a token that can (`tokencert tokens` shows what each token can do), or ask the broker which tokens are supported.",
            zhTW: "請改用具備此功能的載具（`tokencert tokens` 會列出各載具可執行的項目），或洽券商確認支援的載具。")
        if function == Self.checkGeneratedKey {
            return (LocalizedText(
                en: "The token made a key that could be copied off it (\(detail ?? "")); TokenCert removed that key and will not use this token for certificates.",
                zhTW: "此載具產生的金鑰可被複製出載具（\(detail ?? "")）；TokenCert 已刪除該金鑰，不會以此載具存放憑證。"), askBroker)
        }
        guard writes.contains(function) else { return nil }
        let generating = function == "C_GenerateKeyPair"
        switch returnValue {
        case .functionNotSupported where generating, .mechanismInvalid where generating, .curveNotSupported where generating,
             .domainParamsInvalid where generating, .keySizeRange where generating:
            return (LocalizedText(en: "This token cannot generate this kind of key itself.",
                                  zhTW: "此載具無法自行產生這種金鑰。"),
                    LocalizedText(en: "Choose a key type the token lists under `tokencert tokens`, or use a token that generates keys; ask the broker which tokens are supported.",
                                  zhTW: "請改選 `tokencert tokens` 列出的金鑰類型，或改用可自行產生金鑰的載具；支援的載具請洽券商。"))
        case .functionNotSupported:
            return (LocalizedText(en: "This token's module cannot store or remove items on the token.",
                                  zhTW: "此載具的模組無法在載具上存放或刪除項目。"), askBroker)
        case .attributeTypeInvalid where generating, .attributeValueInvalid where generating,
             .templateInconsistent where generating, .templateIncomplete where generating, .generalError where generating:
            return (LocalizedText(en: "The token would not create a key with the protection TokenCert requires (kept on the token, never readable or copyable).",
                                  zhTW: "此載具無法依 TokenCert 要求的保護方式產生金鑰（金鑰須留在載具內，不可讀出或複製）。"), askBroker)
        case .tokenWriteProtected:
            return (LocalizedText(en: "The token is read-only: nothing can be stored on it or removed from it.",
                                  zhTW: "此載具為唯讀，無法存放或刪除任何項目。"),
                    LocalizedText(en: "Use another token, or switch off the token's write protection if it has one.",
                                  zhTW: "請改用其他載具，或關閉載具的防寫保護（若有）。"))
        case .userTypeInvalid, .userNotLoggedIn, .actionProhibited:
            return (LocalizedText(en: "Only the token's administrator (its SO PIN or PIV management key) may change what is on it.",
                                  zhTW: "只有載具管理者（SO PIN 或 PIV 管理金鑰）可以變更載具內容。"),
                    LocalizedText(en: "Give the administrator PIN (the PIV management key as 48 hex digits), or ask the branch to do it.",
                                  zhTW: "請提供管理者 PIN（PIV 管理金鑰為 48 位十六進位字元），或請分公司臨櫃辦理。"))
        default:
            return nil
        }
    }

    /// Only the administrator may write: how to give that PIN depends on the front end.
    public var hint: RemedyHint? {
        guard refusal != nil else { return nil }
        return [.userTypeInvalid, .userNotLoggedIn, .actionProhibited].contains(returnValue) ? .giveAdministratorPIN : nil
    }

    /// A module's legitimate refusal (cannot generate here, read-only, administrator only) → not
    /// eligible, never a failure of the program; PIN codes → PIN; no token → token missing.
    public var category: ErrorCategory {
        if refusal != nil && returnValue != .userNotLoggedIn { return .notEligible }
        return switch returnValue {
        case .pinIncorrect, .pinLocked, .pinExpired, .pinInvalid, .pinLenRange, .userNotLoggedIn,
             .userPinNotInitialized:
            .pin
        case .tokenNotPresent, .deviceRemoved, .slotIdInvalid, .tokenNotRecognized, .libraryLoadFailed:
            .tokenMissing
        case .argumentsBad: .badInput
        case .signatureInvalid: .verification
        default: .failure
        }
    }

    public var summary: LocalizedText {
        if let refusal {
            return LocalizedText(en: "\(refusal.summary.english) (\(returnValue.name) in \(function))",
                                 zhTW: "\(refusal.summary.traditionalChinese)（\(returnValue.name)，\(function)）")
        }
        let base = returnValue.explanation.summary
        var en = base.english
        var zh = base.traditionalChinese
        switch pinState {
        case .finalTry?:
            en += " One more wrong PIN will lock the token."
            zh += "再輸入錯誤一次，載具將被鎖定。"
        case .countLow?:
            en += " The token has counted wrong PIN entries; few tries are left."
            zh += "載具已記錄 PIN 碼錯誤，剩餘嘗試次數不多。"
        case .locked?:
            if returnValue != .pinLocked {
                en += " The PIN is now locked."
                zh += "PIN 碼現已鎖定。"
            }
        default: break
        }
        return LocalizedText(
            en: "\(en) (\(returnValue.name) in \(function))",
            zhTW: "\(zh)（\(returnValue.name)，\(function)）")
    }

    public var remedy: LocalizedText? {
        if let refusal { return refusal.remedy }
        if pinState == .locked && returnValue != .pinLocked {
            return ReturnValue.pinLocked.explanation.remedy
        }
        return returnValue.explanation.remedy
    }
}
