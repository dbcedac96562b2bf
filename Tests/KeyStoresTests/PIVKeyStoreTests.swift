import CertificateKit
import Crypto
import Foundation
import KeyStores
import Lifecycle
import PCSC
import PIV
import TestSupport
import VirtualCard
import XCTest
import Secrets

/// PIVKeyStore against the virtual PIV card behind the test pcscd (scripts/test starts it);
/// yubico-piv-tool, OpenSC's pkcs15-tool and OpenSSL check what the store wrote.
final class PIVKeyStoreTests: XCTestCase {
    func slot(_ signer: any TokenSigner) -> String? {
        if case .piv(_, let slot) = signer.location { return slot }
        return nil
    }

    func testGenerateStoreRotateDeleteAndPeersReadTheCertificates() async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let dir = try workDirectory(self)
        let ca = try await TestCA.make()
        let store = PIVKeyStore(reader: reader, pin: .constant(Secret(PIV.defaultPIN)))
        let empty = try await store.currentKey()
        XCTAssertNil(empty)

        // Apply: the first key goes to 9A.
        let old = try await store.generateKey(.p256, label: "ignored")
        XCTAssertTrue(old is PIVSigner)
        XCTAssertEqual(slot(old), "9A")
        try await assertOpenSSLVerifies(old, dir: dir)
        let oldCert = try await ca.issue(for: old, commonName: "A123456789 old", notBefore: Date().addingTimeInterval(-86_400 * 300))
        try await store.storeCertificate(oldCert, for: old)
        var current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, oldCert)

        // Renew: the new key goes beside the old one, into retired slot 82; the old stays current
        // until the new certificate is stored.
        let new = try await store.generateKey(.rsa(bits: 2048), label: "ignored")
        XCTAssertEqual(slot(new), "82")
        try await assertOpenSSLVerifies(new, dir: dir)
        current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, oldCert)
        let all = try await store.allKeys()
        XCTAssertEqual(all.count, 2)
        // Both slots are in use now: a third key has nowhere to go.
        do {
            _ = try await store.generateKey(.p256, label: "x")
            XCTFail("a third key overwrote a key in use")
        } catch let e as PIVKeyStoreError {
            XCTAssertEqual(e.code, .noFreeSlot)
        }
        let newCert = try await ca.issue(for: new, commonName: "A123456789 new")
        try await store.storeCertificate(newCert, for: new)
        current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, newCert)
        try await assertOpenSSLVerifies(try XCTUnwrap(current?.signer), certificateDER: newCert, ca: ca, dir: dir)

        // Peers read what we wrote: yubico-piv-tool both slots, OpenSC the retired one through the Key History object.
        for (s, der) in [("9a", oldCert), ("82", newCert)] {
            let read = try runTool("yubico-piv-tool", ["-r", reader, "-a", "read-certificate", "-s", s, "-K", "DER", "-o", dir + "/read-\(s).der"])
            XCTAssertEqual(read.status, 0, read.out + read.err)
            XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/read-\(s).der"))), der, "yubico-piv-tool reads slot \(s)")
        }
        let index = String(try XCTUnwrap(try PCSCContext().readers().firstIndex(of: reader)))
        let listed = try runTool("pkcs15-tool", ["-r", index, "--list-certificates"])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("Certificate for PIV Authentication"), listed.out)
        XCTAssertTrue(listed.out.contains("Retired Certificate for Key Management 1"),
                      "OpenSC lists the retired slot's certificate (Key History object):\n\(listed.out)")
        // OpenSC's IDs: 01 is slot 9A, 05 the first retired slot (82).
        for (id, der) in [("01", oldCert), ("05", newCert)] {
            let read = try runTool("pkcs15-tool", ["-r", index, "--read-certificate", id, "--output", dir + "/p15-\(id).pem"])
            XCTAssertEqual(read.status, 0, read.out + read.err)
            let converted = try runTool("openssl", ["x509", "-in", dir + "/p15-\(id).pem", "-outform", "DER", "-out", dir + "/p15-\(id).der"])
            XCTAssertEqual(converted.status, 0, converted.err)
            XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/p15-\(id).der"))), der, "pkcs15-tool reads certificate \(id)")
        }

        // Delete the old key: its certificate object is emptied and the key overwritten; 9A is free again.
        let before = await card.state.keys["9a"]?.pkcs8
        XCTAssertNotNil(before)
        try await store.delete(old)
        let certificates = try await store.certificates()
        XCTAssertEqual(certificates, [PIV.Slot(rawValue: 0x82): newCert])
        let remaining = try await store.allKeys()
        XCTAssertEqual(remaining.map(\.certificateDER), [newCert])
        let gone = try runTool("yubico-piv-tool", ["-r", reader, "-a", "read-certificate", "-s", "9a"])
        XCTAssertNotEqual(gone.status, 0, "9A has no certificate any more: \(gone.out)")
        let after = await card.state.keys["9a"]?.pkcs8
        XCTAssertNotNil(after)
        XCTAssertNotEqual(after, before, "the old private key was overwritten on the card")
        // Next renewal goes back to 9A.
        let third = try await store.generateKey(.p384, label: "x")
        XCTAssertEqual(slot(third), "9A")
        try await assertOpenSSLVerifies(third, dir: dir)
        await store.close()
    }

    func testWrongPINCountsDownThenLockedAndMissingCard() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let calls = CallCounter()
        let wrong = PIVKeyStore(reader: reader, pin: SecretProvider { request in
            calls.increment()
            return Secret("654321")
        })
        let fresh = try await wrong.pinStatus()
        XCTAssertEqual(fresh, KeyStorePINStatus(triesLeft: 3))
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: 2)) { _ = try await wrong.generateKey(.p256, label: "x") }
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: 1)) { _ = try await wrong.generateKey(.p256, label: "x") }
        await XCTAssertThrowsUnavailable(.pinLocked) { _ = try await wrong.generateKey(.p256, label: "x") }
        XCTAssertEqual(calls.count, 3)
        let right = PIVKeyStore(reader: reader, pin: SecretProvider { _ in calls.increment(); return Secret(PIV.defaultPIN) })
        await XCTAssertThrowsUnavailable(.pinLocked) { _ = try await right.generateKey(.p256, label: "x") }
        XCTAssertEqual(calls.count, 3, "a blocked PIN is not asked for")
        let locked = try await right.pinStatus()
        XCTAssertEqual(locked?.locked, true)

        // A PIN the card cannot take (too short) costs no try.
        let other = try VirtualReaders.ports()[0]
        let (card2, reader2) = try await VirtualReaders.insertCard(port: other)
        addTeardownBlock { await card2.stop() }
        let short = PIVKeyStore(reader: reader2, pin: .constant(Secret("12")))
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: 3)) { _ = try await short.generateKey(.p256, label: "x") }
        let asked = CallCounter()
        let prompted = PIVKeyStore(reader: reader2, pin: SecretProvider { request in
            asked.increment()
            XCTAssertEqual(request.triesLeft, 3)
            XCTAssertTrue(request.question.traditionalChinese.contains("剩餘 3 次"), request.question.traditionalChinese)
            return nil
        })
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: 3)) { _ = try await prompted.generateKey(.p256, label: "x") }
        XCTAssertEqual(asked.count, 1)

        // The card pulled: token missing; a reader that does not exist: token missing.
        let good = PIVKeyStore(reader: reader2, pin: .constant(Secret(PIV.defaultPIN)))
        let key = try await good.generateKey(.p256, label: "x")
        XCTAssertEqual(slot(key), "9A")
        await card2.stop()
        try await VirtualReaders.waitForCard(reader: reader2, present: false)
        await XCTAssertThrowsUnavailable(.tokenMissing) { _ = try await good.currentKey() }
        await XCTAssertThrowsUnavailable(.tokenMissing) { _ = try await good.pinStatus() }
        let nowhere = PIVKeyStore(reader: "No Such Reader 00 00", pin: .constant(Secret(PIV.defaultPIN)))
        await XCTAssertThrowsUnavailable(.tokenMissing) { _ = try await nowhere.currentKey() }
    }

    func testImportKeyFromAPFXOntoTheCard() async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let dir = try workDirectory(self)
        let store = PIVKeyStore(reader: reader, pin: .constant(Secret(PIV.defaultPIN)))
        for algorithm in [["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ["rsa:2048"]] {
            let pfx = try openSSLPFX(dir: dir, keyAlgorithm: algorithm, password: "backup123")
            let contents = try PKCS12Bundle.read(Array(try Data(contentsOf: URL(fileURLWithPath: pfx))), password: Secret("backup123"))
            let stored = try await store.importKey(privateKey: contents.privateKey, certificateDER: contents.certificateDER,
                                                   chainDER: [], label: "restored")
            try await assertOpenSSLVerifies(stored.signer, certificateDER: contents.certificateDER, dir: dir)
        }
        let state = await card.state
        XCTAssertEqual(state.keys["9a"]?.origin, 2, "imported, as the card records it")
        XCTAssertEqual(state.keys["82"]?.origin, 2)
        let all = try await store.allKeys()
        XCTAssertEqual(all.count, 2)
    }
}

