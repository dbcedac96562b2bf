public import Localization
import Secrets

/// What can go wrong in `PIVKeyStore` beyond the card's own `PIVError`s, `PCSCError`s and the states
/// of `KeyStoreUnavailable`. Codes are static constants, so new ones never break a caller's `switch`.
public struct PIVKeyStoreError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Every slot TokenCert rotates through holds a certified key: one must be deleted first.
        public static let noFreeSlot = Code(rawValue: "no-free-slot")
        /// The key given is not in this card's slots.
        public static let keyNotOnCard = Code(rawValue: "key-not-on-card")
        /// The certificate is for another public key than the one it should go next to.
        public static let certificateKeyMismatch = Code(rawValue: "certificate-key-mismatch")
        /// PIV holds RSA-2048, P-256 and P-384 keys only.
        public static let unsupportedKeyKind = Code(rawValue: "unsupported-key-kind")
        /// The private key to import could not be read, or is of a kind PIV cannot hold.
        public static let unreadablePrivateKey = Code(rawValue: "unreadable-private-key")
        public var description: String { rawValue }
    }

    public var code: Code
    /// Context for logs (a slot, a reader); never a PIN or key material.
    public var detail: String?

    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code)" + (detail.map { ": \($0)" } ?? "") }

    /// A full card or a key kind the card cannot hold is not eligible; an unreadable key is bad input.
    public var category: ErrorCategory {
        switch code {
        case .noFreeSlot, .unsupportedKeyKind: .notEligible
        case .unreadablePrivateKey: .badInput
        default: .failure
        }
    }

    public var summary: LocalizedText {
        switch code {
        case .noFreeSlot:
            LocalizedText(en: "The card has no free key slot: a new key would replace one that is in use.",
                          zhTW: "卡片沒有可用的金鑰槽位：產生新金鑰將覆蓋使用中的金鑰。")
        case .keyNotOnCard:
            LocalizedText(en: "The key is not on this card.", zhTW: "此卡片上沒有該金鑰。")
        case .certificateKeyMismatch:
            LocalizedText(en: "The certificate does not belong to the key.", zhTW: "憑證與金鑰不相符。")
        case .unsupportedKeyKind:
            LocalizedText(en: "A PIV card holds RSA-2048, ECDSA P-256 and P-384 keys only.",
                          zhTW: "PIV 卡僅支援 RSA-2048、ECDSA P-256 與 P-384 金鑰。")
        case .unreadablePrivateKey:
            LocalizedText(en: "The private key to import could not be read or does not fit a PIV card.",
                          zhTW: "無法讀取要匯入的私鑰，或該私鑰不適用於 PIV 卡。")
        default:
            LocalizedText(en: "The card store failed (\(code)).", zhTW: "卡片存放區發生錯誤（\(code)）。")
        }
    }

    public var remedy: LocalizedText? {
        switch code {
        case .noFreeSlot:
            LocalizedText(en: "Finish or cancel the renewal in progress (`tokencert status` shows the keys), then try again.",
                          zhTW: "請先完成或取消進行中的展期（`tokencert status` 會列出金鑰），再試一次。")
        case .keyNotOnCard:
            LocalizedText(en: "Insert the card that holds the key.", zhTW: "請插入存放該金鑰的卡片。")
        case .certificateKeyMismatch:
            LocalizedText(en: "Use the certificate the RA issued for this key.", zhTW: "請使用憑證中心為此金鑰核發的憑證。")
        case .unsupportedKeyKind, .unreadablePrivateKey:
            LocalizedText(en: "Use RSA-2048 or ECDSA P-256/P-384.", zhTW: "請使用 RSA-2048 或 ECDSA P-256/P-384。")
        default: nil
        }
    }
}
