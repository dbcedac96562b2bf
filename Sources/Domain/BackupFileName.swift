public import Foundation

/// The name of a `.pfx` backup: `{ID}-{BROKER}({yyyy-MM-dd}).pfx`, the date being the day of the
/// export in Asia/Taipei — `A123456789-TCFHCSEC(2021-01-21).pfx` by default (the rule), or with
/// the ID masked as the broker app's screenshots show it, `P100254XXX-TCFHCSEC(2022-05-05).pfx`
/// (``IDStyle/masked``, for a drive other people may see). A copy that must not overwrite an
/// earlier file gets ` (2)`, ` (3)`… before the extension (``avoiding(_:)``).
///
/// Every name made is safe on FAT and exFAT drives (``isFATSafe(_:)``): letters, digits, `-`,
/// parentheses, a space before a copy number and the `.pfx` extension only.
public struct BackupFileName: Sendable, Hashable, CustomStringConvertible {
    /// The extension, without the dot.
    public static let fileExtension = "pfx"
    /// The longest name FAT and exFAT store, in UTF-16 code units.
    public static let maximumUTF16Length = 255

    /// Whose backup it is.
    public let holder: Holder
    /// The broker's code.
    public let broker: BrokerCode
    /// The day of the export (Asia/Taipei).
    public let exportDate: ROCDate
    /// nil for the plain name, 1 or more for `name (n).pfx`.
    public let copyNumber: Int?

    /// The name of a backup exported on `exportDate`.
    public init(customerID: CustomerID, broker: BrokerCode, exportDate: ROCDate, idStyle: IDStyle = .full) {
        self.holder = idStyle == .full ? .customer(customerID) : Holder.masked(customerID)
        self.broker = broker
        self.exportDate = exportDate
        self.copyNumber = nil
    }

    /// The name of a backup exported at the instant `exportedAt`, dated with the day it falls on in
    /// Asia/Taipei (2022-05-04 23:30 UTC is 2022-05-05 there).
    ///
    /// - Throws: ``BackupFileNameError/exportDateOutOfRange`` before 1912 or after 2910.
    public init(customerID: CustomerID, broker: BrokerCode, exportedAt: Date, idStyle: IDStyle = .full)
        throws(BackupFileNameError)
    {
        let day: ROCDate
        do { day = try ROCDate(date: exportedAt) } catch { throw .exportDateOutOfRange }
        self.init(customerID: customerID, broker: broker, exportDate: day, idStyle: idStyle)
    }

    private init(holder: Holder, broker: BrokerCode, exportDate: ROCDate, copyNumber: Int?) {
        self.holder = holder
        self.broker = broker
        self.exportDate = exportDate
        self.copyNumber = copyNumber
    }

    /// Reads a file name back: `{ID}-{BROKER}({yyyy-MM-dd}).pfx` with an optional ` (n)` before the
    /// extension. The extension and the ID's letter (and `XXX` of a masked ID) may be in any case;
    /// the ID may be whole or masked; the date must be written `yyyy-MM-dd` exactly.
    ///
    /// - Throws: ``BackupFileNameError/notPFX``, ``BackupFileNameError/unrecognizedPattern``,
    ///   ``BackupFileNameError/invalidHolder``, ``BackupFileNameError/invalidBroker(_:)`` and
    ///   ``BackupFileNameError/invalidDate``.
    public init(parsing name: String) throws(BackupFileNameError) {
        let suffix = "." + Self.fileExtension
        guard name.count > suffix.count, name.lowercased().hasSuffix(suffix) else { throw .notPFX }
        var stem = Substring(name.dropLast(suffix.count))

        var copyNumber: Int?
        if stem.hasSuffix(")"), let open = stem.lastIndex(of: "("), open > stem.startIndex,
           stem[stem.index(before: open)] == " "
        {
            let digits = stem[stem.index(after: open)..<stem.index(before: stem.endIndex)]
            if !digits.isEmpty, digits.count <= 6, digits.allSatisfy(InputText.isASCIIDigit), let n = Int(digits), n >= 1 {
                copyNumber = n
                stem = stem[..<stem.index(before: open)]
            }
        }

        guard stem.hasSuffix(")"), let open = stem.lastIndex(of: "("), let dash = stem.firstIndex(of: "-"), dash < open
        else { throw .unrecognizedPattern }
        let datePart = stem[stem.index(after: open)..<stem.index(before: stem.endIndex)]
        let holderPart = stem[..<dash]
        let brokerPart = stem[stem.index(after: dash)..<open]

        guard let holder = Holder.parse(holderPart) else { throw .invalidHolder }
        let broker: BrokerCode
        do { broker = try BrokerCode(String(brokerPart)) } catch { throw .invalidBroker(error) }
        guard brokerPart == broker.value else { throw .invalidBroker(.invalidCharacters) }
        let shape = datePart.map { InputText.isASCIIDigit($0) ? "9" : String($0) }.joined()
        guard shape == "9999-99-99", let day = try? ROCDate.parseGregorian(String(datePart)) else { throw .invalidDate }

        self.init(holder: holder, broker: broker, exportDate: day, copyNumber: copyNumber)
    }

    /// The file name: `P100254XXX-TCFHCSEC(2022-05-05).pfx`, or `… (2).pfx` for a copy.
    public var fileName: String {
        let copy = copyNumber.map { " (\($0))" } ?? ""
        return "\(holder.fileNamePart)-\(broker.value)(\(exportDate.gregorianString))\(copy).\(Self.fileExtension)"
    }

    /// ``fileName``.
    public var description: String { fileName }

    /// True when this can be `customerID`'s backup (see ``Holder/matches(_:)``).
    public func isFor(_ customerID: CustomerID) -> Bool { holder.matches(customerID) }

    /// This name without a copy number if no name in `existingNames` is equal to it, else the
    /// first of ` (2)`, ` (3)`… that is free. Names are compared ignoring case, as FAT and exFAT do.
    public func avoiding(_ existingNames: some Sequence<String>) -> BackupFileName {
        let taken = Set(existingNames.map { $0.lowercased() })
        var candidate = BackupFileName(holder: holder, broker: broker, exportDate: exportDate, copyNumber: nil)
        var number = 1
        while taken.contains(candidate.fileName.lowercased()) {
            number += 1
            candidate = BackupFileName(holder: holder, broker: broker, exportDate: exportDate, copyNumber: number)
        }
        return candidate
    }

    /// True when FAT and exFAT can store `name` as it is: not empty, not `.` or `..`, at most 255
    /// UTF-16 code units, none of `\ / : * ? " < > |`, no control characters (U+0000–U+001F,
    /// U+007F), and no dot or space at the end (Windows would drop them).
    public static func isFATSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name != ".", name != "..", name.utf16.count <= maximumUTF16Length else { return false }
        let forbidden: Set<Unicode.Scalar> = ["\\", "/", ":", "*", "?", "\"", "<", ">", "|"]
        for scalar in name.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || forbidden.contains(scalar) {
            return false
        }
        return !name.hasSuffix(".") && !name.hasSuffix(" ")
    }
}
