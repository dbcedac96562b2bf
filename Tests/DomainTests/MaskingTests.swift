import Domain
import XCTest

final class MaskingTests: XCTestCase {
    func testPhoneKeepsThreeDigitsAndSixX() {
        XCTAssertEqual(Masking.phone("0938123456"), "093XXXXXX")  // DESIGN.md's example shape
        XCTAssertEqual(Masking.phone("0912345678"), "091XXXXXX")
        XCTAssertEqual(Masking.phone("0912-345-678"), "091XXXXXX")
        XCTAssertEqual(Masking.phone("０９１２３４５６７８"), "091XXXXXX")
        XCTAssertEqual(Masking.phone("+886 912 345 678"), "091XXXXXX")
        XCTAssertEqual(Masking.phone("+886-2-2752-5050"), "022XXXXXX")
        XCTAssertEqual(Masking.phone("(02)2752-5050"), "022XXXXXX")
        XCTAssertEqual(Masking.phone("+81 90 1234 5678"), "+819XXXXXX")
        XCTAssertEqual(Masking.phone("123456"), "XXXXXX")
        XCTAssertEqual(Masking.phone(""), "XXXXXX")
        XCTAssertEqual(Masking.phone("not a number"), "XXXXXX")
    }

    func testPhoneMaskHidesLengthAndDigits() {
        let numbers = ["0912345678", "0987654321", "091234567", "09123456789012", "0227525050"]
        for number in numbers {
            let masked = Masking.phone(number)
            XCTAssertEqual(masked.count, 9, number)
            XCTAssertEqual(masked.filter(\.isNumber).count, 3, number)
            XCTAssertEqual(String(masked.prefix(3)), String(number.prefix(3)))
        }
    }

    func testEmail() {
        XCTAssertEqual(Masking.email("alice@example.com"), "a***@example.com")
        XCTAssertEqual(Masking.email("a@example.com"), "a***@example.com")
        XCTAssertEqual(Masking.email(" bob.smith@mail.example.tw "), "b***@mail.example.tw")
        XCTAssertEqual(Masking.email("\"odd@local\"@example.com"), "\"***@example.com")
        XCTAssertEqual(Masking.email("no-at-sign"), "***")
        XCTAssertEqual(Masking.email("@example.com"), "***")
        XCTAssertEqual(Masking.email("carol@"), "***")
        XCTAssertEqual(Masking.email(""), "***")
        XCTAssertFalse(Masking.email("longname@example.com").contains("ongname"))
    }

    func testSecuritiesAccount() {
        XCTAssertEqual(Masking.securitiesAccount("1020-1234567"), "1020-XXXXXX")
        XCTAssertEqual(Masking.securitiesAccount("１０２０１２３４５６７"), "1020-XXXXXX")
        XCTAssertEqual(Masking.securitiesAccount("garbage"), "XXXX-XXXXXX")
        // Masked already (the RA sends the account of a one-time code so): the branch stays, as the manual shows it.
        XCTAssertEqual(Masking.securitiesAccount("1020-XXXXXX"), "1020-XXXXXX")
        XCTAssertEqual(Masking.securitiesAccount(try! SecuritiesAccount("1020-1234567").masked), "1020-XXXXXX")
        XCTAssertEqual(Masking.securitiesAccount("1020-XXXX12"), "XXXX-XXXXXX")
        XCTAssertEqual(Masking.securitiesAccount("10x0-XXXXXX"), "XXXX-XXXXXX")
        XCTAssertEqual(Masking.hiddenRun, "XXXXXX")
    }
}
