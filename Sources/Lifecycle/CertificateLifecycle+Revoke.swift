import CertificateKit
import Domain
import Foundation
import Localization
import X509

extension CertificateLifecycle {
    /// What a revocation did.
    public struct Revoked: Sendable {
        public var revocation: RA.Revocation
        /// True when the key and certificate here were removed.
        public var removedLocally: Bool
    }

    /// `tokencert revoke`: the certificate here (or `serial`, for one the host holds that this
    /// computer lost), after both identity steps, within the yearly online limit; the key and
    /// certificate here are removed only once the host has confirmed.
    /// - Throws: `LifecycleError` (`.notEligible` with the limit used up, `.missing` with nothing to
    ///   revoke, `.cancelled`), `RAClientError`, `KeyStoreUnavailable`.
    public func revoke(store: any KeyStore, session: RA.Session, customerID: CustomerID?, serial requested: String?,
                       reason: RevocationReason) async throws -> Revoked {
        let host = try await ra.hostStatus(session: session)
        let local = try? await store.currentKey()
        let localSerial = local?.certificateDER.flatMap { try? CertificateSummary($0).serialNumber }
        let serial: String
        if let requested {
            serial = requested
        } else if let localSerial {
            serial = localSerial
        } else if let active = host.certificates.first(where: { $0.state == .active || $0.state == .pending }) {
            serial = active.serial
        } else {
            throw LifecycleError.noCertificate
        }
        guard let entry = host.certificates.first(where: { Self.sameSerial($0.serial, serial) }),
              entry.state == .active || entry.state == .pending else {
            throw LifecycleError(.notEligible, code: "not-revocable",
                                 summary: LocalizedText(en: "Certificate \(serial.uppercased()) is not active on the host, so there is nothing to revoke.",
                                                        zhTW: "憑證 \(serial.uppercased()) 在主機端並非有效狀態，無須廢止。"),
                                 remedy: LocalizedText(en: "Check tokencert status.", zhTW: "請以 tokencert status 查看。"))
        }
        guard host.onlineRevocationsLeftThisYear > 0 else { throw LifecycleError.revocationsUsedUp() }
        await prompt.show(LocalizedText(en: "Online revocations left this year: \(host.onlineRevocationsLeftThisYear) (after this one: \(host.onlineRevocationsLeftThisYear - 1)).",
                                        zhTW: "本年度剩餘線上廢止次數：\(host.onlineRevocationsLeftThisYear)（本次廢止後剩 \(host.onlineRevocationsLeftThisYear - 1) 次）。"))
        guard try await prompt.confirm(LocalizedText(en: "Revoke certificate \(entry.serial.uppercased()) (\(reason.label.english))? This cannot be undone.",
                                                     zhTW: "確定廢止憑證 \(entry.serial.uppercased())（\(reason.label.traditionalChinese)）？廢止後無法復原。"))
        else { throw LifecycleError.cancelled }
        try await identity(session: session, host: host, customerID: customerID)
        await prompt.progress(.revoking, fraction: nil)
        let revocation = try await ra.revoke(serial: entry.serial, RA.RevokeRequest(reason: reason), session: session)

        var removed = false
        if let local, Self.sameSerial(localSerial, entry.serial) {
            await prompt.progress(.removingKey, fraction: nil)
            try await store.delete(local.signer)
            removed = true
        }
        return Revoked(revocation: revocation, removedLocally: removed)
    }

    // MARK: - Sign-and-verify test

    /// The outcome of `tokencert sign-test`, as the manual's screen shows it: serial and verdict.
    public struct SignTestReport: Sendable, Codable, Hashable {
        /// Upper-case hex.
        public var serial: String
        /// Both checks passed.
        public var passed: Bool
        /// Local check: signature, chain to the RA's CA, validity and the CRL.
        public var localCode: String
        public var local: LocalizedText
        /// The host's verdict; nil when not asked (no session) or unreachable (`hostError`).
        public var hostCode: String?
        public var host: LocalizedText?
        public var hostError: LocalizedText?
        public var signature: [UInt8]
    }

