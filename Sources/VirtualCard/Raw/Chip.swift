internal import COpenSSL
import Synchronization

/// The emulated card's crypto engine, on OpenSSL 3. All pointer and OpenSSL code of the virtual
/// card lives in `Raw/`; the rest of the target sees bytes in and bytes out.
///
/// Private keys travel as PKCS#8 DER (`PrivateKeyInfo`) inside the card state. The parsed OpenSSL
/// key is kept in a small cache keyed by those bytes, as a real card keeps its key ready: parsing
/// PKCS#8 with OpenSSL 3's decoders costs more than the ECDSA signature itself, and the benchmark
/// compares hosts' APDU traffic, not DER parsing on the card.
enum Chip {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ what: String) {
            // Drain the whole queue: OpenSSL leaves unrelated entries behind (see DESIGN facts).
            var reasons: [String] = []
            while true {
                let code = ERR_get_error()
                if code == 0 { break }
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
        }
    }

    /// The public half of a key, in the shapes PIV encodes (tags 81/82 or 86).
    enum PublicKey: Equatable, Sendable {
        case rsa(modulus: [UInt8], exponent: [UInt8])
        case ec(point: [UInt8])
    }

    /// Key kinds the chip makes.
    enum KeySpec: Equatable, Sendable {
        case rsa(bits: Int)
        case ec(curve: Curve)
    }

    enum Curve: String, Sendable {
        case p256 = "P-256"
        case p384 = "P-384"

        var nid: Int32 { self == .p256 ? NID_X9_62_prime256v1 : NID_secp384r1 }
        var scalarLength: Int { self == .p256 ? 32 : 48 }
        /// OpenSSL's short name, the one its EC key management looks groups up by.
        var sn: String { self == .p256 ? "prime256v1" : "secp384r1" }
    }

    // MARK: randomness

    static func random(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 {
            let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
            if ok != 1 {
                // OpenSSL's DRBG failing is not recoverable for a card; fall back to the system RNG.
                var rng = SystemRandomNumberGenerator()
                for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }

    // MARK: key generation and inspection

    /// Generates a key pair and returns its PKCS#8 DER.
    static func generate(_ spec: KeySpec) throws(Failure) -> [UInt8] {
        let name = { () -> String in if case .rsa = spec { return "RSA" } else { return "EC" } }()
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw Failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw Failure("EVP_PKEY_keygen_init") }
        switch spec {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else { throw Failure("set_rsa_keygen_bits") }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(ctx, curve.rawValue) == 1 else { throw Failure("set_group_name") }
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else { throw Failure("EVP_PKEY_generate") }
        defer { EVP_PKEY_free(pkey) }
        return try pkcs8(of: pkey)
    }

    /// What kind of key a PKCS#8 blob holds.
    static func spec(of pkcs8: [UInt8]) throws(Failure) -> KeySpec {
        try withKey(pkcs8) { (pkey) throws(Failure) -> KeySpec in
            switch EVP_PKEY_get_base_id(pkey) {
            case EVP_PKEY_RSA:
                return .rsa(bits: Int(EVP_PKEY_get_bits(pkey)))
            case EVP_PKEY_EC:
                var name = [CChar](repeating: 0, count: 64)
                var length = 0
                guard EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length) == 1 else {
                    throw Failure("group name")
                }
                let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                switch group {
                case "prime256v1", "P-256", "secp256r1": return .ec(curve: .p256)
                case "secp384r1", "P-384": return .ec(curve: .p384)
                default: throw Failure("unsupported curve \(group)")
                }
            default:
                throw Failure("unsupported key type")
            }
        }
    }

    static func publicKey(of pkcs8: [UInt8]) throws(Failure) -> PublicKey {
        try withKey(pkcs8) { (pkey) throws(Failure) -> PublicKey in
            if EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA {
                return .rsa(modulus: try bignumParam(pkey, OSSL_PKEY_PARAM_RSA_N),
                            exponent: try bignumParam(pkey, OSSL_PKEY_PARAM_RSA_E))
            }
            var length = 0
            guard EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nil, 0, &length) == 1 else {
                throw Failure("encoded public key size")
            }
            var point = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, &point, point.count, &length) == 1 else {
                throw Failure("encoded public key")
            }
            return .ec(point: Array(point.prefix(length)))
        }
    }

    // MARK: private-key operations

    /// The raw RSA private operation (`input^d mod n`) on a block the host has padded.
    static func rsaRaw(_ pkcs8: [UInt8], _ input: [UInt8]) throws(Failure) -> [UInt8] {
        try withKey(pkcs8) { (pkey) throws(Failure) -> [UInt8] in
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw Failure("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_decrypt_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 else {
                throw Failure("raw RSA init")
            }
            var length = Int(EVP_PKEY_get_size(pkey))
            var out = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_decrypt(ctx, &out, &length, input, input.count) == 1 else { throw Failure("raw RSA") }
            return Array(out.prefix(length))
        }
    }

    /// ECDSA over a hash computed by the host; the result is a DER `ECDSA-Sig-Value`.
    static func ecdsaSign(_ pkcs8: [UInt8], digest: [UInt8]) throws(Failure) -> [UInt8] {
        try withKey(pkcs8) { (pkey) throws(Failure) -> [UInt8] in
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw Failure("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_sign_init(ctx) == 1 else { throw Failure("EVP_PKEY_sign_init") }
            var length = 0
            guard EVP_PKEY_sign(ctx, nil, &length, digest, digest.count) == 1 else { throw Failure("ECDSA size") }
            var out = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_sign(ctx, &out, &length, digest, digest.count) == 1 else { throw Failure("ECDSA") }
            return Array(out.prefix(length))
        }
    }

    /// ECDH with the host's uncompressed point; returns the shared x coordinate.
    static func ecdh(_ pkcs8: [UInt8], peerPoint: [UInt8], curve: Curve) throws(Failure) -> [UInt8] {
        let peer = try publicKeyObject(curve: curve, point: peerPoint)
        defer { EVP_PKEY_free(peer) }
        return try withKey(pkcs8) { (pkey) throws(Failure) -> [UInt8] in
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw Failure("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer) == 1 else {
                throw Failure("ECDH peer")
            }
            var length = 0
            guard EVP_PKEY_derive(ctx, nil, &length) == 1 else { throw Failure("ECDH size") }
            var out = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_derive(ctx, &out, &length) == 1 else { throw Failure("ECDH") }
            return Array(out.prefix(length))
        }
    }

    // MARK: import (Yubico IMPORT ASYMMETRIC KEY)

    /// Builds an RSA key from its CRT parts with e = 65537 and returns PKCS#8 DER.
    static func importRSA(p: [UInt8], q: [UInt8], dp: [UInt8], dq: [UInt8], qinv: [UInt8]) throws(Failure) -> [UInt8] {
        guard let bn = BN_CTX_new() else { throw Failure("BN_CTX_new") }
        defer { BN_CTX_free(bn) }
        let P = bignum(p), Q = bignum(q), DP = bignum(dp), DQ = bignum(dq), QI = bignum(qinv)
        let N = BN_new(), E = BN_new(), D = BN_new(), P1 = BN_new(), Q1 = BN_new(), PHI = BN_new()
        defer { for x in [P, Q, DP, DQ, QI, N, E, D, P1, Q1, PHI] { BN_clear_free(x) } }
        guard BN_set_word(E, 65537) == 1,
              BN_mul(N, P, Q, bn) == 1,
              BN_sub(P1, P, BN_value_one()) == 1,
              BN_sub(Q1, Q, BN_value_one()) == 1,
              BN_mul(PHI, P1, Q1, bn) == 1,
              BN_mod_inverse(D, E, PHI, bn) != nil
        else { throw Failure("RSA components") }
        let bld = try ParamBuilder()
        let pairs: [(String, OpaquePointer?)] = [
            (OSSL_PKEY_PARAM_RSA_N, N), (OSSL_PKEY_PARAM_RSA_E, E), (OSSL_PKEY_PARAM_RSA_D, D),
            ("rsa-factor1", P), ("rsa-factor2", Q), ("rsa-exponent1", DP), ("rsa-exponent2", DQ),
            ("rsa-coefficient1", QI),
        ]
        for (name, value) in pairs { try bld.bignum(name, value) }
        return try fromData(type: "RSA", builder: bld, check: true)
    }

    /// Builds an EC key from its private scalar and returns PKCS#8 DER.
    static func importEC(curve: Curve, scalar: [UInt8]) throws(Failure) -> [UInt8] {
        guard let group = EC_GROUP_new_by_curve_name(curve.nid) else { throw Failure("EC group") }
        defer { EC_GROUP_free(group) }
        guard let bn = BN_CTX_new() else { throw Failure("BN_CTX_new") }
        defer { BN_CTX_free(bn) }
        let priv = bignum(scalar)
        defer { BN_clear_free(priv) }
        guard let point = EC_POINT_new(group) else { throw Failure("EC_POINT_new") }
        defer { EC_POINT_free(point) }
        guard BN_is_zero(priv) == 0, EC_POINT_mul(group, point, priv, nil, nil, bn) == 1 else { throw Failure("EC scalar") }
        var encoded = [UInt8](repeating: 0, count: 1 + 2 * curve.scalarLength)
        guard EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &encoded, encoded.count, bn) == encoded.count else {
            throw Failure("EC point")
        }
        let bld = try ParamBuilder()
        try bld.string(OSSL_PKEY_PARAM_GROUP_NAME, curve.sn)
        try bld.bignum(OSSL_PKEY_PARAM_PRIV_KEY, priv)
        try bld.octets(OSSL_PKEY_PARAM_PUB_KEY, encoded)
        return try fromData(type: "EC", builder: bld, check: false)
    }

    // MARK: block ciphers for the management key

    enum BlockCipher: Sendable {
        case tripleDES, aes128, aes192, aes256

        var name: String {
            switch self {
            case .tripleDES: "DES-EDE3-ECB"
            case .aes128: "AES-128-ECB"
            case .aes192: "AES-192-ECB"
            case .aes256: "AES-256-ECB"
            }
        }
        var blockSize: Int { self == .tripleDES ? 8 : 16 }
        var keyLength: Int {
            switch self {
            case .tripleDES, .aes192: 24
            case .aes128: 16
            case .aes256: 32
            }
        }
    }

    /// ECB over whole blocks, no padding.
    static func crypt(_ cipher: BlockCipher, key: [UInt8], _ input: [UInt8], encrypt: Bool) throws(Failure) -> [UInt8] {
        guard key.count == cipher.keyLength, input.count % cipher.blockSize == 0 else { throw Failure("block size") }
        guard let algorithm = EVP_CIPHER_fetch(nil, cipher.name, nil) else { throw Failure("EVP_CIPHER_fetch") }
        defer { EVP_CIPHER_free(algorithm) }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_CipherInit_ex2(ctx, algorithm, key, nil, encrypt ? 1 : 0, nil) == 1,
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 else { throw Failure("cipher init") }
        var out = [UInt8](repeating: 0, count: input.count + cipher.blockSize)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard EVP_CipherUpdate(ctx, buffer.baseAddress, &written, input, Int32(input.count)) == 1 else { return false }
            return EVP_CipherFinal_ex(ctx, buffer.baseAddress! + Int(written), &final) == 1
        }
        guard ok else { throw Failure("cipher") }
        return Array(out.prefix(Int(written + final)))
    }

    // MARK: helpers

    /// A parsed private key; freed when the last user lets go.
    private final class LoadedKey: @unchecked Sendable {
        let pkey: OpaquePointer
        init(_ pkey: OpaquePointer) { self.pkey = pkey }
        deinit { EVP_PKEY_free(pkey) }
    }

    /// Parsed keys by their PKCS#8 bytes; at most 16, emptied when full (cards hold a handful).
    private static let loadedKeys = Mutex<[[UInt8]: LoadedKey]>([:])

    private static func withKey<R>(_ pkcs8: [UInt8], _ body: (OpaquePointer) throws(Failure) -> R) throws(Failure) -> R {
        if let cached = loadedKeys.withLock({ $0[pkcs8] }) {
            return try withExtendedLifetime(cached) { () throws(Failure) -> R in try body(cached.pkey) }
        }
        let info: OpaquePointer? = pkcs8.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, buffer.count)
        }
        guard let info else { throw Failure("PKCS#8 parse") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard let pkey = EVP_PKCS82PKEY(info) else { throw Failure("EVP_PKCS82PKEY") }
        let loaded = LoadedKey(pkey)
        loadedKeys.withLock { cache in
            if cache.count >= 16 { cache.removeAll() }
            cache[pkcs8] = loaded
        }
        return try withExtendedLifetime(loaded) { () throws(Failure) -> R in try body(loaded.pkey) }
    }

    private static func pkcs8(of pkey: OpaquePointer) throws(Failure) -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(pkey) else { throw Failure("EVP_PKEY2PKCS8") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, &out)
        guard length > 0, let out else { throw Failure("i2d_PKCS8_PRIV_KEY_INFO") }
        defer { CRYPTO_clear_free(out, Int(length), #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    private static func bignumParam(_ pkey: OpaquePointer, _ name: String) throws(Failure) -> [UInt8] {
        var value: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, name, &value) == 1, let value else { throw Failure("param \(name)") }
        defer { BN_free(value) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(value) + 7) / 8))
        _ = BN_bn2bin(value, &bytes)
        return bytes
    }

    private static func bignum(_ bytes: [UInt8]) -> OpaquePointer? {
        BN_bin2bn(bytes, Int32(bytes.count), nil)
    }

    private static func fromData(type: String, builder: ParamBuilder, check: Bool) throws(Failure) -> [UInt8] {
        let params = try builder.params()
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw Failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        // EVP_PKEY_KEYPAIR: all parameters | public key | private key.
        let keypair = Int32(0x87)
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &pkey, keypair, params) == 1, let pkey else {
            throw Failure("EVP_PKEY_fromdata")
        }
        defer { EVP_PKEY_free(pkey) }
        if check {
            guard let checker = EVP_PKEY_CTX_new(pkey, nil) else { throw Failure("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(checker) }
            guard EVP_PKEY_pairwise_check(checker) == 1 else { throw Failure("key check") }
        }
        return try pkcs8(of: pkey)
    }

    private static func publicKeyObject(curve: Curve, point: [UInt8]) throws(Failure) -> OpaquePointer {
        let bld = try ParamBuilder()
        try bld.string(OSSL_PKEY_PARAM_GROUP_NAME, curve.sn)
        try bld.octets(OSSL_PKEY_PARAM_PUB_KEY, point)
        let params = try bld.params()
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw Failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        // EVP_PKEY_PUBLIC_KEY: all parameters | public key.
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &pkey, Int32(0x86), params) == 1, let pkey else {
            throw Failure("EC public key")
        }
        return pkey
    }
}

