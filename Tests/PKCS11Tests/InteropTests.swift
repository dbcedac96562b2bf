import Foundation
@testable import PKCS11
import TestSupport
import XCTest

/// OpenSC's pkcs11-tool and OpenSSL as independent peers on the same SoftHSM token.
final class InteropTests: XCTestCase {
    func testPkcs11ToolListsOurKeyAndOpenSSLVerifiesOurSignature() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        for spec in [KeySpec.rsa2048, .p256] {
            let pair = try await s.generateKeyPair(spec, label: "ours \(spec)")
            let idHex = hexString(pair.privateKey.id)
            // pkcs11-tool takes the PIN only on its command line; that is pkcs11-tool's choice, confined to this test.
            let objects = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--login",
                                                  "--pin", t.userPINText, "--list-objects", "--id", idHex])
            XCTAssertEqual(objects.status, 0, objects.err)
            let block = objects.out
            XCTAssertTrue(block.contains("Private Key Object; \(spec.keyType == .rsa ? "RSA" : "EC")"), block)
            XCTAssertTrue(block.contains("label:      ours \(spec)"), block)
            XCTAssertTrue(block.contains("ID:         \(idHex)"), block)
            XCTAssertTrue(block.contains("sensitive, always sensitive, never extractable, local"), block)
            XCTAssertTrue(block.contains("Usage:      sign") || block.contains("Usage:      verify"), block)
            XCTAssertFalse(block.contains("extractable,") && !block.contains("never extractable"), block)

            // pkcs11-tool reads the public key; OpenSSL checks our signature against it.
            let pubFile = SoftHSM.runDirectory + "/p11tool-pub-\(UUID().uuidString).der"
            let read = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--read-object",
                                               "--type", "pubkey", "--id", idHex, "-o", pubFile])
            XCTAssertEqual(read.status, 0, read.err)
            XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: pubFile))), pair.subjectPublicKeyInfo,
                           "pkcs11-tool's view of the public key equals our SubjectPublicKeyInfo")
            let message = Array("verify me \(spec)".utf8)
            let signature = try await s.sign(message, with: pair.privateKey)
            let v = try runTool("openssl", ["dgst", "-sha256", "-keyform", "DER", "-verify", pubFile, "-signature",
                                        try temporaryFile("sig-\(UUID().uuidString)", signature),
                                        try temporaryFile("msg-\(UUID().uuidString)", message)])
            XCTAssertEqual(v.status, 0, v.out + v.err)
        }
    }

    func testKeyGeneratedByPkcs11ToolIsFoundByURIAndSignsWithUs() async throws {
        let t = try await SoftHSM.makeToken()
        for (keyType, label, id) in [("EC:prime256v1", "theirs-ec", "4242"), ("rsa:2048", "theirs-rsa", "4343")] {
            let gen = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--login", "--pin", t.userPINText,
                                              "--keypairgen", "--key-type", keyType, "--label", label, "--id", id])
            XCTAssertEqual(gen.status, 0, gen.err)
            let s = try await t.loggedInSession()
            let uri = try PKCS11URI(parsing: "pkcs11:token=\(t.label.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!);object=\(label);type=private")
            XCTAssertTrue(uri.matches(token: t.token.info))
            let found = try await s.objects(matching: uri)
            XCTAssertEqual(found.count, 1, "the URI names exactly the key pkcs11-tool made")
            XCTAssertEqual(found.first.flatMap(\.id).map(hexString), id)
            let key = try await s.privateKey(handle: ObjectHandle(rawValue: found[0].handle))
            let message = Array("signed with a key pkcs11-tool generated".utf8)
            let signature = try await s.sign(message, with: key)

            let pubFile = SoftHSM.runDirectory + "/theirs-\(UUID().uuidString).der"
            XCTAssertEqual(try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--read-object",
                                                   "--type", "pubkey", "--id", id, "-o", pubFile]).status, 0)
            let v = try runTool("openssl", ["dgst", "-sha256", "-keyform", "DER", "-verify", pubFile, "-signature",
                                        try temporaryFile("sig-\(UUID().uuidString)", signature),
                                        try temporaryFile("msg-\(UUID().uuidString)", message)])
            XCTAssertEqual(v.status, 0, v.out + v.err)
            try await s.logout()
        }
    }
}
