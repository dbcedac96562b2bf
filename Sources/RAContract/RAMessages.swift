public import Foundation
public import Localization

/// The request and response bodies of the RA's HTTP API (`tokencert-ra`): one type per JSON
/// document, encoded by the server and decoded by the client (and the other way round for requests).
/// Dates are ISO 8601 (UTC); binary values are base64.
public enum RA {
    // MARK: - Public documents

    /// `GET /health` answer.
    public struct Health: Codable, Sendable, Hashable {
        /// `ok`, or `unavailable` (sent with 503) when the store does not answer: a load balancer
        /// takes the instance out.
        public var status: String
        /// The store: `sqlite` or `postgres`.
        public var store: String?
        /// Whether the store answered: `ok` or `unreachable`.
        public var database: String?
        public init(status: String, store: String? = nil, database: String? = nil) {
            (self.status, self.store, self.database) = (status, store, database)
        }
    }

    /// A text in both languages: `{"en": …, "zh-TW": …}` on the wire. It is `LocalizedText` itself,
    /// whose coding is the one two-language shape of every TokenCert JSON document.
    public typealias Text = LocalizedText

    /// Every refusal's body: `{code, message: {en, zh-TW}, remedy?, details?}`, sent with the HTTP
    /// status of its code.
    public struct ErrorBody: Codable, Sendable, Hashable {
        public var code: RAErrorCode
        /// What happened.
        public var message: Text
        /// What to do.
        public var remedy: Text?
        /// Facts a client may show or act on (`lockedUntil`, `retryAfterSeconds`, …); never a secret.
        public var details: [String: String]?
        public init(code: RAErrorCode, message: Text, remedy: Text?, details: [String: String]?) {
            (self.code, self.message, self.remedy, self.details) = (code, message, remedy, details)
        }
    }

    /// `GET /consent` answer: the current agreement.
    public struct Agreement: Codable, Sendable, Hashable {
        public var version: String
        /// SHA-256 (hex) of the agreement text; sent back on acceptance.
        public var sha256: String
        public var text: Text
        public init(version: String, sha256: String, text: Text) { (self.version, self.sha256, self.text) = (version, sha256, text) }
    }

    /// Which notices: `GET /announcements` or `GET /faq`.
    public enum NoticeKind: String, Sendable { case announcements, faq }

    /// One announcement or FAQ entry (`GET /announcements`, `GET /faq`, and the `notices` of the
    /// RA's configuration file).
    public struct Notice: Codable, Sendable, Hashable {
        public var date: String?
        public var title: Text
        public var body: Text
        public init(date: String? = nil, title: Text, body: Text) { (self.date, self.title, self.body) = (date, title, body) }
    }

    // MARK: - Login and consent

    /// `POST /login` body.
    public struct LoginRequest: Codable, Sendable, Hashable {
        /// National ID or unified business number.
        public var id: String
        /// The e-trading password; never logged.
        public var password: String
        public init(id: String, password: String) { (self.id, self.password) = (id, password) }
    }

    /// `POST /login` answer: the bearer token for every later customer call.
    public struct Session: Codable, Sendable, Hashable {
        /// Sent as `Authorization: Bearer <token>`; a secret of the session (the RA stores only its SHA-256).
        public var token: String
        /// When the session ends (30 minutes by the standard policy).
        public var expiresAt: Date
        /// The customer's ID, masked.
        public var customer: String
        /// The customer's name as the broker has it.
        public var name: String
        public init(token: String, expiresAt: Date, customer: String, name: String) {
            (self.token, self.expiresAt, self.customer, self.name) = (token, expiresAt, customer, name)
        }
    }

    /// `POST /consent` body.
    public struct ConsentRequest: Codable, Sendable, Hashable {
        public var version: String
        public var sha256: String
        public init(version: String, sha256: String) { (self.version, self.sha256) = (version, sha256) }
    }

    /// `POST /consent` answer.
    public struct ConsentAccepted: Codable, Sendable, Hashable {
        public var version: String
        public var sha256: String
        public var acceptedAt: Date
        public init(version: String, sha256: String, acceptedAt: Date) {
            (self.version, self.sha256, self.acceptedAt) = (version, sha256, acceptedAt)
        }
    }

    // MARK: - Identity steps

    /// `POST /identity/birth-date` body; ROC (`44/2/1`) or Gregorian (`1955-02-01`).
    public struct BirthDateRequest: Codable, Sendable, Hashable {
        public var birthDate: String
        public init(birthDate: String) { self.birthDate = birthDate }
    }

