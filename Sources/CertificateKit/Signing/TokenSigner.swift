import Crypto
public import Foundation
public import Localization
public import SwiftASN1
public import X509

/// The signature schemes TokenCert uses for CSRs, certificates, CRLs and order signatures.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    case rsaPKCS1SHA256 = "RSA-SHA256"
    case rsaPKCS1SHA384 = "RSA-SHA384"
    case ecdsaSHA256 = "ECDSA-SHA256"
    case ecdsaSHA384 = "ECDSA-SHA384"

    /// swift-certificates' name for it.
    public var certificateAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .rsaPKCS1SHA256: .sha256WithRSAEncryption
        case .rsaPKCS1SHA384: .sha384WithRSAEncryption
        case .ecdsaSHA256: .ecdsaWithSHA256
        case .ecdsaSHA384: .ecdsaWithSHA384
        }
    }

    public init?(_ algorithm: Certificate.SignatureAlgorithm) {
        guard let match = Self.allCases.first(where: { $0.certificateAlgorithm == algorithm }) else { return nil }
        self = match
    }

    public var isRSA: Bool { self == .rsaPKCS1SHA256 || self == .rsaPKCS1SHA384 }

    /// The hash the scheme signs.
    public var digestName: String { self == .rsaPKCS1SHA384 || self == .ecdsaSHA384 ? "SHA-384" : "SHA-256" }

    func digest(_ bytes: [UInt8]) -> [UInt8] {
        digestName == "SHA-384" ? Array(SHA384.hash(data: bytes)) : Array(SHA256.hash(data: bytes))
    }

    /// DER AlgorithmIdentifier of the hash (parameters NULL, as RFC 5754 allows and OpenSSL writes).
    var digestAlgorithmIdentifier: [UInt8] {
        digestName == "SHA-384"
            ? [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00]
            : [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00]
    }

    /// DER AlgorithmIdentifier of the signature (RFC 4055 / RFC 5758: NULL for RSA, absent for ECDSA).
    var signatureAlgorithmIdentifier: [UInt8] {
        switch self {
        case .rsaPKCS1SHA256: [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00]
        case .rsaPKCS1SHA384: [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C, 0x05, 0x00]
        case .ecdsaSHA256: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        case .ecdsaSHA384: [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]
        }
    }
}

/// Where a private key lives, for display ("where the key lives") and for finding it again.
public enum KeyLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A PKCS#11 token: its RFC 7512 URI names token and object.
    case pkcs11(uri: String, tokenLabel: String)
    /// A PIV card in a reader, in a key slot (9A, 9C, 9D, 9E).
    case piv(reader: String, slot: String)
    /// A software key (TokenCert's encrypted store or a development key file).
    case software(path: String?)

    public var description: String { text.english }

    /// One line in both languages.
    public var text: LocalizedText {
        switch self {
        case let .pkcs11(uri, label):
            LocalizedText(en: "token \"\(label)\" (\(uri))", zhTW: "載具「\(label)」（\(uri)）")
        case let .piv(reader, slot):
            LocalizedText(en: "PIV card in \(reader), slot \(slot)", zhTW: "讀卡機 \(reader) 的 PIV 卡，槽位 \(slot)")
        case .software(let path):
            LocalizedText(en: "software" + (path.map { " (\($0))" } ?? ""), zhTW: "軟體憑證" + (path.map { "（\($0)）" } ?? ""))
        }
    }
}

/// A private key that signs somewhere else — on a PKCS#11 token, a PIV card, or in software — and
/// never hands its private half out. `TokenPrivateKey` turns one into a swift-certificates key.
public protocol TokenSigner: Sendable {
    /// DER SubjectPublicKeyInfo of the key pair.
    var subjectPublicKeyInfo: [UInt8] { get }
    /// Where the key lives.
    var location: KeyLocation { get }
    /// The schemes the key can sign with; the first is the default (RSA PKCS#1 v1.5 SHA-256 for RSA).
    var supportedAlgorithms: [SigningAlgorithm] { get }
    /// Signs `message` (the key's device hashes it or the host does, as the device allows).
    /// Returns the signature as X.509 carries it: RSA as the raw block, ECDSA as DER `ECDSA-Sig-Value`.
    func sign(_ message: [UInt8], algorithm: SigningAlgorithm) async throws -> [UInt8]
}

/// A signer whose key is in this process's memory (a software key, the RA's development CA key
/// file), so it can sign without suspending — inside a database transaction, for one. Keys on a
/// token or card never conform: their signatures are I/O.
public protocol SynchronousTokenSigner: TokenSigner {
    /// The same signature `sign(_:algorithm:)` gives, without suspending.
    /// - Throws: `SigningError(.unsupportedAlgorithm)`, the crypto library's errors.
    func signSynchronously(_ message: [UInt8], algorithm: SigningAlgorithm) throws -> [UInt8]
}

