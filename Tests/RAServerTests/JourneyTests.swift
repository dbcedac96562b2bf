import CertificateKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
import TestSupport
import XCTest

/// The whole apply → status → revoke journey through Hummingbird's router test client, checked with openssl.
final class JourneyTests: XCTestCase {
    func testApplyStatusRevokeWithCSRFromSoftHSMAndCRLCheckedByOpenSSL() async throws {
        let h = try await Harness(self)
        let csr = try await softHSMCSR(.p256)
        try await h.application.test(.router) { client in
            let anonymous = API(client: client)
            let wrong = try await anonymous.call(.post, "/login", ["id": Harness.alice.id, "password": "nope"])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(wrong.code, "bad-credentials")
            let noSession = try await anonymous.call(.get, "/certificates")
            XCTAssertEqual(noSession.code, "not-logged-in")

            let api = try await anonymous.login(Harness.alice.id, Harness.alice.password)
            // No identity step before the agreement is accepted.
            let early = try await api.call(.post, "/identity/birth-date", ["birthDate": Harness.alice.birth])
            XCTAssertEqual(early.status, .forbidden)
            XCTAssertEqual(early.code, "consent-required")
            try await api.consent()

            // Step 1 in ROC form, step 2 by SMS; then apply.
            try await api.identify(h, birth: "民國44年2月1日", account: Harness.alice.account)
            let issued = try await api.call(.post, "/certificates", ["requestId": "apply-1", "csr": csr])
            XCTAssertEqual(issued.status, .created, "\(issued.json)")
            let serial = try XCTUnwrap(issued.string("serial"))
            XCTAssertEqual(serial.count, 32, "128-bit serial")
            let pem = try XCTUnwrap(issued.string("certificate"))

            // A lost response: the same request id gives the same certificate.
            let again = try await api.call(.post, "/certificates", ["requestId": "apply-1", "csr": csr])
            XCTAssertEqual(again.status, .ok)
            XCTAssertEqual(again.string("serial"), serial)
            XCTAssertEqual(again.string("certificate"), pem)

            // Checked by openssl: chain, subject from the record, validity end 23:59:59 Taipei.
            let certPath = h.dir + "/alice.pem"
            try pem.write(toFile: certPath, atomically: true, encoding: .utf8)
            let verify = try runTool("openssl", ["verify", "-attime", "\(Int(h.clock.now().timeIntervalSince1970) + 60)", "-CAfile", try h.caPEMPath, certPath])
            XCTAssertEqual(verify.status, 0, verify.out + verify.err)
            let x509 = try runTool("openssl", ["x509", "-in", certPath, "-noout", "-subject", "-enddate", "-serial", "-nameopt", "utf8,sep_comma_plus"])
            XCTAssertTrue(x509.out.contains("CN=王小明"), x509.out)
            XCTAssertTrue(x509.out.contains("serialNumber=A123456789"), x509.out)
            XCTAssertFalse(x509.out.contains("Mallory"), "the subject comes from the record, not the CSR")
            XCTAssertTrue(x509.out.contains("notAfter=Mar  9 15:59:59 2027 GMT"), x509.out)
            XCTAssertTrue(x509.out.lowercased().contains("serial=\(serial)"), x509.out)

            // Host status.
            let status = try await api.call(.get, "/certificates")
            let certificates = try XCTUnwrap(status["certificates"] as? [[String: Any]])
            XCTAssertEqual(certificates.count, 1)
            XCTAssertEqual(certificates[0]["state"] as? String, "active")
            XCTAssertEqual(certificates[0]["renewalOpensAt"] as? String, "2027-02-07T15:59:59Z")
            XCTAssertEqual(status["onlineRevocationsLeftThisYear"] as? Int, 2)

            // Apply while active is refused before any identity step.
            let second = try await api.call(.post, "/certificates", ["requestId": "apply-2", "csr": try await softwareCSR()])
            XCTAssertEqual(second.status, .conflict)
            XCTAssertEqual(second.code, "active-certificate-exists")

            // Revoke needs both steps again (the issue used them up).
            let tooEarly = try await api.call(.post, "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
            XCTAssertEqual(tooEarly.code, "identity-required")
            try await api.identify(h, birth: "1955-02-01", account: Harness.alice.account)
            let revoked = try await api.call(.post, "/certificates/\(serial)/revoke", ["reason": "keyCompromise"])
            XCTAssertEqual(revoked.status, .ok, "\(revoked.json)")
            XCTAssertEqual(revoked["onlineRevocationsLeftThisYear"] as? Int, 1)

            // The CRL, DER and PEM, verifies against the CA and makes openssl reject the certificate.
            let crlPEM = try await api.call(.get, "/crl.pem")
            XCTAssertEqual(crlPEM.status, .ok)
            let crlPath = h.dir + "/crl.pem"
            try String(buffer: crlPEM.body).write(toFile: crlPath, atomically: true, encoding: .utf8)
            let crlCheck = try runTool("openssl", ["crl", "-in", crlPath, "-CAfile", try h.caPEMPath, "-noout", "-text"])
            XCTAssertEqual(crlCheck.status, 0, crlCheck.err)
            XCTAssertTrue(crlCheck.err.contains("verify OK") || crlCheck.out.contains("verify OK"), crlCheck.out + crlCheck.err)
            XCTAssertTrue(crlCheck.out.uppercased().contains(serial.uppercased()), crlCheck.out)
            XCTAssertTrue(crlCheck.out.contains("Key Compromise"), crlCheck.out)
            XCTAssertTrue(crlCheck.out.contains("Next Update"), crlCheck.out)
            let rejected = try runTool("openssl", ["verify", "-attime", "\(Int(h.clock.now().timeIntervalSince1970) + 60)", "-crl_check",
                                                   "-CAfile", try h.caPEMPath, "-CRLfile", crlPath, certPath])
            XCTAssertNotEqual(rejected.status, 0)
            XCTAssertTrue((rejected.out + rejected.err).contains("certificate revoked"), rejected.out + rejected.err)

            let der = try await api.call(.get, "/crl")
            XCTAssertEqual(der.headers[.contentType], "application/pkix-crl")
            XCTAssertEqual(der.body.readableBytesView.first, 0x30)

            let after = try await api.call(.get, "/certificates")
            let entries = try XCTUnwrap(after["certificates"] as? [[String: Any]])
            XCTAssertEqual(entries[0]["state"] as? String, "revoked")
            XCTAssertEqual(entries[0]["revocationReason"] as? Int, 1)

            // Logout ends the session.
            let out = try await api.call(.post, "/logout")
            XCTAssertEqual(out.status, .noContent)
            let gone = try await api.call(.get, "/certificates")
            XCTAssertEqual(gone.code, "not-logged-in")
        }
        let audit = try await h.repository.auditLog()
        XCTAssertTrue(audit.contains { $0.action == "issue" && $0.outcome == "ok" })
        XCTAssertTrue(audit.contains { $0.action == "revoke" && $0.outcome == "ok" })
        XCTAssertTrue(audit.contains { $0.action == "issue" && $0.outcome == "active-certificate-exists" })
    }
}

