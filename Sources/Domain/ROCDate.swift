public import Foundation

/// A calendar day in the Republic of China (Minguo, 民國) calendar: the Gregorian calendar with
/// years counted from 1912, so ROC year = Gregorian year − 1911 (民國44年 is 1955).
///
/// Years run from ROC 1 (1912) to ROC 999 (2910), the years that one to three digits can write,
/// which is what keeps the parsers unambiguous: a year written with one to three digits is an ROC
/// year, a year written with four digits is a Gregorian year.
///
/// A value is always a day that exists (no Feb 30, no Feb 29 in a common year, no month 13, no
/// year 0). It is a day, not an instant: ``date`` is its start in Asia/Taipei.
///
/// Encoded (`Codable`) as a single string in the ``rocString`` form (`"44/02/01"`); decoding
/// accepts everything ``parseBirthDate(_:)`` accepts.
public struct ROCDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Gregorian year − ROC year.
    public static let gregorianOffset = 1911
    /// The ROC years a value can have.
    public static let validYears = 1...999

    /// The ROC year, 1–999.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, 1–31.
    public let day: Int

    /// A day from its ROC year, month and day.
    ///
    /// - Throws: ``ROCDateError/beforeROCEra`` for a year below 1, ``ROCDateError/yearTooLarge``
    ///   above 999, ``ROCDateError/invalidMonth(_:)`` outside 1–12, and
    ///   ``ROCDateError/invalidDay(day:month:daysInMonth:)`` for a day that month does not have.
    public init(year: Int, month: Int, day: Int) throws(ROCDateError) {
        guard year >= Self.validYears.lowerBound else { throw .beforeROCEra }
        guard year <= Self.validYears.upperBound else { throw .yearTooLarge }
        guard (1...12).contains(month) else { throw .invalidMonth(month) }
        let days = Self.daysIn(month: month, gregorianYear: year + Self.gregorianOffset)
        guard (1...days).contains(day) else { throw .invalidDay(day: day, month: month, daysInMonth: days) }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A day from its Gregorian year, month and day (1955, 2, 1 is ROC 44/02/01).
    ///
    /// - Throws: the errors of ``init(year:month:day:)``; a Gregorian year before 1912 is
    ///   ``ROCDateError/beforeROCEra``.
    public init(gregorianYear: Int, month: Int, day: Int) throws(ROCDateError) {
        try self.init(year: gregorianYear - Self.gregorianOffset, month: month, day: day)
    }

    /// The day that `date` falls on in Asia/Taipei (23:30 UTC is already the next day there).
    ///
    /// - Throws: ``ROCDateError/beforeROCEra`` before 1912-01-01 (Taipei),
    ///   ``ROCDateError/yearTooLarge`` after 2910, ``ROCDateError/unusableComponents`` if the
    ///   calendar cannot split the instant into a day.
    public init(date: Date) throws(ROCDateError) {
        let parts = Domain.taipeiCalendar.dateComponents([.era, .year, .month, .day], from: date)
        guard let era = parts.era, let year = parts.year, let month = parts.month, let day = parts.day else {
            throw .unusableComponents
        }
        guard era == 1 else { throw .beforeROCEra }
        try self.init(gregorianYear: year, month: month, day: day)
    }

    /// A day from date components: year, month and day are read in the components' calendar when
    /// it is the ROC calendar (`Calendar.Identifier.republicOfChina`), in the Gregorian calendar
    /// when it is Gregorian or absent.
    ///
    /// - Throws: ``ROCDateError/unusableComponents`` when year, month or day is missing or the
    ///   calendar is another one (or an era before the ROC / before the Common Era is given); the
    ///   errors of ``init(year:month:day:)`` for a day that does not exist.
    public init(dateComponents: DateComponents) throws(ROCDateError) {
        guard let year = dateComponents.year, let month = dateComponents.month, let day = dateComponents.day else {
            throw .unusableComponents
        }
        switch dateComponents.calendar?.identifier {
        case .republicOfChina?:
            if let era = dateComponents.era, era != 1 { throw .beforeROCEra }
            try self.init(year: year, month: month, day: day)
        case .gregorian?, nil:
            if let era = dateComponents.era, era != 1 { throw .beforeROCEra }
            try self.init(gregorianYear: year, month: month, day: day)
        default:
            throw .unusableComponents
        }
    }

    // MARK: Views

    /// The Gregorian year (ROC year + 1911).
    public var gregorianYear: Int { year + Self.gregorianOffset }

    /// The start of this day in Asia/Taipei: 00:00, or the first instant of the day on the few
    /// days when daylight saving time skipped midnight (Taiwan observed DST in 1945–1961, 1974,
    /// 1975 and 1979).
    public var date: Date {
        let calendar = Domain.taipeiCalendar
        let noon = calendar.date(from: DateComponents(year: gregorianYear, month: month, day: day, hour: 12))!
        return calendar.startOfDay(for: noon)
    }

    /// Year, month and day in the Gregorian calendar of Asia/Taipei (calendar and time zone set).
    public var dateComponents: DateComponents {
        DateComponents(calendar: Domain.taipeiCalendar, timeZone: Domain.taipei,
                       year: gregorianYear, month: month, day: day)
    }

    /// Era, year, month and day in Foundation's ROC calendar (`.republicOfChina`, era 1 = 民國)
    /// in Asia/Taipei.
    public var rocDateComponents: DateComponents {
        var calendar = Calendar(identifier: .republicOfChina)
        calendar.timeZone = Domain.taipei
        return DateComponents(calendar: calendar, timeZone: Domain.taipei,
                              era: 1, year: year, month: month, day: day)
    }

    /// `44/02/01`: ROC year as is, month and day with two digits.
    public var rocString: String {
        "\(year)/\(InputText.padded(month, 2))/\(InputText.padded(day, 2))"
    }

    /// `民國44年2月1日`.
    public var chineseString: String { "民國\(year)年\(month)月\(day)日" }

    /// `1955-02-01` (ISO 8601 calendar date).
    public var gregorianString: String {
        "\(InputText.padded(gregorianYear, 4))-\(InputText.padded(month, 2))-\(InputText.padded(day, 2))"
    }

    /// `0440201`: seven digits, the ROC year zero-padded to three.
    public var compactString: String {
        InputText.padded(year, 3) + InputText.padded(month, 2) + InputText.padded(day, 2)
    }

    /// The ``rocString`` form.
    public var description: String { rocString }

    /// The digit strings this day could be typed as, used to refuse a birth date inside a password
    /// (``BackupPassword``). For ROC 44/2/1 (1955-02-01):
    ///
    /// - ROC year, month, day: `440201` (year as is), `0440201` (year padded to three), and `4421`
    ///   (nothing padded); for years below 10 also the year padded to two (`050201`).
    /// - Gregorian year, month, day: `19550201`, `550201` (two-digit year), `195521` (nothing padded).
    /// - Day first and month first with the Gregorian year: `01021955`, `02011955`.
    /// - Month and day alone: `0201`.
    ///
    /// Strings shorter than four digits are left out (ROC 1/1/1 unpadded is `111`, which would
    /// refuse far too many passwords).
    public var digitsVariants: Set<String> {
        let mm = InputText.padded(month, 2), dd = InputText.padded(day, 2)
        let m = String(month), d = String(day)
        let gregorian = InputText.padded(gregorianYear, 4)
        let shortGregorian = InputText.padded(gregorianYear % 100, 2)
        let candidates = [
            String(year) + mm + dd,
            InputText.padded(year, 2) + mm + dd,
            InputText.padded(year, 3) + mm + dd,
            String(year) + m + d,
            gregorian + mm + dd,
            shortGregorian + mm + dd,
            gregorian + m + d,
            dd + mm + gregorian,
            mm + dd + gregorian,
            mm + dd,
        ]
        return Set(candidates.filter { $0.count >= 4 })
    }

    // MARK: Comparable, Codable

    /// Earlier days first.
    public static func < (lhs: ROCDate, rhs: ROCDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes one string in any form ``parseBirthDate(_:)`` accepts.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid date.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self.parseBirthDate(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a date: \(error)")
        }
    }

    /// Encodes the ``rocString`` form, `"44/02/01"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rocString)
    }

    // MARK: Calendar arithmetic

    /// True when `gregorianYear` has a Feb 29 (divisible by 4, but centuries only when divisible by 400).
    public static func isLeapYear(gregorianYear year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in `month` (1–12) of `gregorianYear`; 0 for a month outside 1–12.
    static func daysIn(month: Int, gregorianYear: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(gregorianYear: gregorianYear) ? 29 : 28
        default: 0
        }
    }
}

