public import CertificateKit
public import Localization
public import Secrets

/// What a key store asks for when it needs a secret, so a prompt can say which one and how many
/// tries are left. It never carries a secret.
public struct SecretRequest: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The user PIN of a PKCS#11 token or a PIV card.
        case pin
        /// The administrator PIN of a PKCS#11 token (`CKU_SO`); for ykcs11 the PIV management key.
        case soPIN
        /// The passphrase of the software store (an existing store).
        case storePassphrase
        /// A passphrase for a software store that holds no key yet (the first key sets it).
        case newStorePassphrase
    }

    public var kind: Kind
    /// The store asking: token URI, reader, data folder.
    public var location: KeyLocation
    /// Tries left before the PIN blocks, when the device tells.
    public var triesLeft: Int?

    public init(kind: Kind, location: KeyLocation, triesLeft: Int? = nil) {
        self.kind = kind
        self.location = location
        self.triesLeft = triesLeft
    }

    /// The question to show, in both languages.
    public var question: LocalizedText {
        let place = location.text
        var text: LocalizedText
        switch kind {
        case .pin:
            text = LocalizedText(en: "PIN for the \(place.english)", zhTW: "請輸入\(place.traditionalChinese)的 PIN 碼")
        case .soPIN:
            text = LocalizedText(en: "Administrator PIN (SO PIN, or the PIV management key) for the \(place.english)",
                                 zhTW: "請輸入\(place.traditionalChinese)的管理者 PIN 碼（SO PIN 或 PIV 管理金鑰）")
        case .storePassphrase:
            text = LocalizedText(en: "Passphrase of the software certificate store", zhTW: "請輸入軟體憑證存放區的密碼")
        case .newStorePassphrase:
            text = LocalizedText(en: "Choose a passphrase for the software certificate store",
                                 zhTW: "請設定軟體憑證存放區的密碼")
        }
        if let triesLeft {
            text.english += " (\(triesLeft) \(triesLeft == 1 ? "try" : "tries") left)"
            text.traditionalChinese += "（剩餘 \(triesLeft) 次）"
        }
        return text
    }
}

/// How Lifecycle's stores ask for a secret — the one asking interface for PINs and passphrases.
/// The terminal (file → environment → no-echo prompt), the web page and scripted sources
/// (`constant`, tests) each make one; journey questions go through `JourneyPrompt`.
///
/// Where a key store gets a PIN or passphrase — asked only when the store needs one (a token that
/// is already logged in, or a PIV card whose PIN is verified, is not asked again).
///
/// The provider answers nil when it has no secret to give (nothing on file, the person cancelled):
/// the store then throws `KeyStoreUnavailable.pinNeeded(triesLeft:)`. A store never retries a wrong
/// PIN by itself — each wrong try costs one of the device's few — it throws `.pinNeeded` with the
/// tries left and the caller decides whether to ask again.
public struct SecretProvider: Sendable {
    let body: @Sendable (SecretRequest) async throws -> Secret?

    public init(_ body: @escaping @Sendable (SecretRequest) async throws -> Secret?) {
        self.body = body
    }

    /// Always the same secret (a `--pin-file`, an environment variable, tests).
    public static func constant(_ secret: Secret) -> SecretProvider {
        SecretProvider { _ in secret }
    }

    /// No secret available: a store that needs one throws `.pinNeeded`.
    public static let unavailable = SecretProvider { _ in nil }

    /// The secret, or nil when the provider has none (nothing on file, the person cancelled).
    public func secret(for request: SecretRequest) async throws -> Secret? { try await body(request) }

    /// The secret, or `KeyStoreUnavailable.pinNeeded(triesLeft:)` when the provider has none.
    public func require(_ request: SecretRequest) async throws -> Secret {
        guard let secret = try await body(request) else {
            throw KeyStoreUnavailable.pinNeeded(triesLeft: request.triesLeft)
        }
        return secret
    }
}

