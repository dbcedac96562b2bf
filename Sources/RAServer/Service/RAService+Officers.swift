public import CertificateKit
import Crypto
import Domain
import Foundation
import Localization
public import RAContract
import X509

/// Branch officers: they log in with their own certificate's key (a signed challenge) and act for a
/// customer who is at the counter — unlock, revoke beyond the yearly limit, issue without the
/// one-time code. Every action is in the audit log under `officer:<name>`.
extension RAService {
    /// A fresh challenge for `officer` (valid 120 s, used once): the officer signs `message`, base64
    /// of `ProofOfPossession.officerLoginMessage`, with the officer key.
    ///
    /// Nothing is stored: the challenge is 16 random bytes, its expiry and an HMAC-SHA256 over the
    /// name, both and the store's officer-challenge key (shared by every instance on the store). So
    /// a request can never cancel another's challenge, and a name nobody registered gets an answer of
    /// the same shape and cost — the endpoint does not tell which officers exist.
    public func officerChallenge(officer: String) async throws -> RA.OfficerChallenge {
        let key = try await repository.secretKey(named: "officer-challenge")
        var rng = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let expires = Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 + 120).rounded(.down))
        let challenge = OfficerChallengeToken(nonce: nonce, expiresAt: expires).sealed(officer: officer, key: key)
        return RA.OfficerChallenge(officer: officer, challenge: Data(challenge).base64EncodedString(),
                                message: Data(ProofOfPossession.officerLoginMessage(officer: officer, challenge: challenge)).base64EncodedString(),
                                expiresAt: expires)
    }

    /// Checks the challenge (this store's, for this name, not expired), the signature over it with the
    /// officer's registered certificate (valid now), and that the challenge was not used before;
    /// returns an officer session.
    /// - Throws: `RAError.officerRefused` for all of these alike.
    public func officerLogin(officer: String, challenge challengeText: String, signature: [UInt8]) async throws -> RA.OfficerSession {
        let now = clock.now()
        // Nobody is authenticated yet: a name nobody registered is never written verbatim, and these
        // refusals pass the rate limit so anonymous requests cannot fill the append-only log.
        let registered = try await repository.officerCertificate(name: officer)
        func refuse(_ detail: String) async throws -> RAError {
            let actor = registered == nil ? "officer:?" : "officer:\(officer)"
            let detail = registered == nil ? "\(detail) (\(AuditEvent.unauthenticatedName(officer)))" : detail
            let events = unauthenticatedAudit.admit(AuditEvent(at: now, customerID: nil, actor: actor, action: "officer-login",
                                                               outcome: "refused", detail: detail))
            if !events.isEmpty { try await repository.appendAudit(events) }
            return RAError.officerRefused
        }
        guard let der = registered, let certificate = try? Certificate(derEncoded: der) else {
            throw try await refuse("unknown officer")
        }
        let key = try await repository.secretKey(named: "officer-challenge")
        guard let challenge = Data(base64Encoded: challengeText).map(Array.init),
              let token = OfficerChallengeToken.opened(challenge, officer: officer, key: key)
        else { throw try await refuse("no challenge of this RA") }
        guard token.expiresAt > now else { throw try await refuse("challenge expired") }
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else { throw try await refuse("certificate not valid now") }
        guard ProofOfPossession.verify(signature, over: ProofOfPossession.officerLoginMessage(officer: officer, challenge: challenge),
                                       spki: certificate.publicKey.derSubjectPublicKeyInfo)
        else { throw try await refuse("bad signature") }
        guard try await repository.useOnce(digest: hexString(SHA256.hash(data: challenge)), until: token.expiresAt, now: now) else {
            throw try await refuse("challenge used before")
        }
        var rng = SystemRandomNumberGenerator()
        let sessionToken = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }).base64EncodedString()
        let session = SessionRecord(tokenSHA256: Self.sha256(sessionToken), customerID: officer, createdAt: now,
                                    expiresAt: now.addingTimeInterval(policy.sessionLifetime))
        try await repository.addOfficerSession(session)
        try await repository.appendAudit([AuditEvent(at: now, customerID: nil, actor: "officer:\(officer)", action: "officer-login", outcome: "ok")])
        return RA.OfficerSession(token: sessionToken, expiresAt: session.expiresAt, officer: officer)
    }

    /// The officer a bearer token belongs to.
    public func authenticateOfficer(token: String?) async throws -> String {
        guard let token, !token.isEmpty, let session = try await repository.officerSession(tokenSHA256: Self.sha256(token)),
              session.expiresAt > clock.now()
        else { throw RAError.notLoggedIn }
        return session.customerID
    }

    /// Lifts a lockout, of the identity steps and of logging in (the customer is at the counter).
    public func officerUnlock(officer: String, customerID: String) async throws {
        let now = clock.now()
        try await repository.transact(customerID: customerID) { ledger in
            let was = ledger.security.lockedUntil
            ledger.security.lockedUntil = nil
            ledger.security.birthDateFailures = 0
            ledger.security.loginLockedUntil = nil
            ledger.security.loginFailures = 0
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, actor: "officer:\(officer)", action: "unlock", outcome: "ok",
                                           detail: was.map { "was locked until \($0.formatted(.iso8601))" } ?? "was not locked"))
        }
    }

    /// Revokes at the counter: no identity steps online, no yearly limit (not an online revocation).
    public func officerRevoke(officer: String, customerID: String, serial: String, reason: RevocationReason) async throws -> RA.Revocation {
        guard reason != .removeFromCRL else { throw RAError.reasonNotAllowed(reason) }
        let now = clock.now(), wanted = serial.lowercased(), policy = self.policy
        let left = try await repository.transact(customerID: customerID) { ledger -> Int in
            func refuse(_ error: RAError) -> RAError {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, actor: "officer:\(officer)", action: "revoke",
                                               outcome: error.code.rawValue, detail: "serial \(wanted)"))
                return error
            }
            guard let index = ledger.certificates.firstIndex(where: { $0.serial == wanted }) else { throw refuse(.certificateNotFound) }
            let state = ledger.certificates[index].state(at: now)
            guard Self.revocable(state, reason: reason) else { throw refuse(.notRevocable(state: state.rawValue)) }
            ledger.certificates[index].status = .revoked
            ledger.certificates[index].revokedAt = now
            ledger.certificates[index].revocationReason = reason
            ledger.certificates[index].revokedOnline = false
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, actor: "officer:\(officer)", action: "revoke", outcome: "ok",
                                           detail: "serial \(wanted) reason \(reason.rawValue) at counter"))
            return max(0, policy.onlineRevocationsPerYear - Self.onlineRevocations(ledger, year: Self.taipeiYear(now)))
        }
        let published = try await crl.publish()
        return RA.Revocation(serial: wanted, revokedAt: now, reason: reason.rawValue, reasonLabel: reason.label,
                          onlineRevocationsLeftThisYear: left, crlNumber: published.number)
    }

    /// Issues at the counter: identity checked in person, so no one-time code; the customer signed
    /// the agreement on paper (`consentOnPaper`), which is recorded. Refused while an active
    /// certificate exists; idempotent by request id.
    public func officerIssue(officer: String, customerID: String, requestID: String, csr csrBytes: [UInt8],
                             consentOnPaper: Bool) async throws -> (RA.IssuedCertificate, created: Bool) {
        guard consentOnPaper else { throw RAError.badRequest("consentOnPaper must be true: the customer signs the agreement at the counter") }
        try Self.checkRequestID(requestID)
        let csr = try checkedCSR(csrBytes)
        try await checkKeyUnused(csr, customerID: customerID)
        let csrHash = hexString(SHA256.hash(data: try CertificateRequests.der(csr)))
        let now = clock.now(), agreement = self.agreement, caPEM = try authority.certificatePEM, windowDays = policy.renewalWindowDays

        @Sendable func checks(_ ledger: inout CustomerLedger) throws -> CertificateRecord? {
            if let previous = try Self.previousIssue(&ledger, requestID: requestID, csrHash: csrHash, now: now) { return previous }
            if let active = ledger.certificates.first(where: { [.active, .pending].contains($0.state(at: now)) }) {
                ledger.audit.append(AuditEvent(at: now, customerID: customerID, actor: "officer:\(officer)", action: "issue",
                                               outcome: RAErrorCode.activeCertificateExists.rawValue, detail: "serial \(active.serial)"))
                throw RAError.activeCertificateExists(serial: active.serial, renewalWindowDays: windowDays)
            }
            return nil
        }
        if let existing = try await repository.transact(customerID: customerID, checks) {
            return (try Self.issued(existing, caPEM: caPEM, now: now), false)
        }
        let certificate = try await sign(csr, customerID: customerID, now: now)
        let record = Self.record(of: certificate, customerID: customerID, requestID: requestID, csrHash: csrHash, status: .active, issuedAt: now)
        let (stored, created) = try await repository.transact(customerID: customerID) { ledger -> (CertificateRecord, Bool) in
            if let previous = try checks(&ledger) { return (previous, false) }
            ledger.consents.append(ConsentRecord(customerID: customerID, version: agreement.version, textSHA256: agreement.sha256, acceptedAt: now))
            ledger.certificates.append(record)
            ledger.audit.append(AuditEvent(at: now, customerID: customerID, actor: "officer:\(officer)", action: "issue", outcome: "ok",
                                           detail: "serial \(record.serial) request \(requestID) at counter, consent \(agreement.version) on paper"))
            return (record, true)
        }
        return (try Self.issued(stored, caPEM: caPEM, now: now), created)
    }
}

