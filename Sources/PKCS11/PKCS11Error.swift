/// The one error type of the PKCS#11 layer: the Cryptoki return value and the C function that
/// returned it, plus what TokenCert knew at the time (a PIN state read after a failed login,
/// the library path that failed to load, the token that was looked for).
///
/// Pure data: no customer text here. `KeyStores` (its `DeviceFailure`) is the one place that turns
/// it into words for a person. Codes are open (`ReturnValue` is a struct with constants), so new
/// codes never break a `switch`.
public struct PKCS11Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `CK_RV` the module returned (or, for failures before a module answers,
    /// the closest code: `CKR_LIBRARY_LOAD_FAILED` for `dlopen`, `CKR_TOKEN_NOT_PRESENT` when no token matches).
    public var returnValue: ReturnValue
    /// The C function that failed, e.g. `C_Login`, or `dlopen` / `find token` for failures outside Cryptoki.
    public var function: String
    /// Extra context for logs; never contains a PIN or key material.
    public var detail: String?
    /// The PIN state read from the token right after a failed `C_Login` / `C_SetPIN`, when known.
    public var pinState: PINState?
    /// Where in TokenCert the error was made (`#fileID`), for bug reports.
    public var file: String
    /// The line in `file`.
    public var line: Int

    public init(_ returnValue: ReturnValue, function: String, detail: String? = nil, pinState: PINState? = nil,
                file: String = #fileID, line: Int = #line) {
        self.returnValue = returnValue
        self.function = function
        self.detail = detail
        self.pinState = pinState
        self.file = file
        self.line = line
    }

    /// Equal when the module's answer is: the same code from the same function with the same
    /// context (where in TokenCert it was noticed does not matter).
    public static func == (lhs: PKCS11Error, rhs: PKCS11Error) -> Bool {
        (lhs.returnValue, lhs.function, lhs.detail, lhs.pinState) == (rhs.returnValue, rhs.function, rhs.detail, rhs.pinState)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(returnValue)
        hasher.combine(function)
        hasher.combine(detail)
        hasher.combine(pinState)
    }

    public var description: String {
        var s = "\(function) failed: \(returnValue.name) (0x\(String(returnValue.rawValue, radix: 16)))"
        if let pinState { s += " [PIN \(pinState.rawValue)]" }
        if let detail { s += ": \(detail)" }
        return s
    }

    /// The function name of the check `generateKeyPair` makes on a new key.
    public static let checkGeneratedKey = "check generated key"

    /// The module made a key that is not sensitive, non-extractable and on the token; TokenCert
    /// destroyed it. The detail names the attributes that broke the rule.
    public static func unprotectedKey(_ protection: KeyProtection, file: String = #fileID, line: Int = #line) -> PKCS11Error {
        PKCS11Error(.keyUnextractable, function: checkGeneratedKey, detail: protection.violations.joined(separator: ", "), file: file, line: line)
    }
}
