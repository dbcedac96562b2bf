import CertificateKit
import Foundation
import Localization

/// The request and response bodies of the RA's HTTP API (`tokencert-ra`), as the client sees them.
/// Field names mirror the server's JSON exactly; dates are ISO 8601 (UTC).
public enum RA {
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
        /// Sent as `Authorization: Bearer <token>`; a secret of the session.
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

    /// A text in both languages, keyed `en` and `zh-TW` on the wire.
    public struct Text: Codable, Sendable, Hashable {
        public var en: String
        public var zhTW: String
        enum CodingKeys: String, CodingKey {
            case en
            case zhTW = "zh-TW"
        }
        public init(en: String, zhTW: String) { (self.en, self.zhTW) = (en, zhTW) }
        /// As a `LocalizedText`.
        public var localized: LocalizedText { LocalizedText(en: en, zhTW: zhTW) }
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

    /// One announcement or FAQ entry.
    public struct Notice: Codable, Sendable, Hashable {
        public var date: String?
        public var title: Text
        public var body: Text
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
    }

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
        public var account: String
        public var expiresAt: Date
        /// When a new code may be asked for.
        public var resendAfter: Date
    }

    /// `POST /identity/code/verify` body.
    public struct CodeVerification: Codable, Sendable, Hashable {
        public var identifier: String
        public var code: String
        public init(identifier: String, code: String) { (self.identifier, self.code) = (identifier, code) }
    }

    /// The state of a certificate on the host.
    public enum CertificateState: String, Codable, Sendable, Hashable, CaseIterable {
        /// Issued by a renewal, waiting for the client's confirmation.
        case pending
        case active
        case revoked
        /// Replaced by a confirmed renewal.
        case superseded
        case expired
    }

    /// `POST /certificates` body.
    public struct IssueRequest: Codable, Sendable, Hashable {
        /// Makes the call idempotent: the same id and CSR give the same certificate back.
        public var requestId: String
        /// PEM or base64 DER.
        public var csr: String
        public init(requestId: String, csr: String) { (self.requestId, self.csr) = (requestId, csr) }
    }

    /// `POST /certificates/{serial}/renew` body.
    public struct RenewRequest: Codable, Sendable, Hashable {
        public var requestId: String
        public var csr: String
        /// Base64 signature with the current key over the renewal message.
        public var proof: String
        public init(requestId: String, csr: String, proof: String) { (self.requestId, self.csr, self.proof) = (requestId, csr, proof) }
    }

    /// A certificate the RA issued (apply or renew).
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
        /// The serial the confirmed certificate replaced.
        public var superseded: String?
        public var crlNumber: Int?
        public init(serial: String, status: CertificateState, superseded: String?, crlNumber: Int?) {
            (self.serial, self.status, self.superseded, self.crlNumber) = (serial, status, superseded, crlNumber)
        }
    }

    /// `POST /certificates/{serial}/revoke` body; the reason is sent as its RFC 5280 code.
    public struct RevokeRequest: Codable, Sendable, Hashable {
        /// RFC 5280 reason code.
        public var reason: Int
        public init(reason: RevocationReason) { self.reason = reason.rawValue }
    }

    /// `POST /certificates/{serial}/revoke` answer.
    public struct Revocation: Codable, Sendable, Hashable {
        public var serial: String
        public var revokedAt: Date
        /// RFC 5280 reason code.
        public var reason: Int
        /// The reason in English.
        public var reasonLabel: String
        public var onlineRevocationsLeftThisYear: Int
        /// The CRL number that lists it.
        public var crlNumber: Int
    }

    /// `GET /certificates` answer: what the host knows of the customer.
    public struct HostStatus: Codable, Sendable, Hashable {
        /// One certificate on the host.
        public struct Entry: Codable, Sendable, Hashable {
            /// Lower-case hex.
            public var serial: String
            public var state: CertificateState
            public var notBefore: Date
            public var notAfter: Date
            /// First moment a renewal is accepted.
            public var renewalOpensAt: Date
            public var revokedAt: Date?
            /// RFC 5280 reason code, with its English and zh-TW labels.
            public var revocationReason: Int?
            public var revocationReasonLabel: String?
            public var revocationReasonLabelZhTW: String?

            public init(serial: String, state: CertificateState, notBefore: Date, notAfter: Date, renewalOpensAt: Date,
                        revokedAt: Date? = nil, revocationReason: Int? = nil, revocationReasonLabel: String? = nil,
                        revocationReasonLabelZhTW: String? = nil) {
                self.serial = serial
                self.state = state
                self.notBefore = notBefore
                self.notAfter = notAfter
                self.renewalOpensAt = renewalOpensAt
                self.revokedAt = revokedAt
                self.revocationReason = revocationReason
                self.revocationReasonLabel = revocationReasonLabel
                self.revocationReasonLabelZhTW = revocationReasonLabelZhTW
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
        /// The customer's securities accounts (`1020-1234567`) to choose from for a one-time code; show them masked.
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
        public var code: String
        public var message: Text
        public var remedy: Text?
        /// The signer's certificate serial (lower-case hex), when it could be read.
        public var signerSerial: String?
        /// The signer (masked ID), when the certificate is one of the RA's.
        public var customer: String?
        public var signingTime: Date?
    }

    /// `POST /officer/challenge` answer: what a branch officer signs to log in.
    public struct OfficerChallenge: Codable, Sendable, Hashable {
        public var officer: String
        public var challenge: String
        /// Base64 of the exact bytes to sign with the officer's key.
        public var message: String
        public var expiresAt: Date
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
        /// PEM or base64 DER of the CSR.
        public var csr: String
        /// The customer signed the agreement on paper at the counter; must be true.
        public var consentOnPaper: Bool
        public init(requestId: String, csr: String, consentOnPaper: Bool) {
            (self.requestId, self.csr, self.consentOnPaper) = (requestId, csr, consentOnPaper)
        }
    }

    /// `POST /officer/customers/{id}/revoke` body.
    public struct OfficerRevokeRequest: Codable, Sendable, Hashable {
        public var serial: String
        /// RFC 5280 reason code.
        public var reason: Int
        public init(serial: String, reason: RevocationReason) { (self.serial, self.reason) = (serial, reason.rawValue) }
    }
}
