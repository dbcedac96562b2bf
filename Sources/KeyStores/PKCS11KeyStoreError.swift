public import Localization
import Secrets

/// What can go wrong in `PKCS11KeyStore` beyond the token's own `PKCS11Error`s and the states of
/// `KeyStoreUnavailable`. Codes are static constants, so new ones never break a caller's `switch`.
public struct PKCS11KeyStoreError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The key given is not on this token (another store's key, or deleted meanwhile).
        public static let keyNotOnToken = Code(rawValue: "key-not-on-token")
        /// The certificate is for another public key than the one it should go next to.
        public static let certificateKeyMismatch = Code(rawValue: "certificate-key-mismatch")
        /// A private key to import could not be read (not PKCS#8/PKCS#1/SEC1 RSA or P-256/P-384).
        public static let unreadablePrivateKey = Code(rawValue: "unreadable-private-key")
        /// No module was named: neither given nor in the URI (`module-path=`, `module-name=`).
        public static let noModule = Code(rawValue: "no-module")
        /// Every PIV key slot the profile may use holds a key with a certificate.
        public static let noFreeSlot = Code(rawValue: "no-free-slot")
        /// Only the token's administrator may create keys and objects (ykcs11: the PIV management
        /// key as the SO PIN), and no administrator PIN was given or it was refused.
        public static let administratorPINNeeded = Code(rawValue: "administrator-pin-needed")
        /// A key with this name is on the token already (a CA key is made once).
        public static let keyExists = Code(rawValue: "key-exists")
        /// The `pkcs11:` URI names no key (`object=` or `id=`).
        public static let uriNeedsObject = Code(rawValue: "uri-needs-object")
        public var description: String { rawValue }
    }

    public var code: Code
    /// Context for logs (a token label, an object id); never a PIN or key material.
    public var detail: String?

    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code)" + (detail.map { ": \($0)" } ?? "") }

    /// A full or administrator-only token is not eligible for this step; a missing administrator PIN
    /// is a PIN matter; a URI without module or object is bad input; the rest are failures.
    public var hint: RemedyHint? {
        switch code {
        case .administratorPINNeeded: .giveAdministratorPIN
        case .noModule: .giveModule
        default: nil
        }
    }

    public var category: ErrorCategory {
        switch code {
        case .noFreeSlot, .keyExists: .notEligible
        case .administratorPINNeeded: .pin
        case .noModule, .uriNeedsObject, .unreadablePrivateKey: .badInput
        default: .failure
        }
    }

    public var summary: LocalizedText {
        switch code {
        case .keyNotOnToken:
            LocalizedText(en: "The key is not on this token.", zhTW: "此載具上沒有該金鑰。")
        case .certificateKeyMismatch:
            LocalizedText(en: "The certificate does not belong to the key.", zhTW: "憑證與金鑰不相符。")
        case .unreadablePrivateKey:
            LocalizedText(en: "The private key to import could not be read.", zhTW: "無法讀取要匯入的私鑰。")
        case .noModule:
            LocalizedText(en: "No PKCS#11 module was named for the token.", zhTW: "未指定載具的 PKCS#11 模組。")
        case .noFreeSlot:
            LocalizedText(en: "Every key slot of this card already holds a key with a certificate.", zhTW: "此卡的所有金鑰槽位皆已存放附憑證的金鑰。")
        case .keyExists:
            LocalizedText(en: "The token already holds a private key with this name (\(detail ?? "")).", zhTW: "載具上已有同名的私密金鑰（\(detail ?? "")）。")
        case .uriNeedsObject:
            LocalizedText(en: "The pkcs11: URI must name the key with object= (and may add id=).", zhTW: "pkcs11: URI 必須以 object= 指定金鑰（可另加 id=）。")
        case .administratorPINNeeded:
            LocalizedText(en: "Only this token's administrator may create keys on it, and no accepted administrator PIN (SO PIN / PIV management key) was given.",
                          zhTW: "只有此載具的管理者可以在載具上產生金鑰，但未提供正確的管理者 PIN 碼（SO PIN／PIV 管理金鑰）。")
        default:
            LocalizedText(en: "The token store failed (\(code)).", zhTW: "載具存放區發生錯誤（\(code)）。")
        }
    }

    public var remedy: LocalizedText? {
        switch code {
        case .keyNotOnToken:
            LocalizedText(en: "Insert the token that holds the key, or run `tokencert status` to see which keys it has.",
                          zhTW: "請插入存放該金鑰的載具，或執行 `tokencert status` 查看載具上的金鑰。")
        case .certificateKeyMismatch:
            LocalizedText(en: "Use the certificate the RA issued for this key (`tokencert status` shows both).",
                          zhTW: "請使用憑證中心為此金鑰核發的憑證（`tokencert status` 會同時列出兩者）。")
        case .unreadablePrivateKey:
            LocalizedText(en: "Check that the backup file is a TokenCert .pfx with an RSA or ECDSA P-256/P-384 key.",
                          zhTW: "請確認備份檔為含 RSA 或 ECDSA P-256/P-384 金鑰的 TokenCert .pfx 檔。")
        case .noFreeSlot:
            LocalizedText(en: "Revoke a certificate you no longer need (`tokencert revoke`), or use another card.",
                          zhTW: "請廢止不再需要的憑證（`tokencert revoke`），或改用其他卡片。")
        case .administratorPINNeeded:
            LocalizedText(en: "Give the administrator PIN (a PIV management key as 48 hex digits), or have the branch counter issue the card.",
                          zhTW: "請提供管理者 PIN（PIV 管理金鑰為 48 位十六進位字元），或至分公司臨櫃發卡。")
        case .noModule:
            LocalizedText(en: "Name the token's PKCS#11 module, or give it in the URI as module-path= or module-name=.",
                          zhTW: "請指定載具的 PKCS#11 模組，或在 URI 中以 module-path= / module-name= 指定。")
        default: nil
        }
    }
}
