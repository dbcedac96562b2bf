import Localization
import CertificateKit
import Crypto
import Foundation
import X509

/// How the RA turns a CSR into a customer certificate, shared by issue, renewal and the counter:
/// the CSR's self-signature and key policy, the subject from the customer record (never from the
/// CSR), a random serial, the validity by policy, and the record that goes into the store.
extension RAService {
    /// The record of a certificate just signed.
    static func record(of certificate: Certificate, customerID: String, requestID: String, csrHash: String, status: CertificateState,
                       issuedAt: Date, replacing: String? = nil) -> CertificateRecord {
        CertificateRecord(serial: hexString(certificate.serialNumberBytes), customerID: customerID, requestID: requestID,
                          csrSHA256: csrHash, status: status, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter,
                          issuedAt: issuedAt, der: certificate.derBytes, replacesSerial: replacing)
    }

    /// Parses a CSR (DER), checks its self-signature and the key policy.
    /// One key, one customer: refuses a CSR whose key is certified for another customer, or was
    /// ever revoked for key compromise (before any signing; the store checks again when it stores).
    /// - Throws: `RAError.keyInUse`, `RAError.keyCompromised`.
    func checkKeyUnused(_ csr: CertificateSigningRequest, customerID: String) async throws {
        let keyHash = KeyUse.hash(subjectPublicKeyInfo: csr.publicKey.derSubjectPublicKeyInfo)
        for use in try await repository.keyUses(subjectPublicKeyInfoSHA256: keyHash) {
            if use.compromised { throw RAError.keyCompromised }
            if use.customerID != customerID { throw RAError.keyInUse }
        }
    }

    func checkedCSR(_ csrBytes: [UInt8]) throws -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateRequests.parseAndVerify(csrBytes)
        } catch let error as CertificateKitError {
            // swift-certificates refuses some RSA keys outright (sizes, exponent 1): say which key it
            // is and what is wrong with it, not "unreadable".
            if let rsa = CSRKeyProbe.rsaKey(csr: csrBytes) {
                if !(policy.minimumRSABits...policy.maximumRSABits).contains(rsa.bits) { throw RAError.keyNotAllowed(rsa.description, policy: policy) }
                if let weakness = CSRKeyProbe.weakness(rsa) { throw RAError.weakKey(rsa.description, weakness) }
            }
            throw RAError.badCSR(error)
        }
        let spki = csr.publicKey.derSubjectPublicKeyInfo
        let key: KeyDescription
        do { key = try KeyDescription(subjectPublicKeyInfo: spki) } catch { throw RAError.keyNotAllowed("unknown", policy: policy) }
        let isEC: Bool = if case .rsa = key.kind { false } else { true }
        guard key.isAllowed(minimumRSABits: policy.minimumRSABits, maximumRSABits: policy.maximumRSABits), policy.allowECDSA || !isEC else {
            throw RAError.keyNotAllowed(key.description, policy: policy)
        }
        if !isEC {
            guard let rsa = CSRKeyProbe.rsaKey(subjectPublicKeyInfo: spki) else { throw RAError.keyNotAllowed(key.description, policy: policy) }
            if let weakness = CSRKeyProbe.weakness(rsa) { throw RAError.weakKey(key.description, weakness) }
        }
        return csr
    }

    /// Signs a customer certificate for the CSR's key with the subject from the customer record.
    func sign(_ csr: CertificateSigningRequest, customerID: String, now: Date) async throws -> Certificate {
        guard let customer = try await repository.customer(id: customerID) else { throw RAError.notLoggedIn }
        return try await sign(csr, customer: customer, now: now)
    }

    /// Signs a customer certificate for the CSR's key with the subject from `customer` (a record the
    /// caller has just read from the store).
    func sign(_ csr: CertificateSigningRequest, customer: CustomerRecord, now: Date) async throws -> Certificate {
        try await authority.issuer.issue(
            publicKey: csr.publicKey, subject: try subject(customer), serialNumber: CertificateIssuer.randomSerialNumber(),
            notBefore: now, notAfter: CertificateIssuer.validityEnd(from: now, years: policy.validityYears),
            profile: authority.profile)
    }

    /// `sign(_:customer:now:)` without suspending, for a CA key in memory (inside a transaction).
    func signSynchronously(_ csr: CertificateSigningRequest, customer: CustomerRecord, now: Date) throws -> Certificate {
        try authority.issuer.issueSynchronously(
            publicKey: csr.publicKey, subject: try subject(customer), serialNumber: CertificateIssuer.randomSerialNumber(),
            notBefore: now, notAfter: CertificateIssuer.validityEnd(from: now, years: policy.validityYears),
            profile: authority.profile)
    }

    /// The subject of a customer's certificate: from the customer record, never from the CSR.
    func subject(_ customer: CustomerRecord) throws -> DistinguishedName {
        try SubscriberSubject(commonName: customer.name, serialNumber: customer.id.value,
                              organization: authority.organization).distinguishedName()
    }
}
