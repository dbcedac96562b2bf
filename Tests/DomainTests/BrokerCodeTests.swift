import Domain
import Foundation
import XCTest

final class BrokerCodeTests: XCTestCase {
    func testValidCodes() throws {
        XCTAssertEqual(try BrokerCode("TCFHCSEC").value, "TCFHCSEC")
        XCTAssertEqual(try BrokerCode(" ＴＣＦＨＣＳＥＣ ").value, "TCFHCSEC")
        XCTAssertEqual(try BrokerCode("A").value, "A")
        XCTAssertEqual(try BrokerCode("Abc1234567").value, "Abc1234567")  // 10, case kept
        XCTAssertEqual("\(try BrokerCode("TCFHCSEC"))", "TCFHCSEC")
    }

    func testInvalidCodes() {
        assertThrows(try BrokerCode(""), BrokerCodeError.empty)
        assertThrows(try BrokerCode("   "), BrokerCodeError.empty)
        assertThrows(try BrokerCode("ABCDEFGHIJK"), BrokerCodeError.tooLong)
        for text in ["TC-FH", "TC FH", "TC/FH", "TC(1)", "券商", "TC.", "TC*"] {
            assertThrows(try BrokerCode(text), BrokerCodeError.invalidCharacters)
        }
    }

    func testCodable() throws {
        let json = try JSONEncoder().encode([try BrokerCode("TCFHCSEC")])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["TCFHCSEC"]"#)
        XCTAssertEqual(try JSONDecoder().decode([BrokerCode].self, from: json), [try BrokerCode("TCFHCSEC")])
        XCTAssertThrowsError(try JSONDecoder().decode([BrokerCode].self, from: Data(#"["a:b"]"#.utf8)))
    }
}
