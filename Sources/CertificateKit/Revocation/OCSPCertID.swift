import Crypto
public import Foundation
import SwiftASN1
public import X509

/// Which certificate an OCSP request asks about (RFC 6960 §4.1.1):
///
///     CertID ::= SEQUENCE {
///         hashAlgorithm   AlgorithmIdentifier,
///         issuerNameHash  OCTET STRING, -- hash of the issuer's DER Name
///         issuerKeyHash   OCTET STRING, -- hash of the issuer's subjectPublicKey BIT STRING value
///         serialNumber    CertificateSerialNumber }
///
/// `der` is kept as received: a response names the certificate with the very bytes it was asked with.
public struct OCSPCertID: Sendable, Hashable {
    /// The hashes a CertID may use here (SHA-1 is what openssl, GnuTLS and NSS send by default).
    public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
        case sha1, sha256, sha384, sha512

        var oid: ASN1ObjectIdentifier {
            switch self {
            case .sha1: [1, 3, 14, 3, 2, 26]
            case .sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1]
            case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
            case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
            }
        }

        init?(oid: ASN1ObjectIdentifier) {
            guard let found = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
            self = found
        }

        func hash(_ bytes: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha1: Array(Insecure.SHA1.hash(data: bytes))
            case .sha256: Array(SHA256.hash(data: bytes))
            case .sha384: Array(SHA384.hash(data: bytes))
            case .sha512: Array(SHA512.hash(data: bytes))
            }
        }
    }

    /// The hash algorithm; nil when the request used one not listed (its certificates are `unknown`).
    public var hashAlgorithm: HashAlgorithm?
    public var issuerNameHash: [UInt8]
    public var issuerKeyHash: [UInt8]
    /// The serial number's INTEGER content octets.
    public var serialNumber: [UInt8]
    /// The CertID's DER.
    public var der: [UInt8]

    /// The CertID of `certificate`, issued by `issuer`, with `hash` (a client asking about it).
    public init(certificate: Certificate, issuer: Certificate, hash: HashAlgorithm = .sha1) throws {
        try self.init(serialNumber: certificate.serialNumberBytes, issuer: issuer, hash: hash)
    }

    /// The CertID of the certificate with this serial number (INTEGER content octets), issued by `issuer`.
    public init(serialNumber: [UInt8], issuer: Certificate, hash: HashAlgorithm = .sha1) throws {
        let names = Self.issuerHashes(issuer, hash)
        hashAlgorithm = hash
        issuerNameHash = names.name
        issuerKeyHash = names.key
        self.serialNumber = serialNumber
        var algorithm = DER.Serializer()
        try algorithm.serialize(hash.oid)
        der = DERBytes.sequence(
            DERBytes.sequence(algorithm.serializedBytes, [0x05, 0x00]),
            DERBytes.octetString(issuerNameHash), DERBytes.octetString(issuerKeyHash),
            DERBytes.tlv(0x02, CRLBuilder.integerContent(serialNumber)))
    }

    /// Reads a CertID node.
    /// - Throws: `OCSPError.malformed`.
    init(node: ASN1Node) throws(OCSPError) {
        let fields = try OCSPDER.children(node, .sequence, "CertID")
        guard fields.count == 4 else { throw OCSPError.malformed("CertID has \(fields.count) fields") }
        let algorithm = try OCSPDER.children(fields[0], .sequence, "hashAlgorithm")
        guard (1...2).contains(algorithm.count) else { throw OCSPError.malformed("hashAlgorithm") }
        let oid: ASN1ObjectIdentifier
        do { oid = try ASN1ObjectIdentifier(derEncoded: algorithm[0]) } catch { throw OCSPError.malformed("hashAlgorithm OID") }
        hashAlgorithm = HashAlgorithm(oid: oid)
        issuerNameHash = try OCSPDER.primitive(fields[1], .octetString, "issuerNameHash")
        issuerKeyHash = try OCSPDER.primitive(fields[2], .octetString, "issuerKeyHash")
        serialNumber = try OCSPDER.primitive(fields[3], .integer, "serialNumber")
        guard !serialNumber.isEmpty, serialNumber.count <= 64 else { throw OCSPError.malformed("serialNumber") }
        der = Array(node.encodedBytes)
    }

    /// Whether the CertID names a certificate of `issuer`: its name and key hashes are the issuer's.
    public func isIssued(by issuer: Certificate) -> Bool {
        isIssued(by: IssuerHashes(issuer))
    }

    /// `isIssued(by:)` with the issuer's hashes worked out beforehand (a responder's).
    public func isIssued(by issuer: IssuerHashes) -> Bool {
        guard let hashAlgorithm, let expected = issuer.hashes[hashAlgorithm] else { return false }
        return expected.name == issuerNameHash && expected.key == issuerKeyHash
    }

    /// An issuer's name and key hashes in every `HashAlgorithm`.
    public struct IssuerHashes: Sendable {
        let hashes: [HashAlgorithm: (name: [UInt8], key: [UInt8])]
        public init(_ issuer: Certificate) {
            hashes = Dictionary(uniqueKeysWithValues: HashAlgorithm.allCases.map { ($0, OCSPCertID.issuerHashes(issuer, $0)) })
        }
    }

    /// Whether two CertIDs name the same certificate (same hash, hashes and serial; encodings of the
    /// algorithm's parameters may differ).
    public func sameCertificate(as other: OCSPCertID) -> Bool {
        hashAlgorithm != nil && hashAlgorithm == other.hashAlgorithm && issuerNameHash == other.issuerNameHash
            && issuerKeyHash == other.issuerKeyHash && CRLBuilder.integerContent(serialNumber) == CRLBuilder.integerContent(other.serialNumber)
    }

    static func issuerHashes(_ issuer: Certificate, _ hash: HashAlgorithm) -> (name: [UInt8], key: [UInt8]) {
        var name = DER.Serializer()
        try? name.serialize(issuer.subject)
        return (hash.hash(name.serializedBytes), hash.hash(issuer.publicKey.subjectPublicKeyInfoBytes.bitString))
    }
}

