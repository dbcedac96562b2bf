internal import COpenSSL
import Secrets

/// The `.pfx` writer and reader on OpenSSL 3's PKCS#12 functions. Every entry point clears the
/// thread's error queue first (old noise never ends up in a new error) and again on the way out.
enum PKCS12Raw {
    // MARK: writing

    /// Builds the file the way `PKCS12_create_ex` does — an encrypted safe with the certificates
    /// (leaf first, then the chain), a plain-data safe with the shrouded key bag, then the MAC — from
    /// the same building blocks, because `PKCS12_create_ex` takes neither a chosen `localKeyID` nor
    /// the caller's PKCS#8 structure as it is.
    static func write(key: Secret, certificate: [UInt8], chain: [[UInt8]], friendlyName: String,
                      localKeyID: [UInt8]?, password: Secret, profile: PKCS12Profile) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard profile.iterations >= 1, profile.macIterations >= 1,
              profile.iterations <= Int(Int32.max), profile.macIterations <= Int(Int32.max) else {
            throw PKCS12Error(.invalidArgument, detail: "iteration counts must be between 1 and \(Int32.max)")
        }
        if let localKeyID, localKeyID.isEmpty || localKeyID.count > Int(Int32.max) {
            throw PKCS12Error(.invalidArgument, detail: "localKeyID must not be empty")
        }
        guard !password.containsNUL else { throw PKCS12Error(.unusablePassword, detail: "NUL byte") }

        let privateKey = try key.withUnsafeBytes { (der) throws(OpenSSLError) in try OpenSSLPrivateKey(pkcs8: der) }
        let leaf = try OpenSSLCertificate(der: certificate)
        guard privateKey.matches(leaf) else {
            OpenSSLErrorQueue.clear()
            throw PKCS12Error(.keyCertificateMismatch)
        }
        let others = try chain.map { (der) throws(OpenSSLError) in try OpenSSLCertificate(der: der) }
        let keyID = try localKeyID ?? leaf.sha1Fingerprint()

        let pbeNID: Int32
        let macDigest: OpaquePointer?
        let saltLength: Int
        switch profile.kind {
        case .modern:
            // A cipher NID (not a PBE NID) makes OpenSSL use PBES2 with PBKDF2; its PRF default is
            // hmacWithSHA256. 16-byte salts as NIST SP 800-132 asks (OpenSSL 3.0 would use 8).
            pbeNID = NID_aes_256_cbc
            macDigest = EVP_sha256()
            saltLength = 16
        case .compat:
            pbeNID = NID_pbe_WithSHA1And3_Key_TripleDES_CBC
            macDigest = EVP_sha1()
            saltLength = 8
        }
        let iterations = Int32(profile.iterations)

