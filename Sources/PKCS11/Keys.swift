import Foundation
import Crypto

/// The named curves TokenCert generates keys on.
public enum EllipticCurve: String, Sendable, Hashable, CaseIterable, Codable {
    case p256 = "P-256"
    case p384 = "P-384"

    /// DER of the curve's OID, as `CKA_EC_PARAMS` holds it (namedCurve).
    public var ecParameters: [UInt8] {
        switch self {
        case .p256: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]  // 1.2.840.10045.3.1.7
        case .p384: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]  // 1.3.132.0.34
        }
    }
    public var bits: Int { self == .p256 ? 256 : 384 }
    /// Bytes of one coordinate (and of r and s in an ECDSA signature).
    public var coordinateSize: Int { self == .p256 ? 32 : 48 }

    /// The field prime p of the curve (big-endian), as explicit parameters carry it.
    var fieldPrime: [UInt8] {
        switch self {
        case .p256: hexBytes("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
        case .p384: hexBytes("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff")
        }
    }

    /// The curve of a `CKA_EC_PARAMS` value: the namedCurve OID, or explicit `ECParameters` (RFC 3279
    /// `SEQUENCE { version, fieldID SEQUENCE { prime-field, p }, … }`) whose field prime is the
    /// curve's — ykcs11 reports keys it did not make in this process that way.
    public init?(ecParameters: some Collection<UInt8>) {
        let bytes = Array(ecParameters)
        if let curve = Self.allCases.first(where: { $0.ecParameters == bytes }) {
            self = curve
            return
        }
        var outer = DER.Reader(bytes)
        guard let parameters = try? outer.read(expecting: DER.sequence) else { return nil }
        var fields = DER.Reader(parameters)
        guard (try? fields.read(expecting: DER.integer)) != nil,
              let fieldID = try? fields.read(expecting: DER.sequence) else { return nil }
        var field = DER.Reader(fieldID)
        guard (try? field.read()) != nil, let prime = try? field.read(expecting: DER.integer) else { return nil }
        let p = Array(prime.drop(while: { $0 == 0 }))
        guard let curve = Self.allCases.first(where: { $0.fieldPrime == p }) else { return nil }
        self = curve
    }
}

/// What key pair to generate on a token.
public enum KeySpec: Sendable, Hashable, CustomStringConvertible {
    case rsa(bits: Int)
    case ec(EllipticCurve)

    public static let rsa2048 = KeySpec.rsa(bits: 2048)
    public static let rsa3072 = KeySpec.rsa(bits: 3072)
    public static let rsa4096 = KeySpec.rsa(bits: 4096)
    public static let p256 = KeySpec.ec(.p256)
    public static let p384 = KeySpec.ec(.p384)

    /// Parses `rsa2048`, `rsa:3072`, `p256`, `ec:P-384`, `secp384r1`…
    public init?(_ text: String) {
        let t = text.lowercased().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        switch t {
        case "rsa", "rsa2048": self = .rsa2048
        case "rsa3072": self = .rsa3072
        case "rsa4096": self = .rsa4096
        case "p256", "ecp256", "secp256r1", "prime256v1", "ec", "ecdsa": self = .p256
        case "p384", "ecp384", "secp384r1": self = .p384
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits): "RSA-\(bits)"
        case .ec(let curve): "EC \(curve.rawValue)"
        }
    }

    public var keyType: KeyType { if case .rsa = self { .rsa } else { .ec } }
    public var sizeInBits: Int {
        switch self {
        case .rsa(let bits): bits
        case .ec(let curve): curve.bits
        }
    }
}

/// A private key on a token, with what signing needs to know about it.
public struct PrivateKey: Sendable, Hashable {
    public var handle: ObjectHandle
    public var keyType: KeyType
    /// RSA modulus bits or the EC curve's size.
    public var sizeInBits: Int
    public var curve: EllipticCurve?
    public var id: [UInt8]
    public var label: String?
    /// `CKA_ALWAYS_AUTHENTICATE`: every signature needs a `C_Login(CKU_CONTEXT_SPECIFIC)` with the PIN
    /// right after `C_SignInit` (a PIV 9C "digital signature" key, some qualified-signature keys).
    public var alwaysAuthenticate: Bool = false

