import Crypto
import _CryptoExtras
import Foundation

/// A key held in memory by swift-crypto: software certificates (where there is no hardware) and the
/// RA's development CA key file. Signs with RSA PKCS#1 v1.5 or ECDSA (DER).
public struct SoftwareSigner: SynchronousTokenSigner {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
    }

    let key: Key
    public let subjectPublicKeyInfo: [UInt8]
    public let location: KeyLocation
    public let supportedAlgorithms: [SigningAlgorithm]

    /// Reads a private key from PEM (PKCS#8, PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY").
    /// - Throws: `SigningError(.unsupportedKey)` when it is none of RSA ≥ 2048 bits, P-256, P-384.
    public init(pem: String, path: String? = nil) throws {
        if let k = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            key = .p256(k)
            subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        } else if let k = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            key = .p384(k)
            subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        } else if let k = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            key = .rsa(k)
            subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        } else {
            throw SigningError(.unsupportedKey("the PEM holds no RSA (2048 bits or more), P-256 or P-384 private key"))
        }
        location = .software(path: path)
        supportedAlgorithms = try SigningAlgorithm.defaults(forSPKI: subjectPublicKeyInfo)
    }

    /// A new software key: RSA of `rsaBits`, or P-256/P-384.
    public static func generate(_ kind: KeyDescription.Kind) throws -> SoftwareSigner {
        switch kind {
        case .rsa(let bits): try SoftwareSigner(key: .rsa(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))))
        case .p256: try SoftwareSigner(key: .p256(P256.Signing.PrivateKey()))
        case .p384: try SoftwareSigner(key: .p384(P384.Signing.PrivateKey()))
        }
    }

    init(key: Key, path: String? = nil) throws {
        self.key = key
        switch key {
        case .rsa(let k): subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        case .p256(let k): subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        case .p384(let k): subjectPublicKeyInfo = Array(k.publicKey.derRepresentation)
        }
        location = .software(path: path)
        supportedAlgorithms = try SigningAlgorithm.defaults(forSPKI: subjectPublicKeyInfo)
    }

    /// The private key as unencrypted PKCS#8 PEM — for writing it encrypted (a `.pfx`) and nothing else.
    public var pkcs8PEM: String {
        switch key {
        case .rsa(let k): k.pkcs8PEMRepresentation
        case .p256(let k): k.pemRepresentation
        case .p384(let k): k.pemRepresentation
        }
    }

    /// The private key as unencrypted PKCS#8 DER (see `pkcs8PEM`).
    public var pkcs8DER: [UInt8] {
        switch key {
        case .rsa(let k): Array(k.pkcs8DERRepresentation)
        case .p256(let k): Array(k.derRepresentation)
        case .p384(let k): Array(k.derRepresentation)
        }
    }

    public func sign(_ message: [UInt8], algorithm: SigningAlgorithm) async throws -> [UInt8] {
        try signSynchronously(message, algorithm: algorithm)
    }

    public func signSynchronously(_ message: [UInt8], algorithm: SigningAlgorithm) throws -> [UInt8] {
        guard supportedAlgorithms.contains(algorithm) else { throw SigningError(.unsupportedAlgorithm(algorithm.rawValue)) }
        switch key {
        case .rsa(let k):
            let digest = algorithm.digestName == "SHA-384"
                ? try k.signature(for: SHA384.hash(data: message), padding: .insecurePKCS1v1_5)
                : try k.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
            return Array(digest.rawRepresentation)
        case .p256(let k):
            let s = algorithm.digestName == "SHA-384" ? try k.signature(for: SHA384.hash(data: message))
                : try k.signature(for: SHA256.hash(data: message))
            return Array(s.derRepresentation)
        case .p384(let k):
            let s = algorithm.digestName == "SHA-384" ? try k.signature(for: SHA384.hash(data: message))
                : try k.signature(for: SHA256.hash(data: message))
            return Array(s.derRepresentation)
        }
    }
}