/// A card the counter personalised: the customer's PIN, a new PUK, a random management key kept
/// PIN-protected on the card. The store still generates and stores (it finds that key after VERIFY),
/// and yubico-piv-tool takes the new PIN and refuses the factory management key.
final class PersonalisedCardTests: XCTestCase {
    func testPersonalisedCardWorksWithTheCustomersPINAndThePINProtectedManagementKey() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let blank = try await CardPersonalisation.pivIsBlank(reader: reader)
        XCTAssertTrue(blank)
        try await CardPersonalisation.personalisePIV(reader: reader, secrets: .init(pin: Secret("731902"), unblockCode: Secret("55667788")))
        let stillBlank = try await CardPersonalisation.pivIsBlank(reader: reader)
        XCTAssertFalse(stillBlank, "the factory management key no longer works")

        let store = PIVKeyStore(reader: reader, pin: .constant(Secret("731902")))
        let signer = try await store.generateKey(.p256, label: "x")
        let ca = try await TestCA.make()
        let der = try await ca.issue(for: signer, commonName: "F131232216")
        try await store.storeCertificate(der, for: signer)
        let current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, der)
        await store.close()

        let pin = try runTool("yubico-piv-tool", ["-r", reader, "-a", "verify-pin", "-P", "731902"])
        XCTAssertEqual(pin.status, 0, pin.err)
        let oldPIN = try runTool("yubico-piv-tool", ["-r", reader, "-a", "verify-pin", "-P", PIV.defaultPIN])
        XCTAssertNotEqual(oldPIN.status, 0, "the default PIN is gone")
        // Writing with the factory management key is refused; the PUK is the one we set (change-puk takes it).
        let write = try runTool("yubico-piv-tool", ["-r", reader, "-a", "set-chuid"])
        XCTAssertNotEqual(write.status, 0, "the factory management key is refused: \(write.out)")
        let puk = try runTool("yubico-piv-tool", ["-r", reader, "-a", "change-puk", "-P", "55667788", "-N", "55667789"])
        XCTAssertEqual(puk.status, 0, "the PUK is the one set: \(puk.err)")
    }
}

