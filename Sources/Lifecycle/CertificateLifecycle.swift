public import CertificateKit
public import Domain
import Foundation
import Localization
public import RAContract
public import X509

/// The customer's certificate journey as one service: status, apply, renew, revoke, sign-and-verify
/// test, backup and restore — over a key store, the RA, a clock, a journal and a person to ask.
/// The CLI, the web UI and the demo all run these operations; none of them repeats the steps.
public struct CertificateLifecycle: Sendable {
    /// The choices a deployment makes.
    public struct Configuration: Sendable {
        /// The key type generated for apply and renew (RA policy: RSA ≥ 2048, P-256, P-384).
        public var keyKind: KeyDescription.Kind = .rsa(bits: 2048)
        /// Used when the host does not tell when renewal opens.
        public var renewalWindowDays = 30
        /// The broker's code in backup file names.
        public var broker: BrokerCode
        /// How many times a wrong birth date or code may be typed again in one run (the RA locks first).
        public var retries = 3
        public init(keyKind: KeyDescription.Kind = .rsa(bits: 2048), renewalWindowDays: Int = 30, broker: BrokerCode) {
            self.keyKind = keyKind
            self.renewalWindowDays = renewalWindowDays
            self.broker = broker
        }
    }

    public let ra: any RAClient
    public let clock: any WallClock
    public let prompt: any JourneyPrompt
    public let journal: any Journal
    public var configuration: Configuration

    public init(ra: any RAClient, clock: any WallClock = SystemWallClock(), prompt: any JourneyPrompt, journal: any Journal,
                configuration: Configuration) {
        self.ra = ra
        self.clock = clock
        self.prompt = prompt
        self.journal = journal
        self.configuration = configuration
    }

    // MARK: - Status

    /// `tokencert status`: both sides and the verdict.
    public struct StatusReport: Sendable {
        public var client: ClientSide
        /// Nil when not logged in, or the RA could not be asked (`hostError` says why).
        public var host: RA.HostStatus?
        public var hostError: RAClientError?
        public var verdict: StatusVerdict
        /// Every key in the store (for tokens: what is on it), with its certificate's serial if any.
        public var keys: [KeyLine]
    }

    /// One key in the store.
    public struct KeyLine: Sendable, Hashable, Codable {
        public var location: KeyLocation
        public var key: String
        /// Upper-case hex, nil for a key without a certificate.
        public var serial: String?
    }

    /// Reads the client side (never throws for a missing token or a needed PIN: those are states)
    /// and, with a session, the host side.
    /// - Parameter certificateOnly: read only the current certificate, through
    ///   `KeyStore.currentCertificate()` — public on tokens and cards, outside the encrypted key files
    ///   in the software store — so `status --check` needs neither PIN nor passphrase. The key list is
    ///   then empty and the key location is the store's.
    public func status(store: any KeyStore, session: RA.Session?, certificateOnly: Bool = false) async -> StatusReport {
        let (client, keys) = await clientSide(store, certificateOnly: certificateOnly)
        var host: RA.HostStatus?, hostError: RAClientError?
        if let session {
            do { host = try await ra.hostStatus(session: session) } catch let e as RAClientError { hostError = e } catch {
                hostError = RAClientError(kind: .badResponse(status: 0), summary: LocalizedText(en: "\(error)", zhTW: "\(error)"))
            }
        }
        let verdict = StatusVerdict.evaluate(client: client, host: host, now: clock.now(), renewalWindowDays: configuration.renewalWindowDays)
        return StatusReport(client: client, host: host, hostError: hostError, verdict: verdict, keys: keys)
    }

    func clientSide(_ store: any KeyStore, certificateOnly: Bool = false) async -> (ClientSide, [KeyLine]) {
        do {
            if certificateOnly {
                guard let der = try await store.currentCertificate() else { return (.empty, []) }
                return (.certificate(try CertificateSummary(der, keyLocation: store.location)), [])
            }
            let all = try await store.allKeys()
            let lines = all.map { k in
                KeyLine(location: k.location, key: (try? KeyDescription(subjectPublicKeyInfo: k.signer.subjectPublicKeyInfo).description) ?? "?",
                        serial: k.certificateDER.flatMap { try? CertificateSummary($0).serialNumber })
            }
            guard let current = try await store.currentKey(), let der = current.certificateDER else { return (.empty, lines) }
            return (.certificate(try CertificateSummary(der, keyLocation: current.location)), lines)
        } catch let e as KeyStoreUnavailable {
            switch e {
            case .tokenMissing: return (.tokenMissing, [])
            case .pinNeeded(let tries): return (.pinNeeded(triesLeft: tries), [])
            case .pinLocked: return (.pinLocked, [])
            }
        } catch {
            return (.tokenMissing, [])
        }
    }

    // MARK: - Identity steps

