import Foundation
import SwiftASN1

/// Reads the key size out of a CSR that swift-certificates refuses to parse (it rejects RSA keys
/// under 2048 bits outright), so the customer hears "RSA 1024 is not allowed" instead of "cannot
/// read the request".
///
///     CertificationRequest ::= SEQUENCE { certificationRequestInfo SEQUENCE {
///         version INTEGER, subject Name, subjectPKInfo SEQUENCE { algorithm, subjectPublicKey BIT STRING }, … }, … }
///     RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
enum CSRKeyProbe {
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]

    /// "RSA <bits>" for the RSA key of a CSR's DER, nil for anything unreadable or not RSA.
    static func rsaDescription(_ der: [UInt8]) -> (description: String, bits: Int)? {
        guard let root = try? DER.parse(der),
              let info = children(root)?.first, let infoParts = children(info), infoParts.count >= 3,
              let spki = children(infoParts[2]), spki.count == 2,
              let algorithm = children(spki[0])?.first, let oid = try? ASN1ObjectIdentifier(derEncoded: algorithm), oid == rsaEncryption,
              case .primitive(let bitString) = spki[1].content, bitString.count > 1,
              let key = try? DER.parse(Array(bitString.dropFirst())), let keyParts = children(key), let modulusNode = keyParts.first,
              case .primitive(let modulus) = modulusNode.content
        else { return nil }
        let significant = modulus.drop { $0 == 0 }
        guard let first = significant.first else { return nil }
        let bits = (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        return ("RSA \(bits)", bits)
    }

    static func children(_ node: ASN1Node) -> [ASN1Node]? {
        guard case .constructed(let nodes) = node.content else { return nil }
        return Array(nodes)
    }
}
