public import Foundation

/// Sends an OCSP request to a responder (RFC 6960 Appendix A.1): `POST URL` with the DER request as
/// the body, `Content-Type: application/ocsp-request`; the answer's body is the DER response. Over
/// `HTTPTransport` (AsyncHTTPClient; proxies from the environment).
public struct OCSPFetcher: Sendable {
    /// Seconds to wait for the answer.
    public var timeout: TimeInterval
    /// A PEM file of CA certificates trusted for an https responder besides the system's store.
    public var trustedCAFile: String?

    public init(timeout: TimeInterval = 10, trustedCAFile: String? = nil) {
        self.timeout = timeout
        self.trustedCAFile = trustedCAFile
    }

    /// Posts `request` to `url`.
    /// - Returns: the body of a 200 answer with type `application/ocsp-response`.
    /// - Throws: `OCSPFetchError` when the responder cannot be reached or answers anything else.
    public func fetch(_ request: [UInt8], from url: URL) async throws(OCSPFetchError) -> [UInt8] {
        let answer: HTTPTransport.Answer
        do {
            answer = try await HTTPTransport.send("POST", url, headers: [("Content-Type", "application/ocsp-request"), ("Accept", "application/ocsp-response")],
                                                  body: request, timeout: timeout, trustedCAFile: trustedCAFile)
        } catch {
            throw OCSPFetchError(description: "the OCSP responder cannot be reached (\(error.description))")
        }
        guard answer.status == 200 else {
            throw OCSPFetchError(description: "the OCSP responder \(url.absoluteString) answered HTTP \(answer.status)")
        }
        guard answer.header("Content-Type")?.lowercased().hasPrefix("application/ocsp-response") == true else {
            throw OCSPFetchError(description: "the OCSP responder \(url.absoluteString) did not answer with an OCSP response")
        }
        return answer.body
    }
}

/// The responder could not be asked, with the reason in English (for the verdict's "why").
public struct OCSPFetchError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
