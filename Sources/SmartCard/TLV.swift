/// BER-TLV as PIV and ISO 7816 use it: one- or two-byte tags, lengths up to 0xFFFF.
public enum TLV {
    /// Encodes one TLV. Tags above 0xFF are written as two bytes.
    public static func encode(_ tag: UInt, _ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = tag > 0xFFFF ? [UInt8(tag >> 16), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF)]
            : tag > 0xFF ? [UInt8(tag >> 8), UInt8(tag & 0xFF)] : [UInt8(tag)]
        out += encodeLength(value.count)
        return out + value
    }

    public static func encodeLength(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n <= 0xFF { return [0x81, UInt8(n)] }
        if n <= 0xFFFF { return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)] }
        return [0x83, UInt8(n >> 16), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
    }

    /// Decodes a sequence of TLVs at one level.
    public static func decode(_ bytes: some Collection<UInt8>) -> [(tag: UInt, value: [UInt8])]? {
        let b = Array(bytes)
        var i = 0
        var out: [(UInt, [UInt8])] = []
        while i < b.count {
            var tag = UInt(b[i]); i += 1
            if tag & 0x1F == 0x1F {  // multi-byte tag
                repeat {
                    guard i < b.count else { return nil }
                    tag = tag << 8 | UInt(b[i]); i += 1
                } while b[i - 1] & 0x80 != 0
            }
            guard i < b.count else { return nil }
            var len = Int(b[i]); i += 1
            if len & 0x80 != 0 {
                let n = len & 0x7F
                guard n >= 1, n <= 3, i + n <= b.count else { return nil }
                len = 0
                for _ in 0..<n { len = len << 8 | Int(b[i]); i += 1 }
            }
            guard i + len <= b.count else { return nil }
            out.append((tag, Array(b[i..<(i + len)])))
            i += len
        }
        return out
    }

    /// The value of the first TLV with `tag`.
    public static func find(_ tag: UInt, in bytes: some Collection<UInt8>) -> [UInt8]? {
        decode(bytes)?.first { $0.tag == tag }?.value
    }
}
