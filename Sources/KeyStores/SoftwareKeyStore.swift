public import CertificateKit
public import Foundation
public import Lifecycle
import Secrets
import Localization
import RemovableMedia
import X509

/// Keys and certificates kept encrypted on disk, for customers without a token or card.
///
/// **Where.** `$XDG_DATA_HOME/tokencert/store`, by default `~/.local/share/tokencert/store` (the
/// folder is created 0700 and set to 0700 whenever the store is opened); tests pass their own
/// folder. One file per key, `<id>.tckey`, mode 0600.
///
/// **Format.** Each file is a small JSON document: format version, id (16 random bytes, hex), label,
/// creation time, the public key (SubjectPublicKeyInfo), the certificate and chain (public, so a
/// status screen could show them without the passphrase), and the private key inside a PKCS#12
/// (`.pfx`) container written by CertificateKit's `PKCS12Bundle` with the `modern` profile:
/// PBES2/PBKDF2-HMAC-SHA256 (600,000 iterations)/AES-256-CBC, HMAC-SHA-256 MAC — the same code and
/// protection as TokenCert's backups, under the store passphrase. PKCS#12 was chosen over encrypted
/// PKCS#8 because that code is already written and cross-checked against OpenSSL, NSS and GnuTLS,
/// and because the container goes to `pk12util` as it is (no decrypted key ever touches the disk).
/// A PKCS#12 file needs a certificate, so a key that has none yet travels with a self-signed
/// placeholder (`CN=TokenCert pending key`), which the JSON marks as absent and nothing shows.
///
/// **Writes** go through CertificateKit's `BackupWriter`: a 0600 temporary file in the same folder,
/// `fsync`, `renameat2` (or `RENAME_EXCHANGE` when replacing, so the old file stays until the new one
/// is complete), `fsync` of the folder, then the file is read back and compared. A crash or a full disk
/// leaves the old file or the new one, never half of one.
///
/// **Passphrase.** Asked from the provider once per store object (`.newStorePassphrase` while the
/// store is empty, `.storePassphrase` otherwise, checked against an existing key so one store never
/// mixes passphrases) and kept in wiped memory. A wrong one throws
/// `KeyStoreUnavailable.pinNeeded(triesLeft: nil)` (there is no counter on disk to lock).
///
/// Signers are CertificateKit's `SoftwareSigner` (its `pkcs8DER` is what a `.pfx` backup takes).
public actor SoftwareKeyStore: KeyStore {
    /// The store folder.
    public nonisolated let directory: URL
    public nonisolated let location: KeyLocation
    /// The `.pfx` protection of each key.
    public nonisolated let profile: PKCS12Profile
    private let passphraseProvider: SecretProvider
    private var passphrase: Secret?
    private var signers: [String: SoftwareSigner] = [:]

    static let fileExtension = ".tckey"

    /// `$XDG_DATA_HOME/tokencert/store`, or `~/.local/share/tokencert/store` when `XDG_DATA_HOME` is
    /// unset, empty or relative (as the XDG Base Directory specification says).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("tokencert/store", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/tokencert/store", isDirectory: true)
    }

    /// Opens (creating it 0700 when missing) the store in `directory`.
    /// - Parameters:
    ///   - profile: the `.pfx` protection; `.modern` unless a test wants fewer iterations.
    /// - Throws: `SoftwareKeyStoreError(.folderUnusable)` when the folder cannot be made or made 0700.
    public init(directory: URL = SoftwareKeyStore.defaultDirectory(), passphrase: SecretProvider,
                profile: PKCS12Profile = .modern) throws {
        self.directory = directory.standardizedFileURL
        self.passphraseProvider = passphrase
        self.profile = profile
        location = .software(path: self.directory.path)
        try Self.prepare(self.directory)
    }

    private static func prepare(_ directory: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        do {
            if !fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } else if !isDirectory.boolValue {
                throw SoftwareKeyStoreError(.folderUnusable, detail: "\(directory.path) is not a folder")
            }
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        } catch let error as SoftwareKeyStoreError {
            throw error
        } catch {
            throw SoftwareKeyStoreError(.folderUnusable, detail: "\(directory.path): \(error.localizedDescription)")
        }
    }

    // MARK: KeyStore

    /// Generates the key in memory (swift-crypto: RSA of the given size, P-256, P-384) and writes it
    /// encrypted (see the type's comment) before returning.
    /// - Throws: `KeyStoreUnavailable.pinNeeded` (no or wrong passphrase); `BackupWriteError`
    ///   (disk full, read-only…); `OpenSSLError`/`PKCS12Error`; `SigningError` for a key kind swift-crypto refuses.
    public func generateKey(_ kind: KeyDescription.Kind, label: String) async throws -> any TokenSigner {
        let pass = try await unlock()
        let fresh = try SoftwareSigner.generate(kind)
        let id = Self.newID()
        let placeholder = try await Self.placeholderCertificate(for: fresh)
        let entry = try write(id: id, label: label, created: Date().timeIntervalSince1970, privateKey: PrivateKeyDER(fresh.pkcs8DER),
                              spki: fresh.subjectPublicKeyInfo, certificate: nil, placeholder: placeholder, chain: [],
                              password: pass, replacing: false)
        return try cachedSigner(id: entry.id, pkcs8: PrivateKeyDER(fresh.pkcs8DER))
    }

    /// See `KeyStore.currentKey()`; lists as `allKeys()` does.
    public func currentKey() async throws -> StoredKey? {
        CurrentKey.pick(try await candidates())
    }

    /// Every key file in the folder, decrypted (the passphrase is asked once). Files that cannot be
    /// read as TokenCert key files are left out (see `damagedFiles()`).
    public func allKeys() async throws -> [StoredKey] {
        try await candidates().map(\.key)
    }

    public func storeCertificate(_ certificateDER: [UInt8], for signer: any TokenSigner) async throws {
        try await storeCertificate(certificateDER, chainDER: [], for: signer)
    }

    /// Rewrites the key's file with the certificate and chain (atomically; the old file stays until
    /// the new one is complete).
    /// - Throws: `SoftwareKeyStoreError` `.certificateKeyMismatch` (before anything is written),
    ///   `.keyNotInStore`; `KeyStoreUnavailable.pinNeeded`; `BackupWriteError`; `OpenSSLError`/`PKCS12Error`.
    public func storeCertificate(_ certificateDER: [UInt8], chainDER: [[UInt8]], for signer: any TokenSigner) async throws {
        guard KeyMaterial.certificate(certificateDER, belongsTo: signer.subjectPublicKeyInfo) else {
            throw SoftwareKeyStoreError(.certificateKeyMismatch)
        }
        let entry = try entry(for: signer)
        let pass = try await unlock()
        let key = try decrypt(entry, password: pass)
        _ = try write(id: entry.id, label: entry.label, created: entry.created, privateKey: key,
                      spki: Array(entry.subjectPublicKeyInfo), certificate: certificateDER, placeholder: nil,
                      chain: chainDER, password: pass, replacing: true)
    }

    /// Removes the key's file (`unlink`, then `fsync` of the folder).
    /// - Throws: `SoftwareKeyStoreError(.keyNotInStore)`; the file system's error.
    public func delete(_ signer: any TokenSigner) async throws {
        let entry = try entry(for: signer)
        try FileManager.default.removeItem(at: fileURL(entry.id))
        Self.syncFolder(directory)
        signers[entry.id] = nil
    }

    /// Writes the key with its certificate and chain into a new file of the store (the `.pfx` restore
    /// path). The key must belong to the certificate.
    /// - Throws: `SoftwareKeyStoreError(.certificateKeyMismatch)`; `KeyStoreUnavailable.pinNeeded`;
    ///   `SigningError` for a key kind other than RSA ≥ 2048, P-256, P-384; `BackupWriteError`;
    ///   `OpenSSLError`/`PKCS12Error`.
    public func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey {
        guard (try? KeyCertificateMatch.matches(privateKey: privateKey, certificateDER: certificateDER)) == true,
              let spki = KeyMaterial.certificateSPKI(certificateDER) else {
            throw SoftwareKeyStoreError(.certificateKeyMismatch)
        }
        let pass = try await unlock()
        let id = Self.newID()
        let signer = try cachedSigner(id: id, pkcs8: privateKey)  // checks the key kind before writing
        _ = try write(id: id, label: label, created: Date().timeIntervalSince1970, privateKey: privateKey, spki: spki,
                      certificate: certificateDER, placeholder: nil, chain: chainDER, password: pass, replacing: false)
        return StoredKey(signer: signer, certificateDER: certificateDER, chainDER: chainDER)
    }

    /// The certificates in the store with their chains, read without the passphrase.
    public func certificates() throws -> [(certificateDER: [UInt8], chainDER: [[UInt8]])] {
        try entries().compactMap { e in e.certificate.map { (Array($0), e.chain.map { Array($0) }) } }
    }

    /// The newest certificate in the store, read without the passphrase.
    public func currentCertificate() async throws -> [UInt8]? {
        Self.newestCertificate(try certificates().map(\.certificateDER))
    }

    /// Files in the folder named like key files that cannot be read as one.
    public func damagedFiles() throws -> [URL] {
        try keyFiles().filter { (try? Self.decode($0)) == nil }
    }

    /// The key file of a key in this store (for display and for `installIntoNSS`).
    public func file(of signer: any TokenSigner) throws -> URL {
        fileURL(try entry(for: signer).id)
    }

    // MARK: Passphrase and decryption

    func unlock() async throws -> Secret {
        if let passphrase { return passphrase }
        let existing = try entries()
        let secret = try await passphraseProvider.require(
            SecretRequest(kind: existing.isEmpty ? .newStorePassphrase : .storePassphrase, location: location))
        let candidate = secret
        if let first = existing.first {
            let key = try decrypt(first, password: candidate)  // throws .pinNeeded when wrong
            _ = try? cachedSigner(id: first.id, pkcs8: key)
        }
        passphrase = candidate
        return candidate
    }

    /// `PKCS12Bundle.read` of the entry's container; a MAC failure becomes `.pinNeeded`.
    private func decrypt(_ entry: Entry, password: Secret) throws -> PrivateKeyDER {
        do {
            return try PKCS12Bundle.read(Array(entry.pkcs12), password: password).privateKey
        } catch let error as OpenSSLError where error.reason == .wrongPassword {
            passphrase = nil
            throw KeyStoreUnavailable.pinNeeded(triesLeft: nil)
        }
    }

    private func cachedSigner(id: String, pkcs8: PrivateKeyDER) throws -> SoftwareSigner {
        if let s = signers[id] { return s }
        let pem = "-----BEGIN PRIVATE KEY-----\n"
            + Data(pkcs8.bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END PRIVATE KEY-----\n"
        let signer = try SoftwareSigner(pem: pem, path: fileURL(id).path)
        signers[id] = signer
        return signer
    }

    private func candidates() async throws -> [CurrentKey.Candidate] {
        let all = try entries()
        guard !all.isEmpty else { return [] }
        let pass = try await unlock()
        var result: [CurrentKey.Candidate] = []
        for entry in all {
            let signer: SoftwareSigner
            if let cached = signers[entry.id] {
                signer = cached
            } else {
                signer = try cachedSigner(id: entry.id, pkcs8: try decrypt(entry, password: pass))
            }
            result.append(CurrentKey.Candidate(
                key: StoredKey(signer: signer, certificateDER: entry.certificate.map { Array($0) },
                               chainDER: entry.chain.map { Array($0) }),
                created: entry.created))
        }
        return result
    }

    // MARK: Files

    /// One key file.
    struct Entry: Codable {
        var format: Int
        var id: String
        var label: String
        /// Seconds since 1970.
        var created: Double
        var subjectPublicKeyInfo: Data
        var certificate: Data?
        var chain: [Data]
        /// PKCS#12 DER (key + certificate or placeholder + chain) under the store passphrase.
        var pkcs12: Data
    }

    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }.hexString
    }

    private func fileURL(_ id: String) -> URL {
        directory.appendingPathComponent(id + Self.fileExtension, isDirectory: false)
    }

    private func keyFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(Self.fileExtension) && !$0.hasPrefix(".") }
            .sorted()
            .map { directory.appendingPathComponent($0, isDirectory: false) }
    }

    static func decode(_ url: URL) throws -> Entry {
        let entry = try JSONDecoder().decode(Entry.self, from: Data(contentsOf: url))
        guard entry.format == 1, url.lastPathComponent == entry.id + fileExtension else {
            throw SoftwareKeyStoreError(.damagedEntry, detail: url.lastPathComponent)
        }
        return entry
    }

    private func entries() throws -> [Entry] {
        try keyFiles().compactMap { try? Self.decode($0) }
    }

    private func entry(for signer: any TokenSigner) throws -> Entry {
        guard let entry = try entries().first(where: { KeyMaterial.sameKey(Array($0.subjectPublicKeyInfo), signer.subjectPublicKeyInfo) }) else {
            throw SoftwareKeyStoreError(.keyNotInStore, detail: directory.path)
        }
        return entry
    }

    /// Builds the PKCS#12 container and the JSON, and writes the file atomically (see the type's comment).
    @discardableResult
    private func write(id: String, label: String, created: Double, privateKey: PrivateKeyDER, spki: [UInt8],
                       certificate: [UInt8]?, placeholder: [UInt8]?, chain: [[UInt8]], password: Secret,
                       replacing: Bool) throws -> Entry {
        guard let containerCertificate = certificate ?? placeholder else {
            throw SoftwareKeyStoreError(.damagedEntry, detail: "no certificate for the container")
        }
        let pkcs12 = try PKCS12Bundle.write(privateKey: privateKey, certificateDER: containerCertificate, chainDER: chain,
                                            friendlyName: label, password: password, profile: profile)
        let entry = Entry(format: 1, id: id, label: label, created: created, subjectPublicKeyInfo: Data(spki),
                          certificate: certificate.map { Data($0) }, chain: chain.map { Data($0) }, pkcs12: Data(pkcs12))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = Array(try encoder.encode(entry))
        _ = try BackupWriter().write(bytes, to: directory, fileName: id + Self.fileExtension, overwrite: replacing) { url in
            guard Array(try Data(contentsOf: url)) == bytes else {
                throw SoftwareKeyStoreError(.damagedEntry, detail: "\(url.lastPathComponent) read back differs")
            }
        }
        return entry
    }

    /// `fsync` of the folder, so an `unlink` survives a pulled plug.
    static func syncFolder(_ directory: URL) {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A self-signed certificate for a key that has none yet: PKCS#12 needs one. Never shown.
    static func placeholderCertificate(for signer: SoftwareSigner) async throws -> [UInt8] {
        let key = try TokenPrivateKey(signer)
        let name = try DistinguishedName { CommonName("TokenCert pending key") }
        let now = Date()
        let certificate = try await Certificate(
            version: .v3, serialNumber: CertificateIssuer.randomSerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(86_400),
            issuer: name, subject: name, signatureAlgorithm: key.defaultSignatureAlgorithm,
            extensions: Certificate.Extensions(), issuerAsyncPrivateKey: Certificate.PrivateKey(key))
        return certificate.derBytes
    }
}
