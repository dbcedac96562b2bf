import Crypto
import _CryptoExtras
import Foundation

/// E-trading passwords, stored as `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`:
/// PBKDF2-HMAC-SHA256 with a 16-byte random salt and a 32-byte output. The iteration count is the
/// policy's (600,000 by default, OWASP's 2023 figure; about 0.15 s per check on this machine) and is
/// kept in each hash, so raising it later leaves old hashes readable.
public enum PasswordHasher {
    /// Hashes `password` with a new random salt.
    public static func hash(_ password: String, iterations: Int) throws -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let derived = try derive(password, salt: salt, iterations: iterations)
        return "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` matches `stored` (constant-time comparison of the derived bytes).
    /// An unreadable `stored` matches nothing.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations > 0,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let derived = try? derive(password, salt: Array(salt), iterations: iterations), derived.count == expected.count
        else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// Spends the same time as a real check, for unknown IDs (so timing does not tell which IDs exist).
    public static func burn(iterations: Int) {
        _ = try? derive("", salt: [UInt8](repeating: 0, count: 16), iterations: iterations)
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        // `unsafeUncheckedRounds` so tests can use a small count; `Policy` documents the production cost.
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                     outputByteCount: 32, unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }
}
