public import Localization

/// A failed OpenSSL call: the function that returned the failure and the *whole* error queue as it
/// stood right after, drained entry by entry with `ERR_get_error_all` and spelt out with
/// `ERR_lib_error_string`, `ERR_reason_error_string` and `ERR_error_string_n`.
///
/// The certificate kit clears the calling thread's queue (`ERR_clear_error`) before each operation,
/// so the entries belong to the failed operation and never to earlier, unrelated calls; OpenSSL 3 still
/// records several entries per failure (and some noise of its own), which is why every entry is kept
/// and the ``reason`` is decided from all of them.
///
/// Reasons are open (a struct with constants), so a new reason never breaks a caller's `switch`.
public struct OpenSSLError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// What the failure means for the person using TokenCert.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The password did not open the file: the integrity MAC did not verify (`PKCS12_verify_mac`
        /// failing with nothing on the queue, as OpenSSL 3.0 does, or `PKCS12_R_MAC_VERIFY_FAILURE`), or
        /// decryption failed the way a wrong password makes it fail (`EVP_R_BAD_DECRYPT` /
        /// `PROV_R_BAD_DECRYPT`, `PKCS12_R_PKCS12_CIPHERFINAL_ERROR`; in a file without MAC also a
        /// decrypted part that does not decode).
        public static let wrongPassword = Reason("wrong-password")
        /// An algorithm the loaded providers do not offer (an `unsupported` or unknown-cipher reason):
        /// RC2-40 and other legacy ciphers need OpenSSL's `legacy` provider.
        public static let unsupportedAlgorithm = Reason("unsupported-algorithm")
        /// The bytes are not the DER structure expected (ASN.1 decoding errors, PKCS#12 decode errors,
        /// no decoder for the key data).
        public static let malformed = Reason("malformed")
        /// Anything else (out of memory, an internal OpenSSL failure, …).
        public static let other = Reason("other")
    }

    /// One entry of OpenSSL's error queue.
    public struct Entry: Hashable, Sendable, CustomStringConvertible {
        /// The packed error code (`unsigned long`).
        public var code: UInt
        /// The library number (`ERR_GET_LIB`), e.g. 35 for PKCS12, 6 for EVP, 13 for ASN1.
        public var library: Int
        /// The reason number (`ERR_GET_REASON`, flags included).
        public var reason: Int
        /// `ERR_lib_error_string`, e.g. "PKCS12 routines".
        public var libraryName: String?
        /// `ERR_reason_error_string`, e.g. "mac verify failure".
        public var reasonText: String?
        /// The OpenSSL function that raised the entry, when recorded.
        public var function: String?
        /// The extra data OpenSSL attached (`ERR_TXT_STRING`), e.g. the algorithm it could not fetch.
        public var data: String?
        /// `ERR_error_string_n`: OpenSSL's one-line rendering of the code.
        public var text: String

        public init(code: UInt, library: Int, reason: Int, libraryName: String?, reasonText: String?,
                    function: String?, data: String?, text: String) {
            self.code = code
            self.library = library
            self.reason = reason
            self.libraryName = libraryName
            self.reasonText = reasonText
            self.function = function
            self.data = data
            self.text = text
        }

        public var description: String {
            var s = text
            if let function, !function.isEmpty, !text.contains(function) { s += " (in \(function))" }
            if let data, !data.isEmpty { s += " [\(data)]" }
            return s
        }
    }

    /// The OpenSSL (or TokenCert-side) function whose failure was detected, e.g. `PKCS12_verify_mac`.
    public var function: String
    /// The whole queue, oldest entry first; empty when OpenSSL recorded nothing.
    public var entries: [Entry]
    /// What the entries mean, decided from all of them.
    public var reason: Reason

    public init(function: String, entries: [Entry], reason: Reason) {
        self.function = function
        self.entries = entries
        self.reason = reason
    }

    public var description: String {
        let queue = entries.isEmpty ? "no OpenSSL error recorded" : entries.map(\.description).joined(separator: "; ")
        return "\(function) failed (\(reason)): \(queue)"
    }

    /// A wrong password or an unreadable file is bad input; other OpenSSL failures have no better class.
    public var category: ErrorCategory {
        // A wrong password, a file that is not a readable .pfx, or one protected by a method OpenSSL
        // lacks is the person's input (exit 64).
        [.wrongPassword, .malformed, .unsupportedAlgorithm].contains(reason) ? .badInput : .failure
    }

    public var summary: LocalizedText {
        switch reason {
        case .wrongPassword:
            LocalizedText(en: "The password does not open this certificate backup (.pfx).",
                          zhTW: "密碼錯誤，無法開啟此憑證備份檔（.pfx）。")
        case .unsupportedAlgorithm:
            LocalizedText(en: "This certificate backup (.pfx) uses an encryption method this computer's OpenSSL does not offer (\(function)).",
                          zhTW: "此憑證備份檔（.pfx）使用的加密方式，本機的 OpenSSL 不支援（\(function)）。")
        case .malformed where function.hasPrefix("d2i_PKCS8") || function.hasPrefix("EVP_PKCS82PKEY"):
            LocalizedText(en: "The private key data is damaged or of an unknown kind (\(function)).",
                          zhTW: "私密金鑰資料已損壞或格式無法辨識（\(function)）。")
        case .malformed where function.hasPrefix("d2i_X509"):
            LocalizedText(en: "A certificate is damaged or is not an X.509 certificate (\(function)).",
                          zhTW: "憑證資料已損壞，或不是 X.509 憑證（\(function)）。")
        case .malformed:
            LocalizedText(en: "The file is damaged or is not a certificate backup (.pfx) (\(function)).",
                          zhTW: "檔案已損壞，或不是憑證備份檔（.pfx）（\(function)）。")
        default:
            LocalizedText(en: "OpenSSL failed in \(function): \(firstReason).",
                          zhTW: "OpenSSL 於 \(function) 發生錯誤：\(firstReason)。")
        }
    }

    public var remedy: LocalizedText? {
        switch reason {
        case .wrongPassword:
            LocalizedText(en: "Type the password chosen when the backup was made (letters are case-sensitive). It cannot be recovered: if it is lost, revoke the certificate and apply for a new one.",
                          zhTW: "請輸入製作備份時設定的密碼（英文字母大小寫有別）。密碼無法找回；若已遺失，請註銷憑證後重新申請。")
        case .unsupportedAlgorithm:
            LocalizedText(en: "Install OpenSSL's legacy provider (Debian: package libssl3, file ossl-modules/legacy.so), or export the backup again on the old computer with a newer format.",
                          zhTW: "請安裝 OpenSSL 的 legacy 提供者（Debian：libssl3 套件中的 ossl-modules/legacy.so），或在原電腦以較新的格式重新匯出備份。")
        case .malformed:
            LocalizedText(en: "Choose the .pfx file TokenCert or your broker's app exported; copy it again from the backup drive if it may have been cut short.",
                          zhTW: "請選擇由 TokenCert 或券商程式匯出的 .pfx 檔；若檔案可能不完整，請從備份隨身碟重新複製。")
        default:
            LocalizedText(en: "Try again; if it keeps failing, run `tokencert doctor` and send its report to your broker.",
                          zhTW: "請再試一次；若仍失敗，請執行 `tokencert doctor` 並將報告提供給券商。")
        }
    }

    /// The first entry's reason, for the one-line summary of the `other` reason.
    private var firstReason: String {
        entries.first.map { $0.reasonText ?? $0.text } ?? "no details"
    }
}
