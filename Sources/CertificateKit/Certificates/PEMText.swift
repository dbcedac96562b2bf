public import Foundation

/// PEM text (RFC 7468) written directly: base64 of the DER in 64-character lines between the
/// BEGIN and END lines, each line ending in "\n". The same text as swift-certificates'
/// `PEMDocument.pemString` followed by a newline, at a fraction of its cost (it counts characters of
/// substrings; this works on bytes) — the RA writes one for every certificate it hands out.
public enum PEMText {
    /// `-----BEGIN <type>-----\n`, the base64 lines, `-----END <type>-----\n`.
    public static func encode(_ der: some DataProtocol, type: String) -> String {
        let base64 = Array(Data(der).base64EncodedData())
        var out: [UInt8] = []
        out.reserveCapacity(base64.count + base64.count / 64 + 2 * type.utf8.count + 40)
        out += Array("-----BEGIN \(type)-----\n".utf8)
        var start = 0
        while start < base64.count {
            let end = min(start + 64, base64.count)
            out += base64[start..<end]
            out.append(0x0A)
            start = end
        }
        out += Array("-----END \(type)-----\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
