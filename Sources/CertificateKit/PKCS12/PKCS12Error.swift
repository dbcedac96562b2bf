public import Localization

/// A `.pfx` problem TokenCert finds itself, after OpenSSL has done its part without complaint:
/// a file without a key, a key that belongs to none of the certificates, a password OpenSSL cannot
/// take. Failures inside OpenSSL are ``OpenSSLError``s.
///
/// Codes are open (a struct with constants), so new codes never break a caller's `switch`.
public struct PKCS12Error: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file opened, but holds no private key (a certificate-only `.pfx` is not a backup).
        public static let noPrivateKey = Code("no-private-key")
        /// The file holds no certificate whose public key is the private key's.
        public static let noMatchingCertificate = Code("no-matching-certificate")
        /// The writer was given a private key that does not belong to the certificate.
        public static let keyCertificateMismatch = Code("key-certificate-mismatch")
        /// The password has a NUL byte, which OpenSSL's C-string passwords cannot carry.
        public static let unusablePassword = Code("unusable-password")
        /// An argument is out of range (an iteration count below 1, an empty localKeyID, …).
        public static let invalidArgument = Code("invalid-argument")
        /// The file asks for more key-derivation or MAC iterations than `PKCS12Bundle.maximumIterations`
        /// (reading it would take minutes or more; no real backup does that).
        public static let tooManyIterations = Code("too-many-iterations")
    }

    public var code: Code
    /// Extra context for logs; never contains a password or key material.
    public var detail: String?

    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String {
        detail.map { "\(code): \($0)" } ?? code.rawValue
    }

    /// A file or password that cannot be used: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        switch code {
        case .noPrivateKey:
            LocalizedText(en: "The .pfx file holds no private key, so it is not a certificate backup.",
                          zhTW: ".pfx 檔內沒有私密金鑰，因此不是憑證備份檔。")
        case .noMatchingCertificate:
            LocalizedText(en: "The .pfx file holds no certificate for its private key.",
                          zhTW: ".pfx 檔內沒有與私密金鑰相符的憑證。")
        case .keyCertificateMismatch:
            LocalizedText(en: "The private key does not belong to the certificate.",
                          zhTW: "私密金鑰與憑證不相符。")
        case .unusablePassword:
            LocalizedText(en: "The password contains a character that cannot be used.",
                          zhTW: "密碼含有無法使用的字元。")
        case .tooManyIterations:
            LocalizedText(en: "The .pfx file asks for an unreasonable amount of password processing\(detail.map { " (\($0))" } ?? ""); it is not a normal backup and was not opened.",
                          zhTW: ".pfx 檔要求的密碼運算量異常\(detail.map { "（\($0)）" } ?? "")，並非一般備份檔，因此未開啟。")
        default:
            LocalizedText(en: "A .pfx setting is out of range\(detail.map { " (\($0))" } ?? "").",
                          zhTW: ".pfx 設定值超出範圍\(detail.map { "（\($0)）" } ?? "")。")
        }
    }

    public var remedy: LocalizedText? {
        switch code {
        case .noPrivateKey, .noMatchingCertificate:
            LocalizedText(en: "Choose the backup that TokenCert or your broker's app exported together with its private key.",
                          zhTW: "請選擇由 TokenCert 或券商程式匯出、含私密金鑰的備份檔。")
        case .keyCertificateMismatch:
            LocalizedText(en: "Back up the certificate with the key it was issued for; run `tokencert status` to see which one is current.",
                          zhTW: "請以憑證所對應的金鑰進行備份；可執行 `tokencert status` 查看目前的憑證。")
        case .unusablePassword:
            LocalizedText(en: "Use 4 to 12 letters or digits.", zhTW: "請使用 4 至 12 位英文字母或數字。")
        case .tooManyIterations:
            LocalizedText(en: "Choose the backup that TokenCert or your broker's app exported.", zhTW: "請選擇由 TokenCert 或券商程式匯出的備份檔。")
        default:
            nil
        }
    }
}
