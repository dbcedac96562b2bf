/// How one PKCS#11 module, and the token behind it, differs from what the standard alone promises —
/// the one place TokenCert writes such differences down. Everything else (the key store, `tokens`,
/// `doctor`) asks the profile instead of testing module names.
///
/// A profile is chosen by ``detect(module:token:)`` from `C_GetInfo` (manufacturer, library
/// description) and `C_GetTokenInfo` (manufacturer, model); a module nobody described gets
/// ``generic``, and what the profile does not know is found by probing: key generation walks
/// ``keyTemplates`` until the module accepts one (see `PKCS11Session.generateKeyPair(_:label:id:templates:)`),
/// and whatever template was used, the new key's protection is read back and a key that is not
/// sensitive, non-extractable and on the token is destroyed again.
///
/// | profile | found by | key templates | key IDs | who may write | generates keys |
/// |---|---|---|---|---|---|
/// | SoftHSM2 | token manufacturer `SoftHSM…` | strict | free | user | yes |
/// | TPM 2.0 (tpm2-pkcs11) | manufacturer `tpm2-software.github.io` | token-derived usage | free | user | yes |
/// | openCryptoki | manufacturer `IBM`, model `IBM SoftTok`/… | strict | free | user | yes |
/// | Yubico ykcs11 | library manufacturer `Yubico` | minimal | PIV slots 1 (9A), 5–24 (82–95), 3 (9D) | SO (management key) | yes |
/// | OpenSC PIV | library `OpenSC Project`, token model `PKCS#15 emulated`, manufacturer `piv_II` | — | — | — | no: `C_GenerateKeyPair` and `C_CreateObject` answer `CKR_FUNCTION_NOT_SUPPORTED` on PIV |
/// | generic | anything else (p11-kit-client passes the remote token's info through, so a remote SoftHSM is SoftHSM) | strict, then token-derived usage, then minimal | free | user | yes |
public struct TokenProfile: Sendable, Hashable, CustomStringConvertible {
    /// A short stable name (`softhsm2`, `tpm2-pkcs11`, `opencryptoki`, `ykcs11`, `opensc-piv`, `generic`).
    public var id: String
    /// For people: "SoftHSM2", "TPM 2.0 (tpm2-pkcs11)", ….
    public var name: String
    /// The key-generation templates to try, in order (see ``KeyTemplate``).
    public var keyTemplates: [KeyTemplate]
    /// Which `CKA_ID` values a new key may have.
    public var keyIDs: KeyIDScheme
    /// Who must be logged in to generate keys and to create or destroy objects: the user on most
    /// tokens; the security officer on ykcs11, whose "SO PIN" is the PIV management key.
    public var writer: UserType
    /// False where the module cannot make keys on the token at all (OpenSC's PIV emulation).
    public var generatesKeys: Bool
    /// False where the module cannot create or destroy objects (OpenSC's PIV emulation).
    public var writesObjects: Bool
    /// False where the module cannot destroy private keys (a PIV slot keeps its key until it is
    /// overwritten; ykcs11 destroys only certificates): such keys are retired by removing their
    /// certificate, and their slot is reused.
    public var destroysKeys: Bool
    /// Why the module cannot do what this profile says it cannot, for messages.
    public var limitation: String?

    public var description: String { name }

    /// The profile of anything nobody described: every template, free IDs, the user writes.
    public static let generic = TokenProfile(
        id: "generic", name: "PKCS#11 token", keyTemplates: KeyTemplate.allCases, keyIDs: .free,
        writer: .user, generatesKeys: true, writesObjects: true, destroysKeys: true)

    public static let softHSM = TokenProfile(
        id: "softhsm2", name: "SoftHSM2", keyTemplates: [.strict], keyIDs: .free,
        writer: .user, generatesKeys: true, writesObjects: true, destroysKeys: true)

    /// tpm2-pkcs11 makes the TPM object first and derives `CKA_ENCRYPT`/`CKA_DECRYPT`/`CKA_VERIFY`…
    /// from its TPM attributes; a template that states a usage the TPM object then contradicts fails
    /// with `CKR_GENERAL_ERROR` ("User specified and TPM specified attr mismatch").
    public static let tpm2 = TokenProfile(
        id: "tpm2-pkcs11", name: "TPM 2.0 (tpm2-pkcs11)", keyTemplates: [.tokenDerivedUsage, .minimal], keyIDs: .free,
        writer: .user, generatesKeys: true, writesObjects: true, destroysKeys: true)

    public static let openCryptoki = TokenProfile(
        id: "opencryptoki", name: "openCryptoki", keyTemplates: [.strict, .tokenDerivedUsage], keyIDs: .free,
        writer: .user, generatesKeys: true, writesObjects: true, destroysKeys: true)

    /// ykcs11 maps `CKA_ID` 1–24 to the PIV key slots, generates and writes only after `C_Login` as
    /// `CKU_SO` with the management key (48 hex digits) as the PIN, and refuses `CKA_EXTRACTABLE` in a
    /// template (`CKR_ATTRIBUTE_TYPE_INVALID`) — card keys are never extractable; that is read back.
    public static let ykcs11 = TokenProfile(
        id: "ykcs11", name: "Yubico ykcs11 (PIV)", keyTemplates: [.minimal], keyIDs: .pivSlots(KeyIDScheme.ykcs11Order),
        writer: .securityOfficer, generatesKeys: true, writesObjects: true, destroysKeys: false)

