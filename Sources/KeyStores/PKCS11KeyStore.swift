public import CertificateKit
import Foundation
public import Lifecycle
import Secrets
import PIV
public import PKCS11
import Localization

/// Keys on a PKCS#11 token — any module, loaded by path or by its p11-kit registry name — with the
/// token chosen by an RFC 7512 `pkcs11:` URI (`token=`, `serial=`, `manufacturer=`, `model=`), never
/// by slot number: slot numbers change between runs and plug-ins.
///
/// Layout on the token, per key: a private key (`CKO_PRIVATE_KEY`: token, private, sensitive,
/// non-extractable, sign only), its public key (`CKO_PUBLIC_KEY`) and, once issued, its certificate
/// (`CKO_CERTIFICATE`, `CKC_X_509`), all three with the same `CKA_LABEL` and a fresh `CKA_ID`. IDs
/// TokenCert makes are 20 bytes: `54 43` ("TC"), the creation time in milliseconds since 1970 (6
/// bytes, big-endian) and 12 random bytes from `C_GenerateRandom` — unique per key, and ordered, so
/// "the newest key" has a meaning on a token that keeps no dates. Keys other tools put on the token
/// are listed too (their age is unknown).
///
/// One R/W session (`C_OpenSession`) is opened when first needed and kept: the signers handed out
/// use it. The user PIN is asked from `pin` only when the session is not logged in yet, and only
/// after `C_GetTokenInfo` says the PIN is not locked. A token with a PIN pad
/// (`CKF_PROTECTED_AUTHENTICATION_PATH`) logs in through the pad and the provider is not asked.
///
/// Errors: the token states become `KeyStoreUnavailable` — no token matching the URI, or
/// `CKR_TOKEN_NOT_PRESENT` / `CKR_DEVICE_REMOVED` / `CKR_SLOT_ID_INVALID` (and an invalid session
/// whose token is gone) → `.tokenMissing`; `CKR_PIN_INCORRECT`, `CKR_PIN_INVALID`,
/// `CKR_PIN_LEN_RANGE`, `CKR_USER_NOT_LOGGED_IN` or no PIN from the provider → `.pinNeeded(triesLeft:)`
/// (1 when the token sets `CKF_USER_PIN_FINAL_TRY`, nil otherwise: tokens give no number);
/// `CKR_PIN_LOCKED` or `CKF_USER_PIN_LOCKED` → `.pinLocked`. Other Cryptoki failures are thrown as
/// the `PKCS11Error` (with the `CKR_` code and the C function), mistakes of the caller as
/// `PKCS11KeyStoreError`. No PIN ever reaches an error, a log line or a process argument.
public actor PKCS11KeyStore: KeyStore {
    public nonisolated let module: PKCS11Module
    /// The URI the token is chosen by.
    public nonisolated let tokenURI: PKCS11URI
    public nonisolated let location: KeyLocation
    private let pin: SecretProvider
    private let soPIN: SecretProvider
    private var session: PKCS11Session?
    private var token: PKCS11Module.Token?
    private var loggedIn = false
    /// The user PIN that logged in, kept for this store's life: where the profile makes the store switch
    /// between the user and the administrator (ykcs11) and for keys with `CKA_ALWAYS_AUTHENTICATE`
    /// (`C_Login(CKU_CONTEXT_SPECIFIC)` with each signature), the person is asked once. `close()` drops it.
    private var userPIN: Secret?
    /// The administrator PIN that worked, kept likewise.
    private var adminPIN: Secret?

    /// A store on the token matching `token` in `module`. Nothing is opened until the first call.
    public init(module: PKCS11Module, token: PKCS11URI, pin: SecretProvider, soPIN: SecretProvider = .unavailable) {
        self.module = module
        var uri = token
        uri.pinValue = nil
        tokenURI = uri
        self.pin = pin
        self.soPIN = soPIN
        location = .pkcs11(uri: uri.description, tokenLabel: token.token ?? uri.description)
    }

    /// A store on the token matching `token`, loading its module: `module` as a path
    /// (`/usr/lib/softhsm/libsofthsm2.so`) or a p11-kit registry name (`softhsm2`, `opensc-pkcs11`);
    /// when nil, the URI's `module-path=` or `module-name=`.
    /// - Throws: `PKCS11Error(.libraryLoadFailed)` when the module does not load (`dlopen`,
    ///   `C_GetFunctionList`, `C_Initialize`); `PKCS11KeyStoreError(.noModule)` when none is named.
    public init(module: String? = nil, token: PKCS11URI, pin: SecretProvider, soPIN: SecretProvider = .unavailable) throws {
        self.init(module: try Self.loadModule(module, uri: token), token: token, pin: pin, soPIN: soPIN)
    }

    /// Loads a module by path (anything with a `/` or ending in `.so`) or by p11-kit registry name.
    public static func loadModule(_ name: String?, uri: PKCS11URI = PKCS11URI()) throws -> PKCS11Module {
        if let name {
            return name.contains("/") || name.hasSuffix(".so") ? try PKCS11Module.load(path: name)
                : try PKCS11Module.load(registered: name)
        }
        if let path = uri.modulePath { return try PKCS11Module.load(path: path) }
        if let name = uri.moduleName { return try PKCS11Module.load(registered: name) }
        throw PKCS11KeyStoreError(.noModule)
    }

    // MARK: KeyStore

    /// `C_GenerateKeyPair` on the token (`CKM_RSA_PKCS_KEY_PAIR_GEN` with exponent 65537, or
    /// `CKM_EC_KEY_PAIR_GEN` on P-256/P-384) as the token's profile says (`TokenProfile`): the
    /// templates to try, the `CKA_ID` (a fresh TokenCert ID, or the first free PIV slot on ykcs11) and
    /// who logs in (`C_Login` as user, or as SO with the management key on ykcs11). Before anything
    /// is touched, the profile and `C_GetMechanismList`/`C_GetMechanismInfo` must show the token can
    /// make this key; the new key's protection is read back (see `PKCS11Session.generateKeyPair`).
    /// - Returns: a `PKCS11Signer` on the store's session.
    /// - Throws: `KeyStoreUnavailable`; `PKCS11Error` — `C_GenerateKeyPair` with
    ///   `CKR_FUNCTION_NOT_SUPPORTED` (the module cannot generate on this token) or
    ///   `CKR_MECHANISM_INVALID`/`CKR_KEY_SIZE_RANGE` (not this kind of key) from the check before,
    ///   `CKR_DEVICE_MEMORY` when it is full, `PKCS11Error.unprotectedKey`; `PKCS11KeyStoreError`
    ///   `.noFreeSlot`, `.administratorPINNeeded`.
    public func generateKey(_ kind: KeyDescription.Kind, label: String) async throws -> any TokenSigner {
        let spec = Self.spec(kind)
        return try await unavailableMapped {
            let p = try currentProfile()
            try refuseUngeneratable(spec, profile: p)
            let id = try await newKeyID(profile: p)
            let pair = try await asWriter(p) { s in
                try await s.generateKeyPair(spec, label: label, id: id, templates: p.keyTemplates)
            }
            let s = try await loggedInSession()
            return try signer(s, key: pair.privateKey, spki: pair.subjectPublicKeyInfo)
        }
    }

    /// What the token can do, from its profile and `C_GetMechanismList`/`C_GetMechanismInfo` —
    /// read without a login, for `tokencert tokens` and `doctor`.
    public func capabilities() async throws -> TokenCapabilities {
        try await unavailableMapped {
            let t = try currentToken()
            return try TokenCapabilities(module: module, token: t)
        }
    }

    /// See `KeyStore.checkCanGenerate(_:)`: the profile and the token's mechanism list, no login.
    public func checkCanGenerate(_ kind: KeyDescription.Kind) async throws {
        try await unavailableMapped { try refuseUngeneratable(Self.spec(kind), profile: try currentProfile()) }
    }

    static func spec(_ kind: KeyDescription.Kind) -> KeySpec {
        switch kind {
        case .rsa(let bits): .rsa(bits: bits)
        case .p256: .p256
        case .p384: .p384
        }
    }

    /// Refuses, before any change, a key the profile or the mechanism list says the token cannot make.
    private func refuseUngeneratable(_ spec: KeySpec, profile p: TokenProfile) throws {
        let t = try currentToken()
        let capabilities = try TokenCapabilities(module: module, token: t, profile: p)
        guard p.generatesKeys else {
            throw PKCS11Error(.functionNotSupported, function: "C_GenerateKeyPair", detail: p.limitation)
        }
        guard !capabilities.writeProtected else {
            throw PKCS11Error(.tokenWriteProtected, function: "C_GenerateKeyPair", detail: "\(t.info.label): CKF_WRITE_PROTECTED")
        }
        guard capabilities.canGenerate(spec) else {
            throw PKCS11Error(spec.keyType == .rsa && capabilities.mechanisms.contains(.rsaPKCSKeyPairGen) || spec.keyType == .ec && capabilities.mechanisms.contains(.ecKeyPairGen)
                                ? .keySizeRange : .mechanismInvalid,
                              function: "C_GenerateKeyPair",
                              detail: "\(t.info.label) cannot generate \(spec); it can generate: \(capabilities.generates.map(\.description).joined(separator: ", "))")
        }
    }

    /// See `KeyStore.currentKey()`; lists as `allKeys()` does.
    public func currentKey() async throws -> StoredKey? {
        CurrentKey.pick(try await candidates())
    }

    /// Every private key on the token (`C_FindObjects` for `CKO_PRIVATE_KEY` after `C_Login`), with
    /// the public key found by `CKA_ID` (`C_GetAttributeValue` of modulus/exponent or EC point) and
    /// the certificate with that `CKA_ID` whose public key is the key's.
    /// - Throws: `KeyStoreUnavailable`; `PKCS11Error`.
    public func allKeys() async throws -> [StoredKey] {
        try await candidates().map(\.key)
    }

    /// `storeCertificate(_:chainDER:for:)` without a chain.
    public func storeCertificate(_ certificateDER: [UInt8], for signer: any TokenSigner) async throws {
        try await storeCertificate(certificateDER, chainDER: [], for: signer)
    }

    /// Stores the certificate as a public `CKO_CERTIFICATE` token object (`C_CreateObject`) with the
    /// key's `CKA_ID` and `CKA_LABEL`, after destroying (`C_DestroyObject`) any certificate that was
    /// next to the key before. The chain is not put on the token (CA certificates come from the RA).
    /// - Throws: `PKCS11KeyStoreError` `.certificateKeyMismatch` (checked before anything is
    ///   changed), `.keyNotOnToken`; `KeyStoreUnavailable`; `PKCS11Error`.
    public func storeCertificate(_ certificateDER: [UInt8], chainDER: [[UInt8]], for signer: any TokenSigner) async throws {
        guard KeyMaterial.certificate(certificateDER, belongsTo: signer.subjectPublicKeyInfo) else {
            throw PKCS11KeyStoreError(.certificateKeyMismatch)
        }
        try await unavailableMapped {
            let p = try currentProfile()
            guard p.writesObjects else {
                throw PKCS11Error(.functionNotSupported, function: "C_CreateObject", detail: p.limitation)
            }
            let s = try await loggedInSession()
            let key = try await find(signer, in: s)
            try await asWriter(p) { s in
                for old in try await s.certificates(id: key.id) { try await s.destroyObject(old.handle) }
                try await s.storeCertificate(certificateDER, label: key.label ?? "", id: key.id)
            }
        }
    }

    /// Destroys (`C_DestroyObject`) every object with the key's `CKA_ID`: private key, public key
    /// and certificate — nothing is left behind.
    /// - Throws: `PKCS11KeyStoreError(.keyNotOnToken)`; `KeyStoreUnavailable`; `PKCS11Error`.
    public func delete(_ signer: any TokenSigner) async throws {
        try await unavailableMapped {
            let p = try currentProfile()
            let s = try await loggedInSession()
            let key = try await find(signer, in: s)
            try await asWriter(p) { s in
                guard !key.id.isEmpty else {
                    // A key without CKA_ID: only its own objects, matched by handle.
                    try await s.destroyObject(key.handle)
                    return
                }
                guard p.destroysKeys else {
                    // A PIV slot keeps its key until overwritten: without its certificate the slot
                    // counts as free and the next key goes there.
                    for c in try await s.certificates(id: key.id) { try await s.destroyObject(c.handle) }
                    return
                }
                try await s.destroyObjects(id: key.id)
            }
        }
    }

    /// Restores a key: `C_CreateObject` of the private key (token, private, sensitive,
    /// non-extractable, sign only) and of its public key, then of the certificate — all with a fresh
    /// `CKA_ID` and `label`. When any step fails, what was created is destroyed again. The chain is
    /// not put on the token.
    /// - Throws: `PKCS11KeyStoreError` `.unreadablePrivateKey`, `.certificateKeyMismatch`;
    ///   `KeyStoreUnavailable`; `PKCS11Error` (`CKR_TEMPLATE_INCONSISTENT` and the like from tokens
    ///   that refuse imported keys).
    public func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey {
        let components: PrivateKeyComponents
        do { components = try PrivateKeyComponents(der: privateKey.bytes) } catch {
            throw PKCS11KeyStoreError(.unreadablePrivateKey)
        }
        guard KeyMaterial.certificate(certificateDER, belongsTo: components.subjectPublicKeyInfo) else {
            throw PKCS11KeyStoreError(.certificateKeyMismatch)
        }
        return try await unavailableMapped {
            let s = try await loggedInSession()
            let id = try await newID(s)
            let pair = try await s.importKeyPair(components, label: label, id: id)
            do {
                try await s.storeCertificate(certificateDER, label: label, id: id)
            } catch {
                _ = try? await s.destroyObjects(id: id)
                throw error
            }
            return StoredKey(signer: try signer(s, key: pair.privateKey, spki: pair.subjectPublicKeyInfo),
                             certificateDER: certificateDER)
        }
    }

    /// The user PIN's state from `C_GetTokenInfo` flags, without a login.
    public func pinStatus() async throws -> KeyStorePINStatus? {
        try await unavailableMapped {
            let info = try module.tokenInfo(try currentToken().slot.id)
            return Self.pinStatus(info)
        }
    }

    /// `CKF_USER_PIN_LOCKED` → locked; `CKF_USER_PIN_FINAL_TRY` → 1 try left; `CKF_USER_PIN_COUNT_LOW`
    /// → count low (no number: Cryptoki has none).
    public static func pinStatus(_ info: TokenInfo) -> KeyStorePINStatus {
        KeyStorePINStatus(triesLeft: info.flags.contains(.userPINFinalTry) ? 1 : nil,
                          countLow: info.flags.contains(.userPINCountLow) || info.flags.contains(.userPINFinalTry),
                          locked: info.flags.contains(.userPINLocked))
    }

    /// The certificates on the token (public objects: no login, no PIN), e.g. for a status screen.
    public func certificates() async throws -> [[UInt8]] {
        try await unavailableMapped { try await openSession().certificates().map(\.der) }
    }

    /// The newest certificate on the token (public objects: no login, no PIN).
    public func currentCertificate() async throws -> [UInt8]? {
        Self.newestCertificate(try await certificates())
    }

    /// `C_Logout` and `C_CloseSession`; the next call opens a new session (and asks for the PIN again).
    public func close() async {
        if let session {
            try? await session.logout()
            try? await session.close()
        }
        session = nil
        loggedIn = false
        userPIN = nil
        adminPIN = nil
    }

    // MARK: Sessions and login

    /// The profile of the current token (`TokenProfile.detect` from `C_GetInfo` and `C_GetTokenInfo`).
    private func currentProfile() throws -> TokenProfile {
        TokenProfile.detect(module: module.info, token: try currentToken().info)
    }

    /// Runs `body` on the session logged in as the profile's writer. For the user that is the usual
    /// login; for the SO (ykcs11): `C_Logout` of the user, `C_Login(CKU_SO)` with the administrator
    /// PIN — on a Yubico token the factory management key first, then `soPIN` — then `C_Logout` again
    /// whatever `body` did and, when it succeeded, `C_Login` of the user again with the PIN given
    /// before (the person is asked once), so the signers on this session keep working.
    private func asWriter<R: Sendable>(_ p: TokenProfile, _ body: (PKCS11Session) async throws -> R) async throws -> R {
        guard p.writer == .securityOfficer else { return try await body(try await loggedInSession()) }
        let s = try openSession()
        try await s.logout()
        loggedIn = false
        try await loginAdministrator(s, profile: p)
        let result: R
        do {
            result = try await body(s)
        } catch {
            try? await s.logout()
            _ = try? await loggedInSession()  // the signers handed out keep working for the clean-up
            throw error
        }
        try await s.logout()
        // The signers handed out share this session: log the user back in now, not at their next use.
        _ = try await loggedInSession()
        return result
    }

    /// `C_Login(CKU_SO)`: the administrator PIN that worked before, the factory management key on a
    /// ykcs11 token, then the one from `soPIN`.
    /// - Throws: `PKCS11KeyStoreError(.administratorPINNeeded)` when none is given or accepted.
    private func loginAdministrator(_ s: PKCS11Session, profile p: TokenProfile) async throws {
        var candidates: [Secret] = adminPIN.map { [$0] } ?? []
        if p.id == TokenProfile.ykcs11.id { candidates.append(Secret(hexString(PIV.defaultManagementKey))) }
        for candidate in candidates where try await Self.soLogin(s, candidate) {
            adminPIN = candidate
            return
        }
        guard let given = try await soPIN.secret(for: SecretRequest(kind: .soPIN, location: location)) else {
            throw PKCS11KeyStoreError(.administratorPINNeeded, detail: p.name)
        }
        guard try await Self.soLogin(s, given) else {
            throw PKCS11KeyStoreError(.administratorPINNeeded, detail: "\(p.name): the administrator PIN was refused")
        }
        adminPIN = given
    }

    /// `C_Login(CKU_SO)`; false when the token refuses the PIN itself (incorrect, invalid, wrong length).
    private static func soLogin(_ s: PKCS11Session, _ secret: Secret) async throws -> Bool {
        let failure: (any Error)? = await {
            do { try await s.login(.securityOfficer, pin: secret); return nil } catch { return error }
        }()
        guard let failure else { return true }
        if let e = failure as? PKCS11Error, [.pinIncorrect, .pinInvalid, .pinLenRange].contains(e.returnValue) { return false }
        throw failure
    }

    /// The `CKA_ID` of a new key: a TokenCert ID on most tokens; on PIV-slot tokens the first slot
    /// of the profile's order with neither a private key nor a certificate.
    private func newKeyID(profile p: TokenProfile) async throws -> [UInt8] {
        let s = try await loggedInSession()
        switch p.keyIDs {
        case .free:
            return try await newID(s)
        case .pivSlots(let order):
            var used = Set<[UInt8]>()
            for objectClass in [ObjectClass.privateKey, .certificate] {
                for o in try await s.findObjects([.objectClass(objectClass)]) {
                    if let id = try await s.attributes([.id], of: o).bytes(.id) { used.insert(id) }
                }
            }
            guard let free = order.first(where: { !used.contains([$0]) }) else {
                throw PKCS11KeyStoreError(.noFreeSlot, detail: p.name)
            }
            return [free]
        }
    }

    private func currentToken() throws -> PKCS11Module.Token {
        let t = try module.token(matching: tokenURI)
        token = t
        return t
    }

    private func openSession() throws -> PKCS11Session {
        if let session { return session }
        let t = try currentToken()
        let s = try module.openSession(t.slot.id)
        session = s
        loggedIn = false
        return s
    }

    /// The session, logged in as user: `C_GetTokenInfo` (locked? PIN pad?), then the PIN from the
    /// provider and `C_Login` — skipped when this store already logged in.
    private func loggedInSession() async throws -> PKCS11Session {
        let s = try openSession()
        if loggedIn { return s }
        let info = try module.tokenInfo(s.slot)
        if info.flags.contains(.userPINLocked) { throw KeyStoreUnavailable.pinLocked }
        if info.flags.contains(.protectedAuthenticationPath) {
            try await s.loginWithPINPad()
        } else {
            let status = Self.pinStatus(info)
            let secret: Secret
            if let userPIN { secret = userPIN } else {
                secret = try await pin.require(SecretRequest(kind: .pin, location: location, triesLeft: status.triesLeft))
            }
            do {
                try await s.login(pin: secret)
            } catch {
                userPIN = nil
                throw error
            }
            // Kept for the store's life: ykcs11 switches between the administrator and the user, and a
            // key with CKA_ALWAYS_AUTHENTICATE needs the PIN again with every signature.
            userPIN = secret
        }
        loggedIn = true
        return s
    }

    /// Runs `body`, turning token states into `KeyStoreUnavailable` (see the type's comment) and
    /// dropping the session when the token went away.
    private func unavailableMapped<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as PKCS11Error {
            throw mapped(error)
        }
    }

    private func mapped(_ error: PKCS11Error) -> Error {
        switch error.returnValue {
        case .tokenNotPresent, .deviceRemoved, .slotIdInvalid, .tokenNotRecognized:
            session = nil
            loggedIn = false
            return KeyStoreUnavailable.tokenMissing
        case .sessionHandleInvalid, .sessionClosed:
            session = nil
            loggedIn = false
            return (try? module.token(matching: tokenURI)) == nil ? KeyStoreUnavailable.tokenMissing : DeviceFailure.translated(error)
        case .pinLocked:
            loggedIn = false
            return KeyStoreUnavailable.pinLocked
        case .pinIncorrect, .pinInvalid, .pinLenRange:
            loggedIn = false
            switch error.pinState {
            case .locked?: return KeyStoreUnavailable.pinLocked
            case .finalTry?: return KeyStoreUnavailable.pinNeeded(triesLeft: 1)
            default: return KeyStoreUnavailable.pinNeeded(triesLeft: nil)
            }
        case .userNotLoggedIn:
            loggedIn = false
            return KeyStoreUnavailable.pinNeeded(triesLeft: nil)
        default:
            return DeviceFailure.translated(error)
        }
    }

    // MARK: Keys

    /// `54 43` ‖ milliseconds since 1970 (6 bytes) ‖ 12 bytes of `C_GenerateRandom`.
    private func newID(_ s: PKCS11Session) async throws -> [UInt8] {
        let ms = UInt64(Date().timeIntervalSince1970 * 1000)
        let time = (0..<6).reversed().map { UInt8(truncatingIfNeeded: ms >> (8 * UInt64($0))) }
        return [0x54, 0x43] + time + (try await s.random(count: 12))
    }

    /// The creation time in a TokenCert `CKA_ID`, nil for other IDs.
    static func created(fromID id: [UInt8]) -> Double? {
        guard id.count == 20, id[0] == 0x54, id[1] == 0x43 else { return nil }
        let ms = id[2..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(ms) / 1000
    }

    private func signer(_ s: PKCS11Session, key: PrivateKey, spki: [UInt8]) throws -> PKCS11Signer {
        var uri = tokenURI
        uri.modulePath = nil
        uri.moduleName = nil
        if let info = token?.info {
            uri = PKCS11URI.forToken(info)
        }
        uri.object = key.label
        uri.id = key.id.isEmpty ? nil : key.id
        uri.type = .privateKey
        return try PKCS11Signer(session: s, key: key, subjectPublicKeyInfo: spki,
                                tokenLabel: token?.info.label ?? tokenURI.token ?? "", uri: uri.description,
                                contextPIN: key.alwaysAuthenticate ? userPIN : nil)
    }

    private struct Entry {
        var key: PrivateKey
        var spki: [UInt8]
        var certificate: [UInt8]?
    }

    /// Every private key with its public key and certificate.
    private func entries(_ s: PKCS11Session) async throws -> [Entry] {
        var result: [Entry] = []
        for handle in try await s.findObjects([.objectClass(.privateKey)]) {
            let key = try await s.privateKey(handle: handle)
            let certificates = key.id.isEmpty ? [] : try await s.certificates(id: key.id).map(\.der)
            var spki: [UInt8]?
            if let pub = try await s.publicKey(for: key) {
                spki = try? await s.subjectPublicKeyInfo(of: pub)
            }
            if spki == nil, key.keyType == .rsa { spki = try? await s.subjectPublicKeyInfo(of: handle) }
            if spki == nil { spki = certificates.lazy.compactMap(KeyMaterial.certificateSPKI).first }
            guard let spki else { continue }  // a key whose public half is nowhere: cannot sign for us
            let certificate = certificates.first { KeyMaterial.certificate($0, belongsTo: spki) }
            result.append(Entry(key: key, spki: spki, certificate: certificate))
        }
        return result
    }

    private func candidates() async throws -> [CurrentKey.Candidate] {
        try await unavailableMapped {
            let s = try await loggedInSession()
            var result: [CurrentKey.Candidate] = []
            for entry in try await entries(s) {
                guard let signer = try? signer(s, key: entry.key, spki: entry.spki) else { continue }  // unsupported key kind
                result.append(CurrentKey.Candidate(key: StoredKey(signer: signer, certificateDER: entry.certificate),
                                                   created: Self.created(fromID: entry.key.id)))
            }
            return result
        }
    }

    /// The private key of `signer` on this token: by `CKA_ID` when it is a `PKCS11Signer`, and in any
    /// case only if its public key is the signer's.
    private func find(_ signer: any TokenSigner, in s: PKCS11Session) async throws -> PrivateKey {
        if let p = signer as? PKCS11Signer, !p.key.id.isEmpty,
           let key = try? await s.privateKey(id: p.key.id),
           let pub = try await s.publicKey(for: key),
           let spki = try? await s.subjectPublicKeyInfo(of: pub), KeyMaterial.sameKey(spki, signer.subjectPublicKeyInfo) {
            return key
        }
        guard let entry = try await entries(s).first(where: { KeyMaterial.sameKey($0.spki, signer.subjectPublicKeyInfo) }) else {
            throw PKCS11KeyStoreError(.keyNotOnToken, detail: tokenURI.description)
        }
        return entry.key
    }
}
