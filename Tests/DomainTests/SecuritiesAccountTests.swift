import Domain
import Foundation
import XCTest

final class SecuritiesAccountTests: XCTestCase {
    func testAcceptedForms() throws {
        for typed in ["1020-1234567", "10201234567", "1020 1234567", " 1020-1234567 ", "１０２０－１２３４５６７",
                      "１０２０１２３４５６７", "1020‐1234567", "1020−1234567"] {
            let account = try SecuritiesAccount(typed)
            XCTAssertEqual(account.branch, "1020", typed)
            XCTAssertEqual(account.number, "1234567", typed)
            XCTAssertEqual(account.formatted, "1020-1234567", typed)
        }
        XCTAssertEqual(try SecuritiesAccount(branch: "1020", number: "1234567").formatted, "1020-1234567")
        XCTAssertEqual(try SecuritiesAccount(branch: "９８７６", number: "0000001").formatted, "9876-0000001")
    }

    func testErrors() {
        assertThrows(try SecuritiesAccount(""), SecuritiesAccountError.empty)
        assertThrows(try SecuritiesAccount("1020-123456"), SecuritiesAccountError.wrongDigitCount(10))
        assertThrows(try SecuritiesAccount("1020-12345678"), SecuritiesAccountError.wrongDigitCount(12))
        assertThrows(try SecuritiesAccount("1020123456"), SecuritiesAccountError.wrongDigitCount(10))
        assertThrows(try SecuritiesAccount("102-01234567"), SecuritiesAccountError.misplacedSeparator)
        assertThrows(try SecuritiesAccount("10201-234567"), SecuritiesAccountError.misplacedSeparator)
        assertThrows(try SecuritiesAccount("1020--1234567"), SecuritiesAccountError.notDigits)
        assertThrows(try SecuritiesAccount("1020-12-34567"), SecuritiesAccountError.notDigits)
        assertThrows(try SecuritiesAccount("1020-123456A"), SecuritiesAccountError.notDigits)
        assertThrows(try SecuritiesAccount("1020/1234567"), SecuritiesAccountError.notDigits)
        assertThrows(try SecuritiesAccount(branch: "10201", number: "234567"), SecuritiesAccountError.misplacedSeparator)
        assertThrows(try SecuritiesAccount(branch: "1020", number: "123456"), SecuritiesAccountError.wrongDigitCount(10))
        assertThrows(try SecuritiesAccount(branch: "1020", number: "123-4567"), SecuritiesAccountError.notDigits)
        assertThrows(try SecuritiesAccount(branch: "", number: ""), SecuritiesAccountError.empty)
    }

    func testMaskedDisplayAndCoding() throws {
        let account = try SecuritiesAccount("1020-1234567")
        XCTAssertEqual(account.masked, "1020-XXXXXX")
        XCTAssertEqual("\(account)", "1020-XXXXXX")
        XCTAssertFalse(String(describing: account).contains("1234567"))
        let json = try JSONEncoder().encode([account])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["1020-1234567"]"#)
        XCTAssertEqual(try JSONDecoder().decode([SecuritiesAccount].self, from: json), [account])
        XCTAssertThrowsError(try JSONDecoder().decode([SecuritiesAccount].self, from: Data(#"["1020-123"]"#.utf8)))
    }
}
