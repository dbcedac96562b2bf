import Crypto

/// Private key material to import onto a token (restoring a software backup onto a token).
/// Does not print its contents.
public struct PrivateKeyComponents: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case rsa(n: [UInt8], e: [UInt8], d: [UInt8], p: [UInt8], q: [UInt8], dp: [UInt8], dq: [UInt8], qinv: [UInt8])
        case ec(curve: EllipticCurve, privateValue: [UInt8], publicPoint: [UInt8])
    }
    let kind: Kind

    public var keyType: KeyType { if case .rsa = kind { .rsa } else { .ec } }
    public var description: String { "PrivateKeyComponents(\(keyType), ***)" }

    /// The public half as DER SubjectPublicKeyInfo.
    public var subjectPublicKeyInfo: [UInt8] {
        switch kind {
        case let .rsa(n, e, _, _, _, _, _, _): SPKI.rsa(modulus: n, exponent: e)
        case let .ec(curve, _, point): SPKI.ec(parameters: curve.ecParameters, point: point)
        }
    }

    /// Parses an unencrypted private key in DER: PKCS#8 `PrivateKeyInfo` (RSA or EC), or the
    /// traditional forms OpenSSL also writes — PKCS#1 `RSAPrivateKey` and SEC1 `ECPrivateKey`
    /// (P-256/P-384; the curve must be in its parameters). The EC public point is recomputed when absent.
    /// - Throws: `PKCS11Error(.argumentsBad, function: "parse private key")` for anything else.
    public init(der: [UInt8]) throws(PKCS11Error) {
        do {
            var outer = DER.Reader(der)
            var body = DER.Reader(try outer.read(expecting: DER.sequence))
            let version = try body.readUnsignedInteger()
            var peek = body
            let next = try peek.read()
            if next.tag == DER.sequence {
                // PKCS#8: AlgorithmIdentifier, then the key in an OCTET STRING.
                var algorithm = DER.Reader(try body.read(expecting: DER.sequence))
                let oid = Array(try algorithm.read(expecting: DER.oid))
                let keyBytes = try body.read(expecting: DER.octetString)
                var key = DER.Reader(try DER.Reader(keyBytes).readSequence())
                if oid == Self.rsaOID {
                    _ = try key.read(expecting: DER.integer)
                    kind = try Self.rsa(&key)
                } else if oid == Self.ecOID {
                    let params = Array(try algorithm.read().encoded)
                    _ = try key.read(expecting: DER.integer)
                    kind = try Self.ec(&key, curveParameters: params)
                } else {
                    throw DER.DecodeError(description: "not an RSA or EC key")
                }
            } else if next.tag == DER.integer && version.isEmpty {
                kind = try Self.rsa(&body)  // PKCS#1 RSAPrivateKey, version 0
            } else if next.tag == DER.octetString && version == [1] {
                kind = try Self.ec(&body, curveParameters: nil)  // SEC1 ECPrivateKey
            } else {
                throw DER.DecodeError(description: "not a PKCS#8, PKCS#1 or SEC1 private key")
            }
        } catch let error as PKCS11Error {
            throw error
        } catch {
            throw PKCS11Error(.argumentsBad, function: "parse private key", detail: "\(error)")
        }
    }

    static let rsaOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let ecOID: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]

    /// The eight INTEGERs of `RSAPrivateKey` after its version.
    private static func rsa(_ key: inout DER.Reader) throws -> Kind {
        var parts: [[UInt8]] = []
        for _ in 0..<8 { parts.append(try key.readUnsignedInteger()) }
        return .rsa(n: parts[0], e: parts[1], d: parts[2], p: parts[3], q: parts[4], dp: parts[5], dq: parts[6], qinv: parts[7])
    }

    /// `ECPrivateKey` after its version: privateKey, [0] parameters, [1] publicKey.
    private static func ec(_ key: inout DER.Reader, curveParameters: [UInt8]?) throws -> Kind {
        let d = Array(try key.read(expecting: DER.octetString))
        var params = curveParameters
        var point: [UInt8]?
        while !key.isAtEnd {
            let field = try key.read()
            var inner = DER.Reader(field.content)
            if field.tag == 0xA0 { params = Array(try inner.read().encoded) }
            if field.tag == 0xA1 { point = Array(try inner.read(expecting: DER.bitString).dropFirst()) }
        }
        guard let params, let curve = EllipticCurve(ecParameters: params) else {
            throw DER.DecodeError(description: "unsupported or missing curve")
        }
        return .ec(curve: curve, privateValue: d, publicPoint: try point ?? publicPoint(curve: curve, privateValue: d))
    }

    private static func publicPoint(curve: EllipticCurve, privateValue d: [UInt8]) throws -> [UInt8] {
        let padded = [UInt8](repeating: 0, count: max(0, curve.coordinateSize - d.count)) + d
        switch curve {
        case .p256: return Array(try P256.Signing.PrivateKey(rawRepresentation: padded).publicKey.x963Representation)
        case .p384: return Array(try P384.Signing.PrivateKey(rawRepresentation: padded).publicKey.x963Representation)
        }
    }
}

