import Crypto
import Foundation
@testable import PKCS11
import TestSupport
import XCTest

final class KeyTests: XCTestCase {
    func testGenerateEveryKeySizeWithSafeAttributes() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        for spec in [KeySpec.rsa2048, .rsa3072, .rsa4096, .p256, .p384] {
            let pair = try await s.generateKeyPair(spec, label: "k \(spec)")
            let priv = try await s.attributes([.token, .private, .sensitive, .extractable, .alwaysSensitive,
                                               .neverExtractable, .local, .sign, .decrypt, .id], of: pair.privateKey.handle)
            XCTAssertEqual(priv.bool(.token), true, "\(spec)")
            XCTAssertEqual(priv.bool(.private), true, "\(spec)")
            XCTAssertEqual(priv.bool(.sensitive), true, "\(spec)")
            XCTAssertEqual(priv.bool(.extractable), false, "\(spec)")
            XCTAssertEqual(priv.bool(.alwaysSensitive), true, "\(spec)")
            XCTAssertEqual(priv.bool(.neverExtractable), true, "\(spec)")
            XCTAssertEqual(priv.bool(.local), true, "generated on the token: \(spec)")
            XCTAssertEqual(priv.bool(.sign), true, "\(spec)")
            XCTAssertEqual(priv.bytes(.id), pair.privateKey.id)
            let pub = try await s.attributes([.id, .token, .private], of: try XCTUnwrap(pair.publicKey))
            XCTAssertEqual(pub.bytes(.id), pair.privateKey.id, "public and private linked by CKA_ID")
            XCTAssertEqual(pub.bool(.private), false)

            // The SubjectPublicKeyInfo is read by OpenSSL with the right size.
            let file = try temporaryFile("spki-\(UUID().uuidString).der", pair.subjectPublicKeyInfo)
            let text = try runTool("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", file, "-noout", "-text"])
            XCTAssertEqual(text.status, 0, text.err)
            XCTAssertTrue(text.out.contains("(\(spec.sizeInBits) bit)"), "\(spec): \(text.out.prefix(80))")
            let info = try await s.objectInfo(pair.privateKey.handle)
            XCTAssertEqual(info.keySizeInBits, spec.sizeInBits)
            let awaited1 = try await s.privateKey(id: pair.privateKey.id).sizeInBits
            XCTAssertEqual(awaited1, spec.sizeInBits)
        }
    }

    func testPrivateKeyRefusesExtraction() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        let rsa = try await s.generateKeyPair(.rsa2048, label: "no export")
        let a = try await s.attributes([.privateExponent, .prime1, .modulus, .label], of: rsa.privateKey.handle)
        XCTAssertEqual(a[.privateExponent], .sensitive)
        XCTAssertEqual(a[.prime1], .sensitive)
        XCTAssertNotNil(a.bytes(.modulus), "public parts of a private key are still readable in the same read")
        XCTAssertEqual(a.string(.label), "no export")
        let ec = try await s.generateKeyPair(.p256, label: "no export ec")
        let awaited2 = try await s.attributes([.value], of: ec.privateKey.handle)[.value]
        XCTAssertEqual(awaited2, .sensitive)
        // Turning extraction back on is refused.
        do {
            try await s.setAttributes([.bool(.extractable, true)], of: rsa.privateKey.handle)
            XCTFail("CKA_EXTRACTABLE must not go back to true")
        } catch {
            XCTAssertTrue([.attributeReadOnly, .actionProhibited, .attributeValueInvalid, .templateInconsistent]
                .contains(error.returnValue), "\(error)")
        }
        do {
            try await s.setAttributes([.bool(.sensitive, false)], of: rsa.privateKey.handle)
            XCTFail("CKA_SENSITIVE must not go back to false")
        } catch {
            XCTAssertNotEqual(error.returnValue, .ok)
        }
        // An attribute the object does not have is reported as such, not as a failure.
        let missing = try await s.attributes([.ecPoint, .label], of: rsa.privateKey.handle)
        XCTAssertEqual(missing[.ecPoint], .unavailable)
        XCTAssertEqual(missing.string(.label), "no export")
    }

    func testSignaturesVerifyWithOpenSSL() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        let message = Array("買進 2330 台積電 1 張 @ 1085".utf8)
        let msgFile = try temporaryFile("msg-\(UUID().uuidString)", message)
        let rsa = try await s.generateKeyPair(.rsa2048, label: "rsa")
        let p256 = try await s.generateKeyPair(.p256, label: "p256")
        let p384 = try await s.generateKeyPair(.p384, label: "p384")
        let cases: [(KeyPair, SignatureAlgorithm, [String])] = [
            (rsa, .rsaPKCS1v15(.sha256), ["-sha256"]),
            (rsa, .rsaPKCS1v15(.sha384), ["-sha384"]),
            (rsa, .rsaPSS(.sha256), ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]),
            (p256, .ecdsa(.sha256), ["-sha256"]),
            (p384, .ecdsa(.sha384), ["-sha384"]),
        ]
        for (pair, algorithm, flags) in cases {
            let signature = try await s.sign(message, with: pair.privateKey, algorithm: algorithm)
            let pub = try temporaryFile("pub-\(UUID().uuidString).der", pair.subjectPublicKeyInfo)
            let sig = try temporaryFile("sig-\(UUID().uuidString)", signature)
            let ok = try runTool("openssl", ["dgst"] + flags + ["-keyform", "DER", "-verify", pub, "-signature", sig, msgFile])
            XCTAssertEqual(ok.status, 0, "\(algorithm): \(ok.out) \(ok.err)")
            XCTAssertTrue(ok.out.contains("Verified OK"), "\(algorithm)")
            let awaited3 = try await s.verify(signature, of: message, publicKey: pair.publicKey!, key: pair.privateKey, algorithm: algorithm)
            XCTAssertTrue(awaited3)
            // A changed message fails.
            let tampered = message + [0x20]
            let awaited4 = try await s.verify(signature, of: tampered, publicKey: pair.publicKey!, key: pair.privateKey, algorithm: algorithm)
            XCTAssertFalse(awaited4)
        }
        // ECDSA goes through CKM_ECDSA with host hashing on SoftHSM.
        let plan = try await s.signingPlan(for: p256.privateKey, algorithm: .ecdsa(.sha256))
        XCTAssertEqual(plan.mechanism, .ecdsa)
        XCTAssertEqual(plan.input, .digest)
        // Token hashing where the token can.
        let awaited5 = try await s.signingPlan(for: rsa.privateKey, algorithm: .rsaPKCS1v15(.sha256)).mechanism
        XCTAssertEqual(awaited5, .sha256RSAPKCS)
        // Wrong key type for the algorithm.
        await XCTAssertThrowsPKCS11(.keyTypeInconsistent) { _ = try await s.sign(message, with: p256.privateKey, algorithm: .rsaPSS(.sha256)) }
    }

    func testHostHashingPathsWhenOnlyRawRSAExists() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        let rsa = try await s.generateKeyPair(.rsa2048, label: "raw")
        let message = Array("DigestInfo".utf8)
        // The path a token without CKM_SHA256_RSA_PKCS takes: DigestInfo built on the host, CKM_RSA_PKCS on the token.
        let plan = SigningPlan(mechanism: .rsaPKCS, input: .digestInfo, algorithm: .rsaPKCS1v15(.sha256))
        let viaRaw = try await s.sign(message, with: rsa.privateKey, plan: plan)
        let viaToken = try await s.sign(message, with: rsa.privateKey, algorithm: .rsaPKCS1v15(.sha256))
        XCTAssertEqual(viaRaw, viaToken, "PKCS#1 v1.5 is deterministic: both paths give the same bytes")

        // RSA-PSS over a host-computed digest (CKM_RSA_PKCS_PSS), checked by OpenSSL.
        let pssPlan = SigningPlan(mechanism: .rsaPKCSPSS, parameter: s.pssParameter(.sha256), input: .digest,
                                  algorithm: .rsaPSS(.sha256))
        let pss = try await s.sign(message, with: rsa.privateKey, plan: pssPlan)
        let pub = try temporaryFile("pss-pub-\(UUID().uuidString).der", rsa.subjectPublicKeyInfo)
        let v = try runTool("openssl", ["dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                                        "-keyform", "DER", "-verify", pub, "-signature", try temporaryFile("pss-\(UUID().uuidString)", pss),
                                        try temporaryFile("pss-msg-\(UUID().uuidString)", message)])
        XCTAssertEqual(v.status, 0, v.out + v.err)
    }

    func testECDSARawDERConversion() {
        let r = [UInt8](repeating: 0x80, count: 32), s = [UInt8](repeating: 0, count: 31) + [0x01]
        let der = ECDSASignature.der(fromRaw: r + s)
        XCTAssertEqual(der[0], 0x30)
        XCTAssertEqual(der[2], 0x02)
        XCTAssertEqual(der[3], 33, "a high bit gets a 0x00 pad")
        XCTAssertEqual(Array(der.suffix(3)), [0x02, 0x01, 0x01], "leading zeros are stripped")
        XCTAssertEqual(ECDSASignature.raw(fromDER: der, coordinateSize: 32), r + s)
        XCTAssertNil(ECDSASignature.raw(fromDER: [0x30, 0x00, 0x01], coordinateSize: 32))
        // Agreement with swift-crypto's encoder.
        let key = P256.Signing.PrivateKey()
        let sig = try! key.signature(for: Array("x".utf8))
        XCTAssertEqual(ECDSASignature.der(fromRaw: Array(sig.rawRepresentation)), Array(sig.derRepresentation))
    }

    func testCertificateObjectsAndDeletion() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        let pair = try await s.generateKeyPair(.p256, label: "with cert")
        let der = try makeCertificateDER(subject: "/CN=Token Cert Test/serialNumber=A123456789/O=Broker/C=TW")
        let handle = try await s.storeCertificate(der, label: "with cert", id: pair.privateKey.id)
        let certs = try await s.certificates(id: pair.privateKey.id)
        XCTAssertEqual(certs.count, 1)
        XCTAssertEqual(certs.first?.der, der)
        XCTAssertEqual(certs.first?.handle, handle)
        let attrs = try await s.attributes([.subject, .issuer, .serialNumber], of: handle)
        XCTAssertNotNil(attrs.bytes(.subject))
        XCTAssertEqual(attrs.bytes(.serialNumber)?.first, 0x02, "CKA_SERIAL_NUMBER holds the DER INTEGER")
        // pkcs11-tool sees the certificate with our label and ID.
        let listed = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--list-objects", "--type", "cert"])
        XCTAssertTrue(listed.out.contains("with cert"), listed.out + listed.err)
        XCTAssertTrue(listed.out.contains(hexString(pair.privateKey.id)), listed.out)

        let awaited6 = try await s.destroyObjects(id: pair.privateKey.id)
        XCTAssertEqual(awaited6, 3, "private key, public key and certificate")
        let awaited7 = try await s.findObjects([.id(pair.privateKey.id)]).isEmpty
        XCTAssertTrue(awaited7)
        await XCTAssertThrowsPKCS11(.keyHandleInvalid) { _ = try await s.privateKey(id: pair.privateKey.id) }
        await XCTAssertThrowsPKCS11(.argumentsBad) { try await s.storeCertificate([0x30, 0x03, 0x02, 0x01, 0x01], label: "x", id: [1]) }
    }

    func testImportKeyAndCertificateOntoToken() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        for (n, algorithm) in [["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                          ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]].enumerated() {
            let keyFile = SoftHSM.runDirectory + "/import-\(UUID().uuidString).der"
            let gen = try runTool("openssl", ["genpkey"] + algorithm + ["-outform", "DER", "-out", keyFile])
            XCTAssertEqual(gen.status, 0, gen.err)
            let pkcs8 = Array(try Data(contentsOf: URL(fileURLWithPath: keyFile)))
            let components = try PrivateKeyComponents(der: pkcs8)
            XCTAssertFalse("\(components)".contains("0x"), "components never print themselves")
            let id: [UInt8] = [0xAB, 0xCD, UInt8(n)]  // distinct per key: certificates are found by id
            let pair = try await s.importKeyPair(components, label: "restored", id: id)
            let a = try await s.attributes([.sensitive, .extractable, .local, .private], of: pair.privateKey.handle)
            XCTAssertEqual(a.bool(.sensitive), true)
            XCTAssertEqual(a.bool(.extractable), false)
            XCTAssertEqual(a.bool(.local), false, "imported, not generated on the token")

            // Public key as OpenSSL derives it from the original file equals ours.
            let pubFile = keyFile + ".pub"
            XCTAssertEqual(try runTool("openssl", ["pkey", "-inform", "DER", "-in", keyFile, "-pubout", "-outform", "DER", "-out", pubFile]).status, 0)
            XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: pubFile))), pair.subjectPublicKeyInfo)
            let awaited8 = try await s.subjectPublicKeyInfo(of: pair.publicKey!)
            XCTAssertEqual(awaited8, pair.subjectPublicKeyInfo)

            let message = Array("restore \(algorithm[1])".utf8)
            let signature = try await s.sign(message, with: pair.privateKey)
            let msg = try temporaryFile("m-\(UUID().uuidString)", message)
            let sig = try temporaryFile("s-\(UUID().uuidString)", signature)
            let digest = pair.privateKey.curve == .p384 ? "-sha384" : "-sha256"
            let v = try runTool("openssl", ["dgst", digest, "-keyform", "DER", "-verify", pubFile, "-signature", sig, msg])
            XCTAssertEqual(v.status, 0, v.out + v.err)

            let cert = try makeCertificateDER(keyFile: keyFile, subject: "/CN=restored")
            try await s.storeCertificate(cert, label: "restored", id: id)
            let awaited9 = try await s.certificates(id: id).first?.der
            XCTAssertEqual(awaited9, cert)
        }
        XCTAssertThrowsError(try PrivateKeyComponents(der: [0x30, 0x00]))
    }

    func testManyConcurrentSignersOnOneToken() async throws {
        let t = try await SoftHSM.makeToken()
        let setup = try await t.loggedInSession()
        let ec = try await setup.generateKeyPair(.p256, label: "concurrent ec")
        let rsa = try await setup.generateKeyPair(.rsa2048, label: "concurrent rsa")
        let verifier = try P256.Signing.PublicKey(derRepresentation: ec.subjectPublicKeyInfo)
        // One shared session used by many tasks, plus several sessions of their own.
        let sessions = [setup] + (try (0..<3).map { _ in try t.session() })
        let results = try await withThrowingTaskGroup(of: (Int, [UInt8], [UInt8]).self) { group in
            for i in 0..<200 {
                let session = sessions[i % sessions.count]
                group.addTask {
                    let message = Array("order \(i)".utf8)
                    let key = i % 5 == 0 ? rsa.privateKey : ec.privateKey
                    return (i, message, try await session.sign(message, with: key))
                }
            }
            var all: [(Int, [UInt8], [UInt8])] = []
            for try await r in group { all.append(r) }
            return all
        }
        XCTAssertEqual(results.count, 200)
        for (i, message, signature) in results {
            if i % 5 == 0 {
                XCTAssertEqual(signature.count, 256)
                let awaited10 = try await setup.verify(signature, of: message, publicKey: rsa.publicKey!, key: rsa.privateKey)
                XCTAssertTrue(awaited10, "signature \(i)")
            } else {
                let sig = try P256.Signing.ECDSASignature(derRepresentation: signature)
                XCTAssertTrue(verifier.isValidSignature(sig, for: SHA256.hash(data: message)), "signature \(i) must match its own message")
            }
        }
    }

    func testLoggedOutSigningIsRefusedClearly() async throws {
        let t = try await SoftHSM.makeToken()
        let s = try await t.loggedInSession()
        let pair = try await s.generateKeyPair(.p256, label: "logout")
        try await s.logout()
        do {
            _ = try await s.sign([1, 2, 3], with: pair.privateKey)
            XCTFail("signing without login must fail")
        } catch {
            XCTAssertTrue([.userNotLoggedIn, .keyHandleInvalid, .objectHandleInvalid].contains(error.returnValue), "\(error)")
        }
    }
}

/// A self-signed certificate made by OpenSSL (an independent producer), as DER.
func makeCertificateDER(keyFile: String? = nil, subject: String) throws -> [UInt8] {
    let dir = SoftHSM.runDirectory
    let out = dir + "/cert-\(UUID().uuidString).der"
    var args = ["req", "-x509", "-new", "-days", "30", "-subj", subject, "-outform", "DER", "-out", out]
    if let keyFile {
        args += ["-key", keyFile, "-keyform", "DER"]
    } else {
        args += ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir + "/throwaway-\(UUID().uuidString).pem"]
    }
    let r = try runTool("openssl", args)
    guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["openssl": r.err]) }
    return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
}
