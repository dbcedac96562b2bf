public import CertificateKit
import Foundation
public import Localization

/// A key held by a store, with the certificate stored next to it (if any).
public struct StoredKey: Sendable {
    /// Signs with the key; never gives the private half out.
    public var signer: any TokenSigner
    /// The certificate next to the key (DER), nil until one is installed.
    public var certificateDER: [UInt8]?
    /// The issuing CA certificates (DER, issuer first) where the store keeps them (the software
    /// store does, for `.pfx` backups); empty otherwise.
    public var chainDER: [[UInt8]]

    public init(signer: any TokenSigner, certificateDER: [UInt8]? = nil, chainDER: [[UInt8]] = []) {
        self.signer = signer
        self.certificateDER = certificateDER
        self.chainDER = chainDER
    }

    /// Where the key lives.
    public var location: KeyLocation { signer.location }
}

/// Why a key store cannot be used right now: these become customer states, not crashes.
public enum KeyStoreUnavailable: Error, Sendable, Hashable {
    /// The token or card is not inserted (or the reader is gone).
    case tokenMissing
    /// The PIN is needed; `triesLeft` when the device tells.
    case pinNeeded(triesLeft: Int?)
    /// The PIN is blocked; a PUK or a branch officer is needed.
    case pinLocked
}

/// Where TokenCert keeps a customer's key and certificate: a PKCS#11 token, a PIV card or the
/// software store. Implementations live in `KeyStores`; Lifecycle sees only this.
public protocol KeyStore: Sendable {
    /// Where keys of this store live, e.g. the token's URI, the reader's name, the data folder.
    var location: KeyLocation { get }
    /// Generates a new key pair in the store (on the device for hardware), labelled `label`.
    /// - Throws: `KeyStoreUnavailable` when the device is missing or locked; the adapter's errors.
    func generateKey(_ kind: KeyDescription.Kind, label: String) async throws -> any TokenSigner
    /// The current key with its certificate: the newest key that has one, else the newest key; nil when empty.
    func currentKey() async throws -> StoredKey?
    /// Every key in the store with its certificate, for finding the orphans a failure left behind.
    func allKeys() async throws -> [StoredKey]
    /// Stores `certificateDER` next to the key `signer` (matched by public key).
    func storeCertificate(_ certificateDER: [UInt8], for signer: any TokenSigner) async throws
    /// Deletes the key `signer` and the certificate next to it.
    func delete(_ signer: any TokenSigner) async throws

    // Additions for restore and status. Each has a default below, so a store (or a test double)
    // that does not need it compiles unchanged.

    /// Stores `certificateDER` next to `signer`'s key together with the issuing chain (DER, issuer
    /// first). Stores that keep no chain ignore it; the default calls `storeCertificate(_:for:)`.
    func storeCertificate(_ certificateDER: [UInt8], chainDER: [[UInt8]], for signer: any TokenSigner) async throws
    /// Puts an existing private key with its certificate (and chain) into the store — restoring a
    /// `.pfx` onto a token or into the software store. On a token the key becomes sensitive and
    /// non-extractable. The default throws `KeyStoreUnsupported.importKey`.
    /// - Throws: `KeyStoreUnavailable`, `KeyStoreUnsupported`, the adapter's errors (e.g. the key
    ///   does not belong to the certificate, the device refuses imported keys).
    func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey
    /// The PIN (or passphrase) state without using a try, for `status`; nil when the store has no
    /// PIN or cannot tell. The default is nil.
    func pinStatus() async throws -> KeyStorePINStatus?
    /// The key whose public key is `subjectPublicKeyInfo`, with or without a certificate — how a run
    /// finds the key an interrupted run generated (the journal keeps its public key). The default
    /// searches `allKeys()`; a store that lists only keys with certificates (PIV) looks further.
    func key(matching subjectPublicKeyInfo: [UInt8]) async throws -> StoredKey?
    /// Refuses, before anything is asked or changed, a key kind the store cannot generate (a token
    /// without the mechanism or key size, a module that cannot generate on this token). The default
    /// accepts every kind.
    /// - Throws: the adapter's error that says why (e.g. `PKCS11Error` for `C_GenerateKeyPair`).
    func checkCanGenerate(_ kind: KeyDescription.Kind) async throws
    /// The certificate of the current key (the newest by notBefore), read without a PIN or
    /// passphrase where the device keeps certificates public — so a flow can check eligibility
    /// before it asks anything. The default is `currentKey()?.certificateDER` (which may ask).
    func currentCertificate() async throws -> [UInt8]?
}

