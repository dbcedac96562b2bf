public import Secrets

/// The rule for the password of a `.pfx` backup of a software certificate. The password itself is a
/// ``Secret`` (zeroed when released, never printed); this type only checks it.
///
/// A new backup's password (``checked(_:customerID:birthDate:)``) follows the broker's rule: 4 to 12
/// characters, ASCII letters and digits only, not containing the customer's ID number and not
/// containing the digits of the birth date in any of the forms of ``ROCDate/digitsVariants``.
/// The password of an existing file is taken as typed (no rule: any `Secret`).
public enum BackupPassword {
    /// Characters a new backup password may have.
    public static let allowedLength = 4...12

    /// A password for a new backup, checked against the rule; returns it unchanged.
    ///
    /// Besides equal to or containing ``CustomerID/value`` (case-insensitively), a password is
    /// refused when it contains the ID number's nine digits without the letter.
    ///
    /// - Parameters:
    ///   - password: as typed (not trimmed, not normalised: what is typed is the password).
    ///   - customerID: the customer whose backup it protects.
    ///   - birthDate: the birth date (company registration date); nil skips that rule.
    /// - Throws: the first rule broken, in the order ``BackupPasswordError/tooShort``,
    ///   ``BackupPasswordError/tooLong``, ``BackupPasswordError/invalidCharacters``,
    ///   ``BackupPasswordError/containsCustomerID``, ``BackupPasswordError/containsBirthDate``.
    public static func checked(_ password: Secret, customerID: CustomerID, birthDate: ROCDate?) throws(BackupPasswordError) -> Secret {
        if let first = problems(with: password, customerID: customerID, birthDate: birthDate).first {
            throw first
        }
        return password
    }

    /// Every rule `password` breaks (empty when it is acceptable). The check reads a short-lived
    /// copy of the text.
    public static func problems(with password: Secret, customerID: CustomerID, birthDate: ROCDate?) -> [BackupPasswordError] {
        problems(with: password.revealedString(), customerID: customerID, birthDate: birthDate)
    }

    /// Every rule `text` breaks, in the order of ``checked(_:customerID:birthDate:)`` (empty when it
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
}
