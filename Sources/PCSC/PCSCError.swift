/// An error from the PC/SC layer: the `SCARD_…` code and the `SCard…` function that returned it.
/// Codes are open (`Code` is a struct with constants), so a new code never breaks a `switch`.
public struct PCSCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A PC/SC return code (`LONG` in winscard.h), kept as its 32-bit pattern.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public var description: String { name }
    }

    public var code: Code
    /// The C function, e.g. `SCardConnect`.
    public var function: String
    /// The reader involved, when there is one.
    public var reader: String?

    /// Where in TokenCert the error was made (`#fileID`), for bug reports.
    public var file: String
    /// The line in `file`.
    public var line: Int

    public init(_ code: Code, function: String, reader: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.function = function
        self.reader = reader
        self.file = file
        self.line = line
    }

    /// Equal when the service's answer is (where in TokenCert it was noticed does not matter).
    public static func == (lhs: PCSCError, rhs: PCSCError) -> Bool {
        (lhs.code, lhs.function, lhs.reader) == (rhs.code, rhs.function, rhs.reader)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(function)
        hasher.combine(reader)
    }

    public var description: String {
        "\(function) failed: \(code.name) (0x\(String(code.rawValue, radix: 16)))" + (reader.map { " on reader \"\($0)\"" } ?? "")
    }
}
