import CertificateKit
import Domain
import Foundation
import PKCS11
import X509

/// Where the CA key lives.
public enum CAKeyLocation: Sendable {
    /// A PEM key file (development only), mode 0600.
    case file(path: String)
    /// A key on a PKCS#11 token (an HSM in production), found by an RFC 7512 URI with `token=` and
    /// `object=` (or `id=`), through the module at `modulePath`, logged in with `pin`.
    case token(uri: PKCS11URI, modulePath: String, pin: PIN)
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
    public static func initialize(key location: CAKeyLocation, keySpec: KeySpec, certificatePath: String,
                                  organization: String, commonName: String, validityYears: Int = 10,
                                  now: Date = Date()) async throws -> Certificate {
        guard !FileManager.default.fileExists(atPath: certificatePath) else { throw SetupError.exists(certificatePath) }
        let key: TokenPrivateKey
        switch location {
        case .file(let path):
            guard !FileManager.default.fileExists(atPath: path) else { throw SetupError.exists(path) }
            let kind: KeyDescription.Kind
            switch keySpec {
            case .rsa(let bits): kind = .rsa(bits: bits)
            case .ec(.p256): kind = .p256
            case .ec(.p384): kind = .p384
            }
            let signer = try SoftwareSigner.generate(kind)
            // Created with 0600 from the start: the key is never readable by others, not even briefly.
            guard FileManager.default.createFile(atPath: path, contents: Data(signer.pkcs8PEM.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else { throw SetupError.cannotWrite(path) }
            key = try TokenPrivateKey(try SoftwareSigner(pem: signer.pkcs8PEM, path: path))
        case .token(let uri, let modulePath, let pin):
            guard let label = uri.object else { throw SetupError.uriNeedsObject }
            let module = try PKCS11Module.load(path: modulePath)
            let session = try module.openSession(matching: uri)
            try await session.login(pin: pin)
            if (try? await session.privateKey(id: uri.id, label: label)) != nil { throw SetupError.keyExistsOnToken(label) }
            let pair = try await session.generateKeyPair(keySpec, label: label, id: uri.id)
            let tokenLabel = try await session.tokenInfo().label
            key = try TokenPrivateKey(try PKCS11Signer(session: session, key: pair.privateKey, subjectPublicKeyInfo: pair.subjectPublicKeyInfo,
                                                       tokenLabel: tokenLabel, uri: uri.description))
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
        case .token(let uri, let modulePath, let pin):
            guard uri.object != nil || uri.id != nil else { throw SetupError.uriNeedsObject }
            let module = try PKCS11Module.load(path: modulePath)
            let session = try module.openSession(matching: uri)
            try await session.login(pin: pin)
            let privateKey = try await session.privateKey(id: uri.id, label: uri.object)
            let tokenLabel = try await session.tokenInfo().label
            key = try TokenPrivateKey(try PKCS11Signer(session: session, key: privateKey,
                                                       subjectPublicKeyInfo: certificate.publicKey.derSubjectPublicKeyInfo,
                                                       tokenLabel: tokenLabel, uri: uri.description))
        }
        guard key.publicKey == certificate.publicKey else { throw SetupError.keyDoesNotMatchCertificate }
        return CertificateIssuer(caCertificate: certificate, caKey: key)
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
        }
    }
}
