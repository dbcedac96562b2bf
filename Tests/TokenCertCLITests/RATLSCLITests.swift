import Foundation
import TestSupport
import XCTest

/// An https RA whose certificate comes from the broker's own CA: the built `tokencert` trusts it only
/// when told (`--ra-ca` or `$TOKENCERT_RA_CA`, besides the system's store), refuses it otherwise as
/// unreachable (6) without sending anything, and says what is wrong with a CA file that is not one (64).
final class RATLSCLITests: XCTestCase, JourneyTest {
    func testHTTPSRAIsTrustedThroughTheGivenCAOnly() throws {
        let ra = try RAProcess(self, tls: true)
        XCTAssertTrue(ra.url.hasPrefix("https://"), ra.url)
        let dir = try work()
        let env = try ra.environment(RAProcess.alice)
        let status = ["status", "--software", "--store-dir", dir + "/store", "--format", "json", "--lang", "en"]
        let unset = ["TOKENCERT_PIN", "TOKENCERT_RA_CA", "http_proxy", "https_proxy", "HTTPS_PROXY"]

        // Trusted through $TOKENCERT_RA_CA, and through --ra-ca: the host answers over TLS.
        let byEnvironment = try runTool(tokencertExecutable, status, environment: env.merging(["TOKENCERT_RA_CA": ra.tlsCA]) { $1 }, unset: unset)
        XCTAssertEqual(byEnvironment.status, 3, "nothing here, nothing on the host: apply (3). " + byEnvironment.out + byEnvironment.err)
        XCTAssertNotNil(try json(byEnvironment.out)["host"] as? [String: Any], byEnvironment.out)
        let byOption = try runTool(tokencertExecutable, status + ["--ra-ca", ra.tlsCA], environment: env, unset: unset)
        XCTAssertEqual(byOption.status, 3, byOption.out + byOption.err)

        // Not trusted (the system's store alone, or another CA): the RA cannot be reached (6).
        let untrusted = try runTool(tokencertExecutable, ["status", "--software", "--store-dir", dir + "/store", "--lang", "en"], environment: env, unset: unset)
        XCTAssertEqual(untrusted.status, 6, untrusted.out + untrusted.err)
        XCTAssertTrue((untrusted.out + untrusted.err).contains("does not trust") && (untrusted.out + untrusted.err).contains("--ra-ca"),
                      "the untrusted certificate is named with its remedy: " + untrusted.out + untrusted.err)
        let other = try runTool("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                                            "-keyout", dir + "/other.key", "-out", dir + "/other.pem", "-subj", "/CN=127.0.0.1",
                                            "-addext", "subjectAltName=IP:127.0.0.1"])
        XCTAssertEqual(other.status, 0, other.err)
        let wrongCA = try runTool(tokencertExecutable, status + ["--ra-ca", dir + "/other.pem"], environment: env, unset: unset)
        XCTAssertEqual(wrongCA.status, 6, wrongCA.out + wrongCA.err)

        // A CA file that is missing or not a certificate: bad input, said in both languages.
        let missing = try runTool(tokencertExecutable, status + ["--ra-ca", dir + "/nothing.pem"], environment: env, unset: unset)
        XCTAssertEqual(missing.status, 64, missing.out + missing.err)
        XCTAssertTrue((missing.out + missing.err).contains("cannot be read"), missing.out + missing.err)
        try "not a certificate".write(toFile: dir + "/text.pem", atomically: true, encoding: .utf8)
        let notPEM = try runTool(tokencertExecutable, ["status", "--software", "--store-dir", dir + "/store", "--lang", "zh-TW", "--ra-ca", dir + "/text.pem"],
                                 environment: env, unset: unset)
        XCTAssertEqual(notPEM.status, 64, notPEM.out + notPEM.err)
        XCTAssertTrue((notPEM.out + notPEM.err).contains("不含 PEM 格式的憑證"), notPEM.out + notPEM.err)
        // verify reads it once, first: a bad file is bad input there too, not a missing OCSP answer later.
        let verifyNotPEM = try runTool(tokencertExecutable, ["verify", "--batch", dir + "/none.jsonl", "--lang", "en", "--ra-ca", dir + "/text.pem"],
                                       environment: env, unset: unset)
        XCTAssertEqual(verifyNotPEM.status, 64, verifyNotPEM.out + verifyNotPEM.err)
        XCTAssertTrue((verifyNotPEM.out + verifyNotPEM.err).contains("holds no PEM certificate"), verifyNotPEM.out + verifyNotPEM.err)
    }
}
