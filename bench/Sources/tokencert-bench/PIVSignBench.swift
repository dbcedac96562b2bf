import ArgumentParser
import Foundation
import PCSC
import PIV
import PKCS11
import VirtualCard

/// PIV signatures per second on one virtual card: TokenCert's PIV client vs OpenSC's PKCS#11 module
/// (opensc-pkcs11.so, driven through TokenCert's PKCS11 layer), both through the same pcscd and vpcd.
struct PIVSignBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "piv-sign",
        abstract: "ECDSA P-256 signatures/s on a virtual PIV card: our PIV client vs OpenSC's PKCS#11 path.",
        discussion: """
        Needs a pcscd with a vpcd reader on --port (bench/run starts one). The card gets a P-256 key in
        slot 9A and a certificate for it (OpenSC shows keys that have certificates). Both sides sign the
        same 64-byte message with that key, PIN verified once; rounds alternate which side goes first.
        """)

    @Option(help: "vpcd port of the reader to plug the virtual card into.")
    var port: Int

    @Option(help: "Reader name pcscd gives that port.")
    var reader: String

    @Option(help: "OpenSC's PKCS#11 module.")
    var module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

    @Option(help: "Signatures per measurement.")
    var ops = 300

    @Option(help: "Measurements per side (rounds alternate the order).")
    var rounds = 5

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
        try await piv.authenticate(managementKey: PIV.defaultManagementKey)
        let publicKey = try await piv.generateKey(slot: .authentication, algorithm: .eccP256)
        try await piv.writeCertificate(try certificate(for: publicKey.subjectPublicKeyInfo()), slot: .authentication)
        try await piv.writeCHUIDAndCCC()
        try await piv.verifyPIN(CardSecret(PIV.defaultPIN))
        let message = Array(UInt8(0)..<UInt8(64))

        // OpenSC's side: its module through our PKCS11 layer, on the slot of the same reader.
        let opensc = try PKCS11Module.load(path: module)
        guard let token = try opensc.tokens().first(where: { $0.slot.slotDescription.contains(reader) }) else {
            throw ValidationError("OpenSC shows no token in \(reader)")
        }
        let session = try opensc.openSession(token.slot.id, readWrite: false)
        try await session.login(pin: PKCS11.PIN(PIV.defaultPIN))
        let key = try await session.privateKey(id: [0x01])

        var ours: [Double] = [], theirs: [Double] = []
        func rate(_ body: () async throws -> Void) async throws -> Double {
            let start = ContinuousClock.now
            for _ in 0..<ops { try await body() }
            let d = start.duration(to: .now)
            return Double(ops) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        for _ in 0..<10 {
            _ = try await piv.sign(message, slot: .authentication, algorithm: .eccP256)
            _ = try await session.sign(message, with: key)
        }
        // APDUs the card received for one signature on each side.
        var before = await card.apduCount
        _ = try await piv.sign(message, slot: .authentication, algorithm: .eccP256)
        let oursAPDUs = await card.apduCount - before
        before = await card.apduCount
        _ = try await session.sign(message, with: key)
        let theirAPDUs = await card.apduCount - before
        for round in 0..<rounds {
            let a = { try await rate { _ = try await piv.sign(message, slot: .authentication, algorithm: .eccP256) } }
            let b = { try await rate { _ = try await session.sign(message, with: key) } }
            if round % 2 == 0 { ours.append(try await a()); theirs.append(try await b()) } else { theirs.append(try await b()); ours.append(try await a()) }
        }
        try await session.logout()
        let result = Result(algorithm: "PIV ECDSA P-256", opsPerMeasurement: ops, rounds: rounds,
                                            tokencertOpsPerSec: median(ours), referenceOpsPerSec: median(theirs),
                                            tokencertAll: ours, referenceAll: theirs)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode([result]), as: UTF8.self))
        } else {
            print("PIV signing on a virtual card in \(reader), \(ops) signatures × \(rounds) rounds, medians:")
            print(String(format: "  TokenCert PIV client %7.0f ops/s   OpenSC PKCS#11 %7.0f ops/s   ratio %.2f  (target ≥ 1.5)",
                         result.tokencertOpsPerSec, result.referenceOpsPerSec, result.ratio))
            print("  APDUs per signature: TokenCert \(oursAPDUs), OpenSC \(theirAPDUs)")
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
