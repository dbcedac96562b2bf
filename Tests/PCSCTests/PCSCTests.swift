import KeyStores
import Foundation
import PCSC
import TestSupport
import VirtualCard
import XCTest

/// The PC/SC layer against real pcscd with vpcd readers and virtual cards.
final class PCSCTests: XCTestCase {
    func testReadersAndStatesShowTheVirtualCard() async throws {
        let port = try VirtualReaders.ports()[0]
        let reader = try VirtualReaders.readerName(port: port)
        let context = try PCSCContext()
        XCTAssertTrue(try context.readers().contains(reader), "pcscd lists the test reader")
        let (card, _) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let state = try XCTUnwrap(try context.readerStates().first { $0.reader == reader })
        XCTAssertTrue(state.cardPresent)
        XCTAssertFalse(state.atr.isEmpty)
        let connection = try context.connect(reader: reader)
        let status = try await connection.status()
        XCTAssertEqual(status.atr, state.atr)
        XCTAssertTrue(status.state.contains(.present), "SCardStatus: \(status.state)")
        let proto = await connection.activeProtocol
        XCTAssertFalse(proto.isEmpty, "a protocol was negotiated")
        try await connection.reconnect(reset: .reset)
        let select = try await connection.transmit([0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08])
        XCTAssertEqual(Array(select.suffix(2)), [0x90, 0x00])
        try await connection.disconnect()
        let gone = try await context.waitForCard(in: "No Such Reader 00 00", timeout: .milliseconds(200))
        XCTAssertFalse(gone, "a reader that does not exist never shows a card")
        do {
            _ = try context.connect(reader: "No Such Reader 00 00")
            XCTFail("unknown reader")
        } catch {
            XCTAssertEqual(error.code, .unknownReader)
            XCTAssertNotNil(error.remedy)
        }
    }

    func testEveryCodeIsNamedAndExplained() {
        for code in PCSCError.Code.allNamed {
            XCTAssertTrue(code.name.hasPrefix("SCARD_"), code.name)
            XCTAssertFalse(code.explanation.summary.english.isEmpty)
            XCTAssertFalse(code.explanation.summary.traditionalChinese.isEmpty)
            XCTAssertFalse(code.explanation.summary.english.contains("reported SCARD_"), "\(code.name) has its own text")
        }
        XCTAssertEqual(PCSCError.Code.sharingViolation.name, "SCARD_E_SHARING_VIOLATION")
        XCTAssertEqual(PCSCError.Code(rawValue: 0x80100099).name, "SCARD_0x80100099")
    }

    func testInsertAndRemoveEventsThroughTheStream() async throws {
        let port = try VirtualReaders.ports()[0]
        let reader = try VirtualReaders.readerName(port: port)
        try await VirtualReaders.waitForCard(reader: reader, present: false)
        let events = PCSCContext.events()
        let collector = Task { () -> [ReaderEvent] in
            var seen: [ReaderEvent] = []
            for await event in events {
                switch event {
                case .cardInserted(let r, _) where r == reader, .cardRemoved(let r) where r == reader:
                    seen.append(event)
                    if seen.count == 2 { return seen }
                default: continue
                }
            }
            return seen
        }
        try await Task.sleep(for: .milliseconds(300))
        let (card, _) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        await card.pull()
        let timeout = Task { try await Task.sleep(for: .seconds(10)); collector.cancel() }
        let seen = await collector.value
        timeout.cancel()
        await card.stop()
        XCTAssertEqual(seen.count, 2, "\(seen)")
        if case .cardInserted(_, let atr)? = seen.first { XCTAssertFalse(atr.isEmpty) } else { XCTFail("first event: \(seen)") }
        XCTAssertEqual(seen.last, .cardRemoved(reader: reader))
    }

    func testSharingViolationNamesTheLikelyCause() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let context = try PCSCContext()
        let exclusive = try context.connect(reader: reader, share: .exclusive)
        do {
            _ = try context.connect(reader: reader, share: .shared)
            XCTFail("a second connection must be refused while another holds the card exclusively")
        } catch {
            XCTAssertEqual(error.code, .sharingViolation)
            XCTAssertTrue(error.summary.english.contains("Another program"), error.summary.english)
            XCTAssertTrue(error.summary.traditionalChinese.contains("另一個程式"))
        }
        try await exclusive.disconnect()
        // Transactions always end, also when the body throws.
        let shared = try context.connect(reader: reader)
        struct Boom: Error {}
        do {
            _ = try await shared.withTransaction { _ -> Int in throw Boom() }
        } catch is Boom {}
        let again = try await shared.withTransaction { conn in try await conn.transmit([0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]) }
        XCTAssertEqual(Array(again.suffix(2)), [0x90, 0x00])
    }
}
