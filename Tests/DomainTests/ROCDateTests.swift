import Domain
import Foundation
import XCTest

final class ROCDateTests: XCTestCase {
    private func day(_ year: Int, _ month: Int, _ day: Int) -> ROCDate {
        try! ROCDate(year: year, month: month, day: day)
    }

    // MARK: Parsing ROC forms

    func testParsesEveryAcceptedROCForm() throws {
        let expected = day(44, 2, 1)
        let forms = [
            "44/2/1", "044/02/01", "044-02-01", "44-2-1", "44.2.1", "0440201", " 44/2/1 ", "44 / 2 / 1",
            "民國44年2月1日", "民國 44 年 2 月 1 日", "44年2月1日", "44年 2月 1日", "民國44年2月1", "民國44年2月1號",
            "中華民國44年2月1日", "民國44/2/1", "民國0440201", "民国44年2月1日",
            "４４/２/１", "４４／２／１", "０４４－０２－０１", "０４４０２０１", "　民國４４年２月１日　", "44/02/01\n",
        ]
        for form in forms {
            XCTAssertEqual(try ROCDate.parse(form), expected, form)
            XCTAssertEqual(try ROCDate.parseBirthDate(form), expected, form)
        }
    }

    func testThreeDigitYears() throws {
        XCTAssertEqual(try ROCDate.parse("100/1/1"), day(100, 1, 1))
        XCTAssertEqual(try ROCDate.parse("1000101"), day(100, 1, 1))
        XCTAssertEqual(try ROCDate.parse("民國113年12月31日"), day(113, 12, 31))
        XCTAssertEqual(try ROCDate.parse("999/12/31"), day(999, 12, 31))
        XCTAssertEqual(try ROCDate.parse("9991231"), day(999, 12, 31))
    }

    func testBoundaryDays() throws {
        XCTAssertEqual(try ROCDate.parse("1/1/1"), day(1, 1, 1))
        XCTAssertEqual(try ROCDate.parse("0010101"), day(1, 1, 1))
        XCTAssertEqual(try ROCDate.parse("民國1年1月1日").gregorianString, "1912-01-01")
        XCTAssertEqual(try ROCDate.parse("民國109年2月29日").gregorianString, "2020-02-29")
        assertThrows(try ROCDate.parse("民國110年2月29日"), ROCDateError.invalidDay(day: 29, month: 2, daysInMonth: 28))
        assertThrows(try ROCDate.parse("0/1/1"), ROCDateError.beforeROCEra)
        assertThrows(try ROCDate.parse("000/12/31"), ROCDateError.beforeROCEra)
        assertThrows(try ROCDate.parse("0001231"), ROCDateError.beforeROCEra)
        assertThrows(try ROCDate.parseGregorian("1911-12-31"), ROCDateError.beforeROCEra)
        XCTAssertEqual(try ROCDate.parseGregorian("1912-01-01"), day(1, 1, 1))
        assertThrows(try ROCDate.parseGregorian("2911-01-01"), ROCDateError.yearTooLarge)
        XCTAssertEqual(try ROCDate.parseGregorian("2910-12-31"), day(999, 12, 31))
        assertThrows(try ROCDate(year: 1000, month: 1, day: 1), ROCDateError.yearTooLarge)
        assertThrows(try ROCDate(year: -5, month: 1, day: 1), ROCDateError.beforeROCEra)
    }

    func testRefusesDaysThatDoNotExist() {
        assertThrows(try ROCDate.parse("44/2/30"), ROCDateError.invalidDay(day: 30, month: 2, daysInMonth: 28))
        assertThrows(try ROCDate.parse("44/2/0"), ROCDateError.invalidDay(day: 0, month: 2, daysInMonth: 28))
        assertThrows(try ROCDate.parse("44/4/31"), ROCDateError.invalidDay(day: 31, month: 4, daysInMonth: 30))
        assertThrows(try ROCDate.parse("44/13/1"), ROCDateError.invalidMonth(13))
        assertThrows(try ROCDate.parse("44/0/1"), ROCDateError.invalidMonth(0))
        assertThrows(try ROCDate.parse("0441301"), ROCDateError.invalidMonth(13))
        assertThrows(try ROCDate.parseGregorian("1955-02-29"), ROCDateError.invalidDay(day: 29, month: 2, daysInMonth: 28))
        XCTAssertNoThrow(try ROCDate.parse("44/1/31"))
        XCTAssertNoThrow(try ROCDate.parse("44/12/31"))
    }

