public import CertificateKit
public import PKCS11
public import Secrets

/// A key on a PKCS#11 token, signing through TokenCert's `PKCS11Session` (an actor): `C_SignInit` +
/// `C_Sign` with `CKM_SHA256_RSA_PKCS` (or `CKM_RSA_PKCS` over a DigestInfo when the token has only
/// that), `CKM_ECDSA_SHA256`/`CKM_ECDSA` over a host hash with the raw r‖s turned into DER.
/// The session must be logged in as user before signing.
public struct PKCS11Signer: TokenSigner {
    public let session: PKCS11Session
    public let key: PrivateKey
    public let subjectPublicKeyInfo: [UInt8]
    public let location: KeyLocation
    public let supportedAlgorithms: [SigningAlgorithm]
    /// The user PIN for keys with `CKA_ALWAYS_AUTHENTICATE` (given again with each signature as
    /// `C_Login(CKU_CONTEXT_SPECIFIC)`); nil for ordinary keys.
    let contextPIN: Secret?

    /// - Parameters:
    ///   - subjectPublicKeyInfo: the key pair's public half (from `generateKeyPair`, the public key
    ///     object, or the certificate).
    ///   - uri: the RFC 7512 URI of the key, shown as where the key lives.
    /// - Throws: `SigningError(.unsupportedKey)` when the public key is not RSA/P-256/P-384.
    ///   - contextPIN: the user PIN, needed only for a key with `CKA_ALWAYS_AUTHENTICATE`.
    public init(session: PKCS11Session, key: PrivateKey, subjectPublicKeyInfo: [UInt8], tokenLabel: String, uri: String,
                contextPIN: Secret? = nil) throws {
        self.session = session
        self.contextPIN = contextPIN
        self.key = key
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
        location = .pkcs11(uri: uri, tokenLabel: tokenLabel)
        supportedAlgorithms = try SigningAlgorithm.defaults(forSPKI: subjectPublicKeyInfo)
    }

    /// - Throws: `DeviceFailure` over the `PKCS11Error` of `C_SignInit`/`C_Sign` (e.g.
    ///   `CKR_USER_NOT_LOGGED_IN`, `CKR_DEVICE_REMOVED`), `SigningError` for a scheme the key cannot do.
    public func sign(_ message: [UInt8], algorithm: SigningAlgorithm) async throws -> [UInt8] {
        let scheme: SignatureAlgorithm
        switch (algorithm, key.keyType) {
        case (.rsaPKCS1SHA256, .rsa): scheme = .rsaPKCS1v15(.sha256)
        case (.rsaPKCS1SHA384, .rsa): scheme = .rsaPKCS1v15(.sha384)
        case (.ecdsaSHA256, .ec): scheme = .ecdsa(.sha256)
        case (.ecdsaSHA384, .ec): scheme = .ecdsa(.sha384)
        default: throw SigningError(.unsupportedAlgorithm(algorithm.rawValue))
        }
        let (session, key, contextPIN) = (session, key, contextPIN)
        return try await translatingDeviceErrors { try await session.sign(message, with: key, algorithm: scheme, contextPIN: contextPIN) }
    }
}
