import CertificateKit
import Foundation
import Hummingbird
import RAContract

/// What anyone may read: health, the CA certificate, the CRL, announcements and FAQ; and metrics,
/// for the operator (a token, else loopback clients only).
struct PublicController<Context: RequestContext>: Sendable {
    let service: RAService
    /// SHA-256 of the metrics scraper's bearer token; nil: loopback clients only.
    var metricsTokenSHA256: String? = nil

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get("health", use: health)
            .get("metrics", use: metrics)
            .get("ca.pem", use: caCertificate)
            .get("ca.der", use: caCertificateDER)
            .get("crl", use: crl)
            .get("crl.pem", use: crlPEM)
            .get("announcements", use: announcements)
            .get("faq", use: faq)
    }

    /// `{status, store, database}`: 200 when the store answers, 503 when it does not (a load
    /// balancer's health check then takes this instance out).
    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let repository = service.repository
        let reachable = await repository.isReachable()
        return try Wire.json(RA.Health(status: reachable ? "ok" : "unavailable", store: repository.storeKind,
                                       database: reachable ? "ok" : "unreachable"),
                             status: reachable ? .ok : .serviceUnavailable)
    }

    /// Prometheus text format; gauges read from the store.
    @Sendable func metrics(_ request: Request, context: Context) async throws -> Response {
        try Wire.requireOperator(request, context, tokenSHA256: metricsTokenSHA256, endpoint: "GET /metrics")
        let lines = try await service.repository.metrics().sorted { $0.key < $1.key }
            .map { "# TYPE tokencert_ra_\($0.key) gauge\ntokencert_ra_\($0.key) \($0.value)" }
        return Wire.text(lines.joined(separator: "\n") + "\n", type: "text/plain; version=0.0.4")
    }

    @Sendable func caCertificate(_ request: Request, context: Context) async throws -> Response {
        Wire.text(try service.authority.certificatePEM, type: "application/x-pem-file")
    }

    /// The CA certificate in DER (`application/pkix-cert`), where issued certificates' caIssuers point.
    @Sendable func caCertificateDER(_ request: Request, context: Context) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/pkix-cert"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: service.authority.issuer.caCertificate.derBytes)))
    }

    @Sendable func crl(_ request: Request, context: Context) async throws -> Response {
        let crl = try await service.currentCRL()
        return Response(status: .ok, headers: [.contentType: "application/pkix-crl"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: crl.der)))
    }

    @Sendable func crlPEM(_ request: Request, context: Context) async throws -> Response {
        Wire.text(CRLBuilder.pem(try await service.currentCRL().der), type: "application/x-pem-file")
    }

    @Sendable func announcements(_ request: Request, context: Context) async throws -> Response {
        try Wire.json(service.notices.announcements)
    }

    @Sendable func faq(_ request: Request, context: Context) async throws -> Response {
        try Wire.json(service.notices.faq)
    }
}