    public static let openSCPIV = TokenProfile(
        id: "opensc-piv", name: "OpenSC (PIV card)", keyTemplates: [], keyIDs: .free,
        writer: .user, generatesKeys: false, writesObjects: false, destroysKeys: false,
        limitation: "OpenSC's module reads PIV cards but cannot generate keys or store certificates on them (C_GenerateKeyPair and C_CreateObject: CKR_FUNCTION_NOT_SUPPORTED)")

    /// The profile for a token of `module`.
    public static func detect(module: ModuleInfo, token: TokenInfo) -> TokenProfile {
        let libraryMaker = module.manufacturer.lowercased()
        let tokenMaker = token.manufacturer.lowercased()
        let model = token.model.lowercased()
        if libraryMaker.hasPrefix("yubico") { return .ykcs11 }
        if libraryMaker.hasPrefix("tpm2-software") || module.libraryDescription.hasPrefix("TPM2") { return .tpm2 }
        if libraryMaker.hasPrefix("opensc") && (tokenMaker.hasPrefix("piv") || model.contains("piv")) { return .openSCPIV }
        if tokenMaker.hasPrefix("softhsm") { return .softHSM }
        if tokenMaker.hasPrefix("ibm") && (model.contains("softtok") || model.contains("icsf") || model.contains("cca")) {
            return .openCryptoki
        }
        return .generic
    }
}

/// The shapes of key-generation template TokenCert offers a module, strictest first. Whichever the
/// module accepts, the new private key is read back and kept only if it is sensitive,
/// non-extractable and a token object.
public enum KeyTemplate: String, Sendable, Hashable, CaseIterable {
    /// Every usage and protection attribute stated: the private key signs only (no decrypt, unwrap,
    /// derive), is sensitive and non-extractable; the public key verifies only.
    case strict
    /// Like `strict` without the usages set to false (`CKA_ENCRYPT`, `CKA_WRAP`, `CKA_DECRYPT`,
    /// `CKA_UNWRAP`, `CKA_DERIVE`): for tokens that derive usage from the key itself (tpm2-pkcs11).
    case tokenDerivedUsage
    /// Class, key type, token, private, sign/verify, label, id and key size only; sensitivity and
    /// extractability are left to the token (ykcs11 refuses `CKA_EXTRACTABLE`) and read back.
    case minimal
}

/// The `CKA_ID` values a module lets a new key have.
public enum KeyIDScheme: Sendable, Hashable {
    /// Any bytes (TokenCert makes 20: see `PKCS11KeyStore`).
    case free
    /// One byte naming a PIV key slot, from this list in order of preference.
    case pivSlots([UInt8])

    /// ykcs11's numbering: 1 = 9A, 2 = 9C, 3 = 9D, 4 = 9E, 5…24 = retired 82…95. TokenCert prefers 9A,
    /// then the retired slots (as `PIVKeyStore` does), then 9D; never 9C (PIN "always": a
    /// `CKU_CONTEXT_SPECIFIC` login before every signature) or 9E (card authentication, no PIN).
    public static let ykcs11Order: [UInt8] = [1] + Array(5...24) + [3]

    /// The PIV slot byte a ykcs11 `CKA_ID` stands for.
    public static func pivSlot(ykcs11ID id: UInt8) -> UInt8? {
        switch id {
        case 1: 0x9A
        case 2: 0x9C
        case 3: 0x9D
        case 4: 0x9E
        case 5...24: 0x82 + id - 5
        default: nil
        }
    }
}

/// What TokenCert reads back from a new private key before it keeps it.
public struct KeyProtection: Sendable, Hashable, Codable {
    /// `CKA_SENSITIVE`: the token never reveals the private value.
    public var sensitive: Bool?
    /// `CKA_EXTRACTABLE`: the key can be wrapped out of the token.
    public var extractable: Bool?
    /// `CKA_NEVER_EXTRACTABLE`: it never could be.
    public var neverExtractable: Bool?
    /// `CKA_LOCAL`: generated on the token (not imported).
    public var local: Bool?
    /// `CKA_TOKEN`: a persistent token object, not a session object.
    public var token: Bool?

    public init(sensitive: Bool?, extractable: Bool?, neverExtractable: Bool?, local: Bool?, token: Bool?) {
        self.sensitive = sensitive
        self.extractable = extractable
        self.neverExtractable = neverExtractable
        self.local = local
        self.token = token
    }

    /// Sensitive, not extractable and on the token — the rule for a customer's key. A module that
    /// does not report `CKA_EXTRACTABLE` fails it (unknown is not "no").
    public var isAcceptable: Bool { sensitive == true && extractable == false && token == true }

    /// The attributes that break the rule, for the message (`CKA_EXTRACTABLE=true`, …).
    public var violations: [String] {
        var v: [String] = []
        if sensitive != true { v.append("CKA_SENSITIVE=\(sensitive.map(String.init) ?? "unknown")") }
        if extractable != false { v.append("CKA_EXTRACTABLE=\(extractable.map(String.init) ?? "unknown")") }
        if token != true { v.append("CKA_TOKEN=\(token.map(String.init) ?? "unknown")") }
        return v
    }
}