    /// Bytes of a raw signature by this key: the modulus size for RSA, r‖s for ECDSA.
    public var signatureLength: Int {
        keyType == .ec ? 2 * ((sizeInBits + 7) / 8) : (sizeInBits + 7) / 8
    }
}

/// A key pair generated on (or imported onto) a token, linked by `CKA_ID`.
public struct KeyPair: Sendable, Hashable {
    public var publicKey: ObjectHandle?
    public var privateKey: PrivateKey
    /// DER SubjectPublicKeyInfo of the public key.
    public var subjectPublicKeyInfo: [UInt8]
}

extension PKCS11Session {
    /// `C_GenerateKeyPair` on the token: RSA (`CKM_RSA_PKCS_KEY_PAIR_GEN`, exponent 65537) or EC
    /// (`CKM_EC_KEY_PAIR_GEN`), with the templates of `templates` tried in order (see `KeyTemplate`):
    /// when the module refuses one as a template problem (`CKR_ATTRIBUTE_TYPE_INVALID`,
    /// `CKR_ATTRIBUTE_VALUE_INVALID`, `CKR_TEMPLATE_INCONSISTENT`, `CKR_TEMPLATE_INCOMPLETE`, or
    /// `CKR_GENERAL_ERROR`, which tpm2-pkcs11 answers for a usage it derives differently), whatever it
    /// may have left with this `CKA_ID` is destroyed and the next template is tried. The private key
    /// is a private token object that can sign; the public key a public token object that can verify;
    /// both carry `label` and `id` (20 random bytes from the token when nil).
    ///
    /// The new private key's protection is then read back (`C_GetAttributeValue` of `CKA_SENSITIVE`,
    /// `CKA_EXTRACTABLE`, `CKA_NEVER_EXTRACTABLE`, `CKA_LOCAL`, `CKA_TOKEN`); a key that is not
    /// sensitive, non-extractable and on the token is destroyed (`C_DestroyObject`, both halves) and
    /// refused. Requires a logged-in R/W session (as the profile's writer).
    /// - Throws: `PKCS11Error` from `C_GenerateKeyPair` (e.g. `CKR_MECHANISM_INVALID`,
    ///   `CKR_KEY_SIZE_RANGE`, `CKR_USER_NOT_LOGGED_IN`, the last template error), from reading the
    ///   public key back, or `PKCS11Error.unprotectedKey(_:)` (function `check generated key`).
    public func generateKeyPair(_ spec: KeySpec, label: String, id requestedID: [UInt8]? = nil,
                                templates: [KeyTemplate] = [.strict]) throws(PKCS11Error) -> KeyPair {
        let id: [UInt8]
        if let requestedID { id = requestedID } else { id = try random(count: 20) }
        let mechanism: MechanismType = spec.keyType == .rsa ? .rsaPKCSKeyPairGen : .ecKeyPairGen
        var lastError = PKCS11Error(.templateInconsistent, function: "C_GenerateKeyPair", detail: "no template to try")
        var handles: (ObjectHandle, ObjectHandle)?
        for template in templates.isEmpty ? [.strict] : templates {
            let (pub, priv) = Self.keyTemplates(spec, template, label: label, id: id)
            do {
                handles = try rawGenerateKeyPair(mechanism, publicTemplate: pub, privateTemplate: priv)
                break
            } catch {
                lastError = error
                lastError.detail = "template \(template.rawValue)" + (error.detail.map { ": " + $0 } ?? "")
                guard Self.templateRefusals.contains(error.returnValue) else { throw lastError }
                _ = try? destroyObjects(id: id)  // a module that failed half-way may have left a half
            }
        }
        guard let (publicHandle, privateHandle) = handles else { throw lastError }
        let protection = try keyProtection(of: privateHandle)
        guard protection.isAcceptable else {
            _ = try? destroyObject(privateHandle)
            _ = try? destroyObject(publicHandle)
            throw .unprotectedKey(protection)
        }
        let spki = try subjectPublicKeyInfo(of: publicHandle)
        var curve: EllipticCurve?
        if case .ec(let c) = spec { curve = c }
        let key = PrivateKey(handle: privateHandle, keyType: spec.keyType, sizeInBits: spec.sizeInBits,
                             curve: curve, id: id, label: label)
        return KeyPair(publicKey: publicHandle, privateKey: key, subjectPublicKeyInfo: spki)
    }

