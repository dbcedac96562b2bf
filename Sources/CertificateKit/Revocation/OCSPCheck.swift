public import Foundation
public import X509

/// A client's reading of an OCSP answer about one certificate (RFC 6960 §3.2): the answer must be
/// signed by the issuer or a responder it authorised, name the certificate asked about, echo the nonce
/// when it carries one, and be current (thisUpdate not in the future, nextUpdate not past, each with
/// the allowed clock skew). Anything less is `unknown` — never `good`.
public enum OCSPCheck {
    public enum Verdict: Sendable, Hashable {
        case good
        case revoked(at: Date, reason: RevocationReason?)
        /// No usable answer, and why (the responder's own `unknown` included).
        case unknown(String)
    }

    /// The request for `certificate` (issued by `issuer`), with a fresh nonce.
    public static func request(for certificate: Certificate, issuer: Certificate) throws -> OCSPRequest {
        OCSPRequest(certIDs: [try OCSPCertID(certificate: certificate, issuer: issuer)], nonce: OCSPRequest.randomNonce())
    }

    /// Judges `response` (DER) to `request` at `now` (the real time: freshness is about the answer).
    public static func judge(_ response: [UInt8], to request: OCSPRequest, issuer: Certificate, now: Date = Date(),
                             skew: TimeInterval = 300) -> Verdict {
        let parsed: OCSPResponse
        do { parsed = try OCSPResponse(der: response) } catch { return .unknown(error.description) }
        guard let key = parsed.authorizedSigner(for: issuer, at: now) else {
            return .unknown("the answer is not signed by the CA or a responder it authorised")
        }
        guard parsed.isSigned(by: key) else { return .unknown("the answer's signature does not verify") }
        if let sent = request.nonce, let echoed = parsed.nonce, sent != echoed { return .unknown("the answer is for another request (nonce)") }
        guard let asked = request.certIDs.first, let single = parsed.responses.first(where: { $0.certID.sameCertificate(as: asked) }) else {
            return .unknown("the answer does not name the certificate")
        }
        if single.thisUpdate > now.addingTimeInterval(skew) { return .unknown("the answer is dated in the future") }
        if let next = single.nextUpdate, next < now.addingTimeInterval(-skew) { return .unknown("the answer is out of date") }
        if single.nextUpdate == nil, parsed.nonce == nil, single.thisUpdate < now.addingTimeInterval(-skew) {
            return .unknown("the answer is out of date")
        }
        switch single.status {
        case .good: return .good
        case .revoked(let at, let reason): return .revoked(at: at, reason: reason)
        case .unknown: return .unknown("the responder does not know the certificate")
        }
    }
}
