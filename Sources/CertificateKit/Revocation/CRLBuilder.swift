public import Foundation
import SwiftASN1
public import X509

/// One revoked certificate on a CRL.
public struct RevokedEntry: Sendable, Hashable, Codable {
    /// The certificate's serial number: the content octets of its DER INTEGER.
    public var serialNumber: [UInt8]
    public var revocationDate: Date
    public var reason: RevocationReason

    public init(serialNumber: [UInt8], revocationDate: Date, reason: RevocationReason) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reason = reason
    }
}

/// Builds and signs an X.509 v2 CRL (RFC 5280 §5) with the CA key, which may live on a token:
///
///     CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
///     TBSCertList ::= SEQUENCE { version v2, signature, issuer, thisUpdate, nextUpdate,
///         revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate,
///             crlEntryExtensions { reasonCode } } OPTIONAL,
///         crlExtensions [0] EXPLICIT { authorityKeyIdentifier, cRLNumber } }
public enum CRLBuilder {
    /// - Parameters:
    ///   - number: the monotonically increasing cRLNumber.
    /// - Returns: the CRL in DER.
    /// - Throws: the CA signer's errors.
    public static func make(issuer: CertificateIssuer, entries: [RevokedEntry], number: Int, thisUpdate: Date, nextUpdate: Date,
                            algorithm: SigningAlgorithm? = nil) async throws -> [UInt8] {
        let scheme = algorithm ?? issuer.caKey.signer.supportedAlgorithms.first ?? .rsaPKCS1SHA256
        var nameSerializer = DER.Serializer()
        try nameSerializer.serialize(issuer.caCertificate.subject)
        let issuerName = nameSerializer.serializedBytes

        var revoked: [UInt8] = []
        for entry in entries.sorted(by: { $0.revocationDate < $1.revocationDate }) {
            let reason = DERBytes.sequence(
                DERBytes.tlv(0x06, [0x55, 0x1D, 0x15]),  // 2.5.29.21 reasonCode
                DERBytes.octetString(DERBytes.tlv(0x0A, [UInt8(entry.reason.rawValue)])))
            revoked += DERBytes.sequence(
                DERBytes.tlv(0x02, Self.integerContent(entry.serialNumber)),
                DERBytes.time(entry.revocationDate),
                DERBytes.sequence(reason))
        }
        let keyID = (try? issuer.caCertificate.extensions.subjectKeyIdentifier).flatMap { $0.map { Array($0.keyIdentifier) } }
            ?? CertificateIssuer.keyIdentifier(issuer.caCertificate.publicKey)
        let authorityKeyIdentifier = DERBytes.sequence(
            DERBytes.tlv(0x06, [0x55, 0x1D, 0x23]),  // 2.5.29.35
            DERBytes.octetString(DERBytes.sequence(DERBytes.tlv(0x80, keyID))))
        let crlNumber = DERBytes.sequence(
            DERBytes.tlv(0x06, [0x55, 0x1D, 0x14]),  // 2.5.29.20
            DERBytes.octetString(DERBytes.integer(number)))

        var tbs = DERBytes.integer(1) + scheme.signatureAlgorithmIdentifier + issuerName
            + DERBytes.time(thisUpdate) + DERBytes.time(nextUpdate)
        if !revoked.isEmpty { tbs += DERBytes.tlv(0x30, revoked) }
        tbs += DERBytes.tlv(0xA0, DERBytes.sequence(authorityKeyIdentifier, crlNumber))
        let tbsCertList = DERBytes.tlv(0x30, tbs)

        let signature = try await issuer.caKey.signer.sign(tbsCertList, algorithm: scheme)
        return DERBytes.sequence(tbsCertList, scheme.signatureAlgorithmIdentifier, DERBytes.tlv(0x03, [0x00] + signature))
    }

    /// PEM ("X509 CRL") of a DER CRL.
    public static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "X509 CRL", derBytes: der).pemString + "\n"
    }

    /// Positive INTEGER content: leading zeros trimmed, one zero added when the top bit is set.
    static func integerContent(_ bytes: [UInt8]) -> [UInt8] {
        var b = Array(bytes.drop { $0 == 0 })
        if b.isEmpty { b = [0] }
        if b[0] & 0x80 != 0 { b.insert(0, at: 0) }
        return b
    }
}

extension Certificate {
    /// The serial number's DER INTEGER content octets (what a CRL entry names).
    public var serialNumberBytes: [UInt8] { Array(serialNumber.bytes) }
}
