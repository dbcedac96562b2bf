public import Localization
import Secrets

/// What can go wrong in `SoftwareKeyStore` beyond `KeyStoreUnavailable` (a wrong or missing
/// passphrase is `.pinNeeded`), the `.pfx` layer's `OpenSSLError`/`PKCS12Error` and the atomic
/// writer's `BackupWriteError`. Codes are static constants, so new ones never break a caller's `switch`.
public struct SoftwareKeyStoreError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The key given is not in this store (another store's key, or deleted meanwhile).
        public static let keyNotInStore = Code(rawValue: "key-not-in-store")
        /// The certificate is for another public key than the one it should go next to.
        public static let certificateKeyMismatch = Code(rawValue: "certificate-key-mismatch")
        /// A key file in the store cannot be read (damaged, or written by a newer TokenCert).
        public static let damagedEntry = Code(rawValue: "damaged-entry")
        /// The store folder cannot be made private (mode 0700) or is not a folder.
        public static let folderUnusable = Code(rawValue: "folder-unusable")
        /// The key has no certificate yet, so it cannot go into NSS.
        public static let noCertificate = Code(rawValue: "no-certificate")
        /// `pk12util` or `certutil` failed.
        public static let nssToolFailed = Code(rawValue: "nss-tool-failed")
        public var description: String { rawValue }
    }

    public var code: Code
    /// Context for logs (a file, a tool's message); never a passphrase or key material.
    public var detail: String?

    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code)" + (detail.map { ": \($0)" } ?? "") }

    /// A folder that cannot be used is bad input; the rest are failures.
    public var category: ErrorCategory { code == .folderUnusable ? .badInput : .failure }

    public var summary: LocalizedText {
        switch code {
        case .keyNotInStore:
            LocalizedText(en: "The key is not in the software certificate store.", zhTW: "軟體憑證存放區中沒有該金鑰。")
        case .certificateKeyMismatch:
            LocalizedText(en: "The certificate does not belong to the key.", zhTW: "憑證與金鑰不相符。")
        case .damagedEntry:
            LocalizedText(en: "A file in the software certificate store cannot be read.", zhTW: "軟體憑證存放區中有檔案無法讀取。")
        case .folderUnusable:
            LocalizedText(en: "The software certificate store folder cannot be used.", zhTW: "無法使用軟體憑證存放資料夾。")
        case .noCertificate:
            LocalizedText(en: "The key has no certificate yet.", zhTW: "此金鑰尚無憑證。")
        case .nssToolFailed:
            LocalizedText(en: "The NSS tools could not install or remove the certificate.", zhTW: "NSS 工具無法安裝或移除憑證。")
        default:
            LocalizedText(en: "The software certificate store failed (\(code)).", zhTW: "軟體憑證存放區發生錯誤（\(code)）。")
        }
    }

    public var remedy: LocalizedText? {
        switch code {
        case .keyNotInStore:
            LocalizedText(en: "Run `tokencert status` to see the keys in the store; restore a backup with `tokencert restore`.",
                          zhTW: "請執行 `tokencert status` 查看存放區的金鑰；可用 `tokencert restore` 還原備份。")
        case .certificateKeyMismatch:
            LocalizedText(en: "Use the certificate the RA issued for this key.", zhTW: "請使用憑證中心為此金鑰核發的憑證。")
        case .damagedEntry:
            LocalizedText(en: "Restore the certificate from its .pfx backup with `tokencert restore`.",
                          zhTW: "請以 `tokencert restore` 從 .pfx 備份還原憑證。")
        case .folderUnusable:
            LocalizedText(en: "Check that the folder belongs to you (chmod 700), or set XDG_DATA_HOME to another place.",
                          zhTW: "請確認資料夾屬於您（chmod 700），或將 XDG_DATA_HOME 設為其他位置。")
        case .noCertificate:
            LocalizedText(en: "Finish applying for the certificate first (`tokencert apply`).", zhTW: "請先完成憑證申請（`tokencert apply`）。")
        case .nssToolFailed:
            LocalizedText(en: "Close Firefox/Chrome (they lock the NSS database) and try again; `tokencert doctor` checks the tools.",
                          zhTW: "請關閉 Firefox/Chrome（它們會鎖定 NSS 資料庫）後再試；`tokencert doctor` 會檢查相關工具。")
        default: nil
        }
    }
}
