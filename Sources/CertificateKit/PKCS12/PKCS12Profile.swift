/// How a `.pfx` is protected: the algorithms (by ``Kind``) and the work factors.
///
/// | kind | private key and certificates | integrity MAC |
/// |---|---|---|
/// | `modern` | PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, 16-byte salt | HMAC-SHA-256 (PKCS#12 KDF), 8-byte salt |
/// | `compat` | `pbeWithSHA1And3-KeyTripleDES-CBC` (PKCS#12 PBE), 8-byte salt | HMAC-SHA-1 (PKCS#12 KDF), 8-byte salt |
///
/// `modern` is what OpenSSL 3 writes by default and what current Windows, Java and macOS releases
/// import. `compat` is for older importers (Windows 7/8, older Java runtimes and macOS keychains), which
/// know neither PBES2 nor SHA-256 MACs and answer such files with "wrong password".
///
/// Defaults (measured on Debian 12's OpenSSL 3.0.19, 2 cores shared with other builds, a `.pfx` with an
/// RSA-2048 key and a two-certificate chain; medians of 5):
/// - `modern`: 600,000 PBKDF2 iterations (OWASP's figure for PBKDF2-HMAC-SHA256), run once for the
///   key and once for the certificates (~0.11 s each), and 600,000 MAC iterations (~0.04 s: an
///   iteration of the PKCS#12 KDF costs about a third of a PBKDF2-HMAC one). Writing or reading takes
///   ~0.27 s. The MAC iterations are *not* left at OpenSSL's 2,048: the MAC also tells a guessed
///   password right from wrong, so a cheap MAC would let an attacker test passwords at the MAC's
///   cost and skip PBKDF2 altogether. Even so the MAC stays the cheapest test of a guess.
/// - `compat`: 2,048 for the PBE and the MAC — `PKCS12_DEFAULT_ITER`, what OpenSSL 1.x and
///   `openssl pkcs12 -legacy` write and close to the 2,000 Windows itself uses when it exports. Files
///   with these counts have been imported by every Windows since XP, by Java 8 and by macOS for
///   twenty years; larger counts are allowed (`.compat(iterations:)`) but cannot be tried against
///   those importers here, so they are a caller's decision. With a 4–12 character password this is
///   weak protection (writing or reading takes ~2 ms): keep `compat` for the importers that need it.
public struct PKCS12Profile: Sendable, Hashable, CustomStringConvertible {
    /// The algorithm set.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for key and certificates; HMAC-SHA-256 MAC.
        case modern
        /// PBE-SHA1-3DES for key and certificates; HMAC-SHA-1 MAC.
        case compat
    }

    public static let defaultModernIterations = 600_000
    public static let defaultCompatIterations = 2_048

    public var kind: Kind
    /// The PBE iteration count for the key bag and for the certificates' encrypted safe.
    public var iterations: Int
    /// The iteration count of the PKCS#12 MAC key derivation.
    public var macIterations: Int

    /// `iterations` defaults by kind; `macIterations` defaults to `iterations`.
    public init(kind: Kind, iterations: Int? = nil, macIterations: Int? = nil) {
        self.kind = kind
        let iterations = iterations ?? (kind == .modern ? Self.defaultModernIterations : Self.defaultCompatIterations)
        self.iterations = iterations
        self.macIterations = macIterations ?? iterations
    }

    /// PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, HMAC-SHA-256 MAC, 600,000 iterations each.
    public static let modern = PKCS12Profile(kind: .modern)
    /// PBE-SHA1-3DES, HMAC-SHA-1 MAC, 2,048 iterations each.
    public static let compat = PKCS12Profile(kind: .compat)

    public static func modern(iterations: Int, macIterations: Int? = nil) -> PKCS12Profile {
        PKCS12Profile(kind: .modern, iterations: iterations, macIterations: macIterations)
    }

    public static func compat(iterations: Int, macIterations: Int? = nil) -> PKCS12Profile {
        PKCS12Profile(kind: .compat, iterations: iterations, macIterations: macIterations)
    }

    public var description: String {
        "\(kind.rawValue) (\(iterations) iterations, MAC \(macIterations))"
    }
}
