import Foundation

/// `Drivers/devices.json`: the USB crypto tokens and CCID readers TokenCert knows, the PKCS#11 modules
/// that serve them, and where each fact came from. The udev rules and `tokencert doctor`'s device
/// identification are both made from this one table.
public struct DeviceTable: Codable, Sendable, Equatable {
    /// What a device is. A token with its chip built in is also a `ccidReader` when pcscd's CCID
    /// driver serves it (a reader whose card never leaves).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case ccidReader = "ccid-reader"
        case pkcs11Token = "pkcs11-token"
        case pivCapable = "piv-capable"
        /// A reader pcscd's CCID driver does not serve: it needs its maker's own PC/SC driver (IFD
        /// handler), which Debian does not ship. udev still marks it a smart-card reader.
        case vendorDriverReader = "vendor-driver-reader"
    }

    /// A USB vendor and product ID, written `vvvv:pppp` in four lowercase hex digits each.
    public struct USBID: Codable, Sendable, Hashable, CustomStringConvertible, Comparable {
        public var vendor: String
        public var product: String

        /// Parses `1050:0407`; nil unless both halves are exactly four lowercase hex digits.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy(USBID.isHex4) else { return nil }
            vendor = String(parts[0])
            product = String(parts[1])
        }

        /// Four lowercase hex digits (udev compares `ATTR{idVendor}` as text, and sysfs writes lowercase).
        static func isHex4(_ s: Substring) -> Bool {
            s.count == 4 && s.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        }

        public var description: String { vendor + ":" + product }
        public static func < (a: USBID, b: USBID) -> Bool { a.description < b.description }

        public init(from decoder: Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let id = USBID(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "not a vvvv:pppp USB ID in lowercase hex: \(text)"))
            }
            self = id
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    /// An ATR (hex), with an optional mask of the same length: a byte matches when
    /// `(atr & mask) == (pattern & mask)`, as in OpenSC's ATR tables.
    public struct ATRPattern: Codable, Sendable, Equatable {
        public var atr: String
        public var mask: String?
        public var label: String?

        /// Whether the card's ATR bytes match this pattern.
        public func matches(_ bytes: [UInt8]) -> Bool {
            guard let pattern = DeviceTable.bytes(hex: atr), pattern.count == bytes.count else { return false }
            let m = mask.flatMap(DeviceTable.bytes(hex:)) ?? [UInt8](repeating: 0xFF, count: pattern.count)
            guard m.count == pattern.count else { return false }
            return zip(zip(bytes, pattern), m).allSatisfy { pair, mask in pair.0 & mask == pair.1 & mask }
        }
    }

    /// A PKCS#11 module a device is served by.
    public struct Module: Codable, Sendable, Equatable {
        /// Short name, also the p11-kit registry name.
        public var id: String
        /// The Debian package that installs it.
        public var package: String
        /// Absolute path of the library.
        public var path: String
        /// Our p11-kit file in `Drivers/modules/`.
        public var moduleFile: String?
        public var notes: String?
    }

    /// One device (or one family sharing a name and module).
    public struct Device: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var vendor: String
        /// USB IDs; absent for a card that is only known by its ATR.
        public var usb: [USBID]?
        public var kinds: [Kind]
        /// Text that pcscd's reader name contains for this device (libccid's friendly name), case-insensitive.
        public var pcscName: String?
        public var atrs: [ATRPattern]?
        /// The `modules[].id` that serves it; nil when only vendor middleware does.
        public var module: String?
        public var alternativeModules: [String]?
        public var notes: String?
        /// Keys of the table's `sources`.
        public var sources: [String]

        /// Whether udev should mark it `ID_SMARTCARD_READER`.
        public var isReader: Bool { kinds.contains(.ccidReader) || kinds.contains(.vendorDriverReader) }
        /// A reader only its maker's PC/SC driver serves (not libccid).
        public var needsVendorDriver: Bool { kinds.contains(.vendorDriverReader) }
        /// Whether udev should mark it `ID_SECURITY_TOKEN`.
        public var isToken: Bool { kinds.contains(.pkcs11Token) || kinds.contains(.pivCapable) }

        /// Whether a pcscd reader name is this device's.
        public func matches(readerName: String) -> Bool {
            guard let pcscName, !pcscName.isEmpty else { return false }
            return readerName.lowercased().contains(pcscName.lowercased())
        }
    }

    public var schemaVersion: Int
    public var about: String?
    /// Source key → what it is.
    public var sources: [String: String]
    public var modules: [Module]
    public var devices: [Device]

    /// Reads and decodes a table file.
    /// - Throws: `DriversError.tableUnreadable` / `.tableInvalid`.
    public static func load(path: String) throws(DriversError) -> DeviceTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw .tableUnreadable(path) }
        do {
            return try JSONDecoder().decode(DeviceTable.self, from: data)
        } catch {
            throw .tableInvalid(path, ["\(error)"])
        }
    }

    /// Loads and validates; a table with problems is refused with all of them listed.
    public static func loadValidated(path: String) throws(DriversError) -> DeviceTable {
        let table = try load(path: path)
        let problems = table.problems()
        if !problems.isEmpty { throw .tableInvalid(path, problems) }
        return table
    }

    /// Everything wrong with the table (empty when it is valid): required fields, known kinds and
    /// sources, absolute module paths, module references, duplicate IDs and duplicate USB IDs.
    public func problems() -> [String] {
        var out: [String] = []
        if schemaVersion != 1 { out.append("schemaVersion \(schemaVersion) is not 1") }
        var moduleIDs = Set<String>()
        for m in modules {
            if m.id.isEmpty { out.append("a module has an empty id") }
            if !moduleIDs.insert(m.id).inserted { out.append("module \(m.id) is listed twice") }
            if m.package.isEmpty { out.append("module \(m.id): package is empty") }
            if !m.path.hasPrefix("/") { out.append("module \(m.id): path \(m.path) is not absolute") }
            if let file = m.moduleFile, !file.hasSuffix(".module") || file.contains("/") {
                out.append("module \(m.id): moduleFile \(file) is not a bare *.module name")
            }
        }
        var deviceIDs = Set<String>()
        var seenUSB: [USBID: String] = [:]
        for d in devices {
            let name = d.id.isEmpty ? "(no id)" : d.id
            if d.id.isEmpty { out.append("a device has an empty id") }
            if !deviceIDs.insert(d.id).inserted { out.append("device \(name) is listed twice") }
            if d.name.isEmpty { out.append("device \(name): name is empty") }
            if d.vendor.isEmpty { out.append("device \(name): vendor is empty") }
            if d.kinds.isEmpty { out.append("device \(name): no kinds") }
            if Set(d.kinds).count != d.kinds.count { out.append("device \(name): a kind is repeated") }
            if (d.usb ?? []).isEmpty && (d.atrs ?? []).isEmpty { out.append("device \(name): neither USB IDs nor ATRs") }
            if d.usb != nil && d.usb!.isEmpty { out.append("device \(name): usb is an empty list") }
            for id in d.usb ?? [] {
                if let other = seenUSB[id] { out.append("device \(name): USB ID \(id) is also \(other)'s") }
                seenUSB[id] = name
            }
            for atr in d.atrs ?? [] {
                guard let bytes = DeviceTable.bytes(hex: atr.atr), !bytes.isEmpty else {
                    out.append("device \(name): ATR \(atr.atr) is not hex"); continue
                }
                if let mask = atr.mask, DeviceTable.bytes(hex: mask)?.count != bytes.count {
                    out.append("device \(name): ATR mask \(mask) is not hex of the ATR's length")
                }
            }
            for m in [d.module].compactMap({ $0 }) + (d.alternativeModules ?? []) where !moduleIDs.contains(m) {
                out.append("device \(name): module \(m) is not in modules")
            }
            if d.sources.isEmpty { out.append("device \(name): no sources") }
            for s in d.sources where sources[s] == nil { out.append("device \(name): source \(s) is not in sources") }
            if d.usb != nil && d.kinds.contains(.ccidReader) && (d.pcscName ?? "").isEmpty {
                out.append("device \(name): a CCID device needs its pcscName")
            }
        }
        return out
    }

    /// The device with this USB ID.
    public func device(usb: USBID) -> Device? { devices.first { $0.usb?.contains(usb) ?? false } }

    /// The first device whose ATR patterns match.
    public func device(atr: [UInt8]) -> (device: Device, pattern: ATRPattern)? {
        for d in devices { for p in d.atrs ?? [] where p.matches(atr) { return (d, p) } }
        return nil
    }

    /// The device a pcscd reader name belongs to.
    public func device(readerName: String) -> Device? { devices.first { $0.matches(readerName: readerName) } }

    /// The module entry by id.
    public func module(id: String) -> Module? { modules.first { $0.id == id } }

    /// Hex (spaces and colons allowed) to bytes; nil when it is not hex.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = hex.filter { $0 != " " && $0 != ":" }
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
