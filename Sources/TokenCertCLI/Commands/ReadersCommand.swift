import ArgumentParser
import Foundation
import Localization
import PCSC
import PIV
import SmartCard

/// `tokencert readers`: smart-card readers, what is in them, and live insert/remove events.
struct ReadersCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List smart-card readers, the card in each (ATR, PIV or not), and watch insertions.",
        discussion: """
        Talks to the PC/SC service (pcscd). Each card is asked, in shared mode, whether it has a PIV application; nothing on the card changes and no PIN is asked for.

        With --format json: docs/schemas/readers.schema.json; with --watch one docs/schemas/readers-event.schema.json document per line; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert readers
          tokencert readers --format json
          tokencert readers --watch          # one line per reader/card event until Ctrl-C
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Keep running and print reader and card events as they happen.")
    var watch = false

    func work() async throws {
        let lang = global.language
        let context = try PCSCContext()
        let report = try await ReaderReport.collect(context: context)
        if global.format == .json && !watch {
            try printJSON(report)
        } else if global.format == .text {
            print(render(report, lang))
        }
        guard watch else { return }
        for await event in PCSCContext.events() {
            let line = await describe(event, context: context)
            // Unbuffered, so a script reading a pipe sees each event at once.
            // Standard output gone (a pipe's reader exited): the watch ends quietly.
            do { try emitLine(global.format == .json ? try jsonLine(line) : line.text.text(lang)) } catch { return }
        }
    }

    /// One line of `readers --watch --format json` (docs/schemas/readers-event.schema.json).
    struct EventLine: Codable {
        var event: String
        var reader: String
        var atr: String?
        var piv: Bool?
        /// The event in words, in both languages (the text form prints one of them).
        var text: LocalizedText
    }

    func describe(_ event: ReaderEvent, context: PCSCContext) async -> EventLine {
        switch event {
        case .readerAdded(let r):
            return EventLine(event: "reader-added", reader: r, text: LocalizedText(en: "+ reader " + r, zhTW: "＋ 讀卡機 " + r))
        case .readerRemoved(let r):
            return EventLine(event: "reader-removed", reader: r, text: LocalizedText(en: "- reader " + r, zhTW: "－ 讀卡機 " + r))
        case .cardRemoved(let r):
            return EventLine(event: "card-removed", reader: r, text: LocalizedText(en: "card removed from " + r, zhTW: "卡片已移除：" + r))
        case .cardInserted(let r, let atr):
            let piv = await ReaderReport.isPIV(context: context, reader: r)
            return EventLine(event: "card-inserted", reader: r, atr: hex(atr), piv: piv,
                             text: LocalizedText(en: "card inserted in \(r)  ATR \(hex(atr))" + (piv ? "  (PIV card)" : ""),
                                                 zhTW: "卡片已插入：\(r)  ATR \(hex(atr))" + (piv ? "（PIV 卡）" : "")))
        }
    }

    func render(_ report: ReaderReport, _ lang: Language) -> String {
        let en = lang == .english
        if report.readers.isEmpty {
            return en ? "No smart-card reader found. Plug one in; `tokencert doctor` explains what is missing."
                : "找不到讀卡機。請接上讀卡機；`tokencert doctor` 會說明缺少什麼。"
        }
        var table = TextTable(header: en ? ["reader", "card", "ATR", "kind"] : ["讀卡機", "卡片", "ATR", "類型"])
        for r in report.readers {
            let card = r.cardPresent ? (en ? "present" : "已插入") : (en ? "empty" : "無卡片")
            let kind = r.piv == true ? "PIV" : r.cardPresent ? (en ? "not PIV" : "非 PIV") : ""
            table.rows.append([r.name, card, r.atr ?? "", kind])
        }
        return table.render()
    }
}

/// The JSON document of `tokencert readers --format json`.
struct ReaderReport: Codable {
    struct Reader: Codable {
        var name: String
        var cardPresent: Bool
        var atr: String?
        var piv: Bool?
        var inUse: Bool
    }
    var readers: [Reader]

    static func collect(context: PCSCContext) async throws -> ReaderReport {
        var readers: [Reader] = []
        for state in try context.readerStates() {
            var entry = Reader(name: state.reader, cardPresent: state.cardPresent, inUse: state.flags.contains(.inUse))
            if state.cardPresent {
                entry.atr = hex(state.atr)
                entry.piv = await isPIV(context: context, reader: state.reader)
            }
            readers.append(entry)
        }
        return ReaderReport(readers: readers)
    }

    /// Connects in shared mode and SELECTs the PIV application.
    static func isPIV(context: PCSCContext, reader: String) async -> Bool {
        guard let connection = try? context.connect(reader: reader) else { return false }
        defer { Task { try? await connection.disconnect() } }
        return (try? await PIVSession(transport: connection)) != nil
    }
}

func hex(_ bytes: [UInt8]) -> String { hexString(bytes, uppercase: true) }

/// One compact JSON object (for --watch, one per line).
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Writes one line to standard output without buffering.
/// - Throws: when standard output is gone (`… | head -1`: EPIPE); the caller stops watching.
func emitLine(_ line: String) throws {
    try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
}
