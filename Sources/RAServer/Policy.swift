public import Foundation

/// Every rule of the RA that a broker may tune, in one place (DESIGN.md, "Domain rules"). The
/// defaults are the rules of the manual; tests shorten nothing but the password cost.
public struct Policy: Sendable, Hashable {
    /// Validity of an issued certificate in years; notAfter is 23:59:59 Asia/Taipei on the last day.
    public var validityYears = 1
    /// Renewal is possible only this many days before notAfter (and while valid).
    public var renewalWindowDays = 30
    /// The second renewal reminder goes out this many days before notAfter (the first when the
    /// renewal window opens, `renewalWindowDays` before it; see `RenewalReminders`).
    public var finalReminderDays = 7
    /// Online revocations allowed per calendar year (Asia/Taipei); beyond that only at a branch.
    public var onlineRevocationsPerYear = 2
    /// Wrong birth dates in a row that lock online certificate services.
    public var birthDateAttemptsBeforeLock = 3
    /// How long a lockout lasts (or until a branch officer unlocks).
    public var lockoutDuration: TimeInterval = 24 * 3600
    /// Lifetime of a one-time code.
    public var codeLifetime: TimeInterval = 300
    /// A new code may be requested this long after the previous one; the new one kills the old.
    public var codeResendAfter: TimeInterval = 60
    /// Wrong guesses that kill a code (the next guess is refused whatever it is).
    public var codeMaxTries = 5
    /// Codes that may be sent to one customer within `codeSendWindow` (rate limit).
    public var codeSendsPerWindow = 5
    /// The rate-limit window for sending codes.
    public var codeSendWindow: TimeInterval = 3600
    /// Both identity steps must have succeeded within this window before an issue or revocation;
    /// a successful issue or revocation uses them up.
    public var identityWindow: TimeInterval = 600
    /// Wrong e-trading passwords in a row from one client address for one ID before that address
    /// waits between tries (15 s, doubling; see `LoginGate`). Logging in is never locked: a lock
    /// would let anyone lock a customer out and tell customers from other IDs.
    public var loginFailuresBeforeBackoff = 5
    /// The longest such wait.
    public var loginBackoffLimit: TimeInterval = 900
    /// Lifetime of a login session.
    public var sessionLifetime: TimeInterval = 1800
    /// Smallest RSA modulus accepted in a CSR.
    public var minimumRSABits = 2048
    /// Largest RSA modulus accepted in a CSR (larger ones cost every verifier and no token makes them).
    public var maximumRSABits = 8192
    /// Whether ECDSA P-256/P-384 keys are accepted in a CSR.
    public var allowECDSA = true
    /// PBKDF2-HMAC-SHA256 iterations for e-trading passwords. 600,000 is OWASP's 2023 figure for
    /// PBKDF2-SHA256 (about 0.15 s per login here); the count is stored with each hash, so raising it
    /// later leaves old hashes readable.
    public var passwordIterations = 600_000
    /// How long a CRL is valid (its nextUpdate); it is re-signed after each revocation and when half
    /// of this has passed.
    public var crlLifetime: TimeInterval = 24 * 3600
    /// How long an OCSP answer may be cached (thisUpdate to nextUpdate). The responder re-signs an
    /// unchanged answer once half of it has passed, and at once when the certificate's record changes.
    public var ocspLifetime: TimeInterval = 600
    /// How long a delegated OCSP responder's certificate is valid (it carries id-pkix-ocsp-nocheck, so
    /// short); issued again once half of it has passed.
    public var ocspResponderValidity: TimeInterval = 2 * 86_400
    /// Refusals of requests nobody is authenticated for (an unknown officer name, a login with an ID
    /// that is no customer) written to the append-only audit log per minute; beyond it they are
    /// counted and one event says how many were left out.
    public var unauthenticatedAuditEventsPerMinute = 60
    /// Logins hashed at once, on threads of their own (default: all cores but one, at least one).
    public var passwordHashingConcurrency = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    /// Logins that may wait for hashing; beyond, `login-busy` (429, `Retry-After`).
    public var passwordHashingQueue = 16
    /// Login attempts per client address per minute; beyond, `too-many-logins` (429, `Retry-After`).
    public var loginAttemptsPerAddressPerMinute = 60
    /// Wrong passwords per ID per minute from all addresses together (known ID or not); beyond,
    /// addresses that failed for the ID wait for the minute to end (`too-many-logins`), others not.
    public var loginFailuresPerIDPerMinute = 20

    /// The rules as written in DESIGN.md.
    public init() {}

    /// The default rules, with changes: `Policy.standard.with { $0.lockoutDuration = 3600 }`.
    public func with(_ change: (inout Policy) -> Void) -> Policy {
        var copy = self
        change(&copy)
        return copy
    }

    /// The rules as written in DESIGN.md.
    public static let standard = Policy()
}
