public import Foundation

/// The languages TokenCert speaks to people in.
public enum Language: String, Sendable, CaseIterable, Codable {
    case traditionalChinese = "zh-TW"
    case english = "en"

    /// The language chosen by the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG`.
    /// `zh_TW…`, `zh_HK…` and `zh_Hant…` give Traditional Chinese; anything else gives English.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = env[key], !value.isEmpty else { continue }
            return Language(localeIdentifier: value) ?? .english
        }
        return .english
    }

    /// Parses `zh-TW`, `zh_TW.UTF-8`, `en`, `en_US.UTF-8` and the like; nil when neither language matches.
    public init?(localeIdentifier: String) {
        let id = localeIdentifier.lowercased().replacingOccurrences(of: "_", with: "-")
        if id.hasPrefix("zh-tw") || id.hasPrefix("zh-hant") || id.hasPrefix("zh-hk") || id == "zh" {
            self = .traditionalChinese
        } else if id.hasPrefix("en") || id == "c" || id.hasPrefix("c.") || id == "posix" {
            self = .english
        } else {
            return nil
        }
    }
}

/// A text in both languages. Every user-facing string of TokenCert is one of these.
///
/// In JSON it is always `{"en": "…", "zh-TW": "…"}` — the one shape of two-language text in every
/// document TokenCert writes or reads: the RA's API (`RA.Text` is this type), every `--format json`
/// output of `tokencert` and the local window's API. `docs/schemas/text.schema.json` describes it and
/// every other schema refers to that file.
public struct LocalizedText: Sendable, Hashable, Codable {
    /// The English text (`en` on the wire).
    public var english: String
    /// The Traditional Chinese text, Taiwan usage (`zh-TW` on the wire).
    public var traditionalChinese: String

    /// The keys of the JSON shape, named after `Language`'s raw values.
    enum CodingKeys: String, CodingKey {
        case english = "en"
        case traditionalChinese = "zh-TW"
    }

    public init(en: String, zhTW: String) {
        self.english = en
        self.traditionalChinese = zhTW
    }

    /// The text in `language`.
    public func text(_ language: Language) -> String {
        switch language {
        case .english: english
        case .traditionalChinese: traditionalChinese
        }
    }
}

/// What kind of stop an error is, for every front end alike: the CLI's exit code, the web page's
/// banner and a script's branch come from this and nothing else.
public enum ErrorCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// The rules or the device say no (not eligible now, a module that cannot do this): not a bug.
    case notEligible = "not-eligible"
    /// The token, card, reader or PC/SC service is not there.
    case tokenMissing = "token-missing"
    /// A PIN or passphrase is wrong, blocked or missing.
    case pin
    /// The RA (or another service) could not be reached.
    case unreachable
    /// Options, files or values that cannot be used.
    case badInput = "bad-input"
    /// A signature, certificate or backup did not verify.
    case verification
    /// Anything else: a failure with no better class.
    case failure
}

/// What a person can do next when the way to do it differs by front end: the terminal names an
/// option or command (`--pin-file`, `--ra`), the web page names its own fields and screens. An
/// error that has one keeps a front-end-neutral `remedy`; each front end words the hint from its own
/// catalogue (the CLI's `CLIRemedies`, the web page's `UIRemedies`).
public enum RemedyHint: String, Sendable, Hashable, Codable, CaseIterable {
    /// Give the PIN (or the store passphrase).
    case givePIN = "give-pin"
    /// Give the token's administrator PIN (SO PIN, or the PIV management key).
    case giveAdministratorPIN = "give-administrator-pin"
    /// Insert the token or card that holds the key.
    case insertToken = "insert-token"
    /// Keep the key somewhere else: a USB token, a card or the software store.
    case chooseAnotherStore = "choose-another-store"
    /// Name the PKCS#11 module of the token.
    case giveModule = "give-module"
    /// Check the address of the certificate service.
    case checkRAAddress = "check-ra-address"
    /// Confirm writing a backup to a fixed disk.
    case confirmFixedDisk = "confirm-fixed-disk"
    /// Revoke the lost certificate first, then apply.
    case revokeLostCertificate = "revoke-lost-certificate"
    /// Confirm restoring a `.pfx` without integrity protection.
    case confirmUnprotectedBackup = "confirm-unprotected-backup"
    /// Give the broker's CA certificate (a file) when it cannot be fetched.
    case giveTrustedCA = "give-trusted-ca"
    /// Trust the CA of the broker's https service (its TLS certificate is not trusted here).
    case trustServiceCA = "trust-service-ca"
}

/// An error that can explain itself to a person: what happened and what to do next, in both languages.
public protocol UserFacingError: Error {
    /// How the remedy is done in a particular front end, when that differs (see `RemedyHint`).
    var hint: RemedyHint? { get }
    /// What kind of stop this is (decides the exit code).
    var category: ErrorCategory { get }
    /// One sentence: what went wrong.
    var summary: LocalizedText { get }
    /// What the person can do about it; nil when there is nothing useful to suggest.
    var remedy: LocalizedText? { get }
}

extension UserFacingError {
    /// No front-end-specific remedy.
    public var hint: RemedyHint? { nil }

    /// Summary and remedy on two lines, in the chosen language; `remedies` words the hint for the
    /// front end (its remedy replaces the neutral one).
    public func userMessage(_ language: Language, remedies: (RemedyHint) -> LocalizedText? = { _ in nil }) -> String {
        let head = summary.text(language)
        guard let remedy = hint.flatMap({ remedies($0) }) ?? remedy else { return head }
        let label = language == .english ? "What to do: " : "處理方式："
        return head + "\n" + label + remedy.text(language)
    }
}
