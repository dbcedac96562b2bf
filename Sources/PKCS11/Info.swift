/// A slot identifier as the module reports it. Slot numbers are not stable across runs (SoftHSM
/// makes them random), so TokenCert never asks a person for one: tokens are chosen by `pkcs11:` URI.
public struct SlotID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// A Cryptoki version (`CK_VERSION`).
public struct Version: Hashable, Sendable, Codable, CustomStringConvertible {
    public var major: UInt8
    public var minor: UInt8
    public init(major: UInt8, minor: UInt8) { self.major = major; self.minor = minor }
    public var description: String { "\(major).\(minor)" }
}

/// What `C_GetInfo` says about a module.
public struct ModuleInfo: Hashable, Sendable, Codable {
    public var cryptokiVersion: Version
    public var manufacturer: String
    public var libraryDescription: String
    public var libraryVersion: Version
    public init(cryptokiVersion: Version, manufacturer: String, libraryDescription: String, libraryVersion: Version) {
        self.cryptokiVersion = cryptokiVersion
        self.manufacturer = manufacturer
        self.libraryDescription = libraryDescription
        self.libraryVersion = libraryVersion
    }
}

/// `CK_SLOT_INFO` flags.
public struct SlotFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let tokenPresent = SlotFlags(rawValue: 1 << 0)
    public static let removableDevice = SlotFlags(rawValue: 1 << 1)
    public static let hardwareSlot = SlotFlags(rawValue: 1 << 2)
}

/// What `C_GetSlotInfo` says about a slot.
public struct SlotInfo: Hashable, Sendable, Codable {
    public var id: SlotID
    public var slotDescription: String
    public var manufacturer: String
    public var flags: SlotFlags
    public init(id: SlotID, slotDescription: String, manufacturer: String, flags: SlotFlags) {
        self.id = id
        self.slotDescription = slotDescription
        self.manufacturer = manufacturer
        self.flags = flags
    }
}

/// `CK_TOKEN_INFO` flags, including the PIN state a person cares about.
public struct TokenFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let rng = TokenFlags(rawValue: 0x1)
    public static let writeProtected = TokenFlags(rawValue: 0x2)
    public static let loginRequired = TokenFlags(rawValue: 0x4)
    public static let userPINInitialized = TokenFlags(rawValue: 0x8)
    public static let restoreKeyNotNeeded = TokenFlags(rawValue: 0x20)
    public static let clockOnToken = TokenFlags(rawValue: 0x40)
    public static let protectedAuthenticationPath = TokenFlags(rawValue: 0x100)
    public static let dualCryptoOperations = TokenFlags(rawValue: 0x200)
    public static let tokenInitialized = TokenFlags(rawValue: 0x400)
    public static let secondaryAuthentication = TokenFlags(rawValue: 0x800)
    public static let userPINCountLow = TokenFlags(rawValue: 0x10000)
    public static let userPINFinalTry = TokenFlags(rawValue: 0x20000)
    public static let userPINLocked = TokenFlags(rawValue: 0x40000)
    public static let userPINToBeChanged = TokenFlags(rawValue: 0x80000)
    public static let soPINCountLow = TokenFlags(rawValue: 0x100000)
    public static let soPINFinalTry = TokenFlags(rawValue: 0x200000)
    public static let soPINLocked = TokenFlags(rawValue: 0x400000)
    public static let soPINToBeChanged = TokenFlags(rawValue: 0x800000)
    public static let errorState = TokenFlags(rawValue: 0x1000000)
}

/// The PIN state of one PIN on a token, read from the token flags.
public enum PINState: String, Hashable, Sendable, Codable {
    case ok
    /// A wrong PIN was entered since the last right one.
    case countLow = "count-low"
    /// One more wrong PIN locks it.
    case finalTry = "final-try"
    case locked
    /// The PIN must be changed before use.
    case mustChange = "must-change"
    /// The user PIN was never set (`CKF_USER_PIN_INITIALIZED` clear).
    case notInitialized = "not-initialized"
}

/// What `C_GetTokenInfo` says about a token. Strings are trimmed of the blank padding Cryptoki uses.
public struct TokenInfo: Hashable, Sendable, Codable {
    public var label: String
    public var manufacturer: String
    public var model: String
    public var serialNumber: String
    public var flags: TokenFlags
    public var minPINLength: UInt
    public var maxPINLength: UInt
    public var sessionCount: UInt?
    public var maxSessionCount: UInt?
    public var hardwareVersion: Version
    public var firmwareVersion: Version

