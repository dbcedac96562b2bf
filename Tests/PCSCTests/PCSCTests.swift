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

    /// Two tasks of one process on one connection: a transaction has the card to itself while it
    /// waits between two APDUs (an actor lets other tasks in at every await; pcsc-lite would let the
    /// same card handle through), so the other task's SELECT of the card manager — which deselects
    /// PIV — comes after the transaction, not inside it.
    func testAnotherTaskWaitsForTheTransaction() async throws {
        let port = try VirtualReaders.ports()[1]
        let (card, reader) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let connection = try PCSCContext().connect(reader: reader)
        let selectPIV: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]
        let selectManager: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x08] + PIVApplication.cardManagerAID
        let discovery: [UInt8] = [0x00, 0xCB, 0x3F, 0xFF, 0x03, 0x5C, 0x01, 0x7E, 0x00]
        let (started, go) = AsyncStream.makeStream(of: Void.self)
        let inside = Task {
            try await connection.withTransaction { conn -> [UInt8] in
                _ = try await conn.transmit(selectPIV)
                go.yield()
                try await Task.sleep(for: .milliseconds(300))
                return try await conn.transmit(discovery)  // PIV is still the selected application
            }
        }
        for await _ in started { break }
        let other = try await connection.transmit(selectManager)
        XCTAssertEqual(Array(other.suffix(2)), [0x90, 0x00])
        let answer = try await inside.value
        XCTAssertEqual(Array(answer.suffix(2)), [0x90, 0x00], "an APDU of another task came inside the transaction")
        let after = try await connection.transmit(discovery)
        XCTAssertEqual(Array(after.suffix(2)), [0x6D, 0x00], "the card manager is selected now")
    }
}
