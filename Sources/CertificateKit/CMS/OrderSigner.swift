public import Foundation
import SwiftASN1
public import X509

/// CMS SignedData (RFC 5652) for orders, signed with a token key. Written by hand (the key signs
/// asynchronously on its device) and checked against OpenSSL's `cms -verify` in the tests:
///
///     ContentInfo { signedData, [0] SignedData {
///         version 1, digestAlgorithms { sha-256 }, encapContentInfo { id-data, [0] content (attached only) },
///         certificates [0] { signer, chain… },
///         signerInfos { SignerInfo { version 1, issuerAndSerialNumber, digestAlgorithm,
///             signedAttrs [0] { contentType id-data, messageDigest, signingTime },
///             signatureAlgorithm, signature } } } }
public enum OrderSigner {
    /// Signs `message`.
    /// - Parameters:
    ///   - detached: leave the message out of the SignedData (the verifier gets it separately).
    ///   - chain: intermediate certificates to include after the signer's.
    ///   - signingTime: the signingTime attribute (now by default).
    /// - Returns: DER ContentInfo.
    /// - Throws: the key's errors (`PKCS11Error`, `PIVError`, `PCSCError`), `SigningError`,
    ///   `CertificateKitError(.malformed)` for a certificate that does not parse.
    public static func sign(_ message: [UInt8], key: TokenPrivateKey, certificate: Certificate, chain: [Certificate] = [],
                            detached: Bool = true, signingTime: Date = Date(), algorithm: SigningAlgorithm? = nil) async throws -> [UInt8] {
        let scheme = algorithm ?? key.signer.supportedAlgorithms.first ?? .rsaPKCS1SHA256
        let certificateDER = certificate.derBytes
        let (issuer, serial) = try issuerAndSerial(of: certificateDER)

        let dataOID = DERBytes.tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01])
        func attribute(_ last: UInt8, _ value: [UInt8]) -> [UInt8] {
            DERBytes.sequence(DERBytes.tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, last]), DERBytes.setOf([value]))
        }
        let attributes = [
            attribute(0x03, dataOID),                                          // contentType
            attribute(0x04, DERBytes.octetString(scheme.digest(message))),     // messageDigest
            attribute(0x05, DERBytes.time(signingTime)),                       // signingTime
        ]
        let signedAttributes = DERBytes.setOf(attributes)
        // The signature covers the attributes' DER as a SET (tag 31); inside SignerInfo they carry [0].
        let signature = try await key.signer.sign(signedAttributes, algorithm: scheme)
        let signerInfo = DERBytes.sequence(
            DERBytes.integer(1),
            DERBytes.sequence(issuer, serial),
            scheme.digestAlgorithmIdentifier,
            [0xA0] + Array(signedAttributes.dropFirst()),
            scheme.cmsSignatureAlgorithmIdentifier,
            DERBytes.octetString(signature))
        var encapsulated = dataOID
        if !detached { encapsulated += DERBytes.tlv(0xA0, DERBytes.octetString(message)) }
        let certificates = ([certificateDER] + chain.map(\.derBytes)).flatMap { $0 }
        let signedData = DERBytes.sequence(
            DERBytes.integer(1),
            DERBytes.setOf([scheme.digestAlgorithmIdentifier]),
            DERBytes.tlv(0x30, encapsulated),
            DERBytes.tlv(0xA0, certificates),
            DERBytes.setOf([signerInfo]))
        return DERBytes.sequence(
            DERBytes.tlv(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]),
            DERBytes.tlv(0xA0, signedData))
    }

    /// PEM ("CMS", as `openssl cms -outform PEM` writes) of a DER ContentInfo.
    public static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "CMS", derBytes: der).pemString + "\n"
    }

    /// The issuer Name and serialNumber INTEGER of a certificate, as encoded in it.
    static func issuerAndSerial(of certificate: [UInt8]) throws -> (issuer: [UInt8], serial: [UInt8]) {
        do {
            let root = try DER.parse(certificate)
            guard case .constructed(let top) = root.content, let tbs = top.first(where: { _ in true }),
                  case .constructed(let fields) = tbs.content else { throw CertificateKitError(.malformed("certificate")) }
            var nodes = Array(fields)
            if nodes.first?.identifier.tagClass == .contextSpecific { nodes.removeFirst() }  // [0] version
            guard nodes.count >= 3 else { throw CertificateKitError(.malformed("certificate")) }
            return (Array(nodes[2].encodedBytes), Array(nodes[0].encodedBytes))
        } catch let error as CertificateKitError {
            throw error
        } catch {
            throw CertificateKitError(.malformed("certificate: \(CertificateKitError.plainDescription(error))"))
        }
    }
}

extension SigningAlgorithm {
    /// The SignerInfo signatureAlgorithm: rsaEncryption for RSA (RFC 3370, what OpenSSL writes),
    /// ecdsa-with-SHA… for ECDSA (RFC 5753).
    var cmsSignatureAlgorithmIdentifier: [UInt8] {
        isRSA ? [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00] : signatureAlgorithmIdentifier
    }
}