    public init(label: String, manufacturer: String, model: String, serialNumber: String, flags: TokenFlags,
                minPINLength: UInt = 4, maxPINLength: UInt = 255, sessionCount: UInt? = nil,
                maxSessionCount: UInt? = nil, hardwareVersion: Version = .init(major: 0, minor: 0),
                firmwareVersion: Version = .init(major: 0, minor: 0)) {
        self.label = label
        self.manufacturer = manufacturer
        self.model = model
        self.serialNumber = serialNumber
        self.flags = flags
        self.minPINLength = minPINLength
        self.maxPINLength = maxPINLength
        self.sessionCount = sessionCount
        self.maxSessionCount = maxSessionCount
        self.hardwareVersion = hardwareVersion
        self.firmwareVersion = firmwareVersion
    }

    public var isInitialized: Bool { flags.contains(.tokenInitialized) }

    /// The user PIN's state, worst first.
    public var userPINState: PINState {
        if flags.contains(.userPINLocked) { return .locked }
        if !flags.contains(.userPINInitialized) { return .notInitialized }
        if flags.contains(.userPINFinalTry) { return .finalTry }
        if flags.contains(.userPINToBeChanged) { return .mustChange }
        if flags.contains(.userPINCountLow) { return .countLow }
        return .ok
    }

    /// The security officer PIN's state, worst first.
    public var soPINState: PINState {
        if flags.contains(.soPINLocked) { return .locked }
        if flags.contains(.soPINFinalTry) { return .finalTry }
        if flags.contains(.soPINToBeChanged) { return .mustChange }
        if flags.contains(.soPINCountLow) { return .countLow }
        return .ok
    }
}

/// `CK_MECHANISM_INFO` flags.
public struct MechanismFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let hardware = MechanismFlags(rawValue: 0x1)
    public static let encrypt = MechanismFlags(rawValue: 0x100)
    public static let decrypt = MechanismFlags(rawValue: 0x200)
    public static let digest = MechanismFlags(rawValue: 0x400)
    public static let sign = MechanismFlags(rawValue: 0x800)
    public static let signRecover = MechanismFlags(rawValue: 0x1000)
    public static let verify = MechanismFlags(rawValue: 0x2000)
    public static let verifyRecover = MechanismFlags(rawValue: 0x4000)
    public static let generate = MechanismFlags(rawValue: 0x8000)
    public static let generateKeyPair = MechanismFlags(rawValue: 0x10000)
    public static let wrap = MechanismFlags(rawValue: 0x20000)
    public static let unwrap = MechanismFlags(rawValue: 0x40000)
    public static let derive = MechanismFlags(rawValue: 0x80000)
}

/// What `C_GetMechanismInfo` says: key sizes (bits for RSA and EC on most modules) and capabilities.
public struct MechanismInfo: Hashable, Sendable, Codable {
    public var type: MechanismType
    public var minKeySize: UInt
    public var maxKeySize: UInt
    public var flags: MechanismFlags
    public init(type: MechanismType, minKeySize: UInt, maxKeySize: UInt, flags: MechanismFlags) {
        self.type = type
        self.minKeySize = minKeySize
        self.maxKeySize = maxKeySize
        self.flags = flags
    }
}

/// A summary of one object on a token, as `tokencert tokens` and URI matching see it.
public struct ObjectInfo: Hashable, Sendable, Codable {
    public var handle: UInt
    public var objectClass: ObjectClass
    public var label: String?
    public var id: [UInt8]?
    public var keyType: KeyType?
    /// RSA modulus bits or EC field size in bits, when the object is a key.
    public var keySizeInBits: Int?
    /// For keys: `CKA_SENSITIVE`, `CKA_EXTRACTABLE`, `CKA_PRIVATE`, `CKA_LOCAL`, `CKA_NEVER_EXTRACTABLE`.
    public var sensitive: Bool?
    public var extractable: Bool?
    public var isPrivate: Bool?
    public var local: Bool?
    public var neverExtractable: Bool?
    public var canSign: Bool?
    /// For private keys: `CKA_ALWAYS_AUTHENTICATE` (a `CKU_CONTEXT_SPECIFIC` login before each signature).
    public var alwaysAuthenticate: Bool?
    /// For certificates: the DER value.
    public var certificateDER: [UInt8]?

    public init(handle: UInt, objectClass: ObjectClass, label: String? = nil, id: [UInt8]? = nil,
                keyType: KeyType? = nil, keySizeInBits: Int? = nil, sensitive: Bool? = nil,
                extractable: Bool? = nil, isPrivate: Bool? = nil, local: Bool? = nil,
                neverExtractable: Bool? = nil, canSign: Bool? = nil, certificateDER: [UInt8]? = nil) {
        self.handle = handle
        self.objectClass = objectClass
        self.label = label
        self.id = id
        self.keyType = keyType
        self.keySizeInBits = keySizeInBits
        self.sensitive = sensitive
        self.extractable = extractable
        self.isPrivate = isPrivate
        self.local = local
        self.neverExtractable = neverExtractable
        self.canSign = canSign
        self.certificateDER = certificateDER
    }
}