    func testGregorianLeapRules() {
        // 2000 is a leap year (divisible by 400), 2100 is not (a century), 2400 is.
        XCTAssertNoThrow(try ROCDate(gregorianYear: 2000, month: 2, day: 29))
        assertThrows(try ROCDate(gregorianYear: 2100, month: 2, day: 29), ROCDateError.invalidDay(day: 29, month: 2, daysInMonth: 28))
        XCTAssertNoThrow(try ROCDate(gregorianYear: 2400, month: 2, day: 29))
        XCTAssertNoThrow(try ROCDate(gregorianYear: 2024, month: 2, day: 29))
        assertThrows(try ROCDate(gregorianYear: 2023, month: 2, day: 29), ROCDateError.invalidDay(day: 29, month: 2, daysInMonth: 28))
        XCTAssertTrue(ROCDate.isLeapYear(gregorianYear: 2000))
        XCTAssertFalse(ROCDate.isLeapYear(gregorianYear: 1900))
    }

    func testRefusesWhatItWillNotGuess() {
        assertThrows(try ROCDate.parse(""), ROCDateError.empty)
        assertThrows(try ROCDate.parse("   　"), ROCDateError.empty)
        assertThrows(try ROCDate.parse("440201"), ROCDateError.ambiguousCompactDigits)
        assertThrows(try ROCDate.parseBirthDate("440201"), ROCDateError.ambiguousCompactDigits)
        assertThrows(try ROCDate.parseBirthDate("100101"), ROCDateError.ambiguousCompactDigits)
        assertThrows(try ROCDate.parse("44021"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("044020100"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44/2-1"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44/2"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44/2/1/"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44 2 1"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("4 4/2/1"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44/002/1"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("四十四年二月一日"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("44年2月"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("民國"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("-44/2/1"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("abc"), ROCDateError.unrecognizedFormat)
        assertThrows(try ROCDate.parse("٤٤/٢/١"), ROCDateError.unrecognizedFormat)  // Arabic-Indic digits
        assertThrows(try ROCDate.parse("10000/1/1"), ROCDateError.unrecognizedFormat)
    }

    func testROCParserRefusesGregorianYears() {
        assertThrows(try ROCDate.parse("1955-02-01"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parse("1955/2/1"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parse("19550201"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parse("1955年2月1日"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parse("西元44年2月1日"), ROCDateError.rocYearNotAccepted)
        assertThrows(try ROCDate.parse("民國1955年2月1日"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parse("西元1955年2月1日"), ROCDateError.gregorianYearNotAccepted)
    }

    // MARK: Gregorian and either

    func testParsesGregorianForms() throws {
        let expected = day(44, 2, 1)
        for form in ["1955-02-01", "1955/2/1", "1955.2.1", "19550201", "1955年2月1日", "西元1955年2月1日",
                     "公元1955-02-01", "１９５５－０２－０１", "１９５５／２／１"] {
            XCTAssertEqual(try ROCDate.parseGregorian(form), expected, form)
            XCTAssertEqual(try ROCDate.parseBirthDate(form), expected, form)
        }
        assertThrows(try ROCDate.parseGregorian("44/2/1"), ROCDateError.rocYearNotAccepted)
        assertThrows(try ROCDate.parseGregorian("0440201"), ROCDateError.rocYearNotAccepted)
        assertThrows(try ROCDate.parseGregorian("民國44年2月1日"), ROCDateError.rocYearNotAccepted)
        assertThrows(try ROCDate.parseGregorian("550201"), ROCDateError.ambiguousCompactDigits)
    }

    func testBirthDateParserDecidesByYearDigits() throws {
        XCTAssertEqual(try ROCDate.parseBirthDate("99/12/31").gregorianString, "2010-12-31")
        XCTAssertEqual(try ROCDate.parseBirthDate("1999/12/31").gregorianString, "1999-12-31")
        XCTAssertEqual(try ROCDate.parseBirthDate("0991231").gregorianString, "2010-12-31")
        XCTAssertEqual(try ROCDate.parseBirthDate("19991231").gregorianString, "1999-12-31")
        assertThrows(try ROCDate.parseBirthDate("民國1999年12月31日"), ROCDateError.gregorianYearNotAccepted)
        assertThrows(try ROCDate.parseBirthDate("西元99年12月31日"), ROCDateError.rocYearNotAccepted)
        assertThrows(try ROCDate.parseBirthDate("0099/12/31"), ROCDateError.beforeROCEra)
    }

    // MARK: Formats

    func testFormats() throws {
        let birth = day(44, 2, 1)
        XCTAssertEqual(birth.rocString, "44/02/01")
        XCTAssertEqual(birth.chineseString, "民國44年2月1日")
        XCTAssertEqual(birth.gregorianString, "1955-02-01")
        XCTAssertEqual(birth.compactString, "0440201")
        XCTAssertEqual(birth.description, "44/02/01")
        XCTAssertEqual("\(birth)", "44/02/01")
        XCTAssertEqual(birth.gregorianYear, 1955)

        let first = day(1, 1, 1)
        XCTAssertEqual(first.rocString, "1/01/01")
        XCTAssertEqual(first.compactString, "0010101")
        XCTAssertEqual(first.chineseString, "民國1年1月1日")
        XCTAssertEqual(first.gregorianString, "1912-01-01")

        let late = day(113, 12, 31)
        XCTAssertEqual(late.rocString, "113/12/31")
        XCTAssertEqual(late.compactString, "1131231")
        XCTAssertEqual(late.gregorianString, "2024-12-31")
    }

    func testEveryFormatParsesBack() throws {
        for date in [day(1, 1, 1), day(44, 2, 1), day(99, 12, 31), day(109, 2, 29), day(999, 12, 31)] {
            XCTAssertEqual(try ROCDate.parse(date.rocString), date)
            XCTAssertEqual(try ROCDate.parse(date.chineseString), date)
            XCTAssertEqual(try ROCDate.parse(date.compactString), date)
            XCTAssertEqual(try ROCDate.parseGregorian(date.gregorianString), date)
            XCTAssertEqual(try ROCDate.parseBirthDate(date.gregorianString), date)
        }
    }

    // MARK: Date and DateComponents

    func testDateIsMidnightInTaipei() throws {
        let iso = ISO8601DateFormatter()
        XCTAssertEqual(day(44, 2, 1).date, iso.date(from: "1955-01-31T16:00:00Z"))
        XCTAssertEqual(day(113, 5, 5).date, iso.date(from: "2024-05-04T16:00:00Z"))
        XCTAssertEqual(day(1, 1, 1).date, iso.date(from: "1911-12-31T16:00:00Z"))
    }

    func testDayOfAnInstantIsTakenInTaipei() throws {
        let iso = ISO8601DateFormatter()
        XCTAssertEqual(try ROCDate(date: iso.date(from: "2022-05-04T15:59:59Z")!), day(111, 5, 4))
        XCTAssertEqual(try ROCDate(date: iso.date(from: "2022-05-04T16:00:00Z")!), day(111, 5, 5))
        XCTAssertEqual(try ROCDate(date: iso.date(from: "2022-05-04T23:30:00Z")!), day(111, 5, 5))
        assertThrows(try ROCDate(date: iso.date(from: "1911-12-31T15:59:59Z")!), ROCDateError.beforeROCEra)
        assertThrows(try ROCDate(date: iso.date(from: "0100-06-01T00:00:00Z")!), ROCDateError.beforeROCEra)
    }

    func testDateRoundTripsAcrossDaylightSavingYears() throws {
        // Taiwan kept DST in 1955; on 1955-04-01 midnight did not exist (00:00 became 01:00).
        let skipped = day(44, 4, 1)
        XCTAssertEqual(try ROCDate(date: skipped.date), skipped)
        XCTAssertEqual(try ROCDate(date: skipped.date.addingTimeInterval(-1)), day(44, 3, 31))
        var date = day(44, 1, 1)
        let calendar = Domain.taipeiCalendar
        for _ in 0..<800 {
            XCTAssertEqual(try ROCDate(date: date.date), date)
            XCTAssertEqual(try ROCDate(date: date.date.addingTimeInterval(86_399 - 3_600)), date)
            let next = calendar.date(byAdding: .day, value: 1, to: date.date)!
            let following = try ROCDate(date: next)
            XCTAssertLessThan(date, following)
            date = following
        }
        XCTAssertEqual(date, day(46, 3, 11))
    }

    func testFoundationsROCCalendarAgrees() throws {
        var roc = Calendar(identifier: .republicOfChina)
        roc.timeZone = Domain.taipei
        for date in [day(1, 1, 1), day(44, 2, 1), day(109, 2, 29), day(113, 12, 31)] {
            let parts = roc.dateComponents([.era, .year, .month, .day], from: date.date)
            XCTAssertEqual(parts.era, 1)
            XCTAssertEqual(parts.year, date.year)
            XCTAssertEqual(parts.month, date.month)
            XCTAssertEqual(parts.day, date.day)
            XCTAssertEqual(roc.date(from: date.rocDateComponents), date.date)
            XCTAssertEqual(try ROCDate(dateComponents: date.rocDateComponents), date)
        }
    }

    func testDateComponents() throws {
        let birth = day(44, 2, 1)
        let parts = birth.dateComponents
        XCTAssertEqual(parts.year, 1955)
        XCTAssertEqual(parts.month, 2)
        XCTAssertEqual(parts.day, 1)
        XCTAssertEqual(parts.calendar?.identifier, .gregorian)
        XCTAssertEqual(parts.timeZone, Domain.taipei)
        XCTAssertEqual(parts.date, birth.date)
        XCTAssertEqual(try ROCDate(dateComponents: parts), birth)
        XCTAssertEqual(try ROCDate(dateComponents: DateComponents(year: 1955, month: 2, day: 1)), birth)
        assertThrows(try ROCDate(dateComponents: DateComponents(year: 1955, month: 2)), ROCDateError.unusableComponents)
        assertThrows(try ROCDate(dateComponents: DateComponents(calendar: Calendar(identifier: .japanese), year: 30, month: 2, day: 1)),
                     ROCDateError.unusableComponents)
        assertThrows(try ROCDate(dateComponents: DateComponents(year: 1955, month: 2, day: 30)),
                     ROCDateError.invalidDay(day: 30, month: 2, daysInMonth: 28))
    }

    // MARK: Comparable, Hashable, Codable

    func testOrderingAndHashing() throws {
        let dates = [day(113, 1, 1), day(44, 2, 1), day(44, 1, 31), day(1, 1, 1), day(44, 2, 2), day(112, 12, 31)]
        XCTAssertEqual(dates.sorted(), [day(1, 1, 1), day(44, 1, 31), day(44, 2, 1), day(44, 2, 2), day(112, 12, 31), day(113, 1, 1)])
        XCTAssertEqual(dates.sorted().map(\.date), dates.map(\.date).sorted())
        let set: Set<ROCDate> = [try .parse("44/2/1"), try .parse("民國44年2月1日"), try .parseGregorian("1955-02-01")]
        XCTAssertEqual(set.count, 1)
    }

    func testCodableAsString() throws {
        struct Holder: Codable, Equatable { var birth: ROCDate }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let json = try encoder.encode(Holder(birth: day(44, 2, 1)))
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"{"birth":"44/02/01"}"#)
        XCTAssertEqual(try JSONDecoder().decode(Holder.self, from: json), Holder(birth: day(44, 2, 1)))
        let fromGregorian = try JSONDecoder().decode(Holder.self, from: Data(#"{"birth":"1955-02-01"}"#.utf8))
        XCTAssertEqual(fromGregorian.birth, day(44, 2, 1))
        XCTAssertThrowsError(try JSONDecoder().decode(Holder.self, from: Data(#"{"birth":"44/2/30"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(Holder.self, from: Data(#"{"birth":440201}"#.utf8)))
    }

    // MARK: Digits variants

    func testDigitsVariants() {
        XCTAssertEqual(day(44, 2, 1).digitsVariants,
                       ["440201", "0440201", "4421", "19550201", "550201", "195521", "01021955", "02011955", "0201"])
        XCTAssertEqual(day(5, 10, 20).digitsVariants,
                       ["51020", "051020", "0051020", "19161020", "161020", "20101916", "10201916", "1020"])
        let first = day(1, 1, 1).digitsVariants
        XCTAssertEqual(first, ["10101", "010101", "0010101", "19120101", "120101", "191211", "01011912", "0101"])
        XCTAssertFalse(first.contains("111"))
        XCTAssertTrue(day(109, 2, 29).digitsVariants.isSuperset(of: ["1090229", "20200229", "200229", "29022020", "02292020", "0229"]))
        for variant in day(88, 12, 25).digitsVariants {
            XCTAssertGreaterThanOrEqual(variant.count, 4)
            XCTAssertTrue(variant.allSatisfy(\.isASCII))
        }
    }

    func testErrorsExplainThemselves() {
        let error = ROCDateError.invalidDay(day: 29, month: 2, daysInMonth: 28)
        XCTAssertEqual(error.summary.traditionalChinese, "該年 2 月只有 28 天，沒有 29 日。")
        XCTAssertTrue(error.summary.english.contains("28 days"))
        XCTAssertTrue(ROCDateError.ambiguousCompactDigits.remedy!.traditionalChinese.contains("0440201"))
        XCTAssertTrue(ROCDateError.gregorianYearNotAccepted.remedy!.english.contains("1911"))
    }
}
