/// Clean-up of what people type before it is parsed: full-width forms (what a Chinese input method
/// in full-width mode produces) become ASCII, the ideographic space and other Unicode spaces become
/// a plain space, dash look-alikes become `-`, and the ends are trimmed.
///
/// Only characters with an ASCII twin are mapped; anything else stays as typed so parsers can
/// refuse it.
enum InputText {
    /// `text` with full-width ASCII (U+FF01–U+FF5E) mapped to ASCII, spaces unified, dashes unified,
    /// and leading/trailing whitespace removed.
    static func normalized(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(mapped(scalar))
        }
        return trimmed(String(scalars))
    }

    /// The ASCII twin of a full-width character, a space for any Unicode space, `-` for a dash
    /// look-alike; the scalar itself otherwise.
    static func mapped(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0xFF01...0xFF5E:
            return Unicode.Scalar(scalar.value - 0xFEE0)!
        case 0x3000, 0x00A0, 0x2000...0x200A, 0x202F, 0x205F:
            return " "
        case 0x2010...0x2013, 0x2212, 0xFE63:
            return "-"
        default:
            return scalar
        }
    }

    /// `text` without leading or trailing whitespace and newlines.
    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    /// True for the ASCII digits 0–9 only (not other scripts' digits).
    static func isASCIIDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii >= 0x30 && ascii <= 0x39
    }

    /// True for the ASCII letters A–Z and a–z only.
    static func isASCIILetter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A)
    }

    /// The value of an ASCII digit; nil for anything else.
    static func digitValue(_ character: Character) -> Int? {
        isASCIIDigit(character) ? Int(character.asciiValue! - 0x30) : nil
    }

    /// `value` written with at least `width` digits, zero-padded on the left.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
