import Crypto
import Foundation
import Localization

/// A text file TokenCert installs and may later update: a header comment carries the SHA-256 of the
/// body, so an installed copy tells whether it is still exactly what TokenCert wrote (safe to update)
/// or was edited locally (left alone unless forced).
public enum ManagedFile {
    /// The marker line's prefix; the body starts on the next line.
    public static let marker = "# tokencert-sha256: "

    /// `header` lines (each made a comment), the marker with the body's hash, then the body.
    public static func render(header: [String], body: String) -> String {
        header.map { $0.isEmpty ? "#" : "# " + $0 }.joined(separator: "\n") + "\n" + marker + sha256(body) + "\n" + body
    }

    /// Whether installed text is unedited TokenCert output: true/false, nil when it has no marker (not ours).
    public static func isUnmodified(_ text: String) -> Bool? {
        guard let range = text.range(of: "\n" + marker) ?? (text.hasPrefix(marker) ? text.range(of: marker) : nil) else { return nil }
        let afterMarker = text[range.upperBound...]
        guard let newline = afterMarker.firstIndex(of: "\n") else { return false }
        let recorded = afterMarker[..<newline].trimmingCharacters(in: .whitespaces)
        let body = String(afterMarker[afterMarker.index(after: newline)...])
        return recorded == sha256(body)
    }

    static func sha256(_ text: String) -> String {
        hexString(SHA256.hash(data: Data(text.utf8)))
    }
}