        return try password.withCString { (pass, passCount) throws -> [UInt8] in
            let passLength = Int32(passCount)
            let safes = try OwnedStack { PKCS7_free($0.assumingMemoryBound(to: PKCS7.self)) }

            // Certificates: leaf (with friendlyName and localKeyID), then the chain, encrypted.
            let certBags = try OwnedStack { PKCS12_SAFEBAG_free(OpaquePointer($0)) }
            for (index, certificate) in ([leaf] + others).enumerated() {
                guard let bag = PKCS12_SAFEBAG_create_cert(certificate.x509) else {
                    throw OpenSSLErrorQueue.error("PKCS12_SAFEBAG_create_cert")
                }
                try certBags.push(UnsafeMutableRawPointer(bag)) { PKCS12_SAFEBAG_free(bag) }
                if index == 0 { try addAttributes(bag, friendlyName: friendlyName, localKeyID: keyID) }
            }
            var certSalt = try randomBytes(saltLength)
            guard let certSafe = PKCS12_pack_p7encdata_ex(pbeNID, pass, passLength, &certSalt, Int32(saltLength),
                                                          iterations, certBags.pointer, nil, nil) else {
                throw OpenSSLErrorQueue.error("PKCS12_pack_p7encdata_ex")
            }
            try safes.push(UnsafeMutableRawPointer(certSafe)) { PKCS7_free(certSafe) }

            // The key: a shrouded key bag in a plain-data safe.
            let keyBags = try OwnedStack { PKCS12_SAFEBAG_free(OpaquePointer($0)) }
            var keySalt = try randomBytes(saltLength)
            guard let keyBag = PKCS12_SAFEBAG_create_pkcs8_encrypt_ex(pbeNID, pass, passLength, &keySalt, Int32(saltLength),
                                                                      iterations, privateKey.info, nil, nil) else {
                throw OpenSSLErrorQueue.error("PKCS12_SAFEBAG_create_pkcs8_encrypt_ex")
            }
            try keyBags.push(UnsafeMutableRawPointer(keyBag)) { PKCS12_SAFEBAG_free(keyBag) }
            try addAttributes(keyBag, friendlyName: friendlyName, localKeyID: keyID)
            guard let keySafe = PKCS12_pack_p7data(keyBags.pointer) else { throw OpenSSLErrorQueue.error("PKCS12_pack_p7data") }
            try safes.push(UnsafeMutableRawPointer(keySafe)) { PKCS7_free(keySafe) }

            guard let p12 = PKCS12_add_safes_ex(safes.pointer, 0, nil, nil) else {
                throw OpenSSLErrorQueue.error("PKCS12_add_safes_ex")
            }
            defer { PKCS12_free(p12) }
            guard PKCS12_set_mac(p12, pass, passLength, nil, 0, Int32(profile.macIterations), macDigest) == 1 else {
                throw OpenSSLErrorQueue.error("PKCS12_set_mac")
            }
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_PKCS12(p12, &out)
            guard length > 0, let out else { throw OpenSSLErrorQueue.error("i2d_PKCS12") }
            defer { CRYPTO_free(out, #fileID, #line) }
            return Array(UnsafeBufferPointer(start: out, count: Int(length)))
        }
    }

    /// `PKCS12_add_friendlyname_uni` (omitted when empty) and `PKCS12_add_localkeyid`.
    ///
    /// The name goes in as UTF-16 big-endian, characters beyond the BMP as surrogate pairs, which is
    /// what Windows writes into the BMPString and what `OPENSSL_uni2utf8` reads back. OpenSSL's own
    /// `PKCS12_add_friendlyname_utf8` refuses such characters ("illegal characters"), and Taiwanese
    /// names do use CJK Extension B characters.
    private static func addAttributes(_ bag: OpaquePointer, friendlyName: String, localKeyID: [UInt8]) throws(OpenSSLError) {
        if !friendlyName.isEmpty {
            var bmp = friendlyName.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            guard bmp.withUnsafeMutableBufferPointer({ PKCS12_add_friendlyname_uni(bag, $0.baseAddress, Int32($0.count)) }) == 1 else {
                throw OpenSSLErrorQueue.error("PKCS12_add_friendlyname_uni")
            }
        }
        var id = localKeyID
        guard id.withUnsafeMutableBufferPointer({ PKCS12_add_localkeyid(bag, $0.baseAddress, Int32($0.count)) }) == 1 else {
            throw OpenSSLErrorQueue.error("PKCS12_add_localkeyid")
        }
    }

    private static func randomBytes(_ count: Int) throws(OpenSSLError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw OpenSSLErrorQueue.error("RAND_bytes") }
        return bytes
    }

    // MARK: reading

    /// Reads a `.pfx`; on an `unsupported` algorithm loads the `legacy` provider (once per process)
    /// and tries again.
    static func read(_ der: [UInt8], password: Secret) throws -> PKCS12Contents {
        guard !password.containsNUL else { throw PKCS12Error(.unusablePassword, detail: "NUL byte") }
        do {
            return try readOnce(der, password: password)
        } catch let error as OpenSSLError where error.reason == .unsupportedAlgorithm {
            guard OpenSSLProviders.loadLegacy() else { throw error }
            return try readOnce(der, password: password)
        }
    }

    private struct FoundKey {
        var der: Secret
        var friendlyName: String?
        var localKeyID: [UInt8]?
    }

    private struct FoundCertificate {
        var der: [UInt8]
        var friendlyName: String?
        var localKeyID: [UInt8]?
    }

    /// What the safes held, gathered bag by bag.
    private struct Gathered {
        var keys: [FoundKey] = []
        var certificates: [FoundCertificate] = []
        var keyEncryption: PKCS12Algorithms.Encryption?
        var certificateEncryption: PKCS12Algorithms.Encryption?
    }

    private static func readOnce(_ der: [UInt8], password: Secret) throws -> PKCS12Contents {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }

