import CertificateKit
import Foundation
import X509

/// A development CA with a software P-256 key, valid from 30 days ago for ten years.
public func softwareCA(_ name: String = "TokenCert Test CA") async throws -> CertificateIssuer {
    let key = try TokenPrivateKey(try SoftwareSigner.generate(.p256))
    let subject = try DistinguishedName {
        CountryName("TW")
        OrganizationName("TokenCert Test")
        CommonName(name)
    }
    let ca = try await CertificateIssuer.selfSignedCA(subject: subject, key: key, notBefore: Date().addingTimeInterval(-86_400 * 30),
                                                      notAfter: Date().addingTimeInterval(86_400 * 3650))
    return CertificateIssuer(caCertificate: ca, caKey: key)
}
