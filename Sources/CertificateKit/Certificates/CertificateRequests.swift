import Foundation
import SwiftASN1
public import X509

/// PKCS#10 certificate signing requests signed on the token.
public enum CertificateRequests {
    /// Builds and signs a CSR with `key` (asynchronously: the token signs). It requests the
    /// extensions an order-signing certificate needs — key usage digitalSignature + nonRepudiation —
    /// in an extensionRequest attribute (the RA decides what it grants).
    /// - Parameter algorithm: defaults to the key's first scheme (RSA PKCS#1 v1.5 SHA-256 for RSA).
    /// - Throws: the signer's errors (`PKCS11Error`, `PIVError`, `PCSCError`), `SigningError`.
    public static func make(subject: SubscriberSubject, key: TokenPrivateKey,
                            algorithm: SigningAlgorithm? = nil) async throws -> CertificateSigningRequest {
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
        }
        let attributes = try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))])
        let scheme = algorithm?.certificateAlgorithm ?? key.defaultSignatureAlgorithm
        return try await CertificateSigningRequest(
            version: .v1, subject: try subject.distinguishedName(),
            asyncPrivateKey: Certificate.PrivateKey(key), attributes: attributes, signatureAlgorithm: scheme)
    }

    /// DER of a CSR.
    public static func der(_ csr: CertificateSigningRequest) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        return serializer.serializedBytes
    }

    /// PEM ("CERTIFICATE REQUEST") of a CSR.
    public static func pem(_ csr: CertificateSigningRequest) throws -> String {
        try csr.serializeAsPEM().pemString
    }

    /// Parses a CSR from DER and checks its self-signature (proof that the requester holds the
    /// private key).
    /// - Throws: `CertificateKitError.malformed` when it does not parse, `.badSignature` when the
    ///   signature does not verify.
    public static func parseAndVerify(_ der: [UInt8]) throws -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: der)
        } catch {
            throw CertificateKitError(.malformed("certificate request: \(CertificateKitError.plainDescription(error))"))
        }
        // DER allows no unused bits in the key's and the signature's BIT STRINGs; swift-certificates
        // reads past them (a flipped count passed while OpenSSL refuses the request).
        guard Self.bitStringsAreOctetAligned(der) else {
            throw CertificateKitError(.malformed("certificate request: a BIT STRING with unused bits"))
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CertificateKitError(.badSignature("the certificate request's self-signature"))
        }
        return csr
    }

    /// Whether the subjectPublicKey and signature BIT STRINGs of a CSR's DER both start with a zero
    /// unused-bits octet.
    static func bitStringsAreOctetAligned(_ der: [UInt8]) -> Bool {
        func children(_ node: ASN1Node) -> [ASN1Node]? {
            guard case .constructed(let nodes) = node.content else { return nil }
            return Array(nodes)
        }
        func aligned(_ node: ASN1Node) -> Bool {
            guard node.identifier == .bitString, case .primitive(let bytes) = node.content else { return false }
            return bytes.first == 0
        }
        guard let root = try? DER.parse(der), let top = children(root), top.count == 3, let info = children(top[0]), info.count >= 3,
              let spki = children(info[2]), spki.count == 2
        else { return false }
        return aligned(spki[1]) && aligned(top[2])
    }
}