// MARK: - Parsing

extension ROCDate {
    /// Reads an ROC (民國) date as people type it. Full-width digits and separators
    /// (`４４／２／１`), the ideographic space and surrounding whitespace are accepted. Forms:
    ///
    /// - `Y/M/D`, `Y-M-D` or `Y.M.D` with the same separator twice, a year of one to three digits,
    ///   month and day of one or two digits, zeros optional: `44/2/1`, `044/02/01`, `044-02-01`,
    ///   `44.2.1`; spaces around the separators are allowed.
    /// - Seven digits, the year padded to three: `0440201`, `1090229`.
    /// - Chinese: `44年2月1日`, optionally after `民國` or `中華民國` (`民國44年2月1日`,
    ///   `民國 44 年 2 月 1 日`), with `日` (or `號`) optional at the end.
    /// - Any of the separated or compact forms after `民國` (`民國44/2/1`).
    ///
    /// Six digits are refused as ambiguous (``ROCDateError/ambiguousCompactDigits``); so are other
    /// digit counts, Chinese numerals (四十四年) and mixed separators.
    ///
    /// - Throws: ``ROCDateError/empty``, ``ROCDateError/unrecognizedFormat``,
    ///   ``ROCDateError/ambiguousCompactDigits``, ``ROCDateError/gregorianYearNotAccepted`` for a
    ///   four-digit year, eight digits or a `西元` prefix, and the errors of
    ///   ``init(year:month:day:)`` for a day that does not exist.
    public static func parse(_ text: String) throws(ROCDateError) -> ROCDate {
        try parse(text, accepting: .roc)
    }

