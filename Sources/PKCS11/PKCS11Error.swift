import Localization

/// The one error type of the PKCS#11 layer: the Cryptoki return value and the C function that
/// returned it, plus what TokenCert knew at the time (a PIN state read after a failed login,
/// the library path that failed to load, the token that was looked for).
///
/// Codes are open (`ReturnValue` is a struct with constants), so new codes never break a `switch`.
public struct PKCS11Error: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// The `CK_RV` the module returned (or, for failures before a module answers,
    /// the closest code: `CKR_LIBRARY_LOAD_FAILED` for `dlopen`, `CKR_TOKEN_NOT_PRESENT` when no token matches).
    public var returnValue: ReturnValue
    /// The C function that failed, e.g. `C_Login`, or `dlopen` / `find token` for failures outside Cryptoki.
    public var function: String
    /// Extra context for logs; never contains a PIN or key material.
    public var detail: String?
    /// The PIN state read from the token right after a failed `C_Login` / `C_SetPIN`, when known.
    public var pinState: PINState?

    public init(_ returnValue: ReturnValue, function: String, detail: String? = nil, pinState: PINState? = nil) {
        self.returnValue = returnValue
        self.function = function
        self.detail = detail
        self.pinState = pinState
    }

    public var description: String {
        var s = "\(function) failed: \(returnValue.name) (0x\(String(returnValue.rawValue, radix: 16)))"
        if let pinState { s += " [PIN \(pinState.rawValue)]" }
        if let detail { s += ": \(detail)" }
        return s
    }

    public var summary: LocalizedText {
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
        if pinState == .locked && returnValue != .pinLocked {
            return ReturnValue.pinLocked.explanation.remedy
        }
        return returnValue.explanation.remedy
    }
}
