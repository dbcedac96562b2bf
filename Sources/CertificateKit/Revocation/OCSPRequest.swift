import Crypto
import Foundation
import SwiftASN1

/// An OCSP request (RFC 6960 §4.1.1), read by the responder and written by a client:
///
///     OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
///     TBSRequest ::= SEQUENCE {
///         version             [0] EXPLICIT Version DEFAULT v1,
///         requestorName       [1] EXPLICIT GeneralName OPTIONAL,
///         requestList             SEQUENCE OF Request,
///         requestExtensions   [2] EXPLICIT Extensions OPTIONAL }
///     Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
///
/// The nonce (id-pkix-ocsp-nonce, 1.3.6.1.5.5.7.48.1.2) follows RFC 8954: its extnValue holds
/// `Nonce ::= OCTET STRING (SIZE(1..32))`; a longer or empty nonce makes the request malformed. The
/// optional signature is not checked (the responder answers anyone).
public struct OCSPRequest: Sendable, Hashable {
    /// The certificates asked about, in order.
    public var certIDs: [OCSPCertID]
    /// The nonce's value (1–32 octets), if the request has one.
    public var nonce: [UInt8]?

    /// At most this many certificates in one request (the responder signs one answer for all).
    public static let maximumCertificates = 16
    /// RFC 8954's nonce lengths.
    public static let nonceLengths = 1...32

    static let nonceOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]

    public init(certIDs: [OCSPCertID], nonce: [UInt8]? = nil) {
        self.certIDs = certIDs
        self.nonce = nonce
    }

    /// A fresh 16-octet nonce (what openssl sends).
    public static func randomNonce() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in rng.next() }
    }

    /// Reads a DER OCSP request.
    /// - Throws: `OCSPError` for anything that is not one (the responder's `malformedRequest`): bad
    ///   DER, missing fields, no or too many certificates, a version other than v1, a nonce of 0 or
    ///   more than 32 octets.
    public init(der: [UInt8]) throws(OCSPError) {
        let root = try OCSPDER.parse(der, "OCSPRequest")
        let top = try OCSPDER.children(root, .sequence, "OCSPRequest")
        guard (1...2).contains(top.count) else { throw OCSPError.malformed("OCSPRequest has \(top.count) fields") }
        if top.count == 2, !OCSPDER.isContext(top[1], 0) { throw OCSPError.malformed("optionalSignature") }
        var fields = try OCSPDER.children(top[0], .sequence, "TBSRequest")[...]
        if let first = fields.first, OCSPDER.isContext(first, 0) {
            let version = try OCSPDER.primitive(try OCSPDER.explicit(first, 0, "version"), .integer, "version")
            guard version == [0] else { throw OCSPError.malformed("version") }
            fields = fields.dropFirst()
        }
        if let first = fields.first, OCSPDER.isContext(first, 1) { fields = fields.dropFirst() }
        guard let list = fields.first else { throw OCSPError.malformed("no requestList") }
        fields = fields.dropFirst()
        let requests = try OCSPDER.children(list, .sequence, "requestList")
        guard (1...Self.maximumCertificates).contains(requests.count) else {
            throw OCSPError.malformed("\(requests.count) certificates in one request")
        }
        certIDs = []
        for request in requests {
            let parts = try OCSPDER.children(request, .sequence, "Request")
            guard (1...2).contains(parts.count) else { throw OCSPError.malformed("Request") }
            if parts.count == 2, !OCSPDER.isContext(parts[1], 0) { throw OCSPError.malformed("singleRequestExtensions") }
            certIDs.append(try OCSPCertID(node: parts[0]))
        }
        nonce = nil
        if let extensions = fields.first {
            guard OCSPDER.isContext(extensions, 2), fields.count == 1 else { throw OCSPError.malformed("after requestList") }
            for (oid, value) in try Self.extensions(try OCSPDER.explicit(extensions, 2, "requestExtensions")) where oid == Self.nonceOID {
                guard nonce == nil else { throw OCSPError.malformed("two nonces") }
                let inner = try OCSPDER.primitive(try OCSPDER.parse(value, "nonce"), .octetString, "nonce")
                guard Self.nonceLengths.contains(inner.count) else { throw OCSPError.malformed("a nonce of \(inner.count) octets (RFC 8954: 1 to 32)") }
                nonce = inner
            }
        } else if !fields.isEmpty {
            throw OCSPError.malformed("after requestList")
        }
    }

    /// `Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`
    /// as (OID, extnValue content) pairs.
    static func extensions(_ node: ASN1Node) throws(OCSPError) -> [(ASN1ObjectIdentifier, [UInt8])] {
        var all: [(ASN1ObjectIdentifier, [UInt8])] = []
        for item in try OCSPDER.children(node, .sequence, "Extensions") {
            let parts = try OCSPDER.children(item, .sequence, "Extension")
            guard (2...3).contains(parts.count) else { throw OCSPError.malformed("Extension") }
            let oid: ASN1ObjectIdentifier
            do { oid = try ASN1ObjectIdentifier(derEncoded: parts[0]) } catch { throw OCSPError.malformed("extnID") }
            if parts.count == 3 { _ = try OCSPDER.primitive(parts[1], .boolean, "critical") }
            all.append((oid, try OCSPDER.primitive(parts[parts.count - 1], .octetString, "extnValue")))
        }
        return all
    }

    /// The nonce extension for `nonce`: `SEQUENCE { id-pkix-ocsp-nonce, OCTET STRING { OCTET STRING nonce } }`.
    static func nonceExtension(_ nonce: [UInt8]) -> [UInt8] {
        var oid = DER.Serializer()
        try? oid.serialize(nonceOID)
        return DERBytes.sequence(oid.serializedBytes, DERBytes.octetString(DERBytes.octetString(nonce)))
    }

    /// The request's DER (unsigned, v1 by default).
    public var der: [UInt8] {
        let list = DERBytes.tlv(0x30, certIDs.flatMap { DERBytes.sequence($0.der) })
        var tbs = list
        if let nonce { tbs += DERBytes.tlv(0xA2, DERBytes.sequence(Self.nonceExtension(nonce))) }
        return DERBytes.sequence(DERBytes.tlv(0x30, tbs))
    }
}
