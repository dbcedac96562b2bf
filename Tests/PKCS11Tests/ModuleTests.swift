import KeyStores
import TestSupport
import Foundation
@testable import PKCS11
import XCTest
import Secrets

final class ModuleTests: XCTestCase {
    func testOneInstancePerLibraryAndRegistry() throws {
        let a = try SoftHSM.module()
        let b = try PKCS11Module.load(path: "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
        XCTAssertTrue(a === b, "the symlinked and the real path must give the same instance")
        XCTAssertEqual(a.info.manufacturer, "SoftHSM")
        XCTAssertGreaterThanOrEqual(a.info.cryptokiVersion.major, 2)

        let registered = P11KitRegistry.modules()
        let names = registered.map(\.name)
        XCTAssertTrue(names.contains("softhsm2"), "Debian registers softhsm2 with p11-kit: \(names)")
        XCTAssertTrue(names.contains("opensc-pkcs11"), "Debian registers opensc-pkcs11 with p11-kit: \(names)")
        XCTAssertEqual(registered.first { $0.name == "opensc-pkcs11" }?.modulePath,
                       "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so")
        let viaRegistry = try PKCS11Module.load(registered: "softhsm2")
        XCTAssertTrue(viaRegistry === a, "the registry entry names the same library")
    }

    func testMissingModuleIsALoadError() {
        XCTAssertThrowsError(try PKCS11Module.load(path: "/nonexistent/libnothing.so")) { error in
            let e = error as! PKCS11Error
            XCTAssertEqual(e.returnValue, .libraryLoadFailed)
            XCTAssertEqual(e.function, "dlopen")
            XCTAssertFalse(e.remedy?.english.isEmpty ?? true)
        }
        XCTAssertThrowsError(try PKCS11Module.load(path: "/usr/lib/x86_64-linux-gnu/libz.so.1")) { error in
            XCTAssertEqual((error as! PKCS11Error).function, "dlsym", "a library that is not a PKCS#11 module")
        }
        XCTAssertThrowsError(try PKCS11Module.load(registered: "no-such-module")) { error in
            XCTAssertEqual((error as! PKCS11Error).returnValue, .libraryLoadFailed)
        }
    }

    func testTokenInfoFlagsAndMechanisms() async throws {
        let t = try await SoftHSM.makeToken()
        let info = try t.module.tokenInfo(t.token.slot.id)
        XCTAssertEqual(info.label, t.label)
        XCTAssertEqual(info.manufacturer, "SoftHSM project")
        XCTAssertFalse(info.serialNumber.isEmpty)
        XCTAssertTrue(info.isInitialized)
        XCTAssertTrue(info.flags.contains(.loginRequired))
        XCTAssertEqual(info.userPINState, .ok)
        XCTAssertEqual(info.soPINState, .ok)

        let mechanisms = Dictionary(uniqueKeysWithValues: try t.module.mechanisms(t.token.slot.id).map { ($0.type, $0) })
        let rsaGen = try XCTUnwrap(mechanisms[.rsaPKCSKeyPairGen])
        XCTAssertLessThanOrEqual(rsaGen.minKeySize, 2048)
        XCTAssertGreaterThanOrEqual(rsaGen.maxKeySize, 4096)
        XCTAssertTrue(rsaGen.flags.contains(.generateKeyPair))
        XCTAssertNotNil(mechanisms[.ecKeyPairGen])
        XCTAssertTrue(mechanisms[.sha256RSAPKCS]?.flags.contains(.sign) ?? false)
        XCTAssertNil(mechanisms[.ecdsaSHA256], "fact from DESIGN.md: SoftHSM 2.6 has no CKM_ECDSA_SHA256")

        // The token is found by URI, never by slot number.
        let found = try t.module.token(matching: PKCS11URI.forToken(info))
        XCTAssertEqual(found.slot.id, t.token.slot.id)
        var wrong = PKCS11URI.forToken(info)
        wrong.serial = "0000"
        XCTAssertThrowsError(try t.module.token(matching: wrong)) { error in
            XCTAssertEqual((error as! PKCS11Error).returnValue, .tokenNotPresent)
        }
    }

    func testWrongPINReportsStateAndRightPINStillWorks() async throws {
        let t = try await SoftHSM.makeToken()
        let session = try t.session()
        do {
            try await session.login(pin: Secret("000000"))
            XCTFail("a wrong PIN must not log in")
        } catch {
            XCTAssertEqual(error.returnValue, .pinIncorrect)
            XCTAssertEqual(error.function, "C_Login")
            XCTAssertEqual(error.pinState, .countLow, "tries-left state read from the token flags")
            XCTAssertTrue(error.summary.english.contains("few tries"), error.summary.english)
            XCTAssertFalse("\(error)".contains("000000"), "a PIN never appears in an error")
        }
        XCTAssertEqual(try t.module.tokenInfo(t.token.slot.id).userPINState, .countLow)
        try await session.login(pin: t.userPIN)
        XCTAssertEqual(try t.module.tokenInfo(t.token.slot.id).userPINState, .ok, "a right PIN clears the count")
        try await session.logout()
    }

    func testChangePINAndSecurityOfficerReset() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try t.session()
        try await s.login(pin: t.userPIN)
        try await s.setPIN(old: t.userPIN, new: Secret("246810"))
        try await s.logout()
        await XCTAssertThrowsPKCS11(.pinIncorrect) { try await s.login(pin: t.userPIN) }
        try await s.login(pin: Secret("246810"))
        try await s.logout()

        // The SO sets a new user PIN (what a branch counter does for a customer who forgot theirs).
        try await s.login(.securityOfficer, pin: t.soPIN)
        try await s.initPIN(Secret("135790"))
        try await s.logout()
        try await s.login(pin: Secret("135790"))
        try await s.logout()
        await XCTAssertThrowsPKCS11(.pinIncorrect) { try await s.login(.securityOfficer, pin: Secret("bad-so-pin")) }
    }

