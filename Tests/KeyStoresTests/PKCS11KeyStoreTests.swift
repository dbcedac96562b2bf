import CertificateKit
import Foundation
import KeyStores
import Lifecycle
import PKCS11
import TestSupport
import XCTest
import Secrets

/// PKCS11KeyStore on a fresh SoftHSM2 token per test; OpenSC's pkcs11-tool and OpenSSL check the results.
final class PKCS11KeyStoreTests: XCTestCase {
    func store(_ t: SoftHSM.TestToken, pin: String? = nil, module: PKCS11Module? = nil) throws -> PKCS11KeyStore {
        PKCS11KeyStore(module: module ?? t.module, token: try PKCS11URI(parsing: "pkcs11:token=" + t.label),
                       pin: .constant(Secret(pin ?? t.userPINText)))
    }

    /// `pkcs11-tool -O` after login: the independent view of the token's objects.
    func listObjects(_ t: SoftHSM.TestToken) throws -> String {
        let r = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--login",
                                            "--pin", t.userPINText, "-O"])
        XCTAssertEqual(r.status, 0, r.err)
        return r.out
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testGenerateSignStoreCertificateRSAAndP256() async throws {
        let t = try await SoftHSM.makeToken()
        let dir = try workDirectory(self)
        let ca = try await TestCA.make()
        let store = try store(t)
        for (kind, name) in [(KeyDescription.Kind.rsa(bits: 2048), "RSA"), (.p256, "P256")] {
            let signer = try await store.generateKey(kind, label: "order signing \(name)")
            XCTAssertTrue(signer is PKCS11Signer)
            XCTAssertEqual(try KeyDescription(subjectPublicKeyInfo: signer.subjectPublicKeyInfo).kind, kind)
            try await assertOpenSSLVerifies(signer, dir: dir)
            let cert = try await ca.issue(for: signer, commonName: "A123456789 \(name)")
            try await store.storeCertificate(cert, for: signer)
            let current = try await store.currentKey()
            XCTAssertEqual(current?.certificateDER, cert, "the newest certified key is current")
            XCTAssertEqual(current?.signer.subjectPublicKeyInfo, signer.subjectPublicKeyInfo)
            try await assertOpenSSLVerifies(try XCTUnwrap(current?.signer), certificateDER: cert, ca: ca, dir: dir)
            guard case .pkcs11(let uri, let label)? = current?.location else { return XCTFail("location") }
            XCTAssertEqual(label, t.label)
            XCTAssertTrue(uri.contains("token=") && uri.contains("type=private"), uri)
        }
        // pkcs11-tool sees sensitive, never-extractable keys and certificates with the keys' IDs.
        let objects = try listObjects(t)
        XCTAssertEqual(objects.components(separatedBy: "Private Key Object").count - 1, 2, objects)
        XCTAssertEqual(objects.components(separatedBy: "Certificate Object").count - 1, 2, objects)
        XCTAssertEqual(objects.components(separatedBy: "never extractable").count - 1, 2, objects)
        let keys = try await store.allKeys()
        XCTAssertEqual(keys.count, 2)
        for key in keys {
            let id = try XCTUnwrap((key.signer as? PKCS11Signer)?.key.id)
            XCTAssertEqual(id.count, 20)
            XCTAssertEqual(Array(id.prefix(2)), [0x54, 0x43], "TokenCert's CKA_ID layout")
            XCTAssertEqual(objects.components(separatedBy: "ID:         \(hex(id))").count - 1, 3,
                           "private key, public key and certificate share the CKA_ID\n\(objects)")
        }
        let status = try await store.pinStatus()
        XCTAssertEqual(status, KeyStorePINStatus())
    }

    func testRenewalBesideTheOldKeyThenDeleteLeavesNoOrphans() async throws {
        let t = try await SoftHSM.makeToken()
        let ca = try await TestCA.make()
        let store = try store(t)
        let old = try await store.generateKey(.p256, label: "customer key")
        let oldCert = try await ca.issue(for: old, commonName: "old", notBefore: Date().addingTimeInterval(-86_400 * 300))
        try await store.storeCertificate(oldCert, for: old)

        let new = try await store.generateKey(.p256, label: "customer key")
        var current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, oldCert, "a key without a certificate does not displace the certified one")
        let all = try await store.allKeys()
        XCTAssertEqual(all.count, 2)
        XCTAssertEqual(all.filter { $0.certificateDER == nil }.map(\.signer.subjectPublicKeyInfo), [new.subjectPublicKeyInfo])

        // A certificate for another key is refused before anything changes.
        do {
            try await store.storeCertificate(oldCert, for: new)
            XCTFail("certificate of another key accepted")
        } catch let e as PKCS11KeyStoreError {
            XCTAssertEqual(e.code, .certificateKeyMismatch)
            XCTAssertFalse(e.remedy!.traditionalChinese.isEmpty)
        }
        let newCert = try await ca.issue(for: new, commonName: "new")
        try await store.storeCertificate(newCert, for: new)
        current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, newCert)

        let oldID = try XCTUnwrap((old as? PKCS11Signer)?.key.id)
        let newID = try XCTUnwrap((new as? PKCS11Signer)?.key.id)
        XCTAssertNotEqual(oldID, newID)
        try await store.delete(old)
        let objects = try listObjects(t)
        XCTAssertFalse(objects.contains(hex(oldID)), "no object of the old key is left:\n\(objects)")
        XCTAssertEqual(objects.components(separatedBy: "ID:         \(hex(newID))").count - 1, 3, objects)
        XCTAssertEqual(objects.components(separatedBy: "Object;").count - 1, 3, "nothing else on the token:\n\(objects)")
        let remaining = try await store.allKeys()
        XCTAssertEqual(remaining.map(\.certificateDER), [newCert])

        // Deleting it again: not on the token.
        do {
            try await store.delete(old)
            XCTFail("deleted twice")
        } catch let e as PKCS11KeyStoreError {
            XCTAssertEqual(e.code, .keyNotOnToken)
        }
    }

    func testWrongPINAndNoPINAreReportedAsPINNeeded() async throws {
        let t = try await SoftHSM.makeToken()
        let calls = CallCounter()
        let label = t.label, userPIN = t.userPINText
        let wrong = PKCS11KeyStore(module: t.module, token: try PKCS11URI(parsing: "pkcs11:token=" + t.label),
                                   pin: SecretProvider { request in
                                       calls.increment()
                                       XCTAssertEqual(request.kind, .pin)
                                       XCTAssertTrue(request.question.english.contains(label), request.question.english)
                                       return Secret("000000")
                                   })
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await wrong.generateKey(.p256, label: "x") }
        XCTAssertEqual(calls.count, 1)
        let status = try await wrong.pinStatus()
        XCTAssertEqual(status?.countLow, true, "SoftHSM sets CKF_USER_PIN_COUNT_LOW after a wrong PIN")
        let none = PKCS11KeyStore(module: t.module, token: try PKCS11URI(parsing: "pkcs11:token=" + t.label), pin: .unavailable)
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await none.currentKey() }

        // The right PIN still works, and is asked only once for several operations.
        let rightCalls = CallCounter()
        let right = PKCS11KeyStore(module: t.module, token: try PKCS11URI(parsing: "pkcs11:token=" + t.label),
                                   pin: SecretProvider { _ in rightCalls.increment(); return Secret(userPIN) })
        _ = try await right.generateKey(.p256, label: "k")
        _ = try await right.allKeys()
        _ = try await right.currentKey()
        XCTAssertEqual(rightCalls.count, 1)
    }

    func testLockedPINIsPINLockedAndTheProviderIsNotAskedAgain() async throws {
        let t = try await SoftHSM.makeToken()
        let shim = try PKCS11Module.load(path: PINLockModule.path)
        let calls = CallCounter()
        let store = PKCS11KeyStore(module: shim, token: try PKCS11URI(parsing: "pkcs11:token=" + t.label),
                                   pin: SecretProvider { request in calls.increment(); return Secret("000000") })
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await store.currentKey() }
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: 1)) { _ = try await store.currentKey() }
        let beforeLock = try await store.pinStatus()
        XCTAssertEqual(beforeLock?.triesLeft, 1)
        await XCTAssertThrowsUnavailable(.pinLocked) { _ = try await store.currentKey() }
        XCTAssertEqual(calls.count, 3)
        await XCTAssertThrowsUnavailable(.pinLocked) { _ = try await store.generateKey(.p256, label: "x") }
        XCTAssertEqual(calls.count, 3, "a locked PIN is not asked for")
        let status = try await store.pinStatus()
        XCTAssertEqual(status?.locked, true)
    }

    func testMissingTokenAndModuleByRegistryName() async throws {
        let t = try await SoftHSM.makeToken()
        let missing = PKCS11KeyStore(module: t.module, token: try PKCS11URI(parsing: "pkcs11:token=no%20such%20token"),
                                     pin: .constant(Secret(t.userPINText)))
        await XCTAssertThrowsUnavailable(.tokenMissing) { _ = try await missing.currentKey() }
        await XCTAssertThrowsUnavailable(.tokenMissing) { _ = try await missing.generateKey(.p256, label: "x") }
        // By path given in the URI itself (module-path=), the same module instance.
        let viaURI = try PKCS11KeyStore(token: try PKCS11URI(parsing: "pkcs11:token=\(t.label)?module-path=\(SoftHSM.modulePath)"),
                                        pin: .constant(Secret(t.userPINText)))
        XCTAssertTrue(viaURI.module === t.module)
        let none = try await viaURI.currentKey()
        XCTAssertNil(none)
        XCTAssertThrowsError(try PKCS11KeyStore(token: try PKCS11URI(parsing: "pkcs11:token=x"), pin: .unavailable)) { error in
            XCTAssertEqual((error as? PKCS11KeyStoreError)?.code, .noModule)
        }
    }

    func testImportKeyFromAPFX() async throws {
        let t = try await SoftHSM.makeToken()
        let dir = try workDirectory(self)
        let store = try store(t)
        for algorithm in [["rsa:2048"], ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]] {
            let pfx = try openSSLPFX(dir: dir, keyAlgorithm: algorithm, password: "backup123")
            let contents = try PKCS12Bundle.read(Array(try Data(contentsOf: URL(fileURLWithPath: pfx))), password: Secret("backup123"))
            let stored = try await store.importKey(privateKey: contents.privateKey, certificateDER: contents.certificateDER,
                                                   chainDER: contents.chainDER, label: "restored")
            XCTAssertEqual(stored.certificateDER, contents.certificateDER)
            try await assertOpenSSLVerifies(stored.signer, certificateDER: contents.certificateDER, dir: dir)
            let current = try await store.currentKey()
            XCTAssertEqual(current?.signer.subjectPublicKeyInfo, stored.signer.subjectPublicKeyInfo)
        }
        let objects = try listObjects(t)
        XCTAssertEqual(objects.components(separatedBy: "Private Key Object").count - 1, 2, objects)
        XCTAssertEqual(objects.components(separatedBy: "Certificate Object").count - 1, 2, objects)
        XCTAssertFalse(objects.contains("Access:       extractable"), "imported keys are not extractable:\n\(objects)")

        // A key with someone else's certificate is refused before anything is written.
        let a = try openSSLPFX(dir: dir, keyAlgorithm: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], password: "pw1234")
        let b = try openSSLPFX(dir: dir, keyAlgorithm: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], password: "pw1234")
        let ca = try PKCS12Bundle.read(Array(try Data(contentsOf: URL(fileURLWithPath: a))), password: Secret("pw1234"))
        let cb = try PKCS12Bundle.read(Array(try Data(contentsOf: URL(fileURLWithPath: b))), password: Secret("pw1234"))
        do {
            _ = try await store.importKey(privateKey: ca.privateKey, certificateDER: cb.certificateDER, chainDER: [], label: "bad")
            XCTFail("mismatched key and certificate imported")
        } catch let e as PKCS11KeyStoreError {
            XCTAssertEqual(e.code, .certificateKeyMismatch)
        }
        let after = try await store.allKeys()
        XCTAssertEqual(after.count, 2)
    }
}

/// Tests/Fixtures/pinlock-module.c compiled once: a module forwarding to SoftHSM that locks after 3 wrong PINs.
enum PINLockModule {
    static let path = FixtureModule.build("pinlock-module", suffix: "keystores")
}