    /// The answer to a passed identity step (birth date or one-time code).
    public struct IdentityStep: Codable, Sendable, Hashable {
        public var verified: Bool
        /// Until when the step counts for issue, renew and revoke.
        public var validUntil: Date
        public init(verified: Bool, validUntil: Date) { (self.verified, self.validUntil) = (verified, validUntil) }
    }

    /// How a one-time code is sent.
    public enum Channel: String, Codable, Sendable, Hashable, CaseIterable {
        case sms
        case email
    }

    /// `POST /identity/code` body.
    public struct CodeRequest: Codable, Sendable, Hashable {
        /// A securities account of the customer, e.g. `1020-1234567`.
        public var account: String
        public var channel: Channel
        public init(account: String, channel: Channel) { (self.account, self.channel) = (account, channel) }
    }

    /// `POST /identity/code` answer (never the code itself).
    public struct CodeSent: Codable, Sendable, Hashable {
        /// The 4-letter identifier shown on screen and in the message.
        public var identifier: String
        public var channel: Channel
        /// Masked mobile number or e-mail address.
        public var destination: String
        /// The account, masked.
        public var account: String
        public var expiresAt: Date
        /// When a new code may be asked for.
        public var resendAfter: Date
        public init(identifier: String, channel: Channel, destination: String, account: String, expiresAt: Date, resendAfter: Date) {
            (self.identifier, self.channel, self.destination, self.account) = (identifier, channel, destination, account)
            (self.expiresAt, self.resendAfter) = (expiresAt, resendAfter)
        }
    }

    /// `POST /identity/code/verify` body.
    public struct CodeVerification: Codable, Sendable, Hashable {
        public var identifier: String
        public var code: String
        public init(identifier: String, code: String) { (self.identifier, self.code) = (identifier, code) }
    }

    // MARK: - Certificates

    /// The state of a certificate on the host.
    public enum CertificateState: String, Codable, Sendable, Hashable, CaseIterable {
        /// Issued by a renewal, waiting for the client's confirmation.
        case pending
        case active
        case revoked
        /// Replaced by a confirmed renewal.
        case superseded
        /// Past notAfter (computed when read; never stored).
        case expired
    }

    /// `POST /certificates` body.
    public struct IssueRequest: Codable, Sendable, Hashable {
        /// Makes the call idempotent: the same id and CSR give the same certificate back.
        public var requestId: String
        /// Base64 of the CSR's DER (PKCS#10).
        public var csr: String
        public init(requestId: String, csrDER: [UInt8]) { (self.requestId, csr) = (requestId, Data(csrDER).base64EncodedString()) }
    }

    /// `POST /certificates/{serial}/renew` body.
    public struct RenewRequest: Codable, Sendable, Hashable {
        public var requestId: String
        /// Base64 of the new CSR's DER.
        public var csr: String
        /// Base64 signature with the current key over the renewal message.
        public var proof: String
        public init(requestId: String, csrDER: [UInt8], proof: String) {
            (self.requestId, csr, self.proof) = (requestId, Data(csrDER).base64EncodedString(), proof)
        }
    }

    /// A certificate the RA issued (apply, renew, or at the counter).
    public struct IssuedCertificate: Codable, Sendable, Hashable {
        public var requestId: String
        /// Lower-case hex.
        public var serial: String
        public var status: CertificateState
        public var notBefore: Date
        public var notAfter: Date
        /// PEM.
        public var certificate: String
        /// PEM of the issuing CA.
        public var caCertificate: String
        public init(requestId: String, serial: String, status: CertificateState, notBefore: Date, notAfter: Date,
                    certificate: String, caCertificate: String) {
            (self.requestId, self.serial, self.status, self.notBefore, self.notAfter) = (requestId, serial, status, notBefore, notAfter)
            (self.certificate, self.caCertificate) = (certificate, caCertificate)
        }
    }

    /// `POST /certificates/{serial}/confirm` body.
    public struct ConfirmRequest: Codable, Sendable, Hashable {
        /// Base64 signature with the new key over the confirmation message.
        public var proof: String
        public init(proof: String) { self.proof = proof }
    }

