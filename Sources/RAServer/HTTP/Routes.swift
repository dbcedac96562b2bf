import CertificateKit
import Domain
import Foundation
import Hummingbird
import Logging

/// The RA's HTTP API over `RAService`. JSON in, JSON out (dates ISO 8601, UTC); every refusal is an
/// `RAError` body. Customers authenticate with `Authorization: Bearer <token>` from `POST /login`.
///
/// | method | path | body | success |
/// |---|---|---|---|
/// | GET | /health | – | 200 `{status}` |
/// | GET | /metrics | – | 200 Prometheus text: customers, certificates by status, CRL number, audit events |
/// | GET | /ca.pem | – | 200 CA certificate (PEM) |
/// | GET | /crl, /crl.pem | – | 200 CRL (DER, PEM) |
/// | GET | /consent | – | 200 `{version, sha256, text: {en, zh-TW}}` |
/// | GET | /announcements, /faq | – | 200 `[{date?, title: {en, zh-TW}, body: {en, zh-TW}}]` |
/// | POST | /login | `{id, password}` | 200 `{token, expiresAt, customer, name}` |
/// | POST | /logout | – | 204 |
/// | POST | /consent | `{version, sha256}` | 201 `{version, sha256, acceptedAt}` |
/// | POST | /identity/birth-date | `{birthDate}` | 200 `{verified, validUntil}` |
/// | POST | /identity/code | `{account, channel}` | 201 `{identifier, channel, destination, account, expiresAt, resendAfter}` |
/// | POST | /identity/code/verify | `{identifier, code}` | 200 `{verified, validUntil}` |
/// | POST | /certificates | `{requestId, csr}` | 201 new / 200 repeat: `{requestId, serial, status, notBefore, notAfter, certificate, caCertificate}` |
/// | GET | /certificates | – | 200 host status |
/// | POST | /certificates/{serial}/renew | `{requestId, csr, proof}` (proof: base64 signature with the current key over `ProofOfPossession.renewalMessage`) | 201 / 200 repeat: pending certificate |
/// | POST | /certificates/{serial}/confirm | `{proof}` (signature with the new key over `ProofOfPossession.confirmationMessage`) | 200 `{serial, status, superseded, crlNumber}` |
/// | POST | /orders/verify | `{account, signature, content?}` (for the broker's order gateway) | 200 `{valid, code, message, remedy, signerSerial, customer, signingTime}` |
/// | POST | /certificates/{serial}/revoke | `{reason}` | 200 `{serial, revokedAt, reason, reasonLabel, onlineRevocationsLeftThisYear, crlNumber}` |
/// | POST | /officer/challenge | `{officer}` | 201 `{officer, challenge, message, expiresAt}` |
/// | POST | /officer/login | `{officer, signature}` (base64 signature over `message` with the officer key) | 200 `{token, expiresAt, officer}` |
/// | GET | /officer/customers/{id} | – (officer token) | 200 host status |
/// | POST | /officer/customers/{id}/unlock | – | 200 `{unlocked}` |
/// | POST | /officer/customers/{id}/revoke | `{serial, reason}` | 200 as revoke (no yearly limit) |
/// | POST | /officer/customers/{id}/certificates | `{requestId, csr, consentOnPaper}` | 201 / 200 as apply (no one-time code) |
public enum RARoutes {
    /// The router with every route and the error middleware.
    /// - Parameter orderGatewayToken: when set, `POST /orders/verify` requires `Authorization: Bearer <it>`
    ///   (the broker's order gateway); when nil the endpoint is open (development).
    public static func buildRouter(service: RAService, orderGatewayToken: String? = nil) -> Router<BasicRequestContext> {
        let gatewayHash = orderGatewayToken.map(RAService.sha256)
        let router = Router()
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware(logger: service.logger))

