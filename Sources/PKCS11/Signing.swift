public import Secrets
import Crypto

/// Hash functions for signatures.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    case sha256 = "SHA-256", sha384 = "SHA-384", sha512 = "SHA-512"

    public func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: data))
        case .sha384: Array(SHA384.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    /// The DER DigestInfo prefix (AlgorithmIdentifier + OCTET STRING header) for PKCS#1 v1.5.
    var digestInfoPrefix: [UInt8] {
        switch self {
        case .sha256: [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384: [0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512: [0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }
    var byteCount: Int { self == .sha256 ? 32 : self == .sha384 ? 48 : 64 }
    var hashMechanism: MechanismType { self == .sha256 ? .sha256 : self == .sha384 ? .sha384 : .sha512 }
    /// `CKG_MGF1_SHA256` / `_SHA384` / `_SHA512`.
    var mgf1: UInt { self == .sha256 ? 2 : self == .sha384 ? 3 : 4 }
    var rsaPKCSMechanism: MechanismType { self == .sha256 ? .sha256RSAPKCS : self == .sha384 ? .sha384RSAPKCS : .sha512RSAPKCS }
    var rsaPSSMechanism: MechanismType { self == .sha256 ? .sha256RSAPKCSPSS : self == .sha384 ? .sha384RSAPKCSPSS : .sha512RSAPKCSPSS }
    var ecdsaMechanism: MechanismType { self == .sha256 ? .ecdsaSHA256 : self == .sha384 ? .ecdsaSHA384 : .ecdsaSHA512 }
}

/// A signature scheme over a message.
public enum SignatureAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 (the broker's default with SHA-256).
    case rsaPKCS1v15(DigestAlgorithm)
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
    case rsaPSS(DigestAlgorithm)
    /// ECDSA; the signature is returned DER-encoded (`ECDSA-Sig-Value`), as X.509 and CMS carry it.
    case ecdsa(DigestAlgorithm)

    /// The default for a key: RSA PKCS#1 v1.5 SHA-256, ECDSA SHA-256 on P-256 and SHA-384 on P-384.
    public static func `default`(for key: PrivateKey) -> SignatureAlgorithm {
        key.keyType == .ec ? .ecdsa(key.curve == .p384 ? .sha384 : .sha256) : .rsaPKCS1v15(.sha256)
    }

    public var digest: DigestAlgorithm {
        switch self {
        case .rsaPKCS1v15(let d), .rsaPSS(let d), .ecdsa(let d): d
        }
    }

    public var description: String {
        switch self {
        case .rsaPKCS1v15(let d): "RSA PKCS#1 v1.5 \(d.rawValue)"
        case .rsaPSS(let d): "RSA-PSS \(d.rawValue)"
        case .ecdsa(let d): "ECDSA \(d.rawValue)"
        }
    }
}

/// How a signature will be made on a particular token: the mechanism, its parameter, and what is
/// fed to `C_Sign` (the message, or a host-computed hash / DigestInfo).
public struct SigningPlan: Sendable, Hashable {
    public var mechanism: MechanismType
    var parameter: [UInt8]?
    public enum Input: Sendable, Hashable { case message, digest, digestInfo }
    public var input: Input
    public var algorithm: SignatureAlgorithm

    /// What the mechanism is given for `message`: the message itself, its hash, or the DigestInfo of
    /// its hash — the same for signing and verifying.
    func mechanismInput(for message: [UInt8]) -> [UInt8] {
        let d = algorithm.digest
        switch input {
        case .message: return message
        case .digest: return d.hash(message)
        case .digestInfo: return d.digestInfoPrefix + d.hash(message)
        }
    }
}

extension PKCS11Session {
    /// Chooses the mechanism for `algorithm` on this token: the combined hash-and-sign mechanism when the
    /// token has it (`CKM_SHA256_RSA_PKCS`, `CKM_SHA256_RSA_PKCS_PSS`, `CKM_ECDSA_SHA256`), else the raw one
    /// (`CKM_RSA_PKCS` over a DigestInfo, `CKM_RSA_PKCS_PSS` over a digest, `CKM_ECDSA` over a digest) with
    /// hashing on the host.
    /// - Throws: `CKR_MECHANISM_INVALID` when the token has neither, or the key type does not fit.
    public func signingPlan(for key: PrivateKey, algorithm: SignatureAlgorithm) throws(PKCS11Error) -> SigningPlan {
        let mechanisms = try supportedMechanisms()
        let d = algorithm.digest
        switch algorithm {
        case .rsaPKCS1v15 where key.keyType == .rsa:
            if mechanisms.contains(d.rsaPKCSMechanism) {
                return SigningPlan(mechanism: d.rsaPKCSMechanism, input: .message, algorithm: algorithm)
            }
            if mechanisms.contains(.rsaPKCS) {
                return SigningPlan(mechanism: .rsaPKCS, input: .digestInfo, algorithm: algorithm)
            }
        case .rsaPSS where key.keyType == .rsa:
            let param = pssParameter(d)
            if mechanisms.contains(d.rsaPSSMechanism) {
                return SigningPlan(mechanism: d.rsaPSSMechanism, parameter: param, input: .message, algorithm: algorithm)
            }
            if mechanisms.contains(.rsaPKCSPSS) {
                return SigningPlan(mechanism: .rsaPKCSPSS, parameter: param, input: .digest, algorithm: algorithm)
            }
        case .ecdsa where key.keyType == .ec:
            if mechanisms.contains(d.ecdsaMechanism) {
                return SigningPlan(mechanism: d.ecdsaMechanism, input: .message, algorithm: algorithm)
            }
            if mechanisms.contains(.ecdsa) {
                return SigningPlan(mechanism: .ecdsa, input: .digest, algorithm: algorithm)
            }
        default:
            throw PKCS11Error(.keyTypeInconsistent, function: "C_SignInit",
                              detail: "\(algorithm) needs a different key than \(key.keyType)")
        }
        throw PKCS11Error(.mechanismInvalid, function: "C_SignInit", detail: "token cannot do \(algorithm)")
    }

    /// Signs `message` with `key` on the token (`C_SignInit` + `C_Sign`, one isolated step).
    /// ECDSA output is DER; RSA output is the raw signature (modulus-sized).
    /// - Throws: `PKCS11Error` (e.g. `CKR_USER_NOT_LOGGED_IN`, `CKR_KEY_FUNCTION_NOT_PERMITTED`,
    ///   `CKR_DEVICE_REMOVED`, `CKR_MECHANISM_INVALID`).
    /// A key with `CKA_ALWAYS_AUTHENTICATE` needs `contextPIN`: it is given with
    /// `C_Login(CKU_CONTEXT_SPECIFIC)` between `C_SignInit` and `C_Sign`, in the same isolated step.
    public func sign(_ message: [UInt8], with key: PrivateKey, algorithm: SignatureAlgorithm? = nil,
                     contextPIN: Secret? = nil) throws(PKCS11Error) -> [UInt8] {
        let plan = try signingPlan(for: key, algorithm: algorithm ?? .default(for: key))
        return try sign(message, with: key, plan: plan, contextPIN: contextPIN)
    }

    /// Signs with a plan chosen earlier by `signingPlan(for:algorithm:)` (saves the lookup in tight loops).
    /// - Throws: as `sign(_:with:algorithm:contextPIN:)`; `CKR_USER_NOT_LOGGED_IN` from `C_Sign` for a key
    ///   with `CKA_ALWAYS_AUTHENTICATE` signed without `contextPIN`.
    public func sign(_ message: [UInt8], with key: PrivateKey, plan: SigningPlan, contextPIN: Secret? = nil) throws(PKCS11Error) -> [UInt8] {
        let raw = try rawSign(plan.mechanismInput(for: message), mechanism: plan.mechanism, parameter: plan.parameter, key: key.handle,
                              maxLength: key.signatureLength, contextPIN: key.alwaysAuthenticate ? contextPIN : nil)
        if case .ecdsa = plan.algorithm { return ECDSASignature.der(fromRaw: raw) }
        return raw
    }

    /// Verifies on the token with the public key object (`C_VerifyInit` + `C_Verify`).
    /// `signature` is in the form `sign` returns (DER for ECDSA).
    public func verify(_ signature: [UInt8], of message: [UInt8], publicKey: ObjectHandle, key: PrivateKey,
                       algorithm: SignatureAlgorithm? = nil) throws(PKCS11Error) -> Bool {
        let plan = try signingPlan(for: key, algorithm: algorithm ?? .default(for: key))
        let input = plan.mechanismInput(for: message)
        var sig = signature
        if case .ecdsa = plan.algorithm {
            guard let raw = ECDSASignature.raw(fromDER: signature, coordinateSize: (key.sizeInBits + 7) / 8) else { return false }
            sig = raw
        }
        return try rawVerify(input, signature: sig, mechanism: plan.mechanism, parameter: plan.parameter, key: publicKey)
    }

    nonisolated func pssParameter(_ d: DigestAlgorithm) -> [UInt8] {
        // CK_RSA_PKCS_PSS_PARAMS { CK_MECHANISM_TYPE hashAlg; CK_RSA_PKCS_MGF_TYPE mgf; CK_ULONG sLen; }
        var bytes: [UInt8] = []
        for v in [d.hashMechanism.rawValue, d.mgf1, UInt(d.byteCount)] {
            withUnsafeBytes(of: v) { bytes += $0 }
        }
        return bytes
    }
}

extension SigningPlan {
    init(mechanism: MechanismType, input: Input, algorithm: SignatureAlgorithm) {
        self.init(mechanism: mechanism, parameter: nil, input: input, algorithm: algorithm)
    }
}

/// ECDSA signatures between the PKCS#11 form (r‖s, each the curve's size) and DER `ECDSA-Sig-Value`.
public enum ECDSASignature {
    /// `SEQUENCE { INTEGER r, INTEGER s }` from r‖s.
    public static func der(fromRaw raw: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        return DER.sequence(DER.unsignedInteger(raw[..<half]), DER.unsignedInteger(raw[half...]))
    }

    /// r‖s (each left-padded to `coordinateSize`) from DER; nil when malformed or too long.
    public static func raw(fromDER der: [UInt8], coordinateSize: Int) -> [UInt8]? {
        var outer = DER.Reader(der)
        guard let body = try? outer.read(expecting: DER.sequence), outer.isAtEnd else { return nil }
        var inner = DER.Reader(body)
        guard let r = try? inner.readUnsignedInteger(), let s = try? inner.readUnsignedInteger(), inner.isAtEnd,
              r.count <= coordinateSize, s.count <= coordinateSize else { return nil }
        return [UInt8](repeating: 0, count: coordinateSize - r.count) + r
            + [UInt8](repeating: 0, count: coordinateSize - s.count) + s
    }
}
