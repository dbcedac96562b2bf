public import CertificateKit
import Crypto
import Domain
import Foundation
import Localization
public import Logging
public import RAContract
import X509

/// The RA's rules, independent of HTTP: login, consent, the two identity steps, issue, host status,
/// revocation and the CRL. Every rule that reads and changes a customer's state runs inside one
/// `RARepository.transact` call, so concurrent requests cannot both pass a limit.
public struct RAService: Sendable {
    /// Where every record lives.
    public let repository: any RARepository
    /// The CA certificates are issued with.
    public let authority: CertificateAuthority
    /// Every tunable rule.
    public let policy: Policy
    /// The time source (a `ManualClock` in tests).
    public let clock: any RAClock
    /// How one-time codes reach the customer.
    public let delivery: any CodeDelivery
    /// The agreement customers accept before any identity step.
    public let agreement: Agreement
    /// Announcements and FAQ for the customer's app.
    public let notices: Notices
    let crl: CRLPublisher
    /// The OCSP responder over the same records as the CRL.
    public let ocsp: OCSPResponder
    /// Rate limit for refusals of unauthenticated requests in the audit log.
    let unauthenticatedAudit: UnauthenticatedAuditLimiter
    /// Login throttling and the password-hashing threads.
    let loginGate: LoginGate
    /// Structured log; never given a code, password or full ID.
    public let logger: Logger

    /// A service over its parts; nothing is read or written until a request arrives.
    /// - Parameter ocspResponderKey: a delegated OCSP responder's key (its certificate is issued by the
    ///   CA when needed); nil: OCSP answers are signed with the CA key.
    public init(repository: any RARepository, authority: CertificateAuthority, policy: Policy = .standard,
                clock: any RAClock = SystemClock(), delivery: any CodeDelivery, agreement: Agreement = .current,
                notices: Notices = .standard, logger: Logger = Logger(label: "tokencert-ra"), ocspResponderKey: TokenPrivateKey? = nil) {
        self.repository = repository
        self.authority = authority
        self.policy = policy
        self.clock = clock
        self.delivery = delivery
        self.agreement = agreement
        self.notices = notices
        self.logger = logger
        crl = CRLPublisher(repository: repository, authority: authority, lifetime: policy.crlLifetime, clock: clock)
        ocsp = OCSPResponder(repository: repository, issuer: authority.issuer, lifetime: policy.ocspLifetime, clock: clock, logger: logger,
                             delegateKey: ocspResponderKey, delegateValidity: policy.ocspResponderValidity)
        unauthenticatedAudit = UnauthenticatedAuditLimiter(perMinute: policy.unauthenticatedAuditEventsPerMinute)
        loginGate = LoginGate(policy: policy)
    }

    // MARK: - Login

