import Foundation
import PCSC
import PIV
import VirtualCard
import TestSupport
import XCTest
import Secrets

/// Independent peers against our virtual card: OpenSC (opensc-tool, pkcs15-tool, pkcs11-tool with
/// opensc-pkcs11.so) and yubico-piv-tool, through the same pcscd.
final class PeerToolTests: XCTestCase {
    static let openscModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    /// OpenSC numbers readers in pcscd's order.
    func openscIndex(_ reader: String) throws -> String {
        String(try XCTUnwrap(try PCSCContext().readers().firstIndex(of: reader)))
    }

    /// A certificate for `publicKeyDER` (SubjectPublicKeyInfo), issued by a throwaway OpenSSL CA.
    func certificate(for spki: [UInt8], subject: String, dir: String) throws -> (der: String, pem: String) {
        try Data(spki).write(to: URL(fileURLWithPath: dir + "/card-pub.der"))
        XCTAssertEqual(try runTool("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", dir + "/card-pub.der", "-out", dir + "/card-pub.pem"]).status, 0)
        XCTAssertEqual(try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                            "-keyout", dir + "/ca.key", "-subj", "/CN=Test CA", "-days", "2", "-out", dir + "/ca.pem"]).status, 0)
        XCTAssertEqual(try runTool("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                            "-keyout", dir + "/throwaway.key", "-subj", subject, "-out", dir + "/req.pem"]).status, 0)
        let signed = try runTool("openssl", ["x509", "-req", "-in", dir + "/req.pem", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
                                          "-force_pubkey", dir + "/card-pub.pem", "-days", "2", "-out", dir + "/cert.pem"])
        XCTAssertEqual(signed.status, 0, signed.err)
        XCTAssertEqual(try runTool("openssl", ["x509", "-in", dir + "/cert.pem", "-outform", "DER", "-out", dir + "/cert.der"]).status, 0)
        return (dir + "/cert.der", dir + "/cert.pem")
    }

    func workDir() throws -> String {
        let dir = NSTemporaryDirectory() + "piv-peers-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testOpenSCSeesAPIVCardAndSignsWithAKeyWeGenerated() async throws {
        let port = try VirtualReaders.ports()[0]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let dir = try workDir()

        // Personalise with our PIV client: key in 9A, a certificate for it, CHUID and CCC.
        let connection = try PCSCContext().connect(reader: reader)
        let piv = try await PIVSession(transport: connection)
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        let publicKey = try await piv.generateKey(slot: .authentication, algorithm: .eccP256)
        let cert = try certificate(for: try publicKey.subjectPublicKeyInfo(), subject: "/CN=A123456789", dir: dir)
        try await piv.writeCertificate(Array(try Data(contentsOf: URL(fileURLWithPath: cert.der))), slot: .authentication)
        try await piv.writeCHUIDAndCCC()
        try await connection.disconnect()

        let index = try openscIndex(reader)
        let name = try runTool("opensc-tool", ["-r", index, "-n"])
        XCTAssertEqual(name.status, 0, name.err)
        XCTAssertTrue(name.out.contains("Personal Identity Verification") || name.out.contains("PIV"), "opensc-tool -n names it a PIV card: \(name.out)")

        let dump = try runTool("pkcs15-tool", ["-r", index, "-D"])
        XCTAssertEqual(dump.status, 0, dump.err)
        XCTAssertTrue(dump.out.contains("X.509 Certificate") || dump.out.contains("Certificate"), dump.out)
        XCTAssertTrue(dump.out.contains("Private EC Key") || dump.out.contains("Private Key"), dump.out)

        // pkcs11-tool (PIN on its own command line: its choice, confined to this test) signs with our key.
        let message = dir + "/order.txt"
        try Data("buy 2330 x 1".utf8).write(to: URL(fileURLWithPath: message))
        let sign = try runTool("pkcs11-tool", ["--module", Self.openscModule, "--slot", try openscSlot(reader), "--login", "--pin", PIV.defaultPIN,
                                            "--sign", "--id", "01", "-m", "ECDSA-SHA256", "--signature-format", "openssl",
                                            "-i", message, "-o", dir + "/sig.der"])
        XCTAssertEqual(sign.status, 0, sign.out + sign.err)
        let pub = try runTool("openssl", ["x509", "-in", cert.pem, "-pubkey", "-noout", "-out", dir + "/from-cert.pem"])
        XCTAssertEqual(pub.status, 0)
        let verify = try runTool("openssl", ["dgst", "-sha256", "-verify", dir + "/from-cert.pem", "-signature", dir + "/sig.der", message])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
    }

    func testYubicoPIVToolAcceptsTheCard() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let dir = try workDir()
        let r = ["-r", reader]

        let status = try runTool("yubico-piv-tool", r + ["-a", "status"])
        XCTAssertEqual(status.status, 0, status.out + status.err)
        XCTAssertTrue(status.out.contains("PIN tries left:") || status.out.contains("PIN tries"), status.out)
        let verify = try runTool("yubico-piv-tool", r + ["-a", "verify-pin", "-P", PIV.defaultPIN])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        let wrong = try runTool("yubico-piv-tool", r + ["-a", "verify-pin", "-P", "654321"])
        XCTAssertNotEqual(wrong.status, 0, "a wrong PIN is refused")

        let generate = try runTool("yubico-piv-tool", r + ["-a", "generate", "-s", "9c", "-A", "ECCP256", "-o", dir + "/pub.pem"])
        XCTAssertEqual(generate.status, 0, generate.out + generate.err)
        let spkiDER = try runTool("openssl", ["pkey", "-pubin", "-in", dir + "/pub.pem", "-outform", "DER", "-out", dir + "/pub.der"])
        XCTAssertEqual(spkiDER.status, 0)
        let cert = try certificate(for: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/pub.der"))), subject: "/CN=yubico peer", dir: dir)
        let imported = try runTool("yubico-piv-tool", r + ["-a", "import-certificate", "-s", "9c", "-i", cert.pem])
        XCTAssertEqual(imported.status, 0, imported.out + imported.err)
        let read = try runTool("yubico-piv-tool", r + ["-a", "read-certificate", "-s", "9c"])
        XCTAssertEqual(read.status, 0, read.err)
        XCTAssertEqual(read.out.trimmingCharacters(in: .whitespacesAndNewlines),
                       try String(contentsOfFile: cert.pem, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        let test = try runTool("yubico-piv-tool", r + ["-a", "verify-pin", "-P", PIV.defaultPIN, "-a", "test-signature", "-s", "9c", "-i", cert.pem])
        XCTAssertEqual(test.status, 0, test.out + test.err)

        // And what yubico-piv-tool wrote, our client reads.
        let connection = try PCSCContext().connect(reader: reader)
        let piv = try await PIVSession(transport: connection)
        let ours = try await piv.readCertificate(slot: .signature)
        XCTAssertEqual(ours, Array(try Data(contentsOf: URL(fileURLWithPath: cert.der))))
    }

    /// The PKCS#11 slot OpenSC gives the reader (from `pkcs11-tool -L`: "Slot N (0x…): <reader>").
    func openscSlot(_ reader: String) throws -> String {
        let list = try runTool("pkcs11-tool", ["--module", Self.openscModule, "-L"])
        for line in list.out.split(separator: "\n") where line.contains(reader) {
            if let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")"), open < close {
                return String(line[line.index(after: open)..<close])
            }
        }
        XCTFail("pkcs11-tool -L does not list \(reader): \(list.out)")
        throw CocoaError(.fileNoSuchFile)
    }
}
