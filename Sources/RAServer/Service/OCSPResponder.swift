public import CertificateKit
public import Foundation
import Localization
import Logging
import Synchronization
import X509

/// The RA's OCSP responder (RFC 6960): answers from the certificate records in the store, the same
/// records the CRL is made of, so the two never disagree — `revoked` (with the time and reason the
/// CRL lists) for a revoked or superseded certificate, `good` for any other certificate of this CA,
/// `unknown` for a serial the store does not hold or a certificate of another CA. Every instance on
/// a store answers alike: nothing but the store decides a status.
///
/// Answers are signed with the CA key through its `TokenSigner` (a key file or a PKCS#11 token),
/// responderID byKey — or, when a delegated responder key is given, with that key, the answer carrying
/// the responder's certificate: issued by the CA for the key with id-kp-OCSPSigning and
/// id-pkix-ocsp-nocheck, valid for `Policy.ocspResponderValidity` and issued again (by each instance for
/// itself) once half of that has passed. Each certificate's record is read for every request; an answer without a nonce
/// is signed once and served again while the record is unchanged and less than half of
/// `Policy.ocspLifetime` has passed (thisUpdate to nextUpdate is the whole lifetime, for caches). An
/// answer with a nonce (RFC 8954) is signed for that request.
public final class OCSPResponder: Sendable {
    /// The largest request read (a request for one certificate is ~80 octets, with a nonce ~120).
    public static let maximumRequestBytes = 4096

    let repository: any RARepository
    let issuer: CertificateIssuer
    /// The CA's name and key hashes a CertID must carry, worked out once.
    let issuerHashes: OCSPCertID.IssuerHashes
    let lifetime: TimeInterval
    let clock: any RAClock
    let logger: Logger
    /// The delegated responder's key, if any, and its current certificate.
    let delegateKey: TokenPrivateKey?
    let delegateValidity: TimeInterval
    private let delegateCertificate = Mutex<Certificate?>(nil)

    /// A signed answer and what it was made from.
    struct Cached: Sendable {
        var der: [UInt8]
        var status: OCSPCertStatus
        var thisUpdate: Date
        var nextUpdate: Date
    }
    /// By the CertID's DER; bounded (cleared when full).
    private let cache = Mutex<[[UInt8]: Cached]>([:])
    static let cacheLimit = 50_000

    init(repository: any RARepository, issuer: CertificateIssuer, lifetime: TimeInterval, clock: any RAClock, logger: Logger,
         delegateKey: TokenPrivateKey? = nil, delegateValidity: TimeInterval = 2 * 86_400) {
        self.repository = repository
        self.issuer = issuer
        issuerHashes = OCSPCertID.IssuerHashes(issuer.caCertificate)
        self.lifetime = lifetime
        self.clock = clock
        self.logger = logger
        self.delegateKey = delegateKey
        self.delegateValidity = delegateValidity
    }

