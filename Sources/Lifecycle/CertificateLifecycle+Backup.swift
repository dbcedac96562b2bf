public import CertificateKit
public import Domain
public import Foundation
import Localization
public import RAContract
public import Secrets
import X509

extension CertificateLifecycle {
    /// `tokencert backup`: the software key and its certificate as a `.pfx` on a removable drive
    /// (file name and password by the rules, written atomically and read back). Refused for keys on
    /// a token or card, which cannot leave it.
    /// - Throws: `LifecycleError` (`.notEligible` for a token key, `.missing`), `BackupPasswordError`,
    ///   the medium's errors (`DriveError`, `BackupWriteError`), `BackupVerificationError`, PKCS#12 errors.
    public func backup(store: any KeyStore, password: Secret, birthDate: ROCDate?, target: String?, force: Bool,
                       ifExists: SoftwareBackup.IfExists = .refuse, profile: PKCS12Profile = .modern,
                       medium: any BackupMedium) async throws -> SoftwareBackup.Result {
        guard let current = try await store.currentKey(), let der = current.certificateDER else { throw LifecycleError.noCertificate }
        guard let software = current.signer as? SoftwareSigner else { throw LifecycleError.tokenKeyNotExportable }
        let summary = try CertificateSummary(der)
        guard let idText = summary.subscriber?.serialNumber, let customerID = try? CustomerID(idText) else {
            throw LifecycleError(.badInput, code: "no-customer-id",
                                 summary: LocalizedText(en: "The certificate does not name a national ID or business number.", zhTW: "憑證未載明身分證字號或統一編號。"))
        }
        let checked = try BackupPassword.checked(password, customerID: customerID, birthDate: birthDate)
        await prompt.progress(.writingBackup, fraction: nil)
        let ca = try? await brokerCADER()
        let result = try SoftwareBackup.export(privateKey: PrivateKeyDER(software.pkcs8DER), certificateDER: der, chainDER: ca.map { [$0] } ?? [],
                                               password: checked, customerID: customerID, broker: configuration.broker, medium: medium,
                                               target: target, force: force, ifExists: ifExists, profile: profile, now: clock.now())
        await prompt.progress(.writingBackup, fraction: 1)
        return result
    }

    /// `tokencert restore FILE`: reads a `.pfx` (modern, compat or legacy RC2) and puts its key and
    /// certificate into `store`. Refuses a certificate that has expired, that was not issued by the
    /// broker's CA (`trustedCA` DER, else the RA's `GET /ca.pem`; the CA certificates inside the file
    /// are not trusted), or that the host says is not active (when a session is given); and a file
    /// without a MAC or with an unencrypted key unless `allowUnprotected` (nothing shows that such a
    /// file is the one that was written).
    /// - Throws: `PKCS12Error`/`OpenSSLError` (wrong password, not a .pfx), `LifecycleError`
    ///   (`backup-unprotected`, `backup-expired`, `backup-not-active`, `no-trusted-ca`),
    ///   `CertificateChainError`, the RA client's errors, the store's errors.
    public func restore(file: URL, password: Secret, into store: any KeyStore, session: RA.Session?,
                        trustedCA: [UInt8]? = nil, allowUnprotected: Bool = false) async throws -> CertificateSummary {
        await prompt.progress(.readingBackup, fraction: nil)
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: file)) } catch {
            throw LifecycleError(.badInput, code: "unreadable-file",
                                 summary: LocalizedText(en: "Cannot read \(file.path).", zhTW: "無法讀取 \(file.path)。"),
                                 remedy: LocalizedText(en: "Check the path and that the drive is mounted.", zhTW: "請確認路徑及隨身碟已掛載。"))
        }
        let contents = try PKCS12Bundle.read(bytes, password: password)
        if !allowUnprotected, contents.algorithms.mac == nil || contents.algorithms.keyEncryption == nil {
            throw LifecycleError(.badInput, code: "backup-unprotected",
                                 summary: LocalizedText(en: "This .pfx file has \(contents.algorithms.mac == nil ? "no integrity check (MAC)" : "its private key unencrypted"): nothing shows it is the file that was written, unchanged.",
                                                        zhTW: "此 .pfx 檔\(contents.algorithms.mac == nil ? "沒有完整性檢查碼（MAC）" : "的私密金鑰未加密")，無法確認其為原始寫入且未經變更的檔案。"),
                                 remedy: LocalizedText(en: "Restore a backup written by TokenCert or the broker's app. Only if you know where this file came from, confirm it.",
                                                       zhTW: "請匯入由 TokenCert 或券商程式寫入的備份檔；唯有確知此檔來源時才確認匯入。"),
                                 hint: .confirmUnprotectedBackup)
        }
        let summary = try CertificateSummary(contents.certificateDER)
        guard summary.isValid(at: clock.now()) else {
            throw LifecycleError(.notEligible, code: "backup-expired",
                                 summary: LocalizedText(en: "The certificate in this backup ended on \(CertificateSummary.taipeiString(summary.notAfter)).",
                                                        zhTW: "此備份中的憑證已於 \(CertificateSummary.taipeiString(summary.notAfter)) 到期。"),
                                 remedy: LocalizedText(en: "Apply for a new certificate: tokencert apply.", zhTW: "請重新申請憑證：tokencert apply。"))
        }
        let ca: [UInt8]
        if let trustedCA {
            ca = trustedCA
        } else {
            do { ca = try await brokerCADER() } catch {
                throw LifecycleError(.unreachable, code: "no-trusted-ca",
                                     summary: LocalizedText(en: "Cannot get the broker's CA certificate to check who issued the certificate in this backup (\(error)).",
                                                            zhTW: "無法取得券商的憑證機構憑證，因此無法確認此備份中憑證的簽發者（\(error)）。"),
                                     remedy: LocalizedText(en: "Connect to the network and try again, or give the broker's CA certificate file.",
                                                           zhTW: "請連上網路後再試，或提供券商的憑證機構憑證檔。"),
                                     hint: .giveTrustedCA)
            }
        }
        try CertificateChain.verify(leaf: contents.certificateDER, trustedCAs: [ca], at: clock.now())
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

extension CertificateLifecycle {
    /// The broker's CA certificate, DER, from the RA (`GET /ca.pem`).
    /// - Throws: the RA client's errors; `CertificateKitError` when the answer is no certificate.
    func brokerCADER() async throws -> [UInt8] {
        try CertificateSummary.parse(Array(try await ra.caCertificatePEM().utf8)).derBytes
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
