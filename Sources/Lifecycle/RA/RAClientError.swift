public import Foundation
public import Localization
public import RAContract

/// Why a call to the RA failed. `switch` on `kind`; a refusal carries the server's own code and words.
public struct RAClientError: Error, Sendable, Hashable, UserFacingError, CustomStringConvertible {
    /// What went wrong, in a form a caller acts on.
    public enum Kind: Sendable, Hashable {
        /// No answer: connection refused, name not found, timeout, TLS failure. The CLI exits 6.
        case unreachable
        /// The RA answered with a refusal; `code` is its machine-readable reason (`.locked`,
        /// `.birthDateWrong`, …) and `status` the HTTP status.
        case refused(code: RAErrorCode, status: Int)
        /// The RA answered something that is not its API (wrong URL, a proxy page, a newer server).
        case badResponse(status: Int)
    }

    /// Unreachable, refused or not understood.
    public var kind: Kind
    /// The service's address is set per front end (`--ra`, the page's settings) when it could not be
    /// reached or did not answer as the RA.
    /// For a server whose TLS certificate is not trusted: trusting the broker's CA.
    public var hint: RemedyHint? {
        if untrustedCertificate { return .trustServiceCA }
        switch kind {
        case .unreachable, .badResponse: return .checkRAAddress
        case .refused: return nil
        }
    }

    /// No answer → unreachable; a refusal → not eligible (the rules say no) or bad input (the request
    /// itself was wrong); a garbled answer → failure.
    public var category: ErrorCategory {
        switch kind {
        case .unreachable: .unreachable
        case .refused(let code, _): code.isBadInput ? .badInput : .notEligible
        case .badResponse: .failure
        }
    }

    /// What happened — the server's message when it refused.
    public var summary: LocalizedText
    /// What to do — the server's remedy when it refused.
    public var remedy: LocalizedText?
    /// The refusal's details (`attemptsLeft`, `lockedUntil`, `retryAfterSeconds`, …).
    public var details: [String: String]
    /// The underlying transport error, for logs (never shown as the message).
    public var underlying: String?
    /// The server was reached but its TLS certificate is not trusted here (`untrustedServer`).
    public var untrustedCertificate = false

    public init(kind: Kind, summary: LocalizedText, remedy: LocalizedText? = nil, details: [String: String] = [:],
                underlying: String? = nil) {
        self.kind = kind
        self.summary = summary
        self.remedy = remedy
        self.details = details
        self.underlying = underlying
    }

    /// The server's refusal code, or nil when there was no refusal.
    public var code: RAErrorCode? {
        if case .refused(let code, _) = kind { return code }
        return nil
    }

    /// Whether the RA could not be reached at all.
    public var isUnreachable: Bool { kind == .unreachable }

    public var description: String {
        switch kind {
        case .unreachable: "unreachable: \(summary.english)" + (underlying.map { " (\($0))" } ?? "")
        case let .refused(code, status): "\(code) (\(status)): \(summary.english)"
        case .badResponse(let status): "bad response (\(status)): \(summary.english)"
        }
    }

    /// No answer from `url`.
    public static func unreachable(_ url: URL, underlying: String?) -> RAClientError {
        RAClientError(
            kind: .unreachable,
            summary: LocalizedText(en: "The certificate service at \(url.absoluteString) cannot be reached.",
                                   zhTW: "無法連線至憑證服務（\(url.absoluteString)）。"),
            remedy: LocalizedText(en: "Check the network connection and the service's address, then try again; nothing was changed.",
                                  zhTW: "請檢查網路連線及憑證服務位址後再試；本機資料未有任何變更。"),
            underlying: underlying)
    }

    /// No answer from `url` because its TLS certificate is not trusted here (or does not name the
    /// host): the broker's own CA not given, a wrong address, or something in between. Still
    /// `.unreachable` (exit 6); the hint `.trustServiceCA` lets each front end say how to trust it.
    public static func untrustedServer(_ url: URL, underlying: String?) -> RAClientError {
        var error = RAClientError(
            kind: .unreachable,
            summary: LocalizedText(en: "The certificate service at \(url.absoluteString) presented a TLS certificate this computer does not trust.",
                                   zhTW: "憑證服務（\(url.absoluteString)）出示的 TLS 憑證不受本機信任。"),
            remedy: LocalizedText(en: "Ask the broker whether its service uses a certificate from its own CA, and check the address. Nothing was sent and nothing was changed.",
                                  zhTW: "請向券商確認其服務是否使用自有 CA 簽發的憑證，並確認位址。未送出任何資料，本機亦無任何變更。"),
            underlying: underlying)
        error.untrustedCertificate = true
        return error
    }

    /// An answer that is not the RA's API.
    public static func badResponse(status: Int, what: String) -> RAClientError {
        RAClientError(
            kind: .badResponse(status: status),
            summary: LocalizedText(en: "The certificate service gave an answer TokenCert does not understand (HTTP \(status): \(what)).",
                                   zhTW: "憑證服務回傳無法辨識的內容（HTTP \(status)：\(what)）。"),
            remedy: LocalizedText(en: "Check that the address points at the broker's certificate service.",
                                  zhTW: "請確認位址指向券商的憑證服務。"))
    }
}
