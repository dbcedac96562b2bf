import ArgumentParser
import CertificateKit
import Foundation
import Secrets

/// `.pfx` export and import: TokenCert's `PKCS12Bundle` vs the `openssl pkcs12` command, at equal
/// iteration counts, interleaved in one run. Times are wall-clock per file, the command's process
/// start included: that is what a user of the CLI pays.
struct PFXBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfx",
        abstract: ".pfx export/import time: TokenCert vs openssl pkcs12, same iterations, same key and chain.",
        discussion: """
        Setup: an RSA-2048 key and a certificate with a two-certificate chain, made by openssl in a
        scratch folder. Modern: PBES2/PBKDF2-SHA256/AES-256-CBC with HMAC-SHA-256, --iterations for
        both encryption and MAC (openssl -iter sets both). Compat: PBE-SHA1-3DES with SHA-1 MAC,
        --compat-iterations. The password goes to openssl through a file. Rounds alternate the order.
        """)

    @Option(help: "PBKDF2 and MAC iterations for the modern profile.")
    var iterations = 600_000

    @Option(help: "Iterations for the compat profile.")
    var compatIterations = 2048

    @Option(help: "Files per measurement.")
    var ops = 3

    @Option(help: "Measurements per side.")
    var rounds = 5

    @Option(help: "Scratch folder.")
    var work = "bench/.work/pfx"

    func run() async throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        func path(_ name: String) -> String { work + "/" + name }
        func openssl(_ args: [String]) throws { try runQuietly("/usr/bin/openssl", args) }
        func der(_ pem: String) throws -> [UInt8] {
            let text = try String(contentsOfFile: pem, encoding: .utf8)
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            return Array(Data(base64Encoded: body)!)
        }
        let password = "Tc2026pfx"
        try password.write(toFile: path("pw"), atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("ca.key"),
                     "-subj", "/CN=Bench CA", "-days", "2", "-out", path("ca.pem")])
        try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path("leaf.key")])
        try openssl(["req", "-new", "-key", path("leaf.key"), "-subj", "/CN=Bench Customer/serialNumber=A123456789", "-out", path("leaf.csr")])
        try openssl(["x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-days", "2", "-out", path("leaf.pem")])
        try (String(contentsOfFile: path("ca.pem"), encoding: .utf8) + String(contentsOfFile: path("ca.pem"), encoding: .utf8))
            .write(toFile: path("chain.pem"), atomically: true, encoding: .utf8)
        let key = try der(path("leaf.key")), leaf = try der(path("leaf.pem")), ca = try der(path("ca.pem"))

        struct Side { var export: [Double] = []; var `import`: [Double] = [] }
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = ContinuousClock.now
            try body()
            let d = start.duration(to: .now)
            return (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) / Double(ops)
        }

        var report: [(String, Side, Side)] = []
        for (name, profile, flags) in [
            ("modern", PKCS12Profile.modern(iterations: iterations, macIterations: iterations), ["-iter", "\(iterations)", "-macalg", "sha256"]),
            ("compat", PKCS12Profile.compat(iterations: compatIterations, macIterations: compatIterations),
             ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-iter", "\(compatIterations)"]),
        ] {
            var ours = Side(), theirs = Side()
            let pfxPassword = Secret(password)
            let ourFile = try PKCS12Bundle.write(privateKeyDER: key, certificateDER: leaf, chainDER: [ca, ca], friendlyName: "bench",
                                                 password: pfxPassword, profile: profile)
            try openssl(["pkcs12", "-export", "-inkey", path("leaf.key"), "-in", path("leaf.pem"), "-certfile", path("chain.pem"),
                         "-name", "bench", "-passout", "file:" + path("pw"), "-out", path("\(name)-openssl.pfx")] + flags)
            let theirFile = Array(try Data(contentsOf: URL(fileURLWithPath: path("\(name)-openssl.pfx"))))
            try Data(ourFile).write(to: URL(fileURLWithPath: path("\(name)-ours.pfx")))
            let ourExport = {
                ours.export.append(try seconds {
                    for _ in 0..<ops {
                        _ = try PKCS12Bundle.write(privateKeyDER: key, certificateDER: leaf, chainDER: [ca, ca], friendlyName: "bench",
                                                   password: pfxPassword, profile: profile)
                    }
                })
            }
            let theirExport = {
                theirs.export.append(try seconds {
                    for _ in 0..<ops {
                        try openssl(["pkcs12", "-export", "-inkey", path("leaf.key"), "-in", path("leaf.pem"), "-certfile", path("chain.pem"),
                                     "-name", "bench", "-passout", "file:" + path("pw"), "-out", path("\(name)-tmp.pfx")] + flags)
                    }
                })
            }
            // Both sides read the same file, the one openssl wrote.
            let ourImport = { ours.import.append(try seconds { for _ in 0..<ops { _ = try PKCS12Bundle.read(theirFile, password: pfxPassword) } }) }
            let theirImport = {
                theirs.import.append(try seconds {
                    for _ in 0..<ops {
                        try openssl(["pkcs12", "-in", path("\(name)-openssl.pfx"), "-passin", "file:" + path("pw"), "-nodes",
                                     "-out", path("\(name)-out.pem")])
                    }
                })
            }
            for round in 0..<rounds {
                if round % 2 == 0 { try ourExport(); try theirExport(); try ourImport(); try theirImport() }
                else { try theirExport(); try ourExport(); try theirImport(); try ourImport() }
            }
            report.append((name, ours, theirs))
        }
        print("pfx: RSA-2048 key + 2 chain certificates, \(ops) files × \(rounds) rounds, median seconds per file (lower is better):")
        for (name, ours, theirs) in report {
            for (what, a, b) in [("export", ours.export, theirs.export), ("import", ours.import, theirs.import)] {
                let r = median(a) / median(b)
                print(String(format: "  %@ %@  TokenCert %7.4f s   openssl pkcs12 %7.4f s   ratio %.2f  (target ≤ 1.1)",
                             name.padding(toLength: 6, withPad: " ", startingAt: 0), what, median(a), median(b), r))
            }
        }
    }
}
