import Crypto
import _CryptoExtras
import Localization

/// What kind of public key a SubjectPublicKeyInfo holds, for policy checks and display.
public struct KeyDescription: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case rsa(bits: Int)
        case p256
        case p384
    }

    public var kind: Kind

    /// Parses DER SubjectPublicKeyInfo (RSA, P-256, P-384).
    /// - Throws: `SigningError(.unsupportedKey)` for anything else.
    public init(subjectPublicKeyInfo spki: [UInt8]) throws {
        if let key = try? P256.Signing.PublicKey(derRepresentation: spki) {
            _ = key
            kind = .p256
        } else if let key = try? P384.Signing.PublicKey(derRepresentation: spki) {
            _ = key
            kind = .p384
        } else if let key = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: spki) {
            kind = .rsa(bits: key.keySizeInBits)
        } else {
            throw SigningError(.unsupportedKey("not an RSA, P-256 or P-384 SubjectPublicKeyInfo"))
        }
    }

    /// "RSA 2048", "ECDSA P-256", "ECDSA P-384".
    public var description: String {
        switch kind {
        case .rsa(let bits): "RSA \(bits)"
        case .p256: "ECDSA P-256"
        case .p384: "ECDSA P-384"
        }
    }

    /// Whether TokenCert's key policy allows the key: RSA of `minimumRSABits` to `maximumRSABits`, P-256, P-384.
    public func isAllowed(minimumRSABits: Int = 2048, maximumRSABits: Int = 8192) -> Bool {
        if case .rsa(let bits) = kind { return (minimumRSABits...maximumRSABits).contains(bits) }
        return true
    }
}