    /// Consent (when `agreement` is set), birth date, then the one-time code — retrying a wrong answer
    /// while the RA allows, resending on request. Throws the RA's refusal when it locks or gives up.
    func identity(session: RA.Session, host: RA.HostStatus, customerID: CustomerID?) async throws {
        let agreement = try await ra.agreement()
        guard try await prompt.agreement(agreement) else { throw LifecycleError.cancelled }
        _ = try await ra.acceptConsent(RA.ConsentRequest(version: agreement.version, sha256: agreement.sha256), session: session)

        var attempts = 0
        while true {
            let answer = try await prompt.birthDate(corporate: customerID?.isCorporate ?? false)
            do {
                _ = try await ra.verifyBirthDate(RA.BirthDateRequest(birthDate: answer), session: session)
                break
            } catch let e as RAClientError where e.code == .birthDateWrong || e.code == .invalidBirthDate {
                attempts += 1
                await prompt.show(LocalizedText(en: e.userMessage(.english), zhTW: e.userMessage(.traditionalChinese)))
                if attempts >= configuration.retries { throw e }
            }
        }

        let accounts = host.accounts ?? []
        guard !accounts.isEmpty else {
            throw LifecycleError(.missing, code: "no-account",
                                 summary: LocalizedText(en: "The host lists no securities account for you.", zhTW: "主機端查無您的證券帳號。"),
                                 remedy: LocalizedText(en: "Contact the broker.", zhTW: "請洽券商。"))
        }
        let (account, channel) = try await prompt.codeDestination(accounts: accounts, mobile: host.mobile, email: host.email)
        var sent = try await ra.sendCode(RA.CodeRequest(account: account, channel: channel), session: session)
        var wrong = 0
        while true {
            switch try await prompt.oneTimeCode(sent, now: clock.now()) {
            case .resend:
                do { sent = try await ra.sendCode(RA.CodeRequest(account: account, channel: channel), session: session) } catch let e as RAClientError
                    where e.code == .resendTooSoon || e.code == .sendLimit {
                    await prompt.show(LocalizedText(en: e.userMessage(.english), zhTW: e.userMessage(.traditionalChinese)))
                }
            case .code(let code):
                do {
                    _ = try await ra.verifyCode(RA.CodeVerification(identifier: sent.identifier, code: code), session: session)
                    return
                } catch let e as RAClientError where [.codeWrong, .codeExpired, .codeReplaced, .noActiveCode, .codeTooManyTries].contains(e.code) {
                    // Expired or dead codes are shown too: the person can ask for a new one (resend).
                    wrong += 1
                    await prompt.show(LocalizedText(en: e.userMessage(.english), zhTW: e.userMessage(.traditionalChinese)))
                    if wrong >= configuration.retries + 2 { throw e }
                }
            }
        }
    }

    // MARK: - Helpers

    /// Serials compared as numbers written in hex (case and leading zeros ignored).
    static func sameSerial(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return false }
        func norm(_ s: String) -> String {
            let t = s.lowercased().drop { $0 == "0" }
            return t.isEmpty ? "0" : String(t)
        }
        return norm(a) == norm(b)
    }

    /// The certificate from an RA answer, checked to belong to `spki`.
    static func certificate(from issued: RA.IssuedCertificate, for spki: [UInt8]) throws -> Certificate {
        let certificate = try CertificateSummary.parse(Array(issued.certificate.utf8))
        guard certificate.publicKey.derSubjectPublicKeyInfo == spki else { throw LifecycleError.keyMismatch("serial \(issued.serial)") }
        return certificate
    }

    /// Signs a test message with `signer` and checks it against `certificate`'s key.
    /// - Throws: `LifecycleError.testSignatureFailed`; the signer's errors (token missing, PIN).
    public static func testSignature(_ signer: any TokenSigner, certificate: Certificate) async throws {
        let message = Array("TokenCert test signature \(UUID().uuidString)".utf8)
        let signature = try await ProofOfPossession.sign(message, with: signer)
        guard ProofOfPossession.verify(signature, over: message, spki: certificate.publicKey.derSubjectPublicKeyInfo) else {
            throw LifecycleError.testSignatureFailed
        }
    }

    /// The store's journal key.
    static func journalKey(_ store: any KeyStore) -> String { store.location.description }

    /// Deletes a key, ignoring a failure (the token may be gone; the next run cleans up).
    static func discard(_ signer: any TokenSigner, from store: any KeyStore) async {
        try? await store.delete(signer)
    }

    /// Removes what failed runs left behind: keys with no certificate that the journal does not
    /// name, and keys whose certificate the host has replaced or revoked while another key here
    /// holds the active one. Returns how many keys were removed.
    @discardableResult
    public func cleanUp(store: any KeyStore, host: RA.HostStatus?) async throws -> Int {
        let pending = try journal.load(for: Self.journalKey(store))
        let all = try await store.allKeys()
        let activeSerials = Set((host?.certificates ?? []).filter { $0.state == .active || $0.state == .pending }.map { $0.serial.lowercased() })
        let holdsActive = all.contains { k in
            guard let der = k.certificateDER, let s = try? CertificateSummary(der) else { return false }
            return activeSerials.contains { Self.sameSerial($0, s.serialNumber) }
        }
        var removed = 0
        for key in all {
            if let der = key.certificateDER {
                guard holdsActive, let host, let summary = try? CertificateSummary(der),
                      let entry = host.certificates.first(where: { Self.sameSerial($0.serial, summary.serialNumber) }),
                      entry.state == .superseded || entry.state == .revoked
                else { continue }
            } else if let pending, pending.spki == key.signer.subjectPublicKeyInfo {
                continue
            }
            try await store.delete(key.signer)
            removed += 1
        }
        return removed
    }
}

extension CustomerID {
    /// A unified business number (8 digits): a company.
    var isCorporate: Bool {
        if case .company = self { return true }
        return false
    }
}
