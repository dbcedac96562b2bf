public import Foundation
public import Localization

/// Whether a certificate was issued by one of the trusted CAs: OpenSSL's `X509_verify_cert` over the
/// certificate, the trusted roots and any intermediates, at a given time.
public enum CertificateChain {
    /// Checks that `leaf` (DER) chains to one of `trustedCAs` (DER) and is valid at `time`.
    /// - Throws: `CertificateChainError` — `.untrusted` (no chain to these CAs, or a signature that
    ///   does not verify), `.notValid` (outside its validity at `time`), `.malformed`.
    public static func verify(leaf: [UInt8], trustedCAs: [[UInt8]], intermediates: [[UInt8]] = [], at time: Date) throws(CertificateChainError) {
        do {
            try CMSVerification.verifyChain(leaf: leaf, trusted: trustedCAs, untrusted: intermediates, crls: [], crlCheck: false,
                                            time: time, ignoreValidityPeriod: false)
        } catch {
            switch error {
            case .chain(.validityPeriod, let text): throw CertificateChainError(kind: .notValid, detail: text)
            case .chain(.untrusted, let text): throw CertificateChainError(kind: .untrusted, detail: text)
            case .chain(_, let text): throw CertificateChainError(kind: .untrusted, detail: text)
            case .malformed(let reasons), .signature(let reasons, _, _): throw CertificateChainError(kind: .malformed, detail: reasons.joined(separator: "; "))
            }
        }
    }
}

/// A certificate that does not chain to the trusted CAs (see `CertificateChain.verify`).
public struct CertificateChainError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not issued by a trusted CA, or its signature does not verify.
        case untrusted
        /// Outside its validity period at the time checked.
        case notValid = "not-valid"
        /// A certificate does not parse.
        case malformed
    }

    public var kind: Kind
    /// OpenSSL's words, for logs.
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
    public var category: ErrorCategory { .verification }

    public var summary: LocalizedText {
        switch kind {
        case .untrusted:
            LocalizedText(en: "The certificate was not issued by the broker's certificate authority, or its CA signature does not verify (\(detail)).",
                          zhTW: "此憑證並非由券商憑證機構簽發，或其簽章無法驗證（\(detail)）。")
        case .notValid:
            LocalizedText(en: "The certificate is not valid now (\(detail)).", zhTW: "此憑證目前不在有效期間內（\(detail)）。")
        case .malformed:
            LocalizedText(en: "The certificate cannot be read (\(detail)).", zhTW: "無法讀取此憑證（\(detail)）。")
        }
    }

    public var remedy: LocalizedText? { nil }
}
