import Foundation

/// `tokencert-ra serve --config ra.json`: every serve setting, and any `Policy` rule to change.
/// Flags given on the command line win over the file; secrets (PINs, tokens) are never in it — they
/// come from the files or environment variables the flags name.
///
///     {"database": "ra.sqlite", "caCertificate": "ca.pem", "caKeyURI": "pkcs11:token=HSM;object=ra-ca",
///      "module": "/usr/lib/softhsm/libsofthsm2.so", "caPINFile": "/run/secrets/ca-pin",
///      "host": "127.0.0.1", "port": 8443, "tlsCertificate": "tls.pem", "tlsKey": "tls.key",
///      "policy": {"lockoutHours": 24, "onlineRevocationsPerYear": 2}}
public struct ServeConfigFile: Codable, Sendable, Equatable {
    public var database: String?
    public var caCertificate: String?
    public var caKeyFile: String?
    public var caKeyURI: String?
    public var module: String?
    public var caPINFile: String?
    public var organization: String?
    public var host: String?
    public var port: Int?
    public var outbox: String?
    public var publicURL: String?
    /// A delegated OCSP responder's key file (`--ocsp-key-file`).
    public var ocspKeyFile: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var sendmail: String?
    public var mailFrom: String?
    public var smsWebhook: String?
    public var smsWebhookTokenFile: String?
    public var orderGatewayTokenFile: String?
    public var metricsTokenFile: String?
    /// Announcements and FAQ (a `Notices` JSON file).
    public var notices: String?
    /// Seconds between renewal-reminder runs inside serve (`--reminders-interval`).
    public var remindersInterval: Double?
    public var policy: PolicyChanges?

    /// The rules a file may change (each optional; absent keeps the default).
    public struct PolicyChanges: Codable, Sendable, Equatable {
        public var validityYears: Int?
        public var renewalWindowDays: Int?
        /// `Policy.finalReminderDays`: the second renewal reminder, days before expiry.
        public var finalReminderDays: Int?
        public var onlineRevocationsPerYear: Int?
        public var birthDateAttemptsBeforeLock: Int?
        public var lockoutHours: Double?
        public var codeLifetimeSeconds: Double?
        public var codeResendAfterSeconds: Double?
        public var codeMaxTries: Int?
        public var codeSendsPerHour: Int?
        public var identityWindowSeconds: Double?
        public var sessionLifetimeSeconds: Double?
        /// `Policy.loginFailuresBeforeBackoff` (the name is from when five failures locked logging in).
        public var loginAttemptsBeforeLock: Int?
        /// `Policy.loginBackoffLimit`, in minutes.
        public var loginLockMinutes: Double?
        public var minimumRSABits: Int?
        public var allowECDSA: Bool?
        public var passwordIterations: Int?
        public var crlLifetimeHours: Double?
        /// `Policy.ocspLifetime`, in minutes.
        public var ocspLifetimeMinutes: Double?
        /// `Policy.ocspResponderValidity`, in hours.
        public var ocspResponderValidityHours: Double?
        /// `Policy.loginAttemptsPerAddressPerMinute` (e.g. raised for a load test from one address).
        public var loginAttemptsPerAddressPerMinute: Int?

        /// No changes.
        public init() {}

        /// `base` with these changes.
        public func applied(to base: Policy) -> Policy {
            base.with { p in
                if let v = validityYears { p.validityYears = v }
                if let v = renewalWindowDays { p.renewalWindowDays = v }
                if let v = finalReminderDays { p.finalReminderDays = v }
                if let v = onlineRevocationsPerYear { p.onlineRevocationsPerYear = v }
                if let v = birthDateAttemptsBeforeLock { p.birthDateAttemptsBeforeLock = v }
                if let v = lockoutHours { p.lockoutDuration = v * 3600 }
                if let v = codeLifetimeSeconds { p.codeLifetime = v }
                if let v = codeResendAfterSeconds { p.codeResendAfter = v }
                if let v = codeMaxTries { p.codeMaxTries = v }
                if let v = codeSendsPerHour { p.codeSendsPerWindow = v; p.codeSendWindow = 3600 }
                if let v = identityWindowSeconds { p.identityWindow = v }
                if let v = sessionLifetimeSeconds { p.sessionLifetime = v }
                if let v = loginAttemptsBeforeLock { p.loginFailuresBeforeBackoff = v }
                if let v = loginLockMinutes { p.loginBackoffLimit = v * 60 }
                if let v = minimumRSABits { p.minimumRSABits = v }
                if let v = allowECDSA { p.allowECDSA = v }
                if let v = passwordIterations { p.passwordIterations = v }
                if let v = crlLifetimeHours { p.crlLifetime = v * 3600 }
                if let v = ocspLifetimeMinutes { p.ocspLifetime = v * 60 }
                if let v = ocspResponderValidityHours { p.ocspResponderValidity = v * 3600 }
                if let v = loginAttemptsPerAddressPerMinute { p.loginAttemptsPerAddressPerMinute = v }
            }
        }
    }

    public init() {}

    /// Reads a JSON file; unknown keys are refused so a typo is not silently ignored.
    public static func load(_ path: String) throws -> ServeConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw SetupError.cannotRead(path) }
        let object = try JSONSerialization.jsonObject(with: data)
        let known = Set(Mirror(reflecting: ServeConfigFile()).children.compactMap(\.label))
        if let keys = (object as? [String: Any])?.keys, let unknown = keys.first(where: { !known.contains($0) }) {
            throw SetupError.unknownConfigKey(unknown)
        }
        let policyKeys = Set(Mirror(reflecting: PolicyChanges()).children.compactMap(\.label))
        if let policy = (object as? [String: Any])?["policy"] as? [String: Any], let unknown = policy.keys.first(where: { !policyKeys.contains($0) }) {
            throw SetupError.unknownConfigKey("policy." + unknown)
        }
        return try JSONDecoder().decode(ServeConfigFile.self, from: data)
    }
}
