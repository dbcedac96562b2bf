import Secrets
/// A private key as PKCS#8 `PrivateKeyInfo` DER (RFC 5208 / RFC 5958 `OneAsymmetricKey`), held the
/// way a secret should be: in memory of its own, zeroed when the last copy goes
/// (a ``Secret``), never printed (`description`, `debugDescription` and `customMirror` are redacted), compared
/// in constant time.
///
/// ```
/// PrivateKeyInfo ::= SEQUENCE {
///   version                   Version,
///   privateKeyAlgorithm       AlgorithmIdentifier,
///   privateKey                OCTET STRING,
///   attributes           [0]  IMPLICIT Attributes OPTIONAL }
/// ```
public struct PrivateKeyDER: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let secret: Secret

    /// Copies `der` (the caller's array stays the caller's to wipe).
    public init(_ der: some Collection<UInt8>) {
        secret = Secret(bytes: der)
    }

    init(secret: Secret) {
        self.secret = secret
    }

    public var count: Int { secret.count }

    /// Lends the DER bytes without copying them.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try secret.withUnsafeBytes(body)
    }

    /// A copy of the DER in an ordinary array. Arrays are copied freely and cannot be wiped: prefer
    /// ``withUnsafeBytes(_:)`` and keep such copies short-lived.
    public var bytes: [UInt8] { secret.revealedBytes() }

    public static func == (lhs: PrivateKeyDER, rhs: PrivateKeyDER) -> Bool {
        lhs.secret == rhs.secret
    }

    public var description: String { "PrivateKeyDER(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
