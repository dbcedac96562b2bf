/// Which certificate belongs to which private key, by comparing public keys — never by position in
/// a file or by labels, which other tools set as they please.
///
/// OpenSSL calls: `d2i_PKCS8_PRIV_KEY_INFO` + `EVP_PKCS82PKEY` (the key), `d2i_X509` +
/// `X509_get0_pubkey` (each certificate), `EVP_PKEY_eq` (same key type, same public key: the RSA
/// modulus and exponent, the EC group and point). The thread's error queue is cleared before and after.
public enum KeyCertificateMatch {
    /// True when `certificateDER` certifies the public half of `privateKey`.
    /// - Throws: ``OpenSSLError`` (`malformed`) when the key or the certificate cannot be parsed.
    public static func matches(privateKey: PrivateKeyDER, certificateDER: [UInt8]) throws -> Bool {
        try !OpenSSLKeyMatch.matchingIndices(privateKey: privateKey.secret, certificates: [certificateDER]).isEmpty
    }

    /// The indices in `certificates` of those that certify `privateKey`'s public key, in order
    /// (several when a certificate was renewed on the same key).
    /// - Throws: ``OpenSSLError`` (`malformed`) when the key or any certificate cannot be parsed.
    public static func indices(ofCertificatesFor privateKey: PrivateKeyDER, in certificates: [[UInt8]]) throws -> [Int] {
        try OpenSSLKeyMatch.matchingIndices(privateKey: privateKey.secret, certificates: certificates)
    }
}
