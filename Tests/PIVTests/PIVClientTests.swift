import KeyStores
import Crypto
import Foundation
import PCSC
@testable import PIV
import SmartCard
import VirtualCard
import TestSupport
import XCTest
import Secrets

/// Our PIV client against the virtual card through real pcscd and vpcd.
final class PIVClientTests: XCTestCase {
    func session(_ reader: String) async throws -> (PIVSession, SmartCardConnection) {
        let connection = try PCSCContext().connect(reader: reader)
        return (try await PIVSession(transport: connection), connection)
    }

    func testPINCountsDownToBlockedAndPUKUnblocks() async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let (piv, _) = try await session(reader)

        let left = try await piv.pinTriesLeft()
        XCTAssertEqual(left, 3, "tries-left query does not use a try")
        let stillLeft = try await piv.pinTriesLeft()
        XCTAssertEqual(stillLeft, 3)
        var errors: [PIVError] = []
        for _ in 0..<3 {
            do { try await piv.verifyPIN(Secret("000000")) } catch let e as PIVError { errors.append(e) }
        }
        XCTAssertEqual(errors, [.invalidPIN(triesLeft: 2), .invalidPIN(triesLeft: 1), .blocked])
        XCTAssertEqual(errors[1].summary.english, "Wrong PIN. One more wrong PIN blocks the card.")
        do {
            try await piv.verifyPIN(Secret(PIV.defaultPIN))
            XCTFail("a blocked PIN refuses even the right PIN")
        } catch let e as PIVError {
            XCTAssertEqual(e, .blocked)
            XCTAssertTrue(e.remedy!.english.contains("PUK"))
        }
        let blockedLeft = try await piv.pinTriesLeft()
        XCTAssertEqual(blockedLeft, 0)