extension ProofOfPossession {
    /// What an officer signs to log in.
    public static func officerLoginMessage(officer: String, challenge: [UInt8]) -> [UInt8] {
        Array("TokenCert officer login\nofficer=\(officer)\nchallenge=\(Data(challenge).base64EncodedString())\n".utf8)
    }
}

extension RAError {
    /// Officer login refused (unknown officer, no live challenge, bad signature, certificate not valid).
    public static let officerRefused = RAError(
        code: .officerRefused,
        summary: LocalizedText(en: "The officer login was refused.", zhTW: "營業員登入遭拒。"),
        remedy: LocalizedText(en: "Ask for a new challenge and sign it with your officer token.", zhTW: "請重新取得挑戰值，並以營業員載具簽章。"))

    /// No such customer.
    public static let customerNotFound = RAError(
        code: .customerNotFound,
        summary: LocalizedText(en: "There is no customer with that ID number.", zhTW: "查無此身分證字號（統一編號）的客戶。"),
        remedy: LocalizedText(en: "Check the number.", zhTW: "請確認號碼。"))
}

/// An officer login challenge that carries its own proof: 16 random bytes, the expiry (seconds
/// since 1970, 8 bytes big-endian) and the first 16 bytes of HMAC-SHA256 over a label, the officer's
/// name, the random bytes and the expiry. Only this store's key makes one that opens.
struct OfficerChallengeToken: Sendable {
    var nonce: [UInt8]
    var expiresAt: Date