    /// Signs a sample order with the key here, verifies it locally against the RA's CA and CRL, and
    /// asks the host to verify it for one of the customer's accounts.
    /// - Throws: `LifecycleError.noCertificate`, `KeyStoreUnavailable`, the signer's errors; failed
    ///   checks are in the report, not thrown.
    public func signTest(store: any KeyStore, session: RA.Session?) async throws -> SignTestReport {
        guard let current = try await store.currentKey(), let der = current.certificateDER else { throw LifecycleError.noCertificate }
        let certificate = try CertificateSummary.parse(der)
        let summary = try CertificateSummary(certificate, keyLocation: current.location)
        let host = try await session.asyncMap { try await ra.hostStatus(session: $0) }
        let account = host?.accounts?.first ?? "0000-0000000"
        let order = Array("""
            TokenCert sign-and-verify test order
            account=\(account)
            side=buy symbol=2330 quantity=1000 price=0.00
            time=\(ISO8601DateFormatter().string(from: clock.now()))
            nonce=\(UUID().uuidString)

            """.utf8)
        await prompt.progress(.signing, fraction: nil)
        let signature = try await OrderSigner.sign(order, key: try TokenPrivateKey(current.signer), certificate: certificate,
                                                   detached: false, signingTime: clock.now())

        await prompt.progress(.verifying, fraction: nil)
        var localCode = "ok", local = LocalizedText(en: "Signature verified", zhTW: "驗章成功")
        do {
            let ca = try CertificateSummary.parse(Array(try await ra.caCertificatePEM().utf8)).derBytes
            let crl = try await ra.crl()
            _ = try OrderSignatureVerifier(trustedCAs: [ca], crls: [crl], requireRevocationCheck: true).verify(signature: signature, now: clock.now())
        } catch let e as OrderSignatureError {
            localCode = e.code
            local = e.summary
        } catch let e as RAClientError {
            localCode = "ca-unavailable"
            local = e.summary
        }
        var hostCode: String?, hostText: LocalizedText?, hostError: LocalizedText?
        if host != nil {
            do {
                let verdict = try await ra.verifyOrder(RA.OrderVerificationRequest(account: account, signature: Data(signature).base64EncodedString()))
                hostCode = verdict.code
                hostText = verdict.valid ? LocalizedText(en: "Signature verified", zhTW: "驗章成功") : verdict.message.localized
            } catch let e as RAClientError {
                hostError = e.summary
            }
        }
        let passed = localCode == "ok" && (hostCode == nil || hostCode == "ok") && hostError == nil
        return SignTestReport(serial: summary.serialNumber, passed: passed, localCode: localCode, local: local, hostCode: hostCode,
                              host: hostText, hostError: hostError, signature: signature)
    }

    // MARK: - Backup and restore

