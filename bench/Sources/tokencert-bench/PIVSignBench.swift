import ArgumentParser
import Foundation
import PCSC
import PIV
import PKCS11
import VirtualCard
import Secrets

/// PIV signatures per second on one virtual card: TokenCert's PIV client vs two PKCS#11 modules on the
/// same card and key — OpenSC's (opensc-pkcs11.so) and Yubico's (libykcs11.so) — each driven through
/// TokenCert's PKCS11 layer, all through the same pcscd and vpcd.
struct PIVSignBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "piv-sign",
        abstract: "ECDSA P-256 signatures/s on a virtual PIV card: our PIV client vs OpenSC's and ykcs11's PKCS#11 paths.",
        discussion: """
        Needs a pcscd with a vpcd reader on --port (bench/run starts one; ykcs11 lists only readers whose
        name starts with "Yubico", which scripts/pcscd-env.sh's reader does). The card gets a P-256 key in
        slot 9A and a certificate for it (OpenSC and ykcs11 show keys that have certificates). Every side
        signs the same 64-byte message with that key, PIN verified once (C_Login once for each module);
        rounds rotate which side goes first.
        """)

    @Option(help: "vpcd port of the reader to plug the virtual card into.")
    var port: Int

    @Option(help: "Reader name pcscd gives that port.")
    var reader: String

    @Option(help: "OpenSC's PKCS#11 module.")
    var module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Option(help: "Yubico's PKCS#11 module (ykcs11; CKA_ID 1 is slot 9A).")
    var ykcs11 = "/usr/lib/x86_64-linux-gnu/libykcs11.so"

    @Option(help: "References to measure, of opensc and ykcs11, in this order.")
    var references = "opensc,ykcs11"

    @Option(help: "Signatures per measurement.")
    var ops = 2000

    @Option(help: "Measurements per side (rounds rotate the order).")
    var rounds = 9

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() async throws {
        let card = try VirtualPIVCard(configuration: .init(port: port, connectTimeout: .seconds(10), reconnectWhenDropped: false))
        try await card.start()
        defer { Task { await card.stop() } }
        try await waitForCard()

        // Personalise: key in 9A, a certificate for it (made by OpenSSL), CHUID/CCC.
        let connection = try PCSCContext().connect(reader: reader)
        let piv = try await PIVSession(transport: connection)
        try await piv.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey))
        let publicKey = try await piv.generateKey(slot: .authentication, algorithm: .eccP256)
        let spki = try publicKey.subjectPublicKeyInfo()
        try await piv.writeCertificate(try certificate(for: spki), slot: .authentication)
        try await piv.writeCHUIDAndCCC()
        try await piv.verifyPIN(Secret(PIV.defaultPIN))
        let message = Array(UInt8(0)..<UInt8(64))

        // The references: each module through our PKCS11 layer, on the slot of the same reader, logged
        // in once, the key with CKA_ID 1 (slot 9A for both), checked to be the card's key.
        var references: [Reference] = []
        var chosen: [(String, String)] = []
        for name in self.references.split(separator: ",") {
            switch name.trimmingCharacters(in: .whitespaces).lowercased() {
            case "opensc": chosen.append(("OpenSC", module))
            case "ykcs11": chosen.append(("ykcs11", ykcs11))
            default: throw ValidationError("--references: unknown reference \(name) (known: opensc, ykcs11)")
            }
        }
        for (name, path) in chosen {
            let loaded = try PKCS11Module.load(path: path)
            guard let token = try loaded.tokens().first(where: { $0.slot.slotDescription.contains(reader) }) else {
                throw ValidationError("\(name) (\(path)) shows no token in \(reader)")
            }
            let session = try loaded.openSession(token.slot.id, readWrite: false)
            try await session.login(pin: Secret(PIV.defaultPIN))
            let key = try await session.privateKey(id: [0x01])
            guard let publicHandle = try await session.publicKey(for: key),
                  try await session.subjectPublicKeyInfo(of: publicHandle) == spki else {
                throw ValidationError("\(name): the key with CKA_ID 01 is not the one generated in slot 9A")
            }
            let plan = try await session.signingPlan(for: key, algorithm: .default(for: key))
            references.append(Reference(name: name, module: loaded, session: session, key: key, mechanism: plan.mechanism.description))
        }

        func rate(_ body: () async throws -> Void) async throws -> Double {
            let start = ContinuousClock.now
            for _ in 0..<ops { try await body() }
            let d = start.duration(to: .now)
            return Double(ops) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        // The sides: 0 is ours, then the references.
        let sides = 1 + references.count
        func signOnce(_ side: Int) async throws {
            if side == 0 {
                _ = try await piv.sign(message, slot: .authentication, algorithm: .eccP256)
            } else {
                let r = references[side - 1]
                _ = try await r.session.sign(message, with: r.key)
            }
        }
        for _ in 0..<10 { for side in 0..<sides { try await signOnce(side) } }
        // APDUs the card received for one signature on each side.
        var apdus: [Int] = []
        for side in 0..<sides {
            let before = await card.apduCount
            try await signOnce(side)
            apdus.append(await card.apduCount - before)
        }
        var measured = [[Double]](repeating: [], count: sides)
        var others = [Double](repeating: 0, count: sides)
        for round in 0..<rounds {
            for k in 0..<sides {
                let side = (round + k) % sides
                let (r, load) = try await ProcessCPU.load { try await rate { try await signOnce(side) } }
                measured[side].append(r)
                others[side] = max(others[side], load?.others ?? 0)
            }
        }
        for r in references { try await r.session.logout() }

        let ours = median(measured[0])
        let result = Result(
            reader: reader, opsPerMeasurement: ops, rounds: rounds,
            tokencert: Side(name: "TokenCert PIV client", module: nil, libraryVersion: nil, mechanism: "GENERAL AUTHENTICATE",
                            apdusPerSignature: apdus[0], all: measured[0], opsPerSec: ours, ratio: nil, maxOthersBusy: others[0]),
            references: references.enumerated().map { i, r in
                let m = median(measured[i + 1])
                return Side(name: r.name, module: r.module.path,
                            libraryVersion: "\(r.module.info.libraryDescription) \(r.module.info.libraryVersion)",
                            mechanism: r.mechanism, apdusPerSignature: apdus[i + 1], all: measured[i + 1], opsPerSec: m, ratio: ours / m,
                            maxOthersBusy: others[i + 1])
            })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("PIV signing (ECDSA P-256, slot 9A) on a virtual card in \(reader), \(ops) signatures × \(rounds) rounds, medians:")
            print(String(format: "  TokenCert PIV client   %7.0f sig/s   %d APDU(s) per signature   others' CPU ≤ %.0f %%", ours, apdus[0], others[0] * 100))
            for r in result.references {
                print(String(format: "  %@ %7.0f sig/s   %d APDU(s) per signature   others' CPU ≤ %.0f %%   ratio ours/theirs %.2f  (target ≥ 1.5)",
                             r.name.padding(toLength: 22, withPad: " ", startingAt: 0) as NSString,
                             r.opsPerSec, r.apdusPerSignature, r.maxOthersBusy * 100, r.ratio ?? 0))
                print("    \(r.libraryVersion ?? ""), C_Sign with \(r.mechanism)")
            }
        }
    }

    struct Reference {
        var name: String
        var module: PKCS11Module
        var session: PKCS11Session
        var key: PrivateKey
        var mechanism: String
    }

    struct Side: Encodable {
        var name: String
        var module: String?
        var libraryVersion: String?
        var mechanism: String
        var apdusPerSignature: Int
        var all: [Double]
        var opsPerSec: Double
        /// Ours ÷ this reference's (references only).
        var ratio: Double?
        /// The highest share of the machine's CPUs that work outside the bench's process group (the
        /// bench with its virtual card, and the pcscd bench/run started) took during a measurement.
        var maxOthersBusy: Double
    }

    struct Result: Encodable {
        var reader: String
        var opsPerMeasurement: Int
        var rounds: Int
        var tokencert: Side
        var references: [Side]
    }

    func waitForCard() async throws {
        guard try await PCSCContext().waitForCard(in: reader, timeout: .seconds(10)) else {
            throw ValidationError("no card appeared in \(reader)")
        }
    }

    /// A certificate for the card's key from a throwaway OpenSSL CA (`openssl x509 -req -force_pubkey`).
    func certificate(for spki: [UInt8]) throws -> [UInt8] {
        let dir = NSTemporaryDirectory() + "piv-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(spki).write(to: URL(fileURLWithPath: dir + "/pub.der"))
        for args in [["pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem"],
                     ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-subj", "/CN=bench CA", "-out", "ca.pem"],
                     ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "t.key", "-subj", "/CN=bench", "-out", "req.pem"],
                     ["x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-force_pubkey", "pub.pem", "-outform", "DER", "-out", "cert.der"]] {
            try runQuietly("/usr/bin/openssl", args, in: dir)
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/cert.der")))
    }
}
