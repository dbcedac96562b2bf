/// What TokenCert can do with one token, worked out without a login from its profile
/// (`TokenProfile`), `C_GetTokenInfo` and `C_GetMechanismList` + `C_GetMechanismInfo` — what
/// `tokencert tokens` and `doctor` show before a customer applies.
public struct TokenCapabilities: Sendable, Hashable {
    public var profile: TokenProfile
    /// Every mechanism the token lists.
    public var mechanisms: Set<MechanismType>
    /// Key kinds TokenCert can generate on it: the profile allows generation, the key-pair mechanism
    /// is listed with `CKF_GENERATE_KEY_PAIR`, and the size lies in its `ulMinKeySize…ulMaxKeySize`.
    public var generates: [KeySpec]
    /// Signature schemes it can make, each with "on token" (hash-and-sign mechanism) or "hash on host".
    public var signs: [String]
    /// `CKF_WRITE_PROTECTED`: nothing can be stored.
    public var writeProtected: Bool
    /// The user PIN's state from the token flags.
    public var pinState: PINState
    /// Where the profile or the flags say a step cannot be done, why.
    public var limitations: [String]

    /// Reads the token's mechanisms (`C_GetMechanismList`, `C_GetMechanismInfo`) and flags.
    /// - Throws: `PKCS11Error` from those calls (e.g. `CKR_TOKEN_NOT_PRESENT`).
    public init(module: PKCS11Module, token: PKCS11Module.Token, profile: TokenProfile? = nil) throws(PKCS11Error) {
        let p = profile ?? TokenProfile.detect(module: module.info, token: token.info)
        self.profile = p
        let infos = try module.mechanisms(token.slot.id)
        let mechanisms = Set(infos.map(\.type))
        self.mechanisms = mechanisms
        writeProtected = token.info.flags.contains(.writeProtected)
        pinState = token.info.userPINState
        var generates: [KeySpec] = []
        if p.generatesKeys && !writeProtected {
            let candidates: [KeySpec] = [.rsa2048, .rsa3072, .rsa4096, .p256, .p384]
            for spec in candidates {
                let mech: MechanismType = spec.keyType == .rsa ? .rsaPKCSKeyPairGen : .ecKeyPairGen
                guard let info = infos.first(where: { $0.type == mech }), info.flags.contains(.generateKeyPair) else { continue }
                if Self.fits(spec, min: info.minKeySize, max: info.maxKeySize) { generates.append(spec) }
            }
        }
        self.generates = generates
        var signs: [String] = []
        func add(_ name: String, combined: MechanismType, raw: MechanismType) {
            if mechanisms.contains(combined) { signs.append("\(name) (on token)") }
            else if mechanisms.contains(raw) { signs.append("\(name) (hash on host)") }
        }
        add("RSA PKCS#1 v1.5 SHA-256", combined: .sha256RSAPKCS, raw: .rsaPKCS)
        add("RSA-PSS SHA-256", combined: .sha256RSAPKCSPSS, raw: .rsaPKCSPSS)
        add("ECDSA SHA-256", combined: .ecdsaSHA256, raw: .ecdsa)
        add("ECDSA SHA-384", combined: .ecdsaSHA384, raw: .ecdsa)
        self.signs = signs
        var limitations: [String] = []
        if let l = p.limitation { limitations.append(l) }
        if writeProtected { limitations.append("the token is write-protected (CKF_WRITE_PROTECTED)") }
        if p.generatesKeys && !writeProtected && generates.isEmpty {
            limitations.append("the token lists no key-pair generation mechanism TokenCert uses")
        }
        if p.writer == .securityOfficer {
            limitations.append("creating keys and storing certificates needs the administrator PIN (SO; the PIV management key)")
        }
        self.limitations = limitations
    }

    /// Whether the token can generate `spec`.
    public func canGenerate(_ spec: KeySpec) -> Bool { generates.contains(spec) }

    /// Mechanism sizes are bits for RSA and, by most modules, bits of the curve for EC — but some
    /// report bytes (32–48) or a field size in bits (192–638, tpm2-pkcs11): a P-256/P-384 size inside
    /// either reading, or a range of 0…0 (unreported), counts.
    static func fits(_ spec: KeySpec, min: UInt, max: UInt) -> Bool {
        if min == 0 && max == 0 { return true }
        let bits = UInt(spec.sizeInBits)
        if (min...Swift.max(min, max)).contains(bits) { return true }
        if spec.keyType == .ec { return (min...Swift.max(min, max)).contains(bits / 8) }
        return false
    }
}
