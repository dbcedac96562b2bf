import CertificateKit
import Foundation

/// Everything Lifecycle asks of the registration authority — one method per endpoint of
/// `tokencert-ra`. Customer calls carry the session token from `login`.
///
/// Every method throws `RAClientError`: `.refused` with the server's code, reason and remedy, or
/// `.unreachable` when no answer came back.
public protocol RAClient: Sendable {
    /// `POST /login`: a session for the customer.
    func login(_ request: RA.LoginRequest) async throws -> RA.Session
    /// `GET /consent`: the current agreement.
    func agreement() async throws -> RA.Agreement
    /// `POST /consent`: records acceptance of the agreement.
    func acceptConsent(_ request: RA.ConsentRequest, session: RA.Session) async throws -> RA.ConsentAccepted
    /// `POST /identity/birth-date`: identity step 1.
    func verifyBirthDate(_ request: RA.BirthDateRequest, session: RA.Session) async throws -> RA.IdentityStep
    /// `POST /identity/code`: sends a one-time code (identity step 2, first half).
    func sendCode(_ request: RA.CodeRequest, session: RA.Session) async throws -> RA.CodeSent
    /// `POST /identity/code/verify`: identity step 2, second half.
    func verifyCode(_ request: RA.CodeVerification, session: RA.Session) async throws -> RA.IdentityStep
    /// `POST /certificates`: applies for a certificate.
    func issue(_ request: RA.IssueRequest, session: RA.Session) async throws -> RA.IssuedCertificate
    /// `GET /certificates`: the host-side status.
    func hostStatus(session: RA.Session) async throws -> RA.HostStatus
    /// `POST /certificates/{serial}/renew`: a pending successor of `serial`.
    func renew(serial: String, _ request: RA.RenewRequest, session: RA.Session) async throws -> RA.IssuedCertificate
    /// `POST /certificates/{serial}/confirm`: makes a pending renewal active.
    func confirm(serial: String, _ request: RA.ConfirmRequest, session: RA.Session) async throws -> RA.Confirmation
    /// `POST /certificates/{serial}/revoke`.
    func revoke(serial: String, _ request: RA.RevokeRequest, session: RA.Session) async throws -> RA.Revocation
    /// `GET /crl`: the current CRL, DER.
    func crl() async throws -> [UInt8]
    /// `GET /ca.pem`: the CA certificate, PEM.
    func caCertificatePEM() async throws -> String
}
