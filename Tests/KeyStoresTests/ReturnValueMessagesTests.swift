import Localization
@testable import KeyStores
@testable import PKCS11
import XCTest

/// Every named Cryptoki code explains itself to a person, in both languages.
final class ReturnValueMessagesTests: XCTestCase {
    private func containsCJK(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3400...0x4DBF).contains($0.value) }
    }

    func testEveryNamedCodeHasASpecificSummaryInBothLanguages() {
        for code in ReturnValue.allNamed {
            let summary = code.explanation.summary
            let generic = ReturnValue.genericExplanation(name: code.name).summary
            XCTAssertFalse(summary.english.isEmpty, code.name)
            XCTAssertFalse(summary.traditionalChinese.isEmpty, code.name)
            XCTAssertNotEqual(summary.english, generic.english, "\(code.name) falls through to the generic text")
            XCTAssertNotEqual(summary.traditionalChinese, generic.traditionalChinese, "\(code.name) falls through to the generic text")
            XCTAssertTrue(containsCJK(summary.traditionalChinese), "\(code.name): \(summary.traditionalChinese)")
            if let remedy = code.explanation.remedy {
                XCTAssertFalse(remedy.english.isEmpty, code.name)
                XCTAssertTrue(containsCJK(remedy.traditionalChinese), "\(code.name): \(remedy.traditionalChinese)")
            }
        }
    }

    func testNamesAreUniqueAndStandard() {
        let names = ReturnValue.allNamed.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "duplicate names")
        XCTAssertEqual(Set(ReturnValue.allNamed).count, ReturnValue.allNamed.count, "duplicate codes")
        for name in names {
            XCTAssertTrue(name.hasPrefix("CKR_"), name)
            XCTAssertFalse(name.hasPrefix("CKR_0x"), "\(name) has no proper name")
        }
    }

    func testUnknownCodesGetTheGenericExplanationWithTheirName() {
        let vendor = ReturnValue(rawValue: 0x8000_0001)
        XCTAssertEqual(vendor.name, "CKR_VENDOR_DEFINED+0x1")
        XCTAssertTrue(vendor.explanation.summary.english.contains(vendor.name))
        XCTAssertTrue(vendor.explanation.summary.traditionalChinese.contains(vendor.name))
        let remedy = vendor.explanation.remedy
        XCTAssertNotNil(remedy)
        XCTAssertTrue(remedy?.english.contains("tokencert doctor") ?? false)
        XCTAssertTrue(remedy?.english.contains(vendor.name) ?? false)

        let unassigned = ReturnValue(rawValue: 0x4)
        XCTAssertEqual(unassigned.name, "CKR_0x4")
        XCTAssertEqual(unassigned.explanation.summary, ReturnValue.genericExplanation(name: "CKR_0x4").summary)
    }

    func testKeyRemediesPointTheRightWay() {
        XCTAssertTrue(ReturnValue.pinLocked.explanation.remedy?.english.contains("unblock") ?? false)
        XCTAssertTrue(ReturnValue.pinLocked.explanation.remedy?.english.contains("tokencert counter unlock") ?? false)
        XCTAssertTrue(ReturnValue.tokenNotPresent.explanation.remedy?.english.contains("tokencert doctor") ?? false)
        XCTAssertTrue(ReturnValue.libraryLoadFailed.explanation.remedy?.english.contains("softhsm2") ?? false)
        XCTAssertTrue(ReturnValue.cryptokiAlreadyInitialized.explanation.remedy?.english.contains("CKR_CRYPTOKI_ALREADY_INITIALIZED") ?? false)
        XCTAssertNil(ReturnValue.ok.explanation.remedy)
    }

    func testFinalTryWarnsAboutLocking() {
        let error = PKCS11Error(.pinIncorrect, function: "C_Login", pinState: .finalTry)
        XCTAssertTrue(error.summary.english.lowercased().contains("lock"), error.summary.english)
        XCTAssertTrue(error.summary.english.contains("CKR_PIN_INCORRECT"), error.summary.english)
        XCTAssertTrue(error.summary.traditionalChinese.contains("鎖定"), error.summary.traditionalChinese)
    }
}
