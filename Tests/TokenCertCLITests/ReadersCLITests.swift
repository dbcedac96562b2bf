import Foundation
import TestSupport
import XCTest

/// `tokencert readers` against the test pcscd's vpcd readers with a virtual PIV card in one of them.
final class ReadersCLITests: XCTestCase {
    struct Report: Decodable {
        struct Reader: Decodable {
            var name: String
            var cardPresent: Bool
            var atr: String?
            var piv: Bool?
        }
        var readers: [Reader]
    }

    func testListsReadersWithThePIVCardAsTableAndJSON() async throws {
        let ports = try VirtualReaders.ports()
        let (card, reader) = try await VirtualReaders.insertCard(port: ports[0])
        addTeardownBlock { await card.stop() }
        let emptyReader = try VirtualReaders.readerName(port: ports[1])

        let json = try runTool(CLITests.tokencert, ["readers", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.err)
        try JSONSchemas.check(json.out, schema: "readers")
        let report = try JSONDecoder().decode(Report.self, from: Data(json.out.utf8))
        let withCard = try XCTUnwrap(report.readers.first { $0.name == reader }, json.out)
        XCTAssertTrue(withCard.cardPresent)
        XCTAssertEqual(withCard.piv, true, "the virtual card answers SELECT PIV")
        XCTAssertEqual(withCard.atr?.hasPrefix("3B"), true, json.out)
        let empty = try XCTUnwrap(report.readers.first { $0.name == emptyReader }, json.out)
        XCTAssertFalse(empty.cardPresent)
        XCTAssertNil(empty.piv)

        let english = try runTool(CLITests.tokencert, ["readers", "--lang", "en"])
        XCTAssertEqual(english.status, 0, english.err)
        let line = try XCTUnwrap(english.out.split(separator: "\n").first { $0.contains(reader) }, english.out)
        XCTAssertTrue(line.contains("present") && line.contains("PIV"), String(line))
        let chinese = try runTool(CLITests.tokencert, ["readers", "--lang", "zh-TW"])
        XCTAssertTrue(chinese.out.contains("讀卡機") && chinese.out.contains("已插入"), chinese.out)
    }

    /// pcsc-lite's client library reads PCSCLITE_CSOCK_NAME: pointed at nothing, it finds no service,
    /// as when pcscd is not running; that is "reader missing" (exit 4) with the remedy, in both languages.
    func testNoPCSCServiceIsExit4WithTheRemedy() throws {
        let nowhere = NSTemporaryDirectory() + "no-pcscd-\(UUID().uuidString.prefix(8)).comm"
        let english = try runTool(CLITests.tokencert, ["readers", "--lang", "en"], environment: ["PCSCLITE_CSOCK_NAME": nowhere])
        XCTAssertEqual(english.status, 4, english.err)
        XCTAssertTrue(english.err.contains("pcscd") && english.err.contains("SCARD_E_NO_SERVICE"), english.err)
        XCTAssertTrue(english.err.contains("systemctl start pcscd"), english.err)
        let chinese = try runTool(CLITests.tokencert, ["readers", "--lang", "zh-TW"], environment: ["PCSCLITE_CSOCK_NAME": nowhere])
        XCTAssertEqual(chinese.status, 4)
        XCTAssertTrue(chinese.err.contains("pcscd") && chinese.err.unicodeScalars.contains { $0.value >= 0x4E00 }, chinese.err)
    }

    /// `--watch --format json` prints one JSON object per event, at once, while it runs.
    func testWatchPrintsInsertAndRemoveEventsAsTheyHappen() async throws {
        let port = try VirtualReaders.ports()[1]
        let reader = try VirtualReaders.readerName(port: port)
        try await VirtualReaders.waitForCard(reader: reader, present: false)

        let watcher = LineReader()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.tokencert)
        process.arguments = ["readers", "--watch", "--format", "json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { handle in watcher.append(handle.availableData) }
        try process.run()
        addTeardownBlock {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            pipe.fileHandleForReading.readabilityHandler = nil
        }
        // The watcher is listening once its first state query is done (a card already in at that point
        // would count as initial state, not an event); give the new process ample time on a busy machine.
        try await Task.sleep(for: .milliseconds(1500))

        let (card, _) = try await VirtualReaders.insertCard(port: port)
        addTeardownBlock { await card.stop() }
        let inserted = try await watcher.waitForLine(timeout: .seconds(10)) { $0.contains("\"card-inserted\"") && $0.contains(reader) }
        XCTAssertTrue(inserted.contains("\"piv\":true"), inserted)
        try JSONSchemas.check(inserted, schema: "readers-event")
        await card.pull()
        let removed = try await watcher.waitForLine(timeout: .seconds(10)) { $0.contains("\"card-removed\"") && $0.contains(reader) }
        XCTAssertTrue(removed.contains("\"event\":\"card-removed\""), removed)
        try JSONSchemas.check(removed, schema: "readers-event")
        XCTAssertTrue(process.isRunning, "--watch keeps running until stopped")
    }
}

/// Collects a child's output lines as they arrive.
final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [String] = []

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer.removeSubrange(buffer.startIndex...newline)
        }
    }

    func waitForLine(timeout: Duration, file: StaticString = #filePath, line: UInt = #line,
                     where predicate: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = lock.withLock { lines.first(where: predicate) }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        let seen = lock.withLock { lines }
        XCTFail("no matching line within \(timeout); seen: \(seen)", file: file, line: line)
        throw CocoaError(.fileReadUnknown)
    }
}
