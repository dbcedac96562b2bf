import Domain
import Localization
import XCTest

final class DomainTests: XCTestCase {
    func testTaipeiZone() {
        XCTAssertEqual(Domain.taipei.secondsFromGMT(), 8 * 3600)
        XCTAssertEqual(Domain.taipei.identifier, "Asia/Taipei")
        XCTAssertEqual(Domain.taipeiCalendar.timeZone, Domain.taipei)
        XCTAssertEqual(Domain.taipeiCalendar.identifier, .gregorian)
    }

    /// Every error of the module explains itself in both languages, and a remedy when it has one.
    func testEveryErrorSpeaksBothLanguages() {
        let dateErrors: [ROCDateError] = [
            .empty, .unrecognizedFormat, .ambiguousCompactDigits, .gregorianYearNotAccepted, .rocYearNotAccepted,
            .beforeROCEra, .yearTooLarge, .invalidMonth(13), .invalidDay(day: 30, month: 2, daysInMonth: 28), .unusableComponents,
        ]
        let idErrors: [NationalIDError] = [.empty, .wrongLength(9), .firstCharacterNotLetter, .notDigits, .unknownSecondDigit, .badCheckDigit]
        let ubnErrors: [UnifiedBusinessNumberError] = [.empty, .wrongLength(7), .notDigits, .badCheckDigit]
        let customerErrors: [CustomerIDError] = [.empty, .unrecognizedShape, .nationalID(.badCheckDigit), .unifiedBusinessNumber(.badCheckDigit)]
        let accountErrors: [SecuritiesAccountError] = [.empty, .notDigits, .wrongDigitCount(10), .misplacedSeparator]
        let passwordErrors: [BackupPasswordError] = [.tooShort, .tooLong, .invalidCharacters, .containsCustomerID, .containsBirthDate]
        let brokerErrors: [BrokerCodeError] = [.empty, .tooLong, .invalidCharacters]
        let fileNameErrors: [BackupFileNameError] = [
            .notPFX, .unrecognizedPattern, .invalidHolder, .invalidBroker(.tooLong), .invalidDate, .exportDateOutOfRange,
        ]
        var errors: [any UserFacingError] = []
        errors += dateErrors.map { $0 as any UserFacingError }
        errors += idErrors.map { $0 as any UserFacingError }
        errors += ubnErrors.map { $0 as any UserFacingError }
        errors += customerErrors.map { $0 as any UserFacingError }
        errors += accountErrors.map { $0 as any UserFacingError }
        errors += passwordErrors.map { $0 as any UserFacingError }
        errors += brokerErrors.map { $0 as any UserFacingError }
        errors += fileNameErrors.map { $0 as any UserFacingError }

        for error in errors {
            let en = error.summary.text(.english), zh = error.summary.text(.traditionalChinese)
            XCTAssertFalse(en.isEmpty, "\(error)")
            XCTAssertNotEqual(en, zh, "\(error)")
            XCTAssertTrue(zh.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "no Chinese in \(zh)")
            XCTAssertFalse(en.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF } && !en.contains("民國"),
                           "Chinese in the English text \(en)")
            if let remedy = error.remedy {
                XCTAssertTrue(error.userMessage(.english).contains("What to do: " + remedy.english))
                XCTAssertTrue(error.userMessage(.traditionalChinese).contains("處理方式：" + remedy.traditionalChinese))
            }
        }
        XCTAssertEqual(errors.count, 42)
    }
}
