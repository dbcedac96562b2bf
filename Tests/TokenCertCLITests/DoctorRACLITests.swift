@testable import TokenCertCLI
import CertificateKit
import Foundation
import TestSupport
import X509
import XCTest

/// `tokencert doctor --ra`: a real HTTP server on loopback stands for the RA (answering, with its clock
/// right or off, or not there at all); certificates on a SoftHSM token in and out of the renewal window.
extension DoctorCLITests {
    func testRAAnswersAndTheClocksAgree() async throws {
        let setup = try makeSetup()
        let (card, _) = try await VirtualReaders.insertCard(port: try VirtualReaders.ports()[0])
        addTeardownBlock { await card.stop() }
        let ra = try TinyHTTPServer()
        defer { ra.stop() }
        let (r, report) = try doctor(setup, extraArgs: ["--ra", ra.url.absoluteString])
        let rep = try XCTUnwrap(report)
        XCTAssertEqual(rep.check("ra")?.status, "pass", r.out)
        XCTAssertEqual(rep.check("clock")?.status, "pass", r.out)
        XCTAssertEqual(r.status, 0, r.out + r.err)
    }

    func testSkewedRAClockFailsWithTheNTPRemedy() throws {
        let setup = try makeSetup()
        let ra = try TinyHTTPServer(clockOffset: -2 * 3600)  // the RA is two hours behind us
        defer { ra.stop() }
        let (r, report) = try doctor(setup, lang: "zh-TW", extraArgs: ["--ra", ra.url.absoluteString])
        let clock = try XCTUnwrap(report?.check("clock"))
        XCTAssertEqual(clock.status, "fail", r.out)
        XCTAssertTrue(clock.summary.english.contains("ahead of the RA"), clock.summary.english)
        XCTAssertTrue(clock.summary.traditionalChinese.contains("快"), clock.summary.traditionalChinese)
        XCTAssertTrue(clock.remedy?.english.contains("timedatectl set-ntp true") == true)
        XCTAssertEqual(report?.check("ra")?.status, "pass")
        XCTAssertNotEqual(r.status, 0)

        let slightly = try TinyHTTPServer(clockOffset: 120)
        defer { slightly.stop() }
        let (_, warned) = try doctor(setup, extraArgs: ["--ra", slightly.url.absoluteString])
        XCTAssertEqual(warned?.check("clock")?.status, "warn", "two minutes off warns")
    }

    func testUnreachableRAFailsWithExit6() throws {
        let setup = try makeSetup()
        let gone = try TinyHTTPServer()
        let url = gone.url.absoluteString
        gone.stop()  // nobody listens on that port any more
        let (r, report) = try doctor(setup, extraArgs: ["--ra", url])
        XCTAssertEqual(report?.check("ra")?.status, "fail", r.out)
        XCTAssertEqual(report?.check("ra")?.exitCode, 6)
        XCTAssertEqual(report?.check("clock")?.status, "skip")
        let failing = try TinyHTTPServer(status: 503, body: "down")
        defer { failing.stop() }
        let (_, down) = try doctor(setup, extraArgs: ["--ra", failing.url.absoluteString])
        XCTAssertEqual(down?.check("ra")?.status, "fail", "an RA answering 503 is not usable")
        let (bad, _) = try doctor(setup, json: false, extraArgs: ["--ra", "ftp://example"])
        XCTAssertEqual(bad.status, 64)
    }

    func testCertificatesOnTheTokenInAndOutOfTheRenewalWindow() async throws {
        let ca = try await {
            let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
            let name = try DistinguishedName { CommonName("Doctor Test CA") }
            let certificate = try await CertificateIssuer.selfSignedCA(subject: name, key: key, notBefore: Date().addingTimeInterval(-86_400 * 400),
                                                                       notAfter: Date().addingTimeInterval(86_400 * 400))
            return CertificateIssuer(caCertificate: certificate, caKey: key)
        }()
        for (days, expected) in [(200.0, "pass"), (10.0, "warn"), (-3.0, "fail")] {
            let setup = try makeSetup()
            let subject = try SubscriberSubject(commonName: "王小明", serialNumber: "A123456789").distinguishedName()
            let customer = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
            let certificate = try await ca.issue(publicKey: customer.publicKey, subject: subject,
                                                 notBefore: Date().addingTimeInterval(-86_400 * 30), notAfter: Date().addingTimeInterval(86_400 * days))
            let file = setup.dir + "/cert.der"
            try Data(certificate.derBytes).write(to: URL(fileURLWithPath: file))
            let stored = try runTool("pkcs11-tool", ["--module", CLITests.softhsm, "--login", "--pin", "314159", "--write-object", file,
                                                     "--type", "cert", "--id", "0a", "--label", "order cert"], environment: setup.env)
            XCTAssertEqual(stored.status, 0, stored.err)
            let (r, report) = try doctor(setup)
            let check = try XCTUnwrap(report?.check("certificates"), r.out)
            XCTAssertEqual(check.status, expected, "\(days) days: \(check)")
            let serial = try CertificateSummary(certificate).serialNumber
            XCTAssertTrue(check.details.contains { $0.contains(serial) }, "\(check.details)")
            switch expected {
            case "warn": XCTAssertTrue(check.remedy?.english.contains("tokencert renew") == true)
            case "fail": XCTAssertTrue(check.remedy?.english.contains("tokencert apply") == true)
            default: XCTAssertNil(check.exitCode)
            }
        }
    }
}

/// The readers verdict on its own, for what the shared test pcscd cannot show: no reader at all
/// (it always has its two vpcd readers). The live paths are tested above against the real pcscd.
final class DoctorReaderVerdictTests: XCTestCase {
    func testNoReaderAtAllWarnsAndPointsAtTheUSBCheck() {
        let check = Doctor.evaluateReaders([], table: nil)
        XCTAssertEqual(check.status, .warn)
        XCTAssertTrue(check.remedy?.english.contains("“USB devices”") == true, "\(String(describing: check.remedy))")
        XCTAssertTrue(check.remedy?.traditionalChinese.contains("「USB 裝置」") == true, "\(String(describing: check.remedy))")
        XCTAssertFalse(check.summary.traditionalChinese.isEmpty)
        let one = Doctor.evaluateReaders([.init(reader: "ACS ACR39U 00 00", cardPresent: true, atr: [0x3B, 0x00])], table: nil)
        XCTAssertEqual(one.status, .pass)
        XCTAssertTrue(one.details.first?.contains("3B00") == true, "\(one.details)")
    }
}
