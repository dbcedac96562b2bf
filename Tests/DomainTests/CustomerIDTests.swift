import Domain
import Foundation
import XCTest

final class CustomerIDTests: XCTestCase {
    func testChoosesByShape() throws {
        XCTAssertEqual(try CustomerID("A123456789"), .person(try NationalID("A123456789")))
        XCTAssertEqual(try CustomerID("ａ１２３４５６７８９"), .person(try NationalID("A123456789")))
        XCTAssertEqual(try CustomerID("22099131"), .company(try UnifiedBusinessNumber("22099131")))
        XCTAssertEqual(try CustomerID(" ２２０９９１３１ "), .company(try UnifiedBusinessNumber("22099131")))
        XCTAssertEqual(try CustomerID("A123456789").value, "A123456789")
        XCTAssertEqual(try CustomerID("22099131").value, "22099131")
    }

    func testErrorsSayWhichKindWasTried() {
        assertThrows(try CustomerID(""), CustomerIDError.empty)
        assertThrows(try CustomerID("-22099131"), CustomerIDError.unrecognizedShape)
        assertThrows(try CustomerID("2209913A"), CustomerIDError.unrecognizedShape)
        assertThrows(try CustomerID("身分證"), CustomerIDError.unrecognizedShape)
        assertThrows(try CustomerID("A12345678"), CustomerIDError.nationalID(.wrongLength(9)))
        assertThrows(try CustomerID("A123456788"), CustomerIDError.nationalID(.badCheckDigit))
        assertThrows(try CustomerID("2209913"), CustomerIDError.unifiedBusinessNumber(.wrongLength(7)))
        assertThrows(try CustomerID("22099132"), CustomerIDError.unifiedBusinessNumber(.badCheckDigit))
        XCTAssertEqual(CustomerIDError.nationalID(.badCheckDigit).summary, NationalIDError.badCheckDigit.summary)
        XCTAssertFalse(CustomerID.isValid("123"))
        XCTAssertTrue(CustomerID.isValid("A123456789"))
    }

    func testMaskedAndCodable() throws {
        let person = try CustomerID("A123456789"), company = try CustomerID("22099131")
        XCTAssertEqual(person.masked, "A123456***")
        XCTAssertEqual(company.masked, "22099***")
        XCTAssertEqual("\(person) \(company)", "A123456*** 22099***")
        let json = try JSONEncoder().encode([person, company])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["A123456789","22099131"]"#)
        XCTAssertEqual(try JSONDecoder().decode([CustomerID].self, from: json), [person, company])
        XCTAssertThrowsError(try JSONDecoder().decode([CustomerID].self, from: Data(#"["nobody"]"#.utf8)))
    }
}
