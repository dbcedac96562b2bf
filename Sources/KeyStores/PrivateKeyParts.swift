import CertificateKit
import PIV
import SwiftASN1

/// Reads the parts of an unencrypted PKCS#8 `PrivateKeyInfo` that a PIV IMPORT needs: the RSA CRT
/// components, or the EC private scalar and curve.
///
/// ```
/// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, [0] attributes OPTIONAL }
/// RSAPrivateKey  ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }
/// ECPrivateKey   ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }
/// ```
enum PrivateKeyParts {
    struct Unreadable: Error {}

    static let rsaOID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let ecOID: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let p256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    static let p384: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]

    static func piv(_ key: PrivateKeyDER) throws -> PIVPrivateKey {
        let root = try DER.parse(key.bytes)
        guard case .constructed(let top) = root.content else { throw Unreadable() }
        let items = Array(top)
        guard items.count >= 3, case .constructed(let algorithm) = items[1].content else { throw Unreadable() }
        let algorithmItems = Array(algorithm)
        guard let first = algorithmItems.first else { throw Unreadable() }
        let oid = try ASN1ObjectIdentifier(derEncoded: first)
        let inner = try ASN1OctetString(derEncoded: items[2])
        let innerNode = try DER.parse(inner.bytes)
        guard case .constructed(let fields) = innerNode.content else { throw Unreadable() }
        let parts = Array(fields)
        if oid == rsaOID {
            guard parts.count >= 9 else { throw Unreadable() }
            func int(_ i: Int) throws -> [UInt8] {
                guard case .primitive(let bytes) = parts[i].content else { throw Unreadable() }
                return Array(bytes.drop { $0 == 0 })
            }
            let modulusBits = try int(1).count * 8
            guard modulusBits > 2040 && modulusBits <= 2048 else { throw Unreadable() }  // PIV: RSA-2048 only
            return .rsa(p: try int(4), q: try int(5), dp: try int(6), dq: try int(7), qinv: try int(8))
        }
        if oid == ecOID {
            guard algorithmItems.count >= 2, parts.count >= 2 else { throw Unreadable() }
            let curve = try ASN1ObjectIdentifier(derEncoded: algorithmItems[1])
            let scalar = Array(try ASN1OctetString(derEncoded: parts[1]).bytes)
            if curve == p256 { return .ec(.eccP256, scalar: scalar) }
            if curve == p384 { return .ec(.eccP384, scalar: scalar) }
        }
        throw Unreadable()
    }
}
