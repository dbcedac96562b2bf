internal import CPKCS11
public import Secrets
import Crypto
import Foundation

/// One PKCS#11 session (`CK_SESSION_HANDLE`) on one token, owned by this actor: every C call of the
/// session runs on the actor, and calls that belong together (`C_FindObjectsInit`…`Final`,
/// `C_SignInit`+`C_Sign`) run inside one actor method with no suspension between them.
///
/// Login state is per token in Cryptoki, not per session: logging one session in logs in all
/// sessions of the application on that token.
public actor PKCS11Session {
    public nonisolated let module: PKCS11Module
    public nonisolated let slot: SlotID
    nonisolated let handle: UInt
    private var mechanismCache: Set<MechanismType>?
    private var closed = false

    init(module: PKCS11Module, slot: SlotID, handle: UInt) {
        self.module = module
        self.slot = slot
        self.handle = handle
    }

    deinit {
        if !closed { _ = module.raw.f.C_CloseSession(CK_SESSION_HANDLE(handle)) }
    }

    private var h: CK_SESSION_HANDLE { CK_SESSION_HANDLE(handle) }
    private var f: CK_FUNCTION_LIST { module.raw.f }

    /// `C_CloseSession`. Further calls fail with `CKR_SESSION_HANDLE_INVALID`.
    public func close() throws(PKCS11Error) {
        guard !closed else { return }
        closed = true
        try check(f.C_CloseSession(h), "C_CloseSession")
    }

    /// The token's current info (`C_GetTokenInfo`), e.g. to show PIN state.
    public func tokenInfo() throws(PKCS11Error) -> TokenInfo { try module.tokenInfo(slot) }

    // MARK: Login and PINs

    /// `C_Login` as `user` (default: the normal user). `CKR_USER_ALREADY_LOGGED_IN` counts as success.
    /// - Throws: `PKCS11Error` with `CKR_PIN_INCORRECT` / `CKR_PIN_LOCKED` and `pinState` read from the
    ///   token flags right after the failure (count low, final try, locked).
    public func login(_ user: UserType = .user, pin: Secret) throws(PKCS11Error) {
        let rv = pin.withPKCS11Bytes { f.C_Login(h, CK_USER_TYPE(user.rawValue), $0, $1) }
        let code = ReturnValue(rawValue: UInt(rv))
        if code == .ok || code == .userAlreadyLoggedIn { return }
        throw withPINState(PKCS11Error(code, function: "C_Login"), user: user)
    }

    /// `C_Login` with a protected authentication path (PIN pad on the reader): no PIN passes through the host.
    public func loginWithPINPad(_ user: UserType = .user) throws(PKCS11Error) {
        let rv = f.C_Login(h, CK_USER_TYPE(user.rawValue), nil, 0)
        let code = ReturnValue(rawValue: UInt(rv))
        if code == .ok || code == .userAlreadyLoggedIn { return }
        throw withPINState(PKCS11Error(code, function: "C_Login"), user: user)
    }

    /// `C_Logout`. `CKR_USER_NOT_LOGGED_IN` counts as success.
    public func logout() throws(PKCS11Error) {
        let rv = f.C_Logout(h)
        if rv == CKR_OK || ReturnValue(rawValue: UInt(rv)) == .userNotLoggedIn { return }
        try check(rv, "C_Logout")
    }

    /// `C_InitPIN`: sets (or resets, unblocking it) the user PIN. The session must be logged in as SO.
    public func initPIN(_ pin: Secret) throws(PKCS11Error) {
        let rv = pin.withPKCS11Bytes { f.C_InitPIN(h, $0, $1) }
        try check(rv, "C_InitPIN")
    }

    /// `C_SetPIN`: changes the PIN of whoever is logged in (user, or SO when logged in as SO;
    /// user when not logged in).
    public func setPIN(old: Secret, new: Secret, user: UserType = .user) throws(PKCS11Error) {
        let rv = old.withPKCS11Bytes { o, oCount in
            new.withPKCS11Bytes { n, nCount in f.C_SetPIN(h, o, oCount, n, nCount) }
        }
        let code = ReturnValue(rawValue: UInt(rv))
        if code != .ok { throw withPINState(PKCS11Error(code, function: "C_SetPIN"), user: user) }
    }

    private func withPINState(_ error: PKCS11Error, user: UserType) -> PKCS11Error {
        guard [.pinIncorrect, .pinLocked, .pinExpired].contains(error.returnValue),
              let info = try? module.tokenInfo(slot) else { return error }
        var e = error
        e.pinState = user == .securityOfficer ? info.soPINState : info.userPINState
        if error.returnValue == .pinLocked { e.pinState = .locked }
        return e
    }

    // MARK: Objects

    /// `C_FindObjectsInit` / `C_FindObjects` (batches of 64) / `C_FindObjectsFinal`, all in one call.
    public func findObjects(_ template: [Attribute]) throws(PKCS11Error) -> [ObjectHandle] {
        try withTemplate(template) { (t, n) throws(PKCS11Error) in
            try check(f.C_FindObjectsInit(h, t, n), "C_FindObjectsInit")
        }
        var result: [ObjectHandle] = []
        var batch = [CK_OBJECT_HANDLE](repeating: 0, count: 64)
        var failure: PKCS11Error?
        while true {
            var got: CK_ULONG = 0
            let rv = batch.withUnsafeMutableBufferPointer { f.C_FindObjects(h, $0.baseAddress, 64, &got) }
            if rv != CKR_OK {
                failure = PKCS11Error(ReturnValue(rawValue: UInt(rv)), function: "C_FindObjects")
                break
            }
            if got == 0 { break }
            result += batch.prefix(Int(got)).map { ObjectHandle(rawValue: UInt($0)) }
        }
        let finalRV = f.C_FindObjectsFinal(h)
        if let failure { throw failure }
        try check(finalRV, "C_FindObjectsFinal")
        return result
    }

    /// Two-pass `C_GetAttributeValue`; sensitive and missing attributes come back as such, not as errors.
    public func attributes(_ types: [AttributeType], of object: ObjectHandle) throws(PKCS11Error) -> AttributeSet {
        try module.raw.readAttributes(session: h, object: CK_OBJECT_HANDLE(object.rawValue), types)
    }

    /// `C_SetAttributeValue`.
    public func setAttributes(_ attributes: [Attribute], of object: ObjectHandle) throws(PKCS11Error) {
        try withTemplate(attributes) { (t, n) throws(PKCS11Error) in
            try check(f.C_SetAttributeValue(h, CK_OBJECT_HANDLE(object.rawValue), t, n), "C_SetAttributeValue")
        }
    }

    /// `C_CreateObject`.
    public func createObject(_ template: [Attribute]) throws(PKCS11Error) -> ObjectHandle {
        var object: CK_OBJECT_HANDLE = 0
        try withTemplate(template) { (t, n) throws(PKCS11Error) in
            try check(f.C_CreateObject(h, t, n, &object), "C_CreateObject")
        }
        return ObjectHandle(rawValue: UInt(object))
    }

    /// `C_DestroyObject`.
    public func destroyObject(_ object: ObjectHandle) throws(PKCS11Error) {
        try check(f.C_DestroyObject(h, CK_OBJECT_HANDLE(object.rawValue)), "C_DestroyObject")
    }

    static let summaryAttributes: [AttributeType] = [
        .class, .label, .id, .keyType, .modulusBits, .ecParams, .sensitive, .extractable, .private,
        .local, .neverExtractable, .sign, .certificateType, .alwaysAuthenticate,
    ]

    /// Reads the attributes `tokencert tokens` shows (class, label, id, key type and size, key flags);
    /// certificate values too when `includeCertificateValue`.
    public func objectInfo(_ object: ObjectHandle, includeCertificateValue: Bool = false) throws(PKCS11Error) -> ObjectInfo {
        let a = try attributes(Self.summaryAttributes, of: object)
        let objectClass = ObjectClass(rawValue: a.ulong(.class) ?? UInt.max)
        var info = ObjectInfo(handle: object.rawValue, objectClass: objectClass, label: a.string(.label), id: a.bytes(.id))
        if objectClass == .publicKey || objectClass == .privateKey || objectClass == .secretKey {
            let keyType = a.ulong(.keyType).map(KeyType.init(rawValue:))
            info.keyType = keyType
            if keyType == .rsa {
                if let bits = a.ulong(.modulusBits) {
                    info.keySizeInBits = Int(bits)
                } else if let modulus = try attributes([.modulus], of: object).bytes(.modulus) {
                    info.keySizeInBits = DER.bitLength(ofUnsigned: modulus)
                }
            } else if keyType == .ec, let params = a.bytes(.ecParams) {
                info.keySizeInBits = EllipticCurve(ecParameters: params)?.bits
            } else if keyType == .ec, objectClass == .privateKey, let pub = try publicKeyPeer(of: a) {
                info.keySizeInBits = try objectInfo(pub).keySizeInBits
            }
            info.sensitive = a.bool(.sensitive)
            info.extractable = a.bool(.extractable)
            info.isPrivate = a.bool(.private)
            info.local = a.bool(.local)
            info.neverExtractable = a.bool(.neverExtractable)
            info.canSign = a.bool(.sign)
            info.alwaysAuthenticate = a.bool(.alwaysAuthenticate)
        }
        if objectClass == .certificate && includeCertificateValue {
            info.certificateDER = try attributes([.value], of: object).bytes(.value)
        }
        return info
    }

    private func publicKeyPeer(of a: AttributeSet) throws(PKCS11Error) -> ObjectHandle? {
        guard let id = a.bytes(.id), !id.isEmpty else { return nil }
        return try findObjects([.objectClass(.publicKey), .id(id)]).first
    }

    /// Every object the session can see (private objects only after login), summarised.
    public func listObjects(includeCertificateValues: Bool = false) throws(PKCS11Error) -> [ObjectInfo] {
        try findObjects([]).map { (o: ObjectHandle) throws(PKCS11Error) -> ObjectInfo in
            try objectInfo(o, includeCertificateValue: includeCertificateValues)
        }
    }

    /// Objects matching the `object`, `id` and `type` attributes of a `pkcs11:` URI.
    public func objects(matching uri: PKCS11URI) throws(PKCS11Error) -> [ObjectInfo] {
        var template: [Attribute] = []
        if let label = uri.object { template.append(.label(label)) }
        if let id = uri.id { template.append(.id(id)) }
        if let type = uri.type { template.append(.objectClass(type)) }
        return try findObjects(template).map { (o: ObjectHandle) throws(PKCS11Error) -> ObjectInfo in try objectInfo(o) }
    }

    // MARK: Mechanisms

    /// The mechanisms of this session's token, read once (`C_GetMechanismList`) and cached.
    public func supportedMechanisms() throws(PKCS11Error) -> Set<MechanismType> {
        if let mechanismCache { return mechanismCache }
        let set = Set(try module.mechanisms(slot).map(\.type))
        mechanismCache = set
        return set
    }

    // MARK: Random

    /// `C_GenerateRandom`.
    public func random(count: Int) throws(PKCS11Error) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try check(out.withUnsafeMutableBufferPointer { f.C_GenerateRandom(h, $0.baseAddress, CK_ULONG(count)) },
                  "C_GenerateRandom")
        return out
    }

    // MARK: Raw operations used by the key and signing extensions

    /// `C_GenerateKeyPair` with the given mechanism (no parameter) and templates.
    func rawGenerateKeyPair(_ mechanism: MechanismType, publicTemplate: [Attribute],
                            privateTemplate: [Attribute]) throws(PKCS11Error) -> (ObjectHandle, ObjectHandle) {
        var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(mechanism.rawValue), pParameter: nil, ulParameterLen: 0)
        var pub: CK_OBJECT_HANDLE = 0
        var priv: CK_OBJECT_HANDLE = 0
        try withTemplate(publicTemplate) { (pt, pn) throws(PKCS11Error) in
            try withTemplate(privateTemplate) { (st, sn) throws(PKCS11Error) in
                try check(f.C_GenerateKeyPair(h, &m, pt, pn, st, sn, &pub, &priv), "C_GenerateKeyPair")
            }
        }
        return (ObjectHandle(rawValue: UInt(pub)), ObjectHandle(rawValue: UInt(priv)))
    }

    /// `C_SignInit` (+ `C_Login(CKU_CONTEXT_SPECIFIC)` when `contextPIN` is given) + `C_Sign` in one isolated step. The output buffer is `maxLength` bytes (the key's
    /// signature size), so one `C_Sign` call suffices; a module that still answers
    /// `CKR_BUFFER_TOO_SMALL` gets the size-query protocol.
    func rawSign(_ data: [UInt8], mechanism: MechanismType, parameter: [UInt8]?, key: ObjectHandle,
                 maxLength: Int, contextPIN: Secret? = nil) throws(PKCS11Error) -> [UInt8] {
        try signInit(mechanism: mechanism, parameter: parameter, key: key)
        if let contextPIN { try login(.contextSpecific, pin: contextPIN) }
        // Cryptoki's C_Sign takes a non-const input pointer but only reads it: no copy of the input.
        var length = CK_ULONG(maxLength)
        var rv: CK_RV = CKR_OK
        var out = [UInt8](unsafeUninitializedCapacity: maxLength) { buffer, count in
            rv = data.withUnsafeBufferPointer { i in
                f.C_Sign(h, UnsafeMutablePointer(mutating: i.baseAddress), CK_ULONG(i.count), buffer.baseAddress, &length)
            }
            count = rv == CKR_OK ? min(Int(length), maxLength) : 0
        }
        if ReturnValue(rawValue: UInt(rv)) == .bufferTooSmall {
            // The operation stays active after CKR_BUFFER_TOO_SMALL; retry with the size the module wants.
            let needed = Int(length)
            out = [UInt8](unsafeUninitializedCapacity: needed) { buffer, count in
                rv = data.withUnsafeBufferPointer { i in
                    f.C_Sign(h, UnsafeMutablePointer(mutating: i.baseAddress), CK_ULONG(i.count), buffer.baseAddress, &length)
                }
                count = rv == CKR_OK ? min(Int(length), needed) : 0
            }
        }
        try check(rv, "C_Sign")
        return out
    }

    /// `C_SignInit` with an optional mechanism parameter.
    private func signInit(mechanism: MechanismType, parameter: [UInt8]?, key: ObjectHandle) throws(PKCS11Error) {
        let rv: CK_RV
        if let parameter {
            var copy = parameter
            rv = copy.withUnsafeMutableBytes { p in
                var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(mechanism.rawValue), pParameter: p.baseAddress,
                                     ulParameterLen: CK_ULONG(p.count))
                return f.C_SignInit(h, &m, CK_OBJECT_HANDLE(key.rawValue))
            }
        } else {
            var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(mechanism.rawValue), pParameter: nil, ulParameterLen: 0)
            rv = f.C_SignInit(h, &m, CK_OBJECT_HANDLE(key.rawValue))
        }
        try check(rv, "C_SignInit")
    }

    /// `C_VerifyInit` + `C_Verify` on the token. Returns false for `CKR_SIGNATURE_INVALID` /
    /// `CKR_SIGNATURE_LEN_RANGE`, throws for other failures.
    func rawVerify(_ data: [UInt8], signature: [UInt8], mechanism: MechanismType, parameter: [UInt8]?,
                   key: ObjectHandle) throws(PKCS11Error) -> Bool {
        var paramCopy = parameter ?? []
        let initRV = paramCopy.withUnsafeMutableBytes { p in
            var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(mechanism.rawValue),
                                 pParameter: parameter == nil ? nil : p.baseAddress,
                                 ulParameterLen: CK_ULONG(parameter?.count ?? 0))
            return f.C_VerifyInit(h, &m, CK_OBJECT_HANDLE(key.rawValue))
        }
        try check(initRV, "C_VerifyInit")
        var input = data, sig = signature
        let rv = input.withUnsafeMutableBufferPointer { i in
            sig.withUnsafeMutableBufferPointer { s in
                f.C_Verify(h, i.baseAddress, CK_ULONG(i.count), s.baseAddress, CK_ULONG(s.count))
            }
        }
        switch ReturnValue(rawValue: UInt(rv)) {
        case .ok: return true
        case .signatureInvalid, .signatureLenRange: return false
        case let other: throw PKCS11Error(other, function: "C_Verify")
        }
    }
}