/// OSSL_PARAM_BLD keeps pointers to the keys, strings and octets it is given until
/// OSSL_PARAM_BLD_to_param; Swift's bridged temporaries die when a call returns, so this builder
/// copies them to buffers that live as long as it does (and wipes them at the end).
private final class ParamBuilder {
    let builder: OpaquePointer
    private var buffers: [(UnsafeMutablePointer<UInt8>, Int)] = []

    init() throws(Chip.Failure) {
        guard let b = OSSL_PARAM_BLD_new() else { throw Chip.Failure("OSSL_PARAM_BLD_new") }
        builder = b
    }

    deinit {
        OSSL_PARAM_BLD_free(builder)
        for (pointer, count) in buffers {
            pointer.update(repeating: 0, count: count)
            pointer.deallocate()
        }
    }

    private func pin(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8> {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        pointer.initialize(from: bytes, count: bytes.count)
        buffers.append((pointer, max(bytes.count, 1)))
        return pointer
    }

    private func cString(_ s: String) -> UnsafePointer<CChar> {
        UnsafeRawPointer(pin(Array(s.utf8) + [0])).assumingMemoryBound(to: CChar.self)
    }

    func bignum(_ key: String, _ value: OpaquePointer?) throws(Chip.Failure) {
        guard OSSL_PARAM_BLD_push_BN(builder, cString(key), value) == 1 else { throw Chip.Failure("push \(key)") }
    }

    func string(_ key: String, _ value: String) throws(Chip.Failure) {
        guard OSSL_PARAM_BLD_push_utf8_string(builder, cString(key), cString(value), 0) == 1 else {
            throw Chip.Failure("push \(key)")
        }
    }

    func octets(_ key: String, _ value: [UInt8]) throws(Chip.Failure) {
        guard OSSL_PARAM_BLD_push_octet_string(builder, cString(key), pin(value), value.count) == 1 else {
            throw Chip.Failure("push \(key)")
        }
    }

    /// The caller frees the result with OSSL_PARAM_free.
    func params() throws(Chip.Failure) -> UnsafeMutablePointer<OSSL_PARAM> {
        guard let p = OSSL_PARAM_BLD_to_param(builder) else { throw Chip.Failure("OSSL_PARAM_BLD_to_param") }
        return p
    }
}
