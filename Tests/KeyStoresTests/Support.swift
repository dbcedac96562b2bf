import CertificateKit
import Foundation
import Lifecycle
import TestSupport
import X509
import XCTest

/// A throwaway CA (a P-256 software key) that issues certificates for keys in the stores.
struct TestCA {
    let issuer: CertificateIssuer

    static func make() async throws -> TestCA {
        let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
        let name = try DistinguishedName { CommonName("KeyStores Test CA") }
        let cert = try await CertificateIssuer.selfSignedCA(subject: name, key: key, notBefore: Date().addingTimeInterval(-7200),
                                                            notAfter: Date().addingTimeInterval(86_400 * 400))
        return TestCA(issuer: CertificateIssuer(caCertificate: cert, caKey: key))
    }

    var der: [UInt8] { issuer.caCertificate.derBytes }

    func issue(for signer: any TokenSigner, commonName: String, notBefore: Date = Date().addingTimeInterval(-60)) async throws -> [UInt8] {
        let publicKey = try Certificate.PublicKey(derEncoded: signer.subjectPublicKeyInfo)
        let subject = try DistinguishedName { CommonName(commonName) }
        return try await issuer.issue(publicKey: publicKey, subject: subject, notBefore: notBefore,
                                      notAfter: notBefore.addingTimeInterval(86_400 * 365)).derBytes
    }
}

/// A temporary folder removed after the test.
func workDirectory(_ test: XCTestCase, _ name: String = "ks") throws -> String {
    let dir = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

func write(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Signs a message with `signer` and has `openssl dgst -verify` check it against the signer's
/// public key; with `certificateDER`, also against the certificate's key and the chain to `ca`.
func assertOpenSSLVerifies(_ signer: any TokenSigner, certificateDER: [UInt8]? = nil, ca: TestCA? = nil, dir: String,
                           file: StaticString = #filePath, line: UInt = #line) async throws {
    let message = Array("委託單 2330 買進 1 張 \(UUID().uuidString)".utf8)
    let algorithm = signer.supportedAlgorithms[0]
    let signature = try await signer.sign(message, algorithm: algorithm)
    let tag = UUID().uuidString.prefix(6)
    try write(message, "\(dir)/msg-\(tag)")
    try write(signature, "\(dir)/sig-\(tag)")
    try write(signer.subjectPublicKeyInfo, "\(dir)/spki-\(tag).der")
    let pem = try runTool("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", "\(dir)/spki-\(tag).der", "-out", "\(dir)/pub-\(tag).pem"])
    XCTAssertEqual(pem.status, 0, pem.err, file: file, line: line)
    let digest = algorithm.digestName == "SHA-384" ? "-sha384" : "-sha256"
    let verify = try runTool("openssl", ["dgst", digest, "-verify", "\(dir)/pub-\(tag).pem", "-signature", "\(dir)/sig-\(tag)", "\(dir)/msg-\(tag)"])
    XCTAssertEqual(verify.status, 0, "openssl refuses the signature: \(verify.out) \(verify.err)", file: file, line: line)
    if let certificateDER {
        try write(certificateDER, "\(dir)/cert-\(tag).der")
        let fromCert = try runTool("openssl", ["x509", "-inform", "DER", "-in", "\(dir)/cert-\(tag).der", "-pubkey", "-noout"])
        XCTAssertEqual(fromCert.status, 0, fromCert.err, file: file, line: line)
        try fromCert.out.write(toFile: "\(dir)/certpub-\(tag).pem", atomically: true, encoding: .utf8)
        let v2 = try runTool("openssl", ["dgst", digest, "-verify", "\(dir)/certpub-\(tag).pem", "-signature", "\(dir)/sig-\(tag)", "\(dir)/msg-\(tag)"])
        XCTAssertEqual(v2.status, 0, "signature does not verify with the certificate's key: \(v2.err)", file: file, line: line)
        if let ca {
            try write(ca.der, "\(dir)/ca-\(tag).der")
            _ = try runTool("openssl", ["x509", "-inform", "DER", "-in", "\(dir)/ca-\(tag).der", "-out", "\(dir)/ca-\(tag).pem"])
            _ = try runTool("openssl", ["x509", "-inform", "DER", "-in", "\(dir)/cert-\(tag).der", "-out", "\(dir)/cert-\(tag).pem"])
            let chain = try runTool("openssl", ["verify", "-CAfile", "\(dir)/ca-\(tag).pem", "\(dir)/cert-\(tag).pem"])
            XCTAssertEqual(chain.status, 0, "openssl verify: \(chain.out) \(chain.err)", file: file, line: line)
        }
    }
}

/// A key and self-signed certificate made by OpenSSL and packed by `openssl pkcs12 -export`.
func openSSLPFX(dir: String, keyAlgorithm: [String], password: String, subject: String = "/CN=A123456789") throws -> String {
    let key = dir + "/ossl-\(UUID().uuidString.prefix(6))"
    let req = try runTool("openssl", ["req", "-x509", "-newkey"] + keyAlgorithm + ["-nodes", "-keyout", key + ".key",
                                      "-subj", subject, "-days", "30", "-out", key + ".pem"])
    XCTAssertEqual(req.status, 0, req.err)
    let export = try runTool("openssl", ["pkcs12", "-export", "-inkey", key + ".key", "-in", key + ".pem", "-name", "openssl key",
                                         "-passout", "pass:" + password, "-out", key + ".pfx"])
    XCTAssertEqual(export.status, 0, export.err)
    return key + ".pfx"
}

/// Counts the provider's calls.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

func XCTAssertThrowsUnavailable(_ expected: KeyStoreUnavailable, _ body: () async throws -> Void,
                                file: StaticString = #filePath, line: UInt = #line) async {
    do {
        try await body()
        XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
    } catch let error as KeyStoreUnavailable {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(type(of: error)): \(error)", file: file, line: line)
    }
}
