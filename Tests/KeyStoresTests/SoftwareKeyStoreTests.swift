import CertificateKit
import Foundation
import KeyStores
import Lifecycle
import TestSupport
import XCTest
import Secrets

/// SoftwareKeyStore in temporary folders (two folders play two computers); OpenSSL and NSS's tools
/// check the files and certificates.
final class SoftwareKeyStoreTests: XCTestCase {
    /// Fewer PBKDF2 iterations than the real store's 600,000, to keep the suite fast; one test runs
    /// the default profile.
    static let fast = PKCS12Profile.modern(iterations: 2_000)

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func testGenerateStoreReopenFileModesAndWrongPassphrase() async throws {
        let dir = try workDirectory(self)
        let storeDir = URL(fileURLWithPath: dir + "/data/tokencert/store")
        let ca = try await TestCA.make()
        let asked = CallCounter()
        let store = try SoftwareKeyStore(directory: storeDir, passphrase: SecretProvider { request in
            asked.increment()
            XCTAssertEqual(request.kind, .newStorePassphrase)
            return Secret("correct horse 電池")
        })
        XCTAssertEqual(store.profile, .modern, "the real store uses the modern profile with its default iterations")
        XCTAssertEqual(try mode(storeDir.path), 0o700)

        let signer = try await store.generateKey(.p256, label: "王小明 order key")
        XCTAssertTrue(signer is SoftwareSigner)
        try await assertOpenSSLVerifies(signer, dir: dir)
        let pending = try await store.currentKey()
        XCTAssertNil(pending?.certificateDER, "the placeholder certificate never shows")
        let cert = try await ca.issue(for: signer, commonName: "A123456789")
        try await store.storeCertificate(cert, chainDER: [ca.der], for: signer)
        XCTAssertEqual(asked.count, 1, "the passphrase is asked once per store object")

        let files = try FileManager.default.contentsOfDirectory(atPath: storeDir.path)
        XCTAssertEqual(files.count, 1, "one file per key, no temporary left: \(files)")
        let file = storeDir.path + "/" + files[0]
        XCTAssertEqual(try mode(file), 0o600)
        XCTAssertTrue(files[0].hasSuffix(".tckey"))

        // Reopen from disk (a new process): same key, certificate and chain; it signs.
        let reopened = try SoftwareKeyStore(directory: storeDir, passphrase: .constant(Secret("correct horse 電池")))
        let certificates = try await reopened.certificates()
        XCTAssertEqual(certificates.map(\.certificateDER), [cert], "certificates are readable without the passphrase")
        let current = try await reopened.currentKey()
        XCTAssertEqual(current?.certificateDER, cert)
        XCTAssertEqual(current?.chainDER, [ca.der])
        XCTAssertEqual(current?.signer.subjectPublicKeyInfo, signer.subjectPublicKeyInfo)
        try await assertOpenSSLVerifies(try XCTUnwrap(current?.signer), certificateDER: cert, ca: ca, dir: dir)
        guard case .software(let path)? = current?.location else { return XCTFail("location") }
        XCTAssertEqual(path, file)

        // The container inside is a standard .pfx: OpenSSL opens it with the passphrase.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        let pkcs12 = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(json?["pkcs12"] as? String)))
        try pkcs12.write(to: URL(fileURLWithPath: dir + "/inner.p12"))
        // (OpenSSL prints the non-ASCII friendlyName as bytes that are not UTF-8, so go through a file.)
        let info = try runTool("openssl", ["pkcs12", "-in", dir + "/inner.p12", "-nokeys", "-passin", "pass:correct horse 電池",
                                           "-out", dir + "/inner.pem"])
        XCTAssertEqual(info.status, 0, info.err)
        let subject = try runTool("openssl", ["x509", "-in", dir + "/inner.pem", "-noout", "-subject"])
        XCTAssertTrue(subject.out.contains("A123456789"), subject.out + subject.err)
        XCTAssertFalse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self).contains("PRIVATE KEY"))

        // Wrong and missing passphrases.
        let wrong = try SoftwareKeyStore(directory: storeDir, passphrase: .constant(Secret("wrong horse")))
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await wrong.currentKey() }
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await wrong.generateKey(.p256, label: "x") }
        let none = try SoftwareKeyStore(directory: storeDir, passphrase: .unavailable)
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await none.allKeys() }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: storeDir.path).count, 1, "nothing written with a wrong passphrase")
    }

    func testRenewBesideOldKeyDeleteAndLeftoversOfACrash() async throws {
        let dir = try workDirectory(self)
        let storeDir = URL(fileURLWithPath: dir + "/store")
        let ca = try await TestCA.make()
        let store = try SoftwareKeyStore(directory: storeDir, passphrase: .constant(Secret("pass1234")), profile: Self.fast)
        let old = try await store.generateKey(.rsa(bits: 2048), label: "k")
        let oldCert = try await ca.issue(for: old, commonName: "old", notBefore: Date().addingTimeInterval(-86_400 * 300))
        try await store.storeCertificate(oldCert, for: old)
        let new = try await store.generateKey(.p256, label: "k")
        var current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, oldCert)
        let newCert = try await ca.issue(for: new, commonName: "new")
        do {
            try await store.storeCertificate(oldCert, for: new)
            XCTFail("certificate of another key accepted")
        } catch let e as SoftwareKeyStoreError {
            XCTAssertEqual(e.code, .certificateKeyMismatch)
        }
        try await store.storeCertificate(newCert, for: new)
        current = try await store.currentKey()
        XCTAssertEqual(current?.certificateDER, newCert)

        // What a crash mid-write leaves (a hidden temporary file) and a damaged file do not break the store.
        try write(Array("half".utf8), storeDir.path + "/.0123.tckey.tmp-ABCDEFGH")
        try write(Array("{not json".utf8), storeDir.path + "/ffff.tckey")
        let reopened = try SoftwareKeyStore(directory: storeDir, passphrase: .constant(Secret("pass1234")), profile: Self.fast)
        let all = try await reopened.allKeys()
        XCTAssertEqual(all.count, 2)
        let damaged = try await reopened.damagedFiles()
        XCTAssertEqual(damaged.map(\.lastPathComponent), ["ffff.tckey"])

        try await reopened.delete(old)
        let left = try await reopened.allKeys()
        XCTAssertEqual(left.map(\.certificateDER), [newCert])
        do {
            try await reopened.delete(old)
            XCTFail("deleted twice")
        } catch let e as SoftwareKeyStoreError {
            XCTAssertEqual(e.code, .keyNotInStore)
        }
    }

    func testSecondComputerRestoresFromOpenSSLPFXAndFromOurBackup() async throws {
        let dir = try workDirectory(self)
        let ca = try await TestCA.make()
        // Computer A: a key with its certificate, backed up as a .pfx (as `tokencert backup` does).
        let a = try SoftwareKeyStore(directory: URL(fileURLWithPath: dir + "/a"), passphrase: .constant(Secret("aaaa1111")), profile: Self.fast)
        let key = try await a.generateKey(.p256, label: "key A")
        let cert = try await ca.issue(for: key, commonName: "A123456789")
        try await a.storeCertificate(cert, chainDER: [ca.der], for: key)
        let currentA = try await a.currentKey()
        let software = try XCTUnwrap(currentA?.signer as? SoftwareSigner)
        let backup = try PKCS12Bundle.write(privateKeyDER: software.pkcs8DER, certificateDER: cert, chainDER: [ca.der],
                                            friendlyName: "A123456789", password: Secret("bk1234"))

        // Computer B: restores it, and a .pfx made by `openssl pkcs12 -export`.
        let b = try SoftwareKeyStore(directory: URL(fileURLWithPath: dir + "/b"), passphrase: .constant(Secret("bbbb2222")), profile: Self.fast)
        let contents = try PKCS12Bundle.read(backup, password: Secret("bk1234"))
        let restored = try await b.importKey(privateKey: contents.privateKey, certificateDER: contents.certificateDER,
                                             chainDER: contents.chainDER, label: "restored")
        XCTAssertEqual(restored.signer.subjectPublicKeyInfo, key.subjectPublicKeyInfo)
        let pfx = try openSSLPFX(dir: dir, keyAlgorithm: ["rsa:2048"], password: "ossl9876", subject: "/CN=B987654321")
        let fromOpenSSL = try PKCS12Bundle.read(Array(try Data(contentsOf: URL(fileURLWithPath: pfx))), password: Secret("ossl9876"))
        let imported = try await b.importKey(privateKey: fromOpenSSL.privateKey, certificateDER: fromOpenSSL.certificateDER,
                                             chainDER: [], label: "from openssl")
        try await assertOpenSSLVerifies(imported.signer, certificateDER: fromOpenSSL.certificateDER, dir: dir)

        let reopened = try SoftwareKeyStore(directory: URL(fileURLWithPath: dir + "/b"), passphrase: .constant(Secret("bbbb2222")), profile: Self.fast)
        let all = try await reopened.allKeys()
        XCTAssertEqual(Set(all.compactMap(\.certificateDER)), [cert, fromOpenSSL.certificateDER])
        let ours = try XCTUnwrap(all.first { $0.certificateDER == cert })
        XCTAssertEqual(ours.chainDER, [ca.der])
        try await assertOpenSSLVerifies(ours.signer, certificateDER: cert, ca: ca, dir: dir)
        // Computer A's passphrase does not open computer B's store.
        let wrong = try SoftwareKeyStore(directory: URL(fileURLWithPath: dir + "/b"), passphrase: .constant(Secret("aaaa1111")))
        await XCTAssertThrowsUnavailable(.pinNeeded(triesLeft: nil)) { _ = try await wrong.currentKey() }
    }

    func testInstallIntoNSSAndRemove() async throws {
        let dir = try workDirectory(self)
        let ca = try await TestCA.make()
        let store = try SoftwareKeyStore(directory: URL(fileURLWithPath: dir + "/store"), passphrase: .constant(Secret("nss-pass 1")), profile: Self.fast)
        let key = try await store.generateKey(.p256, label: "TokenCert A123456789")
        do {
            _ = try await store.installIntoNSS(key, database: "sql:" + dir + "/nssdb")
            XCTFail("a key without certificate went into NSS")
        } catch let e as SoftwareKeyStoreError {
            XCTAssertEqual(e.code, .noCertificate)
        }
        let cert = try await ca.issue(for: key, commonName: "A123456789")
        try await store.storeCertificate(cert, for: key)

        let db = "sql:" + dir + "/nssdb"
        let result = try await store.installIntoNSS(database: db)
        XCTAssertEqual(result, .done(nickname: "TokenCert A123456789", database: db))
        let listed = try runTool("certutil", ["-L", "-d", db])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("TokenCert A123456789"), listed.out)
        let keys = try runTool("certutil", ["-K", "-d", db])
        XCTAssertTrue(keys.out.contains("TokenCert A123456789"), "the private key is in NSS too: \(keys.out) \(keys.err)")
        let pem = try runTool("certutil", ["-L", "-d", db, "-n", "TokenCert A123456789", "-a"])
        try pem.out.write(toFile: dir + "/nss.pem", atomically: true, encoding: .utf8)
        let fromNSS = try runTool("openssl", ["x509", "-in", dir + "/nss.pem", "-outform", "DER", "-out", dir + "/nss.der"])
        XCTAssertEqual(fromNSS.status, 0, pem.out + fromNSS.err)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/nss.der"))), cert, "NSS holds our certificate")

        let removed = try await store.removeFromNSS(nickname: "TokenCert A123456789", database: db)
        XCTAssertEqual(removed, .done(nickname: "TokenCert A123456789", database: db))
        let after = try runTool("certutil", ["-L", "-d", db])
        XCTAssertFalse(after.out.contains("TokenCert A123456789"), after.out)

        // No NSS tools: a clear result, nothing changed.
        let noTools = try await store.installIntoNSS(database: db, toolDirectories: [dir])
        guard case .toolsMissing(let text) = noTools else { return XCTFail("\(noTools)") }
        XCTAssertTrue(text.english.contains("libnss3-tools"))
        XCTAssertTrue(text.traditionalChinese.contains("libnss3-tools"))
    }
}
