import Foundation
import SwiftASN1

/// Reads the RSA key out of a CSR or a SubjectPublicKeyInfo with swift-asn1 alone: for the key size
/// of a CSR that swift-certificates refuses to parse (it rejects some RSA sizes outright), so the
/// customer hears "RSA 1024 is not allowed" instead of "cannot read the request", and for the checks
/// of the modulus and exponent that no parser makes.
///
///     CertificationRequest ::= SEQUENCE { certificationRequestInfo SEQUENCE {
///         version INTEGER, subject Name, subjectPKInfo SEQUENCE { algorithm, subjectPublicKey BIT STRING }, … }, … }
///     RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
enum CSRKeyProbe {
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]

    struct RSAKey {
        /// Big-endian magnitude, no leading zeros.
        var modulus: ArraySlice<UInt8>
        var exponent: ArraySlice<UInt8>

        var bits: Int {
            guard let first = modulus.first else { return 0 }
            return (modulus.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
        var description: String { "RSA \(bits)" }
    }

    /// The RSA key of a CSR's DER, nil for anything unreadable or not RSA.
    static func rsaKey(csr der: [UInt8]) -> RSAKey? {
        guard let root = try? DER.parse(der), let info = children(root)?.first, let infoParts = children(info), infoParts.count >= 3
        else { return nil }
        return rsaKey(infoParts[2])
    }

    /// The RSA key of a DER SubjectPublicKeyInfo; nil for anything unreadable or not RSA.
    static func rsaKey(subjectPublicKeyInfo der: [UInt8]) -> RSAKey? {
        guard let node = try? DER.parse(der) else { return nil }
        return rsaKey(node)
    }

    private static func rsaKey(_ spkiNode: ASN1Node) -> RSAKey? {
        guard let spki = children(spkiNode), spki.count == 2,
              let algorithm = children(spki[0])?.first, let oid = try? ASN1ObjectIdentifier(derEncoded: algorithm), oid == rsaEncryption,
              case .primitive(let bitString) = spki[1].content, bitString.count > 1,
              let key = try? DER.parse(Array(bitString.dropFirst())), let keyParts = children(key), keyParts.count == 2,
              case .primitive(let modulus) = keyParts[0].content, case .primitive(let exponent) = keyParts[1].content
        else { return nil }
        return RSAKey(modulus: modulus.drop { $0 == 0 }, exponent: exponent.drop { $0 == 0 })
    }

    /// The primes below 2,000 (303 of them).
    static let smallPrimes: [Int] = {
        var sieve = [Bool](repeating: true, count: 2000)
        sieve[0] = false; sieve[1] = false
        for n in 2..<45 where sieve[n] { for m in stride(from: n * n, to: 2000, by: n) { sieve[m] = false } }
        return sieve.indices.filter { sieve[$0] }
    }()

    /// Why this RSA key is unsound, or nil: a modulus with a prime factor below 2,000 (a modulus
    /// 3·q passed every parser), an even one, or a public exponent that is even or below 3.
    static func weakness(_ key: RSAKey) -> String? {
        if let factor = smallPrimes.first(where: { p in key.modulus.reduce(0) { ($0 * 256 + Int($1)) % p } == 0 }) {
            return "modulus divisible by \(factor)"
        }
        let exponentIsOdd = (key.exponent.last ?? 0) & 1 == 1
        let exponentAtLeast3 = key.exponent.count > 1 || (key.exponent.first ?? 0) >= 3
        guard exponentIsOdd, exponentAtLeast3 else { return "public exponent \(key.exponent.reduce(0) { $0 << 8 | Int($1) })" }
        return nil
    }

    static func children(_ node: ASN1Node) -> [ASN1Node]? {
        guard case .constructed(let nodes) = node.content else { return nil }
        return Array(nodes)
    }
}