/// Another PC/SC client on the same card while the store works — a separate process, `opensc-tool`
/// in a shell loop, SELECTing the GlobalPlatform card manager over and over. On a real card (and on
/// the virtual one) that deselects PIV and forgets the verified PIN, as a browser probing the card
/// through OpenSC can. Each store operation and each signature is one PC/SC transaction that starts
/// with SELECT of PIV (and VERIFY when the card forgot the PIN), so nothing of the other program
/// comes between VERIFY and GENERAL AUTHENTICATE, or between the management key and GENERATE / PUT DATA.
final class PIVTransactionTests: XCTestCase {
    func testAnotherProgramSelectingAnotherApplicationCannotComeBetweenPINAndSignature() async throws {
        let port = try VirtualReaders.ports()[0]
        // The card's side: how often the card manager was selected (its FCI is 18 bytes).
        let managerSelects = CallCounter()
        let (card, reader) = try await VirtualReaders.insertCard(port: port) { configuration in
            configuration.log = { line in
                if line.contains("(SELECT) -> 9000, 18 bytes") { managerSelects.increment() }
            }
        }
        addTeardownBlock { await card.stop() }
        let dir = try workDirectory(self)
        let index = String(try XCTUnwrap(try PCSCContext().readers().firstIndex(of: reader)))
        let other = try OtherPCSCClient(readerIndex: index, apdu: "00 A4 04 00 08 A0 00 00 01 51 00 00 00", dir: dir)
        addTeardownBlock { other.stop() }
        let deadline = ContinuousClock.now + .seconds(20)
        while managerSelects.count == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertGreaterThan(managerSelects.count, 0, "opensc-tool reached the card: \(other.output)")

        // Key generation, the certificate and reading it back, each one transaction.
        let store = PIVKeyStore(reader: reader, pin: .constant(Secret(PIV.defaultPIN)))
        let signer = try await store.generateKey(.p256, label: "x")
        let ca = try await TestCA.make()
        let der = try await ca.issue(for: signer, commonName: "A123456789")
        try await store.storeCertificate(der, for: signer)
        let current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, der)

