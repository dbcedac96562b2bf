import CertificateKit
import Crypto
import Foundation
import Lifecycle
import RAContract
@testable import RAHTTPClient
import RAServer
import TestSupport
import X509
import XCTest

/// `HTTPRAClient` against a live RA on loopback.
final class HTTPRAClientTests: XCTestCase {
    func testApplyJourneyOverHTTP() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let session = try await client.login(.init(id: c.id, password: c.password))
            XCTAssertFalse(session.token.isEmpty)
            XCTAssertEqual(session.name, c.name)

            let agreement = try await client.agreement()
            XCTAssertFalse(agreement.text.traditionalChinese.isEmpty)
            XCTAssertFalse(agreement.text.english.isEmpty)
            let accepted = try await client.acceptConsent(.init(version: agreement.version, sha256: agreement.sha256), session: session)
            XCTAssertEqual(accepted.version, agreement.version)

            let birth = try await client.verifyBirthDate(.init(birthDate: c.birth), session: session)
            XCTAssertTrue(birth.verified)
            let sent = try await client.sendCode(.init(account: c.account, channel: .sms), session: session)
            XCTAssertEqual(sent.identifier.count, 4)
            XCTAssertEqual(sent.channel, .sms)
            XCTAssertGreaterThan(sent.resendAfter, LiveRA.start)
            XCTAssertFalse(sent.destination.contains("12345678"), "the mobile number is masked: \(sent.destination)")
            let verified = try await client.verifyCode(.init(identifier: sent.identifier, code: try ra.code(for: sent.identifier)),
                                                       session: session)
            XCTAssertTrue(verified.verified)

