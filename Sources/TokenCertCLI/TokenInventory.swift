import CertificateKit
public import Foundation
import KeyStores
public import Localization
public import PKCS11
public import Secrets

/// What `tokencert tokens` reports: modules, their tokens with PIN state, and key/certificate objects.
/// The JSON form of this structure is the command's stable output.
public struct TokenInventory: Codable, Sendable {
    public struct Module: Codable, Sendable {
        public var name: String?
        public var path: String
        public var manufacturer: String?
        public var description: String?
        public var version: String?
        public var cryptokiVersion: String?
        /// Set when the module could not be loaded or listed; `tokens` is then empty.
        public var error: String?
        /// The same problem for people: what happened and what to do, in both languages.
        public var problem: LocalizedText?
        public var remedy: LocalizedText?
        public var tokens: [Token] = []
    }
    public struct Token: Codable, Sendable {
        public var uri: String
        public var label: String
        public var manufacturer: String
        public var model: String
        public var serial: String
        public var slot: String
        public var initialized: Bool
        public var userPIN: PINState
        public var soPIN: PINState
        public var loginRequired: Bool
        public var pinPad: Bool
        public var loggedIn: Bool
        public var objects: [Object] = []
        public var mechanisms: [Mechanism]?
        /// What TokenCert can do with the token (from its profile and mechanism list), before any login.
        public var capabilities: Capabilities?
    }
    /// `TokenCapabilities` for people and scripts.
    public struct Capabilities: Codable, Sendable {
        /// The module profile TokenCert uses (`softhsm2`, `tpm2-pkcs11`, `opencryptoki`, `ykcs11`, `opensc-piv`, `generic`).
        public var profile: String
        public var profileName: String
        /// Key kinds TokenCert can generate on the token ("RSA-2048", "EC P-256", …); empty: none.
        public var generates: [String]
        /// Signature schemes, each "(on token)" or "(hash on host)".
        public var signs: [String]
        /// Keys TokenCert makes here are checked sensitive and non-extractable after generation (a key
        /// that is not is destroyed): true wherever it can generate.
        public var keysNonExtractable: Bool
        /// Creating keys and storing certificates needs the administrator PIN (SO / PIV management key).
        public var administratorWrites: Bool
        /// What cannot be done and why.
        public var limitations: [String]

        public init(_ c: TokenCapabilities) {
            profile = c.profile.id
            profileName = c.profile.name
            generates = c.generates.map(\.description)
            signs = c.signs
            keysNonExtractable = !c.generates.isEmpty
            administratorWrites = c.profile.writer == .securityOfficer
            limitations = c.limitations
        }
    }
    public struct Object: Codable, Sendable {
        public var uri: String
        public var type: String
        public var label: String?
        public var id: String?
        public var keyType: String?
        public var bits: Int?
        public var sensitive: Bool?
        public var extractable: Bool?
        public var neverExtractable: Bool?
        public var local: Bool?
        /// Certificates: serial number (hex) and validity end (ISO 8601, UTC).
        public var serial: String?
        public var notAfter: Date?
    }
    public struct Mechanism: Codable, Sendable {
        public var name: String
        public var minKeySize: UInt
        public var maxKeySize: UInt
        public var flags: [String]
    }

    public var modules: [Module] = []

    /// Modules to list when none are named: every installed module in the p11-kit registry except
    /// p11-kit's own trust module (it holds the system CA list, not tokens).
    public static func defaultModulePaths() -> [(name: String?, path: String)] {
        P11KitRegistry.modules().filter { $0.installed && $0.name != "p11-kit-trust" }.map { ($0.name, $0.modulePath) }
    }

