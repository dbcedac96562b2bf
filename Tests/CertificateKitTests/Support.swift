import CertificateKit
import Foundation
import KeyStores
import PKCS11
import TestSupport
import X509
import XCTest

/// A fresh directory per test for the files openssl reads and writes.
func workDirectory(_ test: XCTestCase, _ name: String = "certkit") throws -> String {
    let dir = NSTemporaryDirectory() + "\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

/// A key pair generated on a fresh SoftHSM token, as a `PKCS11Signer` (session logged in).
func softHSMSigner(_ spec: KeySpec, name: String = #function) async throws -> PKCS11Signer {
    let token = try await SoftHSM.makeToken(name)
    let session = try await token.loggedInSession()
    let pair = try await session.generateKeyPair(spec, label: "order key")
    var uri = PKCS11URI()
    uri.token = token.label
    uri.object = "order key"
    return try PKCS11Signer(session: session, key: pair.privateKey, subjectPublicKeyInfo: pair.subjectPublicKeyInfo,
                            tokenLabel: token.label, uri: uri.description)
}

