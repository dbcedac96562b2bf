import Foundation
public import Localization
import Secrets
public import ArgumentParser

/// `--format text|json`.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

extension Language: ExpressibleByArgument {
    public init?(argument: String) { self.init(localeIdentifier: argument) }
    public static var allValueStrings: [String] { ["zh-TW", "en"] }
}

/// Options every command takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "Output format: text for people, json for scripts (one stable JSON document).")
    public var format: OutputFormat = .text

    @Option(name: .long, help: "Language of messages: zh-TW or en (default: from LC_ALL / LANG).")
    public var lang: Language?

    public init() {}

    public var language: Language { lang ?? Language.fromEnvironment() }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        try? FileHandle.standardError.write(contentsOf: Data(s.utf8))
    }
}

/// Pretty, key-sorted JSON so scripts and diffs see a stable document.
public func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// A plain text table with column widths that count CJK characters as two cells.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.displayWidth) } }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.displayWidth)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    /// Terminal cells: East Asian wide characters take two.
    var displayWidth: Int {
        unicodeScalars.reduce(0) { n, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return n + (wide ? 2 : 1)
        }
    }
}
