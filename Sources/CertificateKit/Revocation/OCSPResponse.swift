public import Foundation
import SwiftASN1
public import X509

/// `OCSPResponseStatus` (RFC 6960 §4.2.1). Every status but `successful` is a whole response on its own.
public enum OCSPResponseStatus: Int, Sendable, Hashable {
    case successful = 0, malformedRequest = 1, internalError = 2, tryLater = 3, sigRequired = 5, unauthorized = 6

    /// `OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }` without responseBytes, for an error.
    public var errorResponse: [UInt8] { [0x30, 0x03, 0x0A, 0x01, UInt8(rawValue)] }
}

/// What a responder says of one certificate.
public enum OCSPCertStatus: Sendable, Hashable {
    case good
    /// Revoked at `at`, for `reason` when one was given.
    case revoked(at: Date, reason: RevocationReason?)
    /// Not a certificate the responder knows (another CA's, or never issued).
    case unknown
}

/// `SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate GeneralizedTime,
/// nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }`.
public struct OCSPSingleResponse: Sendable, Hashable {
    public var certID: OCSPCertID
    public var status: OCSPCertStatus
    /// When the status was known to be right.
    public var thisUpdate: Date
    /// When newer information will be available: a cache may keep the answer until then.
    public var nextUpdate: Date?

    public init(certID: OCSPCertID, status: OCSPCertStatus, thisUpdate: Date, nextUpdate: Date?) {
        self.certID = certID
        self.status = status
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
    }

    var der: [UInt8] {
        let status: [UInt8] = switch self.status {
        case .good: [0x80, 0x00]
        case .unknown: [0x82, 0x00]
        case .revoked(let at, let reason):
            DERBytes.tlv(0xA1, DERBytes.generalizedTime(at) + (reason.map { DERBytes.tlv(0xA0, DERBytes.tlv(0x0A, [UInt8($0.rawValue)])) } ?? []))
        }
        var body = certID.der + status + DERBytes.generalizedTime(thisUpdate)
        if let nextUpdate { body += DERBytes.tlv(0xA0, DERBytes.generalizedTime(nextUpdate)) }
        return DERBytes.tlv(0x30, body)
    }
}

/// A successful OCSP response with a BasicOCSPResponse (RFC 6960 §4.2.1), signed and read here:
///
///     OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
///     ResponseBytes ::= SEQUENCE { responseType id-pkix-ocsp-basic, response OCTET STRING }
///     BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm,
///         signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
///     ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID ResponderID,
///         producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
///         responseExtensions [1] EXPLICIT Extensions OPTIONAL }
///     ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }  -- SHA-1 of the signer's key bits
public struct OCSPResponse: Sendable {
    public var responses: [OCSPSingleResponse]
    public var producedAt: Date
    /// The nonce echoed from the request, if any.
    public var nonce: [UInt8]?
    /// Certificates the responder sent (a delegated responder's own certificate).
    public var certificates: [Certificate]
    /// The responder's key hash (`byKey`), or nil when it named itself `byName`.
    public var responderKeyHash: [UInt8]?
    /// The DER of `responderID`'s Name, for `byName`.
    public var responderName: [UInt8]?
    /// The signed bytes, the signature algorithm and the signature.
    public var tbsResponseData: [UInt8]
    public var signatureAlgorithm: SigningAlgorithm?
    public var signature: [UInt8]