/// Errors of the signing adapters.
public struct SigningError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case unsupportedAlgorithm(String)
        case unsupportedKey(String)
        case synchronousSigningUnsupported
        case noSerialization
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String { summary.english }

    /// The signer failed: no better class.
    public var category: ErrorCategory { .failure }

    public var summary: LocalizedText {
        switch reason {
        case .unsupportedAlgorithm(let a):
            LocalizedText(en: "This key cannot sign with \(a).", zhTW: "此金鑰無法以 \(a) 簽章。")
        case .unsupportedKey(let k):
            LocalizedText(en: "Unsupported key: \(k).", zhTW: "不支援的金鑰：\(k)。")
        case .synchronousSigningUnsupported:
            LocalizedText(en: "A token key signs asynchronously only.", zhTW: "載具金鑰只能以非同步方式簽章。")
        case .noSerialization:
            LocalizedText(en: "A token key cannot be exported.", zhTW: "載具上的金鑰無法匯出。")
        }
    }

    public var remedy: LocalizedText? {
        switch reason {
        case .unsupportedAlgorithm, .unsupportedKey:
            LocalizedText(en: "Use RSA (2048 bits or more) or ECDSA P-256/P-384.", zhTW: "請使用 RSA（2048 位元以上）或 ECDSA P-256/P-384。")
        case .synchronousSigningUnsupported, .noSerialization: nil
        }
    }
}

/// A `TokenSigner` as swift-certificates' `CustomPrivateKey`, so CSRs, certificates and CRLs are
/// signed on the token: `Certificate.PrivateKey(TokenPrivateKey(signer))`. Signing is asynchronous
/// only (`signSynchronously` throws); use the `async` initialisers of swift-certificates.
public struct TokenPrivateKey: CustomPrivateKey {
    public let signer: any TokenSigner
    public let publicKey: Certificate.PublicKey

    /// - Throws: when the signer's SubjectPublicKeyInfo does not parse.
    public init(_ signer: any TokenSigner) throws {
        self.signer = signer
        publicKey = try Certificate.PublicKey(derEncoded: signer.subjectPublicKeyInfo)
    }

    public var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        signer.supportedAlgorithms.first?.certificateAlgorithm ?? .sha256WithRSAEncryption
    }

    public var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] {
        signer.supportedAlgorithms.map(\.certificateAlgorithm)
    }

    /// Whether `signSynchronously` works: the signer is a `SynchronousTokenSigner` (a key in memory).
    public var signsSynchronously: Bool { signer is any SynchronousTokenSigner }

    public func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        guard let signer = signer as? any SynchronousTokenSigner else { throw SigningError(.synchronousSigningUnsupported) }
        guard let algorithm = SigningAlgorithm(signatureAlgorithm), signer.supportedAlgorithms.contains(algorithm) else {
            throw SigningError(.unsupportedAlgorithm("\(signatureAlgorithm)"))
        }
        let signature = try signer.signSynchronously(Array(bytes), algorithm: algorithm)
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: signature[...]))
    }

    public func signAsynchronously(bytes: some DataProtocol & Sendable,
                                   signatureAlgorithm: Certificate.SignatureAlgorithm) async throws -> Certificate.Signature {
        guard let algorithm = SigningAlgorithm(signatureAlgorithm), signer.supportedAlgorithms.contains(algorithm) else {
            throw SigningError(.unsupportedAlgorithm("\(signatureAlgorithm)"))
        }
        let signature = try await signer.sign(Array(bytes), algorithm: algorithm)
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: signature[...]))
    }

    public static let defaultPEMDiscriminator = "TOKEN KEY"

    public func serializeAsPEM(discriminator: String) throws -> PEMDocument {
        throw SigningError(.noSerialization)
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        throw SigningError(.noSerialization)
    }

    public static func == (lhs: TokenPrivateKey, rhs: TokenPrivateKey) -> Bool {
        lhs.signer.subjectPublicKeyInfo == rhs.signer.subjectPublicKeyInfo && lhs.signer.location == rhs.signer.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(signer.subjectPublicKeyInfo)
        hasher.combine(signer.location)
    }
}

extension SigningAlgorithm {
    /// The default schemes for a public key: RSA PKCS#1 v1.5 SHA-256 first for RSA; ECDSA with the
    /// curve's own hash first for EC.
    public static func defaults(forSPKI spki: [UInt8]) throws -> [SigningAlgorithm] {
        switch try KeyDescription(subjectPublicKeyInfo: spki).kind {
        case .rsa: [.rsaPKCS1SHA256, .rsaPKCS1SHA384]
        case .p256: [.ecdsaSHA256, .ecdsaSHA384]
        case .p384: [.ecdsaSHA384, .ecdsaSHA256]
        }
    }
}

/// A named key on a token that is made there once and used from there afterwards — the RA's CA key
/// on an HSM (made by `init-ca`, used by every `serve` instance). Implemented where the hardware is
/// (`KeyStores.PKCS11CAKey`) and handed to the RA by its composition root.
public protocol NamedTokenKey: Sendable, CustomStringConvertible {
    /// Generates the key on the token; refuses when a key with its name is there already.
    func generate(_ kind: KeyDescription.Kind) async throws -> any TokenSigner
    /// The key already on the token, signing as `subjectPublicKeyInfo` (its certificate's) says.
    func existing(subjectPublicKeyInfo: [UInt8]) async throws -> any TokenSigner
}
