public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Sends an OCSP request to a responder (RFC 6960 Appendix A.1): `POST URL` with the DER request as
/// the body, `Content-Type: application/ocsp-request`; the answer's body is the DER response.
public struct OCSPFetcher: Sendable {
    /// Seconds to wait for the answer.
    public var timeout: TimeInterval
    let session: URLSession

    public init(timeout: TimeInterval = 10, session: URLSession = .shared) {
        self.timeout = timeout
        self.session = session
    }

    /// Posts `request` to `url`.
    /// - Returns: the body of a 200 answer with type `application/ocsp-response`.
    /// - Throws: `OCSPFetchError` when the responder cannot be reached or answers anything else.
    public func fetch(_ request: [UInt8], from url: URL) async throws(OCSPFetchError) -> [UInt8] {
        var http = URLRequest(url: url, timeoutInterval: timeout)
        http.httpMethod = "POST"
        http.httpBody = Data(request)
        http.setValue("application/ocsp-request", forHTTPHeaderField: "Content-Type")
        http.setValue("application/ocsp-response", forHTTPHeaderField: "Accept")
        let data: Data, response: URLResponse
        do { (data, response) = try await session.data(for: http) } catch {
            throw OCSPFetchError(description: "the OCSP responder \(url.absoluteString) cannot be reached (\(HTTPRAClient.describe(error)))")
        }
        guard let answer = response as? HTTPURLResponse, answer.statusCode == 200 else {
            throw OCSPFetchError(description: "the OCSP responder \(url.absoluteString) answered HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        guard answer.value(forHTTPHeaderField: "Content-Type")?.lowercased().hasPrefix("application/ocsp-response") == true else {
            throw OCSPFetchError(description: "the OCSP responder \(url.absoluteString) did not answer with an OCSP response")
        }
        return Array(data)
    }
}

/// The responder could not be asked, with the reason in English (for the verdict's "why").
public struct OCSPFetchError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