        // Signatures, a little apart as a customer's are: the other program gets the card between them.
        let key = try P256.Signing.PublicKey(derRepresentation: try XCTUnwrap(current?.signer.subjectPublicKeyInfo))
        let before = managerSelects.count
        for i in 0..<60 {
            let message = Array("委託單 \(i) 2330 買進 1 張".utf8)
            let signature = try await signer.sign(message, algorithm: signer.supportedAlgorithms[0])
            XCTAssertTrue(key.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: signature), for: message), "signature \(i)")
            try await Task.sleep(for: .milliseconds(10))
        }
        let during = managerSelects.count - before
        XCTAssertGreaterThanOrEqual(during, 3, "the other program selected the card manager only \(during) times while the store signed")
        other.stop()
        XCTAssertGreaterThan(other.runs, 0)
    }
}

/// `opensc-tool -r <reader> -c default -s <APDU>` in a shell loop: a second PC/SC client in its own
/// process, one connection and one APDU per run, until `stop()` (it leaves a file the loop checks).
final class OtherPCSCClient: @unchecked Sendable {
    private let process = Process()
    private let stopFile: String
    private let countFile: String
    private let outputFile: String

    init(readerIndex: String, apdu: String, dir: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tool = "/usr/bin/opensc-tool"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            XCTFail("opensc-tool is missing: the README's test command installs it", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        stopFile = dir + "/other-client.stop"
        countFile = dir + "/other-client.count"
        outputFile = dir + "/other-client.out"
        let script = """
            n=0
            while [ ! -e "$1" ]; do
              "$4" -r "$5" -c default -s "$6" > "$3" 2>&1
              n=$((n + 1)); echo "$n" > "$2"
            done
            """
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh", stopFile, countFile, outputFile, tool, readerIndex, apdu]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// How many times the loop has run opensc-tool.
    var runs: Int { Int(((try? String(contentsOfFile: countFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
    /// What the last run printed.
    var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }

    /// Asks the loop to end and waits (bounded) for it; a loop that does not end is terminated.
    func stop() {
        _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
