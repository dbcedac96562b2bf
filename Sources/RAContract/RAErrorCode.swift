/// The machine-readable reason of an RA refusal (the `code` of its error body), and of an order
/// verdict. The server throws and encodes these constants; the client matches on them — neither side
/// spells a code as a string literal. A code the client does not know decodes as itself.
///
/// New codes are new constants here; a client compares with `==` or `switch`, never with the text.
public struct RAErrorCode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// On the wire: the bare string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: Requests

    /// The body is not what the endpoint takes (a missing field, bad base64, a bad request id…).
    public static let badRequest = RAErrorCode(rawValue: "bad-request")
    /// A national ID or business number refused by its rule; the details name the field `id`.
    public static let invalidID = RAErrorCode(rawValue: "invalid-id")
    /// A birth date that does not parse (ROC or Gregorian); the details name the field `birthDate`.
    public static let invalidBirthDate = RAErrorCode(rawValue: "invalid-birthDate")
    /// A securities account that does not parse; the details name the field `account`.
    public static let invalidAccount = RAErrorCode(rawValue: "invalid-account")
    /// Every code of a field refused by a domain rule (`invalid-<field>`).
    public static let invalidFields: Set<RAErrorCode> = [invalidID, invalidBirthDate, invalidAccount]
    /// Whether the code refuses the request itself (a field, the body, the CSR) rather than what it
    /// asks for: bad input, not the rules saying no.
    public var isBadInput: Bool { Self.invalidFields.contains(self) || self == .badRequest || self == .badCSR }
    /// Something failed on the RA's side.
    public static let internalError = RAErrorCode(rawValue: "internal-error")

    /// A refusal of the HTTP layer itself (no such route…): `http-<status>`.
    public static func http(_ status: Int) -> RAErrorCode { RAErrorCode(rawValue: "http-\(status)") }

    // MARK: Sessions

    public static let notLoggedIn = RAErrorCode(rawValue: "not-logged-in")
    public static let badCredentials = RAErrorCode(rawValue: "bad-credentials")
    /// No longer sent: logging in is never locked (a lock told customers from other IDs and let
    /// anyone lock a customer out); wrong passwords are answered with `too-many-logins`. Kept so
    /// clients that know the code still build.
    public static let loginLocked = RAErrorCode(rawValue: "login-locked")
    /// This address must wait before trying again: too many attempts in a minute, or wrong passwords
    /// in a row for this ID (429, `Retry-After`); the same for IDs that are no customer.
    public static let tooManyLogins = RAErrorCode(rawValue: "too-many-logins")
    /// An operator endpoint (`/metrics`, `/orders/verify`) asked from another machine while no token
    /// is configured for it: it answers loopback clients only (403).
    public static let localOnly = RAErrorCode(rawValue: "local-only")
    /// Too many logins waiting for password checking right now (429, `Retry-After`).
    public static let loginBusy = RAErrorCode(rawValue: "login-busy")

    // MARK: Consent and identity

    public static let consentRequired = RAErrorCode(rawValue: "consent-required")
    public static let consentMismatch = RAErrorCode(rawValue: "consent-mismatch")
    /// Online services are locked after wrong birth dates (details: `lockedUntil`).
    public static let locked = RAErrorCode(rawValue: "locked")
    /// A wrong birth date (details: `attemptsLeft`).
    public static let birthDateWrong = RAErrorCode(rawValue: "birth-date-wrong")
    /// A one-time code asked for before the birth date step.
    public static let birthDateRequired = RAErrorCode(rawValue: "birth-date-required")
    public static let unknownAccount = RAErrorCode(rawValue: "unknown-account")
    public static let noDestination = RAErrorCode(rawValue: "no-destination")
    /// Details: `retryAfterSeconds`.
    public static let resendTooSoon = RAErrorCode(rawValue: "resend-too-soon")
    /// Details: `retryAfterSeconds`.
    public static let sendLimit = RAErrorCode(rawValue: "send-limit")
    public static let deliveryFailed = RAErrorCode(rawValue: "delivery-failed")
    public static let noActiveCode = RAErrorCode(rawValue: "no-active-code")
    public static let codeReplaced = RAErrorCode(rawValue: "code-replaced")
    public static let codeExpired = RAErrorCode(rawValue: "code-expired")
    /// Details: `triesLeft`.
    public static let codeWrong = RAErrorCode(rawValue: "code-wrong")
    public static let codeTooManyTries = RAErrorCode(rawValue: "code-too-many-tries")
    public static let identityRequired = RAErrorCode(rawValue: "identity-required")

    // MARK: Certificates

    public static let badCSR = RAErrorCode(rawValue: "bad-csr")
    public static let keyNotAllowed = RAErrorCode(rawValue: "key-not-allowed")
    /// The key is already certified for another customer (a signed order could be re-attributed).
    public static let keyInUse = RAErrorCode(rawValue: "key-in-use")
    /// The key was revoked for key compromise once; it is never certified again.
    public static let keyCompromised = RAErrorCode(rawValue: "key-compromised")
    /// Details: `serial`.
    public static let activeCertificateExists = RAErrorCode(rawValue: "active-certificate-exists")
    public static let requestIDReused = RAErrorCode(rawValue: "request-id-reused")
    public static let certificateNotFound = RAErrorCode(rawValue: "certificate-not-found")
    /// Details: `state`.
    public static let notRevocable = RAErrorCode(rawValue: "not-revocable")
    public static let reasonNotAllowed = RAErrorCode(rawValue: "reason-not-allowed")
    /// Details: `year`, `limit`.
    public static let revocationsUsedUp = RAErrorCode(rawValue: "revocations-used-up")
    /// Details: `opensAt`.
    public static let renewalNotOpen = RAErrorCode(rawValue: "renewal-not-open")
    /// Details: `state`.
    public static let notRenewable = RAErrorCode(rawValue: "not-renewable")
    /// Details: `serial`.
    public static let renewalPending = RAErrorCode(rawValue: "renewal-pending")
    /// Details: `state`.
    public static let notConfirmable = RAErrorCode(rawValue: "not-confirmable")
    public static let proofOfPossessionFailed = RAErrorCode(rawValue: "proof-of-possession-failed")

    // MARK: Branch officers

    public static let officerRefused = RAErrorCode(rawValue: "officer-refused")
    public static let customerNotFound = RAErrorCode(rawValue: "customer-not-found")

    // MARK: Order verdicts (`RA.OrderVerdict.code`)

    /// The order's signature passed every check.
    public static let ok = RAErrorCode(rawValue: "ok")
    /// The signer is not the holder of the order's account. The other verdicts (`tampered`,
    /// `revoked`, …) are the order-signature verifier's own codes.
    public static let signerNotAccountHolder = RAErrorCode(rawValue: "signer-not-account-holder")
    /// The signer's certificate is not active in the RA's store: a renewal not yet confirmed, or replaced.
    public static let certificateNotActive = RAErrorCode(rawValue: "certificate-not-active")
}
