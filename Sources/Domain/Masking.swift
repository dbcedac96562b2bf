/// Masked display forms for contact details and numbers shown to customers (DESIGN.md, "display":
/// ID `P100254***`, phone `093XXXXXX`, account `1020-XXXXXX`).
///
/// The rule read from those examples: keep a short head that lets customers recognise which
/// phone or account is meant, and replace the rest with a fixed run of six `X`
/// (``hiddenRun``), whatever its real length, so the mask does not even tell how many
/// characters were hidden (a ten-digit mobile number `0912345678` shows as `091XXXXXX`).
/// ID numbers keep their own rule (first seven characters and `***`, see ``NationalID/masked``).
/// Every function is total: text it cannot make sense of is hidden completely.
public enum Masking {
    /// What stands for hidden characters in phone numbers and accounts: six `X`.
    public static let hiddenRun = "XXXXXX"

    /// A phone number as `093XXXXXX`: its first three digits, then ``hiddenRun``.
    ///
    /// Full-width digits are read as ASCII and separators (spaces, `-`, parentheses) are ignored.
    /// Taiwan's country code becomes the domestic `0` first (`+886 912 345 678` shows as
    /// `091XXXXXX`); another country code is kept after a `+` (`+81…` shows as `+819XXXXXX`).
    /// Fewer than seven digits, or no digits, show as ``hiddenRun`` alone: three digits of so short
    /// a number would give too much away.
    public static func phone(_ text: String) -> String {
        let normalized = InputText.normalized(text)
        var digits = normalized.filter(InputText.isASCIIDigit)
        var plus = normalized.hasPrefix("+")
        if plus, digits.hasPrefix("886") {
            digits = "0" + digits.dropFirst(3)
            plus = false
        }
        guard digits.count >= 7 else { return hiddenRun }
        return (plus ? "+" : "") + digits.prefix(3) + hiddenRun
    }

    /// An e-mail address as `a***@example.com`: the first character of the local part, `***`, and
    /// the domain unchanged. Text without a non-empty local part and domain around its last `@`
    /// shows as `***`.
    public static func email(_ text: String) -> String {
        let trimmed = InputText.trimmed(text)
        guard let at = trimmed.lastIndex(of: "@") else { return "***" }
        let local = trimmed[..<at], domain = trimmed[trimmed.index(after: at)...]
        guard let first = local.first, !domain.isEmpty else { return "***" }
        return String(first) + "***@" + domain
    }

    /// A securities account typed in any form ``SecuritiesAccount/init(_:)`` accepts, as
    /// `1020-XXXXXX` (``SecuritiesAccount/masked``). An account masked already — four digits, a dash
    /// or space, then only `X` (as the RA sends it back, e.g. with a one-time code) — keeps its
    /// branch code and shows the same way, so masking twice never hides the branch. Other text shows
    /// as `XXXX-XXXXXX`.
    public static func securitiesAccount(_ text: String) -> String {
        if let account = try? SecuritiesAccount(text) { return account.masked }
        let normalized = InputText.normalized(text)
        let branch = normalized.prefix(4), rest = normalized.dropFirst(4)
        if branch.count == 4, branch.allSatisfy(InputText.isASCIIDigit), rest.first == "-" || rest.first == " ",
           rest.count > 1, rest.dropFirst().allSatisfy({ $0 == "X" || $0 == "x" }) {
            return branch + "-" + hiddenRun
        }
        return "XXXX-" + hiddenRun
    }
}