    /// Return values by which a module refuses a template rather than the request itself.
    static let templateRefusals: Set<ReturnValue> = [
        .attributeTypeInvalid, .attributeValueInvalid, .templateInconsistent, .templateIncomplete, .generalError,
    ]

    /// The public and private templates of one `KeyTemplate` shape.
    static func keyTemplates(_ spec: KeySpec, _ shape: KeyTemplate, label: String, id: [UInt8]) -> ([Attribute], [Attribute]) {
        var pub: [Attribute] = [
            .objectClass(.publicKey), .keyType(spec.keyType), .bool(.token, true), .bool(.verify, true), .label(label), .id(id),
        ]
        var priv: [Attribute] = [
            .objectClass(.privateKey), .keyType(spec.keyType), .bool(.token, true), .bool(.private, true),
            .bool(.sign, true), .label(label), .id(id),
        ]
        switch shape {
        case .strict:
            pub += [.bool(.private, false), .bool(.encrypt, false), .bool(.wrap, false)]
            priv += [.bool(.sensitive, true), .bool(.extractable, false), .bool(.decrypt, false), .bool(.unwrap, false),
                     .bool(.derive, false)]
        case .tokenDerivedUsage:
            pub.append(.bool(.private, false))
            priv += [.bool(.sensitive, true), .bool(.extractable, false)]
        case .minimal:
            break
        }
        switch spec {
        case .rsa(let bits):
            pub += [.ulong(.modulusBits, UInt(bits)), Attribute(.publicExponent, bytes: [0x01, 0x00, 0x01])]
        case .ec(let curve):
            pub.append(Attribute(.ecParams, bytes: curve.ecParameters))
        }
        return (pub, priv)
    }

    /// Reads `CKA_SENSITIVE`, `CKA_EXTRACTABLE`, `CKA_NEVER_EXTRACTABLE`, `CKA_LOCAL` and `CKA_TOKEN` of a
    /// private key (`C_GetAttributeValue`); attributes the module does not report stay nil.
    public func keyProtection(of key: ObjectHandle) throws(PKCS11Error) -> KeyProtection {
        let a = try attributes([.sensitive, .extractable, .neverExtractable, .local, .token], of: key)
        return KeyProtection(sensitive: a.bool(.sensitive), extractable: a.bool(.extractable),
                             neverExtractable: a.bool(.neverExtractable), local: a.bool(.local), token: a.bool(.token))
    }

    /// The DER SubjectPublicKeyInfo of a public key object (or of an RSA private key object, whose
    /// modulus and public exponent are public): from `CKA_MODULUS`/`CKA_PUBLIC_EXPONENT` or
    /// `CKA_EC_PARAMS`/`CKA_EC_POINT` (the point taken inside its DER OCTET STRING, or raw where a module
    /// stores it so).
    public func subjectPublicKeyInfo(of object: ObjectHandle) throws(PKCS11Error) -> [UInt8] {
        let a = try attributes([.keyType, .modulus, .publicExponent, .ecParams, .ecPoint], of: object)
        switch a.ulong(.keyType).map(KeyType.init(rawValue:)) {
        case .rsa?:
            guard let n = a.bytes(.modulus), let e = a.bytes(.publicExponent) else {
                throw PKCS11Error(.attributeTypeInvalid, function: "C_GetAttributeValue", detail: "RSA key without modulus")
            }
            return SPKI.rsa(modulus: n, exponent: e)
        case .ec?:
            guard let params = a.bytes(.ecParams), let point = a.bytes(.ecPoint) else {
                throw PKCS11Error(.attributeTypeInvalid, function: "C_GetAttributeValue", detail: "EC key without point")
            }
            // Named-curve form even where the module reports explicit parameters (ykcs11).
            let named = EllipticCurve(ecParameters: params)?.ecParameters ?? params
            return SPKI.ec(parameters: named, point: SPKI.unwrapECPoint(point))
        default:
            throw PKCS11Error(.keyTypeInconsistent, function: "C_GetAttributeValue", detail: "not an RSA or EC key")
        }
    }

