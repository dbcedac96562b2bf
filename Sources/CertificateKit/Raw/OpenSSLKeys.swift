internal import COpenSSL
import Secrets

/// A private key parsed from PKCS#8 DER: the `PKCS8_PRIV_KEY_INFO` (kept, so a writer stores the
/// caller's exact structure) and the `EVP_PKEY` made from it. Both freed (the PKCS#8 one cleansed) on deinit.
final class OpenSSLPrivateKey {
    let info: OpaquePointer
    let pkey: OpaquePointer

    /// `d2i_PKCS8_PRIV_KEY_INFO` (all bytes must be used), then `EVP_PKCS82PKEY`.
    init(pkcs8 der: UnsafeRawBufferPointer) throws(OpenSSLError) {
        let bytes = der.bindMemory(to: UInt8.self)
        var cursor: UnsafePointer<UInt8>? = bytes.baseAddress
        guard let info = d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, bytes.count) else {
            throw OpenSSLErrorQueue.error("d2i_PKCS8_PRIV_KEY_INFO", fallback: .malformed)
        }
        guard let base = bytes.baseAddress, let cursor, cursor - base == bytes.count else {
            PKCS8_PRIV_KEY_INFO_free(info)
            throw OpenSSLError(function: "d2i_PKCS8_PRIV_KEY_INFO (trailing bytes)", entries: OpenSSLErrorQueue.drain(), reason: .malformed)
        }
        guard let pkey = EVP_PKCS82PKEY(info) else {
            PKCS8_PRIV_KEY_INFO_free(info)
            throw OpenSSLErrorQueue.error("EVP_PKCS82PKEY", fallback: .malformed)
        }
        self.info = info
        self.pkey = pkey
    }

    deinit {
        EVP_PKEY_free(pkey)
        PKCS8_PRIV_KEY_INFO_free(info)
    }

    /// `EVP_PKEY_eq` of the certificate's public key (`X509_get0_pubkey`) and this key: true only
    /// when they are the same key pair.
    func matches(_ certificate: OpenSSLCertificate) -> Bool {
        guard let publicKey = X509_get0_pubkey(certificate.x509) else { return false }
        return EVP_PKEY_eq(publicKey, pkey) == 1
    }
}

/// An X.509 certificate parsed from DER (`d2i_X509`, all bytes must be used); freed on deinit.
final class OpenSSLCertificate {
    let x509: OpaquePointer
    let der: [UInt8]

    init(der: [UInt8]) throws(OpenSSLError) {
        let parsed: (OpaquePointer?, Int) = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let x509 = d2i_X509(nil, &cursor, buffer.count)
            return (x509, cursor.map { $0 - buffer.baseAddress! } ?? 0)
        }
        guard let x509 = parsed.0 else { throw OpenSSLErrorQueue.error("d2i_X509", fallback: .malformed) }
        guard parsed.1 == der.count else {
            X509_free(x509)
            throw OpenSSLError(function: "d2i_X509 (trailing bytes)", entries: OpenSSLErrorQueue.drain(), reason: .malformed)
        }
        self.x509 = x509
        self.der = der
    }

    deinit { X509_free(x509) }

    /// `X509_digest` with SHA-1: the certificate's SHA-1 fingerprint, OpenSSL's own choice of
    /// `localKeyID` in `PKCS12_create`.
    func sha1Fingerprint() throws(OpenSSLError) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, EVP_sha1(), &digest, &length) == 1 else { throw OpenSSLErrorQueue.error("X509_digest") }
        return Array(digest.prefix(Int(length)))
    }
}

enum OpenSSLKeyMatch {
    /// Indices of the certificates whose public key is the private key's (`EVP_PKEY_eq`), in order.
    /// Clears the error queue before and after.
    static func matchingIndices(privateKey: Secret, certificates: [[UInt8]]) throws(OpenSSLError) -> [Int] {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        let key = try privateKey.withUnsafeBytes { (der) throws(OpenSSLError) in try OpenSSLPrivateKey(pkcs8: der) }
        var indices: [Int] = []
        for (index, der) in certificates.enumerated() {
            let certificate = try OpenSSLCertificate(der: der)
            if key.matches(certificate) { indices.append(index) }
        }
        return indices
    }
}
