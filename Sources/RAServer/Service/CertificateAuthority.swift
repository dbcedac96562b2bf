public import CertificateKit
import Foundation
import X509

/// The CA the RA issues with: its certificate, its key (a key file in development, a PKCS#11 token
/// in production) and what goes into every certificate it signs.
public struct CertificateAuthority: Sendable {
    /// The CA certificate and key.
    public let issuer: CertificateIssuer
    /// Put into issued certificates as O=.
    public var organization: String
    /// Where the CRL is published, put into issued certificates (e.g. `http://ra.example/crl`).
    public var crlURL: String?

    /// - Parameters:
    ///   - organization: O= of issued certificates (the broker).
    ///   - crlURL: the CRL distribution point put into issued certificates, if any.
    public init(issuer: CertificateIssuer, organization: String, crlURL: String? = nil) {
        self.issuer = issuer
        self.organization = organization
        self.crlURL = crlURL
        caPEM = try? Self.pem(issuer.caCertificate)
    }

    /// The CA certificate's PEM, made once: every issue response carries it.
    private let caPEM: String?

    static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString + "\n" }

    /// The CA certificate in PEM.
    public var certificatePEM: String {
        get throws {
            if let caPEM { return caPEM }
            return try Self.pem(issuer.caCertificate)
        }
    }
}
