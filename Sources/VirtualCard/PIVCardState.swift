public import Foundation

/// Everything a virtual PIV card remembers across power cycles: PIN and PUK with their counters,
/// the management key, the private keys (PKCS#8 DER, never exported by any command), the data
/// objects and the serial number.
///
/// It is `Codable` so it can live in a JSON file; `Data` fields encode as base64. Volatile things —
/// PIN verified, management key authenticated, pending challenges — are not part of it.
public struct PIVCardState: Codable, Sendable, Equatable {
    /// Default PIN `123456`, PUK `12345678`, both with 3 tries; management key 3DES
    /// `010203040506070801020304050607080102030405060708` — the values of a fresh YubiKey.
    public static let defaultPIN = Array("123456".utf8)
    public static let defaultPUK = Array("12345678".utf8)
    public static let defaultManagementKey: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]
    public static let defaultRetries = 3

    /// One private key in a slot.
    public struct SlotKey: Codable, Sendable, Equatable {
        /// PIV algorithm identifier: 06 RSA-1024, 07 RSA-2048, 11 P-256, 14 P-384.
        public var algorithm: UInt8
        /// PKCS#8 `PrivateKeyInfo` DER.
        public var pkcs8: Data
        /// Yubico PIN policy: 1 never, 2 once, 3 always. Nil means the slot's default.
        public var pinPolicy: UInt8?
        /// Yubico touch policy (recorded, never enforced: there is no button).
        public var touchPolicy: UInt8?
        /// 1 generated on the card, 2 imported.
        public var origin: UInt8

        public init(algorithm: UInt8, pkcs8: Data, pinPolicy: UInt8? = nil, touchPolicy: UInt8? = nil, origin: UInt8 = 1) {
            self.algorithm = algorithm
            self.pkcs8 = pkcs8
            self.pinPolicy = pinPolicy
            self.touchPolicy = touchPolicy
            self.origin = origin
        }
    }

    /// PIN as entered (6–8 bytes, without the FF padding).
    public var pin: Data
    public var puk: Data
    public var pinRetriesMax: Int
    public var pinRetriesLeft: Int
    public var pukRetriesMax: Int
    public var pukRetriesLeft: Int
    /// Management key (slot 9B) and its algorithm: 03 3DES, 08 AES-128, 0A AES-192, 0C AES-256.
    public var managementKey: Data
    public var managementAlgorithm: UInt8
    /// Keys by slot, the key being the slot as two hex digits ("9a").
    public var keys: [String: SlotKey]
    /// Data objects by tag as hex ("5fc102", "7e"); the value is the object's content (inside 53,
    /// or inside 7E for the discovery object).
    public var objects: [String: Data]
    public var serial: UInt32
    /// Answered by the Yubico GET VERSION command.
    public var version: [UInt8]

    public init(pin: Data, puk: Data, pinRetriesMax: Int, pinRetriesLeft: Int, pukRetriesMax: Int, pukRetriesLeft: Int,
                managementKey: Data, managementAlgorithm: UInt8, keys: [String: SlotKey], objects: [String: Data],
                serial: UInt32, version: [UInt8]) {
        self.pin = pin
        self.puk = puk
        self.pinRetriesMax = pinRetriesMax
        self.pinRetriesLeft = pinRetriesLeft
        self.pukRetriesMax = pukRetriesMax
        self.pukRetriesLeft = pukRetriesLeft
        self.managementKey = managementKey
        self.managementAlgorithm = managementAlgorithm
        self.keys = keys
        self.objects = objects
        self.serial = serial
        self.version = version
    }

    /// A freshly issued card: default PIN, PUK and management key, no keys, a CHUID with a random
    /// GUID, a CCC and a discovery object. `serial` is random unless given.
    public static func fresh(serial: UInt32? = nil) -> PIVCardState {
        let serial = serial ?? UInt32.random(in: 10_000_000...99_999_999)
        var state = PIVCardState(
            pin: Data(defaultPIN), puk: Data(defaultPUK),
            pinRetriesMax: defaultRetries, pinRetriesLeft: defaultRetries,
            pukRetriesMax: defaultRetries, pukRetriesLeft: defaultRetries,
            managementKey: Data(defaultManagementKey), managementAlgorithm: 0x03,
            keys: [:], objects: [:], serial: serial, version: [5, 4, 3])
        state.objects = PIVCardState.defaultObjects()
        return state
    }

    /// Back to factory state (Yubico RESET): keys and objects go, PIN/PUK/management key return to
    /// their defaults; the serial stays.
    public mutating func factoryReset() {
        self = .fresh(serial: serial)
    }

    static func defaultObjects() -> [String: Data] {
        // CHUID (SP 800-73-4 table 9): FASC-N, GUID, expiration date, empty issuer signature, LRC.
        // The FASC-N is the all-nines one SP 800-73 uses for non-federal issuers.
        let fascn: [UInt8] = [0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
                              0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB]
        let guid = Chip.random(16)
        let chuid = TLV.encode(0x30, fascn) + TLV.encode(0x34, guid) + TLV.encode(0x35, Array("20351231".utf8))
            + TLV.encode(0x3E, []) + TLV.encode(0xFE, [])
        // CCC (table 8): card identifier (GSC-RID A0 00 00 01 16, manufacturer FF, card type 02 = Java
        // card, 14 random bytes), versions 21, and the empty optional fields.
        let ccc = TLV.encode(0xF0, [0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02] + Chip.random(14))
            + TLV.encode(0xF1, [0x21]) + TLV.encode(0xF2, [0x21]) + TLV.encode(0xF3, [])
            + TLV.encode(0xF4, [0x00]) + TLV.encode(0xF5, [0x10]) + TLV.encode(0xF6, [])
            + TLV.encode(0xF7, []) + TLV.encode(0xFA, []) + TLV.encode(0xFB, []) + TLV.encode(0xFC, [])
            + TLV.encode(0xFD, []) + TLV.encode(0xFE, [])
        // Discovery object (table 18): the PIV AID and the PIN usage policy "PIV Card Application PIN only".
        let discovery = TLV.encode(0x4F, PIVApplication.aid) + TLV.encode(0x5F2F, [0x40, 0x00])
        return ["5fc102": Data(chuid), "5fc107": Data(ccc), "7e": Data(discovery)]
    }

    // MARK: persistence

    /// Reads a state file written by `save(to:)`.
    public static func load(from path: String) throws -> PIVCardState {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(PIVCardState.self, from: data)
    }

    /// Writes the state as JSON: to a temporary file beside `path`, flushed, then renamed over it,
    /// so a crash leaves either the old or the new state, never half of one. Mode 0600.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try AtomicFile.replace(path, with: data)
    }
}
