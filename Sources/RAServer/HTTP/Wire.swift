import CertificateKit
import Domain
import Foundation
import HTTPTypes
public import Hummingbird
public import Localization
import Logging
import NIOCore
import RAContract

/// Where `RAService` meets the wire, in one place: JSON in and out (the `RAContract` types, dates
/// ISO 8601), the HTTP status of every refusal, and the domain values the controllers send as
/// contract types. The controllers call the service and these; nothing else knows an HTTP status.
enum Wire {
    // MARK: - Requests

    /// A request body as a contract type; every way it can be wrong is a `bad-request`.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 256 * 1024) } catch { throw RAError.badRequest("the body is too large") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw RAError.badRequest("missing field \(key.stringValue)")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw RAError.badRequest("\(context.codingPath.map(\.stringValue).joined(separator: ".")) has a value the API does not take")
        } catch {
            throw RAError.badRequest("the body is not the expected JSON")
        }
    }

    /// The bytes of a base64 field (`proof`, `signature`, `content`).
    /// Base64 (line breaks and spaces allowed, nothing else): a PEM header or trailing junk is refused.
    static func base64(_ text: String, _ field: String) throws -> [UInt8] {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact), !data.isEmpty else {
            throw RAError.badRequest("\(field) must be base64")
        }
        return Array(data)
    }

    /// The DER of a request's `csr` field: base64 of DER, nothing else.
    static func csrDER(_ text: String) throws -> [UInt8] { try base64(text, "csr") }

    /// The token of `Authorization: Bearer <token>`.
    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// The client's address, for the per-address login limit: the connection's peer, or — when the
    /// peer is one of `trustedProxies` — the last address its `X-Forwarded-For` adds (the one that
    /// proxy saw; earlier entries are the client's own claims). Nil for in-process test clients.
    static func clientAddress(_ request: Request, _ context: some RequestContext, trustedProxies: Set<String>) -> String? {
        let peer = peer(context)?.ipAddress
        guard let peer, trustedProxies.contains(peer), let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!].last,
              let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        else { return peer }
        return String(last.prefix(64))
    }

    /// The connection's peer; nil for in-process test clients.
    static func peer(_ context: some RequestContext) -> SocketAddress? {
        (context as? any RemoteAddressRequestContext)?.remoteAddress
    }

    /// The gate of an operator endpoint: with a token configured (its SHA-256 given), the request must
    /// carry it as `Authorization: Bearer`; without one, only a client on this machine (loopback, or
    /// an in-process test client) is answered.
    /// - Throws: `RAError.notLoggedIn` (wrong or missing token), `RAError.localOnly(endpoint)`.
    static func requireOperator(_ request: Request, _ context: some RequestContext, tokenSHA256: String?, endpoint: String) throws {
        if let tokenSHA256 {
            guard let token = bearer(request), RAService.sha256(token) == tokenSHA256 else { throw RAError.notLoggedIn }
            return
        }
        guard let address = peer(context) else { return }
        switch address {
        case .unixDomainSocket: return
        default:
            let ip = address.ipAddress ?? ""
            if ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.") { return }
            throw RAError.localOnly(endpoint)
        }
    }

    /// The `{id}` of an officer path, checked as a national ID or business number.
    static func customerID(_ context: some RequestContext) throws -> String {
        do { return try CustomerID(try context.parameters.require("id")).value } catch let error as CustomerIDError {
            throw RAError.invalidField(.invalidID, field: "id", error)
        }
    }

    /// A revocation reason given by code or by name.
    static func reason(_ value: RA.ReasonValue) throws -> RevocationReason {
        let reason: RevocationReason? = switch value {
        case .code(let n): RevocationReason(rawValue: n)
        case .name(let s): RevocationReason.allCases.first { "\($0)".lowercased() == s.lowercased() }
        }
        guard let reason else { throw RAError.badRequest("unknown revocation reason") }
        return reason
    }

    // MARK: - Responses

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    /// A contract type as the JSON answer.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// An issued certificate: 201 when this request made it, 200 when it repeats an earlier one.
    static func issued(_ result: (RA.IssuedCertificate, created: Bool)) throws -> Response {
        try json(result.0, status: result.created ? .created : .ok)
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A refusal as its `RA.ErrorBody`, with the status of its code and `Retry-After` when it says when.
    static func refusal(_ error: RAError) throws -> Response {
        var headers: HTTPFields = [:]
        if let retry = error.details["retryAfterSeconds"] { headers[.retryAfter] = retry }
        return try json(error.body, status: error.status, headers: headers)
    }
}

extension RAError {
    /// The HTTP status this refusal is sent with.
    public var status: HTTPResponse.Status { Self.status(of: code) }

    /// Refusals of the request itself (`invalid-…`, `bad-request`, `bad-csr`) are bad input, other 4xx
    /// the rules saying no, 5xx failures.
    public var category: ErrorCategory {
        if status.code >= 500 { return .failure }
        return code.isBadInput ? .badInput : .notEligible
    }

    /// The HTTP status each refusal is sent with.
    static func status(of code: RAErrorCode) -> HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .notLoggedIn, .badCredentials, .officerRefused: .unauthorized
        case .consentRequired, .birthDateRequired, .identityRequired, .revocationsUsedUp, .renewalNotOpen, .localOnly: .forbidden
        case .certificateNotFound, .customerNotFound: .notFound
        case .consentMismatch, .noActiveCode, .codeReplaced, .codeTooManyTries, .activeCertificateExists, .requestIDReused,
             .notRevocable, .notRenewable, .renewalPending, .notConfirmable:
            .conflict
        case .codeExpired: .gone
        case .locked: HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
        case .resendTooSoon, .sendLimit, .tooManyLogins, .loginBusy: .tooManyRequests
        case .deliveryFailed: .badGateway
        case .birthDateWrong, .unknownAccount, .noDestination, .codeWrong, .badCSR, .keyNotAllowed, .keyInUse, .keyCompromised, .reasonNotAllowed,
             .proofOfPossessionFailed:
            .unprocessableContent
        case _ where RAErrorCode.invalidFields.contains(code): .unprocessableContent
        default: .internalServerError
        }
    }
}

extension RA.Agreement {
    /// The agreement as `GET /consent` sends it.
    init(_ agreement: Agreement) {
        self.init(version: agreement.version, sha256: agreement.sha256, text: agreement.text)
    }
}

extension RA.ConsentAccepted {
    /// A recorded acceptance as `POST /consent` answers it.
    init(_ record: ConsentRecord) {
        self.init(version: record.version, sha256: record.textSHA256, acceptedAt: record.acceptedAt)
    }
}

/// Turns every error into the RA's JSON refusal: `RAError` as it is, Hummingbird's own (404…) as
/// `http-<status>` with their status, anything else as `internal-error` (logged by type, never by
/// content).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = RARequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RAError {
            return try Wire.refusal(error)
        } catch RepositoryError.unknownCustomer {
            return try Wire.refusal(.customerNotFound)
        } catch let error as HTTPResponseError {
            let refusal = RAError(
                code: .http(error.status.code),
                summary: .init(en: "The request was refused (\(error.status.code) \(error.status.reasonPhrase)).",
                               zhTW: "請求遭拒（\(error.status.code) \(error.status.reasonPhrase)）。"),
                remedy: .init(en: "Check the method and path against the API description.", zhTW: "請依照 API 說明檢查方法與路徑。"))
            return try Wire.json(refusal.body, status: error.status)
        } catch {
            logger.error("request failed", metadata: ["route": "\(context.endpointPath ?? "unmatched")", "error": "\(type(of: error))"])
            return try Wire.refusal(.internalError)
        }
    }
}