            let signer = try SoftwareSigner.generate(.p256)
            let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: c.name, serialNumber: c.id),
                                                         key: try TokenPrivateKey(signer))
            let issued = try await client.issue(.init(requestId: "lifecycle-1", csrDER: try CertificateRequests.der(csr)), session: session)
            XCTAssertEqual(issued.status, .active)
            let certificate = try CertificateSummary(Array(issued.certificate.utf8))
            XCTAssertEqual(certificate.serialNumber.lowercased(), issued.serial.lowercased())
            XCTAssertEqual(try Certificate(pemEncoded: issued.certificate).publicKey.derSubjectPublicKeyInfo, signer.subjectPublicKeyInfo)

            let again = try await client.issue(.init(requestId: "lifecycle-1", csrDER: try CertificateRequests.der(csr)), session: session)
            XCTAssertEqual(again.serial, issued.serial, "the same request id gives the same certificate")

            let status = try await client.hostStatus(session: session)
            XCTAssertEqual(status.certificates.map(\.serial), [issued.serial])
            XCTAssertEqual(status.certificates.first?.state, .active)
            XCTAssertEqual(status.onlineRevocationsLeftThisYear, 2)
            XCTAssertEqual(status.consentVersion, agreement.version)

            let verdict = StatusVerdict.evaluate(client: .certificate(certificate), host: status, now: LiveRA.start)
            XCTAssertEqual(verdict.state, .active)
            XCTAssertEqual(verdict.action, .ok)
            let empty = StatusVerdict.evaluate(client: .empty, host: status, now: LiveRA.start)
            XCTAssertEqual(empty.action, .revokeThenApply)

            let caPEM = try await client.caCertificatePEM()
            XCTAssertEqual(try Certificate(pemEncoded: caPEM), try Certificate(pemEncoded: issued.caCertificate))
            let crl = try await client.crl()
            XCTAssertEqual(crl.first, 0x30, "a DER CRL")
        }
    }

    func testRevokeOverHTTPReportsRevocationsLeft() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let (session, serial) = try await Self.issued(client, ra)
            _ = try await client.verifyBirthDate(.init(birthDate: LiveRA.customer.birth), session: session)
            let sent = try await client.sendCode(.init(account: LiveRA.customer.account, channel: .email), session: session)
            _ = try await client.verifyCode(.init(identifier: sent.identifier, code: try ra.code(for: sent.identifier)), session: session)
            let revocation = try await client.revoke(serial: serial, .init(reason: .cessationOfOperation), session: session)
            XCTAssertEqual(revocation.serial, serial)
            XCTAssertEqual(revocation.reason, RevocationReason.cessationOfOperation.rawValue)
            XCTAssertEqual(revocation.onlineRevocationsLeftThisYear, 1)
            let status = try await client.hostStatus(session: session)
            XCTAssertEqual(status.certificates.first?.state, .revoked)
            XCTAssertEqual(status.certificates.first?.revocationReason, 5)
        }
    }

    func testRenewAndConfirmOverHTTPInTheWindow() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let (first, serial, oldKey) = try await Self.issuedWithKey(client, ra)
            let before = try await client.hostStatus(session: first)
            let opens = try XCTUnwrap(before.certificates.first?.renewalOpensAt)
            ra.clock.set(opens.addingTimeInterval(3600))

            // The session ran out long ago: log in and identify again.
            let session = try await client.login(.init(id: c.id, password: c.password))
            _ = try await client.verifyBirthDate(.init(birthDate: c.birth), session: session)
            let sent = try await client.sendCode(.init(account: c.account, channel: .sms), session: session)
            _ = try await client.verifyCode(.init(identifier: sent.identifier, code: try ra.code(for: sent.identifier)), session: session)

            let newKey = try SoftwareSigner.generate(.p256)
            let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: c.name, serialNumber: c.id),
                                                         key: try TokenPrivateKey(newKey))
            let csrHash = SHA256.hash(data: try CertificateRequests.der(csr)).map { String(format: "%02x", $0) }.joined()
            let message = ProofOfPossession.renewalMessage(serial: serial, requestID: "renew-1", csrSHA256: csrHash)
            let proof = try await oldKey.sign(message, algorithm: .ecdsaSHA256)
            let pending = try await client.renew(serial: serial, .init(requestId: "renew-1", csrDER: try CertificateRequests.der(csr),
                                                                      proof: Data(proof).base64EncodedString()), session: session)
            XCTAssertEqual(pending.status, .pending)
            let midway = try await client.hostStatus(session: session)
            let summary = try CertificateSummary(Array(pending.certificate.utf8))
            XCTAssertEqual(StatusVerdict.evaluate(client: .certificate(summary), host: midway, now: ra.clock.now()).action, .finishRenewal)

            let confirmation = try await client.confirm(
                serial: pending.serial,
                .init(proof: Data(try await newKey.sign(ProofOfPossession.confirmationMessage(serial: pending.serial),
                                                        algorithm: .ecdsaSHA256)).base64EncodedString()),
                session: session)
            XCTAssertEqual(confirmation.status, .active)
            XCTAssertEqual(confirmation.superseded, serial)
            let after = try await client.hostStatus(session: session)
            XCTAssertEqual(after.certificates.map(\.state), [.active, .superseded])
            XCTAssertEqual(StatusVerdict.evaluate(client: .certificate(summary), host: after, now: ra.clock.now()).action, .ok)
        }
    }

    func testAWrongBirthDateIsTheServersRefusalInBothLanguages() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let session = try await client.login(.init(id: c.id, password: c.password))
            let agreement = try await client.agreement()
            _ = try await client.acceptConsent(.init(version: agreement.version, sha256: agreement.sha256), session: session)
            do {
                _ = try await client.verifyBirthDate(.init(birthDate: "45/2/1"), session: session)
                XCTFail("a wrong birth date is refused")
            } catch let error as RAClientError {
                XCTAssertEqual(error.kind, .refused(code: .birthDateWrong, status: 422))
                XCTAssertEqual(error.code, .birthDateWrong)
                XCTAssertTrue(error.summary.english.contains("does not match"), error.summary.english)
                XCTAssertTrue(error.summary.traditionalChinese.contains("出生日期"), error.summary.traditionalChinese)
                XCTAssertNotNil(error.remedy?.traditionalChinese)
                XCTAssertEqual(error.details["attemptsLeft"], "2")
                XCTAssertFalse(error.isUnreachable)
            }
        }
    }

    func testRefusalsKeepTheServersCodeAndDetails() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            await Self.expectRefusal(.badCredentials, status: 401) {
                _ = try await client.login(.init(id: c.id, password: "wrong-password"))
            }
            let session = try await client.login(.init(id: c.id, password: c.password))
            // Identity before consent is refused with the agreement version in the details.
            let refusal = await Self.expectRefusal(.consentRequired, status: 403) {
                _ = try await client.verifyBirthDate(.init(birthDate: c.birth), session: session)
            }
            XCTAssertNotNil(refusal?.details["version"])
            let agreement = try await client.agreement()
            _ = try await client.acceptConsent(.init(version: agreement.version, sha256: agreement.sha256), session: session)
            _ = try await client.verifyBirthDate(.init(birthDate: c.birth), session: session)
            _ = try await client.sendCode(.init(account: c.account, channel: .sms), session: session)
            let tooSoon = await Self.expectRefusal(.resendTooSoon, status: 429) {
                _ = try await client.sendCode(.init(account: c.account, channel: .sms), session: session)
            }
            XCTAssertNotNil(tooSoon?.details["retryAfterSeconds"])
            let ended = RA.Session(token: "not-a-token", expiresAt: LiveRA.start, customer: "", name: "")
            await Self.expectRefusal(.notLoggedIn, status: 401) { _ = try await client.hostStatus(session: ended) }
        }
    }

    func testAClosedPortIsUnreachable() async throws {
        // Bind a port, then close it: nothing listens there afterwards.
        let port = try closedLoopbackPort()
        let client = HTTPRAClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 5)
        let started = Date()
        do {
            _ = try await client.agreement()
            XCTFail("nothing listens on \(port)")
        } catch let error as RAClientError {
            // Said at once (the refused connection is not retried until the timeout runs out).
            XCTAssertLessThan(Date().timeIntervalSince(started), 4, "a refused connection waited for the timeout")
            XCTAssertEqual(error.kind, .unreachable, "\(error)")
            XCTAssertTrue(error.isUnreachable)
            XCTAssertNil(error.code)
            XCTAssertTrue(error.summary.english.contains("127.0.0.1:\(port)"))
            XCTAssertFalse(error.summary.traditionalChinese.isEmpty)
            XCTAssertNotNil(error.remedy)
        }
    }

    /// The proxy rules curl follows, which `HTTPTransport` reads from the environment (the proxy
    /// itself is exercised end to end in HTTPProxyCLITests).
    func testProxyComesFromTheEnvironmentAsCurlReadsIt() {
        func proxy(_ url: String, _ environment: [String: String]) -> String? {
            HTTPTransport.proxy(for: URL(string: url)!, environment: environment).map { "\($0.host):\($0.port)" }
        }
        XCTAssertNil(proxy("https://ra.example", [:]))
        XCTAssertEqual(proxy("https://ra.example", ["https_proxy": "http://proxy.lan:3128"]), "proxy.lan:3128")
        XCTAssertEqual(proxy("https://ra.example", ["HTTPS_PROXY": "proxy.lan"]), "proxy.lan:80", "no scheme, no port: http and 80")
        XCTAssertNil(proxy("http://ra.example", ["https_proxy": "http://proxy.lan:3128"]), "https_proxy is for https URLs")
        XCTAssertEqual(proxy("http://ra.example", ["http_proxy": "http://proxy.lan:8080"]), "proxy.lan:8080")
        XCTAssertNil(proxy("http://ra.example", ["HTTP_PROXY": "http://proxy.lan:8080"]), "upper-case HTTP_PROXY is ignored, as curl does (httpoxy)")
        let both = ["https_proxy": "http://proxy.lan:3128"]
        XCTAssertNil(proxy("https://ra.example", both.merging(["no_proxy": "*"]) { $1 }))
        XCTAssertNil(proxy("https://ra.example", both.merging(["no_proxy": "other.test, ra.example"]) { $1 }))
        XCTAssertNil(proxy("https://ra.broker.example", both.merging(["NO_PROXY": ".broker.example"]) { $1 }), "a domain covers its hosts")
        XCTAssertEqual(proxy("https://notbroker.example", both.merging(["no_proxy": "broker.example"]) { $1 }), "proxy.lan:3128", "a suffix is not a domain")
        XCTAssertNil(proxy("https://ra.example", ["https_proxy": "socks5://proxy.lan:1080"]), "only http proxies")
        let withUser = HTTPTransport.proxy(for: URL(string: "https://ra.example")!, environment: ["https_proxy": "http://branch%2F7:p%40ss@proxy.lan:3128"])
        XCTAssertEqual(withUser?.user, "branch/7")
        XCTAssertEqual(withUser?.password, "p@ss", "user and password are percent-decoded, as curl does")
        XCTAssertNil(HTTPTransport.proxy(for: URL(string: "https://ra.example")!, environment: ["https_proxy": "http://proxy.lan:3128"])?.user)
    }

    func testASerialThatIsNotHexNeverReachesThePath() async throws {
        let client = HTTPRAClient(baseURL: URL(string: "http://127.0.0.1:9")!, timeout: 1)
        let session = RA.Session(token: "t", expiresAt: Date(), customer: "", name: "")
        do {
            _ = try await client.revoke(serial: "../consent", .init(reason: .keyCompromise), session: session)
            XCTFail("refused before sending")
        } catch let error as RAClientError {
            XCTAssertFalse(error.isUnreachable, "refused locally, before any connection")
        }
    }

    // MARK: - Helpers

    /// Logs in, consents, passes both identity steps and applies; returns the session and serial.
    static func issued(_ client: HTTPRAClient, _ ra: LiveRA) async throws -> (RA.Session, String) {
        let (session, serial, _) = try await issuedWithKey(client, ra)
        return (session, serial)
    }

    /// As `issued`, and the certificate's key.
    static func issuedWithKey(_ client: HTTPRAClient, _ ra: LiveRA) async throws -> (RA.Session, String, SoftwareSigner) {
        let c = LiveRA.customer
        let session = try await client.login(.init(id: c.id, password: c.password))
        let agreement = try await client.agreement()
        _ = try await client.acceptConsent(.init(version: agreement.version, sha256: agreement.sha256), session: session)
        _ = try await client.verifyBirthDate(.init(birthDate: c.birth), session: session)
        let sent = try await client.sendCode(.init(account: c.account, channel: .sms), session: session)
        _ = try await client.verifyCode(.init(identifier: sent.identifier, code: try ra.code(for: sent.identifier)), session: session)
        let key = try SoftwareSigner.generate(.p256)
        let csr = try await CertificateRequests.make(subject: SubscriberSubject(commonName: c.name, serialNumber: c.id),
                                                     key: try TokenPrivateKey(key))
        let issued = try await client.issue(.init(requestId: "issued-1", csrDER: try CertificateRequests.der(csr)), session: session)
        // The resend interval has to pass before the next code.
        ra.clock.advance(61)
        return (session, issued.serial, key)
    }

    @discardableResult
    static func expectRefusal(_ code: RAErrorCode, status: Int, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () async throws -> Void) async -> RAClientError? {
        do {
            try await body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as RAClientError {
            XCTAssertEqual(error.kind, .refused(code: code, status: status), "\(error)", file: file, line: line)
            XCTAssertFalse(error.summary.english.isEmpty, file: file, line: line)
            XCTAssertFalse(error.summary.traditionalChinese.isEmpty, file: file, line: line)
            return error
        } catch {
            XCTFail("expected RAClientError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