    func testPINDescriptionNeverShowsTheSecret() {
        let pin = Secret("123456")
        XCTAssertFalse("\(pin)".contains("123456"))
        XCTAssertFalse(String(reflecting: pin).contains("123456"))
        var dumped = ""
        dump(pin, to: &dumped)
        XCTAssertFalse(dumped.contains("123456"))
    }

    func testSlotEventsReportANewToken() async throws {
        let module = try SoftHSM.module()
        let stream = module.slotEvents(pollInterval: .milliseconds(50))
        let label = "events-\(UUID().uuidString.prefix(8))"
        let watcher = Task { () -> SlotEvent? in
            for await event in stream {
                switch event {
                case .tokenInserted(_, let info), .tokenChanged(_, let info):
                    if info.label == label { return event }
                case .tokenRemoved: continue
                }
            }
            return nil
        }
        try await Task.sleep(for: .milliseconds(200))  // let the stream take its first snapshot
        _ = try await module.initializeToken(label: label, soPIN: Secret("12345678"), userPIN: Secret("123456"))
        let timeout = Task { try await Task.sleep(for: .seconds(10)); watcher.cancel() }
        let event = await watcher.value
        timeout.cancel()
        XCTAssertNotNil(event, "the new token was reported within 10 s")
    }

    func testSlotEventStreamEndsOnCancel() async throws {
        let module = try SoftHSM.module()
        let task = Task { () -> Int in
            var n = 0
            for await _ in module.slotEvents(pollInterval: .milliseconds(20), includeInitial: true) { n += 1 }
            return n
        }
        try await Task.sleep(for: .milliseconds(150))
        task.cancel()
        let n = await task.value  // returns: the stream finished
        XCTAssertGreaterThanOrEqual(n, 0)
    }
}

func XCTAssertThrowsPKCS11(_ code: ReturnValue, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected \(code.name)", file: file, line: line)
    } catch let error as PKCS11Error {
        XCTAssertEqual(error.returnValue, code, "\(error)", file: file, line: line)
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}
