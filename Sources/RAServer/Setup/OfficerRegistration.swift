public import Foundation
import X509

/// Reading an officer's certificate for `tokencert-ra officer add`.
public enum OfficerRegistration {
    /// The DER of the PEM certificate in `pemFile`, which must be valid at `now` (an officer whose
    /// certificate has expired or is not yet valid could never log in).
    /// - Throws: `SetupError.cannotRead`, `.officerCertificateNotValid`; the PEM parser's error.
    public static func certificateDER(pemFile: String, now: Date = Date()) throws -> [UInt8] {
        guard let text = try? String(contentsOfFile: pemFile, encoding: .utf8) else { throw SetupError.cannotRead(pemFile) }
        let certificate = try Certificate(pemEncoded: text)
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
            throw SetupError.officerCertificateNotValid(pemFile, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
        }
        return certificate.derBytes
    }
}

/// The audit log as JSON lines: `{"at", "customer", "actor", "action", "outcome", "detail"}`.
public enum AuditExport {
    struct Line: Encodable {
        var at: Date
        var customer: String?
        var actor: String
        var action: String
        var outcome: String
        var detail: String
    }

    /// One JSON object per event, oldest first.
    public static func jsonLines(_ repository: any RARepository) async throws -> [String] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try await repository.auditLog().map { e in
            String(decoding: try encoder.encode(Line(at: e.at, customer: e.customerID, actor: e.actor, action: e.action, outcome: e.outcome,
                                                     detail: e.detail)), as: UTF8.self)
        }
    }
}