        router.get("health") { _, _ in try json(["status": "ok"]) }
        router.get("metrics") { _, _ in
            // Prometheus text format; gauges read from the store.
            let lines = try await service.repository.metrics().sorted { $0.key < $1.key }
                .map { "# TYPE tokencert_ra_\($0.key) gauge\ntokencert_ra_\($0.key) \($0.value)" }
            return text(lines.joined(separator: "\n") + "\n", type: "text/plain; version=0.0.4")
        }
        router.get("ca.pem") { _, _ in
            text(try service.authority.certificatePEM, type: "application/x-pem-file")
        }
        router.get("crl") { _, _ in
            let crl = try await service.currentCRL()
            return Response(status: .ok, headers: [.contentType: "application/pkix-crl"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: crl.der)))
        }
        router.get("crl.pem") { _, _ in
            text(CRLBuilder.pem(try await service.currentCRL().der), type: "application/x-pem-file")
        }
        router.get("announcements") { _, _ in try json(service.notices.announcements) }
        router.get("faq") { _, _ in try json(service.notices.faq) }
        router.get("consent") { _, _ in
            try json(AgreementBody(version: service.agreement.version, sha256: service.agreement.sha256,
                                   text: .init(service.agreement.text)))
        }

        router.post("login") { request, context in
            let body = try await decode(LoginBody.self, request, context)
            return try json(try await service.login(id: body.id, password: body.password))
        }
        router.post("logout") { request, _ in
            guard let token = bearer(request) else { throw RAError.notLoggedIn }
            _ = try await service.authenticate(token: token)
            try await service.logout(token: token)
            return Response(status: .noContent)
        }
        router.post("consent") { request, context in
            let customer = try await service.authenticate(token: bearer(request))
            let body = try await decode(ConsentBody.self, request, context)
            let record = try await service.acceptConsent(customerID: customer, version: body.version, sha256: body.sha256)
            return try json(ConsentAccepted(version: record.version, sha256: record.textSHA256, acceptedAt: record.acceptedAt), status: .created)
        }
        router.post("identity/birth-date") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let body = try await decode(BirthDateBody.self, request, context)
            return try json(try await service.verifyBirthDate(customerID: customer, session: session, text: body.birthDate))
        }
        router.post("identity/code") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let body = try await decode(SendCodeBody.self, request, context)
            return try json(try await service.sendCode(customerID: customer, session: session, account: body.account, channel: body.channel), status: .created)
        }
        router.post("identity/code/verify") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let body = try await decode(VerifyCodeBody.self, request, context)
            return try json(try await service.verifyCode(customerID: customer, session: session, identifier: body.identifier, code: body.code))
        }
        router.post("certificates") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let body = try await decode(IssueBody.self, request, context)
            let (issued, created) = try await service.issue(customerID: customer, session: session, requestID: body.requestId, csr: try csrBytes(body.csr))
            return try json(issued, status: created ? .created : .ok)
        }
        router.get("certificates") { request, _ in
            let customer = try await service.authenticate(token: bearer(request))
            return try json(try await service.status(customerID: customer))
        }
        router.post("certificates/:serial/revoke") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let serial = try context.parameters.require("serial")
            let body = try await decode(RevokeBody.self, request, context)
            guard let reason = body.reason.revocationReason else { throw RAError.badRequest("unknown revocation reason") }
            return try json(try await service.revoke(customerID: customer, session: session, serial: serial, reason: reason))
        }
        router.post("certificates/:serial/renew") { request, context in
            let (customer, session) = try await service.authenticateSession(token: bearer(request))
            let serial = try context.parameters.require("serial")
            let body = try await decode(RenewBody.self, request, context)
            let (issued, created) = try await service.renew(customerID: customer, session: session, serial: serial, requestID: body.requestId,
                                                            csr: try csrBytes(body.csr), proof: try base64(body.proof, "proof"))
            return try json(issued, status: created ? .created : .ok)
        }
        router.post("certificates/:serial/confirm") { request, context in
            let customer = try await service.authenticate(token: bearer(request))
            let serial = try context.parameters.require("serial")
            let body = try await decode(ConfirmBody.self, request, context)
            return try json(try await service.confirm(customerID: customer, serial: serial, proof: try base64(body.proof, "proof")))
        }
        router.post("orders/verify") { request, context in
            if let gatewayHash, bearer(request).map(RAService.sha256) != gatewayHash { throw RAError.notLoggedIn }
            let body = try await decode(VerifyOrderBody.self, request, context)
            let signature = body.signature.contains("-----BEGIN") ? Array(body.signature.utf8) : try base64(body.signature, "signature")
            let content = try body.content.map { try base64($0, "content") }
            return try json(try await service.verifyOrder(account: body.account, signature: signature, content: content))
        }
        addOfficerRoutes(router, service: service)
        return router
    }

    /// Branch officer routes, under /officer.
    static func addOfficerRoutes(_ router: Router<BasicRequestContext>, service: RAService) {
        router.post("officer/challenge") { request, context in
            let body = try await decode(OfficerBody.self, request, context)
            return try json(try await service.officerChallenge(officer: body.officer), status: .created)
        }
        router.post("officer/login") { request, context in
            let body = try await decode(OfficerLoginBody.self, request, context)
            return try json(try await service.officerLogin(officer: body.officer, signature: try base64(body.signature, "signature")))
        }
        router.get("officer/customers/:id") { request, context in
            _ = try await service.authenticateOfficer(token: bearer(request))
            return try json(try await service.status(customerID: try customerParameter(context)))
        }
        router.post("officer/customers/:id/unlock") { request, context in
            let officer = try await service.authenticateOfficer(token: bearer(request))
            try await service.officerUnlock(officer: officer, customerID: try customerParameter(context))
            return try json(["unlocked": true])
        }
        router.post("officer/customers/:id/revoke") { request, context in
            let officer = try await service.authenticateOfficer(token: bearer(request))
            let body = try await decode(OfficerRevokeBody.self, request, context)
            guard let reason = body.reason.revocationReason else { throw RAError.badRequest("unknown revocation reason") }
            return try json(try await service.officerRevoke(officer: officer, customerID: try customerParameter(context), serial: body.serial,
                                                            reason: reason))
        }
        router.post("officer/customers/:id/certificates") { request, context in
            let officer = try await service.authenticateOfficer(token: bearer(request))
            let body = try await decode(OfficerIssueBody.self, request, context)
            let (issued, created) = try await service.officerIssue(officer: officer, customerID: try customerParameter(context),
                                                                   requestID: body.requestId, csr: try csrBytes(body.csr),
                                                                   consentOnPaper: body.consentOnPaper)
            return try json(issued, status: created ? .created : .ok)
        }
    }

    static func customerParameter(_ context: BasicRequestContext) throws -> String {
        do { return try CustomerID(try context.parameters.require("id")).value } catch let error as CustomerIDError {
            throw RAError.invalidField("id", error)
        }
    }

    static func csrBytes(_ text: String) throws -> [UInt8] {
        if text.contains("-----BEGIN") { return Array(text.utf8) }
        return try base64(text, "csr")
    }

    static func base64(_ text: String, _ field: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw RAError.badRequest("\(field) must be base64")
        }
        return Array(data)
    }

    /// The token of `Authorization: Bearer <token>`.
    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 256 * 1024) } catch { throw RAError.badRequest("the body is too large") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw RAError.badRequest("missing field \(key.stringValue)")
        } catch {
            throw RAError.badRequest("the body is not the expected JSON")
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    struct LoginBody: Decodable { var id: String; var password: String }
    struct ConsentBody: Decodable { var version: String; var sha256: String }
    struct ConsentAccepted: Encodable { var version: String; var sha256: String; var acceptedAt: Date }
    struct BirthDateBody: Decodable { var birthDate: String }
    struct SendCodeBody: Decodable { var account: String; var channel: String }
    struct VerifyCodeBody: Decodable { var identifier: String; var code: String }
    struct IssueBody: Decodable { var requestId: String; var csr: String }
    struct RenewBody: Decodable { var requestId: String; var csr: String; var proof: String }
    struct ConfirmBody: Decodable { var proof: String }
    struct OfficerBody: Decodable { var officer: String }
    struct OfficerLoginBody: Decodable { var officer: String; var signature: String }
    struct OfficerRevokeBody: Decodable { var serial: String; var reason: ReasonValue }
    struct OfficerIssueBody: Decodable { var requestId: String; var csr: String; var consentOnPaper: Bool }
    struct VerifyOrderBody: Decodable {
        var account: String
        /// CMS SignedData, PEM or base64 DER.
        var signature: String
        /// Base64 of the order, for a detached signature.
        var content: String?
    }
    struct RevokeBody: Decodable {
        /// An RFC 5280 code (1) or its camel-case name (`keyCompromise`).
        var reason: ReasonValue
    }
    enum ReasonValue: Decodable {
        case code(Int)
        case name(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .code(n) } else { self = .name(try c.decode(String.self)) }
        }
        var revocationReason: RevocationReason? {
            switch self {
            case .code(let n): RevocationReason(rawValue: n)
            case .name(let s): RevocationReason.allCases.first { "\($0)".lowercased() == s.lowercased() }
            }
        }
    }
    struct AgreementBody: Encodable {
        var version: String
        var sha256: String
        var text: RAError.Body.Text
    }
}

