internal import CPKCS11
public import Secrets
import Foundation
import Synchronization

/// A PKCS#11 module (a shared library such as `libsofthsm2.so` or `opensc-pkcs11.so`), loaded once
/// per process: loading the same library again returns the same instance, because initialising and
/// finalising one library from two places at once crashes some modules and can corrupt token files.
///
/// Do not load `p11-kit-proxy.so` and a module it proxies (e.g. SoftHSM) directly in the same
/// process: both would share the module's global state.
public final class PKCS11Module: Sendable, CustomStringConvertible {
    /// The path as given; `canonicalPath` is the key of the one-instance registry.
    public let path: String
    public let canonicalPath: String
    /// `C_GetInfo`.
    public let info: ModuleInfo
    let raw: RawModule

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    private init(path: String, canonicalPath: String) throws(PKCS11Error) {
        self.path = path
        self.canonicalPath = canonicalPath
        raw = try RawModule(path: canonicalPath)
        var ckInfo = CK_INFO()
        try check(raw.f.C_GetInfo(&ckInfo), "C_GetInfo")
        info = ModuleInfo(cryptokiVersion: Version(ckInfo.cryptokiVersion),
                          manufacturer: paddedString(ckInfo.manufacturerID),
                          libraryDescription: paddedString(ckInfo.libraryDescription),
                          libraryVersion: Version(ckInfo.libraryVersion))
    }

    /// Loads (`dlopen`, `C_GetFunctionList`, `C_Initialize` with `CKF_OS_LOCKING_OK`) the module at
    /// `path`, or returns the instance this process already has for the same file.
    /// A bare file name (`opensc-pkcs11.so`) is looked up in p11-kit's module directory.
    /// - Throws: `PKCS11Error` with `CKR_LIBRARY_LOAD_FAILED` when the file is missing or not a module,
    ///   or the code `C_Initialize` returned.
    public static func load(path: String) throws(PKCS11Error) -> PKCS11Module {
        let resolved = P11KitRegistry.resolveModulePath(path)
        guard FileManager.default.fileExists(atPath: resolved) else {
            throw PKCS11Error(.libraryLoadFailed, function: "dlopen", detail: "\(resolved): no such file")
        }
        let canonical = URL(fileURLWithPath: resolved).resolvingSymlinksInPath().path
        return try loaded.withLock { (modules: inout [String: PKCS11Module]) throws(PKCS11Error) -> PKCS11Module in
            if let existing = modules[canonical] { return existing }
            let module = try PKCS11Module(path: path, canonicalPath: canonical)
            modules[canonical] = module
            return module
        }
    }

    /// Loads a module registered with p11-kit by its registry name (`softhsm2`, `opensc-pkcs11`).
    /// - Throws: `PKCS11Error(.libraryLoadFailed, function: "p11-kit registry")` for an unknown name.
    public static func load(registered name: String) throws(PKCS11Error) -> PKCS11Module {
        guard let entry = P11KitRegistry.modules().first(where: { $0.name == name }) else {
            let known = P11KitRegistry.modules().map(\.name).joined(separator: ", ")
            throw PKCS11Error(.libraryLoadFailed, function: "p11-kit registry",
                              detail: "no module named \(name) (registered: \(known))")
        }
        return try load(path: entry.modulePath)
    }

    /// `C_Finalize` and forget this instance. Only for process shutdown or tests that own the module:
    /// every session of it becomes invalid.
    public func finalize() {
        Self.loaded.withLock { modules in
            if modules[canonicalPath] === self { modules[canonicalPath] = nil }
        }
        raw.finalize()
    }

    public var description: String { "\(info.libraryDescription) \(info.libraryVersion) (\(path))" }

    // MARK: Slots and tokens

    /// `C_GetSlotList` then `C_GetSlotInfo` for each slot.
    public func slots(tokenPresent: Bool = false) throws(PKCS11Error) -> [SlotInfo] {
        try slotIDs(tokenPresent: tokenPresent).map { id throws(PKCS11Error) in try slotInfo(id) }
    }

