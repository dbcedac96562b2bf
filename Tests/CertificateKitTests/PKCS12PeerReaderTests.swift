import CertificateKit
import Foundation
import TestSupport
import XCTest
import Secrets

/// Our `.pfx` files read by importers other than OpenSSL — NSS's `pk12util` (Firefox/Chromium's
/// store) and GnuTLS's `certtool` — and by `openssl pkcs12` with and without `-legacy`.
final class PKCS12PeerReaderTests: XCTestCase {
    let passwordText = "Tc2026pfx"

    func writeBoth(_ fixture: PFXFixture, _ chain: PFXFixture.Chain) throws -> [(profile: String, file: String)] {
        var files: [(String, String)] = []
        for (name, profile) in [("modern", PKCS12Profile.modern), ("compat", PKCS12Profile.compat)] {
            let pfx = try PKCS12Bundle.write(privateKeyDER: chain.leafKeyDER, certificateDER: chain.leafDER, chainDER: chain.chainDER,
                                             friendlyName: "TokenCert \(name)", password: Secret(passwordText), profile: profile)
            try fixture.write("\(name).pfx", pfx)
            files.append((name, fixture.path("\(name).pfx")))
        }
        return files
    }

    func testNSSImportsBothProfiles() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.rsa2048)
        try fixture.write("pw.txt", Array(passwordText.utf8))
        for (profile, file) in try writeBoth(fixture, chain) {
            let db = fixture.path("nssdb-\(profile)")
            try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
            XCTAssertEqual(try runTool("certutil", ["-N", "-d", "sql:" + db, "--empty-password"]).status, 0)
            let imported = try runTool("pk12util", ["-i", file, "-d", "sql:" + db, "-w", fixture.path("pw.txt")])
            XCTAssertEqual(imported.status, 0, "\(profile): \(imported.out) \(imported.err)")
            XCTAssertTrue(imported.out.contains("PKCS12 IMPORT SUCCESSFUL"), imported.out)
            let listed = try runTool("certutil", ["-L", "-d", "sql:" + db])
            XCTAssertTrue(listed.out.contains("TokenCert \(profile)"), listed.out)
            let keys = try runTool("certutil", ["-K", "-d", "sql:" + db])
            XCTAssertTrue(keys.out.contains("rsa"), "the private key was imported: \(keys.out)")
            let exported = try runTool("certutil", ["-L", "-d", "sql:" + db, "-n", "TokenCert \(profile)", "-a"])
            let body = exported.out.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
            XCTAssertEqual(Data(base64Encoded: body).map(Array.init), chain.leafDER, "NSS holds the same certificate")

            // A wrong password is refused by NSS too.
            try fixture.write("wrong.txt", Array("Wrong1234".utf8))
            let other = fixture.path("nssdb-wrong-\(profile)")
            try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
            XCTAssertEqual(try runTool("certutil", ["-N", "-d", "sql:" + other, "--empty-password"]).status, 0)
            XCTAssertNotEqual(try runTool("pk12util", ["-i", file, "-d", "sql:" + other, "-w", fixture.path("wrong.txt")]).status, 0)
        }
    }

    func testGnuTLSReadsBothProfiles() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.p256)
        let leafBase64 = Data(chain.leafDER).base64EncodedString()
        for (profile, file) in try writeBoth(fixture, chain) {
            // certtool takes the password only on its command line: confined to this test.
            let info = try runTool("certtool", ["--p12-info", "--inder", "--infile", file, "--password", passwordText])
            XCTAssertEqual(info.status, 0, "\(profile): \(info.err)")
            XCTAssertTrue(info.out.contains("Friendly name: TokenCert \(profile)"), info.out)
            XCTAssertTrue(info.out.contains("PKCS #8 Encrypted key") || info.out.contains("PKCS #8"), info.out)
            let flattened = info.out.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            XCTAssertTrue(flattened.contains(leafBase64), "\(profile): certtool shows our leaf certificate")
            XCTAssertTrue(info.out.contains(profile == "modern" ? "SHA256" : "SHA1"), "\(profile) MAC: \(info.out)")
            XCTAssertNotEqual(try runTool("certtool", ["--p12-info", "--inder", "--infile", file, "--password", "Wrong1234"]).status, 0)
        }
    }

    func testOpenSSLReadsCompatWithAndWithoutLegacy() throws {
        let fixture = try PFXFixture()
        let chain = try fixture.makeChain(.rsa2048)
        let passin = try fixture.passwordSource(passwordText)
        for (profile, _) in try writeBoth(fixture, chain) {
            for extra in [[], ["-legacy"]] where profile == "compat" || extra.isEmpty {
                let blocks = try fixture.extract("\(profile).pfx", passin: passin, extra: extra)
                XCTAssertTrue(blocks.contains { $0.der == chain.leafDER }, "\(profile) \(extra): leaf")
                XCTAssertTrue(blocks.contains { $0.der == chain.leafKeyDER }, "\(profile) \(extra): key")
            }
        }
    }
}
