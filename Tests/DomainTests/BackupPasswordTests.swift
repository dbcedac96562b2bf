import Domain
import Foundation
import XCTest
import Secrets

final class BackupPasswordTests: XCTestCase {
    private let person = try! CustomerID(IDGenerator.id("P", "10025412"))  // P100254127
    private let company = try! CustomerID("22099131")
    private let birth = try! ROCDate.parse("民國44年2月1日")

    private func make(_ text: String, _ customer: CustomerID? = nil, birthDate: ROCDate? = nil) throws -> Secret {
        try BackupPassword.checked(Secret(text), customerID: customer ?? person, birthDate: birthDate ?? birth)
    }

    func testAcceptable() throws {
        for text in ["abcd", "Abc12345", "xY9z", "abcdefghijkl", "Zz0987654321", "1234", "PASSword"] {
            XCTAssertNoThrow(try make(text), text)
        }
        XCTAssertEqual(BackupPassword.problems(with: "Secret42", customerID: person, birthDate: birth), [])
    }

    func testLengthRule() {
        assertThrows(try make("abc"), BackupPasswordError.tooShort)
        assertThrows(try make(""), BackupPasswordError.tooShort)
        assertThrows(try make("abcdefghijklm"), BackupPasswordError.tooLong)  // 13
        XCTAssertNoThrow(try make("abcd"))  // 4
        XCTAssertNoThrow(try make("abcdefghijkl"))  // 12
    }

    func testLettersAndDigitsOnly() {
        for text in ["abc!1", "abc d", "abc_d", "abc-d", "ａｂｃｄ", "ab１２", "pässword", "密碼1234", "abcd\n", " abcd", "a€cd"] {
            assertThrows(try make(text), BackupPasswordError.invalidCharacters)
        }
    }

    func testRefusesTheIDNumber() {
        assertThrows(try make("P100254127"), BackupPasswordError.containsCustomerID)
        assertThrows(try make("p100254127"), BackupPasswordError.containsCustomerID)
        assertThrows(try make("xP100254127y"), BackupPasswordError.containsCustomerID)
        assertThrows(try make("100254127"), BackupPasswordError.containsCustomerID)  // the digits without the letter
        assertThrows(try make("a100254127b"), BackupPasswordError.containsCustomerID)
        XCTAssertNoThrow(try make("P100254"))  // a part of it is not the number
        assertThrows(try make("22099131", company), BackupPasswordError.containsCustomerID)
        assertThrows(try make("co22099131", company), BackupPasswordError.containsCustomerID)
        XCTAssertNoThrow(try make("22099131", person))
    }

    func testRefusesBirthDateDigits() {
        for text in ["ab440201", "0440201x", "x19550201", "pw0201", "550201ab", "a4421b", "abc195521", "01021955", "02011955xy"] {
            assertThrows(try make(text), BackupPasswordError.containsBirthDate)
        }
        XCTAssertNoThrow(try make("ab440201", birthDate: try! ROCDate.parse("60/7/15")))
        XCTAssertNoThrow(try BackupPassword.checked(Secret("ab440201"), customerID: person, birthDate: nil))
        // A company's registration date counts like a birth date.
        assertThrows(try make("reg0910", company, birthDate: try! ROCDate.parse("88/9/10")), BackupPasswordError.containsBirthDate)
    }

    func testListsEveryProblem() {
        XCTAssertEqual(BackupPassword.problems(with: "a!", customerID: person, birthDate: birth), [.tooShort, .invalidCharacters])
        XCTAssertEqual(BackupPassword.problems(with: "P100254127-0201", customerID: person, birthDate: birth),
                       [.tooLong, .invalidCharacters, .containsCustomerID, .containsBirthDate])
        assertThrows(try make("P100254127!"), BackupPasswordError.invalidCharacters)  // the first one is thrown
    }

    func testNeverRevealsItself() throws {
        let secret = "Zq7Wv3Kx"
        let password = try make(secret)
        XCTAssertEqual(String(describing: password), "Secret(redacted)")
        XCTAssertEqual(String(reflecting: password), "Secret(redacted)")
        XCTAssertEqual("\(password)", "Secret(redacted)")
        XCTAssertEqual(password.description, "Secret(redacted)")
        XCTAssertEqual(Mirror(reflecting: password).children.count, 0)

        struct Settings: Encodable { var path = "/media/usb/x.pfx"; var password: Secret }
        let settings = Settings(password: password)
        var dumped = ""
        dump(settings, to: &dumped)
        dump(password, to: &dumped)
        dump([password], to: &dumped)
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let plist = try PropertyListEncoder().encode(settings)
        let outputs = [dumped, json, String(describing: settings), String(reflecting: settings), "\([password])",
                       String(decoding: plist, as: UTF8.self)]
        for output in outputs {
            XCTAssertFalse(output.contains(secret), output)
            XCTAssertFalse(output.lowercased().contains(secret.lowercased()), output)
            XCTAssertFalse(output.contains("Zq7"), output)
        }
        XCTAssertTrue(dumped.contains("Secret(redacted)"))
        XCTAssertTrue(json.contains(#""password":"****""#))
        XCTAssertFalse(plist.contains(Array(secret.utf8)))
    }

    func testIsNeverDecoded() {
        struct Settings: Decodable { var password: Secret }
        XCTAssertThrowsError(try JSONDecoder().decode(Settings.self, from: Data(#"{"password":"Secret42"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(Settings.self, from: Data(#"{"password":"****"}"#.utf8)))
    }

    func testBytesForThePKCS12Writer() throws {
        let password = try make("Secret42")
        XCTAssertEqual(password.revealedBytes(), Array("Secret42".utf8))
        password.withUnsafeBytes { bytes in
            XCTAssertEqual(Array(bytes), Array("Secret42".utf8))
        }
        let count = password.withUnsafeBytes { $0.count }
        XCTAssertEqual(count, 8)
        struct Stop: Error {}
        XCTAssertThrowsError(try password.withUnsafeBytes { (_) throws(Stop) -> Int in throw Stop() })
        let opened = Secret("ünïcode & symbols!")
        XCTAssertEqual(opened.revealedBytes(), Array("ünïcode & symbols!".utf8))
        XCTAssertEqual(Secret("").revealedBytes(), [])
    }

    func testEquality() throws {
        XCTAssertEqual(try make("Secret42"), try make("Secret42"))
        XCTAssertEqual(try make("Secret42"), Secret("Secret42"))
        XCTAssertNotEqual(try make("Secret42"), try make("Secret43"))
        XCTAssertNotEqual(try make("Secret42"), try make("secret42"))
        XCTAssertNotEqual(try make("Secret42"), try make("Secret421"))
    }

    func testIsSendableAcrossTasks() async throws {
        let password = try make("Secret42")
        let bytes = await Task.detached { password.revealedBytes() }.value
        XCTAssertEqual(bytes, Array("Secret42".utf8))
    }

    func testErrorsDoNotCarryThePassword() {
        let errors = BackupPassword.problems(with: "P100254127ab", customerID: person, birthDate: birth)
        for error in errors {
            XCTAssertFalse("\(error) \(error.summary) \(String(describing: error.remedy))".contains("P100254127ab"))
        }
        XCTAssertEqual(BackupPasswordError.containsBirthDate.summary.traditionalChinese, "匯出密碼不可包含您的出生日期（民國或西元，任何寫法）。")
        XCTAssertTrue(BackupPasswordError.invalidCharacters.remedy!.traditionalChinese.contains("半形"))
    }
}
