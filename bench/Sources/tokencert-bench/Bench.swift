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
        subcommands: [PKCS11SignBench.self, PIVSignBench.self, PFXBench.self, RAIssueBench.self])
}

/// Signatures per second on one SoftHSM key: TokenCert's PKCS#11 layer vs a C loop over the same module.
struct PKCS11SignBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkcs11-sign",
        abstract: "Sign N times with RSA-2048 and P-256 through TokenCert's PKCS11 layer and through a C reference loop.",
        discussion: """
        Both sides sign the same 64-byte message with the same SoftHSM key: RSA-2048 with
        CKM_SHA256_RSA_PKCS (the token hashes), P-256 with SHA-256 on the host then CKM_ECDSA (SoftHSM has
        no CKM_ECDSA_SHA256). Rounds alternate which side goes first; the medians are compared.
        """)

    @Option(help: "Path of the compiled C reference loop (bench/c/p11sign.c).")
    var reference: String

    @Option(help: "PKCS#11 module.")
    var module = "/usr/lib/softhsm/libsofthsm2.so"

    @Option(help: "Signatures per measurement.")
    var ops = 2000

    @Option(help: "Measurements per side and algorithm (rounds alternate the order).")
    var rounds = 5

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() async throws {
        let dir = NSTemporaryDirectory() + "tokencert-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let conf = dir + "/softhsm2.conf"
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        setenv("SOFTHSM2_CONF", conf, 1)

        let pinText = "\(Int.random(in: 100000...999999))"
        let module = try PKCS11Module.load(path: module)
        let label = "bench"
        let token = try await module.initializeToken(label: label, soPIN: PIN("so-\(pinText)"), userPIN: PIN(pinText))
        let session = try module.openSession(token.slot.id)
        try await session.login(pin: PIN(pinText))
        let rsa = try await session.generateKeyPair(.rsa2048, label: "bench-rsa", id: [0x01])
        let ec = try await session.generateKeyPair(.p256, label: "bench-ec", id: [0x02])
        let message = Array(UInt8(0)..<UInt8(64))

        var results: [Result] = []
        for (name, key, cArg, idHex) in [("RSA-2048", rsa.privateKey, "rsa", "01"), ("P-256", ec.privateKey, "ecdsa", "02")] {
            // Warm up both sides.
            for _ in 0..<100 { _ = try await session.sign(message, with: key) }
            var ours: [Double] = [], theirs: [Double] = []
            for round in 0..<rounds {
                let measureOurs = { () async throws -> Double in
                    let start = ContinuousClock.now
                    for _ in 0..<ops { _ = try await session.sign(message, with: key) }
                    let elapsed = start.duration(to: .now)
                    return Double(ops) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                }
                let measureC = { () throws -> Double in
                    try runReference(reference, [self.module, label, idHex, cArg, String(ops)], conf: conf, pin: pinText)
                }
                if round % 2 == 0 {
                    ours.append(try await measureOurs())
                    theirs.append(try measureC())
                } else {
                    theirs.append(try measureC())
                    ours.append(try await measureOurs())
                }
            }
            results.append(Result(algorithm: name, opsPerMeasurement: ops, rounds: rounds,
                                  tokencertOpsPerSec: median(ours), referenceOpsPerSec: median(theirs),
                                  tokencertAll: ours, referenceAll: theirs))
        }
        try await session.logout()

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print("PKCS#11 signing on SoftHSM \(module.info.libraryVersion), \(ops) signatures × \(rounds) rounds, medians:")
            for r in results {
                print(String(format: "  %-9@ TokenCert %8.0f ops/s   C reference %8.0f ops/s   ratio %.3f  (target ≥ 0.97)",
                             r.algorithm as NSString, r.tokencertOpsPerSec, r.referenceOpsPerSec, r.ratio))
            }
        }
    }

    struct Result: Encodable {
        var algorithm: String
        var opsPerMeasurement: Int
        var rounds: Int
        var tokencertOpsPerSec: Double
        var referenceOpsPerSec: Double
        var tokencertAll: [Double]
        var referenceAll: [Double]
        var ratio: Double { tokencertOpsPerSec / referenceOpsPerSec }
        enum CodingKeys: String, CodingKey {
            case algorithm, opsPerMeasurement, rounds, tokencertOpsPerSec, referenceOpsPerSec, tokencertAll, referenceAll, ratio
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(algorithm, forKey: .algorithm)
            try c.encode(opsPerMeasurement, forKey: .opsPerMeasurement)
            try c.encode(rounds, forKey: .rounds)
            try c.encode(tokencertOpsPerSec, forKey: .tokencertOpsPerSec)
            try c.encode(referenceOpsPerSec, forKey: .referenceOpsPerSec)
            try c.encode(tokencertAll, forKey: .tokencertAll)
            try c.encode(referenceAll, forKey: .referenceAll)
            try c.encode(ratio, forKey: .ratio)
        }
    }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Runs the C loop; the PIN goes through the environment, never argv. Returns its ops/s.
func runReference(_ path: String, _ args: [String], conf: String, pin: String) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["SOFTHSM2_CONF"] = conf
    env["P11SIGN_PIN"] = pin
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0,
          let field = text.split(separator: " ").first(where: { $0.hasPrefix("ops_per_sec=") }),
          let value = Double(field.dropFirst("ops_per_sec=".count).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ValidationError("reference loop failed (status \(p.terminationStatus)): \(text)")
    }
    return value
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