        // d2i_PKCS12: the outer PFX structure, all of it.
        let parsed: (OpaquePointer?, Int) = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let p12 = d2i_PKCS12(nil, &cursor, buffer.count)
            return (p12, cursor.map { $0 - buffer.baseAddress! } ?? 0)
        }
        guard let p12 = parsed.0 else { throw OpenSSLErrorQueue.error("d2i_PKCS12", fallback: .malformed) }
        defer { PKCS12_free(p12) }
        guard parsed.1 == der.count else {
            throw OpenSSLError(function: "d2i_PKCS12 (trailing bytes)", entries: OpenSSLErrorQueue.drain(), reason: .malformed)
        }

        var gathered = Gathered()
        let mac = macInfo(p12)
        if let mac { try checkIterations(mac.iterations, "MAC") }
        try password.withCString { (pass, passCount) throws in
            let passLength = Int32(passCount)
            // Which password opens the MAC: the one given, or, for an empty one, also "no password"
            // (the two differ in PKCS#12; PKCS12_parse tries both the same way).
            var usePass: UnsafePointer<CChar>? = pass
            var useLength = passLength
            let hasMAC = PKCS12_mac_present(p12) == 1
            if hasMAC {
                if PKCS12_verify_mac(p12, pass, passLength) != 1 {
                    guard passLength == 0, PKCS12_verify_mac(p12, nil, 0) == 1 else {
                        // A MAC that computes but differs is reported with an empty queue (only
                        // PKCS12_parse raises PKCS12_R_MAC_VERIFY_FAILURE); entries mean the MAC could
                        // not be computed at all (e.g. an unknown digest).
                        let entries = OpenSSLErrorQueue.drain()
                        throw OpenSSLError(function: "PKCS12_verify_mac", entries: entries,
                                           reason: entries.isEmpty ? .wrongPassword : OpenSSLErrorQueue.classify(entries))
                    }
                    OpenSSLErrorQueue.clear()
                    usePass = nil
                    useLength = 0
                }
            }
            guard let safes = PKCS12_unpack_authsafes(p12) else {
                throw OpenSSLErrorQueue.error("PKCS12_unpack_authsafes", fallback: .malformed)
            }
            defer { freeStack(safes) { PKCS7_free($0.assumingMemoryBound(to: PKCS7.self)) } }
            for index in 0..<OPENSSL_sk_num(safes) {
                guard let raw = OPENSSL_sk_value(safes, index) else { continue }
                let p7 = raw.assumingMemoryBound(to: PKCS7.self)
                let bags: OpaquePointer
                switch OBJ_obj2nid(p7.pointee.type) {
                case NID_pkcs7_data:
                    guard let unpacked = PKCS12_unpack_p7data(p7) else {
                        throw OpenSSLErrorQueue.error("PKCS12_unpack_p7data", fallback: .malformed)
                    }
                    bags = unpacked
                case NID_pkcs7_encrypted:
                    if let algorithm = p7.pointee.d.encrypted?.pointee.enc_data?.pointee.algorithm {
                        let found = encryption(algorithm)
                        try checkIterations(found.iterations, "certificate encryption")
                        if gathered.certificateEncryption == nil { gathered.certificateEncryption = found }
                    }
                    guard let unpacked = PKCS12_unpack_p7encdata(p7, usePass, useLength) else {
                        throw decryptionError("PKCS12_unpack_p7encdata", hasMAC: hasMAC)
                    }
                    bags = unpacked
                default:
                    // Public-key privacy mode (enveloped data) is not used for backups: skipped.
                    continue
                }
                defer { freeStack(bags) { PKCS12_SAFEBAG_free(OpaquePointer($0)) } }
                try gather(bags, pass: usePass, passLength: useLength, hasMAC: hasMAC, into: &gathered)
            }
        }

        guard let key = gathered.keys.first else { throw PKCS12Error(.noPrivateKey) }
        let matching = try OpenSSLKeyMatch.matchingIndices(privateKey: key.der, certificates: gathered.certificates.map(\.der))
        // Several certificates for one key (a renewal that kept the key): the one the key bag names.
        let leafIndex = matching.first { index in
            key.localKeyID != nil && gathered.certificates[index].localKeyID == key.localKeyID
        } ?? matching.first
        guard let leafIndex else { throw PKCS12Error(.noMatchingCertificate) }
        let leaf = gathered.certificates[leafIndex]
        let chain = gathered.certificates.enumerated().filter { $0.offset != leafIndex }.map(\.element.der)
        return PKCS12Contents(
            privateKey: PrivateKeyDER(secret: key.der),
            certificateDER: leaf.der,
            chainDER: chain,
            friendlyName: key.friendlyName ?? leaf.friendlyName,
            localKeyID: key.localKeyID ?? leaf.localKeyID,
            algorithms: PKCS12Algorithms(keyEncryption: gathered.keyEncryption,
                                         certificateEncryption: gathered.certificateEncryption, mac: mac))
    }

    /// Walks a stack of safe bags (and nested safeContents bags): keys are decrypted
    /// (`PKCS12_decrypt_skey_ex`) and re-encoded (`i2d_PKCS8_PRIV_KEY_INFO`) into wiped memory,
    /// certificates are decoded (`PKCS12_SAFEBAG_get1_cert`) and re-encoded (`i2d_X509`, which keeps
    /// the signed part's original bytes).
    private static func gather(_ bags: OpaquePointer, pass: UnsafePointer<CChar>?, passLength: Int32, hasMAC: Bool,
                               into gathered: inout Gathered) throws {
        for index in 0..<OPENSSL_sk_num(bags) {
            guard let raw = OPENSSL_sk_value(bags, index) else { continue }
            let bag = OpaquePointer(raw)
            switch PKCS12_SAFEBAG_get_nid(bag) {
            case NID_keyBag:
                guard let info = PKCS12_SAFEBAG_get0_p8inf(bag) else {
                    throw OpenSSLErrorQueue.error("PKCS12_SAFEBAG_get0_p8inf", fallback: .malformed)
                }
                gathered.keys.append(FoundKey(der: try encode(info), friendlyName: friendlyName(bag), localKeyID: localKeyID(bag)))
            case NID_pkcs8ShroudedKeyBag:
                if let sig = PKCS12_SAFEBAG_get0_pkcs8(bag) {
                    var algorithm: UnsafePointer<X509_ALGOR>?
                    X509_SIG_get0(sig, &algorithm, nil)
                    if let algorithm {
                        let found = encryption(algorithm)
                        try checkIterations(found.iterations, "key encryption")
                        if gathered.keyEncryption == nil { gathered.keyEncryption = found }
                    }
                }
                guard let info = PKCS12_decrypt_skey_ex(bag, pass, passLength, nil, nil) else {
                    throw decryptionError("PKCS12_decrypt_skey_ex", hasMAC: hasMAC)
                }
                defer { PKCS8_PRIV_KEY_INFO_free(info) }
                gathered.keys.append(FoundKey(der: try encode(info), friendlyName: friendlyName(bag), localKeyID: localKeyID(bag)))
            case NID_certBag:
                guard PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate else { continue }
                guard let x509 = PKCS12_SAFEBAG_get1_cert(bag) else {
                    throw OpenSSLErrorQueue.error("PKCS12_SAFEBAG_get1_cert", fallback: .malformed)
                }
                defer { X509_free(x509) }
                var out: UnsafeMutablePointer<UInt8>?
                let length = i2d_X509(x509, &out)
                guard length > 0, let out else { throw OpenSSLErrorQueue.error("i2d_X509") }
                defer { CRYPTO_free(out, #fileID, #line) }
                let der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
                gathered.certificates.append(FoundCertificate(der: der, friendlyName: friendlyName(bag), localKeyID: localKeyID(bag)))
            case NID_safeContentsBag:
                if let nested = PKCS12_SAFEBAG_get0_safes(bag) {
                    try gather(nested, pass: pass, passLength: passLength, hasMAC: hasMAC, into: &gathered)
                }
            default:
                continue // CRL and secret bags are not part of a certificate backup.
            }
        }
    }

    /// A failed decryption. Without a MAC, nothing tells a wrong password from damage: a wrong key
    /// usually fails the CBC padding check ("bad decrypt"), but one time in 256 the padding passes and
    /// the garbage then fails to decode. Both are reported as a wrong password, the likelier cause.
    private static func decryptionError(_ function: String, hasMAC: Bool) -> OpenSSLError {
        var error = OpenSSLErrorQueue.error(function, fallback: .malformed)
        if !hasMAC && error.reason == .malformed { error.reason = .wrongPassword }
        return error
    }

    /// `i2d_PKCS8_PRIV_KEY_INFO` into wiped memory; OpenSSL's buffer is cleansed and freed.
    private static func encode(_ info: OpaquePointer) throws(OpenSSLError) -> Secret {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, &out)
        guard length > 0, let out else { throw OpenSSLErrorQueue.error("i2d_PKCS8_PRIV_KEY_INFO") }
        defer { CRYPTO_clear_free(out, Int(length), #fileID, #line) }
        return Secret(copying: out, count: Int(length))
    }

    /// `PKCS12_get_friendlyname`: the BMPString as UTF-8 (`OPENSSL_uni2utf8`).
    private static func friendlyName(_ bag: OpaquePointer) -> String? {
        guard let name = PKCS12_get_friendlyname(bag) else { return nil }
        defer { CRYPTO_free(name, #fileID, #line) }
        return String(cString: name)
    }

    /// `PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID)` when it is an OCTET STRING.
    private static func localKeyID(_ bag: OpaquePointer) -> [UInt8]? {
        guard let value = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID), value.pointee.type == V_ASN1_OCTET_STRING else {
            return nil
        }
        return bytes(value.pointee.value.octet_string)
    }

    private static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> [UInt8]? {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }

    private static func bytes(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> [UInt8]? {
        bytes(string.map { UnsafePointer($0) })
    }

    // MARK: algorithm names

    /// PBE schemes and PBES2 ciphers that only OpenSSL's `legacy` provider implements.
    private static let legacyNIDs: Set<Int32> = [
        NID_pbe_WithSHA1And40BitRC2_CBC, NID_pbe_WithSHA1And128BitRC2_CBC, NID_pbe_WithSHA1And40BitRC4,
        NID_pbe_WithSHA1And128BitRC4, NID_pbeWithMD2AndDES_CBC, NID_pbeWithMD5AndDES_CBC, NID_pbeWithMD2AndRC2_CBC,
        NID_pbeWithMD5AndRC2_CBC, NID_pbeWithSHA1AndDES_CBC, NID_pbeWithSHA1AndRC2_CBC,
        NID_rc2_cbc, NID_rc2_40_cbc, NID_rc2_64_cbc, NID_des_cbc, NID_bf_cbc, NID_cast5_cbc, NID_idea_cbc, NID_seed_cbc,
    ]

    /// Names a PBE `AlgorithmIdentifier` the way `openssl pkcs12 -info` does: the scheme's long
    /// name; for PBES2 the KDF's long name, the cipher's short name and the PRF; the iteration count
    /// from `PBEPARAM` or `PBKDF2PARAM` (`d2i_PBE2PARAM`, `d2i_PBKDF2PARAM`, `d2i_PBEPARAM`).
    private static func encryption(_ algorithm: UnsafePointer<X509_ALGOR>) -> PKCS12Algorithms.Encryption {
        let schemeNID = OBJ_obj2nid(algorithm.pointee.algorithm)
        var result = PKCS12Algorithms.Encryption(scheme: longName(schemeNID), isLegacy: legacyNIDs.contains(schemeNID))
        guard let parameters = sequence(algorithm.pointee.parameter) else { return result }
        if schemeNID == NID_pbes2 {
            guard let pbe2 = decode(parameters, d2i_PBE2PARAM) else { return result }
            defer { PBE2PARAM_free(pbe2) }
            if let cipher = pbe2.pointee.encryption {
                let cipherNID = OBJ_obj2nid(cipher.pointee.algorithm)
                result.cipher = shortName(cipherNID)
                result.isLegacy = legacyNIDs.contains(cipherNID)
            }
            guard let kdf = pbe2.pointee.keyfunc else { return result }
            let kdfNID = OBJ_obj2nid(kdf.pointee.algorithm)
            result.keyDerivation = longName(kdfNID)
            guard kdfNID == NID_id_pbkdf2, let kdfParameters = sequence(kdf.pointee.parameter),
                  let pbkdf2 = decode(kdfParameters, d2i_PBKDF2PARAM) else { return result }
            defer { PBKDF2PARAM_free(pbkdf2) }
            result.iterations = integer(pbkdf2.pointee.iter.map { UnsafePointer($0) })
            result.pseudoRandomFunction = longName(pbkdf2.pointee.prf.map { OBJ_obj2nid($0.pointee.algorithm) } ?? NID_hmacWithSHA1)
        } else if let pbe = decode(parameters, d2i_PBEPARAM) {
            defer { PBEPARAM_free(pbe) }
            result.iterations = integer(pbe.pointee.iter.map { UnsafePointer($0) })
        }
        return result
    }

    /// `PKCS12_get0_mac`: the MAC's digest and iteration count (1 when the file leaves it out).
    private static func macInfo(_ p12: OpaquePointer) -> PKCS12Algorithms.MAC? {
        guard PKCS12_mac_present(p12) == 1 else { return nil }
        var algorithm: UnsafePointer<X509_ALGOR>?
        var iterations: UnsafePointer<ASN1_INTEGER>?
        PKCS12_get0_mac(nil, &algorithm, nil, &iterations, p12)
        guard let algorithm else { return nil }
        return PKCS12Algorithms.MAC(digest: longName(OBJ_obj2nid(algorithm.pointee.algorithm)),
                                    iterations: integer(iterations) ?? 1)
    }

    /// The DER of a SEQUENCE-typed parameter.
    private static func sequence(_ type: UnsafeMutablePointer<ASN1_TYPE>?) -> [UInt8]? {
        guard let type, type.pointee.type == V_ASN1_SEQUENCE else { return nil }
        return bytes(type.pointee.value.sequence)
    }

    private static func decode<T>(_ der: [UInt8],
                                  _ d2i: (UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, Int) -> UnsafeMutablePointer<T>?)
        -> UnsafeMutablePointer<T>? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i(nil, &cursor, buffer.count)
        }
    }

    /// An iteration count; one that does not fit a `long` or is negative reads as `Int.max`, so the
    /// cap refuses it.
    private static func integer(_ value: UnsafePointer<ASN1_INTEGER>?) -> Int? {
        guard let value else { return nil }
        let n = ASN1_INTEGER_get(value)
        return n < 0 ? Int.max : n
    }

    /// Refuses a count above `PKCS12Bundle.maximumIterations` before OpenSSL spends it.
    private static func checkIterations(_ iterations: Int?, _ what: String) throws(PKCS12Error) {
        guard let iterations, iterations > PKCS12Bundle.maximumIterations else { return }
        let shown = iterations == Int.max ? "out of range" : "\(iterations)"
        throw PKCS12Error(.tooManyIterations, detail: "\(what): \(shown) iterations, at most \(PKCS12Bundle.maximumIterations)")
    }

    private static func longName(_ nid: Int32) -> String {
        OBJ_nid2ln(nid).map { String(cString: $0) } ?? "NID \(nid)"
    }

    private static func shortName(_ nid: Int32) -> String {
        OBJ_nid2sn(nid).map { String(cString: $0) } ?? "NID \(nid)"
    }
}

/// An OpenSSL stack that owns its elements: `OPENSSL_sk_new_null`, `OPENSSL_sk_push`; on deinit
/// every element is popped and freed, then the stack itself.
private final class OwnedStack {
    let pointer: OpaquePointer
    private let free: (UnsafeMutableRawPointer) -> Void

    init(free: @escaping (UnsafeMutableRawPointer) -> Void) throws(OpenSSLError) {
        guard let pointer = OPENSSL_sk_new_null() else { throw OpenSSLErrorQueue.error("OPENSSL_sk_new_null") }
        self.pointer = pointer
        self.free = free
    }

    deinit { freeStack(pointer, free) }

    /// Pushes `element`; when the push fails, `release` frees it and the error is thrown.
    func push(_ element: UnsafeMutableRawPointer, release: () -> Void) throws(OpenSSLError) {
        guard OPENSSL_sk_push(pointer, element) > 0 else {
            release()
            throw OpenSSLErrorQueue.error("OPENSSL_sk_push")
        }
    }
}

/// Pops and frees every element of a stack OpenSSL handed over, then frees the stack.
private func freeStack(_ stack: OpaquePointer, _ free: (UnsafeMutableRawPointer) -> Void) {
    while OPENSSL_sk_num(stack) > 0 {
        if let element = OPENSSL_sk_pop(stack) { free(element) }
    }
    OPENSSL_sk_free(stack)
}