    /// `POST /certificates/{serial}/confirm` answer.
    public struct Confirmation: Codable, Sendable, Hashable {
        public var serial: String
        public var status: CertificateState
        /// The serial the confirmed certificate replaced (now superseded, on the CRL).
        public var superseded: String?
        public var crlNumber: Int?
        public init(serial: String, status: CertificateState, superseded: String?, crlNumber: Int? = nil) {
            (self.serial, self.status, self.superseded, self.crlNumber) = (serial, status, superseded, crlNumber)
        }
    }

    /// A revocation reason on the wire: its RFC 5280 code (`1`), or its camel-case name
    /// (`keyCompromise`) from a hand-written request. Clients send the code.
    public enum ReasonValue: Codable, Sendable, Hashable {
        case code(Int)
        case name(String)

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .code(n) } else { self = .name(try c.decode(String.self)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .code(let n): try c.encode(n)
            case .name(let s): try c.encode(s)
            }
        }
    }

    /// `POST /certificates/{serial}/revoke` body.
    public struct RevokeRequest: Codable, Sendable, Hashable {
        public var reason: ReasonValue
        /// - Parameter reasonCode: the RFC 5280 reason code.
        public init(reasonCode: Int) { reason = .code(reasonCode) }
    }

    /// `POST /certificates/{serial}/revoke` answer (and the officer's revoke).
    public struct Revocation: Codable, Sendable, Hashable {
        public var serial: String
        public var revokedAt: Date
        /// RFC 5280 reason code.
        public var reason: Int
        /// The reason in words, in both languages.
        public var reasonLabel: Text
        public var onlineRevocationsLeftThisYear: Int
        /// The CRL number that lists it.
        public var crlNumber: Int
        public init(serial: String, revokedAt: Date, reason: Int, reasonLabel: Text, onlineRevocationsLeftThisYear: Int, crlNumber: Int) {
            (self.serial, self.revokedAt, self.reason, self.reasonLabel) = (serial, revokedAt, reason, reasonLabel)
            (self.onlineRevocationsLeftThisYear, self.crlNumber) = (onlineRevocationsLeftThisYear, crlNumber)
        }
    }

    /// `GET /certificates` answer (and `GET /officer/customers/{id}`): what the host knows of the customer.
    public struct HostStatus: Codable, Sendable, Hashable {
        /// One certificate on the host.
        public struct Entry: Codable, Sendable, Hashable {
            /// Lower-case hex.
            public var serial: String
            public var state: CertificateState
            public var notBefore: Date
            public var notAfter: Date
            /// First moment a renewal is accepted (notAfter − the renewal window).
            public var renewalOpensAt: Date
            public var revokedAt: Date?
            /// RFC 5280 reason code.
            public var revocationReason: Int?
            /// The reason in words, in both languages.
            public var revocationReasonLabel: Text?

            public init(serial: String, state: CertificateState, notBefore: Date, notAfter: Date, renewalOpensAt: Date,
                        revokedAt: Date? = nil, revocationReason: Int? = nil, revocationReasonLabel: Text? = nil) {
                self.serial = serial
                self.state = state
                self.notBefore = notBefore
                self.notAfter = notAfter
                self.renewalOpensAt = renewalOpensAt
                self.revokedAt = revokedAt
                self.revocationReason = revocationReason
                self.revocationReasonLabel = revocationReasonLabel
            }
        }
        /// The customer's ID, masked.
        public var customer: String
        /// Newest first.
        public var certificates: [Entry]
        public var onlineRevocationsLeftThisYear: Int
        /// Set while online services are locked after wrong birth dates.
        public var lockedUntil: Date?
        /// The agreement version accepted, when it is the current one.
        public var consentVersion: String?
        /// The customer's securities accounts (`1020-1234567`) to choose from for a one-time code; only
        /// ever sent to the customer's own session or an officer. Show them masked.
        public var accounts: [String]?
        /// Where an SMS code would go, masked (`091XXXXXX`).
        public var mobile: String?
        /// Where an e-mail code would go, masked (`a***@example.test`).
        public var email: String?

        public init(customer: String, certificates: [Entry], onlineRevocationsLeftThisYear: Int, lockedUntil: Date? = nil,
                    consentVersion: String? = nil, accounts: [String]? = nil, mobile: String? = nil, email: String? = nil) {
            self.customer = customer
            self.certificates = certificates
            self.onlineRevocationsLeftThisYear = onlineRevocationsLeftThisYear
            self.lockedUntil = lockedUntil
            self.consentVersion = consentVersion
            self.accounts = accounts
            self.mobile = mobile
            self.email = email
        }
    }

    // MARK: - Orders

    /// `POST /orders/verify` body: a CMS-signed order for an account.
    public struct OrderVerificationRequest: Codable, Sendable, Hashable {
        /// The securities account the order is for.
        public var account: String
        /// Base64 DER (or PEM) of the CMS SignedData.
        public var signature: String
        /// Base64 of the order, when the signature is detached.
        public var content: String?
        public init(account: String, signature: String, content: String? = nil) {
            (self.account, self.signature, self.content) = (account, signature, content)
        }
    }

    /// `POST /orders/verify` answer: the host's verdict on a signed order.
    public struct OrderVerdict: Codable, Sendable, Hashable {
        /// True only when every check passed.
        public var valid: Bool
        /// `ok` or why not (`tampered`, `revoked`, `signer-not-account-holder`, …).
        public var code: RAErrorCode
        public var message: Text
        public var remedy: Text?
        /// The signer's certificate serial (lower-case hex), when it could be read.
        public var signerSerial: String?
        /// The signer (masked ID), when the certificate is one of the RA's.
        public var customer: String?
        public var signingTime: Date?
        public init(valid: Bool, code: RAErrorCode, message: Text, remedy: Text?, signerSerial: String?, customer: String? = nil,
                    signingTime: Date? = nil) {
            (self.valid, self.code, self.message, self.remedy) = (valid, code, message, remedy)
            (self.signerSerial, self.customer, self.signingTime) = (signerSerial, customer, signingTime)
        }
    }

    // MARK: - Branch officers

    /// `POST /officer/challenge` body.
    public struct OfficerChallengeRequest: Codable, Sendable, Hashable {
        public var officer: String
        public init(officer: String) { self.officer = officer }
    }

    /// `POST /officer/challenge` answer: what a branch officer signs to log in. Every request gets a
    /// challenge of its own (several may be live; none cancels another), and a name nobody registered
    /// gets one that looks the same, so the answer does not tell which officers exist.
    public struct OfficerChallenge: Codable, Sendable, Hashable {
        public var officer: String
        public var challenge: String
        /// Base64 of the exact bytes to sign with the officer's key.
        public var message: String
        public var expiresAt: Date
        public init(officer: String, challenge: String, message: String, expiresAt: Date) {
            (self.officer, self.challenge, self.message, self.expiresAt) = (officer, challenge, message, expiresAt)
        }
    }

    /// `POST /officer/login` body.
    public struct OfficerLoginRequest: Codable, Sendable, Hashable {
        public var officer: String
        /// The `challenge` of the `OfficerChallenge` answer, as received (a login without it is refused).
        public var challenge: String?
        /// Base64 signature over the challenge's `message` with the officer's key.
        public var signature: String
        public init(officer: String, challenge: String, signature: String) {
            (self.officer, self.challenge, self.signature) = (officer, challenge, signature)
        }
    }

    /// `POST /officer/login` answer: an officer session.
    public struct OfficerSession: Codable, Sendable, Hashable {
        public var token: String
        public var expiresAt: Date
        public var officer: String
        public init(token: String, expiresAt: Date, officer: String) {
            (self.token, self.expiresAt, self.officer) = (token, expiresAt, officer)
        }
    }

    /// `POST /officer/customers/{id}/certificates` body: an in-person issue.
    public struct OfficerIssueRequest: Codable, Sendable, Hashable {
        public var requestId: String
        /// Base64 of the CSR's DER.
        public var csr: String
        /// The customer signed the agreement on paper at the counter; must be true.
        public var consentOnPaper: Bool
        public init(requestId: String, csrDER: [UInt8], consentOnPaper: Bool) {
            (self.requestId, csr, self.consentOnPaper) = (requestId, Data(csrDER).base64EncodedString(), consentOnPaper)
        }
    }

    /// `POST /officer/customers/{id}/revoke` body.
    public struct OfficerRevokeRequest: Codable, Sendable, Hashable {
        public var serial: String
        public var reason: ReasonValue
        /// - Parameter reasonCode: the RFC 5280 reason code.
        public init(serial: String, reasonCode: Int) { (self.serial, reason) = (serial, .code(reasonCode)) }
    }

    /// `POST /officer/customers/{id}/unlock` answer.
    public struct Unlocked: Codable, Sendable, Hashable {
        public var unlocked: Bool
        public init(unlocked: Bool) { self.unlocked = unlocked }
    }
}
