import KeyStores
import Lifecycle
import Localization
import PKCS11
import RemovableMedia
@testable import TokenCertCLI
import XCTest

/// Remedies that depend on the front end: the terminal names its options, the web page never does.
final class RemedyCatalogueTests: XCTestCase {
    func testEveryHintHasWordsInBothCatalogues() throws {
        for hint in RemedyHint.allCases {
            let cli = try XCTUnwrap(CLIRemedies.text(hint), "\(hint)")
            let ui = try XCTUnwrap(UIRemedies.text(hint), "\(hint)")
            for text in [cli.english, cli.traditionalChinese, ui.english, ui.traditionalChinese] {
                XCTAssertFalse(text.isEmpty, "\(hint)")
            }
            for text in [ui.english, ui.traditionalChinese] {
                XCTAssertNil(text.range(of: #"(^|\s|（)--[a-z]"#, options: .regularExpression), "the page names an option for \(hint): \(text)")
                XCTAssertFalse(text.contains("tokencert "), "the page names a command for \(hint): \(text)")
                XCTAssertFalse(text.contains("TOKENCERT_"), "the page names a variable for \(hint): \(text)")
            }
        }
        // The terminal's words are the ones that name the options.
        XCTAssertTrue(CLIRemedies.text(.givePIN)!.english.contains("--pin-file"))
        XCTAssertTrue(CLIRemedies.text(.chooseAnotherStore)!.english.contains("--reader"))
        XCTAssertTrue(CLIRemedies.text(.checkRAAddress)!.english.contains("--ra"))
        XCTAssertTrue(CLIRemedies.text(.confirmFixedDisk)!.traditionalChinese.contains("--force"))
    }

    /// The status screen's next step names the page's buttons and menus, never a command, for every action.
    func testThePagesNextStepNeverNamesACommand() {
        for action in StatusVerdict.Action.allCases {
            let terminal = action == .waitOrVisitBranch ? CustomerState.locked.nextStep
                : action == .ok ? CustomerState.active.nextStep : LocalizedText(en: "run tokencert renew", zhTW: "執行 tokencert renew")
            let verdict = StatusVerdict(state: .active, action: action, nextStep: terminal, hostSerial: "5f0e")
            let page = UIRemedies.nextStep(verdict)
            for text in [page.english, page.traditionalChinese] {
                XCTAssertFalse(text.isEmpty || text.contains("tokencert") || text.contains("--"), "\(action): \(text)")
            }
        }
    }

    /// The errors a customer meets in the page: none of their remedies tells them to pass an option,
    /// while the terminal's message for the same error does.
    func testThePageNeverTellsACustomerToPassAnOption() {
        let errors: [any Error] = [
            KeyStoreUnavailable.tokenMissing, KeyStoreUnavailable.pinNeeded(triesLeft: 2),
            RAClientError.unreachable(URL(string: "https://ra.example")!, underlying: nil),
            RAClientError.untrustedServer(URL(string: "https://ra.example")!, underlying: nil),
            PKCS11KeyStoreError(.administratorPINNeeded), PKCS11KeyStoreError(.noModule),
            PKCS11Error(.userNotLoggedIn, function: "C_CreateObject"),
            CLIError(.tokenMissing, summary: LocalizedText(en: "x", zhTW: "x"),
                     remedy: TPMKeyStore.unavailableReason(.noTPM)?.remedy).withHint(.chooseAnotherStore),
        ]
        var named = 0
        for error in errors {
            let page = UIJobBoard.describe(error)
            let remedy = (page.remedy?.english ?? "") + " " + (page.remedy?.traditionalChinese ?? "")
            XCTAssertFalse(remedy.contains("--"), "the page tells a customer to pass an option: \(remedy) (\(error))")
            let terminal = (DeviceFailure.translated(error) as? any UserFacingError)?.userMessage(.english, remedies: CLIRemedies.text) ?? ""
            if terminal.contains("--") { named += 1 }
        }
        XCTAssertGreaterThanOrEqual(named, 5, "the terminal still names its options for these errors")
    }
}

extension CLIError {
    func withHint(_ hint: RemedyHint) -> CLIError {
        var copy = self
        copy.hint = hint
        return copy
    }
}
