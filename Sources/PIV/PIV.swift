import Secrets
public import SmartCard

/// Names of NIST SP 800-73-4: slots, algorithms, data objects, defaults.
public enum PIV {
    /// The PIV application identifier (the 9-byte prefix selects the current version).
    public static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00]

    /// A key slot (key reference).
    public struct Slot: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// PIV Authentication.
        public static let authentication = Slot(rawValue: 0x9A)
        /// Digital Signature: the PIN is needed for every signature.
        public static let signature = Slot(rawValue: 0x9C)
        public static let keyManagement = Slot(rawValue: 0x9D)
        /// Card Authentication: no PIN.
        public static let cardAuthentication = Slot(rawValue: 0x9E)
        public static let all: [Slot] = [.authentication, .signature, .keyManagement, .cardAuthentication]
        public var description: String { String(format: "%02X", rawValue) }

        /// The data object holding this slot's certificate.
        public var certificateObject: ObjectTag? {
            switch self {
            case .authentication: .certificateAuthentication
            case .signature: .certificateSignature
            case .keyManagement: .certificateKeyManagement
            case .cardAuthentication: .certificateCardAuthentication
            default:
                (0x82...0x95).contains(rawValue) ? ObjectTag(rawValue: 0x5FC10D + UInt32(rawValue - 0x82)) : nil
            }
        }
    }

    /// Asymmetric algorithms a slot can hold.
    public enum KeyAlgorithm: UInt8, Sendable, Hashable, Codable, CaseIterable {
        case rsa2048 = 0x07
        case eccP256 = 0x11
        case eccP384 = 0x14
        public var isRSA: Bool { self == .rsa2048 }
        /// Bytes of a raw signature input: the modulus size for RSA, the field size for ECC.
        public var size: Int { self == .rsa2048 ? 256 : self == .eccP256 ? 32 : 48 }
    }

    /// Management key algorithms.
    public enum ManagementKeyAlgorithm: UInt8, Sendable, Hashable, Codable, CaseIterable {
        case tripleDES = 0x03
        case aes128 = 0x08
        case aes192 = 0x0A
        case aes256 = 0x0C
        public var keyLength: Int { [.tripleDES: 24, .aes128: 16, .aes192: 24, .aes256: 32][self]! }
        public var blockSize: Int { self == .tripleDES ? 8 : 16 }
        public var displayName: String { [.tripleDES: "3DES", .aes128: "AES-128", .aes192: "AES-192", .aes256: "AES-256"][self]! }
    }

    /// Data object identifiers (the BER-TLV tags of SP 800-73-4 Table 3).
    public struct ObjectTag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let cardCapabilityContainer = ObjectTag(rawValue: 0x5FC107)
        public static let chuid = ObjectTag(rawValue: 0x5FC102)
        public static let certificateAuthentication = ObjectTag(rawValue: 0x5FC105)
        public static let certificateSignature = ObjectTag(rawValue: 0x5FC10A)
        public static let certificateKeyManagement = ObjectTag(rawValue: 0x5FC10B)
        public static let certificateCardAuthentication = ObjectTag(rawValue: 0x5FC101)
        public static let printedInformation = ObjectTag(rawValue: 0x5FC109)
        /// Yubico's ADMIN DATA object (flags such as "management key PIN-protected").
        public static let adminData = ObjectTag(rawValue: 0x5FFF00)
        public static let discovery = ObjectTag(rawValue: 0x7E)
        public static let keyHistory = ObjectTag(rawValue: 0x5FC10C)
        public var description: String { String(format: "%06X", rawValue) }
        var bytes: [UInt8] {
            rawValue == 0x7E ? [0x7E] : [UInt8(rawValue >> 16), UInt8(rawValue >> 8 & 0xFF), UInt8(rawValue & 0xFF)]
        }
    }

    /// Factory defaults of many PIV cards (and of TokenCert's virtual card): change them when personalising.
    public static let defaultPIN = "123456"
    public static let defaultPUK = "12345678"
    public static let defaultManagementKey: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]
}

extension PIV {
    /// The 8-byte PIV form of a PIN or PUK: the secret padded with 0xFF (SP 800-73-4 §3.2.1); nil when
    /// longer than 8 bytes. The array goes into an APDU and is not wiped.
    static func paddedReference(_ secret: Secret) -> [UInt8]? {
        let bytes = secret.revealedBytes()
        return bytes.count <= 8 ? bytes + [UInt8](repeating: 0xFF, count: 8 - bytes.count) : nil
    }
}

/// What went wrong talking PIV, with the card's own word where it gave one.
public enum PIVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Wrong PIN (or PUK); the card has this many tries left.
    case invalidPIN(triesLeft: Int)
    /// The PIN (or PUK) is blocked (6983).
    case blocked
    /// The management key was not accepted.
    case managementKeyRejected
    /// The card's management key is of another algorithm than the one offered (6A86 on the
    /// first GENERAL AUTHENTICATE to 9B).
    case managementKeyAlgorithmMismatch(offered: PIV.ManagementKeyAlgorithm)
    /// A PIN or management key must be presented first (6982).
    case securityStatusNotSatisfied
    /// The object or key is not on the card (6A82 / 6A88).
    case notFound
    /// The PIN/PUK does not fit the card's format (6–8 characters for a PIN here).
    case badSecretFormat
    /// The card is not a PIV card (SELECT failed).
    case notPIVCard(StatusWord)
    /// The card's answer could not be parsed.
    case malformedResponse(String)
    /// Any other status word.
    case status(StatusWord, instruction: UInt8)

    public var description: String {
        switch self {
        case .invalidPIN(let n): "wrong PIN, \(n) tries left"
        case .blocked: "PIN or PUK blocked"
        case .managementKeyRejected: "management key rejected"
        case .managementKeyAlgorithmMismatch(let a): "the card's management key is not \(a)"
        case .securityStatusNotSatisfied: "security status not satisfied"
        case .notFound: "not found on the card"
        case .badSecretFormat: "PIN/PUK has the wrong length"
        case .notPIVCard(let sw): "not a PIV card (SELECT answered \(sw))"
        case .malformedResponse(let s): "malformed card response: \(s)"
        case .status(let sw, let ins): String(format: "INS %02X answered %04X", ins, sw.rawValue)
        }
    }
}
