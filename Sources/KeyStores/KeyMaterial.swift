import CertificateKit
import Foundation
import X509
import Localization

/// Helpers shared by the stores: comparing public keys, reading a certificate's public key.
enum KeyMaterial {
    /// The SubjectPublicKeyInfo in canonical DER (parsed and re-encoded by swift-certificates), so two
    /// encoders' outputs compare equal; the input unchanged when it does not parse.
    static func canonicalSPKI(_ spki: [UInt8]) -> [UInt8] {
        (try? Certificate.PublicKey(derEncoded: spki).derSubjectPublicKeyInfo) ?? spki
    }

    static func sameKey(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a == b || canonicalSPKI(a) == canonicalSPKI(b)
    }

    /// The certificate's SubjectPublicKeyInfo; nil for bytes that are not a certificate.
    static func certificateSPKI(_ der: [UInt8]) -> [UInt8]? {
        (try? Certificate(derEncoded: der))?.publicKey.derSubjectPublicKeyInfo
    }

    /// Whether `certificateDER` is a certificate for the key `spki`.
    static func certificate(_ certificateDER: [UInt8], belongsTo spki: [UInt8]) -> Bool {
        guard let certKey = certificateSPKI(certificateDER) else { return false }
        return sameKey(certKey, spki)
    }
}

extension Array where Element == UInt8 {
    var hexString: String { Localization.hexString(self) }

    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let b = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(b)
            index = next
        }
        self = bytes
    }
}
