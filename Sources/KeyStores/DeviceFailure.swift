public import Localization
import PCSC
import PIV
import PKCS11
import SmartCard

/// A device failure as a person reads it — the one place where a wrapper error (`PKCS11Error`,
/// `PCSCError`, `PIVError`, `SmartCardError`: a C function or APDU with its code) becomes words,
/// a remedy and a category. The wrapper targets carry no customer text; the key stores throw this,
/// and front ends translate what reached them directly (`tokencert tokens`, the doctor) with
/// ``translated(_:)``.
public struct DeviceFailure: Error, Sendable, UserFacingError, CustomStringConvertible {
    public let category: ErrorCategory
    public let summary: LocalizedText
    public let remedy: LocalizedText?
    public let hint: RemedyHint?
    /// The wrapper error as the device layer made it (function or APDU, code, source location), for logs.
    public let underlying: any Error & Sendable

    /// The words for `error` when it is a device wrapper error; nil otherwise.
    public init?(_ error: any Error) {
        switch error {
        case let e as PKCS11Error: (category, summary, remedy, hint, underlying) = (e.category, e.summary, e.remedy, e.hint, e)
        case let e as PCSCError: (category, summary, remedy, hint, underlying) = (e.category, e.summary, e.remedy, nil, e)
        case let e as PIVError: (category, summary, remedy, hint, underlying) = (e.category, e.summary, e.remedy, nil, e)
        case let e as SmartCardError: (category, summary, remedy, hint, underlying) = (e.category, e.summary, e.remedy, nil, e)
        default: return nil
        }
    }

    /// `error` as a person should get it: a device wrapper error in words, anything else unchanged.
    public static func translated(_ error: any Error) -> any Error { DeviceFailure(error) ?? error }

    /// The wrapper error's own description, e.g. `C_Login failed: CKR_PIN_INCORRECT (0xa0)`.
    public var description: String { String(describing: underlying) }
}

/// Runs `body`, turning a device wrapper error into a `DeviceFailure`; every other error passes.
func translatingDeviceErrors<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch { throw DeviceFailure.translated(error) }
}
