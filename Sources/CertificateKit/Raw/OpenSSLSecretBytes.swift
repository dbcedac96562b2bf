internal import COpenSSL

/// Secret bytes (a password, a PKCS#8 private key) in memory of their own, followed by one NUL so
/// OpenSSL can take them as a C string, and wiped with `OPENSSL_cleanse` when the last user lets go.
/// Immutable after `init`, hence `@unchecked Sendable`.
final class SecretBytes: @unchecked Sendable {
    private let buffer: UnsafeMutableRawBufferPointer
    /// The number of secret bytes (the trailing NUL not counted).
    let count: Int

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

    /// Copies `count` bytes OpenSSL allocated; the caller still frees (and cleanses) its own copy.
    init(copying pointer: UnsafeRawPointer, count: Int) {
        self.count = count
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count + 1, alignment: 1)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        if count > 0 { buffer.baseAddress!.copyMemory(from: pointer, byteCount: count) }
    }

    deinit {
        OPENSSL_cleanse(buffer.baseAddress, buffer.count)
        buffer.deallocate()
    }

    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]))
    }

    /// The bytes as a NUL-terminated C string with its length (without the NUL).
    func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>, Int32) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(count))
    }

    var containsNUL: Bool { buffer[0..<count].contains(0) }

    /// A copy in an ordinary array (which this type can no longer wipe).
    var array: [UInt8] { Array(buffer[0..<count]) }

    /// Constant-time comparison (`CRYPTO_memcmp`).
    func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return CRYPTO_memcmp(buffer.baseAddress, other.buffer.baseAddress, count) == 0
    }
}
