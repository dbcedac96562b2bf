import Crypto
import Domain
public import Foundation
import SwiftASN1
public import X509

/// Issues X.509 certificates signed by a CA key that may live on a token (`TokenPrivateKey`) or in
/// software. The RA uses it for customers' certificates; tests use it to make CAs and signers.
public struct CertificateIssuer: Sendable {
    public let caCertificate: Certificate
    public let caKey: TokenPrivateKey

    /// The authority key identifier put into every certificate: the CA's subject key identifier, or
    /// the SHA-1 of its key when the CA certificate has none. Worked out once.
    let authorityKeyIdentifier: ArraySlice<UInt8>

    public init(caCertificate: Certificate, caKey: TokenPrivateKey) {
        self.caCertificate = caCertificate
        self.caKey = caKey
        authorityKeyIdentifier = (try? caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            ?? Self.keyIdentifier(caCertificate.publicKey)[...]
    }

    /// What a customer's order-signing certificate gets: key usage digitalSignature + nonRepudiation
    /// (critical), extended key usage clientAuth + emailProtection, basic constraints CA:false,
    /// subject and authority key identifiers, a CRL distribution point and an authority information
    /// access extension (OCSP responder, CA certificate) when given.
    public struct Profile: Sendable, Hashable {
        public var crlDistributionPoint: String?
        /// The OCSP responder's URL (AIA id-ad-ocsp).
        public var ocspURL: String?
        /// Where the CA certificate is fetched, DER (AIA id-ad-caIssuers).
        public var caIssuersURL: String?
        public init(crlDistributionPoint: String? = nil, ocspURL: String? = nil, caIssuersURL: String? = nil) {
            self.crlDistributionPoint = crlDistributionPoint
            self.ocspURL = ocspURL
            self.caIssuersURL = caIssuersURL
        }
    }

    /// Signs a certificate for `publicKey` (asynchronously: the CA key may be on a token).
    /// `notBefore` is cut down to the whole second: X.509 times have no fraction, and an encoder that
    /// rounds up would make a signature made in the same second look older than the certificate.
    /// - Throws: the CA signer's errors, `SigningError`.
    public func issue(publicKey: Certificate.PublicKey, subject: DistinguishedName, serialNumber: Certificate.SerialNumber = CertificateIssuer.randomSerialNumber(),
                      notBefore: Date, notAfter: Date, profile: Profile = Profile()) async throws -> Certificate {
        try await Certificate(
            version: .v3, serialNumber: serialNumber, publicKey: publicKey,
            notValidBefore: Self.wholeSecond(notBefore), notValidAfter: notAfter,
            issuer: caCertificate.subject, subject: subject,
            signatureAlgorithm: caKey.defaultSignatureAlgorithm, extensions: try extensions(for: publicKey, profile: profile),
            issuerAsyncPrivateKey: Certificate.PrivateKey(caKey))
    }

    /// Whether `issueSynchronously` works: the CA key is in memory (a key file), not on a token.
    public var signsSynchronously: Bool { caKey.signsSynchronously }

    /// The certificate `issue` makes, signed without suspending — for a CA key in memory only, so
    /// that checks, signing and storing can happen in one database transaction.
    /// - Throws: `SigningError(.synchronousSigningUnsupported)` for a CA key on a token, the signer's errors.
    public func issueSynchronously(publicKey: Certificate.PublicKey, subject: DistinguishedName,
                                   serialNumber: Certificate.SerialNumber = CertificateIssuer.randomSerialNumber(),
                                   notBefore: Date, notAfter: Date, profile: Profile = Profile()) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: serialNumber, publicKey: publicKey,
            notValidBefore: Self.wholeSecond(notBefore), notValidAfter: notAfter,
            issuer: caCertificate.subject, subject: subject,
            signatureAlgorithm: caKey.defaultSignatureAlgorithm, extensions: try extensions(for: publicKey, profile: profile),
            issuerPrivateKey: Certificate.PrivateKey(caKey))
    }

    func extensions(for publicKey: Certificate.PublicKey, profile: Profile) throws -> Certificate.Extensions {
        let authorityKeyID = authorityKeyIdentifier
        return try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
            try ExtendedKeyUsage([.clientAuth, .emailProtection])
            SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(publicKey)[...])
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            if let url = profile.crlDistributionPoint {
                Self.crlDistributionPoint(url)
            }
            if profile.ocspURL != nil || profile.caIssuersURL != nil {
                AuthorityInformationAccess(
                    (profile.ocspURL.map { [AuthorityInformationAccess.AccessDescription(method: .ocspServer, location: .uniformResourceIdentifier($0))] } ?? [])
                        + (profile.caIssuersURL.map { [AuthorityInformationAccess.AccessDescription(method: .issuingCA, location: .uniformResourceIdentifier($0))] } ?? []))
            }
        }
    }

    /// A self-signed CA certificate (basic constraints CA:true, pathlen 0; keyCertSign + cRLSign).
    public static func selfSignedCA(subject: DistinguishedName, key: TokenPrivateKey, notBefore: Date, notAfter: Date,
                                    serialNumber: Certificate.SerialNumber = randomSerialNumber()) async throws -> Certificate {
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(keyIdentifier: keyIdentifier(key.publicKey)[...])
        }
        return try await Certificate(
            version: .v3, serialNumber: serialNumber, publicKey: key.publicKey,
            notValidBefore: wholeSecond(notBefore), notValidAfter: notAfter, issuer: subject, subject: subject,
            signatureAlgorithm: key.defaultSignatureAlgorithm, extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(key))
    }

    /// A self-signed end-entity certificate for `key` (not a CA; digitalSignature; client auth) — an
    /// officer's login certificate, which the RA pins by its public key rather than by a chain.
    /// - Throws: the signer's errors (the key may be on a token).
    public static func selfSignedLeaf(subject: DistinguishedName, key: TokenPrivateKey, notBefore: Date, notAfter: Date) async throws -> Certificate {
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
            SubjectKeyIdentifier(keyIdentifier: keyIdentifier(key.publicKey)[...])
        }
        return try await Certificate(
            version: .v3, serialNumber: randomSerialNumber(), publicKey: key.publicKey,
            notValidBefore: wholeSecond(notBefore), notValidAfter: notAfter, issuer: subject, subject: subject,
            signatureAlgorithm: key.defaultSignatureAlgorithm, extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(key))
    }

    /// A delegated OCSP responder's certificate for `publicKey` (RFC 6960 §4.2.2.2): extended key usage
    /// id-kp-OCSPSigning, key usage digitalSignature (critical), CA:false, id-pkix-ocsp-nocheck (clients
    /// do not ask about the responder itself, so its validity should be short), key identifiers.
    /// - Throws: the CA signer's errors.
    public func ocspResponder(publicKey: Certificate.PublicKey, subject: DistinguishedName, notBefore: Date, notAfter: Date) async throws -> Certificate {
        let authorityKeyID = authorityKeyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.ocspSigning])
            SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(publicKey)[...])
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            // id-pkix-ocsp-nocheck (1.3.6.1.5.5.7.48.1.5): NULL.
            Certificate.Extension(oid: [1, 3, 6, 1, 5, 5, 7, 48, 1, 5], critical: false, value: [0x05, 0x00])
        }
        return try await Certificate(
            version: .v3, serialNumber: Self.randomSerialNumber(), publicKey: publicKey,
            notValidBefore: Self.wholeSecond(notBefore), notValidAfter: notAfter, issuer: caCertificate.subject, subject: subject,
            signatureAlgorithm: caKey.defaultSignatureAlgorithm, extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(caKey))
    }

    /// `date` without its fraction of a second (rounded down).
    public static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// The CRL distribution points extension (2.5.29.31) with one URI: SEQUENCE OF DistributionPoint
    /// { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] IA5String } } }.
    static func crlDistributionPoint(_ url: String) -> Certificate.Extension {
        let uri = DERBytes.tlv(0x86, Array(url.utf8))
        let value = DERBytes.tlv(0x30, DERBytes.tlv(0x30, DERBytes.tlv(0xA0, DERBytes.tlv(0xA0, uri))))
        return Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: value[...])
    }

    /// 128 random bits, positive (top bit clear) and never zero — RFC 5280 allows up to 20 octets.
    public static func randomSerialNumber() -> Certificate.SerialNumber {
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        repeat {
            for i in bytes.indices { bytes[i] = rng.next() }
            bytes[0] &= 0x7F
        } while bytes[0] == 0
        return Certificate.SerialNumber(bytes: bytes[...])
    }

    /// The RFC 5280 §4.2.1.2 method 1 key identifier: SHA-1 of the subjectPublicKey bits.
    public static func keyIdentifier(_ key: Certificate.PublicKey) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: key.subjectPublicKeyInfoBytes.bitString))
    }

    /// The end of a validity period: 23:59:59 Asia/Taipei on the last day, `years` after `start`
    /// (the day before the anniversary, so a 1-year certificate issued on 2026-03-10 ends on
    /// 2027-03-09 23:59:59 Taipei).
    public static func validityEnd(from start: Date, years: Int = 1) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Domain.taipei
        let startDay = calendar.startOfDay(for: start)
        let anniversary = calendar.date(byAdding: .year, value: years, to: startDay)!
        return anniversary.addingTimeInterval(-1)
    }
}

extension Certificate.PublicKey {
    /// The DER SubjectPublicKeyInfo, whole and split.
    var subjectPublicKeyInfoBytes: (der: [UInt8], bitString: [UInt8]) {
        var serializer = DER.Serializer()
        try! serializer.serialize(self)
        let der = serializer.serializedBytes
        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
        guard let node = try? DER.parse(der), case .constructed(let children) = node.content else { return (der, der) }
        var last: ASN1Node?
        for child in children { last = child }
        guard let bits = last, case .primitive(let content) = bits.content, content.count > 1 else { return (der, der) }
        return (der, Array(content.dropFirst()))  // drop the unused-bits octet
    }

    /// DER SubjectPublicKeyInfo.
    public var derSubjectPublicKeyInfo: [UInt8] { subjectPublicKeyInfoBytes.der }
}

extension Certificate {
    /// DER of the certificate.
    public var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(self)
        return serializer.serializedBytes
    }
}