    /// Loads each module and reads its tokens and (public, or with `pin` also private) objects.
    /// A module that cannot be loaded or listed is reported in its entry; a failed login (wrong or
    /// locked PIN) is thrown, because the person asked to log in.
    public static func collect(modules: [(name: String?, path: String)], tokenFilter: PKCS11URI?, pin: Secret?,
                               includeMechanisms: Bool) async throws(PKCS11Error) -> TokenInventory {
        var inventory = TokenInventory()
        for (name, path) in modules {
            var entry = Module(name: name, path: path)
            do {
                let module = try PKCS11Module.load(path: path)
                entry.manufacturer = module.info.manufacturer
                entry.description = module.info.libraryDescription
                entry.version = module.info.libraryVersion.description
                entry.cryptokiVersion = module.info.cryptokiVersion.description
                for token in try module.tokens() {
                    if let tokenFilter, !(tokenFilter.matches(token: token.info) && tokenFilter.matches(slot: token.slot)) { continue }
                    entry.tokens.append(try await describe(module: module, token: token, pin: pin, includeMechanisms: includeMechanisms))
                }
            } catch let error as PKCS11Error where error.function == "C_Login" {
                throw error
            } catch {
                entry.error = "\(error)"
                let words = DeviceFailure.translated(error) as? any UserFacingError
                entry.problem = words?.summary
                entry.remedy = words?.remedy
            }
            inventory.modules.append(entry)
        }
        return inventory
    }

    static func describe(module: PKCS11Module, token: PKCS11Module.Token, pin: Secret?,
                         includeMechanisms: Bool) async throws -> Token {
        let info = token.info
        var t = Token(uri: token.uri.description, label: info.label, manufacturer: info.manufacturer, model: info.model,
                      serial: info.serialNumber, slot: token.slot.slotDescription, initialized: info.isInitialized,
                      userPIN: info.userPINState, soPIN: info.soPINState,
                      loginRequired: info.flags.contains(.loginRequired),
                      pinPad: info.flags.contains(.protectedAuthenticationPath), loggedIn: false)
        if includeMechanisms {
            t.mechanisms = try module.mechanisms(token.slot.id).map { m in
                var flags: [String] = []
                if m.flags.contains(.sign) { flags.append("sign") }
                if m.flags.contains(.verify) { flags.append("verify") }
                if m.flags.contains(.generateKeyPair) { flags.append("generate-key-pair") }
                if m.flags.contains(.digest) { flags.append("digest") }
                if m.flags.contains(.encrypt) { flags.append("encrypt") }
                if m.flags.contains(.decrypt) { flags.append("decrypt") }
                if m.flags.contains(.hardware) { flags.append("hardware") }
                return Mechanism(name: m.type.description, minKeySize: m.minKeySize, maxKeySize: m.maxKeySize, flags: flags)
            }
        }
        guard info.isInitialized else { return t }
        t.capabilities = (try? TokenCapabilities(module: module, token: token)).map(Capabilities.init)
        let session = try module.openSession(token.slot.id, readWrite: false)
        if let pin, info.flags.contains(.loginRequired) {
            try await session.login(pin: pin)
            t.loggedIn = true
        }
        let objects = try await session.listObjects()
        var certificates: [UInt: CertificateSummary] = [:]
        for c in (try? await session.certificates()) ?? [] {
            certificates[UInt(c.handle.rawValue)] = try? CertificateSummary(c.der)
        }
        if t.loggedIn { try await session.logout() }
        try await session.close()
        t.objects = objects
            .filter { [.privateKey, .publicKey, .certificate, .secretKey].contains($0.objectClass) }
            .sorted { ($0.id ?? []).lexicographicallyPrecedes($1.id ?? []) || (($0.id ?? []) == ($1.id ?? []) && $0.objectClass.rawValue > $1.objectClass.rawValue) }
            .map { o in
                Object(uri: PKCS11URI.forObject(o, on: info).description, type: o.objectClass.description, label: o.label,
                       id: o.id.map { hexString($0) }, keyType: o.keyType?.description,
                       bits: o.keySizeInBits, sensitive: o.sensitive, extractable: o.extractable,
                       neverExtractable: o.neverExtractable, local: o.local,
                       serial: certificates[o.handle]?.serialNumber, notAfter: certificates[o.handle]?.notAfter)
            }
        return t
    }
}
