import ArgumentParser
import Foundation
import RACommands
import TestSupport
import TokenCertCLI
import XCTest

/// What a person reads in `--help`: discussion paragraphs are written as one line each, so
/// swift-argument-parser wraps them once to the terminal's width — a paragraph hard-wrapped in the
/// source was wrapped again and came out ragged. Checked on every command of tokencert, tokencert-ra
/// and tokencert-demo through the parser's own dump of the command tree, and on the rendered help.
final class HelpTextTests: XCTestCase {
    /// Every (command path, discussion) of an executable, from `--experimental-dump-help`.
    func discussions(_ executable: String) throws -> [(command: String, text: String)] {
        let r = try runTool(builtExecutable(executable), ["--experimental-dump-help"])
        XCTAssertEqual(r.status, 0, r.err)
        let root = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["command"] as? [String: Any])
        var found: [(String, String)] = []
        func walk(_ command: [String: Any], _ path: String) {
            let name = path.isEmpty ? (command["commandName"] as? String ?? executable) : path + " " + (command["commandName"] as? String ?? "?")
            if let text = command["discussion"] as? String { found.append((name, text)) }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, name) }
        }
        walk(root, "")
        return found
    }

    /// Two prose lines in a row (neither indented as an example, the second not a list item) are one
    /// paragraph broken by hand.
    static func hardWraps(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return zip(lines, lines.dropFirst()).compactMap { a, b in
            guard let first = a.first, let next = b.first, !first.isWhitespace, !next.isWhitespace,
                  !b.hasPrefix("- "), !b.hasPrefix("• ") else { return nil }
            return "…\(a.suffix(30))⏎\(b.prefix(30))…"
        }
    }

    func testNoDiscussionOfAnyCommandIsHardWrapped() throws {
        var checked = 0
        for executable in ["tokencert", "tokencert-ra", "tokencert-demo"] {
            for (command, text) in try discussions(executable) {
                checked += 1
                XCTAssertEqual(Self.hardWraps(text), [], "\(command) --help: a paragraph is broken by hand")
            }
        }
        XCTAssertGreaterThan(checked, 25, "the dump lists the commands' discussions")
        XCTAssertEqual(Self.hardWraps("one line\nand its hand-broken rest"), ["…one line⏎and its hand-broken rest…"], "the check can fail")
    }

    /// The issue's example, rendered: at 80 columns every line of a paragraph but its last is filled
    /// (a ragged one ends far short of the width).
    func testDemoHelpParagraphsAreFilledToTheWidth() throws {
        for arguments in [["demo", "--help"], ["--help"]] {
            let binary = arguments.first == "demo" ? "tokencert" : "tokencert-demo"
            let r = try runTool(builtExecutable(binary), arguments, environment: ["COLUMNS": "80"])
            XCTAssertEqual(r.status, 0, r.err)
            let overview = r.out.components(separatedBy: "\n\n").filter { !$0.hasPrefix("USAGE") && !$0.hasPrefix("OPTIONS") }
            var paragraphs = 0
            for paragraph in overview {
                let lines = paragraph.components(separatedBy: "\n")
                guard lines.count > 1, lines.allSatisfy({ !$0.hasPrefix(" ") }) else { continue }
                paragraphs += 1
                for line in lines.dropLast() where !line.hasSuffix(":") {
                    XCTAssertGreaterThanOrEqual(line.count, 60, "\(binary) \(arguments.joined(separator: " ")): a ragged line in\n\(paragraph)")
                }
            }
            XCTAssertGreaterThan(paragraphs, 0, r.out)
        }
    }
}

/// Start-up: a command without an explicit `commandName` makes swift-argument-parser derive it with
/// `String(describing: Self.self)` while it builds the command tree — on every run, for every
/// command, a scan of the binary's ~11,000 protocol conformance records each (37 % of the
/// instructions of `tokencert --version` before the names were written out).
final class CommandNameTests: XCTestCase {
    func unnamed(_ root: any ParsableCommand.Type, _ path: String = "") -> [String] {
        let here = path + (path.isEmpty ? "" : " ") + (root.configuration.commandName ?? "<\(root)>")
        var found = root.configuration.commandName == nil ? [here] : []
        for sub in root.configuration.subcommands {
            found += unnamed(sub, here)
        }
        return found
    }

    func testEveryCommandNamesItself() {
        XCTAssertEqual(unnamed(TokenCert.self), [])
        XCTAssertEqual(unnamed(TokenCertRA.self), [])
        XCTAssertGreaterThan(TokenCert.configuration.subcommands.count, 10, "the walk sees the tree")
        struct Nameless: ParsableCommand {}
        XCTAssertEqual(unnamed(Nameless.self), ["<Nameless>"], "the check can fail")
    }
}