    /// `C_GetSlotList` (two calls: count, then list; retried if the list grew in between).
    public func slotIDs(tokenPresent: Bool = false) throws(PKCS11Error) -> [SlotID] {
        let present = CK_BBOOL(tokenPresent ? 1 : 0)
        while true {
            var count: CK_ULONG = 0
            try check(raw.f.C_GetSlotList(present, nil, &count), "C_GetSlotList")
            var ids = [CK_SLOT_ID](repeating: 0, count: Int(count))
            let rv = ids.withUnsafeMutableBufferPointer { raw.f.C_GetSlotList(present, $0.baseAddress, &count) }
            if ReturnValue(rawValue: UInt(rv)) == .bufferTooSmall { continue }
            try check(rv, "C_GetSlotList")
            return ids.prefix(Int(count)).map { SlotID(rawValue: UInt($0)) }
        }
    }

    /// `C_GetSlotInfo`.
    public func slotInfo(_ slot: SlotID) throws(PKCS11Error) -> SlotInfo {
        var s = CK_SLOT_INFO()
        try check(raw.f.C_GetSlotInfo(CK_SLOT_ID(slot.rawValue), &s), "C_GetSlotInfo")
        return SlotInfo(id: slot, slotDescription: paddedString(s.slotDescription),
                        manufacturer: paddedString(s.manufacturerID), flags: SlotFlags(rawValue: UInt(s.flags)))
    }

    /// `C_GetTokenInfo`. Throws `CKR_TOKEN_NOT_PRESENT` for an empty slot.
    public func tokenInfo(_ slot: SlotID) throws(PKCS11Error) -> TokenInfo {
        var t = CK_TOKEN_INFO()
        try check(raw.f.C_GetTokenInfo(CK_SLOT_ID(slot.rawValue), &t), "C_GetTokenInfo")
        func count(_ v: CK_ULONG) -> UInt? {
            v == CK_ULONG.max || v == CK_ULONG.max - 1 ? nil : UInt(v)  // CK_UNAVAILABLE_INFORMATION / CK_EFFECTIVELY_INFINITE
        }
        return TokenInfo(label: paddedString(t.label), manufacturer: paddedString(t.manufacturerID),
                         model: paddedString(t.model), serialNumber: paddedString(t.serialNumber),
                         flags: TokenFlags(rawValue: UInt(t.flags)), minPINLength: UInt(t.ulMinPinLen),
                         maxPINLength: UInt(t.ulMaxPinLen), sessionCount: count(t.ulSessionCount),
                         maxSessionCount: count(t.ulMaxSessionCount),
                         hardwareVersion: Version(t.hardwareVersion), firmwareVersion: Version(t.firmwareVersion))
    }

    /// A token in a slot, as found by `tokens()`.
    public struct Token: Sendable, Hashable {
        public var slot: SlotInfo
        public var info: TokenInfo
        /// The RFC 7512 URI naming this token (token, manufacturer, serial, model).
        public var uri: PKCS11URI { .forToken(info) }
    }

    /// Every slot with a token present, with its token info. Slots whose token vanished between
    /// the two calls are left out.
    public func tokens() throws(PKCS11Error) -> [Token] {
        var result: [Token] = []
        for id in try slotIDs(tokenPresent: true) {
            do {
                result.append(Token(slot: try slotInfo(id), info: try tokenInfo(id)))
            } catch where error.returnValue == .tokenNotPresent || error.returnValue == .deviceRemoved
                || error.returnValue == .slotIdInvalid {
                continue
            }
        }
        return result
    }

