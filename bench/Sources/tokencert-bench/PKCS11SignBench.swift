import ArgumentParser
import Dispatch
import Foundation
import PKCS11
import Synchronization
#if canImport(Glibc)
import Glibc
import Secrets
#endif

/// Signatures per second on one token: TokenCert's PKCS#11 layer vs a C loop over the same module,
/// token, key and mechanism.
struct PKCS11SignBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkcs11-sign",
        abstract: "Sign with RSA-2048 and P-256 through TokenCert's PKCS11 layer and through a C reference loop.",
        discussion: """
        Without --token the bench makes a private SoftHSM2 token. With --module and --token it signs on an
        existing token of any module, logged in with the user PIN from the environment variable
        TOKENCERT_BENCH_PIN (never an argument): it generates an RSA-2048 and a P-256 key there (those of the
        two the token can make, with its TokenProfile's key templates), and removes them at the end.

        Both sides sign the same 64-byte message with the same key and mechanism: the one TokenCert's
        signingPlan chooses for RSA PKCS#1 v1.5 SHA-256 / ECDSA SHA-256 on that token (the token hashes
        when it lists CKM_SHA256_RSA_PKCS / CKM_ECDSA_SHA256, else the host hashes), passed to the C loop.
        Rounds alternate which side goes first; the medians are compared.
        """)

    @Option(help: "Path of the compiled C reference loop (bench/c/p11sign.c).")
    var reference: String

    @Option(help: "PKCS#11 module (with --token). Default: SoftHSM2 on a private token.")
    var module: String?

    @Option(help: "Label of an existing token of --module to sign on; its user PIN is read from TOKENCERT_BENCH_PIN.")
    var token: String?

    @Option(help: "Signatures per measurement (default 2000 unless --seconds is given).")
    var ops: Int?

    @Option(help: "Instead of --ops: as many signatures per measurement as take about this many seconds on our side, from the warm-up's rate (the same count for both sides and all rounds).")
    var seconds: Double?

    @Option(help: "Measurements per side and algorithm (rounds alternate the order).")
    var rounds = 5

    @Option(help: "Key kinds to measure, of rsa2048 and p256 (those the token cannot generate are listed as not measured).")
    var keys = "rsa2048,p256"

    @Option(help: "Name of this row in the matrix table (default: the token's profile and label).")
    var name: String?

    @Option(help: "Also write the result as JSON to this file.")
    var jsonOut: String?

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    static let softHSMModule = "/usr/lib/softhsm/libsofthsm2.so"
    static let pinVariable = "TOKENCERT_BENCH_PIN"

    func validate() throws {
        if module != nil && token == nil {
            throw ValidationError("--module needs --token: the private token the bench makes is SoftHSM2's")
        }
        if ops != nil && seconds != nil { throw ValidationError("give --ops or --seconds, not both") }
        if let ops, ops < 1 { throw ValidationError("--ops must be at least 1") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be positive") }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1") }
        if try requestedSpecs().isEmpty { throw ValidationError("--keys names no key kind") }
    }

    func run() async throws {
        Interrupt.install()
        let modulePath: String
        let label: String
        let pinText: String
        var referenceEnvironment: [String: String] = [:]
        var privateDirectory: String?
        defer { if let privateDirectory { try? FileManager.default.removeItem(atPath: privateDirectory) } }

        let loaded: PKCS11Module
        if let token {
            guard let pin = ProcessInfo.processInfo.environment[Self.pinVariable], !pin.isEmpty else {
                throw BenchFailure("set the token's user PIN in the environment variable \(Self.pinVariable)")
            }
            unsetenv(Self.pinVariable)
            modulePath = module ?? Self.softHSMModule
            label = token
            pinText = pin
            loaded = try PKCS11Module.load(path: modulePath)
        } else {
            // A private SoftHSM2 token directory, removed at the end.
            let dir = NSTemporaryDirectory() + "tokencert-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
            privateDirectory = dir
            let conf = dir + "/softhsm2.conf"
            try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
                .write(toFile: conf, atomically: true, encoding: .utf8)
            setenv("SOFTHSM2_CONF", conf, 1)
            referenceEnvironment["SOFTHSM2_CONF"] = conf
            modulePath = Self.softHSMModule
            label = "bench"
            pinText = "\(Int.random(in: 100000...999999))"
            loaded = try PKCS11Module.load(path: modulePath)
            _ = try await loaded.initializeToken(label: label, soPIN: Secret("so-\(pinText)"), userPIN: Secret(pinText))
        }
        referenceEnvironment["P11SIGN_PIN"] = pinText

        guard let found = try loaded.tokens().first(where: { $0.info.label == label }) else {
            throw BenchFailure("\(modulePath) shows no token labelled \(label)")
        }
        let profile = TokenProfile.detect(module: loaded.info, token: found.info)
        let capabilities = try TokenCapabilities(module: loaded, token: found, profile: profile)
        guard profile.generatesKeys, profile.writer == .user, case .free = profile.keyIDs else {
            throw BenchFailure("""
                \(profile.name): this bench makes its keys as the token's user with free key IDs; \
                \(profile.limitation ?? "this module's keys are made otherwise (\(profile.writer) login, PIV-slot IDs)")
                """)
        }
        var specs: [KeySpec] = []
        var skipped: [Skipped] = []
        for spec in try requestedSpecs() {
            if capabilities.canGenerate(spec) { specs.append(spec) } else {
                skipped.append(Skipped(algorithm: Self.algorithmName(spec),
                                       reason: "the token cannot generate \(spec) keys (TokenCapabilities.generates: \(capabilities.generates.map(\.description).joined(separator: ", ")))"))
            }
        }
        guard !specs.isEmpty else { throw BenchFailure("the token can generate neither RSA-2048 nor P-256 keys") }

        let session = try loaded.openSession(found.slot.id)
        try await session.login(pin: Secret(pinText))
        let message = Array(UInt8(0)..<UInt8(64))
        var madeIDs: [[UInt8]] = []
        var results: [Result] = []
        var failure: Error?
        do {
            for spec in specs {
                try Interrupt.check()
                var id: [UInt8] = []
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<16 { id.append(generator.next()) }
                madeIDs.append(id)
                let keygenStart = ContinuousClock.now
                let pair = try await session.generateKeyPair(spec, label: "tokencert-bench-\(Self.algorithmName(spec))", id: id,
                                                             templates: profile.keyTemplates)
                let keygenSeconds = Self.seconds(keygenStart.duration(to: .now))
                let key = pair.privateKey
                let plan = try await session.signingPlan(for: key, algorithm: .default(for: key))
                let cAlgorithm = try Self.referenceAlgorithm(plan)
                let idHex = id.map { String(format: "%02x", $0) }.joined()

                // Warm-up, which also gives the rate for --seconds: up to 100 signatures or 1 s (at least 3).
                var warm = 0
                let warmStart = ContinuousClock.now
                while warm < 3 || (warm < 100 && Self.seconds(warmStart.duration(to: .now)) < 1) {
                    _ = try await session.sign(message, with: key)
                    warm += 1
                }
                let warmRate = Double(warm) / Self.seconds(warmStart.duration(to: .now))
                let n: Int
                if let seconds { n = max(10, Int((warmRate * seconds).rounded())) } else { n = ops ?? 2000 }
                let referenceWarmup = min(50, warm)

                var ours: [Sample] = [], theirs: [Sample] = []
                for round in 0..<rounds {
                    try Interrupt.check()
                    let measureOurs = { () async throws -> Sample in
                        let cpu0 = ProcessCPU.own()
                        let start = ContinuousClock.now
                        for _ in 0..<n { _ = try await session.sign(message, with: key) }
                        let elapsed = Self.seconds(start.duration(to: .now))
                        return Sample(opsPerSec: Double(n) / elapsed, cpuPerOp: (ProcessCPU.own() - cpu0) / Double(n))
                    }
                    let measureCBusy = { () throws -> Sample in
                        // The load is read when the loop has printed its result, before it disconnects.
                        let meter = ProcessCPU.LoadMeter()
                        var load: ProcessCPU.Load?
                        let sample = try runReference(reference, [modulePath, label, idHex, cAlgorithm, String(n), String(referenceWarmup)],
                                                      environment: referenceEnvironment, afterResult: { load = meter.read(alsoOurs: [$0]) })
                        return sample.with(load)
                    }
                    let measureOursBusy = { () async throws -> Sample in
                        let (sample, load) = try await ProcessCPU.load { try await measureOurs() }
                        return sample.with(load)
                    }
                    if round % 2 == 0 {
                        ours.append(try await measureOursBusy())
                        theirs.append(try measureCBusy())
                    } else {
                        theirs.append(try measureCBusy())
                        ours.append(try await measureOursBusy())
                    }
                }
                results.append(Result(algorithm: Self.algorithmName(spec), mechanism: plan.mechanism.description,
                                      hashedBy: plan.input == .message ? "token" : "host",
                                      keygenSeconds: keygenSeconds, opsPerMeasurement: n, rounds: rounds,
                                      tokencert: ours, reference: theirs))
            }
        } catch {
            failure = error
        }
        // Remove what the run made, whatever happened, and check nothing with those IDs is left.
        var leftovers: [String] = []
        for id in madeIDs {
            do {
                _ = try await session.destroyObjects(id: id)
                if try await !session.findObjects([.id(id)]).isEmpty { leftovers.append(id.map { String(format: "%02x", $0) }.joined()) }
            } catch {
                leftovers.append(id.map { String(format: "%02x", $0) }.joined() + " (\(error))")
            }
        }
        try? await session.logout()
        try? await session.close()
        if !leftovers.isEmpty {
            FileHandle.standardError.write(Data("pkcs11-sign: could not remove the bench's objects with CKA_ID \(leftovers.joined(separator: ", ")) from \(label)\n".utf8))
        }
        if let failure { throw failure }

        let row = Row(name: name ?? (privateDirectory != nil ? "SoftHSM2, private token" : "\(profile.name), token \(label)"), module: modulePath, library: loaded.info.libraryDescription,
                      libraryVersion: loaded.info.libraryVersion.description, manufacturer: loaded.info.manufacturer,
                      token: label, tokenModel: found.info.model, profile: profile.id, results: results, skipped: skipped)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = try encoder.encode(row)
        if let jsonOut { try document.write(to: URL(fileURLWithPath: jsonOut)) }
        if json {
            print(String(decoding: document, as: UTF8.self))
        } else {
            print(row.text)
        }
    }

    func requestedSpecs() throws -> [KeySpec] {
        try keys.split(separator: ",").map { name -> KeySpec in
            switch name.trimmingCharacters(in: .whitespaces).lowercased() {
            case "rsa2048", "rsa-2048": return .rsa2048
            case "p256", "p-256": return .p256
            default: throw ValidationError("--keys: unknown key kind \(name) (known: rsa2048, p256)")
            }
        }
    }

    static func algorithmName(_ spec: KeySpec) -> String {
        switch spec {
        case .rsa(let bits): "RSA-\(bits)"
        case .ec(let curve): curve == .p256 ? "P-256" : "P-384"
        }
    }

    /// The C loop's name for the plan TokenCert chose.
    static func referenceAlgorithm(_ plan: SigningPlan) throws -> String {
        switch (plan.mechanism, plan.input) {
        case (.sha256RSAPKCS, .message): "rsa"
        case (.rsaPKCS, .digestInfo): "rsa-pkcs"
        case (.ecdsa, .digest): "ecdsa"
        case (.ecdsaSHA256, .message): "ecdsa-sha256"
        default: throw BenchFailure("the C reference has no loop for \(plan.mechanism) over \(plan.input)")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// One measurement: signatures per second, and the signing process's own CPU seconds per signature.
    struct Sample: Codable {
        var opsPerSec: Double
        var cpuPerOp: Double
        /// How busy the whole machine was during the measurement, 0…1 of all CPUs (/proc/stat), the
        /// module's daemons included.
        var machineBusy: Double?
        /// The part of that outside the bench's process group (the bench, its C reference and the
        /// daemons bench/run started): other work that shared the machine with the measurement.
        var othersBusy: Double?

        func with(_ load: ProcessCPU.Load?) -> Sample {
            var s = self
            s.machineBusy = load?.machineBusy
            s.othersBusy = load?.others
            return s
        }
    }

    struct Skipped: Codable {
        var algorithm: String
        var reason: String
    }

    struct Result: Codable {
        var algorithm: String
        var mechanism: String
        /// "token" (hash-and-sign mechanism) or "host" (SHA-256 in the signing process, then the raw mechanism).
        var hashedBy: String
        var keygenSeconds: Double
        var opsPerMeasurement: Int
        var rounds: Int
        var tokencert: [Sample]
        var reference: [Sample]
        var tokencertOpsPerSec: Double { median(tokencert.map(\.opsPerSec)) }
        var referenceOpsPerSec: Double { median(reference.map(\.opsPerSec)) }
        var tokencertCPUPerOp: Double { median(tokencert.map(\.cpuPerOp)) }
        var referenceCPUPerOp: Double { median(reference.map(\.cpuPerOp)) }
        var ratio: Double { tokencertOpsPerSec / referenceOpsPerSec }
        /// Ours ÷ the reference's within each round (the two measurements next to each other in time).
        var roundRatios: [Double] { zip(tokencert, reference).map { $0.opsPerSec / $1.opsPerSec } }
        /// The highest share of the machine other work took during any measurement of this key.
        var maxOthersBusy: Double? { (tokencert + reference).compactMap(\.othersBusy).max() }

        enum CodingKeys: String, CodingKey {
            case algorithm, mechanism, hashedBy, keygenSeconds, opsPerMeasurement, rounds, tokencert, reference
            case tokencertOpsPerSec, referenceOpsPerSec, tokencertCPUPerOp, referenceCPUPerOp, ratio, roundRatios
        }
        init(algorithm: String, mechanism: String, hashedBy: String, keygenSeconds: Double, opsPerMeasurement: Int,
             rounds: Int, tokencert: [Sample], reference: [Sample]) {
            self.algorithm = algorithm
            self.mechanism = mechanism
            self.hashedBy = hashedBy
            self.keygenSeconds = keygenSeconds
            self.opsPerMeasurement = opsPerMeasurement
            self.rounds = rounds
            self.tokencert = tokencert
            self.reference = reference
        }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(algorithm: try c.decode(String.self, forKey: .algorithm), mechanism: try c.decode(String.self, forKey: .mechanism),
                      hashedBy: try c.decode(String.self, forKey: .hashedBy), keygenSeconds: try c.decode(Double.self, forKey: .keygenSeconds),
                      opsPerMeasurement: try c.decode(Int.self, forKey: .opsPerMeasurement), rounds: try c.decode(Int.self, forKey: .rounds),
                      tokencert: try c.decode([Sample].self, forKey: .tokencert), reference: try c.decode([Sample].self, forKey: .reference))
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(algorithm, forKey: .algorithm)
            try c.encode(mechanism, forKey: .mechanism)
            try c.encode(hashedBy, forKey: .hashedBy)
            try c.encode(keygenSeconds, forKey: .keygenSeconds)
            try c.encode(opsPerMeasurement, forKey: .opsPerMeasurement)
            try c.encode(rounds, forKey: .rounds)
            try c.encode(tokencert, forKey: .tokencert)
            try c.encode(reference, forKey: .reference)
            try c.encode(tokencertOpsPerSec, forKey: .tokencertOpsPerSec)
            try c.encode(referenceOpsPerSec, forKey: .referenceOpsPerSec)
            try c.encode(tokencertCPUPerOp, forKey: .tokencertCPUPerOp)
            try c.encode(referenceCPUPerOp, forKey: .referenceCPUPerOp)
            try c.encode(ratio, forKey: .ratio)
            try c.encode(roundRatios, forKey: .roundRatios)
        }
    }

    /// One module and token of the matrix.
    struct Row: Codable {
        var name: String
        var module: String
        var library: String
        var libraryVersion: String
        var manufacturer: String
        var token: String
        var tokenModel: String
        var profile: String
        var results: [Result]
        var skipped: [Skipped]

        var text: String {
            let rounds = results.first?.rounds ?? 0
            var lines = ["PKCS#11 signing, \(name): token \(token) (\(tokenModel)), \(library) \(libraryVersion) (\(module)), \(rounds) rounds, medians:"]
            for r in results {
                let what = "\(r.algorithm), \(r.mechanism) (\(r.hashedBy) hashes)"
                lines.append("  " + what.padding(toLength: max(44, what.count), withPad: " ", startingAt: 0) + String(format: " %6d sigs  TokenCert %8.1f ops/s  C reference %8.1f ops/s  ratio %.3f (target ≥ 0.97)  in-process CPU/sig %.1f µs vs %.1f µs  others' CPU ≤ %.0f %%",
                                    r.opsPerMeasurement,
                                    r.tokencertOpsPerSec, r.referenceOpsPerSec, r.ratio, r.tokencertCPUPerOp * 1e6, r.referenceCPUPerOp * 1e6,
                                    (r.maxOthersBusy ?? .nan) * 100))
            }
            for s in skipped { lines.append("  \(s.algorithm): not measured, \(s.reason)") }
            return lines.joined(separator: "\n")
        }
    }
}

