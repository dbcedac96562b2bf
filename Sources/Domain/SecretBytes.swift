/// Bytes of a secret in memory of their own, overwritten with zeros when the last reference goes.
///
/// Best effort: the `String` a secret was typed as, and copies handed out by ``BackupPassword/utf8``,
/// are not wiped. `@unchecked Sendable` because the buffer is written only in `init` and `deinit`
/// and only read in between.
final class SecretBytes: @unchecked Sendable {
    private let buffer: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a fresh buffer.
    init(_ bytes: some Collection<UInt8>) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        buffer.copyBytes(from: bytes)
    }

    deinit {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.deallocate()
    }

    /// The number of bytes.
    var count: Int { buffer.count }

    /// Calls `body` with the bytes; the pointer must not escape.
    func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(buffer))
    }

    /// Equal bytes, compared in time that depends on the length only.
    func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard buffer.count == other.buffer.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<buffer.count {
            difference |= buffer[index] ^ other.buffer[index]
        }
        return difference == 0
    }
}
