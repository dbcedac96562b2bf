public import Foundation
public import Lifecycle
import Localization
public import RAContract

/// `RAClient` over HTTP(S) (`HTTPTransport`: AsyncHTTPClient): JSON in and out, `Authorization: Bearer` for customer
/// calls. A refusal becomes `RAClientError(.refused)` with the server's code, message and remedy;
/// no answer at all becomes `.unreachable`.
public struct HTTPRAClient: RAClient {
    /// The RA's base URL, e.g. `https://ra.example` or `http://127.0.0.1:8080`.
    public let baseURL: URL
    /// Seconds to wait for an answer.
    public let timeout: TimeInterval
    /// The bearer token for `POST /orders/verify` when the RA requires one (its `--order-gateway-token`).
    public let orderGatewayToken: String?
    /// A PEM file of CA certificates trusted for an https RA besides the system's store.
    public let trustedCAFile: String?

    /// - Parameters:
    ///   - baseURL: the RA's base URL; paths are appended to it. TLS trusts the system's store;
    ///     proxies come from `https_proxy`/`http_proxy`/`no_proxy` (see `HTTPTransport`).
    ///   - timeout: per request, in seconds.
    ///   - orderGatewayToken: sent with `verifyOrder` when set.
    ///   - trustedCAFile: the broker's own CA (PEM) for an https RA, trusted besides the system's.
    public init(baseURL: URL, timeout: TimeInterval = 30, orderGatewayToken: String? = nil, trustedCAFile: String? = nil) {
        self.baseURL = baseURL
        self.timeout = timeout
        self.orderGatewayToken = orderGatewayToken
        self.trustedCAFile = trustedCAFile
    }

    public func login(_ request: RA.LoginRequest) async throws -> RA.Session {
        try await call("POST", "login", body: request)
    }

    public func agreement() async throws -> RA.Agreement {
        try await call("GET", "consent")
    }

    /// `GET /announcements` or `GET /faq`.
    /// - Throws: `RAClientError`.
    public func notices(_ kind: RA.NoticeKind) async throws -> [RA.Notice] {
        try await call("GET", kind.rawValue)
    }

    public func acceptConsent(_ request: RA.ConsentRequest, session: RA.Session) async throws -> RA.ConsentAccepted {
        try await call("POST", "consent", body: request, token: session.token)
    }

    public func verifyBirthDate(_ request: RA.BirthDateRequest, session: RA.Session) async throws -> RA.IdentityStep {
        try await call("POST", "identity/birth-date", body: request, token: session.token)
    }

    public func sendCode(_ request: RA.CodeRequest, session: RA.Session) async throws -> RA.CodeSent {
        try await call("POST", "identity/code", body: request, token: session.token)
    }

    public func verifyCode(_ request: RA.CodeVerification, session: RA.Session) async throws -> RA.IdentityStep {
        try await call("POST", "identity/code/verify", body: request, token: session.token)
    }

    public func issue(_ request: RA.IssueRequest, session: RA.Session) async throws -> RA.IssuedCertificate {
        try await call("POST", "certificates", body: request, token: session.token)
    }

    public func hostStatus(session: RA.Session) async throws -> RA.HostStatus {
        try await call("GET", "certificates", token: session.token)
    }

    public func renew(serial: String, _ request: RA.RenewRequest, session: RA.Session) async throws -> RA.IssuedCertificate {
        try await call("POST", "certificates/\(try Self.pathSegment(serial))/renew", body: request, token: session.token)
    }

    public func confirm(serial: String, _ request: RA.ConfirmRequest, session: RA.Session) async throws -> RA.Confirmation {
        try await call("POST", "certificates/\(try Self.pathSegment(serial))/confirm", body: request, token: session.token)
    }

    public func revoke(serial: String, _ request: RA.RevokeRequest, session: RA.Session) async throws -> RA.Revocation {
        try await call("POST", "certificates/\(try Self.pathSegment(serial))/revoke", body: request, token: session.token)
    }

    public func crl() async throws -> [UInt8] {
        Array(try await raw("GET", "crl", accept: "application/pkix-crl").data)
    }

