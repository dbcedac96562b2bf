import Foundation
import XCTest
@testable import VirtualCard

final class PIVApplicationTests: XCTestCase {
    // MARK: SELECT, errors, objects

    func testSelectByTruncatedAIDsAndErrors() {
        var card = PIVApplication()
        for length in [5, 9, 11] {
            let r = card.send(0xA4, 0x04, 0x00, Array(PIVApplication.aid.prefix(length)))
            XCTAssertEqual(r.sw, 0x9000, "SELECT with \(length) AID bytes")
            let apt = TLV.parse(r.data)?.first
            XCTAssertEqual(apt?.tag, 0x61)
            let inner = TLV.parse(apt?.value ?? []) ?? []
            XCTAssertEqual(inner.first(tag: 0x4F)?.value, [0x00, 0x00, 0x10, 0x00, 0x01, 0x00])
            XCTAssertNotNil(inner.first(tag: 0x79))
            XCTAssertTrue(TLV.parse(inner.first(tag: 0xAC)?.value ?? [])?.contains(TLV(0x80, [0x11])) ?? false)
        }
        XCTAssertEqual(card.send(0xA4, 0x04, 0x00, T.bytes("D2760001240102")).sw, 0x6A82, "OpenPGP AID")
        XCTAssertEqual(card.send(0xA4, 0x04, 0x00, [0xA0, 0x00]).sw, 0x6A82, "too short a prefix")
        XCTAssertEqual(Array(card.process([0x80, 0xCB, 0x3F, 0xFF, 0x00]).suffix(2)), [0x6E, 0x00], "wrong CLA")
        XCTAssertEqual(card.send(0x12, 0x00, 0x00).sw, 0x6D00, "unknown INS")
        XCTAssertEqual(card.send(0xCB, 0x00, 0x00, [0x5C, 0x03, 0x5F, 0xC1, 0x02]).sw, 0x6A86, "GET DATA P1P2")
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x01, 0x02]).sw, 0x6A80, "GET DATA without 5C")
        XCTAssertEqual(Array(card.process([0x00, 0xA4])), [0x67, 0x00], "truncated APDU")
        XCTAssertEqual(card.send(0xC0, 0x00, 0x00).sw, 0x6985, "GET RESPONSE with nothing pending")
    }

    func testSelectingTheCardManagerDeselectsPIVAndForgetsThePIN() {
        var card = PIVApplication()
        XCTAssertEqual(card.verifyPIN(), 0x9000)
        // Selecting PIV again keeps the PIN status; an AID the card lacks changes nothing.
        XCTAssertEqual(card.send(0xA4, 0x04, 0x00, PIVApplication.aid).sw, 0x9000)
        XCTAssertEqual(card.send(0xA4, 0x04, 0x00, T.bytes("D2760001240102")).sw, 0x6A82)
        XCTAssertTrue(card.isPINVerified)
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x9000)
        // The card manager: PIV is deselected, its instructions are unknown, and the PIN is gone.
        let manager = card.send(0xA4, 0x04, 0x00, PIVApplication.cardManagerAID)
        XCTAssertEqual(manager.sw, 0x9000)
        XCTAssertEqual(TLV.parse(manager.data)?.first?.tag, 0x6F)
        XCTAssertFalse(card.isPIVSelected)
        XCTAssertFalse(card.isPINVerified)
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x6D00)
        XCTAssertEqual(card.send(0x87, 0x11, 0x9A, [0x7C, 0x04, 0x82, 0x00, 0x81, 0x00]).sw, 0x6D00)
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x01, 0x7E]).sw, 0x6D00)
        // PIV again: selected, PIN not verified (tries untouched).
        XCTAssertEqual(card.send(0xA4, 0x04, 0x00, Array(PIVApplication.aid.prefix(9))).sw, 0x9000)
        XCTAssertTrue(card.isPIVSelected)
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x63C3)
        // A power cycle selects PIV, the default application.
        _ = card.send(0xA4, 0x04, 0x00, PIVApplication.cardManagerAID)
        card.powerCycle()
        XCTAssertTrue(card.isPIVSelected)
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x01, 0x7E]).sw, 0x9000)
    }

    func testGetDataObjects() throws {
        var card = PIVApplication(state: .fresh(serial: 1234))
        let chuid = card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x02])
        XCTAssertEqual(chuid.sw, 0x9000)
        let object = try XCTUnwrap(TLV.parse(chuid.data)?.first)
        XCTAssertEqual(object.tag, 0x53)
        XCTAssertEqual(TLV.parse(object.value)?.first(tag: 0x34)?.value.count, 16, "GUID")
        let discovery = card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x01, 0x7E])
        XCTAssertEqual(discovery.sw, 0x9000)
        XCTAssertEqual(TLV.parse(discovery.data)?.first?.tag, 0x7E)
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x05]).sw, 0x6A82, "no certificate in 9A")
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x09]).sw, 0x6982, "printed information needs the PIN")
        XCTAssertEqual(card.send(0xFD, 0, 0).data, [5, 4, 3])
        XCTAssertEqual(card.send(0xF8, 0, 0).data, [0, 0, 0x04, 0xD2])
    }

    // MARK: PIN and PUK

    func testPINCountsDownToBlockedAndPUKUnblocks() {
        var card = PIVApplication()
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x63C3, "query does not use a try")
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x63C3)
        let wrong = Array("654321".utf8) + [0xFF, 0xFF]
        XCTAssertEqual(card.verifyPIN(wrong), 0x63C2)
        XCTAssertEqual(card.verifyPIN(wrong), 0x63C1)
        XCTAssertEqual(card.verifyPIN(wrong), 0x6983)
        XCTAssertEqual(card.state.pinRetriesLeft, 0)
        XCTAssertEqual(card.verifyPIN(), 0x6983, "right PIN on a blocked card")
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x6983)
        XCTAssertEqual(card.send(0xFB, 0, 0).sw, 0x6985, "RESET needs the PUK blocked too")

        // Wrong PUK costs a PUK try; the right one sets a new PIN.
        let newPIN = Array("24680135".utf8)
        XCTAssertEqual(card.send(0x2C, 0x00, 0x80, Array("87654321".utf8) + newPIN, le: nil).sw, 0x63C2)
        XCTAssertEqual(card.send(0x2C, 0x00, 0x80, T.defaultPUK + newPIN, le: nil).sw, 0x9000)
        XCTAssertEqual(card.state.pinRetriesLeft, 3)
        XCTAssertEqual(card.state.pukRetriesLeft, 3)
        XCTAssertEqual(card.verifyPIN(), 0x63C2, "old PIN is gone")
        XCTAssertEqual(card.verifyPIN(newPIN), 0x9000)
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x9000, "query while verified")
        XCTAssertEqual(card.send(0x20, 0xFF, 0x80, le: nil).sw, 0x9000, "P1=FF resets the security status")
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x63C3)
        XCTAssertEqual(card.send(0x20, 0x00, 0x81, T.defaultPUK, le: nil).sw, 0x6A88, "PUK is not VERIFY-able")
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, [1, 2, 3], le: nil).sw, 0x6A80)
    }

    func testChangePINAndPUK() {
        var card = PIVApplication()
        let newPIN = Array("112233".utf8) + [0xFF, 0xFF]
        XCTAssertEqual(card.send(0x24, 0x00, 0x80, Array("000000".utf8) + [0xFF, 0xFF] + newPIN, le: nil).sw, 0x63C2)
        XCTAssertEqual(card.send(0x24, 0x00, 0x80, T.defaultPIN + [0x31, 0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], le: nil).sw,
                       0x6A80, "new PIN too short")
        XCTAssertEqual(card.send(0x24, 0x00, 0x80, T.defaultPIN + newPIN, le: nil).sw, 0x9000)
        XCTAssertEqual(card.state.pinRetriesLeft, 3, "success restores the counter")
        XCTAssertEqual(card.verifyPIN(newPIN), 0x9000)
        let newPUK = Array("99887766".utf8)
        XCTAssertEqual(card.send(0x24, 0x00, 0x81, T.defaultPUK + newPUK, le: nil).sw, 0x9000)
        XCTAssertEqual(card.state.puk, Data(newPUK))
        var blocked = PIVApplication()
        for _ in 0..<3 { _ = blocked.send(0x24, 0x00, 0x81, newPUK + newPUK, le: nil) }
        XCTAssertEqual(blocked.state.pukRetriesLeft, 0)
        XCTAssertEqual(blocked.send(0x2C, 0x00, 0x80, T.defaultPUK + newPUK, le: nil).sw, 0x6983, "PUK blocked")
    }

    func testFactoryResetOnlyWhenPINAndPUKBlocked() throws {
        var card = PIVApplication(state: .fresh(serial: 77))
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0x47, 0x00, 0x9E, T.bytes("AC03800111")).sw, 0x9000)
        let wrong = Array("000000".utf8) + [0xFF, 0xFF]
        for _ in 0..<3 { _ = card.verifyPIN(wrong) }
        XCTAssertEqual(card.send(0xFB, 0, 0).sw, 0x6985)
        for _ in 0..<3 { _ = card.send(0x2C, 0x00, 0x80, Array("00000000".utf8) + wrong, le: nil) }
        XCTAssertEqual(card.send(0xFB, 0, 0).sw, 0x9000)
        XCTAssertTrue(card.state.keys.isEmpty)
        XCTAssertEqual(card.state.serial, 77)
        XCTAssertEqual(card.verifyPIN(), 0x9000)
    }

    // MARK: management key

    func testMutualAuthentication3DESAndWrongKey() throws {
        var card = PIVApplication()
        let put = [0x5C, 0x03, 0x5F, 0xC1, 0x0C, 0x53, 0x02, 0xAB, 0xCD] as [UInt8]
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, put).sw, 0x6982, "PUT DATA needs the management key")
        var wrongKey = PIVCardState.defaultManagementKey
        wrongKey[0] ^= 0x55
        XCTAssertEqual(try card.authenticate(key: wrongKey), 0x6982)
        XCTAssertFalse(card.isManagementKeyAuthenticated)
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, put).sw, 0x6982)
        XCTAssertEqual(try card.authenticate(algorithm: 0x08), 0x6A86, "wrong algorithm for the key")
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertTrue(card.isManagementKeyAuthenticated)
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, put).sw, 0x9000)
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x0C]).data, [0x53, 0x02, 0xAB, 0xCD])
        card.powerCycle()
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, put).sw, 0x6982, "power cycle drops the authentication")
        // A witness that was never asked for is refused.
        XCTAssertEqual(card.send(0x87, 0x03, 0x9B, TLV.encode(0x7C, TLV.encode(0x80, Array(repeating: 1, count: 8))
                                                                + TLV.encode(0x81, Array(repeating: 2, count: 8)))).sw, 0x6982)
    }

    func testAESManagementKeysAndExternalAuthenticate() throws {
        for (algorithm, length) in [(UInt8(0x08), 16), (0x0A, 24), (0x0C, 32)] {
            var card = PIVApplication()
            XCTAssertEqual(try card.authenticate(), 0x9000)
            let key = Chip.random(length)
            XCTAssertEqual(card.send(0xFF, 0xFF, 0xFF, [algorithm, 0x9B, UInt8(length)] + key, le: nil).sw, 0x9000)
            XCTAssertEqual(card.state.managementAlgorithm, algorithm)
            card.powerCycle()
            XCTAssertEqual(try card.authenticate(algorithm: 0x03), 0x6A86, "3DES no longer")
            XCTAssertEqual(try card.authenticate(algorithm: algorithm, key: key), 0x9000, "mutual with alg \(algorithm)")

            // External authenticate: challenge from the card, encrypted by the host.
            card.powerCycle()
            let cipher = try XCTUnwrap(PIVApplication.cipher(algorithm))
            let challenge = card.send(0x87, algorithm, 0x9B, [0x7C, 0x02, 0x81, 0x00])
            XCTAssertEqual(challenge.sw, 0x9000)
            let plain = try XCTUnwrap(TLV.parse(try XCTUnwrap(TLV.parse(challenge.data)?.first).value)?.first(tag: 0x81)).value
            XCTAssertEqual(plain.count, 16)
            var wrong = try Chip.crypt(cipher, key: key, plain, encrypt: true)
            wrong[0] ^= 1
            XCTAssertEqual(card.send(0x87, algorithm, 0x9B, TLV.encode(0x7C, TLV.encode(0x82, wrong))).sw, 0x6982)
            XCTAssertFalse(card.isManagementKeyAuthenticated)
            _ = card.send(0x87, algorithm, 0x9B, [0x7C, 0x02, 0x81, 0x00])
            let again = card.send(0x87, algorithm, 0x9B, [0x7C, 0x02, 0x81, 0x00])
            let plain2 = try XCTUnwrap(TLV.parse(try XCTUnwrap(TLV.parse(again.data)?.first).value)?.first(tag: 0x81)).value
            let right = try Chip.crypt(cipher, key: key, plain2, encrypt: true)
            XCTAssertEqual(card.send(0x87, algorithm, 0x9B, TLV.encode(0x7C, TLV.encode(0x82, right))).sw, 0x9000)
            XCTAssertTrue(card.isManagementKeyAuthenticated)
        }
        var card = PIVApplication()
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0xFF, 0xFF, 0xFF, [0x08, 0x9B, 0x10] + Array(repeating: 1, count: 15), le: nil).sw, 0x6A80,
                       "key length must match the algorithm")
    }

    // MARK: keys and signatures

    private func publicKey(_ response: Response) throws -> [TLV] {
        XCTAssertEqual(response.sw, 0x9000)
        let template = try XCTUnwrap(TLV.parse(response.data)?.first)
        XCTAssertEqual(template.tag, 0x7F49)
        return try XCTUnwrap(TLV.parse(template.value))
    }

    private func signature(_ response: Response) throws -> [UInt8] {
        XCTAssertEqual(response.sw, 0x9000)
        let outer = try XCTUnwrap(TLV.parse(response.data)?.first)
        XCTAssertEqual(outer.tag, 0x7C)
        return try XCTUnwrap(TLV.parse(outer.value)?.first(tag: 0x82)).value
    }

    func testGenerateRSAAndSignVerifiedByOpenSSL() throws {
        let openssl = try OpenSSLCLI()
        var card = PIVApplication()
        XCTAssertEqual(card.send(0x47, 0x00, 0x9A, T.bytes("AC03800107")).sw, 0x6982, "GENERATE needs the management key")
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0x47, 0x00, 0x9A, T.bytes("AC03800199")).sw, 0x6A80, "unknown algorithm")
        XCTAssertEqual(card.send(0x47, 0x00, 0x9B, T.bytes("AC03800107")).sw, 0x6A86, "not a key slot")

        // The 7F49 answer is longer than 256 bytes: first 256, then 61XX and GET RESPONSE.
        let raw = card.process(T.apdu(0, 0x47, 0x00, 0x9A, T.bytes("AC03800107"), le: 0))
        XCTAssertEqual(raw.count, 258)
        XCTAssertEqual(raw[256], 0x61)
        let rest = card.process([0x00, 0xC0, 0x00, 0x00, raw[257]])
        XCTAssertEqual(Array(rest.suffix(2)), [0x90, 0x00])
        let response = Response(data: Array(raw.prefix(256)) + rest.dropLast(2), sw: 0x9000)
        let parts = try publicKey(response)
        let modulus = try XCTUnwrap(parts.first(tag: 0x81)).value
        let exponent = try XCTUnwrap(parts.first(tag: 0x82)).value
        XCTAssertEqual(modulus.count, 256)
        XCTAssertEqual(exponent, [0x01, 0x00, 0x01])

        // PKCS#1 v1.5 block of a SHA-256 DigestInfo, padded by the host as PIV wants.
        let message = Array("order 42: buy 1000 shares".utf8)
        let digestInfo = T.bytes("3031300d060960864801650304020105000420") + (try openssl.sha256(message))
        let block = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: 256 - 3 - digestInfo.count) + [0x00] + digestInfo
        let request = TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x81, block))
        XCTAssertGreaterThan(request.count, 255, "needs command chaining")
        XCTAssertEqual(card.send(0x87, 0x07, 0x9A, request).sw, 0x6982, "9A needs the PIN")
        XCTAssertEqual(card.verifyPIN(), 0x9000)
        XCTAssertEqual(card.send(0x87, 0x11, 0x9A, request).sw, 0x6A80, "algorithm must match the key")
        let sig = try signature(card.send(0x87, 0x07, 0x9A, request))
        XCTAssertEqual(sig.count, 256)
        let (ok, output) = try openssl.verifySHA256(publicKeyDER: DER.rsaPublicKey(modulus: modulus, exponent: exponent),
                                                    message: message, signature: sig)
        XCTAssertTrue(ok, output)
        XCTAssertEqual(card.send(0x87, 0x07, 0x9A, TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x81, [1, 2, 3]))).sw, 0x6A80,
                       "RSA input must be one modulus long")
        XCTAssertEqual(card.send(0x87, 0x07, 0x9D, request).sw, 0x6A88, "empty slot")
    }

    func testECDSAP256WithPINAlwaysAndP384WithoutPIN() throws {
        let openssl = try OpenSSLCLI()
        var card = PIVApplication()
        XCTAssertEqual(try card.authenticate(), 0x9000)
        let point256 = try XCTUnwrap(try publicKey(card.send(0x47, 0x00, 0x9C, T.bytes("AC03800111"))).first(tag: 0x86)).value
        XCTAssertEqual(point256.count, 65)
        let point384 = try XCTUnwrap(try publicKey(card.send(0x47, 0x00, 0x9E, T.bytes("AC03800114"))).first(tag: 0x86)).value
        XCTAssertEqual(point384.count, 97)

        let message = Array("renewal request".utf8)
        let digest = try openssl.sha256(message)
        let request = TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x81, digest))
        XCTAssertEqual(card.send(0x87, 0x11, 0x9C, request).sw, 0x6982)
        XCTAssertEqual(card.verifyPIN(), 0x9000)
        let sig = try signature(card.send(0x87, 0x11, 0x9C, request))
        XCTAssertEqual(sig.first, 0x30, "DER ECDSA-Sig-Value")
        var (ok, output) = try openssl.verifySHA256(publicKeyDER: DER.ecPublicKey(point: point256), message: message, signature: sig)
        XCTAssertTrue(ok, output)
        XCTAssertEqual(card.send(0x87, 0x11, 0x9C, request).sw, 0x6982, "PIN-always: one VERIFY, one signature")
        XCTAssertEqual(card.verifyPIN(), 0x9000)
        XCTAssertEqual(card.send(0x87, 0x11, 0x9C, request).sw, 0x9000)

        card.powerCycle()
        let sig384 = try signature(card.send(0x87, 0x14, 0x9E, request))
        (ok, output) = try openssl.verifySHA256(publicKeyDER: DER.ecPublicKey(point: point384), message: message, signature: sig384)
        XCTAssertTrue(ok, "9E signs without PIN: \(output)")

        // ECDH on 9E with our own P-384 key: both sides must derive the same secret.
        let peer = try Chip.generate(.ec(curve: .p384))
        guard case .ec(let peerPoint) = try Chip.publicKey(of: peer) else { return XCTFail("EC key expected") }
        let shared = try signature(card.send(0x87, 0x14, 0x9E, TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x85, peerPoint))))
        XCTAssertEqual(shared, try Chip.ecdh(peer, peerPoint: point384, curve: .p384))
    }

    func testImportECKeyAndMetadata() throws {
        let openssl = try OpenSSLCLI()
        var card = PIVApplication()
        let scalar = [UInt8](repeating: 0x11, count: 32)
        XCTAssertEqual(card.send(0xFE, 0x11, 0x9D, TLV.encode(0x06, scalar), le: nil).sw, 0x6982)
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0xFE, 0x11, 0x9D, TLV.encode(0x06, scalar) + [0xAA, 0x01, 0x01], le: nil).sw, 0x9000)
        let meta = card.send(0xF7, 0x00, 0x9D)
        XCTAssertEqual(meta.sw, 0x9000)
        let tlvs = try XCTUnwrap(TLV.parse(meta.data))
        XCTAssertEqual(tlvs.first(tag: 0x01)?.value, [0x11])
        XCTAssertEqual(tlvs.first(tag: 0x02)?.value, [0x01, 0x01], "PIN policy never as imported")
        XCTAssertEqual(tlvs.first(tag: 0x03)?.value, [0x02], "imported")
        let point = try XCTUnwrap(TLV.parse(try XCTUnwrap(tlvs.first(tag: 0x04)).value)?.first(tag: 0x86)).value
        let message = Array("imported".utf8)
        let sig = try signature(card.send(0x87, 0x11, 0x9D, TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x81, try openssl.sha256(message)))))
        let (ok, output) = try openssl.verifySHA256(publicKeyDER: DER.ecPublicKey(point: point), message: message, signature: sig)
        XCTAssertTrue(ok, output)
        let pinMeta = try XCTUnwrap(TLV.parse(card.send(0xF7, 0x00, 0x80).data))
        XCTAssertEqual(pinMeta.first(tag: 0x06)?.value, [3, 3])
        XCTAssertEqual(pinMeta.first(tag: 0x05)?.value, [1])
        XCTAssertEqual(card.send(0xF7, 0x00, 0x9A).sw, 0x6A82)
    }

    func testSetPINRetriesNeedsBothAndResetsPINs() throws {
        var card = PIVApplication()
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0xFA, 5, 6, le: nil).sw, 0x6982, "PIN must be verified too")
        XCTAssertEqual(card.verifyPIN(), 0x9000)
        XCTAssertEqual(card.send(0xFA, 5, 6, le: nil).sw, 0x9000)
        XCTAssertEqual(card.send(0x20, 0xFF, 0x80, le: nil).sw, 0x9000)
        XCTAssertEqual(card.send(0x20, 0x00, 0x80, le: nil).sw, 0x63C5)
        XCTAssertEqual(card.state.pukRetriesMax, 6)
    }

    // MARK: transport behaviour

    func testChainedPutDataAndLongGetDataWith61XX() throws {
        var card = PIVApplication()
        XCTAssertEqual(try card.authenticate(), 0x9000)
        let certificate = (0..<1200).map { UInt8($0 & 0xFF) }
        let content = TLV.encode(0x70, certificate) + TLV.encode(0x71, [0x00]) + TLV.encode(0xFE, [])
        let put = [0x5C, 0x03, 0x5F, 0xC1, 0x05] + TLV.encode(0x53, content)
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, put, le: nil).sw, 0x9000)
        var raw = card.process([0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x00])
        var collected: [UInt8] = []
        var pieces = 0
        while raw[raw.count - 2] == 0x61 {
            XCTAssertEqual(raw.count, 258)
            collected += raw.dropLast(2)
            raw = card.process([0x00, 0xC0, 0x00, 0x00, raw[raw.count - 1]])
            pieces += 1
        }
        XCTAssertEqual(Array(raw.suffix(2)), [0x90, 0x00])
        collected += raw.dropLast(2)
        XCTAssertEqual(pieces, 4)
        XCTAssertEqual(collected, TLV.encode(0x53, content))
        // A short Le asks for less; the rest follows with 61XX.
        let short = card.process([0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x10])
        XCTAssertEqual(short.count, 18)
        XCTAssertEqual(short[16], 0x61)
        // Extended Le takes it all at once.
        let extended = card.process([0x00, 0xCB, 0x3F, 0xFF, 0x00, 0x00, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x00, 0x00])
        XCTAssertEqual(Array(extended.dropLast(2)), TLV.encode(0x53, content))
        // Deleting with an empty 53.
        XCTAssertEqual(card.send(0xDB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x53, 0x00], le: nil).sw, 0x9000)
        XCTAssertEqual(card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x03, 0x5F, 0xC1, 0x05]).sw, 0x6A82)
    }

    func testStateRevisionAndJSONRoundTrip() throws {
        var card = PIVApplication(state: .fresh(serial: 5))
        XCTAssertEqual(card.stateRevision, 0)
        _ = card.send(0xCB, 0x3F, 0xFF, [0x5C, 0x01, 0x7E])
        XCTAssertEqual(card.stateRevision, 0, "reading changes nothing")
        XCTAssertEqual(try card.authenticate(), 0x9000)
        XCTAssertEqual(card.send(0x47, 0x00, 0x9A, T.bytes("AC03800111")).sw, 0x9000)
        XCTAssertEqual(card.stateRevision, 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vcard-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try card.state.save(to: path)
        let loaded = try PIVCardState.load(from: path)
        XCTAssertEqual(loaded, card.state)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        // The restored card signs with the same key.
        var restored = PIVApplication(state: loaded)
        XCTAssertEqual(restored.verifyPIN(), 0x9000)
        XCTAssertEqual(restored.send(0x87, 0x11, 0x9A, TLV.encode(0x7C, [0x82, 0x00] + TLV.encode(0x81, Array(repeating: 7, count: 32)))).sw, 0x9000)
    }
}
