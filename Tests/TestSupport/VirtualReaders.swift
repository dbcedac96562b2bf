import Foundation
import PCSC
import VirtualCard
import XCTest

/// The vpcd readers of the private pcscd that scripts/test starts (TOKENCERT_TEST_VPCD_PORTS). Tests
/// plug virtual PIV cards into them. Without that pcscd this is a failure, not a skip.
public enum VirtualReaders {
    public static func ports(file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        guard let value = ProcessInfo.processInfo.environment["TOKENCERT_TEST_VPCD_PORTS"] else {
            XCTFail("TOKENCERT_TEST_VPCD_PORTS is not set: run the tests with scripts/test, which starts pcscd with vpcd readers",
                    file: file, line: line)
            throw CocoaError(.featureUnsupported)
        }
        return value.split(separator: ",").compactMap { Int($0) }
    }

    /// pcscd names the two readers of the vpcd entry "<FRIENDLYNAME> 00 00" (first port) and
    /// "… 00 01" (second port); the friendly name ends with the entry's first port.
    public static func readerName(port: Int) throws -> String {
        let all = try ports()
        let prefix = ProcessInfo.processInfo.environment["TOKENCERT_TEST_READER_PREFIX"] ?? "Yubico YubiKey OTP+FIDO+CCID vpcd"
        let base = all[0]
        return "\(prefix) \(base) 00 0\(port - base)"
    }

    /// Starts a fresh virtual card in the reader on `port` and waits (bounded) until pcscd shows it.
    /// The reader must be empty first: tests share the two readers one after the other, and each
    /// test stops its cards (a card left in would make the next one queue at vpcd unanswered).
    /// On any failure the new card is stopped before the error is thrown.
    public static func insertCard(port: Int, configure: (inout VirtualPIVCard.Configuration) -> Void = { _ in })
        async throws -> (card: VirtualPIVCard, reader: String) {
        let reader = try readerName(port: port)
        try await waitForCard(reader: reader, present: false)
        var configuration = VirtualPIVCard.Configuration(port: port, connectTimeout: .seconds(10), reconnectWhenDropped: false)
        configure(&configuration)
        let card = try VirtualPIVCard(configuration: configuration)
        do {
            try await card.start()
            try await waitForCard(reader: reader, present: true)
        } catch {
            await card.stop()
            throw error
        }
        return (card, reader)
    }

    /// Polls the reader state until the card is (or is not) present; fails after 10 s.
    public static func waitForCard(reader: String, present: Bool, file: StaticString = #filePath, line: UInt = #line) async throws {
        if try await PCSCContext().waitForCard(in: reader, present: present, timeout: .seconds(10)) { return }
        XCTFail("reader \(reader) did not show a card \(present ? "inserted" : "removed") within 10 s", file: file, line: line)
        throw CocoaError(.fileReadUnknown)
    }
}
