import Foundation
public import Logging
import Synchronization

/// One JSON object per line — `{"time", "level", "label", "message", …metadata}` — for log
/// collectors (`tokencert-ra serve --log-format json`). Metadata never holds a secret: the RA logs
/// masked IDs, serials and code identifiers, never codes, passwords or PINs.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    /// - Parameter write: receives each line without its newline (standard output by default).
    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput) {
        self.label = label
        self.write = write
    }

    /// Writes a line to standard output in one call.
    public static let standardOutput: @Sendable (String) -> Void = { line in
        try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let explicit = event.metadata, level = event.level, message = event.message
        var object: [String: String] = [:]
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        object["time"] = Date().formatted(.iso8601)
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message.description
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self))
    }
}

/// Keeps log lines in memory (tests, diagnostics).
public final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    public init() {}

    /// Every line so far.
    public var lines: [String] { storage.withLock { $0 } }

    func append(_ line: String) { storage.withLock { $0.append(line) } }

    /// A logger at `level` whose lines land here as JSON.
    public func logger(label: String = "tokencert-ra", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in JSONLogHandler(label: label) { line in self.append(line) } }
        logger.logLevel = level
        return logger
    }
}