    /// Reads a Gregorian date: `1955-02-01`, `1955/2/1`, `1955.2.1`, eight digits `19550201`,
    /// `1955年2月1日`, optionally after `西元` or `公元`; full-width digits and separators accepted.
    /// The year must have four digits.
    ///
    /// - Throws: ``ROCDateError/empty``, ``ROCDateError/unrecognizedFormat``,
    ///   ``ROCDateError/ambiguousCompactDigits``, ``ROCDateError/rocYearNotAccepted`` for a year of
    ///   one to three digits, seven digits or a `民國` prefix, ``ROCDateError/beforeROCEra`` before
    ///   1912, and the errors of ``init(year:month:day:)``.
    public static func parseGregorian(_ text: String) throws(ROCDateError) -> ROCDate {
        try parse(text, accepting: .gregorian)
    }

    /// Reads a birth date (or a company's registration date) typed either way: the year's digit
    /// count decides, so nothing is guessed. A year of one to three digits, seven compact digits
    /// or a `民國` prefix is ROC (see ``parse(_:)``); a four-digit year, eight compact digits or a
    /// `西元`/`公元` prefix is Gregorian (see ``parseGregorian(_:)``). `44/2/1`, `民國44年2月1日`,
    /// `0440201`, `1955-02-01`, `19550201` and `1955年2月1日` are all the same day.
    ///
    /// - Throws: ``ROCDateError/empty``, ``ROCDateError/unrecognizedFormat``,
    ///   ``ROCDateError/ambiguousCompactDigits`` for six digits,
    ///   ``ROCDateError/gregorianYearNotAccepted`` / ``ROCDateError/rocYearNotAccepted`` when a
    ///   prefix contradicts the year (`民國1955年…`, `西元44年…`), and the errors of
    ///   ``init(year:month:day:)``.
    public static func parseBirthDate(_ text: String) throws(ROCDateError) -> ROCDate {
        try parse(text, accepting: nil)
    }

