import Foundation
import TestSupport
import VirtualCard
import XCTest

/// The customer's journey with the built `tokencert` on every independent PKCS#11 implementation the
/// test command starts (scripts/tokens-env.sh): tpm2-pkcs11 on swtpm, openCryptoki's software token,
/// Yubico's ykcs11 and OpenSC over the virtual PIV card, and a SoftHSM token served by `p11-kit server`
/// to `p11-kit-client.so`. (SoftHSM directly is JourneyCLITests.) Each row: `tokens` shows what the
/// token can do, `apply` makes the key on the token, pkcs11-tool reads its protection back, then
/// `status`, `sign-test`, `sign` (checked by `openssl cms -verify` and `tokencert verify`), `renew`,
/// `revoke`. A step a module cannot do is refused with its reason and leaves the token unchanged.
/// A missing module or daemon is a failure, never a skip.
final class TokenMatrixCLITests: XCTestCase, JourneyTest, @unchecked Sendable {

    struct Row {
        var name: String
        var module: String
        var uri: String
        var label: String
        var pin: String
        /// pkcs11-tool's token choice (label, or slot index for readers).
        var toolSelector: [String] { ["--token-label", label] }
    }

    func environmentValue(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            XCTFail("\(name) is not set: run the tests with scripts/test, which starts the token back-ends", file: file, line: line)
            throw CocoaError(.featureUnsupported)
        }
        return value
    }

    func row(_ prefix: String, name: String) throws -> Row {
        let label = try environmentValue("TOKENCERT_TEST_\(prefix)_TOKEN")
        return Row(name: name, module: try environmentValue("TOKENCERT_TEST_\(prefix)_MODULE"),
                   uri: "pkcs11:token=\(label)", label: label, pin: try environmentValue("TOKENCERT_TEST_\(prefix)_PIN"))
    }

    /// The token's entry in `tokencert tokens --format json` for the row's module.
    func tokenEntry(_ row: Row, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try runTool(tokencertExecutable, ["tokens", "--module", row.module, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.out + r.err, file: file, line: line)
        let modules = try json(r.out)["modules"] as? [[String: Any]] ?? []
        let tokens = modules.flatMap { $0["tokens"] as? [[String: Any]] ?? [] }
        guard let token = tokens.first(where: { $0["label"] as? String == row.label }) else {
            XCTFail("\(row.name): no token \(row.label) in \(r.out)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return token
    }

    struct Objects {
        var privateKeys = 0, publicKeys = 0, certificates = 0
        /// pkcs11-tool's "Access:" line of each private key.
        var privateKeyAccess: [String] = []
    }

    /// Objects on the token as OpenSC's pkcs11-tool (an independent reader) lists them after login.
    func objects(_ row: Row, file: StaticString = #filePath, line: UInt = #line) throws -> Objects {
        let r = try runTool("pkcs11-tool", ["--module", row.module] + row.toolSelector + ["--login", "--pin", row.pin, "-O"])
        XCTAssertEqual(r.status, 0, "\(row.name): " + r.out + r.err, file: file, line: line)
        var o = Objects()
        var inPrivateKey = false
        for l in r.out.split(separator: "\n", omittingEmptySubsequences: false) {
            if l.hasPrefix("Private Key Object") { o.privateKeys += 1; inPrivateKey = true }
            else if l.hasPrefix("Public Key Object") { o.publicKeys += 1; inPrivateKey = false }
            else if l.hasPrefix("Certificate Object") { o.certificates += 1; inPrivateKey = false }
            else if l.hasPrefix("Data object") || l.hasPrefix("Secret Key Object") { inPrivateKey = false }
            else if inPrivateKey, l.trimmingCharacters(in: .whitespaces).hasPrefix("Access:") {
                o.privateKeyAccess.append(String(l))
            }
        }
        return o
    }

    /// apply → pkcs11-tool check → status → sign-test → sign/verify → renew → revoke on one row.
    /// `keysStay`: a PIV slot keeps its key after revocation (only its certificate goes).
    func journey(_ row: Row, keyType: String, extraEnv: [String: String] = [:], keysStay: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let ra = try RAProcess(self, policy: ["renewalWindowDays": 400])
        let dir = try work()
        try row.pin.write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        var env = try ra.environment(RAProcess.alice).merging(extraEnv) { $1 }
        env["TOKENCERT_PIN"] = nil
        let store = ["--token", row.uri, "--module", row.module, "--pin-file", dir + "/pin"]

        let capabilities = try XCTUnwrap(try tokenEntry(row)["capabilities"] as? [String: Any], "\(row.name): capabilities", file: file, line: line)
        let wanted = keyType == "p256" ? "EC P-256" : "RSA-2048"
        XCTAssertTrue((capabilities["generates"] as? [String] ?? []).contains(wanted), "\(row.name): \(capabilities)", file: file, line: line)
        XCTAssertEqual(capabilities["keysNonExtractable"] as? Bool, true, file: file, line: line)

        let before = try objects(row)
        let applied = try interactive(["apply", "--yes", "--key-type", keyType, "--format", "json"] + store, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, "\(row.name) apply: " + applied.out + applied.err, file: file, line: line)
        guard applied.status == 0 else { return }
        let serial = try XCTUnwrap(try json(applied.out)["serial"] as? String)
        let afterApply = try objects(row)
        XCTAssertEqual(afterApply.certificates, before.certificates + 1, "\(row.name): one certificate stored", file: file, line: line)
        if !keysStay {
            XCTAssertEqual(afterApply.privateKeys, before.privateKeys + 1, "\(row.name): one key made", file: file, line: line)
        }
        // pkcs11-tool reads the key's protection back: sensitive, never extractable, generated on the token.
        let newest = afterApply.privateKeyAccess
        XCTAssertFalse(newest.isEmpty, "\(row.name): pkcs11-tool lists the private key", file: file, line: line)
        for access in newest {
            XCTAssertTrue(access.contains("sensitive") && access.contains("never extractable") && access.contains("local"),
                          "\(row.name): \(access)", file: file, line: line)
        }

        let status = try runTool(tokencertExecutable, ["status", "--format", "json"] + store, environment: env)
        XCTAssertEqual(status.status, 3, "\(row.name) status (renewal window open): " + status.out + status.err, file: file, line: line)
        try validate(status.out, schema: "status")

        let test = try runTool(tokencertExecutable, ["sign-test", "--format", "json"] + store, environment: env)
        XCTAssertEqual(test.status, 0, "\(row.name) sign-test: " + test.out + test.err, file: file, line: line)
        XCTAssertEqual(try json(test.out)["serial"] as? String, serial, file: file, line: line)

        try "buy 2330 x 1000".write(toFile: dir + "/order.txt", atomically: true, encoding: .utf8)
        let signed = try runTool(tokencertExecutable, ["sign", "--in", dir + "/order.txt", "--out", dir + "/order.p7s", "--detached"] + store,
                                 environment: env)
        XCTAssertEqual(signed.status, 0, "\(row.name) sign: " + signed.err, file: file, line: line)
        let cms = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/order.p7s", "-content", dir + "/order.txt",
                                          "-CAfile", ra.caPEM, "-out", "/dev/null"])
        XCTAssertEqual(cms.status, 0, "\(row.name) openssl cms -verify: " + cms.err, file: file, line: line)
        let verified = try runTool(tokencertExecutable, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM],
                                   environment: env)
        XCTAssertEqual(verified.status, 0, "\(row.name) verify: " + verified.out + verified.err, file: file, line: line)

        let renewed = try interactive(["renew", "--yes", "--format", "json"] + store, env: env, ra: ra)
        XCTAssertEqual(renewed.status, 0, "\(row.name) renew: " + renewed.out + renewed.err, file: file, line: line)
        XCTAssertEqual(try objects(row).certificates, before.certificates + 1, "\(row.name): the old certificate went with renewal", file: file, line: line)

        let revoked = try interactive(["revoke", "--yes", "--reason", "superseded"] + store, env: env, ra: ra)
        XCTAssertEqual(revoked.status, 0, "\(row.name) revoke: " + revoked.out + revoked.err, file: file, line: line)
        let after = try objects(row)
        XCTAssertEqual(after.certificates, before.certificates, "\(row.name): nothing left after revocation", file: file, line: line)
        if !keysStay { XCTAssertEqual(after.privateKeys, before.privateKeys, "\(row.name): key removed", file: file, line: line) }
    }

    /// A step the module cannot do: refused with its reason (exit 3), the token unchanged.
    func refused(_ row: Row, keyType: String, expect text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ra = try RAProcess(self)
        let dir = try work()
        try row.pin.write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        var env = try ra.environment(RAProcess.alice)
        env["TOKENCERT_PIN"] = nil
        env["LANG"] = "en_US.UTF-8"
        let before = try objects(row)
        let r = try runTool(tokencertExecutable, ["apply", "--yes", "--key-type", keyType, "--token", row.uri, "--module", row.module,
                                                  "--pin-file", dir + "/pin", "--lang", "en"], environment: env)
        XCTAssertEqual(r.status, 3, "\(row.name): " + r.out + r.err, file: file, line: line)
        XCTAssertTrue(r.err.contains(text), "\(row.name): \(r.err)", file: file, line: line)
        XCTAssertFalse(r.err.contains("program error"), r.err, file: file, line: line)
        let after = try objects(row)
        XCTAssertEqual([after.privateKeys, after.publicKeys, after.certificates],
                       [before.privateKeys, before.publicKeys, before.certificates], "\(row.name): token unchanged", file: file, line: line)
    }

    // MARK: TPM 2.0 (tpm2-pkcs11 on swtpm + tpm2-abrmd)

    func testTPMJourneyRSA2048() throws {
        try journey(try row("TPM", name: "tpm2-pkcs11"), keyType: "rsa2048")
    }

    func testTPMJourneyP256() throws {
        try journey(try row("TPM", name: "tpm2-pkcs11"), keyType: "p256")
    }

    /// A customer without a token on a computer with a TPM: `apply` with no store named offers the TPM
    /// before the software store (and `--yes` takes it); then `status`, `sign-test` and `revoke` find the
    /// key there with nothing named, and `backup` refuses with the reason.
    func testWithoutATokenApplyOffersTheTPMFirst() throws {
        let tpm = try row("TPM", name: "tpm2-pkcs11")
        let ra = try RAProcess(self)
        let dir = try work()
        try tpm.pin.write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        var env = try ra.environment(RAProcess.betty)
        env["TOKENCERT_PIN"] = nil
        env["XDG_DATA_HOME"] = dir + "/data"   // an empty software store: it must not be chosen
        let pin = ["--pin-file", dir + "/pin"]
        let before = try objects(tpm)
        let applied = try interactive(["apply", "--yes", "--key-type", "p256", "--format", "json", "--lang", "en"] + pin, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        XCTAssertTrue(applied.err.contains("TPM 2.0") && applied.err.contains("cannot be backed up"), applied.err)
        XCTAssertEqual(try objects(tpm).certificates, before.certificates + 1, "the certificate went to the TPM token")

        let status = try runTool(tokencertExecutable, ["status", "--format", "json"] + pin, environment: env)
        XCTAssertEqual(status.status, 0, status.out + status.err)
        let client = try XCTUnwrap(try json(status.out)["client"] as? [String: Any])
        XCTAssertTrue((((client["certificate"] as? [String: Any])?["keyLocation"] as? [String: Any])?["en"] as? String)?.contains("pkcs11:") == true, status.out)
        let test = try runTool(tokencertExecutable, ["sign-test", "--format", "json"] + pin, environment: env)
        XCTAssertEqual(test.status, 0, test.out + test.err)
        let backup = try runTool(tokencertExecutable, ["backup", "--target", dir, "--force", "--lang", "en"] + pin,
                                 environment: env.merging(["TOKENCERT_BACKUP_PASSWORD": "Backup2026"]) { $1 })
        XCTAssertEqual(backup.status, 3, backup.out + backup.err)
        let revoked = try interactive(["revoke", "--yes"] + pin, env: env, ra: ra)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        XCTAssertEqual(try objects(tpm).certificates, before.certificates)
    }

    // MARK: openCryptoki software token

    func testOpenCryptokiJourneyRSA2048() throws {
        try journey(try row("OCK", name: "openCryptoki"), keyType: "rsa2048")
    }

    /// Debian's openCryptoki 3.8 software token has no EC mechanisms: P-256 is refused before anything is touched.
    func testOpenCryptokiRefusesP256BeforeTouchingTheToken() throws {
        try refused(try row("OCK", name: "openCryptoki"), keyType: "p256", expect: "cannot generate this kind of key")
    }

    // MARK: p11-kit remoting (a SoftHSM token through p11-kit server and p11-kit-client.so)

    func testP11KitRemoteJourneyP256() throws {
        try journey(try row("REMOTE", name: "p11-kit remote"), keyType: "p256")
    }

    func testP11KitRemoteJourneyRSA2048() throws {
        try journey(try row("REMOTE", name: "p11-kit remote"), keyType: "rsa2048")
    }

    // MARK: Modules that refuse (Tests/Fixtures/refusing-module.c over SoftHSM)

    static let fixture = FixtureModule.build("refusing-module", suffix: "cli")

    func fixtureRow(_ kind: String) async throws -> Row {
        let t = try await SoftHSM.makeToken(kind)
        return Row(name: kind, module: Self.fixture, uri: "pkcs11:token=\(t.label)", label: t.label, pin: t.userPINText)
    }

    func testAReadOnlyTokenIsRefusedBeforeAnythingIsAskedAndStaysUnchanged() async throws {
        let row = try await fixtureRow("readonly")
        let capabilities = try XCTUnwrap(try tokenEntry(row)["capabilities"] as? [String: Any])
        XCTAssertEqual(capabilities["generates"] as? [String], [])
        try refused(row, keyType: "rsa2048", expect: "read-only")
    }

    /// A module that makes extractable keys: the key is destroyed again and the apply stops with the
    /// reason; nothing is left on the token (pkcs11-tool counts through SoftHSM itself).
    func testAModuleThatMakesExtractableKeysIsRefusedAndTheKeyRemoved() async throws {
        let row = try await fixtureRow("extractable")
        let ra = try RAProcess(self)
        let dir = try work()
        try row.pin.write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        var env = try ra.environment(RAProcess.alice)
        env["TOKENCERT_PIN"] = nil
        let direct = Row(name: "SoftHSM", module: SoftHSM.modulePath, uri: row.uri, label: row.label, pin: row.pin)
        let before = try objects(direct)
        let r = try interactive(["apply", "--yes", "--key-type", "p256", "--token", row.uri, "--module", row.module,
                                 "--pin-file", dir + "/pin", "--lang", "en"], env: env, ra: ra)
        XCTAssertEqual(r.status, 3, r.out + r.err)
        XCTAssertTrue(r.err.contains("could be copied off it"), r.err)
        XCTAssertFalse(r.err.contains("program error"), r.err)
        let after = try objects(direct)
        XCTAssertEqual([after.privateKeys, after.publicKeys, after.certificates], [before.privateKeys, before.publicKeys, before.certificates])
    }

    // MARK: PIV card: ykcs11 and OpenSC over the virtual card

    func pivRow(module: String, name: String, reader: String) throws -> Row {
        let r = try runTool(tokencertExecutable, ["tokens", "--module", module, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.err)
        let tokens = (try json(r.out)["modules"] as? [[String: Any]] ?? []).flatMap { $0["tokens"] as? [[String: Any]] ?? [] }
        let token = try XCTUnwrap(tokens.first { $0["slot"] as? String == reader }, "\(name): no token in \(reader): \(r.out)")
        let label = try XCTUnwrap(token["label"] as? String)
        let uri = try XCTUnwrap(token["uri"] as? String)
        return Row(name: name, module: module, uri: uri, label: label, pin: "123456")
    }

    func withCard(_ body: (String) async throws -> Void) async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        do { try await body(reader) } catch {
            await card.stop()
            throw error
        }
        await card.stop()
        try await VirtualReaders.waitForCard(reader: reader, present: false)
    }

    func testYkcs11JourneyRSA2048() async throws {
        try await withCard { reader in
            let ykcs11 = try self.environmentValue("TOKENCERT_TEST_YKCS11_MODULE")
            try self.journey(try self.pivRow(module: ykcs11, name: "ykcs11", reader: reader), keyType: "rsa2048", keysStay: true)
        }
    }

    func testYkcs11JourneyP256() async throws {
        try await withCard { reader in
            let ykcs11 = try self.environmentValue("TOKENCERT_TEST_YKCS11_MODULE")
            try self.journey(try self.pivRow(module: ykcs11, name: "ykcs11", reader: reader), keyType: "p256", keysStay: true)
        }
    }

    /// OpenSC's module cannot generate keys on a PIV card: `tokens` says so, `apply` refuses before
    /// touching the card; a key TokenCert's PIV client made then signs through OpenSC's module.
    func testOpenSCRefusesKeyGenerationAndSignsWithACardKey() async throws {
        try await withCard { reader in
            let opensc = try self.environmentValue("TOKENCERT_TEST_OPENSC_MODULE")
            let row = try self.pivRow(module: opensc, name: "OpenSC", reader: reader)
            let capabilities = try XCTUnwrap(try self.tokenEntry(row)["capabilities"] as? [String: Any])
            XCTAssertEqual(capabilities["generates"] as? [String], [], "\(capabilities)")
            try self.refused(row, keyType: "p256", expect: "cannot generate")

            let ra = try RAProcess(self)
            let dir = try self.work()
            var env = try ra.environment(RAProcess.alice)
            env["TOKENCERT_PIN"] = "123456"
            let applied = try self.interactive(["apply", "--yes", "--key-type", "p256", "--reader", reader, "--format", "json"], env: env, ra: ra)
            XCTAssertEqual(applied.status, 0, applied.out + applied.err)
            try "123456".write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
            // OpenSC names a PIV token after its certificate: read the URI again.
            let issued = try self.pivRow(module: opensc, name: "OpenSC", reader: reader)
            let store = ["--token", issued.uri, "--module", opensc, "--pin-file", dir + "/pin"]
            let test = try runTool(tokencertExecutable, ["sign-test", "--format", "json"] + store, environment: env)
            XCTAssertEqual(test.status, 0, "OpenSC sign-test: " + test.out + test.err)
            try "buy 2330 x 1000".write(toFile: dir + "/order.txt", atomically: true, encoding: .utf8)
            let signed = try runTool(tokencertExecutable, ["sign", "--in", dir + "/order.txt", "--out", dir + "/order.p7s", "--detached"] + store,
                                     environment: env)
            XCTAssertEqual(signed.status, 0, "OpenSC sign: " + signed.err)
            let cms = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/order.p7s", "-content",
                                              dir + "/order.txt", "-CAfile", ra.caPEM, "-out", "/dev/null"])
            XCTAssertEqual(cms.status, 0, "openssl cms -verify: " + cms.err)
        }
    }
}
