import Domain
import Foundation
import XCTest

final class UnifiedBusinessNumberTests: XCTestCase {
    func testKnownNumbers() throws {
        // 22099131: 2,4,0,18→9,9,2,12→3,1 = 30. 04595257: 0,8,5,18→9,5,4,20→2,7 = 40.
        for number in ["22099131", "04595257"] {
            let ubn = try UnifiedBusinessNumber(number)
            XCTAssertEqual(ubn.value, number)
            XCTAssertTrue(ubn.isValidUnderPre2023Rule)
        }
    }

    /// Seventh digit not 7: 2,2,0,9,9,1,3 give 29 before the check digit.
    func testEveryCheckDigitOfAPlainPrefix() throws {
        let valid = Set((0...9).filter { UnifiedBusinessNumber.isValid("2209913\($0)") })
        XCTAssertEqual(valid, [1, 6])  // 30 and 35
        XCTAssertTrue(try UnifiedBusinessNumber("22099131").isValidUnderPre2023Rule)
        XCTAssertFalse(try UnifiedBusinessNumber("22099136").isValidUnderPre2023Rule)  // valid only since 2023
    }

    /// Seventh digit 7: 1,0,4,10→1,8,10→1 and 4×7 = 28 → 10 give 25 before the check digit; the 10
    /// may also count as 1, so a total one short of a multiple of 5 passes.
    func testSeventhDigitSeven() throws {
        let valid = Set((0...9).filter { UnifiedBusinessNumber.isValid("1045857\($0)") })
        XCTAssertEqual(valid, [0, 4, 5, 9])  // 25, 29+1, 30, 34+1
        let old = Set(valid.filter { try! UnifiedBusinessNumber("1045857\($0)").isValidUnderPre2023Rule })
        XCTAssertEqual(old, [4, 5])  // 29+1 = 30, 30
        assertThrows(try UnifiedBusinessNumber("10458573"), UnifiedBusinessNumberError.badCheckDigit)
        // The same prefix with 6 in seventh place (4×6 = 24 → 6) has no "+1" leniency: 21 + check.
        XCTAssertEqual(Set((0...9).filter { UnifiedBusinessNumber.isValid("1045856\($0)") }), [4, 9])
    }

    func testNormalisationAndErrors() throws {
        XCTAssertEqual(try UnifiedBusinessNumber("２２０９９１３１").value, "22099131")
        XCTAssertEqual(try UnifiedBusinessNumber(" 22099131 ").value, "22099131")
        assertThrows(try UnifiedBusinessNumber(""), UnifiedBusinessNumberError.empty)
        assertThrows(try UnifiedBusinessNumber("2209913"), UnifiedBusinessNumberError.wrongLength(7))
        assertThrows(try UnifiedBusinessNumber("220991310"), UnifiedBusinessNumberError.wrongLength(9))
        assertThrows(try UnifiedBusinessNumber("2209913A"), UnifiedBusinessNumberError.notDigits)
        assertThrows(try UnifiedBusinessNumber("2209 131"), UnifiedBusinessNumberError.notDigits)
        assertThrows(try UnifiedBusinessNumber("22099132"), UnifiedBusinessNumberError.badCheckDigit)
        XCTAssertFalse(UnifiedBusinessNumber.isValid("00000001"))
        XCTAssertTrue(UnifiedBusinessNumber.isValid("00000000"))  // 0 is divisible by 5: the rule alone allows it
    }

    func testMaskingAndCoding() throws {
        let ubn = try UnifiedBusinessNumber("22099131")
        XCTAssertEqual(ubn.masked, "22099***")
        XCTAssertEqual("\(ubn)", "22099***")
        let json = try JSONEncoder().encode([ubn])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["22099131"]"#)
        XCTAssertEqual(try JSONDecoder().decode([UnifiedBusinessNumber].self, from: json), [ubn])
        XCTAssertThrowsError(try JSONDecoder().decode([UnifiedBusinessNumber].self, from: Data(#"["22099132"]"#.utf8)))
    }
}
