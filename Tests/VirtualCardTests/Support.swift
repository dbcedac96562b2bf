import Foundation
import XCTest
@testable import VirtualCard

/// Hex helpers, an APDU exchange that follows 61XX like a host does, and a tiny DER writer for
/// public keys so the `openssl` CLI can check the card's signatures.
enum T {
    static func bytes(_ hex: String) -> [UInt8] {
        let clean = hex.filter { !$0.isWhitespace }
        var out: [UInt8] = []
        var i = clean.startIndex
        while i < clean.endIndex {
            let j = clean.index(i, offsetBy: 2)
            out.append(UInt8(clean[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.string(bytes) }

    static let defaultPIN: [UInt8] = Array("123456".utf8) + [0xFF, 0xFF]
    static let defaultPUK: [UInt8] = Array("12345678".utf8)

    /// One short APDU (no chaining); Lc from data, Le only when given.
    static func apdu(_ cla: UInt8 = 0, _ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8] = [], le: UInt8? = nil) -> [UInt8] {
        var a: [UInt8] = [cla, ins, p1, p2]
        if !data.isEmpty { a += [UInt8(data.count)] + data }
        if let le { a.append(le) }
        return a
    }
}

struct Response: Equatable {
    var data: [UInt8]
    var sw: UInt16
}

extension PIVApplication {
    /// Sends a command, chaining it in 255-byte pieces when needed and collecting 61XX data.
    mutating func send(_ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8] = [], le: UInt8? = 0) -> Response {
        var chunks: [[UInt8]] = []
        var rest = data[...]
        while rest.count > 255 {
            chunks.append(Array(rest.prefix(255)))
            rest = rest.dropFirst(255)
        }
        chunks.append(Array(rest))
        var raw: [UInt8] = []
        for (i, chunk) in chunks.enumerated() {
            let last = i == chunks.count - 1
            raw = process(T.apdu(last ? 0x00 : 0x10, ins, p1, p2, chunk, le: last ? le : nil))
            if !last {
                XCTAssertEqual(Array(raw.suffix(2)), [0x90, 0x00], "chained piece refused")
            }
        }
        var collected = Array(raw.dropLast(2))
        var sw = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
        while sw >> 8 == 0x61 {
            raw = process([0x00, 0xC0, 0x00, 0x00, UInt8(sw & 0xFF)])
            collected += raw.dropLast(2)
            sw = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
        }
        return Response(data: collected, sw: sw)
    }

    mutating func verifyPIN(_ pin: [UInt8] = T.defaultPIN) -> UInt16 {
        send(0x20, 0x00, 0x80, pin, le: nil).sw
    }

    /// Mutual authentication with the management key (witness, then challenge).
    mutating func authenticate(algorithm: UInt8 = 0x03, key: [UInt8] = PIVCardState.defaultManagementKey) throws -> UInt16 {
        let cipher = try XCTUnwrap(PIVApplication.cipher(algorithm))
        let first = send(0x87, algorithm, 0x9B, [0x7C, 0x02, 0x80, 0x00])
        guard first.sw == 0x9000 else { return first.sw }
        let outer = try XCTUnwrap(TLV.parse(first.data)?.first)
        let encryptedWitness = try XCTUnwrap(TLV.parse(outer.value)?.first(tag: 0x80)).value
        let witness = try Chip.crypt(cipher, key: key, encryptedWitness, encrypt: false)
        let challenge = Chip.random(cipher.blockSize)
        let body = TLV.encode(0x80, witness) + TLV.encode(0x81, challenge)
        let second = send(0x87, algorithm, 0x9B, TLV.encode(0x7C, body))
        guard second.sw == 0x9000 else { return second.sw }
        let answer = try XCTUnwrap(TLV.parse(try XCTUnwrap(TLV.parse(second.data)?.first).value)?.first(tag: 0x82)).value
        XCTAssertEqual(answer, try Chip.crypt(cipher, key: key, challenge, encrypt: true), "card's answer to our challenge")
        return second.sw
    }
}

/// Just enough DER for SubjectPublicKeyInfo.
enum DER {
    static func tlv(_ tag: UInt8, _ value: [UInt8]) -> [UInt8] { [tag] + TLV.lengthBytes(value.count) + value }
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var m = Array(magnitude.drop { $0 == 0 })
        if m.isEmpty { m = [0] }
        if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
        return tlv(0x02, m)
    }
    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    static func rsaPublicKey(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
        let algorithm = sequence(T.bytes("06092a864886f70d010101"), [0x05, 0x00])
        let key = sequence(integer(modulus), integer(exponent))
        return sequence(algorithm, tlv(0x03, [0x00] + key))
    }

    static func ecPublicKey(point: [UInt8]) -> [UInt8] {
        let curve = point.count == 65 ? T.bytes("06082a8648ce3d030107") : T.bytes("06052b81040022")
        let algorithm = sequence(T.bytes("06072a8648ce3d0201"), curve)
        return sequence(algorithm, tlv(0x03, [0x00] + point))
    }
}

/// Runs the `openssl` CLI in a scratch directory.
final class OpenSSLCLI {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vcard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Exit status and combined output.
    func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// `openssl dgst -sha256 -verify` against a DER public key.
    func verifySHA256(publicKeyDER: [UInt8], message: [UInt8], signature: [UInt8]) throws -> (Bool, String) {
        let key = try write("pub-\(UUID().uuidString).der", publicKeyDER)
        let data = try write("msg", message)
        let sig = try write("sig", signature)
        let (status, output) = try run(["dgst", "-sha256", "-keyform", "DER", "-verify", key, "-signature", sig, data])
        return (status == 0 && output.contains("Verified OK"), output)
    }

    func sha256(_ message: [UInt8]) throws -> [UInt8] {
        let data = try write("digest-in", message)
        let out = directory.appendingPathComponent("digest-out").path
        let (status, output) = try run(["dgst", "-sha256", "-binary", "-out", out, data])
        guard status == 0 else { throw NSError(domain: "openssl", code: Int(status), userInfo: [NSLocalizedDescriptionKey: output]) }
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }
}