    /// How a year was written.
    private enum Era { case roc, gregorian }

    /// A piece of a date as typed: a run of ASCII digits, or one other character.
    private enum Token: Equatable {
        case number(String)
        case symbol(Character)
    }

    /// The common parser: `accepting` nil takes both eras, otherwise only the one given.
    private static func parse(_ text: String, accepting accepted: Era?) throws(ROCDateError) -> ROCDate {
        var rest = Substring(InputText.normalized(text))
        guard !rest.isEmpty else { throw .empty }

        var declared: Era?
        for (prefix, era) in [("中華民國", Era.roc), ("民國", .roc), ("民国", .roc), ("西元", .gregorian), ("公元", .gregorian)]
        where rest.hasPrefix(prefix) {
            declared = era
            rest = rest.dropFirst(prefix.count)
            break
        }

        let tokens = tokenize(rest)
        let yearDigits: String, monthDigits: String, dayDigits: String
        switch tokens.count {
        case 1:
            guard case .number(let digits) = tokens[0] else { throw .unrecognizedFormat }
            switch digits.count {
            case 6: throw .ambiguousCompactDigits
            case 7, 8:
                let yearLength = digits.count - 4
                yearDigits = String(digits.prefix(yearLength))
                monthDigits = String(digits.dropFirst(yearLength).prefix(2))
                dayDigits = String(digits.suffix(2))
            default: throw .unrecognizedFormat
            }
        case 5, 6:
            guard case .number(let y) = tokens[0], case .symbol(let first) = tokens[1],
                  case .number(let m) = tokens[2], case .symbol(let second) = tokens[3],
                  case .number(let d) = tokens[4]
            else { throw .unrecognizedFormat }
            let separated = tokens.count == 5 && first == second && "/-.".contains(first)
            let chinese = first == "年" && second == "月"
                && (tokens.count == 5 || tokens[5] == .symbol("日") || tokens[5] == .symbol("號") || tokens[5] == .symbol("号"))
            guard separated || chinese else { throw .unrecognizedFormat }
            (yearDigits, monthDigits, dayDigits) = (y, m, d)
        default:
            throw .unrecognizedFormat
        }

        guard (1...4).contains(yearDigits.count), (1...2).contains(monthDigits.count), (1...2).contains(dayDigits.count)
        else { throw .unrecognizedFormat }
        let written: Era = yearDigits.count == 4 ? .gregorian : .roc

        if let declared, declared != written {
            throw declared == .roc ? .gregorianYearNotAccepted : .rocYearNotAccepted
        }
        if let accepted, accepted != written {
            throw accepted == .roc ? .gregorianYearNotAccepted : .rocYearNotAccepted
        }
        let year = Int(yearDigits)!, month = Int(monthDigits)!, day = Int(dayDigits)!
        switch written {
        case .roc: return try ROCDate(year: year, month: month, day: day)
        case .gregorian: return try ROCDate(gregorianYear: year, month: month, day: day)
        }
    }

    /// Splits into digit runs and single other characters; spaces only end a digit run.
    private static func tokenize(_ text: Substring) -> [Token] {
        var tokens: [Token] = []
        var digits = ""
        func flush() {
            if !digits.isEmpty { tokens.append(.number(digits)); digits = "" }
        }
        for character in text {
            if InputText.isASCIIDigit(character) {
                digits.append(character)
            } else {
                flush()
                if !character.isWhitespace { tokens.append(.symbol(character)) }
            }
        }
        flush()
        return tokens
    }
}
