import Foundation
import PCSC
import TestSupport
import VirtualCard
import XCTest

/// The customer's journey with the built `tokencert` against the built `tokencert-ra` on loopback:
/// software store, SoftHSM token and the virtual PIV card behind the test pcscd.
final class JourneyCLITests: XCTestCase, JourneyTest, @unchecked Sendable {
    static let tokencert = builtExecutable("tokencert")
    static let softhsm = "/usr/lib/softhsm/libsofthsm2.so"

    /// The status of the doctor's `backup` check in its JSON report.
    func backupCheck(_ report: String) throws -> String? {
        let checks = try json(report)["checks"] as? [[String: Any]] ?? []
        return checks.first { $0["id"] as? String == "backup" }?["status"] as? String
    }

    // MARK: - Software

    func testSoftwareJourneyWithBackupOnOneComputerAndRestoreOnAnother() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.betty)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let computer1 = ["--software", "--store-dir", dir + "/one"]

        let applied = try interactive(["apply", "--yes", "--key-type", "p256", "--format", "json"] + computer1, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        try validate(applied.out, schema: "installed")
        let serial = try XCTUnwrap(try json(applied.out)["serial"] as? String)
        XCTAssertTrue(applied.err.contains("agreement") || applied.err.contains("Agreement") || applied.err.contains("agree"), applied.err)

        let status = try runTool(Self.tokencert, ["status", "--format", "json"] + computer1, environment: env)
        XCTAssertEqual(status.status, 0, status.out + status.err)
        try validate(status.out, schema: "status")
        let verdict = try XCTUnwrap(try json(status.out)["verdict"] as? [String: Any])
        XCTAssertEqual(verdict["action"] as? String, "ok")
        XCTAssertEqual((verdict["hostSerial"] as? String)?.uppercased(), serial)

        // Backup refuses a weak password, then writes to the "drive" (a folder: --force, with a warning).
        let usb = dir + "/usb"
        let system = try FakeUSBStick.make(in: dir, mount: usb)
        // Before the backup the doctor warns that the software certificate has none on a drive.
        let before = try runTool(Self.tokencert, ["doctor", "--format", "json", "--store-dir", dir + "/one", "--system-root", system], environment: env)
        XCTAssertEqual(try backupCheck(before.out), "warn", before.out)
        try validate(before.out, schema: "doctor")
        var backupEnv = env
        backupEnv["TOKENCERT_BACKUP_PASSWORD"] = "Pw19810815"   // holds the birth date (1981-08-15)
        let weak = try runTool(Self.tokencert, ["backup", "--target", usb, "--force"] + computer1, environment: backupEnv)
        XCTAssertEqual(weak.status, 64, weak.err)
        backupEnv["TOKENCERT_BACKUP_PASSWORD"] = "Backup2026"
        let backup = try runTool(Self.tokencert, ["backup", "--format", "json", "--system-root", system] + computer1, environment: backupEnv)
        XCTAssertEqual(backup.status, 0, backup.out + backup.err)
        try validate(backup.out, schema: "backup")
        XCTAssertEqual(try json(backup.out)["drive"] as? String, usb, "the USB stick was found and chosen")
        let checked = try runTool(Self.tokencert, ["doctor", "--format", "json", "--store-dir", dir + "/one", "--system-root", system], environment: env)
        XCTAssertEqual(try backupCheck(checked.out), "pass", checked.out)
        let pfx = try XCTUnwrap(try json(backup.out)["file"] as? String)
        XCTAssertTrue(pfx.hasSuffix(".pfx") && pfx.contains("B223456782-"), pfx)
        // openssl reads it with the password (independent check).
        let openssl = try runTool("openssl", ["pkcs12", "-in", pfx, "-nokeys", "-passin", "env:PFXPASS"], environment: ["PFXPASS": "Backup2026"])
        XCTAssertEqual(openssl.status, 0, openssl.err)

        // The second computer: restore, then sign-test passes there.
        let computer2 = ["--software", "--store-dir", dir + "/two"]
        // L1: a wrong password, and a file that is no .pfx, are bad input (exit 64), as restore's help says.
        var wrongEnv = backupEnv
        wrongEnv["TOKENCERT_BACKUP_PASSWORD"] = "NotThePassword1"
        let wrong = try runTool(Self.tokencert, ["restore", pfx, "--offline"] + computer2, environment: wrongEnv)
        XCTAssertEqual(wrong.status, 64, wrong.out + wrong.err)
        try "not a pfx".write(toFile: dir + "/junk.pfx", atomically: true, encoding: .utf8)
        let junk = try runTool(Self.tokencert, ["restore", dir + "/junk.pfx", "--offline"] + computer2, environment: backupEnv)
        XCTAssertEqual(junk.status, 64, junk.out + junk.err)
        try checkRestoreRefusesWhatItCannotTrust(pfx: pfx, dir: dir, ra: ra, environment: backupEnv)
        let nssDB = "sql:" + dir + "/nssdb"
        let restored = try runTool(Self.tokencert, ["restore", pfx, "--format", "json", "--install-nss", "--nss-db", nssDB] + computer2,
                                   environment: backupEnv)
        XCTAssertEqual(restored.status, 0, restored.out + restored.err)
        try validate(restored.out, schema: "certificate")
        XCTAssertEqual(try json(restored.out)["serial"] as? String, serial)
        // NSS's certutil sees the certificate with its key in the browsers' kind of database.
        let nss = try runTool("certutil", ["-L", "-d", nssDB])
        XCTAssertEqual(nss.status, 0, nss.err)
        XCTAssertTrue(nss.out.contains("u,u,u"), "a user certificate (with its key) in NSS: \(nss.out)")
        let test = try runTool(Self.tokencert, ["sign-test", "--format", "json"] + computer2, environment: env)
        XCTAssertEqual(test.status, 0, test.out + test.err)
        try validate(test.out, schema: "sign-test")
        XCTAssertEqual(try json(test.out)["passed"] as? Bool, true)

        // Backup of a token key is refused with an explanation (exit 3) — checked in the token test.
        // Revoke on the second computer removes it there.
        let revoked = try interactive(["revoke", "--yes", "--reason", "keyCompromise", "--format", "json"] + computer2, env: env, ra: ra)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        try validate(revoked.out, schema: "revoke")
        let revocation = try XCTUnwrap(try json(revoked.out)["revocation"] as? [String: Any])
        XCTAssertEqual(revocation["reasonLabel"] as? [String: String], ["en": "Key Compromise", "zh-TW": "金鑰洩漏或遺失"], "the reason in words, both languages")
        let after = try runTool(Self.tokencert, ["status", "--format", "json"] + computer2, environment: env)
        XCTAssertEqual(after.status, 3, "nothing active: apply is the next step")
        XCTAssertEqual((try json(after.out)["verdict"] as? [String: Any])?["action"] as? String, "apply")
        try validate(after.out, schema: "status")
    }

    /// Issue 19 M7: restore installs only a certificate that chains to the broker's CA (never to a CA
    /// inside the file), and a file without a MAC only with --force. Files made with openssl from the
    /// real backup's key.
    func checkRestoreRefusesWhatItCannotTrust(pfx: String, dir: String, ra: RAProcess, environment: [String: String]) throws {
        let work = dir + "/m7"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let pass = ["PFXPASS": "Backup2026"]
        func openssl(_ arguments: [String]) throws {
            let r = try runTool("openssl", arguments, environment: pass)
            XCTAssertEqual(r.status, 0, "openssl \(arguments.joined(separator: " ")): \(r.err)")
        }
        try openssl(["pkcs12", "-in", pfx, "-nodes", "-passin", "env:PFXPASS", "-out", work + "/all.pem"])
        try openssl(["pkey", "-in", work + "/all.pem", "-out", work + "/key.pem"])
        try openssl(["pkcs12", "-in", pfx, "-nokeys", "-clcerts", "-passin", "env:PFXPASS", "-out", work + "/leaf.pem"])
        // A certificate for the same key and subject from another CA, with that CA inside the file.
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", work + "/other-ca.key",
                     "-out", work + "/other-ca.pem", "-subj", "/CN=Not the broker CA", "-days", "30"])
        try openssl(["x509", "-in", work + "/leaf.pem", "-x509toreq", "-signkey", work + "/key.pem", "-out", work + "/leaf.csr"])
        try openssl(["x509", "-req", "-in", work + "/leaf.csr", "-CA", work + "/other-ca.pem", "-CAkey", work + "/other-ca.key",
                     "-set_serial", "0x1234", "-days", "30", "-out", work + "/other-leaf.pem"])
        try openssl(["pkcs12", "-export", "-inkey", work + "/key.pem", "-in", work + "/other-leaf.pem", "-certfile", work + "/other-ca.pem",
                     "-passout", "env:PFXPASS", "-out", work + "/other-ca.pfx"])
        // The real certificate with one bit of its CA signature flipped.
        let leafDER = try runTool("openssl", ["x509", "-in", work + "/leaf.pem", "-outform", "DER", "-out", work + "/leaf.der"])
        XCTAssertEqual(leafDER.status, 0, leafDER.err)
        var der = try Array(Data(contentsOf: URL(fileURLWithPath: work + "/leaf.der")))
        der[der.count - 3] ^= 0x01
        try Data(der).write(to: URL(fileURLWithPath: work + "/flipped.der"))
        try openssl(["x509", "-inform", "DER", "-in", work + "/flipped.der", "-out", work + "/flipped.pem"])
        try openssl(["pkcs12", "-export", "-inkey", work + "/key.pem", "-in", work + "/flipped.pem", "-passout", "env:PFXPASS",
                     "-out", work + "/flipped.pfx"])
        // The real key and certificate without a MAC.
        try openssl(["pkcs12", "-export", "-nomac", "-inkey", work + "/key.pem", "-in", work + "/leaf.pem", "-passout", "env:PFXPASS",
                     "-out", work + "/nomac.pfx"])

        let store = ["--software", "--store-dir", work + "/store"]
        for file in ["other-ca.pfx", "flipped.pfx"] {
            let r = try runTool(Self.tokencert, ["restore", work + "/" + file, "--offline"] + store, environment: environment)
            XCTAssertEqual(r.status, 2, "\(file): \(r.out + r.err)")
            XCTAssertTrue(r.err.contains("not issued by the broker's certificate authority"), "\(file): \(r.err)")
        }
        // The real backup against a CA it was not issued by (--ca) is refused the same way.
        let wrongCA = try runTool(Self.tokencert, ["restore", pfx, "--offline", "--ca", work + "/other-ca.pem"] + store, environment: environment)
        XCTAssertEqual(wrongCA.status, 2, wrongCA.out + wrongCA.err)
        let nomac = try runTool(Self.tokencert, ["restore", work + "/nomac.pfx", "--offline"] + store, environment: environment)
        XCTAssertEqual(nomac.status, 64, nomac.out + nomac.err)
        XCTAssertTrue(nomac.err.contains("no integrity check (MAC)") && nomac.err.contains("--force"), nomac.err)
        // With --force, and the broker's CA given as a file, the unprotected file is restored.
        let forced = try runTool(Self.tokencert, ["restore", work + "/nomac.pfx", "--offline", "--force", "--ca", ra.caPEM] + store,
                                 environment: environment)
        XCTAssertEqual(forced.status, 0, forced.out + forced.err)
    }

    // MARK: - SoftHSM token

    /// Objects on the token as OpenSC's pkcs11-tool lists them (the independent view).
    func objects(_ token: (env: [String: String], uri: String, pinFile: String)) throws -> (privateKeys: Int, certificates: Int) {
        let label = String(token.uri.dropFirst("pkcs11:token=".count))
        let pin = try String(contentsOfFile: token.pinFile, encoding: .utf8)
        let r = try runTool("pkcs11-tool", ["--module", Self.softhsm, "--token-label", label, "--login", "--pin", pin, "-O"], environment: token.env)
        XCTAssertEqual(r.status, 0, r.err)
        return (r.out.components(separatedBy: "Private Key Object").count - 1, r.out.components(separatedBy: "Certificate Object").count - 1)
    }

    func testTokenJourneyApplyStatusSignTestRenewRevoke() throws {
        let ra = try RAProcess(self, policy: ["renewalWindowDays": 400])   // every certificate is in its renewal window
        let dir = try work()
        let token = try softHSM(dir)
        var env = try ra.environment(RAProcess.alice).merging(token.env) { $1 }
        env["TOKENCERT_PIN"] = nil
        let store = ["--token", token.uri, "--module", Self.softhsm, "--pin-file", token.pinFile]

        let applied = try interactive(["apply", "--yes", "--format", "json"] + store, env: env, ra: ra)
        XCTAssertEqual(applied.status, 0, applied.out + applied.err)
        let serial = try XCTUnwrap(try json(applied.out)["serial"] as? String)
        XCTAssertEqual(try objects(token).privateKeys, 1)
        XCTAssertEqual(try objects(token).certificates, 1)

        // The certificate on the token verifies with openssl against the RA's CA.
        // The RA's window is 400 days here, so status says "renew" with exit 3 (action needed).
        let status = try runTool(Self.tokencert, ["status", "--format", "json"] + store, environment: env)
        XCTAssertEqual(status.status, 3, status.out + status.err)
        try validate(status.out, schema: "status")
        XCTAssertEqual((try json(status.out)["verdict"] as? [String: Any])?["action"] as? String, "renew")
        let client = try XCTUnwrap(try json(status.out)["client"] as? [String: Any])
        XCTAssertTrue((((client["certificate"] as? [String: Any])?["keyLocation"] as? [String: Any])?["en"] as? String)?.contains("pkcs11:") == true, status.out)

        let test = try runTool(Self.tokencert, ["sign-test", "--format", "json"] + store, environment: env)
        XCTAssertEqual(test.status, 0, test.out + test.err)
        try validate(test.out, schema: "sign-test")
        XCTAssertEqual(try json(test.out)["serial"] as? String, serial)

        // Scripts: sign a file, openssl cms verifies it, tokencert verify checks it offline.
        try "buy 2330 x 1000".write(toFile: dir + "/order.txt", atomically: true, encoding: .utf8)
        let signed = try runTool(Self.tokencert, ["sign", "--in", dir + "/order.txt", "--out", dir + "/order.p7s", "--detached", "--format", "json"] + store,
                                 environment: env)
        XCTAssertEqual(signed.status, 0, signed.err)
        try validate(signed.out, schema: "sign")
        let cms = try runTool("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/order.p7s", "-content", dir + "/order.txt",
                                          "-CAfile", ra.caPEM, "-out", "/dev/null"])
        XCTAssertEqual(cms.status, 0, cms.err)
        let verified = try runTool(Self.tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM,
                                                    "--format", "json"], environment: env)
        XCTAssertEqual(verified.status, 0, verified.out + verified.err)
        try validate(verified.out, schema: "verify")
        try "buy 2330 x 9000".write(toFile: dir + "/forged.txt", atomically: true, encoding: .utf8)
        let forged = try runTool(Self.tokencert, ["verify", "--in", dir + "/forged.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM,
                                                  "--format", "json"], environment: env)
        XCTAssertEqual(forged.status, 2, forged.out + forged.err)
        try validate(forged.out, schema: "verify")
        XCTAssertEqual(try json(forged.out)["code"] as? String, "tampered")
        // Judged a day later (--at, a receipt time the caller vouches for): the signingTime is a day off.
        let dayLater = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let late = try runTool(Self.tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM,
                                                "--at", dayLater, "--format", "json"], environment: env)
        XCTAssertEqual(late.status, 2, late.out + late.err)
        try validate(late.out, schema: "verify")
        XCTAssertEqual(try json(late.out)["code"] as? String, "signing-time-out-of-range")
        let badTime = try runTool(Self.tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM,
                                                   "--at", "yesterday"], environment: env)
        XCTAssertEqual(badTime.status, 64, badTime.err)
        // L6: a detached signature without --in, a --ca or --crl that is not one: bad input (64), said so.
        let noContent = try runTool(Self.tokencert, ["verify", "--sig", dir + "/order.p7s", "--ca", ra.caPEM], environment: env)
        XCTAssertEqual(noContent.status, 64, noContent.out + noContent.err)
        XCTAssertTrue(noContent.err.contains("--in"), noContent.err)
        let badCA = try runTool(Self.tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", dir + "/order.txt"],
                                environment: env)
        XCTAssertEqual(badCA.status, 64, badCA.out + badCA.err)
        let badCRL = try runTool(Self.tokencert, ["verify", "--in", dir + "/order.txt", "--sig", dir + "/order.p7s", "--ca", ra.caPEM,
                                                  "--crl", dir + "/order.txt"], environment: env)
        XCTAssertEqual(badCRL.status, 64, badCRL.out + badCRL.err)

        // Backup of a token key is refused with the reason.
        let backup = try runTool(Self.tokencert, ["backup", "--target", dir, "--force"] + store,
                                 environment: env.merging(["TOKENCERT_BACKUP_PASSWORD": "Backup2026"]) { $1 })
        XCTAssertEqual(backup.status, 3, backup.err)
        XCTAssertTrue(backup.err.contains("cannot be copied out"), backup.err)

        // Renew without a PIN source and no terminal: eligibility is read from the public certificate,
        // the agreement is shown, and only then the PIN is found missing (exit 5) — nothing changed.
        let noPIN = ["--token", token.uri, "--module", Self.softhsm]
        let early = try interactive(["renew", "--yes", "--lang", "en"] + noPIN, env: env, ra: ra)
        XCTAssertEqual(early.status, 5, early.out + early.err)
        let agreed = try XCTUnwrap(early.err.range(of: "I agree to the terms above"), early.err)
        let asked = try XCTUnwrap(early.err.range(of: "no terminal to ask on"), early.err)
        XCTAssertLessThan(agreed.lowerBound, asked.lowerBound, "the agreement comes before any PIN question")
        XCTAssertEqual(try objects(token).privateKeys, 1)

        // Renew: a new key beside the old one, then the old removed — one key, one certificate left.
        let renewed = try interactive(["renew", "--yes", "--format", "json"] + store, env: env, ra: ra)
        XCTAssertEqual(renewed.status, 0, renewed.out + renewed.err)
        try validate(renewed.out, schema: "installed")
        let renewedJSON = try json(renewed.out)
        XCTAssertEqual(renewedJSON["replaced"] as? String, serial)
        let left = try objects(token)
        XCTAssertEqual(left.privateKeys, 1, "no orphaned key after renewal")
        XCTAssertEqual(left.certificates, 1)

        let revoked = try interactive(["revoke", "--yes"] + store, env: env, ra: ra)
        XCTAssertEqual(revoked.status, 0, revoked.out + revoked.err)
        XCTAssertEqual(try objects(token).privateKeys, 0, "the key is removed after the host confirmed")
    }

    // MARK: - Failure paths

    /// The token's PIN is asked only after the agreement was accepted (and the identity steps done):
    /// with no PIN source and no terminal, apply shows the agreement first and only then says it
    /// needs the PIN (exit 5), with nothing made on the token.
    func testThePINIsNotAskedBeforeTheAgreement() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let token = try softHSM(dir)
        var env = try ra.environment(RAProcess.alice).merging(token.env) { $1 }
        env["TOKENCERT_PIN"] = nil
        let r = try interactive(["apply", "--yes", "--lang", "en", "--token", token.uri, "--module", Self.softhsm], env: env, ra: ra)
        XCTAssertEqual(r.status, 5, r.out + r.err)
        let agreement = try XCTUnwrap(r.err.range(of: "I agree to the terms above"), r.err)
        let pin = try XCTUnwrap(r.err.range(of: "no terminal to ask on"), r.err)
        XCTAssertLessThan(agreement.lowerBound, pin.lowerBound, "the agreement comes before any PIN question")
        XCTAssertEqual(try objects(token).privateKeys, 0)
    }

    func testThreeWrongBirthDatesLockAndSayHowToUnlock() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.alice, birth: "60/1/1")
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let r = try runTool(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/s"], environment: env)
        XCTAssertEqual(r.status, 3, r.out + r.err)
        XCTAssertTrue(r.err.lowercased().contains("branch"), r.err)
        let storeFiles = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/s")) ?? []
        XCTAssertFalse(storeFiles.contains { $0.hasSuffix(".tckey") }, "no key was generated")
        // In Chinese too.
        env["TOKENCERT_BIRTH_DATE"] = RAProcess.alice.birth
        let zh = try runTool(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/s", "--lang", "zh-TW"], environment: env)
        XCTAssertEqual(zh.status, 3, zh.err)
        XCTAssertTrue(zh.err.contains("分公司"), zh.err)
    }

    func testAnExpiredCodeIsRefusedWithItsMessage() throws {
        let ra = try RAProcess(self, policy: ["codeLifetimeSeconds": 1])
        let dir = try work()
        var env = try ra.environment(RAProcess.alice)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let p = try InteractiveProcess(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/s"], environment: env)
        let identifier = try p.waitFor(#"Code for identifier ([A-Za-z]{4})"#)
        let code = try ra.code(for: identifier)
        Thread.sleep(forTimeInterval: 2)
        p.send(code)
        _ = try p.waitFor("(?i)expired")
        let r = p.finish()
        XCTAssertNotEqual(r.status, 0)
        let status = try runTool(Self.tokencert, ["status", "--software", "--store-dir", dir + "/s", "--format", "json"], environment: env)
        XCTAssertEqual((try json(status.out)["verdict"] as? [String: Any])?["action"] as? String, "apply", "nothing was issued")
    }

    func testTheThirdOnlineRevocationInAYearIsRefused() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.chen)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let store = ["--software", "--store-dir", dir + "/s", "--key-type", "p256"]
        for round in 1...3 {
            let applied = try interactive(["apply", "--yes"] + store, env: env, ra: ra)
            XCTAssertEqual(applied.status, 0, "round \(round): " + applied.err)
            let revoke = Array(store.dropLast(2))
            if round < 3 {
                let revoked = try interactive(["revoke", "--yes"] + revoke, env: env, ra: ra)
                XCTAssertEqual(revoked.status, 0, "round \(round): " + revoked.err)
            } else {
                let refused = try runTool(Self.tokencert, ["revoke", "--yes"] + revoke, environment: env)
                XCTAssertEqual(refused.status, 3, refused.err)
                XCTAssertTrue(refused.err.contains("branch"), refused.err)
            }
        }
    }

    func testRenewOutsideTheWindowIsRefused() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.betty)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        let store = ["--software", "--store-dir", dir + "/s", "--key-type", "p256"]
        XCTAssertEqual(try interactive(["apply", "--yes"] + store, env: env, ra: ra).status, 0)
        let r = try runTool(Self.tokencert, ["renew", "--yes"] + store, environment: env)
        XCTAssertEqual(r.status, 3, r.err)
        XCTAssertTrue(r.err.contains("Renewal is not open yet"), r.err)
    }

    func testRAUnreachableIsAClearErrorAndChangesNothing() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        var env = try ra.environment(RAProcess.alice)
        env["TOKENCERT_STORE_PASSWORD"] = "store-pass-1"
        ra.stop()
        let r = try runTool(Self.tokencert, ["apply", "--yes", "--software", "--store-dir", dir + "/s"], environment: env)
        XCTAssertEqual(r.status, 6, r.err)
        XCTAssertTrue(r.err.contains("cannot be reached") && r.err.contains("nothing was changed"), r.err)
        let keys = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/s")) ?? []
        XCTAssertFalse(keys.contains { $0.hasSuffix(".tckey") }, "\(keys)")
    }
}
