import ArgumentParser
import CertificateKit
import Domain
import Lifecycle
import Localization
import PCSC
import PIV
import PKCS11
import RemovableMedia

/// The documented exit codes of `tokencert` (README, "Exit codes"). Scripts rely on these numbers.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case ok = 0
    /// Unexpected failure (a bug, or an error with no better class).
    case failure = 1
    /// A signature, certificate or backup did not verify.
    case verificationFailed = 2
    /// The RA or policy says no (not eligible to apply/renew/revoke now).
    case notEligible = 3
    /// The token, card or reader is not there.
    case tokenMissing = 4
    /// The PIN was wrong, or is locked.
    case pinProblem = 5
    /// The RA could not be reached.
    case raUnreachable = 6
    /// Bad input: options, files or values that cannot be used.
    case badInput = 64

    public var exitCode: ExitCode { ExitCode(rawValue) }

    /// The class of a PKCS#11 error.
    public static func of(_ error: PKCS11Error) -> ExitStatus {
        // A module's legitimate refusal (cannot generate here, read-only, administrator only): the
        // token is not eligible for this step — not a failure of the program.
        if error.refusal != nil && error.returnValue != .userNotLoggedIn { return .notEligible }
        return switch error.returnValue {
        case .pinIncorrect, .pinLocked, .pinExpired, .pinInvalid, .pinLenRange, .userNotLoggedIn,
             .userPinNotInitialized:
            .pinProblem
        case .tokenNotPresent, .deviceRemoved, .slotIdInvalid, .tokenNotRecognized, .libraryLoadFailed:
            .tokenMissing
        case .argumentsBad: .badInput
        case .signatureInvalid: .verificationFailed
        default: .failure
        }
    }

    /// The class of a PC/SC error: no service, no reader, no card or a card pulled → 4.
    public static func of(_ error: PCSCError) -> ExitStatus {
        switch error.code {
        case .noService, .serviceStopped, .noReadersAvailable, .unknownReader, .readerUnavailable,
             .noSmartcard, .warningRemovedCard, .warningUnpoweredCard, .warningUnresponsiveCard:
            .tokenMissing
        case .invalidChv, .warningWrongChv, .warningChvBlocked: .pinProblem
        default: .failure
        }
    }

    /// The class of a lifecycle stop.
    public static func of(_ error: LifecycleError) -> ExitStatus {
        switch error.kind {
        case .notEligible, .missing: .notEligible
        case .verificationFailed: .verificationFailed
        case .badInput: .badInput
        case .cancelled: .failure
        case .interrupted:
            // Stopped midway by the device: the same codes as when it is missing from the start.
            error.code == "interrupted-token-missing" ? .tokenMissing : error.code == "interrupted-pin" ? .pinProblem : .failure
        }
    }

    /// The class of an RA failure: no answer → 6, a refusal → 3 (the rules say no), a garbled answer → 1.
    public static func of(_ error: RAClientError) -> ExitStatus {
        switch error.kind {
        case .unreachable: .raUnreachable
        case .refused(let code, _):
            code.hasPrefix("invalid-") || code == "bad-request" || code == "bad-csr" ? .badInput : .notEligible
        case .badResponse: .failure
        }
    }

    /// The class of a PIV error: PIN wrong or blocked → 5, not a PIV card or nothing in the slot → 4.
    public static func of(_ error: PIVError) -> ExitStatus {
        switch error {
        case .invalidPIN, .blocked, .securityStatusNotSatisfied, .badSecretFormat: .pinProblem
        case .notPIVCard, .notFound: .tokenMissing
        default: .failure
        }
    }
}

/// Prints a user-facing error on stderr in the chosen language and returns the exit code to throw.
public func report(_ error: Error, language: Language) -> ExitCode {
    var stderr = StandardError()
    if let code = error as? ExitCode { return code }
    guard let e = error as? any UserFacingError else {
        print(language == .english ? "Error: \(error)" : "錯誤：\(error)", to: &stderr)
        return ExitStatus.failure.exitCode
    }
    print(e.userMessage(language), to: &stderr)
    return ExitStatus.of(e).exitCode
}

extension ExitStatus {
    /// The exit status of any error a person sees: each layer's error by its class, others 1.
    static func of(_ error: any UserFacingError) -> ExitStatus {
        switch error {
        case let e as PKCS11Error: of(e)
        case let e as PCSCError: of(e)
        case let e as PIVError: of(e)
        case let e as LifecycleError: of(e)
        case let e as RAClientError: of(e)
        case let e as CLIError: e.status
        case let e as DriversError:
            switch e {
            case .tableInvalid, .tableUnreadable, .driversFolderNotFound: .badInput
            default: .failure
            }
        case let e as KeyStoreUnavailable: e == .tokenMissing ? .tokenMissing : .pinProblem
        case is BackupPasswordError, is PKCS12Error: .badInput
        case is DriveError: .notEligible
        case is OrderSignatureError: .verificationFailed
        default: .failure
        }
    }
}

/// An error of the command layer itself (bad input, missing secret…), with both languages and an exit status.
struct CLIError: UserFacingError {
    var summary: LocalizedText
    var remedy: LocalizedText?
    var status: ExitStatus

    init(_ status: ExitStatus, summary: LocalizedText, remedy: LocalizedText?) {
        self.status = status
        self.summary = summary
        self.remedy = remedy
    }

    init(_ status: ExitStatus, en: String, zhTW: String, remedyEN: String? = nil, remedyZH: String? = nil) {
        self.status = status
        summary = LocalizedText(en: en, zhTW: zhTW)
        if let remedyEN, let remedyZH { remedy = LocalizedText(en: remedyEN, zhTW: remedyZH) }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}
