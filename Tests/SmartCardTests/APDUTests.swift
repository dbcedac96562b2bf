import SmartCard
import XCTest

/// A scripted card: answers each command from a list, records what it got.
actor ScriptedCard: APDUTransport {
    var answers: [[UInt8]]
    var received: [[UInt8]] = []
    init(_ answers: [[UInt8]]) { self.answers = answers }
    func transmit(_ command: [UInt8]) throws -> [UInt8] {
        received.append(command)
        return answers.isEmpty ? [0x6F, 0x00] : answers.removeFirst()
    }
}

final class APDUTests: XCTestCase {
    func testShortAndExtendedEncoding() {
        XCTAssertEqual(CommandAPDU(ins: 0xA4, p1: 4, p2: 0, data: [0xA0, 0x00]).bytes, [0, 0xA4, 4, 0, 2, 0xA0, 0x00])
        XCTAssertEqual(CommandAPDU(ins: 0xCB, p1: 0x3F, p2: 0xFF, le: 256).bytes, [0, 0xCB, 0x3F, 0xFF, 0x00])
        XCTAssertEqual(CommandAPDU(ins: 0x20, p1: 0, p2: 0x80).bytes, [0, 0x20, 0, 0x80])
        let long = CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: [UInt8](repeating: 1, count: 300), le: 65536)
        XCTAssertTrue(long.needsExtendedLength)
        XCTAssertEqual(Array(long.bytes.prefix(7)), [0, 0xDB, 0x3F, 0xFF, 0x00, 0x01, 0x2C])
        XCTAssertEqual(Array(long.bytes.suffix(2)), [0x00, 0x00])
        XCTAssertEqual(long.bytes.count, 4 + 3 + 300 + 2)
        XCTAssertFalse(CommandAPDU(ins: 0x20, p1: 0, p2: 0x80, data: Array("123456".utf8)).description.contains("31"),
                       "descriptions never show the data")
    }

    func testStatusWordMeanings() {
        XCTAssertEqual(StatusWord(rawValue: 0x63C2).triesLeft, 2)
        XCTAssertNil(StatusWord(rawValue: 0x6300).triesLeft)
        XCTAssertEqual(StatusWord(rawValue: 0x6110).bytesRemaining, 16)
        XCTAssertEqual(StatusWord(rawValue: 0x6100).bytesRemaining, 256)
        XCTAssertEqual(StatusWord(rawValue: 0x6C20).correctLength, 32)
    }

    func testChainingGetResponseAndWrongLe() async throws {
        let card = ScriptedCard([[0x90, 0x00], [0x90, 0x00], [0xAA, 0x61, 0x02], [0xBB, 0xCC, 0x90, 0x00]])
        let channel = CardChannel(transport: card)
        let data = [UInt8](repeating: 7, count: 600)
        let r = try await channel.send(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: data))
        XCTAssertEqual(r.data, [0xAA, 0xBB, 0xCC])
        XCTAssertEqual(r.status, .success)
        let sent = await card.received
        XCTAssertEqual(sent.count, 4)
        XCTAssertEqual(sent[0][0], 0x10, "chained parts carry CLA bit 0x10")
        XCTAssertEqual(sent[1][0], 0x10)
        XCTAssertEqual(sent[2][0], 0x00, "the last part does not")
        XCTAssertEqual(sent[0][4], 255)
        XCTAssertEqual(sent[2][4], 90)
        XCTAssertEqual(sent[3], [0x00, 0xC0, 0x00, 0x00, 0x02], "GET RESPONSE asks for what 61XX announced")

        let wrongLe = ScriptedCard([[0x6C, 0x04], [1, 2, 3, 4, 0x90, 0x00]])
        let r2 = try await CardChannel(transport: wrongLe).send(CommandAPDU(ins: 0xCA, p1: 0, p2: 0x66, le: 256))
        XCTAssertEqual(r2.data, [1, 2, 3, 4])
        let resent = await wrongLe.received
        XCTAssertEqual(resent[1].last, 0x04, "6CXX: resent with Le = XX")

        let failing = ScriptedCard([[0x69, 0x82]])
        do {
            try await CardChannel(transport: failing).sendExpectingSuccess(CommandAPDU(ins: 0x87, p1: 7, p2: 0x9A))
            XCTFail("6982 must throw")
        } catch let SmartCardError.status(sw, ins) {
            XCTAssertEqual(sw, .securityStatusNotSatisfied)
            XCTAssertEqual(ins, 0x87)
        }
    }

    func testTLV() {
        let encoded = TLV.encode(0x7C, TLV.encode(0x82, []) + TLV.encode(0x81, [UInt8](repeating: 9, count: 200)))
        XCTAssertEqual(Array(encoded.prefix(3)), [0x7C, 0x81, 205])
        let inner = TLV.find(0x7C, in: encoded)!
        XCTAssertEqual(TLV.find(0x81, in: inner)?.count, 200)
        XCTAssertEqual(TLV.encode(0x5FC105, [1]), [0x5F, 0xC1, 0x05, 0x01, 0x01])
        XCTAssertEqual(TLV.decode([0x5F, 0xC1, 0x05, 0x01, 0x01])?.first?.tag, 0x5FC105)
        XCTAssertNil(TLV.decode([0x53, 0x05, 0x01]))
        XCTAssertEqual(TLV.encodeLength(0x1234), [0x82, 0x12, 0x34])
    }
}