    /// The private key with this `CKA_ID` (and label, when given), with its type and size.
    /// - Throws: `CKR_KEY_HANDLE_INVALID` (function `find key`) when no such key is visible
    ///   (log in first: private keys are private objects).
    public func privateKey(id: [UInt8]? = nil, label: String? = nil) throws(PKCS11Error) -> PrivateKey {
        var template: [Attribute] = [.objectClass(.privateKey)]
        if let id { template.append(.id(id)) }
        if let label { template.append(.label(label)) }
        guard let handle = try findObjects(template).first else {
            throw PKCS11Error(.keyHandleInvalid, function: "find key",
                              detail: "no private key with \(id.map { "id " + hex($0) } ?? "") \(label.map { "label " + $0 } ?? "")")
        }
        return try privateKey(handle: handle)
    }

    /// Describes the private key at `handle` (type, size, curve, id, label, `CKA_ALWAYS_AUTHENTICATE`).
    public func privateKey(handle: ObjectHandle) throws(PKCS11Error) -> PrivateKey {
        let info = try objectInfo(handle)
        guard let keyType = info.keyType, info.objectClass == .privateKey else {
            throw PKCS11Error(.keyHandleInvalid, function: "find key", detail: "object \(handle) is not a private key")
        }
        var curve: EllipticCurve?
        if keyType == .ec {
            let params = try attributes([.ecParams], of: handle).bytes(.ecParams)
            curve = params.flatMap { EllipticCurve(ecParameters: $0) }
            if curve == nil, let bits = info.keySizeInBits { curve = bits == 384 ? .p384 : .p256 }
        }
        return PrivateKey(handle: handle, keyType: keyType, sizeInBits: info.keySizeInBits ?? curve?.bits ?? 0,
                          curve: curve, id: info.id ?? [], label: info.label, alwaysAuthenticate: info.alwaysAuthenticate ?? false)
    }

    /// The public key object paired with `key` by `CKA_ID`, if the token has one.
    public func publicKey(for key: PrivateKey) throws(PKCS11Error) -> ObjectHandle? {
        try findObjects([.objectClass(.publicKey), .id(key.id)]).first
    }
}

/// SubjectPublicKeyInfo encoding.
enum SPKI {
    static let rsaAlgorithm: [UInt8] = DER.sequence(
        [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01], [0x05, 0x00])
    static let ecPublicKeyOID: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]

    static func rsa(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
        let key = DER.sequence(DER.unsignedInteger(modulus), DER.unsignedInteger(exponent))
        return DER.sequence(rsaAlgorithm, DER.bitString(key))
    }

    static func ec(parameters: [UInt8], point: [UInt8]) -> [UInt8] {
        DER.sequence(DER.sequence(ecPublicKeyOID, parameters), DER.bitString(point))
    }

    /// `CKA_EC_POINT` is a DER OCTET STRING holding the uncompressed point; some modules store the raw point.
    static func unwrapECPoint(_ value: [UInt8]) -> [UInt8] {
        var reader = DER.Reader(value)
        if let inner = try? reader.read(expecting: DER.octetString), reader.isAtEnd,
           inner.first == 0x04, inner.count % 2 == 1 {
            return Array(inner)
        }
        return value  // a raw uncompressed point
    }
}

func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = text.startIndex
    while i < text.endIndex {
        let j = text.index(i, offsetBy: 2)
        out.append(UInt8(text[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
