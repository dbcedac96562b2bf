import Foundation
public import Hummingbird
import Logging

/// The RA's HTTP API over `RAService`: a controller per area (`HTTP/Controllers`), the wire types of
/// `RAContract` in and out (dates ISO 8601, UTC; `Wire`); every refusal is an `RA.ErrorBody` with the
/// status of its code. Customers authenticate with `Authorization: Bearer <token>` from `POST /login`.
///
/// | method | path | body | success |
/// |---|---|---|---|
/// | GET | /health | – | 200 `{status}` |
/// | GET | /metrics | – (metrics token, else loopback only) | 200 Prometheus text: customers, certificates by status, CRL number, audit events |
/// | GET | /ca.pem, /ca.der | – | 200 CA certificate (PEM, DER: the caIssuers of issued certificates) |
/// | POST | /ocsp | DER OCSP request (`application/ocsp-request`, ≤ 4 KiB) | 200 DER OCSP response, signed by the CA or its delegated responder (`malformedRequest` for anything else; 413 when too large) |
/// | GET | /ocsp/{base64 request} | – | 200 as POST, with HTTP caching headers when the request has no nonce |
/// | GET | /crl, /crl.pem | – | 200 CRL (DER, PEM) |
/// | GET | /consent | – | 200 `{version, sha256, text: {en, zh-TW}}` |
/// | GET | /announcements, /faq | – | 200 `[{date?, title: {en, zh-TW}, body: {en, zh-TW}}]` |
/// | POST | /login | `{id, password}` | 200 `{token, expiresAt, customer, name}` |
/// | POST | /logout | – | 204 |
/// | POST | /consent | `{version, sha256}` | 201 `{version, sha256, acceptedAt}` |
/// | POST | /identity/birth-date | `{birthDate}` | 200 `{verified, validUntil}` |
/// | POST | /identity/code | `{account, channel}` | 201 `{identifier, channel, destination, account, expiresAt, resendAfter}` |
/// | POST | /identity/code/verify | `{identifier, code}` | 200 `{verified, validUntil}` |
/// | POST | /certificates | `{requestId, csr}` (csr: base64 of the CSR's DER) | 201 new / 200 repeat: `{requestId, serial, status, notBefore, notAfter, certificate, caCertificate}` |
/// | GET | /certificates | – | 200 host status |
/// | POST | /certificates/{serial}/renew | `{requestId, csr, proof}` (csr: base64 DER; proof: base64 signature with the current key over `ProofOfPossession.renewalMessage`) | 201 / 200 repeat: pending certificate |
/// | POST | /certificates/{serial}/confirm | `{proof}` (signature with the new key over `ProofOfPossession.confirmationMessage`) | 200 `{serial, status, superseded, crlNumber}` |
/// | POST | /orders/verify | `{account, signature, content?}` (the broker's order gateway: its token, else loopback only) | 200 `{valid, code, message, remedy, signerSerial, customer, signingTime}` |
/// | POST | /certificates/{serial}/revoke | `{reason}` (RFC 5280 code or camel-case name) | 200 `{serial, revokedAt, reason, reasonLabel, onlineRevocationsLeftThisYear, crlNumber}` |
/// | POST | /officer/challenge | `{officer}` | 201 `{officer, challenge, message, expiresAt}` |
/// | POST | /officer/login | `{officer, challenge, signature}` (the challenge as received; base64 signature over `message` with the officer key) | 200 `{token, expiresAt, officer}` |
/// | GET | /officer/customers/{id} | – (officer token) | 200 host status |
/// | POST | /officer/customers/{id}/unlock | – | 200 `{unlocked}` |
/// | POST | /officer/customers/{id}/revoke | `{serial, reason}` | 200 as revoke (no yearly limit) |
/// | POST | /officer/customers/{id}/certificates | `{requestId, csr, consentOnPaper}` (csr: base64 DER) | 201 / 200 as apply (no one-time code) |
public enum RARoutes {
    /// The router: the log and error middleware, then each area's controller at its path.
    /// - Parameters:
    ///   - orderGatewayToken: when set, `POST /orders/verify` requires `Authorization: Bearer <it>`
    ///     (the broker's order gateway); when nil it answers loopback clients only.
    ///   - metricsToken: the same for `GET /metrics` (the Prometheus scraper).
    ///   - trustedProxies: peers whose `X-Forwarded-For` names the client for the login limits.
    public static func buildRouter(service: RAService, orderGatewayToken: String? = nil, metricsToken: String? = nil,
                                   trustedProxies: Set<String> = []) -> Router<RARequestContext> {
        let router = Router(context: RARequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware(logger: service.logger))
        router.addRoutes(PublicController(service: service, metricsTokenSHA256: metricsToken.map(RAService.sha256)).endpoints)
        router.addRoutes(SessionController(service: service, trustedProxies: trustedProxies).endpoints)
        router.addRoutes(ConsentController(service: service).endpoints, atPath: "/consent")
        router.addRoutes(IdentityController(service: service).endpoints, atPath: "/identity")
        router.addRoutes(CertificatesController(service: service).endpoints, atPath: "/certificates")
        router.addRoutes(OCSPController(service: service).endpoints, atPath: "/ocsp")
        router.addRoutes(OrdersController(service: service, gatewayTokenSHA256: orderGatewayToken.map(RAService.sha256)).endpoints,
                         atPath: "/orders")
        router.addRoutes(OfficerController(service: service).endpoints, atPath: "/officer")
        return router
    }
}

/// Logs each request by its route template (`/officer/customers/{id}/unlock`), never by its path,
/// so no ID number or serial from a URL reaches the log; with the status and the time taken.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = RARequestContext

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
