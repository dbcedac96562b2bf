extension BackupFileName {
    /// Whose backup a file is, as far as its name tells.
    public enum Holder: Sendable, Hashable {
        /// The whole number was in the name.
        case customer(CustomerID)
        /// A masked number: the first seven characters of an ID number or the first five digits of
        /// a unified business number, then `XXX` (`P100254XXX`, `22099XXX`), uppercase.
        case masked(String)

        /// The holder as written in a file name.
        public var fileNamePart: String {
            switch self {
            case .customer(let id): id.value
            case .masked(let text): text
            }
        }

        /// True when the name can be this customer's: the same number, or a mask that the
        /// number's visible characters agree with.
        public func matches(_ customerID: CustomerID) -> Bool {
            switch self {
            case .customer(let id): id == customerID
            case .masked(let text): text == Self.masked(customerID).fileNamePart
            }
        }

        /// The masked holder of a customer.
        static func masked(_ customerID: CustomerID) -> Holder {
            .masked(String(customerID.value.dropLast(3)) + "XXX")
        }

        /// Reads the holder part of a file name: a whole valid number, or a masked one (letter +
        /// six digits + `XXX`, or five digits + `XXX`; letters in either case). Nil otherwise.
        static func parse(_ text: Substring) -> Holder? {
            let upper = text.uppercased()
            if upper.hasSuffix("XXX") {
                let head = upper.dropLast(3)
                let isPerson = head.count == 7 && InputText.isASCIILetter(head.first!)
                    && head.dropFirst().allSatisfy(InputText.isASCIIDigit)
                let isCompany = head.count == 5 && head.allSatisfy(InputText.isASCIIDigit)
                return isPerson || isCompany ? .masked(upper) : nil
            }
            guard upper.allSatisfy({ $0.isASCII && !$0.isWhitespace }), let id = try? CustomerID(upper) else { return nil }
            return .customer(id)
        }
    }
}