    public func caCertificatePEM() async throws -> String {
        let (data, status) = try await raw("GET", "ca.pem", accept: "application/x-pem-file")
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") else {
            throw RAClientError.badResponse(status: status, what: "ca.pem is not a PEM certificate")
        }
        return text
    }

    public func logout(session: RA.Session) async throws {
        _ = try await raw("POST", "logout", token: session.token, accept: "application/json")
    }

    public func verifyOrder(_ request: RA.OrderVerificationRequest) async throws -> RA.OrderVerdict {
        try await call("POST", "orders/verify", body: request, token: orderGatewayToken)
    }

    public func officerChallenge(officer: String) async throws -> RA.OfficerChallenge {
        try await call("POST", "officer/challenge", body: RA.OfficerChallengeRequest(officer: officer))
    }

    public func officerLogin(officer: String, challenge: String, signature: String) async throws -> RA.OfficerSession {
        try await call("POST", "officer/login", body: RA.OfficerLoginRequest(officer: officer, challenge: challenge, signature: signature))
    }

    public func officerCustomerStatus(customerID: String, session: RA.OfficerSession) async throws -> RA.HostStatus {
        try await call("GET", "officer/customers/\(try Self.customerSegment(customerID))", token: session.token)
    }

    public func officerIssue(customerID: String, _ request: RA.OfficerIssueRequest, session: RA.OfficerSession) async throws -> RA.IssuedCertificate {
        try await call("POST", "officer/customers/\(try Self.customerSegment(customerID))/certificates", body: request, token: session.token)
    }

    public func officerRevoke(customerID: String, _ request: RA.OfficerRevokeRequest, session: RA.OfficerSession) async throws -> RA.Revocation {
        try await call("POST", "officer/customers/\(try Self.customerSegment(customerID))/revoke", body: request, token: session.token)
    }

    public func officerUnlock(customerID: String, session: RA.OfficerSession) async throws {
        _ = try await raw("POST", "officer/customers/\(try Self.customerSegment(customerID))/unlock", token: session.token,
                          accept: "application/json")
    }

    // MARK: - Transport

    /// A customer ID goes into the path only as letters and digits.
    static func customerSegment(_ id: String) throws -> String {
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw RAClientError(kind: .badResponse(status: 0),
                                summary: LocalizedText(en: "“\(id)” is not a national ID or business number.", zhTW: "「\(id)」不是身分證字號或統一編號。"),
                                remedy: LocalizedText(en: "Type the ID as printed on the ID card or registration.", zhTW: "請依證件所載輸入。"))
        }
        return id.uppercased()
    }

    /// A serial goes into the path only as hex, so nothing else can be smuggled into the URL.
    static func pathSegment(_ serial: String) throws -> String {
        guard !serial.isEmpty, serial.allSatisfy(\.isHexDigit) else {
            throw RAClientError(kind: .badResponse(status: 0),
                                summary: LocalizedText(en: "“\(serial)” is not a certificate serial number.", zhTW: "「\(serial)」不是憑證序號。"),
                                remedy: LocalizedText(en: "Give the serial in hexadecimal, as tokencert status shows it.",
                                                      zhTW: "請輸入十六進位的憑證序號（如 tokencert status 所示）。"))
        }
        return serial.lowercased()
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date: \(text)")
        }
        return d
    }

    private struct NoBody: Encodable {}

    func call<Response: Decodable>(_ method: String, _ path: String, token: String? = nil) async throws -> Response {
        try await call(method, path, body: Optional<NoBody>.none, token: token)
    }

    func call<Body: Encodable, Response: Decodable>(_ method: String, _ path: String, body: Body?, token: String? = nil) async throws -> Response {
        let encoded = try body.map { try Self.encoder.encode($0) }
        let (data, status) = try await raw(method, path, body: encoded, token: token, accept: "application/json")
        do {
            return try Self.decoder().decode(Response.self, from: data)
        } catch {
            throw RAClientError.badResponse(status: status, what: "unexpected JSON for \(path)")
        }
    }

    /// Sends one request; returns the body of a 2xx answer, throws the refusal of any other.
    func raw(_ method: String, _ path: String, body: Data? = nil, token: String? = nil, accept: String) async throws -> (data: Data, status: Int) {
        var headers = [("Accept", accept)]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let answer: HTTPTransport.Answer
        do {
            answer = try await HTTPTransport.send(method, baseURL.appendingPathComponent(path), headers: headers, body: body.map { Array($0) },
                                                  timeout: timeout, trustedCAFile: trustedCAFile)
        } catch {
            if error.tls { throw RAClientError.untrustedServer(baseURL, underlying: error.description) }
            throw RAClientError.unreachable(baseURL, underlying: error.description)
        }
        let data = Data(answer.body)
        guard (200..<300).contains(answer.status) else { throw Self.refusal(data, status: answer.status, retryAfter: answer.header("Retry-After")) }
        return (data, answer.status)
    }

    /// The RA's error body (`RA.ErrorBody`) as an `RAClientError`; `retryAfter` is the answer's
    /// `Retry-After` field, kept in the details when the body has none.
    static func refusal(_ data: Data, status: Int, retryAfter: String?) -> RAClientError {
        guard let body = try? JSONDecoder().decode(RA.ErrorBody.self, from: data) else {
            return .badResponse(status: status, what: "a refusal without the RA's error body")
        }
        var details = body.details ?? [:]
        if details["retryAfterSeconds"] == nil, let retryAfter {
            details["retryAfterSeconds"] = retryAfter
        }
        return RAClientError(kind: .refused(code: body.code, status: status), summary: body.message,
                             remedy: body.remedy, details: details)
    }
}