/// Logs each request by its route template (`/officer/customers/{id}/unlock`), never by its path,
/// so no ID number or serial from a URL reaches the log; with the status and the time taken.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, start: start)
            return response
        } catch let error as HTTPResponseError {
            log(request, context, status: error.status.code, start: start)
            throw error
        }
    }

    func log(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "unmatched")", "status": "\(status)",
            "ms": "\((ms * 10).rounded() / 10)",
        ])
    }
}

/// Turns every error into the RA's JSON shape: `RAError` as it is, Hummingbird's own (404, 405…)
/// with their status, anything else as `internal-error` (logged by type, never by content).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RAError {
            throw error
        } catch RepositoryError.unknownCustomer {
            throw RAError.customerNotFound
        } catch let error as HTTPResponseError {
            throw RAError(code: "http-\(error.status.code)", status: error.status,
                          summary: .init(en: "The request was refused (\(error.status.code) \(error.status.reasonPhrase)).",
                                         zhTW: "請求遭拒（\(error.status.code) \(error.status.reasonPhrase)）。"),
                          remedy: .init(en: "Check the method and path against the API description.", zhTW: "請依照 API 說明檢查方法與路徑。"))
        } catch {
            logger.error("request failed", metadata: ["route": "\(context.endpointPath ?? "unmatched")", "error": "\(type(of: error))"])
            throw RAError.internalError
        }
    }
}
