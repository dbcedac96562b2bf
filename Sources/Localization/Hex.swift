/// Bytes as hex text, e.g. `5F0E` or `AB:CD:…` — what serials, fingerprints, key IDs and hashes look
/// like on screens and in files. Written out by hand: `String(format: "%02X")` per byte costs about
/// 47,000 instructions in Foundation on Linux, and a certificate summary formats 50 bytes.
/// - Parameters:
///   - uppercase: `A`–`F` instead of `a`–`f`.
///   - separator: put between bytes (none by default).
public func hexString(_ bytes: some Sequence<UInt8>, uppercase: Bool = false, separator: String = "") -> String {
    let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
    let between = Array(separator.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount * (2 + between.count))
    for byte in bytes {
        if !out.isEmpty { out.append(contentsOf: between) }
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
