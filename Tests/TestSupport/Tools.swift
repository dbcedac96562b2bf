import Foundation
import XCTest

/// What a tool printed and how it ended.
public struct ToolResult: Sendable {
    public var status: Int32
    public var out: String
    public var err: String
}

/// Runs an installed program (a bare name is looked up in /usr/bin, /usr/local/bin, /bin) with extra
/// environment variables, optional standard input, and `unset` variables removed. A missing program
/// fails the calling test: the test command installs everything, nothing is skipped.
/// Output goes through files, so a chatty program can never block on a full pipe.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
                    stdin: Data? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
    let path = executable.hasPrefix("/") ? executable
        : (["/usr/bin/", "/usr/local/bin/", "/bin/", "/usr/sbin/"].map { $0 + executable }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? executable)
    guard FileManager.default.isExecutableFile(atPath: path) else {
        XCTFail("\(executable) is missing: the README's test command installs and builds it", file: file, line: line)
        throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in unset { env.removeValue(forKey: key) }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
    let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    if let stdin {
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(stdin)
        try pipe.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus,
                      out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}
