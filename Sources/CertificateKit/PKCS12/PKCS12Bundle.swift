public import Secrets
/// PKCS#12 (`.pfx`, RFC 7292) files: the backup of a software certificate — its private key, the
/// certificate and the issuing chain — under a password.
///
/// Both functions run synchronously on the calling thread and make all their OpenSSL calls there; the
/// thread's OpenSSL error queue is cleared (`ERR_clear_error`) before and after, so an error never
/// carries entries from earlier, unrelated calls.
public enum PKCS12Bundle {
    /// The most key-derivation or MAC iterations a file may ask for: 10 million, 5× the highest count
    /// seen in practice (OpenSSL 3 writes 2,048; Windows 2,000; our modern profile 600,000) and
    /// about 10 s on this machine. A file asking more (2³¹−1 ran for minutes) is refused unread.
    public static let maximumIterations = 10_000_000

    /// Writes a `.pfx` with `profile`'s algorithms and work factors.
    ///
    /// Layout (the one `openssl pkcs12 -export` and Windows use): an encrypted safe with the leaf
    /// certificate followed by `chainDER` in the given order, then a plain-data safe with the
    /// shrouded (encrypted) private key, then the MAC. The key bag and the leaf certificate bag both
    /// carry `friendlyName` (a BMPString holding the name's UTF-16, surrogate pairs included, as
    /// Windows writes it: any Chinese name works; left out when empty) and `localKeyID`.
    ///
    /// OpenSSL calls: `d2i_PKCS8_PRIV_KEY_INFO`, `EVP_PKCS82PKEY`, `d2i_X509`, `X509_get0_pubkey` +
    /// `EVP_PKEY_eq` (the key must belong to the certificate), `X509_digest` (SHA-1, for the default
    /// `localKeyID`), `PKCS12_SAFEBAG_create_cert`, `PKCS12_add_friendlyname_uni`,
    /// `PKCS12_add_localkeyid`, `RAND_bytes` (salts), `PKCS12_pack_p7encdata_ex`,
    /// `PKCS12_SAFEBAG_create_pkcs8_encrypt_ex`, `PKCS12_pack_p7data`, `PKCS12_add_safes_ex`,
    /// `PKCS12_set_mac`, `i2d_PKCS12` — the building blocks of `PKCS12_create_ex`, which is not called
    /// itself because it picks the `localKeyID` and re-encodes the key. The PBE NID is
    /// `NID_aes_256_cbc` for `modern` (a cipher NID makes OpenSSL write PBES2 with PBKDF2-HMAC-SHA256)
    /// and `NID_pbe_WithSHA1And3_Key_TripleDES_CBC` for `compat`; the MAC digest `EVP_sha256()` or
    /// `EVP_sha1()`.
    ///
    /// - Parameters:
    ///   - privateKeyDER: PKCS#8 `PrivateKeyInfo` DER; stored as given (attributes included).
    ///   - certificateDER: the certificate of that key.
    ///   - chainDER: the issuing certificates (intermediate CA, root CA), all of them stored.
    ///   - friendlyName: the label importers show (e.g. Windows' certificate manager).
    ///   - localKeyID: ties the key bag to the certificate bag; by default the SHA-1 fingerprint of
    ///     the certificate DER, as `PKCS12_create` (and so `openssl pkcs12 -export`) chooses it. That
    ///     value is unique per certificate, so a renewed certificate on the same key gets a new one.
    ///   - password: the file's password.
    ///   - profile: `modern` (default) or `compat`, with iteration counts.
    /// - Returns: the DER of the `.pfx`.
    /// - Throws: ``OpenSSLError`` (reason `malformed` for a key or certificate OpenSSL cannot parse,
    ///   `other` for internal failures); ``PKCS12Error`` with `keyCertificateMismatch`,
    ///   `unusablePassword` (a NUL byte) or `invalidArgument` (iteration count below 1, empty
    ///   `localKeyID`).
    public static func write(privateKeyDER: [UInt8], certificateDER: [UInt8], chainDER: [[UInt8]] = [],
                             friendlyName: String, localKeyID: [UInt8]? = nil, password: Secret,
                             profile: PKCS12Profile = .modern) throws -> [UInt8] {
        try write(privateKey: PrivateKeyDER(privateKeyDER), certificateDER: certificateDER, chainDER: chainDER,
                  friendlyName: friendlyName, localKeyID: localKeyID, password: password, profile: profile)
    }

    /// ``write(privateKeyDER:certificateDER:chainDER:friendlyName:localKeyID:password:profile:)``
    /// with the key kept in wiped memory.
    public static func write(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]] = [],
                             friendlyName: String, localKeyID: [UInt8]? = nil, password: Secret,
                             profile: PKCS12Profile = .modern) throws -> [UInt8] {
        try PKCS12Raw.write(key: privateKey.secret, certificate: certificateDER, chain: chainDER,
                            friendlyName: friendlyName, localKeyID: localKeyID, password: password,
                            profile: profile)
    }

    /// Reads a `.pfx`: files of both profiles, files written by `openssl pkcs12 -export` (AES by
    /// default, `-legacy`), by Windows and by Java, including RC2-40 legacy ones.
    ///
    /// The integrity MAC is checked first (`PKCS12_verify_mac`; for an empty password, "no password"
    /// is tried too, as `PKCS12_parse` does). Then every safe is opened (`PKCS12_unpack_authsafes`,
    /// `PKCS12_unpack_p7data`, `PKCS12_unpack_p7encdata`), nested safe-contents bags included; key
    /// bags are decrypted (`PKCS12_decrypt_skey_ex`) and re-encoded with `i2d_PKCS8_PRIV_KEY_INFO`
    /// into wiped memory; certificates are decoded (`PKCS12_SAFEBAG_get1_cert`) and re-encoded
    /// (`i2d_X509`). Algorithms are named from the `AlgorithmIdentifier`s (`X509_SIG_get0`,
    /// `PKCS12_get0_mac`, `d2i_PBE2PARAM`, `d2i_PBKDF2PARAM`, `d2i_PBEPARAM`, `OBJ_nid2ln`).
    ///
    /// When OpenSSL reports an unsupported algorithm (RC2-40 without the legacy provider), the
    /// `legacy` provider is loaded into the default library context — once per process, together
    /// with `default` (`OSSL_PROVIDER_load`) — and the file is read again.
    ///
    /// The leaf is the certificate whose public key is the private key's (``KeyCertificateMatch``),
    /// wherever the file puts it; among several such certificates, the one whose `localKeyID` is the
    /// key's. With several keys, the first is taken.
    ///
    /// - Throws: ``OpenSSLError`` with reason `wrongPassword` (MAC failure; or a decryption failure
    ///   in a file without MAC), `malformed` (truncated or not a `.pfx`, trailing bytes),
    ///   `unsupportedAlgorithm` (even the legacy provider lacks it, or it cannot be loaded) or `other`;
    ///   ``PKCS12Error`` with `noPrivateKey`, `noMatchingCertificate`, `unusablePassword`, or
    ///   `tooManyIterations` (a MAC or encryption iteration count above ``maximumIterations``, checked
    ///   before any is spent).
    public static func read(_ der: [UInt8], password: Secret) throws -> PKCS12Contents {
        try PKCS12Raw.read(der, password: password)
    }
}