    /// `tokencert backup`: the software key and its certificate as a `.pfx` on a removable drive
    /// (file name and password by the rules, written atomically and read back). Refused for keys on
    /// a token or card, which cannot leave it.
    /// - Throws: `LifecycleError` (`.notEligible` for a token key, `.missing`), `BackupPasswordError`,
    ///   the medium's errors (`DriveError`, `BackupWriteError`), `BackupVerificationError`, PKCS#12 errors.
    public func backup(store: any KeyStore, password: String, birthDate: ROCDate?, target: String?, force: Bool,
                       ifExists: SoftwareBackup.IfExists = .refuse, profile: PKCS12Profile = .modern,
                       medium: any BackupMedium) async throws -> SoftwareBackup.Result {
        guard let current = try await store.currentKey(), let der = current.certificateDER else { throw LifecycleError.noCertificate }
        guard let software = current.signer as? SoftwareSigner else { throw LifecycleError.tokenKeyNotExportable }
        let summary = try CertificateSummary(der)
        guard let idText = summary.subscriber?.serialNumber, let customerID = try? CustomerID(idText) else {
            throw LifecycleError(.badInput, code: "no-customer-id",
                                 summary: LocalizedText(en: "The certificate does not name a national ID or business number.", zhTW: "憑證未載明身分證字號或統一編號。"))
        }
        let checked = try BackupPassword(password, customerID: customerID, birthDate: birthDate)
        await prompt.progress(.writingBackup, fraction: nil)
        let ca = try? CertificateSummary.parse(Array(try await ra.caCertificatePEM().utf8)).derBytes
        let result = try SoftwareBackup.export(privateKey: PrivateKeyDER(software.pkcs8DER), certificateDER: der, chainDER: ca.map { [$0] } ?? [],
                                               password: checked, customerID: customerID, broker: configuration.broker, medium: medium,
                                               target: target, force: force, ifExists: ifExists, profile: profile, now: clock.now())
        await prompt.progress(.writingBackup, fraction: 1)
        return result
    }

    /// `tokencert restore FILE`: reads a `.pfx` (modern, compat or legacy RC2) and puts its key and
    /// certificate into `store`. Refuses a certificate that has expired or that the host says is not
    /// active (when a session is given).
    /// - Throws: `PKCS12Error`/`OpenSSLError` (wrong password, not a .pfx), `LifecycleError`, the store's errors.
    public func restore(file: URL, password: String, into store: any KeyStore, session: RA.Session?) async throws -> CertificateSummary {
        await prompt.progress(.readingBackup, fraction: nil)
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: file)) } catch {
            throw LifecycleError(.badInput, code: "unreadable-file",
                                 summary: LocalizedText(en: "Cannot read \(file.path).", zhTW: "無法讀取 \(file.path)。"),
                                 remedy: LocalizedText(en: "Check the path and that the drive is mounted.", zhTW: "請確認路徑及隨身碟已掛載。"))
        }
        let contents = try PKCS12Bundle.read(bytes, password: PFXPassword(password))
        let summary = try CertificateSummary(contents.certificateDER)
        guard summary.isValid(at: clock.now()) else {
            throw LifecycleError(.notEligible, code: "backup-expired",
                                 summary: LocalizedText(en: "The certificate in this backup ended on \(CertificateSummary.taipeiString(summary.notAfter)).",
                                                        zhTW: "此備份中的憑證已於 \(CertificateSummary.taipeiString(summary.notAfter)) 到期。"),
                                 remedy: LocalizedText(en: "Apply for a new certificate: tokencert apply.", zhTW: "請重新申請憑證：tokencert apply。"))
        }
        if let session {
            let host = try await ra.hostStatus(session: session)
            let entry = host.certificates.first { Self.sameSerial($0.serial, summary.serialNumber) }
            guard let entry, entry.state == .active else {
                throw LifecycleError(.notEligible, code: "backup-not-active",
                                     summary: LocalizedText(en: "The host says certificate \(summary.serialNumber) is \(entry?.state.rawValue ?? "not yours"); restoring it would not let you trade.",
                                                            zhTW: "主機端顯示憑證 \(summary.serialNumber) 狀態為 \(entry?.state.rawValue ?? "非您所有")，匯入後無法用於交易。"),
                                     remedy: LocalizedText(en: "Check tokencert status; apply for a new certificate if needed.", zhTW: "請以 tokencert status 查看，必要時重新申請。"))
            }
        }
        let stored = try await store.importKey(privateKey: contents.privateKey, certificateDER: contents.certificateDER, chainDER: contents.chainDER,
                                               label: contents.friendlyName ?? "TokenCert restored")
        let certificate = try CertificateSummary.parse(contents.certificateDER)
        try await Self.testSignature(stored.signer, certificate: certificate)
        return try CertificateSummary(certificate, keyLocation: stored.location)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
