import Crypto
import _CryptoExtras
import Foundation
import Localization

/// Signatures a client makes with a certificate's key to prove it holds it: over the UTF-8 of a
/// fixed text naming what is asked, ECDSA (DER) with SHA-256 or SHA-384, or RSA PKCS#1 v1.5 with
/// SHA-256 — what every token signs with.
public enum ProofOfPossession {
    /// What a renewal request signs with the current certificate's key.
    public static func renewalMessage(serial: String, requestID: String, csrSHA256: String) -> [UInt8] {
        Array("TokenCert renew\nserial=\(serial)\nrequest=\(requestID)\ncsr-sha256=\(csrSHA256)\n".utf8)
    }

    /// What a confirmation signs with the new certificate's key.
    public static func confirmationMessage(serial: String) -> [UInt8] {
        Array("TokenCert confirm\nserial=\(serial)\n".utf8)
    }

    /// Lower-case hex of SHA-256 over `bytes` (the `csr-sha256` of a renewal message is over the CSR's DER).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hexString(SHA256.hash(data: bytes))
    }

    /// Signs `message` with `signer` in the first scheme ``verify(_:over:spki:)`` accepts for its key:
    /// RSA PKCS#1 v1.5 SHA-256, ECDSA SHA-256 (P-256) or SHA-384 (P-384). Whatever `signer.sign` throws.
    public static func sign(_ message: [UInt8], with signer: any TokenSigner) async throws -> [UInt8] {
        let accepted: [SigningAlgorithm] = [.rsaPKCS1SHA256, .ecdsaSHA256, .ecdsaSHA384]
        let scheme = signer.supportedAlgorithms.first(where: accepted.contains) ?? signer.supportedAlgorithms.first ?? .rsaPKCS1SHA256
        return try await signer.sign(message, algorithm: scheme)
    }

    /// Whether `signature` over `message` verifies with the SubjectPublicKeyInfo `spki`.
    public static func verify(_ signature: [UInt8], over message: [UInt8], spki: [UInt8]) -> Bool {
        if let key = try? P256.Signing.PublicKey(derRepresentation: spki), let s = try? P256.Signing.ECDSASignature(derRepresentation: signature) {
            return key.isValidSignature(s, for: SHA256.hash(data: message)) || key.isValidSignature(s, for: SHA384.hash(data: message))
        }
        if let key = try? P384.Signing.PublicKey(derRepresentation: spki), let s = try? P384.Signing.ECDSASignature(derRepresentation: signature) {
            return key.isValidSignature(s, for: SHA384.hash(data: message)) || key.isValidSignature(s, for: SHA256.hash(data: message))
        }
        if let key = try? _RSA.Signing.PublicKey(derRepresentation: spki) {
            let s = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return key.isValidSignature(s, for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
        }
        return false
    }
}