    /// The one token matching `uri` (token, manufacturer, serial, model, slot-* attributes).
    /// - Throws: `CKR_TOKEN_NOT_PRESENT` (function `find token`) when none matches, and
    ///   `CKR_ARGUMENTS_BAD` when several do (the URI must name one token).
    public func token(matching uri: PKCS11URI) throws(PKCS11Error) -> Token {
        let matches = try tokens().filter { uri.matches(token: $0.info) && uri.matches(slot: $0.slot) }
        guard let first = matches.first else {
            throw PKCS11Error(.tokenNotPresent, function: "find token", detail: "no token matches \(uri)")
        }
        guard matches.count == 1 else {
            throw PKCS11Error(.argumentsBad, function: "find token",
                              detail: "\(matches.count) tokens match \(uri); add serial= to choose one")
        }
        return first
    }

    /// `C_GetMechanismList` + `C_GetMechanismInfo` for each mechanism.
    public func mechanisms(_ slot: SlotID) throws(PKCS11Error) -> [MechanismInfo] {
        let s = CK_SLOT_ID(slot.rawValue)
        var count: CK_ULONG = 0
        try check(raw.f.C_GetMechanismList(s, nil, &count), "C_GetMechanismList")
        var types = [CK_MECHANISM_TYPE](repeating: 0, count: Int(count))
        try check(types.withUnsafeMutableBufferPointer { raw.f.C_GetMechanismList(s, $0.baseAddress, &count) },
                  "C_GetMechanismList")
        var result: [MechanismInfo] = []
        for t in types.prefix(Int(count)) {
            var info = CK_MECHANISM_INFO()
            try check(raw.f.C_GetMechanismInfo(s, t, &info), "C_GetMechanismInfo")
            result.append(MechanismInfo(type: MechanismType(rawValue: UInt(t)), minKeySize: UInt(info.ulMinKeySize),
                                        maxKeySize: UInt(info.ulMaxKeySize), flags: MechanismFlags(rawValue: UInt(info.flags))))
        }
        return result
    }

    /// `C_InitToken`: erases the token in `slot` and sets its SO PIN and label (at most 32 bytes of UTF-8).
    /// Branch counters use this to personalise a blank token. Modules that cannot do it return
    /// `CKR_FUNCTION_NOT_SUPPORTED`.
    public func initToken(_ slot: SlotID, soPIN: Secret, label: String) throws(PKCS11Error) {
        var padded = Array(label.utf8.prefix(32))
        guard padded.count == label.utf8.count else {
            throw PKCS11Error(.argumentsBad, function: "C_InitToken", detail: "label longer than 32 bytes")
        }
        padded += [UInt8](repeating: 0x20, count: 32 - padded.count)
        let rv = soPIN.withPKCS11Bytes { pin, count in
            padded.withUnsafeMutableBufferPointer { l in raw.f.C_InitToken(CK_SLOT_ID(slot.rawValue), pin, count, l.baseAddress) }
        }
        try check(rv, "C_InitToken")
    }

    /// `C_OpenSession` (R/W unless `readWrite` is false) on the token in `slot`.
    public func openSession(_ slot: SlotID, readWrite: Bool = true) throws(PKCS11Error) -> PKCS11Session {
        var flags = CK_FLAGS(CKF_SERIAL_SESSION)
        if readWrite { flags |= CK_FLAGS(CKF_RW_SESSION) }
        var handle: CK_SESSION_HANDLE = 0
        try check(raw.f.C_OpenSession(CK_SLOT_ID(slot.rawValue), flags, nil, nil, &handle), "C_OpenSession")
        return PKCS11Session(module: self, slot: slot, handle: UInt(handle))
    }

    /// Opens a session on the token matching `uri`.
    public func openSession(matching uri: PKCS11URI, readWrite: Bool = true) throws(PKCS11Error) -> PKCS11Session {
        try openSession(token(matching: uri).slot.id, readWrite: readWrite)
    }

    /// `C_CloseAllSessions` for one slot (logs every session on it out).
    public func closeAllSessions(_ slot: SlotID) throws(PKCS11Error) {
        try check(raw.f.C_CloseAllSessions(CK_SLOT_ID(slot.rawValue)), "C_CloseAllSessions")
    }
}