/// Prints the Markdown table of a `pkcs11-sign --matrix` run from the rows' JSON files.
struct PKCS11SignTable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkcs11-sign-table", abstract: "Markdown table of pkcs11-sign rows written with --json-out.", shouldDisplay: false)

    @Argument(help: "JSON files written by pkcs11-sign --json-out.")
    var files: [String]

    func run() throws {
        print("| module | token | algorithm | mechanism | sigs × rounds | TokenCert sig/s | C reference sig/s | ratio (target ≥ 0.97) | per-round ratios min–max | in-process CPU µs/sig, ours / C | others' CPU share, max |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for file in files {
            let row = try JSONDecoder().decode(PKCS11SignBench.Row.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            for r in row.results {
                print(String(format: "| %@ | %@ | %@ | %@ | %d × %d | %.1f | %.1f | %.3f | %.3f–%.3f | %.1f / %.1f | %@ |",
                             row.name as NSString, row.token as NSString, r.algorithm as NSString,
                             "`\(r.mechanism)`" + (r.hashedBy == "host" ? " (host hash)" : "") as NSString,
                             r.opsPerMeasurement, r.rounds, r.tokencertOpsPerSec, r.referenceOpsPerSec, r.ratio,
                             r.roundRatios.min() ?? 0, r.roundRatios.max() ?? 0, r.tokencertCPUPerOp * 1e6, r.referenceCPUPerOp * 1e6,
                             (r.maxOthersBusy.map { String(format: "%.0f %%", $0 * 100) } ?? "?") as NSString))
            }
            for s in row.skipped {
                print("| \(row.name) | \(row.token) | \(s.algorithm) | not measured: \(s.reason) | | | | | | | |")
            }
        }
    }
}

