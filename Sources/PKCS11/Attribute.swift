/// One attribute to write into a template (`CK_ATTRIBUTE` with its value bytes).
/// Booleans are one `CK_BBOOL` byte; numbers are a native `CK_ULONG`.
public struct Attribute: Sendable, Hashable, CustomStringConvertible {
    public var type: AttributeType
    public var value: [UInt8]

    public init(_ type: AttributeType, bytes: [UInt8]) {
        self.type = type
        self.value = bytes
    }

    public static func bool(_ type: AttributeType, _ value: Bool) -> Attribute {
        Attribute(type, bytes: [value ? 1 : 0])
    }
    public static func ulong(_ type: AttributeType, _ value: UInt) -> Attribute {
        Attribute(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }
    public static func string(_ type: AttributeType, _ value: String) -> Attribute {
        Attribute(type, bytes: Array(value.utf8))
    }
    public static func objectClass(_ c: ObjectClass) -> Attribute { .ulong(.class, c.rawValue) }
    public static func keyType(_ k: KeyType) -> Attribute { .ulong(.keyType, k.rawValue) }
    public static func label(_ s: String) -> Attribute { .string(.label, s) }
    public static func id(_ bytes: [UInt8]) -> Attribute { Attribute(.id, bytes: bytes) }

    /// Never prints values: a template may carry key components.
    public var description: String { "\(type)(\(value.count) bytes)" }
}

/// What reading one attribute gave.
public enum AttributeValue: Sendable, Hashable {
    case value([UInt8])
    /// The token refuses to reveal it (`CKR_ATTRIBUTE_SENSITIVE`), e.g. a private exponent.
    case sensitive
    /// The object has no such attribute (`CKR_ATTRIBUTE_TYPE_INVALID`).
    case unavailable
}

/// The result of a two-pass `C_GetAttributeValue`, with typed accessors.
public struct AttributeSet: Sendable, Hashable {
    public var values: [AttributeType: AttributeValue] = [:]
    public init() {}

    public subscript(_ type: AttributeType) -> AttributeValue? { values[type] }

    public func bytes(_ type: AttributeType) -> [UInt8]? {
        if case .value(let v)? = values[type] { return v }
        return nil
    }
    public func bool(_ type: AttributeType) -> Bool? {
        bytes(type).flatMap { $0.first.map { $0 != 0 } }
    }
    public func ulong(_ type: AttributeType) -> UInt? {
        guard let b = bytes(type), b.count == MemoryLayout<UInt>.size else { return nil }
        return b.withUnsafeBytes { $0.loadUnaligned(as: UInt.self) }
    }
    public func string(_ type: AttributeType) -> String? {
        bytes(type).map { String(decoding: $0, as: UTF8.self) }
    }
    public func isSensitive(_ type: AttributeType) -> Bool { values[type] == .sensitive }
}

/// An object on a token, as a session sees it (`CK_OBJECT_HANDLE`). Handles are valid only
/// within the module instance that returned them.
public struct ObjectHandle: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}
