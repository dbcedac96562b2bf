public import CertificateKit
public import Domain
public import Foundation
public import RAContract
import Localization
import Crypto

/// A customer as the broker knows them. The birth date is a company's registration date for a
/// unified business number.
public struct CustomerRecord: Sendable, Hashable {
    public var id: CustomerID
    public var name: String
    public var birthDate: ROCDate
    /// Taiwan mobile number, `09` and eight digits.
    public var mobile: String?
    public var email: String?
    public var accounts: [SecuritiesAccount]
    /// `PasswordHasher` output; never the password.
    public var passwordHash: String

    public init(id: CustomerID, name: String, birthDate: ROCDate, mobile: String?, email: String?,
                accounts: [SecuritiesAccount], passwordHash: String) {
        self.id = id
        self.name = name
        self.birthDate = birthDate
        self.mobile = mobile
        self.email = email
        self.accounts = accounts
        self.passwordHash = passwordHash
    }
}

/// The state of a certificate on the host: the wire's own (stored by its raw value; `expired` is
/// computed when read, never stored).
public typealias CertificateState = RA.CertificateState

extension RA.CertificateState {
    /// The state's name in Traditional Chinese.
    public var zhTW: String {
        switch self {
        case .pending: "待確認"
        case .active: "有效"
        case .revoked: "已廢止"
        case .superseded: "已被取代"
        case .expired: "已過期"
        }
    }
}

/// One certificate the RA issued.
public struct CertificateRecord: Sendable, Hashable {
    /// Lower-case hex of the serial number's content octets.
    public var serial: String
    public var customerID: String
    /// The client's idempotency key.
    public var requestID: String
    /// SHA-256 (hex) of the CSR's DER, to tell a retry from a different request with the same id.
    public var csrSHA256: String
    /// The stored state (`active`, `pending`, `revoked`, `superseded`); see `state(at:)`.
    public var status: CertificateState
    public var notBefore: Date
    public var notAfter: Date
    public var issuedAt: Date
    public var der: [UInt8]
    public var revokedAt: Date?
    public var revocationReason: RevocationReason?
    /// True when revoked by the customer online (counts against the yearly limit).
    public var revokedOnline: Bool
    /// For a renewal: the serial of the certificate it replaces once confirmed.
    public var replacesSerial: String?

    public init(serial: String, customerID: String, requestID: String, csrSHA256: String, status: CertificateState,
                notBefore: Date, notAfter: Date, issuedAt: Date, der: [UInt8], revokedAt: Date? = nil,
                revocationReason: RevocationReason? = nil, revokedOnline: Bool = false, replacesSerial: String? = nil) {
        self.replacesSerial = replacesSerial
        self.serial = serial
        self.customerID = customerID
        self.requestID = requestID
        self.csrSHA256 = csrSHA256
        self.status = status
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuedAt = issuedAt
        self.der = der
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
        self.revokedOnline = revokedOnline
    }

    /// The state a customer sees: `expired` once past notAfter unless revoked or superseded.
    public func state(at now: Date) -> CertificateState {
        switch status {
        case .active, .pending: now > notAfter ? .expired : status
        default: status
        }
    }
}

/// A one-time code waiting to be entered. Only a salted hash of the digits is kept.
public struct OneTimeCode: Sendable, Hashable {
    /// The 4-letter identifier shown on screen and in the message.
    public var identifier: String
    public var salt: [UInt8]
    public var codeHash: [UInt8]
    /// `sms` or `email`.
    public var channel: String
    public var account: String
    public var sentAt: Date
    public var expiresAt: Date
    /// Wrong guesses so far.
    public var wrongTries: Int

    public init(identifier: String, salt: [UInt8], codeHash: [UInt8], channel: String, account: String,
                sentAt: Date, expiresAt: Date, wrongTries: Int = 0) {
        self.identifier = identifier
        self.salt = salt
        self.codeHash = codeHash
        self.channel = channel
        self.account = account
        self.sentAt = sentAt
        self.expiresAt = expiresAt
        self.wrongTries = wrongTries
    }
}

/// A customer's identity-check state: lockout, steps passed, the live code, the send rate limit.
public struct SecurityState: Sendable, Hashable {
    /// Wrong birth dates in a row.
    public var birthDateFailures = 0
    public var lockedUntil: Date?
    /// When step 1 last succeeded (cleared when used up).
    public var birthDateVerifiedAt: Date?
    /// When step 2 last succeeded (cleared when used up).
    public var codeVerifiedAt: Date?
    /// The session (token SHA-256) that passed step 1: step 2 and the issue or revocation must come
    /// from the same session.
    public var identitySession: String?
    /// The live code, if any.
    public var code: OneTimeCode?
    /// Identifiers of codes killed by a resend in this identity session, to say "replaced".
    public var replacedIdentifiers: [String] = []
    /// Start of the current send-rate window and the codes sent in it.
    public var sendWindowStart: Date?
    public var sendsInWindow = 0
    /// Wrong e-trading passwords in a row (for the audit log; they slow the guessing address down in
    /// `LoginGate` and lock nothing).
    public var loginFailures = 0
    /// A login lock from before locks were removed; cleared at the next login and never set.
    public var loginLockedUntil: Date?

