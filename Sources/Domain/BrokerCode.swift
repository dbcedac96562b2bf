/// The broker's short code in backup file names (`TCFHCSEC` in `P100254XXX-TCFHCSEC(2022-05-05).pfx`):
/// 1 to 10 ASCII letters and digits, kept in the case given. `Codable` as the string, validated
/// when decoded.
public struct BrokerCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The longest code accepted.
    public static let maximumLength = 10

    /// The code: 1–10 ASCII letters and digits.
    public let value: String

    /// Validates a code; surrounding whitespace is trimmed and full-width characters become ASCII.
    ///
    /// - Throws: ``BrokerCodeError/empty``, ``BrokerCodeError/tooLong`` beyond 10 characters,
    ///   ``BrokerCodeError/invalidCharacters`` for anything but ASCII letters and digits.
    public init(_ text: String) throws(BrokerCodeError) {
        let normalized = InputText.normalized(text)
        guard !normalized.isEmpty else { throw .empty }
        guard normalized.allSatisfy({ InputText.isASCIILetter($0) || InputText.isASCIIDigit($0) }) else {
            throw .invalidCharacters
        }
        guard normalized.count <= Self.maximumLength else { throw .tooLong }
        value = normalized
    }

    /// ``value``.
    public var description: String { value }

    /// Decodes the code as a string and validates it like ``init(_:)``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when it is not a valid code.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try BrokerCode(container.decode(String.self))
        } catch let error as BrokerCodeError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``value``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