        // A wrong PUK counts down too; the right one unblocks and sets a new PIN.
        do { try await piv.unblockPIN(puk: Secret("87654321"), newPIN: Secret("246810")) } catch let e as PIVError {
            XCTAssertEqual(e, .invalidPIN(triesLeft: 2))
        }
        try await piv.unblockPIN(puk: Secret(PIV.defaultPUK), newPIN: Secret("246810"))
        try await piv.verifyPIN(Secret("246810"))
        let afterVerify = try await piv.pinTriesLeft()
        XCTAssertNil(afterVerify, "verified in this session")
        try await piv.changePIN(old: Secret("246810"), new: Secret("135790"))
        try await piv.changePUK(old: Secret(PIV.defaultPUK), new: Secret("11223344"))
        try await piv.resetPINStatus()
        try await piv.verifyPIN(Secret("135790"))
        await XCTAssertThrowsPIV(.badSecretFormat) { try await piv.verifyPIN(Secret("123456789")) }
    }

    func testManagementKeyGenerateSignAndCertificates() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let (piv, _) = try await session(reader)

        // Without the management key, generation is refused; a wrong key is refused.
        await XCTAssertThrowsPIV(.securityStatusNotSatisfied) { _ = try await piv.generateKey(slot: .authentication, algorithm: .eccP256) }
        await XCTAssertThrowsPIV(.managementKeyRejected) {
            try await piv.authenticate(managementKey: Secret(bytes: [UInt8](repeating: 0x55, count: 24)))
        }
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))

        let message = Array("委託單 2330 買進 1 張".utf8)
        for (slot, algorithm) in [(PIV.Slot.authentication, PIV.KeyAlgorithm.rsa2048), (.signature, .eccP256), (.keyManagement, .eccP384)] {
            let publicKey = try await piv.generateKey(slot: slot, algorithm: algorithm)
            let spki = try publicKey.subjectPublicKeyInfo()
            if slot != .keyManagement {
                // 9A before any VERIFY; 9C although the PIN was verified for 9A (PIN-always).
                await XCTAssertThrowsPIV(.securityStatusNotSatisfied) { _ = try await piv.sign(message, slot: slot, algorithm: algorithm) }
            }
            try await piv.verifyPIN(Secret(PIV.defaultPIN))
            let digest: PIVDigest = algorithm == .eccP384 ? .sha384 : .sha256
            let signature = try await piv.sign(message, slot: slot, algorithm: algorithm, digest: digest)
            // OpenSSL checks the signature against the public key the card returned.
            XCTAssertTrue(try opensslVerifies(spki: spki, message: message, signature: signature,
                                              digest: digest == .sha384 ? "-sha384" : "-sha256"), "\(slot) \(algorithm)")
            if slot == .signature {
                // 9C wants the PIN for every signature.
                await XCTAssertThrowsPIV(.securityStatusNotSatisfied) { _ = try await piv.sign(message, slot: slot, algorithm: algorithm) }
            }

            let certificate = try selfSignedCertificate()
            try await piv.writeCertificate(certificate, slot: slot)
            let readBack = try await piv.readCertificate(slot: slot)
            XCTAssertEqual(readBack, certificate)
        }
        let empty = try await piv.readCertificate(slot: .cardAuthentication)
        XCTAssertNil(empty)

        try await piv.writeCHUIDAndCCC()
        let chuid = try await piv.readObject(.chuid)
        XCTAssertEqual(chuid.flatMap { TLV.find(0x34, in: $0) }?.count, 16, "CHUID carries a GUID")
        let ccc = try await piv.readObject(.cardCapabilityContainer)
        XCTAssertNotNil(ccc)
        let discovery = try await piv.readObject(.discovery)
        XCTAssertNotNil(discovery.flatMap { TLV.find(0x7E, in: $0) ?? $0 })

        // Change the management key to AES-128 and authenticate with it.
        let aesKey = Secret(bytes: (0..<16).map { UInt8($0 * 3) })
        try await piv.setManagementKey(aesKey, algorithm: .aes128)
        try await piv.authenticate(managementKey: aesKey, algorithm: .aes128)
        await XCTAssertThrowsPIV(.managementKeyAlgorithmMismatch(offered: .tripleDES)) {
            try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        }
        await XCTAssertThrowsPIV(.managementKeyRejected) { try await piv.authenticate(managementKey: Secret(bytes: aesKey.revealedBytes().reversed()), algorithm: .aes128) }
        // A failed authentication drops the one before it: changing the key now is refused.
        await XCTAssertThrowsPIV(.securityStatusNotSatisfied) { try await piv.setManagementKey(aesKey, algorithm: .aes128) }
        try await piv.authenticate(managementKey: aesKey, algorithm: .aes128)
        for algorithm in [PIV.ManagementKeyAlgorithm.aes192, .aes256, .tripleDES] {
            let key = Secret(bytes: (0..<algorithm.keyLength).map { UInt8(($0 * 7 + 1) & 0xFF) })
            try await piv.setManagementKey(key, algorithm: algorithm)
            try await piv.authenticate(managementKey: key, algorithm: algorithm)
        }
    }

    func testResetAfterPINAndPUKBlocked() async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let (piv, _) = try await session(reader)
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        _ = try await piv.generateKey(slot: .authentication, algorithm: .eccP256)
        await XCTAssertThrowsPIV(.status(.conditionsOfUseNotSatisfied, instruction: 0xFB)) { try await piv.reset() }
        for _ in 0..<3 { _ = try? await piv.verifyPIN(Secret("000000")) }
        for _ in 0..<3 { _ = try? await piv.unblockPIN(puk: Secret("00000000"), newPIN: Secret("000000")) }
        try await piv.reset()
        try await piv.verifyPIN(Secret(PIV.defaultPIN))
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        await XCTAssertThrowsPIV(.notFound) { _ = try await piv.sign([1], slot: .authentication, algorithm: .eccP256) }
    }

    func testCardPulledDuringSignatureFailsClearlyWithoutHanging() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port) { c in
            c.pullOnInstruction = 0x87
            c.pullOnInstructionOccurrence = 3  // mutual auth takes two GENERAL AUTHENTICATEs, the signature is the third
        }
        addTeardownBlock { await card.stop() }
        let (piv, _) = try await session(reader)
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        _ = try await piv.generateKey(slot: .authentication, algorithm: .eccP256)
        try await piv.verifyPIN(Secret(PIV.defaultPIN))
        let started = ContinuousClock.now
        do {
            _ = try await piv.sign([1, 2, 3], slot: .authentication, algorithm: .eccP256)
            XCTFail("the card was pulled: signing must fail")
        } catch let error as PCSCError {
            XCTAssertTrue([.warningRemovedCard, .noSmartcard, .readerUnavailable, .warningResetCard, .failureCommError]
                .contains(error.code), "\(error)")
            XCTAssertFalse(error.summary.english.isEmpty)
            XCTAssertNotNil(error.remedy)
        }
        XCTAssertLessThan(started.duration(to: .now), .seconds(10), "no hang")
        try await VirtualReaders.waitForCard(reader: reader, present: false)
    }
}

func XCTAssertThrowsPIV(_ expected: PIVError, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected \(expected)", file: file, line: line)
    } catch let error as PIVError {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}

func opensslVerifies(spki: [UInt8], message: [UInt8], signature: [UInt8], digest: String) throws -> Bool {
    let dir = NSTemporaryDirectory() + "piv-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Data(spki).write(to: URL(fileURLWithPath: dir + "/pub.der"))
    try Data(message).write(to: URL(fileURLWithPath: dir + "/msg"))
    try Data(signature).write(to: URL(fileURLWithPath: dir + "/sig"))
    return try runTool("openssl", ["dgst", digest, "-keyform", "DER", "-verify", dir + "/pub.der", "-signature", dir + "/sig", dir + "/msg"]).status == 0
}

/// A throwaway self-signed certificate from OpenSSL, DER.
func selfSignedCertificate() throws -> [UInt8] {
    let dir = NSTemporaryDirectory() + "piv-cert-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir + "/k.pem",
                                 "-subj", "/CN=PIV test", "-days", "1", "-outform", "DER", "-out", dir + "/c.der"])
    XCTAssertEqual(r.status, 0, r.err)
    return Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/c.der")))
}
