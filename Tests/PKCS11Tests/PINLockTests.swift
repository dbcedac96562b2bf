import KeyStores
import Foundation
@testable import PKCS11
import TestSupport
import XCTest
import Secrets

/// A locked user PIN, as a real token reports it. SoftHSM 2.6 never locks (it only sets "count low"),
/// so this test loads Tests/Fixtures/pinlock-module.c — a PKCS#11 module that forwards to SoftHSM and
/// adds lockout after 3 wrong PINs — through the same dlopen path as any module.
final class PINLockTests: XCTestCase {
    static let shimPath = FixtureModule.build("pinlock-module")

    func testLockedPINIsReportedWithRemedyAndSOUnblocks() async throws {
        let t = try await SoftHSM.makeToken()
        let shim = try PKCS11Module.load(path: Self.shimPath)
        XCTAssertFalse(shim === t.module)
        let token = try shim.token(matching: PKCS11URI.forToken(t.token.info))
        let s = try shim.openSession(token.slot.id)

        var states: [PINState?] = []
        var codes: [ReturnValue] = []
        for _ in 0..<3 {
            do { try await s.login(pin: Secret("000000")) } catch {
                codes.append(error.returnValue)
                states.append(error.pinState)
            }
        }
        XCTAssertEqual(codes, [.pinIncorrect, .pinIncorrect, .pinLocked])
        XCTAssertEqual(states, [.countLow, .finalTry, .locked], "tries left reported as the token counts down")
        XCTAssertEqual(try shim.tokenInfo(token.slot.id).userPINState, .locked)

        // Even the right PIN is refused now, with a message that says how to unblock.
        do {
            try await s.login(pin: t.userPIN)
            XCTFail("a locked PIN must refuse the right PIN too")
        } catch {
            XCTAssertEqual(error.returnValue, .pinLocked)
            XCTAssertEqual(error.pinState, .locked)
            let remedy = try XCTUnwrap(error.remedy)
            XCTAssertTrue(remedy.english.lowercased().contains("unblock") || remedy.english.lowercased().contains("branch"), remedy.english)
            XCTAssertFalse(remedy.traditionalChinese.isEmpty)
        }

        // The security officer resets the user PIN: the token is usable again.
        try await s.login(.securityOfficer, pin: t.soPIN)
        try await s.initPIN(Secret("777777"))
        try await s.logout()
        XCTAssertEqual(try shim.tokenInfo(token.slot.id).userPINState, .ok)
        try await s.login(pin: Secret("777777"))
        try await s.logout()
    }
}
