import CertificateKit
import Lifecycle

/// Picks the current key by the rule of `KeyStore.currentKey()`: the newest key that has a
/// certificate (newest by the certificate's notBefore, then by when the key was made), else the
/// newest key.
enum CurrentKey {
    struct Candidate {
        var key: StoredKey
        /// When the key was made, where the store knows (software store, TokenCert's CKA_ID).
        var created: Double?
    }

    static func pick(_ candidates: [Candidate]) -> StoredKey? {
        func notBefore(_ c: Candidate) -> Double? {
            guard let der = c.key.certificateDER, let cert = try? CertificateSummary(der) else { return nil }
            return cert.notBefore.timeIntervalSince1970
        }
        let certified = candidates.filter { $0.key.certificateDER != nil }
        if !certified.isEmpty {
            return certified.max { a, b in
                (notBefore(a) ?? 0, a.created ?? 0) < (notBefore(b) ?? 0, b.created ?? 0)
            }?.key
        }
        return candidates.max { ($0.created ?? 0) < ($1.created ?? 0) }?.key
    }
}
