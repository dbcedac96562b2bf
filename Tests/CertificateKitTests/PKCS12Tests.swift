import CertificateKit
import COpenSSL
import Crypto
import Foundation
import Localization
import TestSupport
import XCTest
import Secrets

/// `.pfx` writing and reading, checked against the `openssl` command (OpenSSL 3.0) as the independent
/// tool: it reads what we write, and we read what it writes (AES default, 3DES/SHA-1, RC2-40 legacy).
final class PKCS12Tests: XCTestCase {
    private let passwordText = "Tc2024pfx"
    private var password: Secret { Secret(passwordText) }

    // MARK: writing, checked by openssl

    func testModernFileWithDefaultIterationsIsReadByOpenSSL() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.rsa2048, leafSubject: "/CN=王小明/serialNumber=A123456789")
        let name = "王小明的交易憑證"
        let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                         chainDER: chain.chainDER, friendlyName: name, password: password)
        try fixture.write("modern.pfx", pfx)
        let passin = try fixture.passwordSource(passwordText)

        let info = try fixture.info("modern.pfx", passin: passin)
        XCTAssertTrue(info.contains("MAC: sha256, Iteration 600000"), info)
        XCTAssertTrue(info.contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"), info)
        XCTAssertTrue(info.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"), info)
        XCTAssertFalse(info.contains("3DES") || info.contains("RC2"), info)

        try assertOpenSSLExtracts(fixture, "modern.pfx", passin: passin, chain: chain, friendlyName: name,
                                  localKeyID: Array(Insecure.SHA1.hash(data: chain.leafDER)))
    }

    func testCompatFileWithDefaultIterationsIsReadByOpenSSL() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let keyID: [UInt8] = [0xA1, 0xB2, 0xC3, 0xD4, 0x01, 0x02]
        let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                         chainDER: chain.chainDER, friendlyName: "TokenCert backup", localKeyID: keyID,
                                         password: password, profile: .compat)
        try fixture.write("compat.pfx", pfx)
        let passin = try fixture.passwordSource(passwordText)

        let info = try fixture.info("compat.pfx", passin: passin)
        XCTAssertTrue(info.contains("MAC: sha1, Iteration 2048"), info)
        XCTAssertTrue(info.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"), info)
        XCTAssertTrue(info.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"), info)
        XCTAssertFalse(info.contains("PBES2") || info.contains("sha256"), info)

        try assertOpenSSLExtracts(fixture, "compat.pfx", passin: passin, chain: chain, friendlyName: "TokenCert backup",
                                  localKeyID: keyID)
    }

    func testIterationCountsFollowTheProfile() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let passin = try fixture.passwordSource(passwordText)
        let cases: [(PKCS12Profile, [String])] = [
            (.modern(iterations: 10_000, macIterations: 20_000),
             ["MAC: sha256, Iteration 20000", "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000",
              "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000"]),
            (.compat(iterations: 3_000, macIterations: 1_000),
             ["MAC: sha1, Iteration 1000", "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 3000",
              "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 3000"]),
            (.modern(iterations: 1_234), ["MAC: sha256, Iteration 1234", "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 1234"]),
        ]
        for (index, (profile, lines)) in cases.enumerated() {
            let file = "p\(index).pfx"
            try fixture.write(file, PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                       friendlyName: "x", password: password, profile: profile))
            let info = try fixture.info(file, passin: passin)
            for line in lines { XCTAssertTrue(info.contains(line), "\(profile): \(line) not in \(info)") }
            // Our reader sees the same.
            let contents = try PKCS12Bundle.read(try fixture.read(file), password: password)
            XCTAssertEqual(contents.algorithms.profileKind, profile.kind)
            XCTAssertEqual(contents.algorithms.keyEncryption?.iterations, profile.iterations)
            XCTAssertEqual(contents.algorithms.certificateEncryption?.iterations, profile.iterations)
            XCTAssertEqual(contents.algorithms.mac?.iterations, profile.macIterations)
        }
        XCTAssertEqual(PKCS12Profile.modern.iterations, 600_000)
        XCTAssertEqual(PKCS12Profile.modern.macIterations, 600_000)
        XCTAssertEqual(PKCS12Profile.compat.iterations, 2_048)
        XCTAssertEqual(PKCS12Profile.compat.macIterations, 2_048)
    }

    func testOwnFilesReadBackWithBothKeyKindsAndProfiles() throws {
        for kind in PFXFixture.KeyKind.allCases {
            let fixture = try PFXFixture()
            let chain = try fixture.makeChain(kind)
            for profile in [PKCS12Profile.modern(iterations: 2_000), .compat] {
                let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                 chainDER: chain.chainDER, friendlyName: "𡘙憑證 \(kind.rawValue)",
                                                 password: password, profile: profile)
                let contents = try PKCS12Bundle.read(pfx, password: password)
                XCTAssertEqual(contents.privateKey.bytes, chain.leafKeyDER, "\(kind) \(profile)")
                XCTAssertEqual(contents.certificateDER, chain.leafDER)
                XCTAssertEqual(contents.chainDER, chain.chainDER)
                XCTAssertEqual(contents.friendlyName, "𡘙憑證 \(kind.rawValue)", "a name beyond the BMP survives (UTF-16 surrogates)")
                XCTAssertEqual(contents.localKeyID, Array(Insecure.SHA1.hash(data: chain.leafDER)))
                XCTAssertEqual(contents.algorithms.profileKind, profile.kind)
                XCTAssertFalse(contents.algorithms.needsLegacyProvider)
            }
        }
    }

    // MARK: reading what openssl wrote

    func testReadsOpenSSLDefaultAESExport() throws {
        for kind in PFXFixture.KeyKind.allCases {
            let fixture = try PFXFixture()
            let chain = try fixture.makeChain(kind)
            let contents = try readOpenSSLExport(fixture, chain: chain, name: "王小明 \(kind.rawValue)", options: [])
            XCTAssertEqual(contents.friendlyName, "王小明 \(kind.rawValue)")
            XCTAssertEqual(contents.algorithms.profileKind, .modern)
            XCTAssertEqual(contents.algorithms.keyEncryption?.description, "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256")
            XCTAssertEqual(contents.algorithms.mac, PKCS12Algorithms.MAC(digest: "sha256", iterations: 2048))
        }
    }

    func testReadsOpenSSL3DESExport() throws {
        for kind in PFXFixture.KeyKind.allCases {
            let fixture = try PFXFixture()
            let chain = try fixture.makeChain(kind)
            let contents = try readOpenSSLExport(fixture, chain: chain, name: "compat",
                                                 options: ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"])
            XCTAssertEqual(contents.algorithms.profileKind, .compat)
            XCTAssertEqual(contents.algorithms.certificateEncryption?.scheme, "pbeWithSHA1And3-KeyTripleDES-CBC")
            XCTAssertEqual(contents.algorithms.mac?.digest, "sha1")
        }
    }

    func testReadsOpenSSLLegacyRC2Export() throws {
        for kind in PFXFixture.KeyKind.allCases {
            let fixture = try PFXFixture()
            let chain = try fixture.makeChain(kind)
            let contents = try readOpenSSLExport(fixture, chain: chain, name: "legacy", options: ["-legacy"])
            XCTAssertEqual(contents.algorithms.certificateEncryption?.scheme, "pbeWithSHA1And40BitRC2-CBC")
            XCTAssertEqual(contents.algorithms.keyEncryption?.scheme, "pbeWithSHA1And3-KeyTripleDES-CBC")
            XCTAssertTrue(contents.algorithms.needsLegacyProvider)
            XCTAssertNil(contents.algorithms.profileKind)
        }
    }

    func testReaderPicksTheLeafByPublicKeyWhenTheOrderIsOdd() throws {
        // openssl always puts the key's certificate first, so build a file the other way round:
        // a certificates-only export listing intermediate, leaf, root (no localKeyID on any), and a
        // key-only export, both without MAC, spliced into one PFX.
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let passin = try fixture.passwordSource(passwordText)
        try fixture.write("odd.pem", try fixture.read("int.pem") + fixture.read("leaf.pem") + fixture.read("root.pem"))
        try fixture.openssl(["pkcs12", "-export", "-nokeys", "-in", fixture.path("odd.pem"), "-nomac",
                             "-passout", passin, "-out", fixture.path("certs.pfx")])
        try fixture.openssl(["pkcs12", "-export", "-nocerts", "-inkey", chain.leafKeyPath, "-name", "key only", "-nomac",
                             "-passout", passin, "-out", fixture.path("key.pfx")])
        // Each half alone is no backup.
        XCTAssertThrowsError(try PKCS12Bundle.read(try fixture.read("certs.pfx"), password: password)) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .noPrivateKey, "\(error)")
        }
        XCTAssertThrowsError(try PKCS12Bundle.read(try fixture.read("key.pfx"), password: password)) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .noMatchingCertificate, "\(error)")
            XCTAssertFalse((error as? PKCS12Error)?.summary.traditionalChinese.isEmpty ?? true)
        }
        let certSafes = try authenticatedSafes(try fixture.read("certs.pfx"))
        let keySafes = try authenticatedSafes(try fixture.read("key.pfx"))
        let spliced = pfxWithoutMAC(safes: keySafes + certSafes)

        let contents = try PKCS12Bundle.read(spliced, password: password)
        XCTAssertEqual(contents.privateKey.bytes, chain.leafKeyDER)
        XCTAssertEqual(contents.certificateDER, chain.leafDER)
        XCTAssertEqual(contents.chainDER, [chain.intermediateDER, chain.rootDER])
        XCTAssertEqual(contents.friendlyName, "key only")
        XCTAssertNil(contents.algorithms.mac)

        // openssl agrees the spliced file is a valid PKCS#12 holding the same key.
        try fixture.write("spliced.pfx", spliced)
        let extracted = try fixture.extract("spliced.pfx", passin: passin, extra: ["-nocerts"])
        XCTAssertEqual(extracted.map(\.der), [chain.leafKeyDER])
    }

    func testReaderPrefersTheCertificateTheKeyBagNamesAmongSameKeyCertificates() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let renewed = try fixture.reissueLeaf(serial: 9, name: "renewed.pem")
        let passin = try fixture.passwordSource(passwordText)
        for (inFile, certfile, expected, other) in [("renewed.pem", "leaf.pem", renewed, chain.leafDER),
                                                    ("leaf.pem", "renewed.pem", chain.leafDER, renewed)] {
            try fixture.openssl(["pkcs12", "-export", "-inkey", chain.leafKeyPath, "-in", fixture.path(inFile),
                                 "-certfile", fixture.path(certfile), "-passout", passin, "-out", fixture.path("two.pfx")])
            let contents = try PKCS12Bundle.read(try fixture.read("two.pfx"), password: password)
            XCTAssertEqual(contents.certificateDER, expected)
            XCTAssertEqual(contents.chainDER, [other])
        }
    }

    // MARK: errors

    func testWrongPasswordIsATypedErrorInBothLanguages() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let passin = try fixture.passwordSource(passwordText)
        var files: [String: [UInt8]] = [:]
        files["modern"] = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                 friendlyName: "x", password: password, profile: .modern(iterations: 2_000))
        files["compat"] = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                 friendlyName: "x", password: password, profile: .compat)
        try fixture.openssl(["pkcs12", "-export", "-legacy", "-inkey", chain.leafKeyPath, "-in", chain.leafPath,
                             "-passout", passin, "-out", fixture.path("legacy.pfx")])
        files["openssl -legacy"] = try fixture.read("legacy.pfx")
        try fixture.openssl(["pkcs12", "-export", "-nomac", "-inkey", chain.leafKeyPath, "-in", chain.leafPath,
                             "-passout", passin, "-out", fixture.path("nomac.pfx")])
        files["openssl -nomac"] = try fixture.read("nomac.pfx")

        for (label, pfx) in files.sorted(by: { $0.key < $1.key }) {
            for wrong in ["Tc2024pfy", "", "tc2024PFX", passwordText + " "] {
                XCTAssertThrowsError(try PKCS12Bundle.read(pfx, password: Secret(wrong)), label) { error in
                    guard let error = error as? OpenSSLError else { return XCTFail("\(label): \(error)") }
                    XCTAssertEqual(error.reason, .wrongPassword, "\(label): \(error)")
                    for language in Language.allCases {
                        XCTAssertFalse(error.summary.text(language).isEmpty)
                        XCTAssertFalse(error.remedy?.text(language).isEmpty ?? true)
                    }
                    XCTAssertTrue(error.summary.traditionalChinese.contains("密碼"), error.summary.traditionalChinese)
                    XCTAssertTrue(error.summary.english.contains("password"), error.summary.english)
                    XCTAssertFalse(error.description.contains(wrong.isEmpty ? "\u{0}" : wrong))
                    // With a MAC, the MAC check says it (OpenSSL 3.0 records nothing for a MAC that
                    // differs); without one, the decryption does.
                    // (openssl -nomac leaves the certificates unencrypted too: the key bag fails.)
                    XCTAssertEqual(error.function, label == "openssl -nomac" ? "PKCS12_decrypt_skey_ex" : "PKCS12_verify_mac")
                }
            }
            // …and the right password still opens it.
            XCTAssertEqual(try PKCS12Bundle.read(pfx, password: password).certificateDER, chain.leafDER, label)
        }
    }

    func testGarbageAndTruncatedFilesAreMalformed() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                         friendlyName: "x", password: password, profile: .modern(iterations: 1_000))
        var generator = SystemRandomNumberGenerator()
        let inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("random", (0..<700).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            ("zeros", [UInt8](repeating: 0, count: 64)),
            ("one byte", [0x30]),
            ("truncated by one", Array(pfx.dropLast())),
            ("truncated to half", Array(pfx.prefix(pfx.count / 2))),
            ("truncated to 10", Array(pfx.prefix(10))),
            ("trailing byte", pfx + [0]),
            ("a certificate", chain.leafDER),
            ("PEM text", try fixture.read("leaf.pem")),
        ]
        for (label, bytes) in inputs {
            XCTAssertThrowsError(try PKCS12Bundle.read(bytes, password: password), label) { error in
                guard let error = error as? OpenSSLError else { return XCTFail("\(label): \(error)") }
                XCTAssertEqual(error.reason, .malformed, "\(label): \(error)")
                for language in Language.allCases {
                    XCTAssertFalse(error.summary.text(language).isEmpty)
                    XCTAssertFalse(error.remedy?.text(language).isEmpty ?? true)
                }
            }
        }
    }

    /// Issue 19 L2: a 1.7 kB file whose MAC asks for 2³¹−1 iterations ran past 30 s. The count is now
    /// checked before any is spent.
    func testIterationCountsAboveTheCapAreRefusedUnspent() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                         friendlyName: "x", password: password, profile: .modern(iterations: 1_000))
        // PFX ::= SEQUENCE { version, authSafe, macData SEQUENCE { mac, macSalt, iterations INTEGER } }
        func tlv(_ bytes: ArraySlice<UInt8>) -> (tag: UInt8, content: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
            var i = bytes.startIndex
            let tag = bytes[i]; i += 1
            var length = Int(bytes[i]); i += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                length = bytes[i..<(i + count)].reduce(0) { $0 << 8 | Int($1) }
                i += count
            }
            return (tag, bytes[i..<(i + length)], bytes[(i + length)...])
        }
        func encode(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
            var length = content.count, octets: [UInt8] = []
            if length < 0x80 { return [tag, UInt8(length)] + content }
            while length > 0 { octets.insert(UInt8(length & 0xFF), at: 0); length >>= 8 }
            return [tag, 0x80 | UInt8(octets.count)] + octets + content
        }
        func children(_ content: ArraySlice<UInt8>) -> [(UInt8, ArraySlice<UInt8>)] {
            var rest = content, out: [(UInt8, ArraySlice<UInt8>)] = []
            while !rest.isEmpty { let t = tlv(rest); out.append((t.tag, t.content)); rest = t.rest }
            return out
        }
        let outer = children(tlv(pfx[...]).content)
        XCTAssertEqual(outer.count, 3)
        var mac = children(outer[2].1)
        XCTAssertEqual(mac[2].0, 0x02, "the MAC's iteration count")
        for (label, count) in [("2^31-1", [0x7F, 0xFF, 0xFF, 0xFF] as [UInt8]), ("10,000,001", [0x00, 0x98, 0x96, 0x81]),
                               ("2^64, beyond a long", [0x01] + [UInt8](repeating: 0, count: 8))] {
            mac[2].1 = ArraySlice(count)
            let macData = encode(0x30, mac.flatMap { encode($0.0, Array($0.1)) })
            let file = encode(0x30, encode(outer[0].0, Array(outer[0].1)) + encode(outer[1].0, Array(outer[1].1)) + macData)
            let start = Date()
            XCTAssertThrowsError(try PKCS12Bundle.read(file, password: password), label) { error in
                XCTAssertEqual((error as? PKCS12Error)?.code, .tooManyIterations, "\(label): \(error)")
                XCTAssertEqual((error as? PKCS12Error)?.category, .badInput)
                XCTAssertTrue((error as? PKCS12Error)?.summary.text(.traditionalChinese).contains("密碼運算量異常") ?? false)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 1, "\(label): refused before any iteration")
        }
        // At the cap's edge a count is still taken (the real file's count reads as before).
        XCTAssertEqual(try PKCS12Bundle.read(pfx, password: password).algorithms.mac?.iterations, 1_000)
    }

    func testErrorQueueDoesNotLeakBetweenOperations() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                         friendlyName: "x", password: password, profile: .modern(iterations: 1_000))

        // Noise that another part of the process could leave on this thread: a failed fopen (a system
        // error and a BIO entry naming the file). Left in the queue it would turn a wrong password
        // (which OpenSSL 3.0 reports with an empty queue) into "other".
        func leaveNoise() {
            ERR_clear_error()
            XCTAssertNil(BIO_new_file("/nonexistent-tokencert/NO-SUCH-FILE", "r"))
            XCTAssertNotEqual(ERR_peek_error(), 0, "the noise is on the queue")
        }
        func assertNoNoise(_ error: OpenSSLError, _ label: String) {
            XCTAssertFalse(error.entries.contains { $0.data?.contains("NO-SUCH-FILE") == true || $0.library == Int(ERR_LIB_SYS) },
                           "\(label): \(error)")
        }

        // Garbage after noise: malformed, and none of the stale entries.
        leaveNoise()
        XCTAssertThrowsError(try PKCS12Bundle.read([0x30, 0x03, 0x02, 0x01], password: password)) { error in
            guard let error = error as? OpenSSLError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.reason, .malformed)
            assertNoNoise(error, "garbage")
        }
        XCTAssertEqual(ERR_peek_error(), 0, "a failed read leaves the queue empty")

        // Wrong password after noise: only the MAC failure.
        leaveNoise()
        XCTAssertThrowsError(try PKCS12Bundle.read(pfx, password: Secret("nope1234"))) { error in
            guard let error = error as? OpenSSLError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.reason, .wrongPassword)
            assertNoNoise(error, "wrong password")
            XCTAssertFalse(error.entries.contains { $0.library == Int(ERR_LIB_ASN1) }, "\(error)")
        }

        // A failure, then a success, then another failure: each error only has its own entries.
        var first: OpenSSLError?
        XCTAssertThrowsError(try PKCS12Bundle.read(Array(pfx.prefix(40)), password: password)) { first = $0 as? OpenSSLError }
        leaveNoise()
        XCTAssertEqual(try PKCS12Bundle.read(pfx, password: password).certificateDER, chain.leafDER)
        XCTAssertEqual(ERR_peek_error(), 0, "a successful read leaves the queue empty")
        XCTAssertThrowsError(try PKCS12Bundle.read(pfx, password: Secret("nope1234"))) { error in
            guard let error = error as? OpenSSLError, let first else { return XCTFail("\(error)") }
            XCTAssertEqual(first.reason, .malformed)
            XCTAssertEqual(error.reason, .wrongPassword)
            XCTAssertTrue(Set(error.entries).isDisjoint(with: Set(first.entries)), "\(error) vs \(first)")
        }

        // Writing after noise works and reports nothing stale either.
        leaveNoise()
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: [0x30, 0x00], certificateDER: chain.leafDER,
                                                    friendlyName: "x", password: password)) { error in
            guard let error = error as? OpenSSLError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.reason, .malformed)
            assertNoNoise(error, "write")
        }
    }

    func testWriterRefusesAKeyThatIsNotTheCertificates() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.intermediateDER,
                                                    friendlyName: "x", password: password)) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .keyCertificateMismatch, "\(error)")
        }
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                    friendlyName: "x", password: Secret("a\u{0}b"))) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .unusablePassword, "\(error)")
        }
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                    friendlyName: "x", password: password, profile: .modern(iterations: 0))) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .invalidArgument, "\(error)")
        }
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER,
                                                    friendlyName: "x", localKeyID: [], password: password)) { error in
            XCTAssertEqual((error as? PKCS12Error)?.code, .invalidArgument, "\(error)")
        }
        XCTAssertThrowsError(try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: Array(chain.leafDER.dropLast(3)),
                                                    friendlyName: "x", password: password)) { error in
            XCTAssertEqual((error as? OpenSSLError)?.reason, .malformed, "\(error)")
        }
    }

    func testKeyCertificateMatchComparesPublicKeys() throws {
        let rsa = try PFXFixture()
        let rsaChain = try rsa.makeChain(.rsa2048)
        let ec = try PFXFixture()
        let ecChain = try ec.makeChain(.p256)
        let rsaKey = PrivateKeyDER(rsaChain.leafKeyDER)
        let ecKey = PrivateKeyDER(ecChain.leafKeyDER)

        XCTAssertTrue(try KeyCertificateMatch.matches(privateKey: rsaKey, certificateDER: rsaChain.leafDER))
        XCTAssertTrue(try KeyCertificateMatch.matches(privateKey: ecKey, certificateDER: ecChain.leafDER))
        XCTAssertFalse(try KeyCertificateMatch.matches(privateKey: rsaKey, certificateDER: ecChain.leafDER))
        XCTAssertFalse(try KeyCertificateMatch.matches(privateKey: ecKey, certificateDER: rsaChain.leafDER))
        XCTAssertFalse(try KeyCertificateMatch.matches(privateKey: ecKey, certificateDER: ecChain.intermediateDER),
                       "same curve, other key")
        let mixed = [ecChain.rootDER, rsaChain.leafDER, ecChain.intermediateDER, ecChain.leafDER, rsaChain.rootDER]
        XCTAssertEqual(try KeyCertificateMatch.indices(ofCertificatesFor: ecKey, in: mixed), [3])
        XCTAssertEqual(try KeyCertificateMatch.indices(ofCertificatesFor: rsaKey, in: mixed), [1])
        XCTAssertThrowsError(try KeyCertificateMatch.matches(privateKey: PrivateKeyDER([0x30, 0x01, 0x00]), certificateDER: ecChain.leafDER))
    }

    func testSecretsNeverPrint() throws {
        let secret = "S3cretPw"
        let password = Secret(secret)
        var dumped = ""
        dump(password, to: &dumped)
        for text in ["\(password)", String(reflecting: password), dumped, "\(Mirror(reflecting: password).children.map { "\($0)" })"] {
            XCTAssertFalse(text.contains(secret), text)
        }
        XCTAssertEqual(password.count, secret.utf8.count)

        let keyBytes: [UInt8] = Array("0123456789ABCDEF-private-key-bytes".utf8)
        let key = PrivateKeyDER(keyBytes)
        var keyDump = ""
        dump(key, to: &keyDump)
        for text in ["\(key)", String(reflecting: key), keyDump] {
            XCTAssertFalse(text.contains("private-key-bytes") || text.contains("48, 49, 50"), text)
        }
        XCTAssertEqual(key.bytes, keyBytes)
        XCTAssertEqual(key, PrivateKeyDER(keyBytes))
        XCTAssertNotEqual(key, PrivateKeyDER(keyBytes.dropLast()))
        XCTAssertEqual(key.withUnsafeBytes { Array($0) }, keyBytes)
    }

    // MARK: helpers

    /// openssl extracts (`-nodes`) our file: key and leaf equal to the originals, the chain present,
    /// friendlyName and localKeyID on the key and on the leaf.
    private func assertOpenSSLExtracts(_ fixture: PFXFixture, _ file: String, passin: String, chain: PFXFixture.Chain,
                                       friendlyName: String, localKeyID: [UInt8],
                                       line: UInt = #line) throws {
        let blocks = try fixture.extract(file, passin: passin)
        let keys = blocks.filter { $0.label == "PRIVATE KEY" }
        let certificates = blocks.filter { $0.label == "CERTIFICATE" }
        XCTAssertEqual(keys.map(\.der), [chain.leafKeyDER], line: line)
        XCTAssertEqual(Set(certificates.map(\.der)), Set([chain.leafDER] + chain.chainDER), line: line)
        XCTAssertEqual(certificates.count, 3, line: line)
        let hexID = localKeyID.map { String(format: "%02X", $0) }.joined(separator: " ")
        let leafBlock = certificates.first { $0.der == chain.leafDER }
        for (what, block) in [("key", keys.first), ("leaf", leafBlock)] {
            let attributes = block?.preamble ?? ""
            XCTAssertTrue(attributes.contains("friendlyName: "), "\(what): \(attributes)", line: line)
            XCTAssertTrue(attributes.contains("localKeyID: \(hexID)"), "\(what): \(attributes)", line: line)
        }
        // OpenSSL 3.0 prints a BMPString friendlyName one byte per character (the low byte of each
        // UTF-16 unit, OPENSSL_uni2asc): twice (key and leaf) those bytes for our name.
        let printed = Array("friendlyName: ".utf8) + friendlyName.utf16.map { UInt8($0 & 0xFF) } + [0x0A]
        let raw = try fixture.extractRaw(file, passin: passin)
        XCTAssertEqual(occurrences(of: printed, in: raw), 2, "friendlyName \(friendlyName) on key and leaf", line: line)
        // The chain certificates carry no attributes of the key.
        for block in certificates where block.der != chain.leafDER {
            XCTAssertFalse(block.preamble.contains("localKeyID") || block.preamble.contains("friendlyName"), block.preamble, line: line)
        }
        // openssl's own -clcerts/-cacerts split agrees which one is the leaf.
        XCTAssertEqual(try fixture.extract(file, passin: passin, extra: ["-clcerts", "-nokeys"]).map(\.der), [chain.leafDER], line: line)
        XCTAssertEqual(Set(try fixture.extract(file, passin: passin, extra: ["-cacerts", "-nokeys"]).map(\.der)),
                       Set(chain.chainDER), line: line)
    }

    private func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard !needle.isEmpty, haystack.count >= needle.count else { return 0 }
        return (0...(haystack.count - needle.count)).filter { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }.count
    }

    /// `openssl pkcs12 -export` with `options`, then our reader; key, leaf and chain equal to what openssl was given.
    private func readOpenSSLExport(_ fixture: PFXFixture, chain: PFXFixture.Chain, name: String, options: [String],
                                   line: UInt = #line) throws -> PKCS12Contents {
        let passin = try fixture.passwordSource(passwordText)
        try fixture.openssl(["pkcs12", "-export", "-inkey", chain.leafKeyPath, "-in", chain.leafPath,
                             "-certfile", chain.chainPath, "-name", name, "-passout", passin,
                             "-out", fixture.path("openssl.pfx")] + options)
        let contents = try PKCS12Bundle.read(try fixture.read("openssl.pfx"), password: password)
        XCTAssertEqual(contents.privateKey.bytes, chain.leafKeyDER, line: line)
        XCTAssertEqual(contents.certificateDER, chain.leafDER, line: line)
        XCTAssertEqual(contents.chainDER, chain.chainDER, line: line)
        XCTAssertEqual(contents.friendlyName, name, line: line)
        XCTAssertEqual(contents.localKeyID, Array(Insecure.SHA1.hash(data: chain.leafDER)), line: line)
        return contents
    }

    /// The ContentInfos of a PFX's AuthenticatedSafe (PFX → authSafe ContentInfo → [0] → OCTET STRING → SEQUENCE).
    private func authenticatedSafes(_ pfx: [UInt8]) throws -> [[UInt8]] {
        let pfxParts = try TinyDER.children(pfx)
        let authSafe = try TinyDER.children(pfxParts[1])
        let octets = try TinyDER.content(try TinyDER.children(authSafe[1])[0])
        return try TinyDER.children(octets)
    }

    /// PFX { version 3, ContentInfo { id-data, [0] { OCTET STRING { SEQUENCE OF ContentInfo } } } } — no macData.
    private func pfxWithoutMAC(safes: [[UInt8]]) -> [UInt8] {
        let idData: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01]
        let authenticatedSafe = TinyDER.tlv(0x30, safes.flatMap { $0 })
        let contentInfo = TinyDER.tlv(0x30, idData + TinyDER.tlv(0xA0, TinyDER.tlv(0x04, authenticatedSafe)))
        return TinyDER.tlv(0x30, [0x02, 0x01, 0x03] + contentInfo)
    }
}
