/// The password of a `.pfx` file, as the bytes OpenSSL is given: the UTF-8 of what the person typed.
///
/// It never prints itself (`description`, `debugDescription` and `customMirror` are redacted) and
/// keeps its bytes in memory of their own, wiped with `OPENSSL_cleanse` when the last copy goes.
/// The *rules* for a backup password (4–12 letters or digits, not the ID number or birth date) belong
/// to the Domain target; this type only carries the secret.
///
/// How OpenSSL uses the bytes: PBES2/PBKDF2 (the `modern` profile) takes them as they are; the
/// PKCS#12 key derivation (the MAC, and the `compat` profile's 3DES) turns them into a BMPString
/// from UTF-8 first, so non-ASCII passwords work with OpenSSL but may not with every other importer.
/// A NUL byte cannot be carried (OpenSSL takes C strings): writing or reading with such a password
/// throws ``PKCS12Error/Code/unusablePassword``.
public struct PFXPassword: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: SecretBytes

    /// The UTF-8 bytes of `string`.
    public init(_ string: String) {
        secret = SecretBytes(string.utf8)
    }

    /// Raw bytes, e.g. read from a `--password-file` (without its trailing newline).
    public init(bytes: some Collection<UInt8>) {
        secret = SecretBytes(bytes)
    }

    /// The number of bytes (not characters).
    public var byteCount: Int { secret.count }

    public var isEmpty: Bool { secret.count == 0 }

    public var description: String { "PFXPassword(redacted)" }
    public var debugDescription: String { "PFXPassword(redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
