import Foundation
import XCTest

/// A program driven like a person at a terminal: lines written to its stdin as its output asks for
/// them, stdout and stderr collected as they arrive. Every wait is bounded.
public final class InteractiveProcess: @unchecked Sendable {
    public let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let lock = NSLock()
    private var out = Data(), err = Data()

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], unset: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in unset { env.removeValue(forKey: key) }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.out.append(d) }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.err.append(d) }
        }
        try process.run()
    }

    public var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    public var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits until stdout+stderr match `pattern` (a regex); returns the first capture group or the
    /// whole match. Fails the test after `timeout` seconds or when the program ended first.
    @discardableResult
    public func waitFor(_ pattern: String, after offset: Int = 0, timeout: TimeInterval = 60,
                        file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stderr + "\n" + stdout
            let ns = text as NSString
            if let m = regex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) {
                return ns.substring(with: m.numberOfRanges > 1 ? m.range(at: 1) : m.range)
            }
            if !process.isRunning {
                Thread.sleep(forTimeInterval: 0.2)
                let late = stderr + "\n" + stdout
                if let m = regex.firstMatch(in: late, range: NSRange(location: 0, length: (late as NSString).length)) {
                    return (late as NSString).substring(with: m.numberOfRanges > 1 ? m.range(at: 1) : m.range)
                }
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("no /\(pattern)/ in time; stdout:\n\(stdout)\nstderr:\n\(stderr)", file: file, line: line)
        throw CocoaError(.userCancelled)
    }

    /// Writes one line to the program's stdin.
    public func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Closes stdin and waits for the end (killing the program after `timeout` seconds).
    public func finish(timeout: TimeInterval = 120) -> ToolResult {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.1)
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        let restOut = (try? output.fileHandleForReading.readToEnd()) ?? nil
        let restErr = (try? errors.fileHandleForReading.readToEnd()) ?? nil
        lock.withLock {
            if let restOut { out.append(restOut) }
            if let restErr { err.append(restErr) }
        }
        return ToolResult(status: process.terminationStatus, out: stdout, err: stderr)
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// The built executables next to the test bundle (`.build/<triple>/debug/NAME`).
public func builtExecutable(_ name: String) -> String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()].map({ $0.appendingPathComponent(name).path })
    where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    return dir.appendingPathComponent(name).path
}
