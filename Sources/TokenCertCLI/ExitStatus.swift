import ArgumentParser
import CertificateKit
import Domain
import Lifecycle
import Localization
import PCSC
import PIV
import PKCS11

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
        switch error.returnValue {
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
func report(_ error: Error, language: Language) -> ExitCode {
    var stderr = StandardError()
    switch error {
    case let e as PKCS11Error:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.of(e).exitCode
    case let e as PCSCError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.of(e).exitCode
    case let e as PIVError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.of(e).exitCode
    case let e as DriversError:
        print(e.userMessage(language), to: &stderr)
        switch e {
        case .tableInvalid, .tableUnreadable, .driversFolderNotFound: return ExitStatus.badInput.exitCode
        default: return ExitStatus.failure.exitCode
        }
    case let e as LifecycleError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.of(e).exitCode
    case let e as RAClientError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.of(e).exitCode
    case let e as KeyStoreUnavailable:
        print(e.userMessage(language), to: &stderr)
        return (e == .tokenMissing ? ExitStatus.tokenMissing : .pinProblem).exitCode
    case let e as BackupPasswordError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.badInput.exitCode
    case let e as DriveError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.notEligible.exitCode
    case let e as PKCS12Error:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.badInput.exitCode
    case let e as OrderSignatureError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.verificationFailed.exitCode
    case let e as CLIError:
        print(e.userMessage(language), to: &stderr)
        return e.status.exitCode
    case let e as ExitCode:
        return e
    case let e as UserFacingError:
        print(e.userMessage(language), to: &stderr)
        return ExitStatus.failure.exitCode
    default:
        print(language == .english ? "Error: \(error)" : "錯誤：\(error)", to: &stderr)
        return ExitStatus.failure.exitCode
    }
}

/// An error of the command layer itself (bad input, missing secret…), with both languages and an exit status.
struct CLIError: UserFacingError {
    var summary: LocalizedText
    var remedy: LocalizedText?
    var status: ExitStatus

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