extension DER.Reader {
    func readSequence() throws -> ArraySlice<UInt8> {
        var copy = self
        return try copy.read(expecting: DER.sequence)
    }
}

extension PKCS11Session {
    /// Imports a private key (`C_CreateObject`, `CKO_PRIVATE_KEY`) marked token, private, sensitive and
    /// non-extractable — from then on it can sign but never leave the token — and its public key
    /// (`CKO_PUBLIC_KEY`), both with `label` and `id`. Requires a logged-in R/W session.
    /// - Throws: `PKCS11Error` from `C_CreateObject` (e.g. `CKR_TEMPLATE_INCONSISTENT` on tokens that
    ///   refuse imported keys, `CKR_USER_NOT_LOGGED_IN`).
    public func importKeyPair(_ key: PrivateKeyComponents, label: String, id: [UInt8]) throws(PKCS11Error) -> KeyPair {
        let common: [Attribute] = [.bool(.token, true), .label(label), .id(id), .keyType(key.keyType)]
        var priv: [Attribute] = common + [
            .objectClass(.privateKey), .bool(.private, true), .bool(.sensitive, true), .bool(.extractable, false),
            .bool(.sign, true), .bool(.decrypt, false), .bool(.unwrap, false), .bool(.derive, false),
        ]
        var pub: [Attribute] = common + [.objectClass(.publicKey), .bool(.private, false), .bool(.verify, true),
                                         .bool(.encrypt, false), .bool(.wrap, false)]
        let spec: KeySpec
        switch key.kind {
        case let .rsa(n, e, d, p, q, dp, dq, qinv):
            priv += [Attribute(.modulus, bytes: n), Attribute(.publicExponent, bytes: e),
                     Attribute(.privateExponent, bytes: d), Attribute(.prime1, bytes: p), Attribute(.prime2, bytes: q),
                     Attribute(.exponent1, bytes: dp), Attribute(.exponent2, bytes: dq), Attribute(.coefficient, bytes: qinv)]
            pub += [Attribute(.modulus, bytes: n), Attribute(.publicExponent, bytes: e)]
            spec = .rsa(bits: DER.bitLength(ofUnsigned: n))
        case let .ec(curve, d, point):
            priv += [Attribute(.ecParams, bytes: curve.ecParameters), Attribute(.value, bytes: d)]
            pub += [Attribute(.ecParams, bytes: curve.ecParameters),
                    Attribute(.ecPoint, bytes: DER.tlv(DER.octetString, point))]
            spec = .ec(curve)
        }
        let privateHandle = try createObject(priv)
        let publicHandle: ObjectHandle
        do {
            publicHandle = try createObject(pub)
        } catch {
            try? destroyObject(privateHandle)  // leave nothing half-imported
            throw error
        }
        var curve: EllipticCurve?
        if case .ec(let c) = spec { curve = c }
        let privateKey = PrivateKey(handle: privateHandle, keyType: spec.keyType, sizeInBits: spec.sizeInBits,
                                    curve: curve, id: id, label: label)
        return KeyPair(publicKey: publicHandle, privateKey: privateKey, subjectPublicKeyInfo: key.subjectPublicKeyInfo)
    }
}
