// Open PKCS#11 value sets as structs with static constants (values from PKCS#11 v2.40 / 3.0),
// so a value this file does not name still round-trips and a new constant never breaks a `switch`.

/// `CK_OBJECT_CLASS`.
public struct ObjectClass: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let data = ObjectClass(rawValue: 0x0)
    public static let certificate = ObjectClass(rawValue: 0x1)
    public static let publicKey = ObjectClass(rawValue: 0x2)
    public static let privateKey = ObjectClass(rawValue: 0x3)
    public static let secretKey = ObjectClass(rawValue: 0x4)
    public static let hardwareFeature = ObjectClass(rawValue: 0x5)
    public static let domainParameters = ObjectClass(rawValue: 0x6)
    public static let mechanism = ObjectClass(rawValue: 0x7)
    public static let otpKey = ObjectClass(rawValue: 0x8)

    /// The RFC 7512 `type=` name (`cert`, `public`, `private`, `secret-key`, `data`), or `0x…` otherwise.
    public var description: String {
        switch self {
        case .data: "data"
        case .certificate: "cert"
        case .publicKey: "public"
        case .privateKey: "private"
        case .secretKey: "secret-key"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// `CK_KEY_TYPE`.
public struct KeyType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let rsa = KeyType(rawValue: 0x0)
    public static let dsa = KeyType(rawValue: 0x1)
    public static let dh = KeyType(rawValue: 0x2)
    public static let ec = KeyType(rawValue: 0x3)
    public static let genericSecret = KeyType(rawValue: 0x10)
    public static let des3 = KeyType(rawValue: 0x15)
    public static let aes = KeyType(rawValue: 0x1F)
    public static let ecEdwards = KeyType(rawValue: 0x40)
    public var description: String {
        switch self {
        case .rsa: "RSA"
        case .dsa: "DSA"
        case .dh: "DH"
        case .ec: "EC"
        case .genericSecret: "generic-secret"
        case .des3: "DES3"
        case .aes: "AES"
        case .ecEdwards: "EdDSA"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// `CK_CERTIFICATE_TYPE`.
public struct CertificateType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let x509 = CertificateType(rawValue: 0x0)
}

/// `CK_USER_TYPE`.
public struct UserType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let securityOfficer = UserType(rawValue: 0)
    public static let user = UserType(rawValue: 1)
    public static let contextSpecific = UserType(rawValue: 2)
    public var description: String {
        switch self {
        case .securityOfficer: "SO"
        case .user: "user"
        case .contextSpecific: "context-specific"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// `CK_ATTRIBUTE_TYPE`.
public struct AttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let `class` = AttributeType(rawValue: 0x0)
    public static let token = AttributeType(rawValue: 0x1)
    public static let `private` = AttributeType(rawValue: 0x2)
    public static let label = AttributeType(rawValue: 0x3)
    public static let application = AttributeType(rawValue: 0x10)
    public static let value = AttributeType(rawValue: 0x11)
    public static let objectID = AttributeType(rawValue: 0x12)
    public static let certificateType = AttributeType(rawValue: 0x80)
    public static let issuer = AttributeType(rawValue: 0x81)
    public static let serialNumber = AttributeType(rawValue: 0x82)
    public static let trusted = AttributeType(rawValue: 0x86)
    public static let certificateCategory = AttributeType(rawValue: 0x87)
    public static let keyType = AttributeType(rawValue: 0x100)
    public static let subject = AttributeType(rawValue: 0x101)
    public static let id = AttributeType(rawValue: 0x102)
    public static let sensitive = AttributeType(rawValue: 0x103)
    public static let encrypt = AttributeType(rawValue: 0x104)
    public static let decrypt = AttributeType(rawValue: 0x105)
    public static let wrap = AttributeType(rawValue: 0x106)
    public static let unwrap = AttributeType(rawValue: 0x107)
    public static let sign = AttributeType(rawValue: 0x108)
    public static let signRecover = AttributeType(rawValue: 0x109)
    public static let verify = AttributeType(rawValue: 0x10A)
    public static let verifyRecover = AttributeType(rawValue: 0x10B)
    public static let derive = AttributeType(rawValue: 0x10C)
    public static let startDate = AttributeType(rawValue: 0x110)
    public static let endDate = AttributeType(rawValue: 0x111)
    public static let modulus = AttributeType(rawValue: 0x120)
    public static let modulusBits = AttributeType(rawValue: 0x121)
    public static let publicExponent = AttributeType(rawValue: 0x122)
    public static let privateExponent = AttributeType(rawValue: 0x123)
    public static let prime1 = AttributeType(rawValue: 0x124)
    public static let prime2 = AttributeType(rawValue: 0x125)
    public static let exponent1 = AttributeType(rawValue: 0x126)
    public static let exponent2 = AttributeType(rawValue: 0x127)
    public static let coefficient = AttributeType(rawValue: 0x128)
    public static let publicKeyInfo = AttributeType(rawValue: 0x129)
    public static let valueLength = AttributeType(rawValue: 0x161)
    public static let extractable = AttributeType(rawValue: 0x162)
    public static let local = AttributeType(rawValue: 0x163)
    public static let neverExtractable = AttributeType(rawValue: 0x164)
    public static let alwaysSensitive = AttributeType(rawValue: 0x165)
    public static let keyGenMechanism = AttributeType(rawValue: 0x166)
    public static let modifiable = AttributeType(rawValue: 0x170)
    public static let copyable = AttributeType(rawValue: 0x171)
    public static let destroyable = AttributeType(rawValue: 0x172)
    public static let ecParams = AttributeType(rawValue: 0x180)
    public static let ecPoint = AttributeType(rawValue: 0x181)
    public static let alwaysAuthenticate = AttributeType(rawValue: 0x202)
    public static let wrapWithTrusted = AttributeType(rawValue: 0x210)

    public var description: String {
        Self.names[self] ?? "CKA_0x" + String(rawValue, radix: 16)
    }

    static let names: [AttributeType: String] = [
        .class: "CKA_CLASS", .token: "CKA_TOKEN", .private: "CKA_PRIVATE", .label: "CKA_LABEL",
        .application: "CKA_APPLICATION", .value: "CKA_VALUE", .objectID: "CKA_OBJECT_ID",
        .certificateType: "CKA_CERTIFICATE_TYPE", .issuer: "CKA_ISSUER", .serialNumber: "CKA_SERIAL_NUMBER",
        .trusted: "CKA_TRUSTED", .certificateCategory: "CKA_CERTIFICATE_CATEGORY", .keyType: "CKA_KEY_TYPE",
        .subject: "CKA_SUBJECT", .id: "CKA_ID", .sensitive: "CKA_SENSITIVE", .encrypt: "CKA_ENCRYPT",
        .decrypt: "CKA_DECRYPT", .wrap: "CKA_WRAP", .unwrap: "CKA_UNWRAP", .sign: "CKA_SIGN",
        .signRecover: "CKA_SIGN_RECOVER", .verify: "CKA_VERIFY", .verifyRecover: "CKA_VERIFY_RECOVER",
        .derive: "CKA_DERIVE", .startDate: "CKA_START_DATE", .endDate: "CKA_END_DATE", .modulus: "CKA_MODULUS",
        .modulusBits: "CKA_MODULUS_BITS", .publicExponent: "CKA_PUBLIC_EXPONENT",
        .privateExponent: "CKA_PRIVATE_EXPONENT", .prime1: "CKA_PRIME_1", .prime2: "CKA_PRIME_2",
        .exponent1: "CKA_EXPONENT_1", .exponent2: "CKA_EXPONENT_2", .coefficient: "CKA_COEFFICIENT",
        .publicKeyInfo: "CKA_PUBLIC_KEY_INFO", .valueLength: "CKA_VALUE_LEN", .extractable: "CKA_EXTRACTABLE",
        .local: "CKA_LOCAL", .neverExtractable: "CKA_NEVER_EXTRACTABLE", .alwaysSensitive: "CKA_ALWAYS_SENSITIVE",
        .keyGenMechanism: "CKA_KEY_GEN_MECHANISM", .modifiable: "CKA_MODIFIABLE", .copyable: "CKA_COPYABLE",
        .destroyable: "CKA_DESTROYABLE", .ecParams: "CKA_EC_PARAMS", .ecPoint: "CKA_EC_POINT",
        .alwaysAuthenticate: "CKA_ALWAYS_AUTHENTICATE", .wrapWithTrusted: "CKA_WRAP_WITH_TRUSTED",
    ]
}

/// `CK_MECHANISM_TYPE`.
public struct MechanismType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let rsaPKCSKeyPairGen = MechanismType(rawValue: 0x0)
    public static let rsaPKCS = MechanismType(rawValue: 0x1)
    public static let rsaX509 = MechanismType(rawValue: 0x3)
    public static let sha1RSAPKCS = MechanismType(rawValue: 0x6)
    public static let rsaPKCSOAEP = MechanismType(rawValue: 0x9)
    public static let rsaPKCSPSS = MechanismType(rawValue: 0xD)
    public static let sha1RSAPKCSPSS = MechanismType(rawValue: 0xE)
    public static let sha256RSAPKCS = MechanismType(rawValue: 0x40)
    public static let sha384RSAPKCS = MechanismType(rawValue: 0x41)
    public static let sha512RSAPKCS = MechanismType(rawValue: 0x42)
    public static let sha256RSAPKCSPSS = MechanismType(rawValue: 0x43)
    public static let sha384RSAPKCSPSS = MechanismType(rawValue: 0x44)
    public static let sha512RSAPKCSPSS = MechanismType(rawValue: 0x45)
    public static let sha1 = MechanismType(rawValue: 0x220)
    public static let sha256 = MechanismType(rawValue: 0x250)
    public static let sha384 = MechanismType(rawValue: 0x260)
    public static let sha512 = MechanismType(rawValue: 0x270)
    public static let ecKeyPairGen = MechanismType(rawValue: 0x1040)
    public static let ecdsa = MechanismType(rawValue: 0x1041)
    public static let ecdsaSHA1 = MechanismType(rawValue: 0x1042)
    public static let ecdsaSHA224 = MechanismType(rawValue: 0x1043)
    public static let ecdsaSHA256 = MechanismType(rawValue: 0x1044)
    public static let ecdsaSHA384 = MechanismType(rawValue: 0x1045)
    public static let ecdsaSHA512 = MechanismType(rawValue: 0x1046)
    public static let ecdh1Derive = MechanismType(rawValue: 0x1050)
    public static let aesKeyGen = MechanismType(rawValue: 0x1080)

    public var description: String {
        Self.names[self] ?? "CKM_0x" + String(rawValue, radix: 16)
    }

    static let names: [MechanismType: String] = [
        .rsaPKCSKeyPairGen: "CKM_RSA_PKCS_KEY_PAIR_GEN", .rsaPKCS: "CKM_RSA_PKCS", .rsaX509: "CKM_RSA_X_509",
        .sha1RSAPKCS: "CKM_SHA1_RSA_PKCS", .rsaPKCSOAEP: "CKM_RSA_PKCS_OAEP", .rsaPKCSPSS: "CKM_RSA_PKCS_PSS",
        .sha1RSAPKCSPSS: "CKM_SHA1_RSA_PKCS_PSS", .sha256RSAPKCS: "CKM_SHA256_RSA_PKCS",
        .sha384RSAPKCS: "CKM_SHA384_RSA_PKCS", .sha512RSAPKCS: "CKM_SHA512_RSA_PKCS",
        .sha256RSAPKCSPSS: "CKM_SHA256_RSA_PKCS_PSS", .sha384RSAPKCSPSS: "CKM_SHA384_RSA_PKCS_PSS",
        .sha512RSAPKCSPSS: "CKM_SHA512_RSA_PKCS_PSS", .sha1: "CKM_SHA_1", .sha256: "CKM_SHA256",
        .sha384: "CKM_SHA384", .sha512: "CKM_SHA512", .ecKeyPairGen: "CKM_EC_KEY_PAIR_GEN",
        .ecdsa: "CKM_ECDSA", .ecdsaSHA1: "CKM_ECDSA_SHA1", .ecdsaSHA224: "CKM_ECDSA_SHA224",
        .ecdsaSHA256: "CKM_ECDSA_SHA256", .ecdsaSHA384: "CKM_ECDSA_SHA384", .ecdsaSHA512: "CKM_ECDSA_SHA512",
        .ecdh1Derive: "CKM_ECDH1_DERIVE", .aesKeyGen: "CKM_AES_KEY_GEN",
    ]
}
