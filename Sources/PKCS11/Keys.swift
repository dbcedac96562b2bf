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

    public init?(ecParameters: some Collection<UInt8>) {
        let bytes = Array(ecParameters)
        guard let curve = Self.allCases.first(where: { $0.ecParameters == bytes }) else { return nil }
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
    /// (`CKM_EC_KEY_PAIR_GEN`). The private key is a token object, private, sensitive, non-extractable and
    /// can only sign; the public key is a public token object that can verify. Both carry `label` and `id`
    /// (20 random bytes from the token when nil). Requires a logged-in R/W session.
    /// - Throws: `PKCS11Error` from `C_GenerateKeyPair` (e.g. `CKR_MECHANISM_INVALID`, `CKR_KEY_SIZE_RANGE`,
    ///   `CKR_USER_NOT_LOGGED_IN`) or from reading the public key back.
    public func generateKeyPair(_ spec: KeySpec, label: String, id requestedID: [UInt8]? = nil) throws(PKCS11Error) -> KeyPair {
        let id: [UInt8]
        if let requestedID { id = requestedID } else { id = try random(count: 20) }
        var pub: [Attribute] = [
            .objectClass(.publicKey), .keyType(spec.keyType), .bool(.token, true), .bool(.private, false),
            .bool(.verify, true), .bool(.encrypt, false), .bool(.wrap, false), .label(label), .id(id),
        ]
        let priv: [Attribute] = [
            .objectClass(.privateKey), .keyType(spec.keyType), .bool(.token, true), .bool(.private, true),
            .bool(.sensitive, true), .bool(.extractable, false), .bool(.sign, true), .bool(.decrypt, false),
            .bool(.unwrap, false), .bool(.derive, false), .label(label), .id(id),
        ]
        let mechanism: MechanismType
        switch spec {
        case .rsa(let bits):
            mechanism = .rsaPKCSKeyPairGen
            pub += [.ulong(.modulusBits, UInt(bits)), Attribute(.publicExponent, bytes: [0x01, 0x00, 0x01])]
        case .ec(let curve):
            mechanism = .ecKeyPairGen
            pub.append(Attribute(.ecParams, bytes: curve.ecParameters))
        }
        let (publicHandle, privateHandle) = try rawGenerateKeyPair(mechanism, publicTemplate: pub, privateTemplate: priv)
        let spki = try subjectPublicKeyInfo(of: publicHandle)
        var curve: EllipticCurve?
        if case .ec(let c) = spec { curve = c }
        let key = PrivateKey(handle: privateHandle, keyType: spec.keyType, sizeInBits: spec.sizeInBits,
                             curve: curve, id: id, label: label)
        return KeyPair(publicKey: publicHandle, privateKey: key, subjectPublicKeyInfo: spki)
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
            return SPKI.ec(parameters: params, point: SPKI.unwrapECPoint(point))
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

    /// Describes the private key at `handle` (type, size, curve, id, label).
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
                          curve: curve, id: info.id ?? [], label: info.label)
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

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
