/// The password of a `.pfx` backup of a software certificate.
///
/// A new backup's password (``init(_:customerID:birthDate:)``) follows the broker's rule: 4 to 12
/// characters, ASCII letters and digits only, not containing the customer's ID number and not
/// containing the digits of the birth date in any of the forms of ``ROCDate/digitsVariants``.
/// The password of an existing file (``init(opening:)``) is taken as typed.
///
/// The value never shows itself: `description`, `debugDescription`, string interpolation,
/// `dump`/`Mirror` all give `BackupPassword(****)`, encoding gives `"****"`, and decoding always
/// fails (a password is never stored). The bytes (UTF-8) are kept in memory of their own that is
/// zeroed when the last copy of the value goes; reach them with ``withBytes(_:)`` or ``utf8``.
/// Two values compare equal, in constant time for a given length, when their bytes are equal.
public struct BackupPassword: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// Characters a new backup password may have.
    public static let allowedLength = 4...12
    /// What every printed form of a password shows.
    public static let redacted = "BackupPassword(****)"

    private let bytes: SecretBytes

    /// A password for a new backup, checked against the rule.
    ///
    /// Besides equal to or containing ``CustomerID/value`` (case-insensitively), a password is
    /// refused when it contains the ID number's nine digits without the letter.
    ///
    /// - Parameters:
    ///   - text: the password as typed (not trimmed, not normalised: what is typed is the password).
    ///   - customerID: the customer whose backup it protects.
    ///   - birthDate: the birth date (company registration date); nil skips that rule.
    /// - Throws: the first rule broken, in the order ``BackupPasswordError/tooShort``,
    ///   ``BackupPasswordError/tooLong``, ``BackupPasswordError/invalidCharacters``,
    ///   ``BackupPasswordError/containsCustomerID``, ``BackupPasswordError/containsBirthDate``.
    public init(_ text: String, customerID: CustomerID, birthDate: ROCDate?) throws(BackupPasswordError) {
        if let first = Self.problems(with: text, customerID: customerID, birthDate: birthDate).first {
            throw first
        }
        bytes = SecretBytes(text.utf8)
    }

    /// The password of an existing `.pfx` (made by this tool, by the broker's app or elsewhere):
    /// no rule is applied, the UTF-8 bytes are kept as typed.
    public init(opening text: String) {
        bytes = SecretBytes(text.utf8)
    }

    /// Every rule `text` breaks, in the order of ``init(_:customerID:birthDate:)`` (empty when it
    /// is acceptable), for a form that shows all of them at once.
    public static func problems(with text: String, customerID: CustomerID, birthDate: ROCDate?) -> [BackupPasswordError] {
        var problems: [BackupPasswordError] = []
        if text.count < allowedLength.lowerBound { problems.append(.tooShort) }
        if text.count > allowedLength.upperBound { problems.append(.tooLong) }
        if !text.allSatisfy({ InputText.isASCIILetter($0) || InputText.isASCIIDigit($0) }) {
            problems.append(.invalidCharacters)
        }
        let lowered = text.lowercased()
        if idForms(of: customerID).contains(where: { lowered.contains($0) }) {
            problems.append(.containsCustomerID)
        }
        if let birthDate, birthDate.digitsVariants.contains(where: { lowered.contains($0) }) {
            problems.append(.containsBirthDate)
        }
        return problems
    }

    /// The lowercased strings of an ID that a password may not contain.
    private static func idForms(of customerID: CustomerID) -> [String] {
        switch customerID {
        case .person(let id): [id.value.lowercased(), String(id.value.dropFirst())]
        case .company(let number): [number.value]
        }
    }

    /// Calls `body` with the password's UTF-8 bytes, for a PKCS#12 writer or reader. The pointer
    /// is valid only during the call.
    ///
    /// - Throws: whatever `body` throws.
    public func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try bytes.withBytes(body)
    }

    /// A copy of the UTF-8 bytes. The copy is not wiped; prefer ``withBytes(_:)``.
    public var utf8: [UInt8] { bytes.withBytes { Array($0) } }

    /// Equal bytes, compared in time that depends only on the length.
    public static func == (lhs: BackupPassword, rhs: BackupPassword) -> Bool {
        lhs.bytes.constantTimeEquals(rhs.bytes)
    }

    /// ``redacted``, never the password.
    public var description: String { Self.redacted }
    /// ``redacted``, never the password.
    public var debugDescription: String { Self.redacted }
    /// A mirror without children, so `dump` and reflection show only ``redacted``.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Encodes `"****"`, never the password.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("****")
    }

    /// Always fails: a backup password is never stored, so there is nothing to decode.
    ///
    /// - Throws: `DecodingError.dataCorrupted`, always.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "a backup password is never stored")
    }
}