/// Why OCSP bytes were refused: what the responder answers `malformedRequest` to, and what a client
/// takes as "revocation unknown".
public struct OCSPError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public static func malformed(_ what: String) -> OCSPError { OCSPError(description: "malformed OCSP data: \(what)") }
}

/// Walking swift-asn1's parse tree with the checks OCSP needs (tag, primitive or constructed).
enum OCSPDER {
    static func parse(_ bytes: [UInt8], _ what: String) throws(OCSPError) -> ASN1Node {
        do { return try DER.parse(bytes) } catch { throw OCSPError.malformed("\(what) is not DER") }
    }

    static func children(_ node: ASN1Node, _ tag: ASN1Identifier, _ what: String) throws(OCSPError) -> [ASN1Node] {
        guard node.identifier == tag, case .constructed(let items) = node.content else { throw OCSPError.malformed(what) }
        return Array(items)
    }

    static func primitive(_ node: ASN1Node, _ tag: ASN1Identifier, _ what: String) throws(OCSPError) -> [UInt8] {
        guard node.identifier == tag, case .primitive(let bytes) = node.content else { throw OCSPError.malformed(what) }
        return Array(bytes)
    }

    /// The single element inside an EXPLICIT context tag `[n]`.
    static func explicit(_ node: ASN1Node, _ n: UInt, _ what: String) throws(OCSPError) -> ASN1Node {
        let items = try children(node, ASN1Identifier(tagWithNumber: n, tagClass: .contextSpecific), what)
        guard items.count == 1 else { throw OCSPError.malformed(what) }
        return items[0]
    }

    static func isContext(_ node: ASN1Node, _ n: UInt) -> Bool {
        node.identifier.tagClass == .contextSpecific && node.identifier.tagNumber == n
    }

    static func time(_ node: ASN1Node, _ what: String) throws(OCSPError) -> Date {
        do { return Date(try GeneralizedTime(derEncoded: node)) } catch { throw OCSPError.malformed(what) }
    }
}
