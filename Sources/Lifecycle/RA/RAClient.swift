public import CertificateKit
import Foundation
public import RAContract

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
    /// `GET /announcements` and `GET /faq`: the broker's notices for the customer's app.
    func notices(_ kind: RA.NoticeKind) async throws -> [RA.Notice]
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
    /// `POST /logout`: ends the session.
    func logout(session: RA.Session) async throws
    /// `POST /orders/verify`: the host's verdict on a signed order (what the broker's order gateway asks).
    func verifyOrder(_ request: RA.OrderVerificationRequest) async throws -> RA.OrderVerdict

    // Branch officers.
    /// `POST /officer/challenge`: the bytes an officer signs to log in.
    func officerChallenge(officer: String) async throws -> RA.OfficerChallenge
    /// `POST /officer/login` with the challenge as received and the base64 signature over its message.
    func officerLogin(officer: String, challenge: String, signature: String) async throws -> RA.OfficerSession
    /// `GET /officer/customers/{id}`: a customer's host status.
    func officerCustomerStatus(customerID: String, session: RA.OfficerSession) async throws -> RA.HostStatus
    /// `POST /officer/customers/{id}/certificates`: in-person issue (no one-time code).
    func officerIssue(customerID: String, _ request: RA.OfficerIssueRequest, session: RA.OfficerSession) async throws -> RA.IssuedCertificate
    /// `POST /officer/customers/{id}/revoke`: in-person revocation (no yearly limit).
    func officerRevoke(customerID: String, _ request: RA.OfficerRevokeRequest, session: RA.OfficerSession) async throws -> RA.Revocation
    /// `POST /officer/customers/{id}/unlock`: ends a birth-date lockout.
    func officerUnlock(customerID: String, session: RA.OfficerSession) async throws
}

extension RAClient {
    /// Test doubles without notices answer with none.
    public func notices(_ kind: RA.NoticeKind) async throws -> [RA.Notice] { [] }
}

extension RA.RevokeRequest {
    /// A revocation for `reason`, sent as its RFC 5280 code.
    public init(reason: RevocationReason) { self.init(reasonCode: reason.rawValue) }
}

extension RA.OfficerRevokeRequest {
    /// A counter revocation of `serial` for `reason`, sent as its RFC 5280 code.
    public init(serial: String, reason: RevocationReason) { self.init(serial: serial, reasonCode: reason.rawValue) }
}
