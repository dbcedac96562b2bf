public import CertificateKit
import Domain
public import Foundation
public import X509

/// Where the CA key lives.
public enum CAKeyLocation: Sendable {
    /// A PEM key file (development only), mode 0600.
    case file(path: String)
    /// A key on a token (an HSM in production), reached through what the composition root built
    /// (`tokencert-ra`: `PKCS11CAKey` over a `pkcs11:` URI), so the RA links no hardware layer.
    case token(any NamedTokenKey)
}


/// What `tokencert-ra init-ca` makes and `serve` loads: the CA key and its self-signed certificate.
public enum CASetup {
    /// The CA's name: C=TW, O=`organization`, CN=`commonName`.
    public static func subject(organization: String, commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            CountryName("TW")
            OrganizationName(organization)
            CommonName(commonName)
        }
    }

    /// Generates the CA key (in the file, or on the token) and writes the self-signed CA certificate
    /// (PEM) to `certificatePath`. Refuses to overwrite an existing key file or certificate, and to
    /// generate on a token that already holds a key with the URI's label or id.
    /// - Returns: the certificate.
    public static func initialize(key location: CAKeyLocation, keyKind: KeyDescription.Kind, certificatePath: String,
                                  organization: String, commonName: String, validityYears: Int = 10,
                                  now: Date = Date()) async throws -> Certificate {
        guard !FileManager.default.fileExists(atPath: certificatePath) else { throw SetupError.exists(certificatePath) }
        let key: TokenPrivateKey
        switch location {
        case .file(let path):
            guard !FileManager.default.fileExists(atPath: path) else { throw SetupError.exists(path) }
            let signer = try SoftwareSigner.generate(keyKind)
            // Created with 0600 from the start: the key is never readable by others, not even briefly.
            guard FileManager.default.createFile(atPath: path, contents: Data(signer.pkcs8PEM.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else { throw SetupError.cannotWrite(path) }
            key = try TokenPrivateKey(try SoftwareSigner(pem: signer.pkcs8PEM, path: path))
        case .token(let source):
            key = try TokenPrivateKey(try await source.generate(keyKind))
        }
        let certificate = try await CertificateIssuer.selfSignedCA(
            subject: try subject(organization: organization, commonName: commonName), key: key,
            notBefore: now.addingTimeInterval(-300), notAfter: CertificateIssuer.validityEnd(from: now, years: validityYears))
        let pem = try certificate.serializeAsPEM().pemString + "\n"
        guard FileManager.default.createFile(atPath: certificatePath, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw SetupError.cannotWrite(certificatePath)
        }
        return certificate
    }

    /// Loads the CA certificate and its key for issuing. Checks that they belong together.
    public static func load(certificatePath: String, key location: CAKeyLocation) async throws -> CertificateIssuer {
        guard let text = try? String(contentsOfFile: certificatePath, encoding: .utf8) else { throw SetupError.cannotRead(certificatePath) }
        let certificate = try Certificate(pemEncoded: text)
        let key: TokenPrivateKey
        switch location {
        case .file(let path):
            try checkPrivate(path)
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw SetupError.cannotRead(path) }
            key = try TokenPrivateKey(try SoftwareSigner(pem: pem, path: path))
        case .token(let source):
            key = try TokenPrivateKey(try await source.existing(subjectPublicKeyInfo: certificate.publicKey.derSubjectPublicKeyInfo))
        }
        guard key.publicKey == certificate.publicKey else { throw SetupError.keyDoesNotMatchCertificate }
        return CertificateIssuer(caCertificate: certificate, caKey: key)
    }

    /// The delegated OCSP responder's key from its file, made (P-256, created 0600) when the file does
    /// not exist yet; a file others can read is refused like the CA's.
    /// - Throws: `SetupError`, the key reader's errors.
    public static func responderKey(file path: String) throws -> TokenPrivateKey {
        if !FileManager.default.fileExists(atPath: path) {
            let signer = try SoftwareSigner.generate(.p256)
            guard FileManager.default.createFile(atPath: path, contents: Data(signer.pkcs8PEM.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else { throw SetupError.cannotWrite(path) }
        }
        try checkPrivate(path)
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw SetupError.cannotRead(path) }
        return try TokenPrivateKey(try SoftwareSigner(pem: pem, path: path))
    }

    /// Refuses a key file that others can read.
    static func checkPrivate(_ path: String) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            throw SetupError.keyFileNotPrivate(path, mode: String(mode.intValue, radix: 8))
        }
    }
}

/// Why CA setup failed.
public enum SetupError: Error, Hashable, Sendable, CustomStringConvertible {
    case exists(String)
    case cannotWrite(String)
    case cannotRead(String)
    case uriNeedsObject
    case keyExistsOnToken(String)
    case keyDoesNotMatchCertificate
    case keyFileNotPrivate(String, mode: String)
    case tlsNeedsBoth
    case unknownConfigKey(String)
    case officerCertificateNotValid(String, notBefore: Date, notAfter: Date)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists already; refusing to overwrite it"
        case .cannotWrite(let path): "cannot write \(path)"
        case .cannotRead(let path): "cannot read \(path)"
        case .uriNeedsObject: "the pkcs11: URI must name the key with object= (and may add id=)"
        case .keyExistsOnToken(let label): "the token already holds a private key labelled \(label)"
        case .keyDoesNotMatchCertificate: "the CA key does not match the CA certificate"
        case .keyFileNotPrivate(let path, let mode): "\(path) has mode \(mode): others can read the key (chmod 600 it)"
        case .tlsNeedsBoth: "TLS needs both a certificate and a key"
        case .unknownConfigKey(let key): "the configuration file has an unknown key \(key)"
        case .officerCertificateNotValid(let path, let from, let until):
            "\(path) is not valid now (valid \(from) to \(until)): the officer could not log in with it; register a current certificate"
        }
    }
}
