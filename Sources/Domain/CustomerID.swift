/// Who a customer is: a person by national ID number, or a company by unified business number.
///
/// Printing a value shows the masked form; `Codable` as the whole number (a single string),
/// validated and sorted into person or company when decoded.
public enum CustomerID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A person (or a resident) by ID number.
    case person(NationalID)
    /// A company by unified business number.
    case company(UnifiedBusinessNumber)

    /// Reads either kind, choosing by shape after trimming and mapping full-width characters: a
    /// text that starts with a letter is read as a ``NationalID``, one that is all digits as a
    /// ``UnifiedBusinessNumber``.
    ///
    /// - Throws: ``CustomerIDError/empty``, ``CustomerIDError/unrecognizedShape`` for anything
    ///   else, ``CustomerIDError/nationalID(_:)`` or ``CustomerIDError/unifiedBusinessNumber(_:)``
    ///   with the reason the chosen kind refused it.
    public init(_ text: String) throws(CustomerIDError) {
        let normalized = InputText.normalized(text)
        guard let first = normalized.first else { throw .empty }
        if InputText.isASCIILetter(first) {
            do { self = .person(try NationalID(normalized)) } catch { throw .nationalID(error) }
        } else if normalized.allSatisfy(InputText.isASCIIDigit) {
            do { self = .company(try UnifiedBusinessNumber(normalized)) } catch { throw .unifiedBusinessNumber(error) }
        } else {
            throw .unrecognizedShape
        }
    }

    /// True when ``init(_:)`` would accept `text`.
    public static func isValid(_ text: String) -> Bool {
        (try? CustomerID(text)) != nil
    }

    /// The whole number: `A123456789` or `22099131`.
    public var value: String {
        switch self {
        case .person(let id): id.value
        case .company(let number): number.value
        }
    }

    /// The display form: `A123456***` for a person, `22099***` for a company.
    public var masked: String {
        switch self {
        case .person(let id): id.masked
        case .company(let number): number.masked
        }
    }

    /// The masked form, ``masked``.
    public var description: String { masked }

    /// Decodes the whole number as a string, like ``init(_:)``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is neither kind.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try CustomerID(container.decode(String.self))
        } catch let error as CustomerIDError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``value``, the whole number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
