/// The one loop behind the kernel's `\ooo` (mountinfo) and blkid's `\xNN` (udev) escapes: a backslash
/// and the three bytes after it become one byte when `decode` accepts those three; anything else stays
/// as it is. The bytes are then read as UTF-8 (invalid sequences become U+FFFD).
enum BackslashEscapes {
    static func decode(_ bytes: [UInt8], _ decode: (ArraySlice<UInt8>) -> UInt8?) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count, let value = decode(bytes[(i + 1)...(i + 3)]) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
