import KeyStores
import Localization
import PCSC
import PIV
import PKCS11
import SmartCard
import XCTest

/// The wrapper errors carry no text; KeyStores words them, with a category, in both languages.
final class DeviceFailureTests: XCTestCase {
    func testStatusWordMeanings() {
        XCTAssertTrue(StatusWord.authenticationMethodBlocked.meaning.english.contains("Blocked"))
        XCTAssertTrue(StatusWord.securityStatusNotSatisfied.meaning.traditionalChinese.contains("PIN"))
        XCTAssertTrue(StatusWord(rawValue: 0x63C1).meaning.english.contains("1 tries left"))
    }

    func testEachWrapperErrorIsTranslatedWithItsCategory() throws {
        let cases: [(any Error, ErrorCategory)] = [
            (PKCS11Error(.pinIncorrect, function: "C_Login"), .pin),
            (PKCS11Error(.functionNotSupported, function: "C_GenerateKeyPair"), .notEligible),
            (PKCS11Error(.tokenNotPresent, function: "C_OpenSession"), .tokenMissing),
            (PCSCError(.noSmartcard, function: "SCardConnect", reader: "r"), .tokenMissing),
            (PIVError.blocked, .pin),
            (SmartCardError.responseTooLong, .failure),
        ]
        for (error, category) in cases {
            let failure = try XCTUnwrap(DeviceFailure(error), "\(error)")
            XCTAssertEqual(failure.category, category, "\(error)")
            XCTAssertFalse(failure.summary.english.isEmpty)
            XCTAssertFalse(failure.summary.traditionalChinese.isEmpty)
            XCTAssertEqual(failure.description, String(describing: error), "logs keep the wrapper's own words")
        }
        struct Other: Error {}
        XCTAssertNil(DeviceFailure(Other()))
        XCTAssertTrue(DeviceFailure.translated(Other()) is Other, "other errors pass unchanged")
    }

    /// A wrapper error records where TokenCert made it, and that does not change what it is.
    func testSourceLocation() {
        let a = PKCS11Error(.pinIncorrect, function: "C_Login")
        let b = PKCS11Error(.pinIncorrect, function: "C_Login")
        XCTAssertTrue(a.file.hasSuffix("DeviceFailureTests.swift"), a.file)
        XCTAssertNotEqual(a.line, b.line)
        XCTAssertEqual(a, b)
        XCTAssertTrue(PCSCError(.noSmartcard, function: "SCardConnect").file.hasSuffix("DeviceFailureTests.swift"))
    }
}
