import XCTest
@testable import VirtualCard

/// The vpcd message handling between socket and application, without a socket.
final class CardCoreTests: XCTestCase {
    private func core(_ configure: (inout VirtualPIVCard.Configuration) -> Void) -> CardCore {
        var configuration = VirtualPIVCard.Configuration()
        configure(&configuration)
        return CardCore(application: PIVApplication(), configuration: configuration)
    }

    private let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]

    func testControlMessagesAndATR() {
        let c = core { _ in }
        guard case .reply(let atr) = c.handle([0x04]) else { return XCTFail("ATR expected") }
        XCTAssertEqual(atr, CardCore.atr)
        XCTAssertEqual(atr.prefix(4), [0x3B, 0x8C, 0x80, 0x01])
        XCTAssertEqual(atr.dropFirst().reduce(0, ^), 0, "TCK makes the XOR of T0…TCK zero")
        guard case .silent = c.handle([0x01]) else { return XCTFail("power on has no answer") }
        guard case .reply(let r) = c.handle(select) else { return XCTFail("SELECT answer expected") }
        XCTAssertEqual(Array(r.suffix(2)), [0x90, 0x00])
        XCTAssertEqual(c.apduCount, 1)
    }

    func testPullAfterNthAPDU() {
        let c = core { $0.pullAfterAPDUs = 3 }
        for _ in 0..<2 {
            guard case .reply = c.handle(select) else { return XCTFail("answered before the 3rd") }
        }
        guard case .pull = c.handle(select) else { return XCTFail("3rd APDU pulls") }
        guard case .reply = c.handle(select) else { return XCTFail("fires once") }
    }

    func testPullOnSecondGeneralAuthenticate() {
        let c = core {
            $0.pullOnInstruction = 0x87
            $0.pullOnInstructionOccurrence = 2
        }
        let witness: [UInt8] = [0x00, 0x87, 0x03, 0x9B, 0x04, 0x7C, 0x02, 0x80, 0x00]
        guard case .reply = c.handle(witness) else { return XCTFail("1st GENERAL AUTHENTICATE answered") }
        guard case .reply = c.handle(select) else { return XCTFail("other INS answered") }
        // A chained piece is not the command yet.
        guard case .reply = c.handle([0x10, 0x87, 0x03, 0x9B, 0x02, 0x7C, 0x02]) else { return XCTFail("chain piece") }
        guard case .pull = c.handle([0x00, 0x87, 0x03, 0x9B, 0x02, 0x80, 0x00]) else { return XCTFail("2nd pulls") }
        XCTAssertEqual(c.apduCount, 4)
    }
}
