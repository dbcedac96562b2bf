/// The little DER this layer needs (SubjectPublicKeyInfo, ECDSA signatures, PKCS#8 private keys,
/// certificate names). Full X.509 lives in CertificateKit.
enum DER {
    static let integer: UInt8 = 0x02, bitString: UInt8 = 0x03, octetString: UInt8 = 0x04, null: UInt8 = 0x05
    static let oid: UInt8 = 0x06, sequence: UInt8 = 0x30

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }
    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(sequence, parts.flatMap { $0 }) }

    /// A non-negative INTEGER from big-endian magnitude bytes (leading zeros stripped, 0x00 added when the top bit is set).
    static func unsignedInteger(_ magnitude: some Collection<UInt8>) -> [UInt8] {
        var m = Array(magnitude.drop(while: { $0 == 0 }))
        if m.isEmpty { m = [0] } else if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
        return tlv(integer, m)
    }

    static func bitString(_ bytes: [UInt8]) -> [UInt8] { tlv(bitString, [0] + bytes) }

    /// Number of significant bits of a big-endian unsigned number.
    static func bitLength(ofUnsigned bytes: [UInt8]) -> Int {
        guard let i = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.count - i) * 8 - bytes[i].leadingZeroBitCount
    }

    /// A DER reader over a byte slice.
    struct Reader {
        var bytes: ArraySlice<UInt8>
        init(_ bytes: some Collection<UInt8>) { self.bytes = ArraySlice(bytes) }
        var isAtEnd: Bool { bytes.isEmpty }

        /// Reads one TLV; returns the tag, the content and the whole encoding.
        mutating func read() throws -> (tag: UInt8, content: ArraySlice<UInt8>, encoded: ArraySlice<UInt8>) {
            let start = bytes.startIndex
            guard bytes.count >= 2 else { throw DecodeError(description: "truncated DER") }
            let tag = bytes[start]
            var i = start + 1
            var len = Int(bytes[i]); i += 1
            if len & 0x80 != 0 {
                let n = len & 0x7F
                guard n >= 1, n <= 4, bytes.endIndex - i >= n else { throw DecodeError(description: "bad DER length") }
                len = 0
                for _ in 0..<n { len = len << 8 | Int(bytes[i]); i += 1 }
            }
            guard bytes.endIndex - i >= len else { throw DecodeError(description: "truncated DER value") }
            let content = bytes[i..<(i + len)]
            let encoded = bytes[start..<(i + len)]
            bytes = bytes[(i + len)...]
            return (tag, content, encoded)
        }

        mutating func read(expecting tag: UInt8) throws -> ArraySlice<UInt8> {
            let (t, content, _) = try read()
            guard t == tag else {
                throw DecodeError(description: "expected DER tag 0x\(String(tag, radix: 16)), found 0x\(String(t, radix: 16))")
            }
            return content
        }

        /// Reads an INTEGER and returns its magnitude without a leading sign byte.
        mutating func readUnsignedInteger() throws -> [UInt8] {
            let c = try read(expecting: DER.integer)
            return Array(c.drop(while: { $0 == 0 }))
        }
    }
}
