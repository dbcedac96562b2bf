#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secret — a PIN, PUK, password, passphrase, management key — as bytes in memory of their own,
/// overwritten with zeros (`explicit_bzero`, which the compiler may not drop) when the last copy of
/// the value goes.
///
/// It never shows itself: `description`, `debugDescription` and `dump` (the `customMirror`) are
/// `Secret(redacted)` and encoding gives `"****"`, so it cannot slip into a log line, an error message or a test failure. The
/// bytes are read only inside ``withUnsafeBytes(_:)`` or ``withCString(_:)``; the pointer must not
/// escape. Two secrets compare equal in time that depends on their length only; the hash uses the
/// length only.
///
/// Best effort, said plainly: the `String` a secret was typed as, and the copies ``revealedBytes()``
/// and ``revealedString()`` hand to APIs that only take arrays or strings (an APDU, a JSON body),
/// are ordinary Swift values this type cannot wipe.
///
/// Storage holds one extra NUL byte after the secret so C APIs that take a C string (OpenSSL's
/// PKCS#12 password) can be given the buffer itself.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let storage: Storage

    /// The UTF-8 bytes of `text`.
    public init(_ text: String) { storage = Storage(text.utf8) }

    /// These bytes (e.g. a file's first line, a management key).
    public init(bytes: some Collection<UInt8>) { storage = Storage(bytes) }

    /// Copies `count` bytes at `pointer` (memory another library owns and cleans itself).
    public init(copying pointer: UnsafeRawPointer, count: Int) {
        storage = Storage(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The number of bytes (not characters).
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }

    /// Calls `body` with the secret's bytes; the pointer is valid only inside `body`.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withBytes(body)
    }

    /// Calls `body` with the secret as a NUL-terminated C string and its length (without the NUL).
    /// A secret that itself contains a NUL byte is cut there by C code: check ``containsNUL`` first.
    public func withCString<Result, Failure: Error>(
        _ body: (UnsafePointer<CChar>, Int) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withCString(body)
    }

    /// True when a byte of the secret is 0 (a C string would end there).
    public var containsNUL: Bool { withUnsafeBytes { $0.contains(0) } }

    /// A copy as an array, for APIs that take nothing else (an APDU's data field). The copy is not
    /// wiped: keep it short-lived.
    public func revealedBytes() -> [UInt8] { withUnsafeBytes { Array($0) } }

    /// A copy as text (invalid UTF-8 repaired), for APIs that take nothing else (a JSON body sent
    /// over TLS). The copy is not wiped: keep it short-lived.
    public func revealedString() -> String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// Equal bytes, compared in time that depends on the length only.
    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        lhs.storage.constantTimeEquals(rhs.storage)
    }

    /// The length only: equal secrets hash equally and the hash says nothing about the bytes.
    public func hash(into hasher: inout Hasher) { hasher.combine(count) }

    public var description: String { "Secret(redacted)" }
    public var debugDescription: String { "Secret(redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Encodes `"****"`, never the secret (a settings document that holds one cannot leak it).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("****")
    }

    /// Always fails: a secret is never stored, so there is nothing to decode.
    /// - Throws: `DecodingError.dataCorrupted`, always.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "a secret is never stored")
    }
}

extension Secret {
    /// The bytes in memory of their own; written only in `init` and `deinit`, hence
    /// `@unchecked Sendable`.
    final class Storage: @unchecked Sendable {
        private let buffer: UnsafeMutableRawBufferPointer
        let count: Int

        /// Called in `deinit` after the wipe and before the memory is freed (tests check the
        /// bytes are zero). Set only by tests.
        nonisolated(unsafe) static var afterWipe: ((UnsafeRawBufferPointer) -> Void)?

        init(_ bytes: some Collection<UInt8>) {
            count = bytes.count
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count + 1, alignment: 1)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            var index = 0
            for byte in bytes {
                buffer[index] = byte
                index += 1
            }
        }

        deinit {
            explicit_bzero(buffer.baseAddress!, buffer.count)
            Self.afterWipe?(UnsafeRawBufferPointer(buffer))
            buffer.deallocate()
        }

        func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
            try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]))
        }

        func withCString<Result, Failure: Error>(_ body: (UnsafePointer<CChar>, Int) throws(Failure) -> Result) throws(Failure) -> Result {
            try body(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), count)
        }

        func constantTimeEquals(_ other: Storage) -> Bool {
            guard count == other.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<count { difference |= buffer[index] ^ other.buffer[index] }
            return difference == 0
        }
    }
}