    /// Checks ID and e-trading password. Unknown IDs take as long as wrong passwords and get the same
    /// answers (`bad-credentials`, then `too-many-logins`), so the endpoint does not tell who is a
    /// customer. Returns a new session: the token to send as `Authorization: Bearer <token>` (only
    /// its SHA-256 is stored) and when it ends.
    /// Wrong passwords slow the address that sent them down and never lock the customer out (see
    /// `LoginGate`); the password is checked on the login gate's own threads.
    /// - Throws: `RAError.badCredentials`; `.tooManyLogins`, `.loginBusy` (429 with `Retry-After`).
    public func login(id: String, password: String, address: String? = nil) async throws -> RA.Session {
        let now = clock.now()
        let gateID = String(id.prefix(32))
        try loginGate.attempt(id: gateID, address: address, now: now)
        guard let customerID = try? CustomerID(id), let customer = try await repository.customer(id: customerID.value) else {
            let iterations = policy.passwordIterations
            try await loginGate.hash { PasswordHasher.burn(iterations: iterations) }
            loginGate.failed(id: gateID, address: address, now: now)
            let events = unauthenticatedAudit.admit(AuditEvent(at: now, customerID: nil, action: "login", outcome: RAErrorCode.badCredentials.rawValue,
                                                              detail: "unknown id (\(AuditEvent.unauthenticatedName(id)))"))
            if !events.isEmpty { try await repository.appendAudit(events) }
            throw RAError.badCredentials
        }
        let stored = customer.passwordHash
        let passwordOK = try await loginGate.hash { PasswordHasher.verify(password, against: stored) }
        let outcome: Result<Void, RAError> = try await repository.transact(customerID: customer.id.value) { ledger in
            let id = ledger.customer.id.value
            ledger.security.loginLockedUntil = nil
            guard passwordOK else {
                ledger.security.loginFailures += 1
                ledger.audit.append(AuditEvent(at: now, customerID: id, action: "login", outcome: RAErrorCode.badCredentials.rawValue,
                                               detail: "failure \(ledger.security.loginFailures)\(address.map { " from \($0)" } ?? "")"))
                return .failure(RAError.badCredentials)
            }
            ledger.security.loginFailures = 0
            return .success(())
        }
        if case .failure(let error) = outcome {
            loginGate.failed(id: gateID, address: address, now: now)
            logger.notice("login refused", metadata: ["customer": "\(customer.id.masked)", "code": "\(error.code)"])
            throw error
        }
        loginGate.succeeded(id: gateID, address: address)
        var rng = SystemRandomNumberGenerator()
        let tokenBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let token = Data(tokenBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let session = SessionRecord(tokenSHA256: Self.sha256(token), customerID: customer.id.value, createdAt: now,
                                    expiresAt: now.addingTimeInterval(policy.sessionLifetime))
        try await repository.addSession(session)
        try await repository.appendAudit([AuditEvent(at: now, customerID: customer.id.value, action: "login", outcome: "ok")])
        logger.info("login", metadata: ["customer": "\(customer.id.masked)"])
        return RA.Session(token: token, expiresAt: session.expiresAt, customer: customer.id.masked, name: customer.name)
    }

    /// The customer a bearer token belongs to.
    /// - Throws: `RAError.notLoggedIn` for a missing, unknown or expired token.
    public func authenticate(token: String?) async throws -> String {
        guard let token, !token.isEmpty, let session = try await repository.session(tokenSHA256: Self.sha256(token)),
              session.expiresAt > clock.now()
        else { throw RAError.notLoggedIn }
        return session.customerID
    }

    /// The customer and the session (token SHA-256) a bearer token belongs to; identity steps are
    /// bound to the session.
    public func authenticateSession(token: String?) async throws -> (customer: String, session: String) {
        let customer = try await authenticate(token: token)
        return (customer, Self.sha256(token ?? ""))
    }

    /// Ends the session of `token`.
    public func logout(token: String) async throws {
        let hash = Self.sha256(token)
        if let session = try await repository.session(tokenSHA256: hash) {
            try await repository.deleteSession(tokenSHA256: hash)
            try await repository.appendAudit([AuditEvent(at: clock.now(), customerID: session.customerID, action: "logout", outcome: "ok")])
        }
    }

    static func sha256(_ text: String) -> String { hexString(SHA256.hash(data: Array(text.utf8))) }

    // MARK: - Consent

    /// Records acceptance of the current agreement; `version` and `sha256` must be the current ones.
    public func acceptConsent(customerID: String, version: String, sha256: String) async throws -> ConsentRecord {
        let now = clock.now(), agreement = self.agreement
        return try await repository.transact(customerID: customerID) { ledger in
            guard version == agreement.version, sha256.lowercased() == agreement.sha256 else {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "consent", outcome: RAErrorCode.consentMismatch.rawValue,
                                               detail: version))
                throw RAError.consentMismatch(version: agreement.version)
            }
            let record = ConsentRecord(customerID: customerID, version: agreement.version, textSHA256: agreement.sha256, acceptedAt: now)
            ledger.consents.append(record)
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "consent", outcome: "ok",
                                           detail: "version \(agreement.version) sha256 \(agreement.sha256)"))
            return record
        }
    }

    // MARK: - Identity step 1: birth date

    /// Compares the typed birth date (ROC or Gregorian) with the record. A wrong one counts towards
    /// the lockout; a malformed one does not. A correct one says until when step 2 must follow.
    public func verifyBirthDate(customerID: String, session: String, text: String) async throws -> RA.IdentityStep {
        let typed: ROCDate
        do { typed = try ROCDate.parseBirthDate(text) } catch { throw RAError.invalidField(.invalidBirthDate, field: "birthDate", error) }
        let now = clock.now(), policy = self.policy
        let outcome: Result<RA.IdentityStep, RAError> = try await repository.transact(customerID: customerID) { ledger in
            try Self.gate(&ledger, action: "birth-date", now: now, agreement: agreement)
            if typed == ledger.customer.birthDate {
                ledger.security.birthDateFailures = 0
                ledger.security.birthDateVerifiedAt = now
                ledger.security.codeVerifiedAt = nil
                ledger.security.identitySession = session
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "birth-date", outcome: "ok"))
                return .success(RA.IdentityStep(verified: true, validUntil: now.addingTimeInterval(policy.identityWindow)))
            }
            ledger.security.birthDateFailures += 1
            ledger.security.birthDateVerifiedAt = nil
            ledger.security.codeVerifiedAt = nil
            if ledger.security.birthDateFailures >= policy.birthDateAttemptsBeforeLock {
                let until = now.addingTimeInterval(policy.lockoutDuration)
                ledger.security.lockedUntil = until
                ledger.security.birthDateFailures = 0
                ledger.security.code = nil
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "birth-date", outcome: RAErrorCode.locked.rawValue,
                                               detail: "until \(until.formatted(.iso8601))"))
                return .failure(RAError.locked(until: until))
            }
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "birth-date",
                                           outcome: RAErrorCode.birthDateWrong.rawValue,
                                           detail: "failure \(ledger.security.birthDateFailures)"))
            return .failure(RAError.birthDateWrong(remaining: policy.birthDateAttemptsBeforeLock - ledger.security.birthDateFailures))
        }
        if case .failure(let error) = outcome {
            logger.notice("birth date refused", metadata: ["customer": "\(Self.masked(customerID))", "code": "\(error.code)"])
        }
        return try outcome.get()
    }

    /// Consent given and not locked — the gate before any identity step, issue or revocation.
    static func gate(_ ledger: inout CustomerLedger, action: String, now: Date, agreement: Agreement) throws {
        let id = ledger.customer.id.value
        guard ledger.consents.contains(where: { $0.version == agreement.version && $0.textSHA256 == agreement.sha256 }) else {
            ledger.audit.append(AuditEvent(at: now, customerID: id, action: action, outcome: RAErrorCode.consentRequired.rawValue))
            throw RAError.consentRequired(version: agreement.version)
        }
        if let until = ledger.security.lockedUntil, until > now {
            ledger.audit.append(AuditEvent(at: now, customerID: id, action: action, outcome: RAErrorCode.locked.rawValue))
            throw RAError.locked(until: until)
        }
    }

    /// Both identity steps passed, in order, in this session, within the policy's window.
    static func requireIdentity(_ ledger: inout CustomerLedger, action: String, now: Date, policy: Policy, session: String) throws {
        let s = ledger.security
        guard let birth = s.birthDateVerifiedAt, let code = s.codeVerifiedAt, code >= birth, s.identitySession == session,
              now.timeIntervalSince(birth) <= policy.identityWindow, now.timeIntervalSince(code) <= policy.identityWindow
        else {
            ledger.audit.append(AuditEvent(at: now, customerID: ledger.customer.id.value, action: action,
                                           outcome: RAErrorCode.identityRequired.rawValue))
            throw RAError.identityRequired(window: policy.identityWindow)
        }
    }

    static func masked(_ id: String) -> String { (try? CustomerID(id))?.masked ?? "?" }

    // MARK: - Identity step 2: one-time code

    /// Sends a new code for one of the customer's accounts by SMS or e-mail; kills the previous one.
    /// Returns what the customer is told (never the code).
    public func sendCode(customerID: String, session: String, account accountText: String, channel: RA.Channel) async throws -> RA.CodeSent {
        let account: SecuritiesAccount
        do { account = try SecuritiesAccount(accountText) } catch { throw RAError.invalidField(.invalidAccount, field: "account", error) }
        let now = clock.now(), policy = self.policy, agreement = self.agreement

        let (message, sent) = try await repository.transact(customerID: customerID) { ledger -> (CodeMessage, RA.CodeSent) in
            try Self.gate(&ledger, action: "code-send", now: now, agreement: agreement)
            func refuse(_ error: RAError) -> RAError {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "code-send", outcome: error.code.rawValue))
                return error
            }
            guard let birth = ledger.security.birthDateVerifiedAt, ledger.security.identitySession == session,
                  now.timeIntervalSince(birth) <= policy.identityWindow
            else { throw refuse(.birthDateStepRequired) }
            guard ledger.customer.accounts.contains(account) else { throw refuse(.unknownAccount) }
            let destination = channel == .sms ? ledger.customer.mobile : ledger.customer.email
            guard let destination, !destination.isEmpty else { throw refuse(.noDestination(channel)) }
            if let previous = ledger.security.code {
                let wait = previous.sentAt.addingTimeInterval(policy.codeResendAfter).timeIntervalSince(now)
                if wait > 0 { throw refuse(.resendTooSoon(seconds: Int(wait.rounded(.up)))) }
            }
            if let start = ledger.security.sendWindowStart, now.timeIntervalSince(start) < policy.codeSendWindow {
                if ledger.security.sendsInWindow >= policy.codeSendsPerWindow {
                    throw refuse(.sendLimit(until: start.addingTimeInterval(policy.codeSendWindow), now: now))
                }
            } else {
                ledger.security.sendWindowStart = now
                ledger.security.sendsInWindow = 0
            }
            let (identifier, digits) = OneTimeCodes.generate()
            let salt = OneTimeCodes.salt()
            if let previous = ledger.security.code {
                ledger.security.replacedIdentifiers = Array((ledger.security.replacedIdentifiers + [previous.identifier]).suffix(10))
            }
            let expires = now.addingTimeInterval(policy.codeLifetime)
            ledger.security.code = OneTimeCode(identifier: identifier, salt: salt, codeHash: OneTimeCodes.hash(digits, salt: salt),
                                               channel: channel.rawValue, account: account.formatted, sentAt: now,
                                               expiresAt: expires)
            ledger.security.sendsInWindow += 1
            ledger.security.codeVerifiedAt = nil
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "code-send", outcome: "ok",
                                           detail: "identifier \(identifier) channel \(channel) account \(account.masked)"))
            let masked = channel == .sms ? Masking.phone(destination) : Masking.email(destination)
            return (CodeMessage(channel: channel.rawValue, destination: destination, identifier: identifier, code: digits,
                                account: account.masked, expiresAt: expires),
                    RA.CodeSent(identifier: identifier, channel: channel, destination: masked, account: account.masked,
                             expiresAt: expires, resendAfter: now.addingTimeInterval(policy.codeResendAfter)))
        }
        do {
            try await delivery.deliver(message)
        } catch {
            // An undelivered code must not block a resend: kill it.
            _ = try? await repository.transact(customerID: customerID) { ledger in
                if ledger.security.code?.identifier == sent.identifier {
                    ledger.security.code = nil
                    ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "code-send",
                                                   outcome: RAErrorCode.deliveryFailed.rawValue,
                                                   detail: "identifier \(sent.identifier)"))
                }
            }
            logger.error("code delivery failed", metadata: ["customer": "\(Self.masked(customerID))", "identifier": "\(sent.identifier)",
                                                            "error": "\(type(of: error))"])
            throw RAError.deliveryFailed(channel: channel)
        }
        logger.info("code sent", metadata: ["customer": "\(Self.masked(customerID))", "identifier": "\(sent.identifier)", "channel": "\(channel)"])
        return sent
    }

    /// Checks a code against the live one with the same identifier. A correct one says until when
    /// issue or revoke may follow.
    public func verifyCode(customerID: String, session: String, identifier: String, code: String) async throws -> RA.IdentityStep {
        let now = clock.now(), policy = self.policy, agreement = self.agreement
        let outcome: Result<RA.IdentityStep, RAError> = try await repository.transact(customerID: customerID) { ledger in
            try Self.gate(&ledger, action: "code-verify", now: now, agreement: agreement)
            func refuse(_ error: RAError, _ detail: String = "") -> Result<RA.IdentityStep, RAError> {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "code-verify", outcome: error.code.rawValue,
                                               detail: detail))
                return .failure(error)
            }
            guard let birth = ledger.security.birthDateVerifiedAt, ledger.security.identitySession == session,
                  now.timeIntervalSince(birth) <= policy.identityWindow
            else { return refuse(.birthDateStepRequired) }
            let wanted = identifier.uppercased()
            guard var live = ledger.security.code, live.identifier == wanted else {
                return refuse(ledger.security.replacedIdentifiers.contains(wanted) ? .codeReplaced : .noActiveCode, "identifier \(wanted)")
            }
            if live.wrongTries >= policy.codeMaxTries { return refuse(.tooManyTries, "identifier \(wanted)") }
            if now >= live.expiresAt { return refuse(.codeExpired(lifetime: policy.codeLifetime), "identifier \(wanted)") }
            if OneTimeCodes.matches(code, live) {
                ledger.security.code = nil
                ledger.security.replacedIdentifiers = []
                ledger.security.codeVerifiedAt = now
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, action: "code-verify", outcome: "ok", detail: "identifier \(wanted)"))
                return .success(RA.IdentityStep(verified: true, validUntil: birth.addingTimeInterval(policy.identityWindow)))
            }
            live.wrongTries += 1
            ledger.security.code = live
            if live.wrongTries >= policy.codeMaxTries { return refuse(.tooManyTries, "identifier \(wanted) try \(live.wrongTries)") }
            return refuse(.codeWrong(remaining: policy.codeMaxTries - live.wrongTries), "identifier \(wanted) try \(live.wrongTries)")
        }
        return try outcome.get()
    }
}

/// One-time code generation and checking.
enum OneTimeCodes {
    /// Letters that cannot be mistaken for digits (no I, O).
    static let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// A 4-letter identifier and 6 uniformly random digits.
    static func generate() -> (identifier: String, code: String) {
        var rng = SystemRandomNumberGenerator()
        let identifier = String((0..<4).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] })
        let code = String(Int.random(in: 0...999_999, using: &rng)).leftPadded(to: 6)
        return (identifier, code)
    }

    static func salt() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    static func hash(_ code: String, salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(code.utf8), using: SymmetricKey(data: salt)))
    }

    /// Constant-time comparison of the typed code's hash with the stored one.
    static func matches(_ typed: String, _ code: OneTimeCode) -> Bool {
        let digits = typed.trimmingCharacters(in: .whitespaces)
        let h = hash(digits, salt: code.salt)
        guard h.count == code.codeHash.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(h, code.codeHash) { diff |= a ^ b }
        return diff == 0
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
