internal import COpenSSL

/// The calling thread's OpenSSL error queue (it is thread-local: an operation that makes all its C
/// calls synchronously, as every function of the certificate kit does, sees only its own entries).
enum OpenSSLErrorQueue {
    // Reason codes carrying ERR_RFLAG_COMMON (0x2 << 18): written out because Swift does not import
    // the shifted macros.
    private static let commonFlag = 0x2 << 18
    private static let reasonUnsupported = 268 | commonFlag
    private static let reasonFetchFailed = 269 | commonFlag

    /// `ERR_clear_error`: forget whatever earlier calls (ours or anyone's) left on this thread.
    static func clear() {
        ERR_clear_error()
    }

    /// Drains the whole queue with `ERR_get_error_all`, oldest entry first.
    static func drain() -> [OpenSSLError.Entry] {
        var entries: [OpenSSLError.Entry] = []
        while true {
            var file: UnsafePointer<CChar>?
            var line: Int32 = 0
            var function: UnsafePointer<CChar>?
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(&file, &line, &function, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            entries.append(OpenSSLError.Entry(
                code: UInt(code),
                library: Int(ERR_GET_LIB(code)),
                reason: Int(ERR_GET_REASON(code)),
                libraryName: ERR_lib_error_string(code).map { String(cString: $0) },
                reasonText: ERR_reason_error_string(code).map { String(cString: $0) },
                function: function.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
                data: (flags & ERR_TXT_STRING) != 0 ? data.map { String(cString: $0) } : nil,
                text: text))
        }
        return entries
    }

    /// The error for a failed `function`: drains the queue and classifies it. `fallback` is the
    /// category when the entries say nothing more specific (a failed `d2i_…` is malformed input
    /// whatever OpenSSL recorded).
    static func error(_ function: String, fallback: OpenSSLError.Reason = .other) -> OpenSSLError {
        let entries = drain()
        let reason = classify(entries)
        return OpenSSLError(function: function, entries: entries, reason: reason == .other ? fallback : reason)
    }

    /// Decides what a queue means, looking at every entry. Order matters: a MAC failure is a wrong
    /// password even if decoding noise follows it; an unfetchable algorithm explains a decryption
    /// failure that comes with it; a bad decrypt with no other cause is what a wrong password gives
    /// when the file has no MAC.
    static func classify(_ entries: [OpenSSLError.Entry]) -> OpenSSLError.Reason {
        func has(_ library: Int32, _ reasons: Int32...) -> Bool {
            entries.contains { $0.library == Int(library) && reasons.map(Int.init).contains($0.reason) }
        }
        if has(ERR_LIB_PKCS12, PKCS12_R_MAC_VERIFY_FAILURE) {
            return .wrongPassword
        }
        // "unsupported"/"fetch failed" from EVP's fetch (e.g. RC2-40-CBC without the legacy provider).
        // The decoder library also says "unsupported" when no decoder takes a key's bytes: that is a
        // malformed (or unknown) key, not something the legacy provider brings.
        let fetchFailed = entries.contains {
            $0.library != Int(ERR_LIB_OSSL_DECODER) && ($0.reason == reasonUnsupported || $0.reason == reasonFetchFailed)
        }
        if fetchFailed
            || has(ERR_LIB_EVP, EVP_R_UNSUPPORTED_CIPHER, EVP_R_UNKNOWN_CIPHER, EVP_R_UNKNOWN_PBE_ALGORITHM,
                   EVP_R_UNSUPPORTED_ALGORITHM, EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION, EVP_R_UNSUPPORTED_PRF)
            || has(ERR_LIB_PKCS12, PKCS12_R_UNKNOWN_DIGEST_ALGORITHM) {
            return .unsupportedAlgorithm
        }
        if has(ERR_LIB_EVP, EVP_R_BAD_DECRYPT) || has(ERR_LIB_PROV, PROV_R_BAD_DECRYPT)
            || has(ERR_LIB_PKCS12, PKCS12_R_PKCS12_CIPHERFINAL_ERROR) {
            return .wrongPassword
        }
        if entries.contains(where: { $0.library == Int(ERR_LIB_ASN1) || $0.library == Int(ERR_LIB_OSSL_DECODER) })
            || has(ERR_LIB_PKCS12, PKCS12_R_DECODE_ERROR, PKCS12_R_PARSE_ERROR, PKCS12_R_CONTENT_TYPE_NOT_DATA) {
            return .malformed
        }
        return .other
    }
}
