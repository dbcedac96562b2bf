/// A securities trading account: a 4-digit branch code (分公司代號) and a 7-digit account
/// number, written `1020-1234567`.
///
/// Printing a value shows the masked form ``masked`` (`1020-XXXXXX`); `Codable` as ``formatted``,
/// validated when decoded. No check digit is verified: brokers number accounts their own way.
public struct SecuritiesAccount: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The branch code, four ASCII digits.
    public let branch: String
    /// The account number within the branch, seven ASCII digits.
    public let number: String

    /// Validates the two parts (trimmed, full-width digits accepted).
    ///
    /// - Throws: ``SecuritiesAccountError/empty`` when both are empty,
    ///   ``SecuritiesAccountError/notDigits`` for anything but digits,
    ///   ``SecuritiesAccountError/wrongDigitCount(_:)`` unless there are eleven digits in all, and
    ///   ``SecuritiesAccountError/misplacedSeparator`` when they are not split four and seven.
    public init(branch: String, number: String) throws(SecuritiesAccountError) {
        let branch = InputText.normalized(branch), number = InputText.normalized(number)
        guard !(branch.isEmpty && number.isEmpty) else { throw .empty }
        guard (branch + number).allSatisfy(InputText.isASCIIDigit) else { throw .notDigits }
        try self.init(branch + "-" + number)
    }

    /// Reads `1020-1234567`, `10201234567` or `1020 1234567`: full-width digits and dashes are
    /// accepted, surrounding whitespace is trimmed, and a dash or a space may only separate the
    /// branch code from the account.
    ///
    /// - Throws: ``SecuritiesAccountError/empty``, ``SecuritiesAccountError/notDigits`` for any
    ///   other character or more than one separator, ``SecuritiesAccountError/misplacedSeparator``
    ///   for a separator elsewhere than after four digits, and
    ///   ``SecuritiesAccountError/wrongDigitCount(_:)`` unless there are eleven digits.
    public init(_ text: String) throws(SecuritiesAccountError) {
        let normalized = InputText.normalized(text)
        guard !normalized.isEmpty else { throw .empty }
        let separators = normalized.indices.filter { normalized[$0] == "-" || normalized[$0] == " " }
        guard normalized.allSatisfy({ InputText.isASCIIDigit($0) || $0 == "-" || $0 == " " }), separators.count <= 1
        else { throw .notDigits }
        let digits = normalized.filter(InputText.isASCIIDigit)
        if let separator = separators.first, normalized.distance(from: normalized.startIndex, to: separator) != 4 {
            throw digits.count == 11 ? .misplacedSeparator : .wrongDigitCount(digits.count)
        }
        guard digits.count == 11 else { throw .wrongDigitCount(digits.count) }
        self.branch = String(digits.prefix(4))
        self.number = String(digits.suffix(7))
    }

    /// `1020-1234567`.
    public var formatted: String { branch + "-" + number }

    /// `1020-XXXXXX`: the branch code, a dash, and ``Masking/hiddenRun`` (six `X` for the seven
    /// digits, as DESIGN.md shows it; the mask does not tell the length it hides).
    public var masked: String { branch + "-" + Masking.hiddenRun }

    /// The masked form, ``masked``.
    public var description: String { masked }

    /// Decodes a string in any form ``init(_:)`` accepts.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when it is not an account.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try SecuritiesAccount(container.decode(String.self))
        } catch let error as SecuritiesAccountError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``formatted``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(formatted)
    }
}