    static let basicOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]

    /// Signs a response with `key` (the CA's, or a delegated responder's whose certificate goes into
    /// `certificates`): responderID byKey, the nonce extension when given.
    /// - Returns: the whole `OCSPResponse` in DER.
    /// - Throws: the signer's errors.
    public static func sign(_ responses: [OCSPSingleResponse], producedAt: Date, nonce: [UInt8]?, key: TokenPrivateKey,
                            certificates: [Certificate] = []) async throws -> [UInt8] {
        let scheme = key.signer.supportedAlgorithms.first ?? .rsaPKCS1SHA256
        let tbs = tbsResponseData(responses, producedAt: producedAt, nonce: nonce, key: key)
        let signature = try await key.signer.sign(tbs, algorithm: scheme)
        return assemble(tbs: tbs, scheme: scheme, signature: signature, certificates: certificates)
    }

    /// `sign` without suspending, for a key in memory.
    /// - Throws: `SigningError(.synchronousSigningUnsupported)` for a key on a token, the signer's errors.
    public static func signSynchronously(_ responses: [OCSPSingleResponse], producedAt: Date, nonce: [UInt8]?, key: TokenPrivateKey,
                                         certificates: [Certificate] = []) throws -> [UInt8] {
        guard let signer = key.signer as? any SynchronousTokenSigner else { throw SigningError(.synchronousSigningUnsupported) }
        let scheme = signer.supportedAlgorithms.first ?? .rsaPKCS1SHA256
        let tbs = tbsResponseData(responses, producedAt: producedAt, nonce: nonce, key: key)
        return assemble(tbs: tbs, scheme: scheme, signature: try signer.signSynchronously(tbs, algorithm: scheme), certificates: certificates)
    }

    static func tbsResponseData(_ responses: [OCSPSingleResponse], producedAt: Date, nonce: [UInt8]?, key: TokenPrivateKey) -> [UInt8] {
        let responderID = DERBytes.tlv(0xA2, DERBytes.octetString(CertificateIssuer.keyIdentifier(key.publicKey)))
        var body = responderID + DERBytes.generalizedTime(producedAt) + DERBytes.tlv(0x30, responses.flatMap(\.der))
        if let nonce { body += DERBytes.tlv(0xA1, DERBytes.sequence(OCSPRequest.nonceExtension(nonce))) }
        return DERBytes.tlv(0x30, body)
    }

    static func assemble(tbs: [UInt8], scheme: SigningAlgorithm, signature: [UInt8], certificates: [Certificate]) -> [UInt8] {
        var basic = tbs + scheme.signatureAlgorithmIdentifier + DERBytes.tlv(0x03, [0x00] + signature)
        if !certificates.isEmpty { basic += DERBytes.tlv(0xA0, DERBytes.tlv(0x30, certificates.flatMap(\.derBytes))) }
        var oid = DER.Serializer()
        try? oid.serialize(basicOID)
        let responseBytes = DERBytes.sequence(oid.serializedBytes, DERBytes.octetString(DERBytes.tlv(0x30, basic)))
        return DERBytes.sequence([0x0A, 0x01, 0x00], DERBytes.tlv(0xA0, responseBytes))
    }

    /// Reads a DER OCSP response.
    /// - Throws: `OCSPError` when it is not one, or its status is not `successful` (the description
    ///   names the status, e.g. `tryLater`).
    public init(der: [UInt8]) throws(OCSPError) {
        let top = try OCSPDER.children(try OCSPDER.parse(der, "OCSPResponse"), .sequence, "OCSPResponse")
        guard let statusNode = top.first else { throw OCSPError.malformed("OCSPResponse is empty") }
        let statusBytes = try OCSPDER.primitive(statusNode, .enumerated, "responseStatus")
        guard statusBytes.count == 1, let status = OCSPResponseStatus(rawValue: Int(statusBytes[0])) else { throw OCSPError.malformed("responseStatus") }
        guard status == .successful else { throw OCSPError(description: "the responder answered \(status)") }
        guard top.count == 2 else { throw OCSPError.malformed("no responseBytes") }
        let responseBytes = try OCSPDER.children(try OCSPDER.explicit(top[1], 0, "responseBytes"), .sequence, "ResponseBytes")
        guard responseBytes.count == 2, (try? ASN1ObjectIdentifier(derEncoded: responseBytes[0])) == Self.basicOID else {
            throw OCSPError.malformed("responseType is not id-pkix-ocsp-basic")
        }
        let basicDER = try OCSPDER.primitive(responseBytes[1], .octetString, "response")
        let basic = try OCSPDER.children(try OCSPDER.parse(basicDER, "BasicOCSPResponse"), .sequence, "BasicOCSPResponse")
        guard (3...4).contains(basic.count) else { throw OCSPError.malformed("BasicOCSPResponse") }
        tbsResponseData = Array(basic[0].encodedBytes)
        let algorithm = try OCSPDER.children(basic[1], .sequence, "signatureAlgorithm")
        let algorithmOID = algorithm.first.flatMap { try? ASN1ObjectIdentifier(derEncoded: $0) }
        signatureAlgorithm = SigningAlgorithm.allCases.first { scheme in
            (try? DER.parse(scheme.signatureAlgorithmIdentifier)).flatMap { node -> ASN1ObjectIdentifier? in
                guard case .constructed(let items) = node.content, let first = items.first(where: { _ in true }) else { return nil }
                return try? ASN1ObjectIdentifier(derEncoded: first)
            } == algorithmOID
        }
        let bits = try OCSPDER.primitive(basic[2], ASN1Identifier.bitString, "signature")
        guard bits.first == 0 else { throw OCSPError.malformed("signature") }
        signature = Array(bits.dropFirst())
        certificates = []
        if basic.count == 4 {
            for node in try OCSPDER.children(try OCSPDER.explicit(basic[3], 0, "certs"), .sequence, "certs") {
                do { certificates.append(try Certificate(derEncoded: Array(node.encodedBytes))) } catch { throw OCSPError.malformed("certificate") }
            }
        }

        var fields = try OCSPDER.children(basic[0], .sequence, "ResponseData")[...]
        if let first = fields.first, OCSPDER.isContext(first, 0) { fields = fields.dropFirst() }
        guard fields.count >= 3 else { throw OCSPError.malformed("ResponseData") }
        let responder = fields.removeFirst()
        if OCSPDER.isContext(responder, 2) {
            responderKeyHash = try OCSPDER.primitive(try OCSPDER.explicit(responder, 2, "byKey"), .octetString, "byKey")
        } else if OCSPDER.isContext(responder, 1) {
            responderName = Array(try OCSPDER.explicit(responder, 1, "byName").encodedBytes)
        } else {
            throw OCSPError.malformed("responderID")
        }
        producedAt = try OCSPDER.time(fields.removeFirst(), "producedAt")
        responses = []
        for node in try OCSPDER.children(fields.removeFirst(), .sequence, "responses") {
            responses.append(try Self.single(node))
        }
        nonce = nil
        if let extensions = fields.first, OCSPDER.isContext(extensions, 1) {
            for (oid, value) in try OCSPRequest.extensions(try OCSPDER.explicit(extensions, 1, "responseExtensions")) where oid == OCSPRequest.nonceOID {
                nonce = try OCSPDER.primitive(try OCSPDER.parse(value, "nonce"), .octetString, "nonce")
            }
        }
    }

    static func single(_ node: ASN1Node) throws(OCSPError) -> OCSPSingleResponse {
        let parts = try OCSPDER.children(node, .sequence, "SingleResponse")
        guard parts.count >= 3 else { throw OCSPError.malformed("SingleResponse") }
        let certID = try OCSPCertID(node: parts[0])
        let status: OCSPCertStatus
        let s = parts[1]
        switch (s.identifier.tagClass, s.identifier.tagNumber) {
        case (.contextSpecific, 0): status = .good
        case (.contextSpecific, 2): status = .unknown
        case (.contextSpecific, 1):
            guard case .constructed(let items) = s.content else { throw OCSPError.malformed("RevokedInfo") }
            let info = Array(items)
            guard let first = info.first else { throw OCSPError.malformed("RevokedInfo") }
            var reason: RevocationReason?
            if info.count == 2 {
                let code = try OCSPDER.primitive(try OCSPDER.explicit(info[1], 0, "revocationReason"), .enumerated, "revocationReason")
                reason = code.count == 1 ? RevocationReason(rawValue: Int(code[0])) : nil
            }
            status = .revoked(at: try OCSPDER.time(first, "revocationTime"), reason: reason)
        default: throw OCSPError.malformed("certStatus")
        }
        let thisUpdate = try OCSPDER.time(parts[2], "thisUpdate")
        var nextUpdate: Date?
        if parts.count > 3, OCSPDER.isContext(parts[3], 0) { nextUpdate = try OCSPDER.time(try OCSPDER.explicit(parts[3], 0, "nextUpdate"), "nextUpdate") }
        return OCSPSingleResponse(certID: certID, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
    }

    /// The key that signed the response, if it may answer for `issuer`'s certificates at `time`:
    /// the issuer itself (named by key hash or by name), or a delegated responder whose certificate
    /// is in the response, signed by the issuer, with extended key usage id-kp-OCSPSigning and
    /// valid at `time` (RFC 6960 §4.2.2.2). nil otherwise.
    public func authorizedSigner(for issuer: Certificate, at time: Date) -> Certificate.PublicKey? {
        var issuerName = DER.Serializer()
        try? issuerName.serialize(issuer.subject)
        if responderKeyHash == CertificateIssuer.keyIdentifier(issuer.publicKey) || responderName == issuerName.serializedBytes {
            return issuer.publicKey
        }
        for certificate in certificates {
            var name = DER.Serializer()
            try? name.serialize(certificate.subject)
            guard responderKeyHash == CertificateIssuer.keyIdentifier(certificate.publicKey) || responderName == name.serializedBytes,
                  certificate.issuer == issuer.subject, issuer.publicKey.isValidSignature(certificate.signature, for: certificate),
                  certificate.notValidBefore <= time, time <= certificate.notValidAfter,
                  (try? certificate.extensions.extendedKeyUsage)??.contains(.ocspSigning) == true else { continue }
            return certificate.publicKey
        }
        return nil
    }

    /// Whether the response's signature verifies with `key`.
    public func isSigned(by key: Certificate.PublicKey) -> Bool {
        guard let signatureAlgorithm else { return false }
        return key.isValidSignature(signature, for: tbsResponseData, signatureAlgorithm: signatureAlgorithm.certificateAlgorithm)
    }
}
