/// A checker for udev rule lines (udev(7), "Rules Files"), for systems whose udevadm has no `verify`
/// (it came with systemd 254; Debian 12 has 252). A rule is comma-separated `KEY{attr}OP"value"`
/// pairs; the key decides which operators and whether an `{attr}` is allowed. Comments and blank lines
/// are fine; line continuations are not accepted (TokenCert never writes them).
public enum UdevRuleParser {
    /// `==`, `!=` compare; `=`, `+=`, `-=`, `:=` assign.
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "==", notEqual = "!=", assign = "=", add = "+=", remove = "-=", assignFinal = ":="
        var isMatch: Bool { self == .equal || self == .notEqual }
    }

    /// One `KEY{attr}OP"value"` of a rule.
    public struct Pair: Sendable, Equatable {
        public var key: String
        public var attribute: String?
        public var op: Operator
        public var value: String
    }

    /// Why a line is not a valid rule.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    enum Use { case match, assign, both }
    enum Attr { case none, required, optional }

    /// The keys udev knows: what they may do and whether they take `{attr}`.
    static let keys: [String: (use: Use, attr: Attr)] = [
        "ACTION": (.match, .none), "DEVPATH": (.match, .none), "KERNEL": (.match, .none),
        "KERNELS": (.match, .none), "SUBSYSTEM": (.match, .none), "SUBSYSTEMS": (.match, .none),
        "DRIVER": (.match, .none), "DRIVERS": (.match, .none), "ATTRS": (.match, .required),
        "TAGS": (.match, .none), "TEST": (.match, .optional), "PROGRAM": (.match, .none),
        "RESULT": (.match, .none), "CONST": (.match, .required), "SYSCTL": (.both, .required),
        "ATTR": (.both, .required), "ENV": (.both, .required), "TAG": (.both, .none),
        "NAME": (.both, .none), "SYMLINK": (.both, .none), "OWNER": (.assign, .none),
        "GROUP": (.assign, .none), "MODE": (.assign, .none), "SECLABEL": (.assign, .required),
        "RUN": (.assign, .optional), "LABEL": (.assign, .none), "GOTO": (.assign, .none),
        "IMPORT": (.both, .required), "OPTIONS": (.assign, .none),
    ]

    /// The pairs of a rule line; `[]` for a comment or blank line.
    /// - Throws: `Problem` naming what is wrong (unknown key, operator not allowed for the key,
    ///   missing or unexpected `{attr}`, unquoted value, missing comma, trailing garbage).
    public static func parse(_ line: String) throws(Problem) -> [Pair] {
        let chars = Array(line)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        skipSpace()
        if i == chars.count || chars[i] == "#" { return [] }
        if line.hasSuffix("\\") { throw Problem(message: "line continuation is not accepted") }
        var pairs: [Pair] = []
        while true {
            skipSpace()
            let keyStart = i
            while i < chars.count, chars[i].isUppercase || chars[i] == "_" { i += 1 }
            let key = String(chars[keyStart..<i])
            guard !key.isEmpty else { throw Problem(message: "expected a KEY at column \(i + 1)") }
            guard let rule = keys[key] else { throw Problem(message: "unknown key \(key)") }
            var attribute: String?
            if i < chars.count, chars[i] == "{" {
                let start = i + 1
                while i < chars.count, chars[i] != "}" { i += 1 }
                guard i < chars.count else { throw Problem(message: "\(key){ is not closed") }
                attribute = String(chars[start..<i])
                i += 1
                if attribute!.isEmpty { throw Problem(message: "\(key){} has an empty attribute") }
            }
            switch (rule.attr, attribute) {
            case (.required, nil): throw Problem(message: "\(key) needs {attribute}")
            case (.none, .some): throw Problem(message: "\(key) takes no {attribute}")
            default: break
            }
            skipSpace()
            var op: Operator?
            for candidate in [Operator.equal, .notEqual, .add, .remove, .assignFinal, .assign] {
                let text = Array(candidate.rawValue)
                if i + text.count <= chars.count, Array(chars[i..<(i + text.count)]) == text { op = candidate; i += text.count; break }
            }
            guard let op else { throw Problem(message: "\(key): expected an operator (==, !=, =, +=, -=, :=)") }
            if rule.use == .match && !op.isMatch { throw Problem(message: "\(key) can only be compared (== or !=), not \(op.rawValue)") }
            if rule.use == .assign && op.isMatch { throw Problem(message: "\(key) can only be assigned, not compared with \(op.rawValue)") }
            skipSpace()
            guard i < chars.count, chars[i] == "\"" else { throw Problem(message: "\(key): the value must be in double quotes") }
            i += 1
            var value = ""
            var closed = false
            while i < chars.count {
                if chars[i] == "\\", i + 1 < chars.count { value.append(chars[i + 1]); i += 2; continue }
                if chars[i] == "\"" { closed = true; i += 1; break }
                value.append(chars[i]); i += 1
            }
            guard closed else { throw Problem(message: "\(key): the value's quote is not closed") }
            pairs.append(Pair(key: key, attribute: attribute, op: op, value: value))
            skipSpace()
            if i == chars.count { break }
            guard chars[i] == "," else { throw Problem(message: "expected a comma after \(key) at column \(i + 1)") }
            i += 1
            skipSpace()
            if i == chars.count { throw Problem(message: "the line ends with a comma") }
        }
        return pairs
    }

    /// Every problem of a rules file, as `line N: problem`; also each `GOTO` needs its `LABEL`.
    public static func check(file text: String) -> [String] {
        var problems: [String] = []
        var gotos: [(Int, String)] = []
        var labels = Set<String>()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            do {
                for pair in try parse(String(line)) {
                    if pair.key == "GOTO" { gotos.append((n + 1, pair.value)) }
                    if pair.key == "LABEL" { labels.insert(pair.value) }
                }
            } catch {
                problems.append("line \(n + 1): \(error.message)")
            }
        }
        for (n, label) in gotos where !labels.contains(label) { problems.append("line \(n): GOTO \"\(label)\" has no LABEL") }
        return problems
    }
}