    public init() {}
}

/// An accepted agreement.
public struct ConsentRecord: Sendable, Hashable {
    public var customerID: String
    public var version: String
    /// SHA-256 (hex) of the agreement text accepted.
    public var textSHA256: String
    public var acceptedAt: Date

    public init(customerID: String, version: String, textSHA256: String, acceptedAt: Date) {
        self.customerID = customerID
        self.version = version
        self.textSHA256 = textSHA256
        self.acceptedAt = acceptedAt
    }
}

/// A security event for the append-only audit log. Never holds a secret (no password, code, PIN).
public struct AuditEvent: Sendable, Hashable {
    public var at: Date
    /// The customer concerned (full ID: the audit log is the broker's own record).
    public var customerID: String?
    /// Who acted: `customer` or `officer:<name>` or `system`.
    public var actor: String
    /// What happened, e.g. `login`, `birth-date`, `code-sent`, `issue`, `revoke`.
    public var action: String
    /// `ok` or the refusal code.
    public var outcome: String
    /// Non-secret facts (serial, identifier, reason).
    public var detail: String

    /// Every field is bounded here, whoever builds the event: at most ``fieldLimit`` characters
    /// (``detailLimit`` for `detail`), control characters replaced by `?`, a cut marked with `…` —
    /// so no request can put an unbounded or terminal-controlling string into the append-only log.
    public init(at: Date, customerID: String?, actor: String = "customer", action: String, outcome: String, detail: String = "") {
        self.at = at
        self.customerID = customerID.map { Self.bounded($0, Self.fieldLimit) }
        self.actor = Self.bounded(actor, Self.fieldLimit)
        self.action = Self.bounded(action, Self.fieldLimit)
        self.outcome = Self.bounded(outcome, Self.fieldLimit)
        self.detail = Self.bounded(detail, Self.detailLimit)
    }

    /// The most characters of `customerID`, `actor`, `action` and `outcome`.
    public static let fieldLimit = 96
    /// The most characters of `detail`.
    public static let detailLimit = 256

    /// `text` with control characters replaced and cut to `limit` characters.
    static func bounded(_ text: String, _ limit: Int) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit + 1) {
            out.unicodeScalars.append(scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format ? "?" : scalar)
        }
        guard out.unicodeScalars.count > limit else { return out }
        return String(String.UnicodeScalarView(out.unicodeScalars.prefix(limit - 1))) + "…"
    }

    /// How an unauthenticated name (an officer name nobody registered, an ID that is no customer)
    /// is written: never verbatim — its length and the first 8 hex digits of its SHA-256, enough
    /// to see that one name is tried again and again.
    public static func unauthenticatedName(_ name: String) -> String {
        let digest = hexString(SHA256.hash(data: Data(name.utf8)).prefix(4))
        return "\(name.utf8.count) bytes, sha256 \(digest)…"
    }
}

/// Everything the RA keeps about one customer that changes together, read and written in one
/// transaction by `RARepository.transact(customerID:_:)`.
public struct CustomerLedger: Sendable {
    public let customer: CustomerRecord
    public var security: SecurityState
    /// All the customer's certificates, oldest first. Change or append; never remove.
    public var certificates: [CertificateRecord]
    /// Accepted agreements, oldest first. Append only.
    public var consents: [ConsentRecord]
    /// Events to append to the audit log when the transaction commits.
    public var audit: [AuditEvent] = []

    public init(customer: CustomerRecord, security: SecurityState, certificates: [CertificateRecord], consents: [ConsentRecord]) {
        self.customer = customer
        self.security = security
        self.certificates = certificates
        self.consents = consents
    }
}

/// A login session. The token itself is never stored, only its SHA-256.
public struct SessionRecord: Sendable, Hashable {
    public var tokenSHA256: String
    public var customerID: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenSHA256: String, customerID: String, createdAt: Date, expiresAt: Date) {
        self.tokenSHA256 = tokenSHA256
        self.customerID = customerID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A signed CRL as published.
public struct CRLRecord: Sendable, Hashable {
    public var number: Int
    public var der: [UInt8]
    public var thisUpdate: Date
    public var nextUpdate: Date

    public init(number: Int, der: [UInt8], thisUpdate: Date, nextUpdate: Date) {
        self.number = number
        self.der = der
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
    }
}