    static let length = 16 + 8 + 16

    private static func tag(officer: String, nonce: [UInt8], expiry: [UInt8], key: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array("tokencert officer challenge\u{0}".utf8))
        let name = Array(officer.utf8)
        hmac.update(data: withUnsafeBytes(of: UInt32(truncatingIfNeeded: name.count).bigEndian, Array.init))
        hmac.update(data: name)
        hmac.update(data: nonce)
        hmac.update(data: expiry)
        return Array(Array(hmac.finalize()).prefix(16))
    }

    private static func expiryBytes(_ date: Date) -> [UInt8] {
        withUnsafeBytes(of: UInt64(max(0, date.timeIntervalSince1970)).bigEndian, Array.init)
    }

    func sealed(officer: String, key: [UInt8]) -> [UInt8] {
        let expiry = Self.expiryBytes(expiresAt)
        return nonce + expiry + Self.tag(officer: officer, nonce: nonce, expiry: expiry, key: key)
    }

    /// The token, when `bytes` were sealed for `officer` with `key`; nil otherwise.
    static func opened(_ bytes: [UInt8], officer: String, key: [UInt8]) -> OfficerChallengeToken? {
        guard bytes.count == length else { return nil }
        let nonce = Array(bytes[0..<16]), expiry = Array(bytes[16..<24]), tag = Array(bytes[24...])
        let expected = Self.tag(officer: officer, nonce: nonce, expiry: expiry, key: key)
        // Constant time: every byte is compared whatever the first difference.
        guard zip(tag, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        let seconds = expiry.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return OfficerChallengeToken(nonce: nonce, expiresAt: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
