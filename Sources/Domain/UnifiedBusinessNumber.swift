/// A unified business number (統一編號, 統編) of a company or other business: eight digits whose
/// check is, since April 2023 (Ministry of Finance, 民國112年):
///
/// multiply the digits by 1, 2, 1, 2, 1, 2, 4, 1; add the tens and units digits of every product
/// (4 × 7 = 28 gives 2 + 8 = 10); the number is valid when the total is divisible by 5. When the
/// seventh digit is 7 its product's 10 may count as 1 or 0, so a total that is one short of a
/// multiple of 5 is valid too. Before 2023 the total had to be divisible by 10; every number valid
/// then is valid now (``isValidUnderPre2023Rule`` tells which rule a number meets).
///
/// Printing a value shows the masked form ``masked``; `Codable` as the eight digits, validated when decoded.
public struct UnifiedBusinessNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The eight ASCII digits.
    public let value: String

    /// Validates a typed number: surrounding whitespace is trimmed and full-width digits become ASCII.
    ///
    /// - Throws: ``UnifiedBusinessNumberError/empty``, ``UnifiedBusinessNumberError/wrongLength(_:)``
    ///   unless eight characters, ``UnifiedBusinessNumberError/notDigits``, and
    ///   ``UnifiedBusinessNumberError/badCheckDigit`` when the check (divisible by 5) fails.
    public init(_ text: String) throws(UnifiedBusinessNumberError) {
        let normalized = InputText.normalized(text)
        guard !normalized.isEmpty else { throw .empty }
        guard normalized.count == 8 else { throw .wrongLength(normalized.count) }
        let digits = normalized.compactMap(InputText.digitValue)
        guard digits.count == 8 else { throw .notDigits }
        guard Self.passes(digits, divisor: 5) else { throw .badCheckDigit }
        self.value = normalized
    }

    /// True when ``init(_:)`` would accept `text`.
    public static func isValid(_ text: String) -> Bool {
        (try? UnifiedBusinessNumber(text)) != nil
    }

    /// True when the number also meets the check in force before April 2023 (total divisible by 10).
    public var isValidUnderPre2023Rule: Bool {
        Self.passes(value.compactMap(InputText.digitValue), divisor: 10)
    }

    /// The first five digits, then `***` (`04595***`), as an ID number is masked.
    public var masked: String { String(value.prefix(5)) + "***" }

    /// The masked form, ``masked``.
    public var description: String { masked }

    /// Decodes the eight digits as a string and validates them like ``init(_:)``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try UnifiedBusinessNumber(container.decode(String.self))
        } catch let error as UnifiedBusinessNumberError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``value``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The check over eight digit values with the given divisor (5 now, 10 before 2023).
    static func passes(_ digits: [Int], divisor: Int) -> Bool {
        guard digits.count == 8 else { return false }
        var total = 0
        for (digit, weight) in zip(digits, [1, 2, 1, 2, 1, 2, 4, 1]) {
            let product = digit * weight
            total += product / 10 + product % 10
        }
        if total % divisor == 0 { return true }
        return digits[6] == 7 && (total + 1) % divisor == 0
    }
}