extension KeyStore {
    public func checkCanGenerate(_ kind: KeyDescription.Kind) async throws {}

    public func storeCertificate(_ certificateDER: [UInt8], chainDER: [[UInt8]], for signer: any TokenSigner) async throws {
        try await storeCertificate(certificateDER, for: signer)
    }

    public func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey {
        throw KeyStoreUnsupported.importKey
    }

    public func pinStatus() async throws -> KeyStorePINStatus? { nil }

    public func currentCertificate() async throws -> [UInt8]? { try await currentKey()?.certificateDER }

    /// The newest of `certificates` by notBefore (the rule of `currentKey()`); unreadable ones are skipped.
    public static func newestCertificate(_ certificates: [[UInt8]]) -> [UInt8]? {
        certificates.compactMap { der in (try? CertificateSummary(der)).map { (der, $0.notBefore) } }
            .max { $0.1 < $1.1 }?.0
    }

    public func key(matching subjectPublicKeyInfo: [UInt8]) async throws -> StoredKey? {
        try await allKeys().first { $0.signer.subjectPublicKeyInfo == subjectPublicKeyInfo }
    }
}

/// The state of a store's PIN as the device tells it, without spending a try.
public struct KeyStorePINStatus: Sendable, Hashable, Codable {
    /// Tries left when the device gives a number (PIV: from `63CX`); nil when it does not (PKCS#11
    /// tokens only say "count low" or "final try", and "final try" is reported as 1).
    public var triesLeft: Int?
    /// A wrong PIN was entered since the last right one (PKCS#11 `CKF_USER_PIN_COUNT_LOW`).
    public var countLow: Bool
    /// The PIN is blocked: a PUK or a branch officer is needed.
    public var locked: Bool

    public init(triesLeft: Int? = nil, countLow: Bool = false, locked: Bool = false) {
        self.triesLeft = triesLeft
        self.countLow = countLow
        self.locked = locked
    }
}

/// A store cannot do this at all (not a transient state like `KeyStoreUnavailable`).
public enum KeyStoreUnsupported: Error, Sendable, Hashable, UserFacingError {
    /// The store cannot take an existing private key (e.g. a PIV card without the import command).
    case importKey

    /// The store cannot do this: not eligible with this device.
    public var category: ErrorCategory { .notEligible }

    public var summary: LocalizedText {
        switch self {
        case .importKey:
            LocalizedText(en: "This token or card cannot take an existing key; keys can only be generated on it.",
                          zhTW: "此載具或卡片無法匯入既有金鑰，只能在其上產生金鑰。")
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .importKey:
            LocalizedText(en: "Restore the backup into the software store, or apply for a new certificate on this token.",
                          zhTW: "請將備份還原至軟體憑證，或在此載具上重新申請憑證。")
        }
    }
}

extension KeyStoreUnavailable: UserFacingError {
    /// Token missing, or a PIN matter.
    public var category: ErrorCategory { self == .tokenMissing ? .tokenMissing : .pin }

    public var summary: LocalizedText {
        switch self {
        case .tokenMissing: LocalizedText(en: "The token or card that holds the key is not there.", zhTW: "找不到存放金鑰的載具或晶片卡。")
        case .pinNeeded(let tries):
            LocalizedText(en: "The PIN (or store password) is needed or was wrong" + (tries.map { " (\($0) tries left)" } ?? "") + ".",
                          zhTW: "需要 PIN 碼（或存放區密碼），或輸入錯誤" + (tries.map { "（剩餘 \($0) 次）" } ?? "") + "。")
        case .pinLocked: LocalizedText(en: "The PIN is blocked.", zhTW: "PIN 碼已鎖定。")
        }
    }

    public var hint: RemedyHint? {
        switch self {
        case .tokenMissing: .insertToken
        case .pinNeeded: .givePIN
        case .pinLocked: nil
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .tokenMissing:
            LocalizedText(en: "Insert the token or card, then try again.", zhTW: "請插入載具或晶片卡後再試一次。")
        case .pinNeeded:
            LocalizedText(en: "Enter the PIN (or the store password) when asked; mind the tries left.",
                          zhTW: "請於詢問時輸入 PIN 碼（或存放區密碼）；請留意剩餘次數。")
        case .pinLocked:
            LocalizedText(en: "Unblock it with the PUK (or SO PIN), or bring the token to a branch counter.",
                          zhTW: "請以 PUK（或 SO PIN）解鎖，或攜載具至分公司臨櫃處理。")
        }
    }
}
