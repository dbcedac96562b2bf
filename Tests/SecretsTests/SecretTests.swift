import Foundation
import Localization
@testable import Secrets
import XCTest

final class SecretTests: XCTestCase {
    /// The storage is overwritten with zeros before it is freed: the wipe hook sees the buffer after
    /// `explicit_bzero` and before `deallocate`.
    func testStorageIsZeroedWhenReleased() throws {
        let seen = SeenBytes()
        Secret.Storage.afterWipe = { buffer in seen.record(Array(buffer)) }
        defer { Secret.Storage.afterWipe = nil }
        do {
            let secret = Secret("483915")
            let copy = secret // a copy shares the storage: nothing is wiped while either lives
            XCTAssertEqual(copy.revealedString(), "483915")
            XCTAssertTrue(seen.all.isEmpty, "wiped while still in use")
        }
        let wiped = try XCTUnwrap(seen.all.first, "the storage was never released")
        XCTAssertEqual(seen.all.count, 1)
        XCTAssertEqual(wiped.count, 7, "6 bytes and the trailing NUL")
        XCTAssertTrue(wiped.allSatisfy { $0 == 0 }, "storage not zeroed: \(wiped)")
    }

    /// A secret read from a file is released and wiped too (the reader keeps no other Secret).
    func testReaderSecretIsZeroedWhenReleased() throws {
        let seen = SeenBytes()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try Data("s3cr3t-pin\nsecond line\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        Secret.Storage.afterWipe = { buffer in seen.record(Array(buffer)) }
        defer { Secret.Storage.afterWipe = nil }
        do {
            let secret = try XCTUnwrap(try SecretReader(file: file.path, environmentVariable: "TOKENCERT_TEST_UNSET_VARIABLE",
                                                       prompt: LocalizedText(en: "PIN", zhTW: "PIN 碼")).given())
            XCTAssertEqual(secret, Secret("s3cr3t-pin"), "the first line only")
        }
        XCTAssertFalse(seen.all.isEmpty, "the read secret was never released")
        XCTAssertTrue(seen.all.allSatisfy { $0.allSatisfy { $0 == 0 } })
    }

    /// No printed or reflected form shows the value; encoding gives a mask and decoding fails.
    func testNeverShowsItself() throws {
        let secret = Secret("tc-Pin-2026")
        let forms = [
            String(describing: secret), String(reflecting: secret), "\(secret)", secret.description,
            { var out = ""; dump(secret, to: &out); return out }(),
            { var out = ""; dump([secret], to: &out); return out }(),
            String(describing: Mirror(reflecting: secret).children.map { $0 }),
            String(describing: Optional(secret)),
            String(decoding: try JSONEncoder().encode(["pin": secret]), as: UTF8.self),
        ]
        for form in forms {
            XCTAssertFalse(form.contains("tc-Pin-2026"), "shown: \(form)")
            XCTAssertFalse(form.contains("Pin"), "partly shown: \(form)")
        }
        XCTAssertEqual(secret.description, "Secret(redacted)")
        XCTAssertTrue(Mirror(reflecting: secret).children.isEmpty)
        XCTAssertThrowsError(try JSONDecoder().decode([String: Secret].self, from: Data(#"{"pin":"1234"}"#.utf8)))
    }

    /// Equality by bytes; the hash depends on the length only.
    func testEqualityAndHash() {
        XCTAssertEqual(Secret("123456"), Secret(bytes: Array("123456".utf8)))
        XCTAssertNotEqual(Secret("123456"), Secret("123457"))
        XCTAssertNotEqual(Secret("123456"), Secret("1234567"))
        XCTAssertEqual(Secret("123456").hashValue, Secret("654321").hashValue)
        XCTAssertTrue(Secret(bytes: [0x31, 0x00, 0x32]).containsNUL)
        Secret("ab").withCString { pointer, length in
            XCTAssertEqual(length, 2)
            XCTAssertEqual(String(cString: pointer), "ab")
        }
    }

    /// File first, then the environment; an unreadable file is an error, not a fall-through.
    func testReaderOrder() throws {
        setenv("TOKENCERT_TEST_SECRET_VAR", "from-env", 1)
        defer { unsetenv("TOKENCERT_TEST_SECRET_VAR") }
        let prompt = LocalizedText(en: "PIN", zhTW: "PIN 碼")
        XCTAssertEqual(try SecretReader(file: nil, environmentVariable: "TOKENCERT_TEST_SECRET_VAR", prompt: prompt).given(), Secret("from-env"))
        XCTAssertThrowsError(try SecretReader(file: "/nonexistent/pin", environmentVariable: "TOKENCERT_TEST_SECRET_VAR", prompt: prompt).given()) {
            guard case SecretReaderError.unreadableFile = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertNil(try SecretReader(file: nil, environmentVariable: "TOKENCERT_TEST_UNSET_VARIABLE", prompt: prompt).given())
        XCTAssertThrowsError(try SecretReader(file: nil, environmentVariable: "TOKENCERT_TEST_UNSET_VARIABLE", prompt: prompt)
            .read(language: .english, ask: false)) { error in
            XCTAssertEqual((error as? SecretReaderError)?.category, .pin)
            XCTAssertTrue((error as? SecretReaderError)?.userMessage(.english).contains("TOKENCERT_TEST_UNSET_VARIABLE") ?? false)
        }
    }
}

/// What the wipe hook saw (the hook runs on whatever thread releases the storage).
private final class SeenBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [[UInt8]] = []
    func record(_ bytes: [UInt8]) { lock.withLock { seen.append(bytes) } }
    var all: [[UInt8]] { lock.withLock { seen } }
}
