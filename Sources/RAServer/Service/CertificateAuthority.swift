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
    /// The OCSP responder, put into issued certificates' authority information access (`…/ocsp`).
    public var ocspURL: String?
    /// Where the CA certificate is served in DER, put there too (`…/ca.der`).
    public var caIssuersURL: String?

    /// - Parameters:
    ///   - organization: O= of issued certificates (the broker).
    ///   - crlURL: the CRL distribution point put into issued certificates, if any.
    ///   - ocspURL, caIssuersURL: the authority information access put into them, if any.
    public init(issuer: CertificateIssuer, organization: String, crlURL: String? = nil, ocspURL: String? = nil, caIssuersURL: String? = nil) {
        self.issuer = issuer
        self.organization = organization
        self.crlURL = crlURL
        self.ocspURL = ocspURL
        self.caIssuersURL = caIssuersURL
        caPEM = try? Self.pem(issuer.caCertificate)
    }

    /// The RA's pointers from its public URL (`--public-url`): `<url>/crl`, `<url>/ocsp`, `<url>/ca.der`.
    public init(issuer: CertificateIssuer, organization: String, publicURL: String?) {
        let base = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.init(issuer: issuer, organization: organization, crlURL: base.map { $0 + "/crl" }, ocspURL: base.map { $0 + "/ocsp" },
                  caIssuersURL: base.map { $0 + "/ca.der" })
    }

    /// What issued certificates point to.
    var profile: CertificateIssuer.Profile {
        CertificateIssuer.Profile(crlDistributionPoint: crlURL, ocspURL: ocspURL, caIssuersURL: caIssuersURL)
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
