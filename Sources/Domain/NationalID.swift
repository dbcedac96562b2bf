/// A Taiwan national ID number (國民身分證統一編號), or the number of a resident certificate in
/// the format used since 2021 (新式統一證號): an uppercase letter and nine digits, `A123456789`.
///
/// The second character is 1 or 2 for citizens, 8 or 9 for resident certificates. The last digit
/// is a check digit: the letter becomes a two-digit number (A=10 … H=17, J=18 … N=22, P=23 …
/// V=29, X=30, Y=31, W=32, Z=33, I=34, O=35), and its tens and units followed by the nine digits,
/// weighted 1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, must add up to a multiple of 10. Resident
/// certificates of the older two-letter format (`AB12345678`) are not accepted.
///
/// Printing a value (`description`, interpolation) shows the masked form ``masked``,
/// `A123456***`; ``value`` is the whole number. `Codable` as the whole number, validated when decoded.
public struct NationalID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number: one uppercase ASCII letter and nine ASCII digits.
    public let value: String

    /// Validates and normalises a typed ID number: surrounding whitespace is trimmed, full-width
    /// characters (`Ａ１２３…`) become ASCII, the letter is uppercased.
    ///
    /// - Throws: ``NationalIDError/empty``, ``NationalIDError/wrongLength(_:)`` unless ten
    ///   characters, ``NationalIDError/firstCharacterNotLetter``, ``NationalIDError/notDigits``,
    ///   ``NationalIDError/unknownSecondDigit`` unless 1, 2, 8 or 9, and
    ///   ``NationalIDError/badCheckDigit``.
    public init(_ text: String) throws(NationalIDError) {
        let normalized = InputText.normalized(text)
        guard !normalized.isEmpty else { throw .empty }
        let characters = Array(normalized)
        guard characters.count == 10 else { throw .wrongLength(characters.count) }
        guard InputText.isASCIILetter(characters[0]) else { throw .firstCharacterNotLetter }
        let letter = Character(characters[0].uppercased())
        let digits = characters.dropFirst().compactMap(InputText.digitValue)
        guard digits.count == 9 else { throw .notDigits }
        guard [1, 2, 8, 9].contains(digits[0]) else { throw .unknownSecondDigit }
        guard Self.checkDigit(letter: letter, digits: digits.prefix(8)) == digits[8] else { throw .badCheckDigit }
        self.value = String(letter) + digits.map(String.init).joined()
    }

    /// True when ``init(_:)`` would accept `text`.
    public static func isValid(_ text: String) -> Bool {
        (try? NationalID(text)) != nil
    }

    /// Citizen or resident certificate.
    public var kind: Kind {
        let second = value[value.index(after: value.startIndex)]
        return second == "1" || second == "2" ? .citizen : .residentCertificate
    }

    /// The display form of DESIGN.md: the first seven characters, then `***` (`P100254***`).
    public var masked: String { String(value.prefix(7)) + "***" }

    /// The masked form, ``masked``: an ID number never prints whole by accident.
    public var description: String { masked }

    /// Decodes the whole number as a string and validates it like ``init(_:)``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid ID number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try NationalID(container.decode(String.self))
        } catch let error as NationalIDError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``value``, the whole number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// The two-digit number each first letter stands for in the check-digit sum.
    static let letterNumbers: [Character: Int] = [
        "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
        "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
        "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
    ]

    /// The check digit for an uppercase letter and the eight digits that follow it.
    static func checkDigit(letter: Character, digits: some Collection<Int>) -> Int? {
        guard let number = letterNumbers[letter], digits.count == 8 else { return nil }
        var sum = (number / 10) * 1 + (number % 10) * 9
        for (digit, weight) in zip(digits, [8, 7, 6, 5, 4, 3, 2, 1]) {
            sum += digit * weight
        }
        return (10 - sum % 10) % 10
    }
}
