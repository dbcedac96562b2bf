public import Localization
import Foundation

/// Errors of the certificate kit's own logic (OpenSSL's have `OpenSSLError`, tokens theirs).
public struct CertificateKitError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// Bytes that are not what they claim (certificate, CSR, CRL, CMS).
        case malformed(String)
        /// A signature that does not verify.
        case badSignature(String)
        /// A key the policy does not allow.
        case keyNotAllowed(String)
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String { summary.english }

    /// No better class.
    public var category: ErrorCategory { .failure }

    public var summary: LocalizedText {
        switch reason {
        case .malformed(let what):
            LocalizedText(en: "Cannot read the \(what).", zhTW: "無法讀取資料（\(what)）。")
        case .badSignature(let what):
            LocalizedText(en: "The signature on \(what) does not verify.", zhTW: "簽章驗證失敗（\(what)）。")
        case .keyNotAllowed(let key):
            LocalizedText(en: "The key (\(key)) is not allowed: use RSA 2048 or more, or ECDSA P-256/P-384.",
                          zhTW: "不允許此金鑰（\(key)）：請使用 RSA 2048 位元以上或 ECDSA P-256/P-384。")
        }
    }

    public var remedy: LocalizedText? {
        switch reason {
        case .malformed: LocalizedText(en: "Check that the file is complete and of the right kind.", zhTW: "請確認檔案完整且類型正確。")
        case .badSignature: LocalizedText(en: "Do not use this data; obtain it again from its source.", zhTW: "請勿使用此資料，並向來源重新取得。")
        case .keyNotAllowed: LocalizedText(en: "Generate a new key of an allowed kind.", zhTW: "請重新產生允許類型的金鑰。")
        }
    }
}

extension CertificateKitError {
    /// `error`'s description for a person: swift-asn1's and swift-certificates' errors end with the
    /// source file and line that raised them (`… SwiftASN1/DER.swift:123`), which say nothing to a
    /// customer and show our internals to anyone; those are cut.
    static func plainDescription(_ error: any Error) -> String {
        String(describing: error)
            .replacing(/\s*\S+\.swift:\d+/, with: "")
            .trimmingCharacters(in: .whitespaces)
    }
}
