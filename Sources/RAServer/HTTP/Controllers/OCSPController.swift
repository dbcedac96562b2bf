import CertificateKit
import Foundation
import Hummingbird

/// The OCSP responder over HTTP (RFC 6960 Appendix A, RFC 5019 §5): `POST /ocsp` with the DER
/// request as the body (`application/ocsp-request`), or `GET /ocsp/{base64 of the DER request,
/// URL-encoded}`, which HTTP caches may keep. Answers are `application/ocsp-response`; an OCSP error
/// (`malformedRequest`, `tryLater`, `internalError`) is an OCSP answer with HTTP 200, as clients
/// expect; a body over `OCSPResponder.maximumRequestBytes` gets `malformedRequest` with HTTP 413.
struct OCSPController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post(use: post)
            .get(use: get)
            .get("**", use: get)
    }

    @Sendable func post(_ request: Request, context: Context) async throws -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: OCSPResponder.maximumRequestBytes) } catch {
            return Self.response(OCSPResponder.Answer(der: OCSPResponseStatus.malformedRequest.errorResponse, status: .malformedRequest),
                                 status: .contentTooLarge, now: service.clock.now())
        }
        return Self.response(await service.ocsp.respond(to: Array(body.readableBytesView)), status: .ok, now: service.clock.now())
    }

    /// The request is everything after `/ocsp/`: percent-decoded, then base64 (`+` may arrive as a space).
    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let encoded = path.hasPrefix("/ocsp/") ? String(path.dropFirst("/ocsp/".count)) : ""
        let text = (encoded.removingPercentEncoding ?? "").replacingOccurrences(of: " ", with: "+")
        guard text.utf8.count <= OCSPResponder.maximumRequestBytes * 2, let der = Data(base64Encoded: text) else {
            return Self.response(OCSPResponder.Answer(der: OCSPResponseStatus.malformedRequest.errorResponse, status: .malformedRequest),
                                 status: .ok, now: service.clock.now())
        }
        return Self.response(await service.ocsp.respond(to: Array(der)), status: .ok, now: service.clock.now())
    }

    /// The answer with RFC 5019 §6's caching headers when it has no nonce.
    static func response(_ answer: OCSPResponder.Answer, status: HTTPResponse.Status, now: Date) -> Response {
        var headers: HTTPFields = [.contentType: "application/ocsp-response"]
        if let cacheable = answer.cacheable {
            let maxAge = max(0, Int(cacheable.nextUpdate.timeIntervalSince(now)))
            headers[.cacheControl] = "max-age=\(maxAge), public, no-transform, must-revalidate"
            headers[.lastModified] = httpDate(cacheable.thisUpdate)
            headers[.expires] = httpDate(cacheable.nextUpdate)
        } else {
            headers[.cacheControl] = "no-store"
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.der)))
    }

    /// RFC 9110 IMF-fixdate (`Sun, 06 Dec 2026 09:00:00 GMT`), from `gmtime_r` (no formatter per answer).
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][Int(t.tm_wday)]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Int(t.tm_mon)]
        return "\(day), \(two(t.tm_mday)) \(month) \(t.tm_year + 1900) \(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }
}