/// Runs the C loop; the PIN goes through the environment (P11SIGN_PIN in `environment`), never argv.
/// `afterResult` gets the loop's PID once it has printed its result and before it logs out and exits
/// (P11SIGN_HOLD: it waits for its standard input to close), while every process serving its
/// connection is still there.
func runReference(_ path: String, _ args: [String], environment extra: [String: String],
                  afterResult: (pid_t) -> Void = { _ in }) throws -> PKCS11SignBench.Sample {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    environment["P11SIGN_HOLD"] = "1"
    p.environment = environment
    let out = Pipe(), hold = Pipe()
    p.standardOutput = out
    p.standardInput = hold
    try p.run()
    // The result is one line; read up to it, then let the loop finish.
    var data = Data()
    while !data.contains(UInt8(ascii: "\n")) {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        data.append(chunk)
    }
    afterResult(p.processIdentifier)
    try? hold.fileHandleForWriting.close()
    data.append(out.fileHandleForReading.readDataToEndOfFile())
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    var fields: [String: Double] = [:]
    for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        let parts = field.split(separator: "=", maxSplits: 1)
        if parts.count == 2, let v = Double(parts[1]) { fields[String(parts[0])] = v }
    }
    guard p.terminationStatus == 0, let rate = fields["ops_per_sec"], let ops = fields["ops"], let cpu = fields["cpu_seconds"] else {
        throw BenchFailure("reference loop failed (status \(p.terminationStatus)): \(text)")
    }
    return PKCS11SignBench.Sample(opsPerSec: rate, cpuPerOp: cpu / ops)
}

/// A failure of the run (not of its arguments): printed without the usage text, exit status 1.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SIGINT and SIGTERM stop the run between measurements, so the keys it made are removed.
enum Interrupt {
    static let flag = Atomic<Bool>(false)
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                flag.store(true, ordering: .relaxed)
                FileHandle.standardError.write(Data("interrupted: stopping after this measurement and removing the bench's keys\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    static func check() throws {
        if flag.load(ordering: .relaxed) { throw ExitCode(130) }
    }
}
