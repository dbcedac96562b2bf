/// A PIN or other token secret. It never prints itself (`description`, `debugDescription` and
/// `dump` show a mask), so it cannot slip into a log line or an error message by accident.
public struct PIN: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    public init(_ string: String) { bytes = Array(string.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    public var description: String { "PIN(***)" }
    public var debugDescription: String { "PIN(***)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// Hands the secret to `body`; the only way to read it.
    public func withBytes<R>(_ body: ([UInt8]) throws -> R) rethrows -> R { try body(bytes) }
}
