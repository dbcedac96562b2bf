import Crypto
import Domain
public import Foundation
public import Localization
import SwiftASN1
public import X509

/// What a person needs to see of a certificate: serial, subject, issuer, validity in Asia/Taipei,
/// key type and size, fingerprint, and where its key lives.
public struct CertificateSummary: Sendable, Hashable, Codable {
    /// Serial number in upper-case hex without separators (as the broker's screens show it).
    public var serialNumber: String
    public var subject: String
    public var subscriber: SubscriberSubject?
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    /// "RSA 2048", "ECDSA P-256", …
    public var key: String
    public var sha256Fingerprint: String
    public var keyLocation: KeyLocation?

    /// Parses PEM or DER.
    /// - Throws: `CertificateKitError(.malformed)` when it is not a certificate.
    public init(_ bytes: [UInt8], keyLocation: KeyLocation? = nil) throws {
        try self.init(try Self.parse(bytes), keyLocation: keyLocation)
    }

    public init(_ certificate: Certificate, keyLocation: KeyLocation? = nil) throws {
        serialNumber = hexString(certificate.serialNumber.bytes, uppercase: true)
        subject = certificate.subject.description
        subscriber = SubscriberSubject(certificate.subject)
        issuer = certificate.issuer.description
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        key = (try? KeyDescription(subjectPublicKeyInfo: certificate.publicKey.derSubjectPublicKeyInfo).description) ?? "unknown"
        sha256Fingerprint = hexString(SHA256.hash(data: certificate.derBytes), uppercase: true, separator: ":")
        self.keyLocation = keyLocation
    }

    /// A certificate from PEM ("CERTIFICATE") or DER.
    public static func parse(_ bytes: [UInt8]) throws -> Certificate {
        do {
            if let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN") {
                return try Certificate(pemEncoded: text)
            }
            return try Certificate(derEncoded: bytes)
        } catch {
            throw CertificateKitError(.malformed("certificate: \(CertificateKitError.plainDescription(error))"))
        }
    }

    /// "2027-03-09 23:59:59" in Asia/Taipei.
    public static func taipeiString(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Domain.taipei
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Whether `date` lies inside the validity period.
    public func isValid(at date: Date) -> Bool { notBefore <= date && date <= notAfter }

    /// Lines for a text screen, in the chosen language.
    public func lines(_ language: Language) -> [(label: String, value: String)] {
        let en = language == .english
        var out: [(String, String)] = [
            (en ? "Serial number" : "憑證序號", serialNumber),
            (en ? "Subject" : "主體", subject),
            (en ? "Issuer" : "簽發者", issuer),
            (en ? "Valid from" : "有效期間起", Self.taipeiString(notBefore) + (en ? " (Taipei)" : "（台北時間）")),
            (en ? "Valid until" : "有效期間迄", Self.taipeiString(notAfter) + (en ? " (Taipei)" : "（台北時間）")),
            (en ? "Key" : "金鑰", key),
            ("SHA-256", sha256Fingerprint),
        ]
        if let keyLocation { out.append((en ? "Key lives on" : "金鑰位置", keyLocation.text.text(language))) }
        return out
    }
}
