public import CertificateKit
public import PKCS11
public import Secrets

/// The RA's CA key on a PKCS#11 token (an HSM in production), found by an RFC 7512 URI with `object=`
/// (and optionally `id=`) through the module at `modulePath`, logged in as user with `pin`. Built by
/// `tokencert-ra` (the composition root) and handed to the RA as a `NamedTokenKey`, so the RA links no
/// hardware layer. One session is opened per call and kept by the signer it returns.
public struct PKCS11CAKey: NamedTokenKey {
    public let uri: PKCS11URI
    public let modulePath: String
    let pin: Secret

    public init(uri: PKCS11URI, modulePath: String, pin: Secret) {
        self.uri = uri
        self.modulePath = modulePath
        self.pin = pin
    }

    public var description: String { uri.description }

    /// `C_OpenSession` on the URI's token, `C_Login` as user, then `C_GenerateKeyPair` with the token's
    /// profile (`TokenProfile`) and the URI's label and id.
    /// - Throws: `PKCS11KeyStoreError` `.uriNeedsObject`, `.keyExists` (a private key with the label or
    ///   id is there already); `PKCS11Error` from the calls.
    public func generate(_ kind: KeyDescription.Kind) async throws -> any TokenSigner {
        guard let label = uri.object else { throw PKCS11KeyStoreError(.uriNeedsObject, detail: uri.description) }
        let (module, session) = try await open()
        if (try? await session.privateKey(id: uri.id, label: label)) != nil { throw PKCS11KeyStoreError(.keyExists, detail: label) }
        let info = try await session.tokenInfo()
        let profile = TokenProfile.detect(module: module.info, token: info)
        let pair = try await session.generateKeyPair(PKCS11KeyStore.spec(kind), label: label, id: uri.id, templates: profile.keyTemplates)
        return try PKCS11Signer(session: session, key: pair.privateKey, subjectPublicKeyInfo: pair.subjectPublicKeyInfo,
                                tokenLabel: info.label, uri: uri.description)
    }

    /// `C_OpenSession`, `C_Login`, then the private key by the URI's `object=`/`id=`, signing as the
    /// certificate's public key says.
    /// - Throws: `PKCS11KeyStoreError(.uriNeedsObject)`; `PKCS11Error` (`CKR_KEY_HANDLE_INVALID` when no such key).
    public func existing(subjectPublicKeyInfo: [UInt8]) async throws -> any TokenSigner {
        guard uri.object != nil || uri.id != nil else { throw PKCS11KeyStoreError(.uriNeedsObject, detail: uri.description) }
        let (_, session) = try await open()
        let privateKey = try await session.privateKey(id: uri.id, label: uri.object)
        return try PKCS11Signer(session: session, key: privateKey, subjectPublicKeyInfo: subjectPublicKeyInfo,
                                tokenLabel: try await session.tokenInfo().label, uri: uri.description)
    }

    /// The key kind of a `KeySpec` (`rsa2048`, `p256`… as the command line names them).
    public static func kind(_ spec: KeySpec) -> KeyDescription.Kind {
        switch spec {
        case .rsa(let bits): .rsa(bits: bits)
        case .ec(.p256): .p256
        case .ec(.p384): .p384
        }
    }

    private func open() async throws -> (PKCS11Module, PKCS11Session) {
        let module = try PKCS11Module.load(path: modulePath)
        let session = try module.openSession(matching: uri)
        try await session.login(pin: pin)
        return (module, session)
    }
}
