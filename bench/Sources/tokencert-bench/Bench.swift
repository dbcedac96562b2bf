// tokencert-bench: TokenCert's benchmarks, each measured side by side with a reference in one run.
// See bench/README.md.
import ArgumentParser
import Foundation
import PKCS11

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokencert-bench",
        abstract: "Benchmarks of TokenCert against reference implementations, run side by side.",
        subcommands: [PKCS11SignBench.self, PKCS11SignTable.self, PIVSignBench.self, PFXBench.self, RAIssueBench.self, OCSPBench.self])
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Runs a tool to completion with its standard output discarded (set-up steps, and the reference side of
/// a benchmark); its standard error too unless `showErrors`.
/// - Throws: `ValidationError` naming the tool when it exits non-zero.
func runQuietly(_ executable: String, _ arguments: [String], in directory: String? = nil, showErrors: Bool = false) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.standardOutput = FileHandle.nullDevice
    if !showErrors { p.standardError = FileHandle.nullDevice }
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw ValidationError("\((executable as NSString).lastPathComponent) \(arguments.prefix(2).joined(separator: " ")) failed")
    }
}
