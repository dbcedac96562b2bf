import CertificateKit
import Foundation

/// A key held by a store, with the certificate stored next to it (if any).
public struct StoredKey: Sendable {
    /// Signs with the key; never gives the private half out.
    public var signer: any TokenSigner
    /// The certificate next to the key (DER), nil until one is installed.
    public var certificateDER: [UInt8]?

    public init(signer: any TokenSigner, certificateDER: [UInt8]? = nil) {
        self.signer = signer
        self.certificateDER = certificateDER
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
    /// Puts a key from a backup into the store with its certificate (restore). Hardware stores
    /// import onto the device where it allows; a store that cannot import throws its own error.
    func importKey(_ privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey
}
