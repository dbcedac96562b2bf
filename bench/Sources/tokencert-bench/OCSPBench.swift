import ArgumentParser
import CertificateKit
import Foundation
import RAServer
import X509

/// OCSP answers over HTTP on loopback: `tokencert-ra serve` (POST /ocsp, status read from its store)
/// vs `openssl ocsp -index … -port` (status from its index file, read once), the same CA key and
/// certificates, the same requests, concurrency 1 and 8.
struct OCSPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocsp",
        abstract: "OCSP responses/s: tokencert-ra's /ocsp vs openssl ocsp -index -port, concurrency 1 and 8.",
        discussion: """
        Setup (not measured): a CA made by `tokencert-ra init-ca` (--key-type), whose key file both responders sign with; \
        --certificates certificates issued with it for customers in the RA's SQLite store, every tenth revoked \
        (keyCompromise), and the same certificates in openssl's index.txt (V, or R with the time and reason). Each \
        request asks about one certificate (round robin), SHA-1 CertID as openssl, GnuTLS and NSS send it.
        Measured, per mode and level: POST of the DER request (application/ocsp-request) to each responder. Modes: \
        "nonce" (a fresh 16-octet nonce per request, as `openssl ocsp` sends by default: every answer signed for its \
        request) and "no nonce" (as RFC 5019 clients and caches ask: tokencert-ra serves an answer signed earlier while \
        the record is unchanged; openssl signs each time). openssl's responder answers HTTP/1.0 and closes each \
        connection, so both sides get a new connection per request (Connection: close); tokencert-ra with keep-alive \
        connections is printed as an extra row. One answer per side and mode is checked first (signed by the CA, the \
        expected status). Sides alternate which goes first per level.
        """)

    @Option(help: "The tokencert-ra executable (release build).")
    var ra: String

    @Option(help: "The openssl executable.")
    var openssl = "/usr/bin/openssl"

    @Option(help: "CA key type for init-ca: p256, p384, rsa2048.")
    var keyType = "p256"

    @Option(help: "Certificates both responders know.")
    var certificates = 100

    @Option(help: "Requests per side, mode and level.")
    var requests = 2000

    @Option(help: "Concurrency levels, comma-separated.")
    var levels = "1,8"

    @Option(help: "Scratch folder.")
    var work = "bench/.work/ocsp"

    func run() async throws {
        let concurrency = levels.split(separator: ",").compactMap { Int($0) }
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work + "/outbox", withIntermediateDirectories: true)
        let work = self.work
        @Sendable func path(_ name: String) -> String { work + "/" + name }

        try runQuietly(ra, ["init-ca", "--ca-key-file", path("ca.key"), "--certificate", path("ca.pem"), "--key-type", keyType], showErrors: true)
        let issuer = try await CASetup.load(certificatePath: path("ca.pem"), key: .file(path: path("ca.key")))
        print("setup: \(certificates) certificates (every tenth revoked) in the RA's store and openssl's index.txt…")
        let inputs = (0..<certificates).map { i in
            (line: i + 1, input: CustomerInput(id: RAIssueBench.nationalID(i), name: "顧客\(i)", birthDate: "44/2/1", mobile: String(format: "09%08d", i), email: nil,
                                               accounts: [String(format: "1020-%07d", i)], password: "bench-pass-1"))
        }
        let repository = try await RAStore.open(path("ra.sqlite"))
        try await CustomerImport.store(inputs, into: repository, passwordIterations: 1000)
        let now = Date()
        var index = ""
        var issued: [(certificate: Certificate, revoked: Bool)] = []
        for i in 0..<certificates {
            let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
            let subject = try SubscriberSubject(commonName: "Bench \(i)", serialNumber: RAIssueBench.nationalID(i)).distinguishedName()
            let certificate = try await issuer.issue(publicKey: key.publicKey, subject: subject, notBefore: now.addingTimeInterval(-60),
                                                     notAfter: now.addingTimeInterval(365 * 86_400))
            let revoked = i % 10 == 0
            let serial = certificate.serialNumberBytes.map { String(format: "%02x", $0) }.joined()
            let record = CertificateRecord(serial: serial, customerID: RAIssueBench.nationalID(i), requestID: "bench-\(i)", csrSHA256: "-",
                                           status: revoked ? .revoked : .active, notBefore: certificate.notValidBefore,
                                           notAfter: certificate.notValidAfter, issuedAt: now, der: certificate.derBytes,
                                           revokedAt: revoked ? now : nil, revocationReason: revoked ? .keyCompromise : nil)
            try await repository.transact(customerID: RAIssueBench.nationalID(i)) { $0.certificates.append(record) }
            // index.txt: status, expiry, revocation "time,reason", serial (upper-case hex), file, subject.
            index += (revoked ? "R" : "V") + "\t" + Self.indexTime(certificate.notValidAfter) + "\t"
                + (revoked ? Self.indexTime(now) + ",keyCompromise" : "") + "\t" + serial.uppercased() + "\tunknown\t/CN=Bench \(i)\n"
            issued.append((certificate, revoked))
        }
        try index.write(toFile: path("index.txt"), atomically: true, encoding: .utf8)

        let raPort = RAIssueBench.freePort(), opensslPort = RAIssueBench.freePort()
        let server = try RAIssueBench.start(ra, ["serve", "--ca-key-file", path("ca.key"), "--ca-certificate", path("ca.pem"),
                                                 "--database", path("ra.sqlite"), "--port", "\(raPort)", "--outbox", path("outbox"),
                                                 "--log-level", "error"], log: path("ra.log"))
        let reference = try RAIssueBench.start(openssl, ["ocsp", "-index", path("index.txt"), "-port", "\(opensslPort)", "-rsigner", path("ca.pem"),
                                                         "-rkey", path("ca.key"), "-CA", path("ca.pem"), "-nmin", "10", "-ignore_err"],
                                               log: path("openssl.log"))
        defer { server.terminate(); reference.terminate() }
        let client = HTTP(maxConnections: 4)
        try await client.waitUntilUp("http://127.0.0.1:\(raPort)/health")

        let ca = issuer.caCertificate
        let certIDs = try issued.map { try OCSPCertID(certificate: $0.certificate, issuer: ca) }
        let ours = RawHTTPLoad(port: raPort, freshConnections: true), theirs = RawHTTPLoad(port: opensslPort, freshConnections: true)
        let oursKeptAlive = RawHTTPLoad(port: raPort)
        // The requests for `count` answers, round robin over the certificates.
        func bodies(nonce: Bool, count: Int) -> [[UInt8]] {
            (0..<count).map { i in OCSPRequest(certIDs: [certIDs[i % certIDs.count]], nonce: nonce ? OCSPRequest.randomNonce() : nil).der }
        }
        // One answer of each side and mode checked: signed by the CA, the expected status, the nonce echoed.
        for nonce in [true, false] {
            for (load, path, name) in [(ours, "/ocsp", "tokencert-ra"), (theirs, "/", "openssl")] {
                try await Self.waitUntilAnswering(load, path, body: OCSPRequest(certIDs: [certIDs[1]]).der)
                for k in [1, 10] {
                    let request = OCSPRequest(certIDs: [certIDs[k]], nonce: nonce ? OCSPRequest.randomNonce() : nil)
                    let connection = try RawHTTPLoad.Connection(port: load.port)
                    defer { connection.close() }
                    let (_, body) = try connection.exchange(
                        load.request("POST", path, body: request.der, contentType: "application/ocsp-request", expectedStatus: 200).bytes, closing: true)
                    let verdict = OCSPCheck.judge(body, to: request, issuer: ca)
                    let expected: Bool = switch verdict {
                    case .good: !issued[k].revoked
                    case .revoked: issued[k].revoked
                    case .unknown: false
                    }
                    guard expected else { throw ValidationError("\(name) answered certificate \(k) (\(nonce ? "nonce" : "no nonce")): \(verdict)") }
                }
            }
        }

        print("measuring: \(requests) requests per side, mode and level")
        var rows: [String] = []
        for nonce in [true, false] {
            rows.append(nonce ? "nonce (every answer signed for its request):" : "no nonce (RFC 5019; tokencert-ra re-serves an answer while the record is unchanged):")
            for (round, width) in concurrency.enumerated() {
                let requestBodies = bodies(nonce: nonce, count: requests)
                let a = requestBodies.map { ours.request("POST", "/ocsp", body: $0, contentType: "application/ocsp-request", expectedStatus: 200) }
                let b = requestBodies.map { theirs.request("POST", "/", body: $0, contentType: "application/ocsp-request", expectedStatus: 200) }
                let k = requestBodies.map { oursKeptAlive.request("POST", "/ocsp", body: $0, contentType: "application/ocsp-request", expectedStatus: 200) }
                let measureOurs = { try RAIssueBench.measure(ours, a, width: width, servers: [server.processIdentifier]) }
                let measureTheirs = { try RAIssueBench.measure(theirs, b, width: width, servers: [reference.processIdentifier]) }
                let x: RAIssueBench.Measurement, y: RAIssueBench.Measurement
                if round % 2 == 0 {
                    x = try measureOurs()
                    y = try measureTheirs()
                } else {
                    y = try measureTheirs()
                    x = try measureOurs()
                }
                let kept = try RAIssueBench.measure(oursKeptAlive, k, width: width, servers: [server.processIdentifier])
                rows.append(String(format: "  c=%-2d  tokencert-ra %7.1f resp/s  p50 %6.2f ms  p99 %6.2f ms   openssl %7.1f resp/s  p50 %6.2f ms  p99 %6.2f ms   ratio %.2f",
                                   width, x.rate, x.p50, x.p99, y.rate, y.p50, y.p99, x.rate / y.rate))
                rows.append(String(format: "        CPU ms per response: tokencert-ra %.3f   openssl %.3f   (load generator %.3f / %.3f)",
                                   x.serverCPU * 1000, y.serverCPU * 1000, x.clientCPU * 1000, y.clientCPU * 1000))
                rows.append(String(format: "        tokencert-ra on keep-alive connections: %7.1f resp/s  p50 %6.2f ms  p99 %6.2f ms  (CPU %.3f ms per response)",
                                   kept.rate, kept.p50, kept.p99, kept.serverCPU * 1000))
            }
        }
        print("OCSP over HTTP on loopback, \(keyType) CA, \(certificates) certificates, \(requests) requests per side, mode and level (target ratio ≥ 2):")
        rows.forEach { print($0) }
    }

    /// openssl's index.txt time: YYMMDDHHMMSSZ in UTC.
    static func indexTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyMMddHHmmss'Z'"
        return f.string(from: date)
    }

    /// Waits (10 s at most) until a POST to `path` is answered on a fresh connection.
    static func waitUntilAnswering(_ load: RawHTTPLoad, _ path: String, body: [UInt8]) async throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let connection = try? RawHTTPLoad.Connection(port: load.port) {
                defer { connection.close() }
                if (try? connection.exchange(load.request("POST", path, body: body, contentType: "application/ocsp-request",
                                                          expectedStatus: 200).bytes, closing: true)) != nil { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("no OCSP responder answers on port \(load.port)")
    }
}
