/// BER-TLV as PIV uses it (SP 800-73-4 part 2, ISO/IEC 7816-4 annex D): tags of one to three
/// bytes, lengths in short form or 81/82/83 long form.
struct TLV: Equatable, Sendable {
    var tag: UInt32
    var value: [UInt8]

    init(_ tag: UInt32, _ value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// The tag's bytes, most significant first, without leading zero bytes.
    static func tagBytes(_ tag: UInt32) -> [UInt8] {
        if tag > 0xFFFF { return [UInt8(tag >> 16), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF)] }
        if tag > 0xFF { return [UInt8(tag >> 8), UInt8(tag & 0xFF)] }
        return [UInt8(tag)]
    }

    static func lengthBytes(_ length: Int) -> [UInt8] {
        switch length {
        case ..<0x80: [UInt8(length)]
        case ..<0x100: [0x81, UInt8(length)]
        case ..<0x10000: [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
        default: [0x83, UInt8(length >> 16), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        }
    }

    var encoded: [UInt8] { TLV.tagBytes(tag) + TLV.lengthBytes(value.count) + value }

    static func encode(_ tag: UInt32, _ value: [UInt8]) -> [UInt8] { TLV(tag, value).encoded }

    /// Parses a sequence of TLVs filling `bytes` exactly; nil when the encoding is broken.
    static func parse(_ bytes: some Collection<UInt8>) -> [TLV]? {
        let bytes = Array(bytes)
        var result: [TLV] = []
        var i = 0
        while i < bytes.count {
            // Tag: the first byte's low five bits all set means more tag bytes follow; each
            // following byte with bit 8 set means yet another.
            var tag = UInt32(bytes[i])
            i += 1
            if tag & 0x1F == 0x1F {
                repeat {
                    guard i < bytes.count, tag <= 0xFFFF else { return nil }
                    tag = tag << 8 | UInt32(bytes[i])
                    i += 1
                } while bytes[i - 1] & 0x80 != 0
            }
            guard i < bytes.count else { return nil }
            var length = Int(bytes[i])
            i += 1
            if length > 0x80 {
                let count = length & 0x7F
                guard count <= 3, i + count <= bytes.count else { return nil }
                length = 0
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[i])
                    i += 1
                }
            } else if length == 0x80 {
                return nil  // indefinite length is not BER-TLV for PIV
            }
            guard i + length <= bytes.count else { return nil }
            result.append(TLV(tag, Array(bytes[i..<(i + length)])))
            i += length
        }
        return result
    }
}

extension Array where Element == TLV {
    func first(tag: UInt32) -> TLV? { first { $0.tag == tag } }
}
