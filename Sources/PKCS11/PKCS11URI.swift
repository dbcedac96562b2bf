// RFC 7512 `pkcs11:` URIs: parsing, canonical formatting and matching against what a module reports.

/// An RFC 7512 PKCS #11 URI, such as `pkcs11:token=My%20Token;object=signing-key;type=private`.
///
/// TokenCert chooses tokens and objects by URI, never by slot number. Each attribute that is
/// present narrows the selection; an absent attribute (`nil`) matches anything. String values are
/// stored decoded (percent-decoding applied, then read as UTF-8); `id` is kept as raw bytes.
///
/// Parsing is strict about the RFC 7512 grammar: the scheme is case-insensitive, attribute names
/// are case-sensitive, a path attribute may appear only once, and characters outside the RFC's
/// allowed set (space, `/` and `?` in the path, non-ASCII, …) must be percent-encoded.
///
/// `pin-value` is parsed but never written by `description`; see `pinValue`.
public struct PKCS11URI: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    // MARK: Path attributes

    /// `token`: the token label (`CK_TOKEN_INFO.label`).
    public var token: String?
    /// `manufacturer`: the token manufacturer (`CK_TOKEN_INFO.manufacturerID`).
    public var manufacturer: String?
    /// `serial`: the token serial number (`CK_TOKEN_INFO.serialNumber`).
    public var serial: String?
    /// `model`: the token model (`CK_TOKEN_INFO.model`).
    public var model: String?
    /// `library-manufacturer` (`CK_INFO.manufacturerID`).
    public var libraryManufacturer: String?
    /// `library-description` (`CK_INFO.libraryDescription`).
    public var libraryDescription: String?
    /// `library-version` (`CK_INFO.libraryVersion`). As RFC 7512 requires, a value with only a major
    /// number (`library-version=3`) means minor version 0 (`3.0`), so it is stored and written as `3.0`.
    public var libraryVersion: Version?
    /// `slot-description` (`CK_SLOT_INFO.slotDescription`).
    public var slotDescription: String?
    /// `slot-manufacturer` (`CK_SLOT_INFO.manufacturerID`).
    public var slotManufacturer: String?
    /// `slot-id`: a decimal `CK_SLOT_ID`. Slot numbers are not stable across runs; prefer token attributes.
    public var slotID: UInt?
    /// `object`: the object label (`CKA_LABEL`).
    public var object: String?
    /// `id`: the object's `CKA_ID`, raw bytes (always written fully percent-encoded, e.g. `id=%01%02`).
    public var id: [UInt8]?
    /// `type`: the object class (`cert`, `public`, `private`, `secret-key` or `data`). A class with no
    /// RFC 7512 name cannot be written in a URI and is left out of `description`.
    public var type: ObjectClass?

    // MARK: Query attributes

    /// `pin-source`: where to read the PIN from (for example `file:/etc/token_pin`).
    public var pinSource: String?
    /// `module-name`: the PKCS #11 module's name without path or suffix (for example `softhsm2`).
    public var moduleName: String?
    /// `module-path`: the absolute path of the PKCS #11 module.
    public var modulePath: String?
    /// `pin-value`: a PIN written into the URI itself.
    ///
    /// It is parsed so that a URI carrying one can be recognised and refused, but `description` never
    /// writes it (only `formatted(includingPINValue: true)` does), and TokenCert refuses to use a PIN
    /// taken from a URI on the command line: arguments are visible to other users through the process
    /// list and end up in shell history. Use `pin-source` or a PIN file instead.
    public var pinValue: String?

    // MARK: Other attributes

    /// Vendor-specific or unknown path attributes (for example `x-vendor-thing`), decoded, by name.
    /// RFC 7512 says an unrecognised path attribute should give an empty matching set, so while this is
    /// not empty, every `matches` function returns `false`. Keys must be valid attribute names (letters,
    /// digits, `-`, `_`); a key naming a standard attribute is ignored when formatting.
    public var otherPathAttributes: [String: String]
    /// Vendor-specific or unknown query attributes, decoded, by name. They do not affect matching.
    /// Keys must be valid attribute names; a key naming a standard query attribute is ignored when formatting.
    public var otherQueryAttributes: [String: String]

    /// The empty URI `pkcs11:`, which matches everything.
    public init() {
        otherPathAttributes = [:]
        otherQueryAttributes = [:]
    }

    /// Parses `string` as an RFC 7512 URI.
    /// - Throws: `ParseError` saying what is wrong. Its `detail` never quotes a `pin-value`.
    public init(parsing string: String) throws(PKCS11URI.ParseError) {
        self.init()
        let bytes = Array(string.utf8)
        let scheme = Array("pkcs11:".utf8)
        guard bytes.count >= scheme.count,
              zip(bytes.prefix(scheme.count), scheme).allSatisfy({ Self.asciiLowercased($0) == $1 }) else {
            throw ParseError(.notPKCS11Scheme, "it does not start with \"pkcs11:\"")
        }
        let rest = bytes[scheme.count...]
        let path: ArraySlice<UInt8>
        let query: ArraySlice<UInt8>?
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            path = rest[..<mark]
            query = rest[(mark + 1)...]
        } else {
            path = rest
            query = nil
        }

        var seen = Set<String>()
        if !path.isEmpty {
            for component in path.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
                let (name, raw) = try Self.splitAttribute(component, separator: ";")
                guard seen.insert(name).inserted else {
                    throw ParseError(.duplicateAttribute, "path attribute \"\(name)\" appears more than once")
                }
                let value = try Self.percentDecode(raw, attribute: name, allowed: Self.pathValueCharacters)
                try setPathAttribute(name, value)
            }
        }
        if let query, !query.isEmpty {
            seen = []
            for component in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
                let (name, raw) = try Self.splitAttribute(component, separator: "&")
                guard seen.insert(name).inserted else {
                    throw ParseError(.duplicateAttribute, "query attribute \"\(name)\" appears more than once")
                }
                let value = try Self.percentDecode(raw, attribute: name, allowed: Self.queryValueCharacters)
                try setQueryAttribute(name, value)
            }
        }
        if pinSource != nil && pinValue != nil {
            throw ParseError(.malformed, "a URI may not carry both pin-source and pin-value")
        }
    }

    /// Parses `description` as an RFC 7512 URI; `nil` when it is not one.
    public init?(_ description: String) {
        do { try self.init(parsing: description) } catch { return nil }
    }

    // MARK: Formatting

    /// The canonical form, attributes in a fixed order, without `pin-value`.
    public var description: String { formatted(includingPINValue: false) }

    /// The canonical form: path attributes `library-manufacturer`, `library-description`,
    /// `library-version`, `slot-manufacturer`, `slot-description`, `slot-id`, `manufacturer`, `model`,
    /// `serial`, `token`, `object`, `type`, `id`, then other attributes sorted by name; query attributes
    /// `pin-source`, (`pin-value`), `module-name`, `module-path`, then others sorted by name.
    /// - Parameter includingPINValue: whether to write `pin-value`. Leave it `false` for anything that
    ///   may be shown, logged or stored. (A URI carrying both `pin-source` and `pin-value` formatted with
    ///   the PIN does not parse again: RFC 7512 says such a URI should be refused.)
    public func formatted(includingPINValue: Bool = false) -> String {
        var path: [String] = []
        func addPath(_ name: String, _ value: String?) {
            if let value { path.append(name + "=" + Self.percentEncode(Array(value.utf8), allowed: Self.pathValueCharacters)) }
        }
        addPath("library-manufacturer", libraryManufacturer)
        addPath("library-description", libraryDescription)
        if let libraryVersion { path.append("library-version=\(libraryVersion.major).\(libraryVersion.minor)") }
        addPath("slot-manufacturer", slotManufacturer)
        addPath("slot-description", slotDescription)
        if let slotID { path.append("slot-id=\(slotID)") }
        addPath("manufacturer", manufacturer)
        addPath("model", model)
        addPath("serial", serial)
        addPath("token", token)
        addPath("object", object)
        if let type, let name = Self.typeName(type) { path.append("type=" + name) }
        if let id { path.append("id=" + Self.percentEncode(id, allowed: [])) }
        for name in otherPathAttributes.keys.sorted()
        where !Self.pathAttributeNames.contains(name) && !Self.queryAttributeNames.contains(name) {
            addPath(name, otherPathAttributes[name])
        }

        var query: [String] = []
        func addQuery(_ name: String, _ value: String?) {
            if let value { query.append(name + "=" + Self.percentEncode(Array(value.utf8), allowed: Self.queryValueCharacters)) }
        }
        addQuery("pin-source", pinSource)
        if includingPINValue { addQuery("pin-value", pinValue) }
        addQuery("module-name", moduleName)
        addQuery("module-path", modulePath)
        for name in otherQueryAttributes.keys.sorted() where !Self.queryAttributeNames.contains(name) {
            addQuery(name, otherQueryAttributes[name])
        }

        var result = "pkcs11:" + path.joined(separator: ";")
        if !query.isEmpty { result += "?" + query.joined(separator: "&") }
        return result
    }

    // MARK: Matching

    /// Whether the `library-manufacturer`, `library-description` and `library-version` attributes
    /// that are present equal what the module reports.
    public func matches(module: ModuleInfo) -> Bool {
        otherPathAttributes.isEmpty
            && Self.agrees(libraryManufacturer, module.manufacturer)
            && Self.agrees(libraryDescription, module.libraryDescription)
            && Self.agrees(libraryVersion, module.libraryVersion)
    }

    /// Whether the `slot-description`, `slot-manufacturer` and `slot-id` attributes that are present
    /// equal what the slot reports.
    public func matches(slot: SlotInfo) -> Bool {
        otherPathAttributes.isEmpty
            && Self.agrees(slotDescription, slot.slotDescription)
            && Self.agrees(slotManufacturer, slot.manufacturer)
            && Self.agrees(slotID, slot.id.rawValue)
    }

    /// Whether the `token`, `manufacturer`, `serial` and `model` attributes that are present equal
    /// what the token reports (its strings already trimmed of blank padding).
    public func matches(token info: TokenInfo) -> Bool {
        otherPathAttributes.isEmpty
            && Self.agrees(token, info.label)
            && Self.agrees(manufacturer, info.manufacturer)
            && Self.agrees(serial, info.serialNumber)
            && Self.agrees(model, info.model)
    }

    /// Whether the `object` (label), `id` and `type` attributes that are present equal the object's.
    /// An object whose label or ID was not read does not match a URI that names one.
    public func matches(object info: ObjectInfo) -> Bool {
        guard otherPathAttributes.isEmpty else { return false }
        if let object, info.label != object { return false }
        if let id, info.id != id { return false }
        if let type, info.objectClass != type { return false }
        return true
    }

    /// Whether any token-level attribute (`token`, `manufacturer`, `serial`, `model`) is present.
    public var identifiesToken: Bool {
        token != nil || manufacturer != nil || serial != nil || model != nil
    }

    // MARK: Building

    /// The URI naming `info` by token label, manufacturer, serial number and model.
    public static func forToken(_ info: TokenInfo) -> PKCS11URI {
        var uri = PKCS11URI()
        uri.token = info.label
        uri.manufacturer = info.manufacturer
        uri.serial = info.serialNumber
        uri.model = info.model
        return uri
    }

    /// The URI naming object `info` on `token`: the token's attributes plus the object's label and ID
    /// (when it has them) and its type (when the class has an RFC 7512 name).
    public static func forObject(_ info: ObjectInfo, on token: TokenInfo) -> PKCS11URI {
        var uri = forToken(token)
        uri.object = info.label
        uri.id = info.id
        if typeName(info.objectClass) != nil { uri.type = info.objectClass }
        return uri
    }

    // MARK: Errors

    /// Why a string is not a valid `pkcs11:` URI.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The kind of problem.
        public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            /// The string does not start with `pkcs11:`.
            public static let notPKCS11Scheme = Code(rawValue: "not-pkcs11-scheme")
            /// A `%` not followed by two hex digits, or a value that does not decode to UTF-8.
            public static let badPercentEncoding = Code(rawValue: "bad-percent-encoding")
            /// An attribute appears twice.
            public static let duplicateAttribute = Code(rawValue: "duplicate-attribute")
            /// A value outside its fixed set (`type`).
            public static let unknownValue = Code(rawValue: "unknown-value")
            /// Anything else against the grammar: a bad name, a character that must be encoded, a bad number.
            public static let malformed = Code(rawValue: "malformed")
            public var description: String { rawValue }
        }

        public var code: Code
        /// What is wrong, for people. Never quotes a `pin-value`.
        public var detail: String

        public init(_ code: Code, _ detail: String) {
            self.code = code
            self.detail = detail
        }

        public var description: String { "not a valid pkcs11: URI (RFC 7512): \(detail)" }
    }

    // MARK: Private

    static let pathAttributeNames: Set<String> = [
        "token", "manufacturer", "serial", "model", "library-manufacturer", "library-description",
        "library-version", "slot-description", "slot-manufacturer", "slot-id", "object", "id", "type",
    ]
    static let queryAttributeNames: Set<String> = ["pin-source", "pin-value", "module-name", "module-path"]

    /// RFC 3986 unreserved characters plus RFC 7512 `pk11-res-avail`.
    private static let sharedValueCharacters: Set<UInt8> = {
        var set = Set<UInt8>()
        for range in [UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                      UInt8(ascii: "0")...UInt8(ascii: "9")] {
            set.formUnion(range)
        }
        set.formUnion("-._~:[]@!$'()*+,=".utf8)
        return set
    }()
    /// `pk11-pchar` without `pct-encoded`: `&` may stay, `;`, `/` and `?` may not.
    static let pathValueCharacters: Set<UInt8> = sharedValueCharacters.union("&".utf8)
    /// `pk11-qchar` without `pct-encoded`: `/`, `?` and `|` may stay, `&` may not.
    static let queryValueCharacters: Set<UInt8> = sharedValueCharacters.union("/?|".utf8)

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }

    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func isDigits<S: StringProtocol>(_ s: S) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Splits `name=value`, checking the name.
    private static func splitAttribute(_ component: ArraySlice<UInt8>, separator: String)
        throws(ParseError) -> (name: String, value: ArraySlice<UInt8>) {
        guard !component.isEmpty else {
            throw ParseError(.malformed, "empty attribute (a stray \"\(separator)\")")
        }
        guard let equals = component.firstIndex(of: UInt8(ascii: "=")) else {
            throw ParseError(.malformed, "attribute without \"=\"")
        }
        let nameBytes = component[..<equals]
        guard !nameBytes.isEmpty else { throw ParseError(.malformed, "attribute without a name") }
        guard nameBytes.allSatisfy(isNameCharacter) else {
            throw ParseError(.malformed, "attribute name may hold only letters, digits, \"-\" and \"_\"")
        }
        return (String(decoding: nameBytes, as: UTF8.self), component[(equals + 1)...])
    }

    /// Decodes `%XX` escapes, refusing characters that must have been encoded.
    private static func percentDecode(_ raw: ArraySlice<UInt8>, attribute: String, allowed: Set<UInt8>)
        throws(ParseError) -> [UInt8] {
        let secret = attribute == "pin-value"
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < raw.endIndex,
                      let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2]) else {
                    let shown = secret ? "" : " (\"" + String(decoding: raw[i..<min(i + 3, raw.endIndex)], as: UTF8.self) + "\")"
                    throw ParseError(.badPercentEncoding,
                                     "\"%\" in \(attribute) must be followed by two hex digits\(shown)")
                }
                out.append(high << 4 | low)
                i += 3
            } else {
                guard allowed.contains(byte) else {
                    let what: String
                    if secret {
                        what = "a character"
                    } else if byte < 0x80 && byte >= 0x20 && byte != 0x7F {
                        what = "\"\(Character(Unicode.Scalar(byte)))\""
                    } else {
                        what = "a control or non-ASCII character"
                    }
                    throw ParseError(.malformed, "\(what) in \(attribute) must be percent-encoded")
                }
                out.append(byte)
                i += 1
            }
        }
        return out
    }

    private static func utf8String(_ bytes: [UInt8], attribute: String) throws(ParseError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(.badPercentEncoding, "\(attribute) does not decode to UTF-8")
        }
        return s
    }

    private static func parseVersion(_ s: String) throws(ParseError) -> Version {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy(isDigits),
              let major = UInt8(parts[0]), let minor = parts.count == 2 ? UInt8(parts[1]) : 0 else {
            throw ParseError(.malformed, "library-version must be M or M.N, decimal numbers up to 255")
        }
        return Version(major: major, minor: minor)
    }

    private static let typesByName: [String: ObjectClass] = [
        "cert": .certificate, "public": .publicKey, "private": .privateKey, "secret-key": .secretKey, "data": .data,
    ]

    private static func typeName(_ type: ObjectClass) -> String? {
        switch type {
        case .certificate, .publicKey, .privateKey, .secretKey, .data: type.description
        default: nil
        }
    }

    private mutating func setPathAttribute(_ name: String, _ value: [UInt8]) throws(ParseError) {
        switch name {
        case "id":
            id = value
        case "library-version":
            libraryVersion = try Self.parseVersion(Self.utf8String(value, attribute: name))
        case "slot-id":
            let s = try Self.utf8String(value, attribute: name)
            guard Self.isDigits(s), let n = UInt(s) else {
                throw ParseError(.malformed, "slot-id must be a decimal number")
            }
            slotID = n
        case "type":
            let s = try Self.utf8String(value, attribute: name)
            guard let t = Self.typesByName[s] else {
                throw ParseError(.unknownValue, "type must be cert, public, private, secret-key or data, not \"\(s)\"")
            }
            type = t
        case "pin-source", "pin-value", "module-name", "module-path":
            throw ParseError(.malformed, "\(name) is a query attribute: put it after \"?\", not in the path")
        default:
            let s = try Self.utf8String(value, attribute: name)
            switch name {
            case "token": token = s
            case "manufacturer": manufacturer = s
            case "serial": serial = s
            case "model": model = s
            case "library-manufacturer": libraryManufacturer = s
            case "library-description": libraryDescription = s
            case "slot-description": slotDescription = s
            case "slot-manufacturer": slotManufacturer = s
            case "object": object = s
            default: otherPathAttributes[name] = s
            }
        }
    }

    private mutating func setQueryAttribute(_ name: String, _ value: [UInt8]) throws(ParseError) {
        let s = try Self.utf8String(value, attribute: name)
        switch name {
        case "pin-source": pinSource = s
        case "pin-value": pinValue = s
        case "module-name": moduleName = s
        case "module-path": modulePath = s
        default: otherQueryAttributes[name] = s
        }
    }

    private static func percentEncode(_ bytes: [UInt8], allowed: Set<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if allowed.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func agrees<T: Equatable>(_ wanted: T?, _ actual: T) -> Bool {
        wanted.map { $0 == actual } ?? true
    }
}