    /// The key answers are signed with and the certificates they carry: the CA's key and none, or the
    /// delegated responder's key and its certificate (issued now when there is none or half of its
    /// validity has passed).
    /// - Throws: the CA signer's errors while issuing the responder's certificate.
    func signingKey(now: Date) async throws -> (key: TokenPrivateKey, certificates: [Certificate]) {
        guard let delegateKey else { return (issuer.caKey, []) }
        if let current = delegateCertificate.withLock({ $0 }), now >= current.notValidBefore,
           now < current.notValidBefore.addingTimeInterval(delegateValidity / 2) {
            return (delegateKey, [current])
        }
        // The CA's name with its common name followed by "OCSP Responder".
        let subject = DistinguishedName(issuer.caCertificate.subject.filter { !$0.contains { $0.type == .RDNAttributeType.commonName } } + [
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "\(Self.commonName(of: issuer.caCertificate)) OCSP Responder")),
        ])
        let certificate = try await issuer.ocspResponder(publicKey: delegateKey.publicKey, subject: subject, notBefore: now.addingTimeInterval(-60),
                                                        notAfter: now.addingTimeInterval(delegateValidity))
        delegateCertificate.withLock { $0 = certificate }
        logger.info("OCSP responder certificate issued", metadata: ["notAfter": "\(certificate.notValidAfter)"])
        return (delegateKey, [certificate])
    }

    static func commonName(of certificate: Certificate) -> String {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return "TokenCert CA"
    }

    /// An answer: the DER `OCSPResponse`, and for a cacheable one (no nonce) until when it may be kept.
    public struct Answer: Sendable {
        public var der: [UInt8]
        public var status: OCSPResponseStatus
        /// thisUpdate and nextUpdate of a successful answer without a nonce (HTTP caching headers).
        public var cacheable: (thisUpdate: Date, nextUpdate: Date)?
    }

    /// Answers a DER OCSP request. Never throws: a request that is not one gets `malformedRequest`, a
    /// store that does not answer `tryLater`, a signer that fails `internalError`.
    public func respond(to der: [UInt8]) async -> Answer {
        let request: OCSPRequest
        do { request = try OCSPRequest(der: der) } catch {
            return Answer(der: OCSPResponseStatus.malformedRequest.errorResponse, status: .malformedRequest)
        }
        var statuses: [OCSPCertStatus] = []
        do {
            for certID in request.certIDs { statuses.append(try await status(of: certID)) }
        } catch {
            logger.warning("OCSP: the store did not answer", metadata: ["error": "\(error)"])
            return Answer(der: OCSPResponseStatus.tryLater.errorResponse, status: .tryLater)
        }
        let now = clock.now()
        let single = request.nonce == nil && request.certIDs.count == 1
        if single, let hit = cache.withLock({ $0[request.certIDs[0].der] }), hit.status == statuses[0],
           now >= hit.thisUpdate, now < hit.thisUpdate.addingTimeInterval(lifetime / 2) {
            return Answer(der: hit.der, status: .successful, cacheable: (hit.thisUpdate, hit.nextUpdate))
        }
        let thisUpdate = CertificateIssuer.wholeSecond(now)
        let nextUpdate = thisUpdate.addingTimeInterval(lifetime)
        let responses = zip(request.certIDs, statuses).map {
            OCSPSingleResponse(certID: $0.0, status: $0.1, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }
        let signed: [UInt8]
        do {
            let (key, certificates) = try await signingKey(now: now)
            signed = key.signsSynchronously
                ? try OCSPResponse.signSynchronously(responses, producedAt: thisUpdate, nonce: request.nonce, key: key, certificates: certificates)
                : try await OCSPResponse.sign(responses, producedAt: thisUpdate, nonce: request.nonce, key: key, certificates: certificates)
        } catch {
            logger.error("OCSP: signing failed", metadata: ["error": "\(error)"])
            return Answer(der: OCSPResponseStatus.internalError.errorResponse, status: .internalError)
        }
        if single {
            cache.withLock { cache in
                if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[request.certIDs[0].der] = Cached(der: signed, status: statuses[0], thisUpdate: thisUpdate, nextUpdate: nextUpdate)
            }
        }
        return Answer(der: signed, status: .successful, cacheable: request.nonce == nil ? (thisUpdate, nextUpdate) : nil)
    }

    /// The status of one certificate from its store record.
    /// - Throws: the store's errors.
    func status(of certID: OCSPCertID) async throws -> OCSPCertStatus {
        guard certID.isIssued(by: issuerHashes) else { return .unknown }
        return Self.status(of: try await repository.certificate(serial: hexString(certID.serialNumber)))
    }

    /// What the CRL says of the record, as OCSP: revoked and superseded certificates are on the CRL
    /// with their time and reason (unspecified when none was stored); every other record is good.
    static func status(of record: CertificateRecord?) -> OCSPCertStatus {
        guard let record else { return .unknown }
        switch record.status {
        case .revoked, .superseded:
            return .revoked(at: record.revokedAt ?? record.issuedAt, reason: record.revocationReason ?? .unspecified)
        case .active, .pending, .expired:
            return .good
        }
    }
}
