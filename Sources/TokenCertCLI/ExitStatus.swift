public import ArgumentParser
import KeyStores
public import Localization

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

    /// The exit status of an error category — the whole table; no layer's error type is named here.
    public init(_ category: ErrorCategory) {
        self = switch category {
        case .notEligible: .notEligible
        case .tokenMissing: .tokenMissing
        case .pin: .pinProblem
        case .unreachable: .raUnreachable
        case .badInput: .badInput
        case .verification: .verificationFailed
        case .failure: .failure
        }
    }

    /// The category this status stands for (`.ok` → `.failure`, never used for an error).
    var category: ErrorCategory {
        switch self {
        case .ok, .failure: .failure
        case .verificationFailed: .verification
        case .notEligible: .notEligible
        case .tokenMissing: .tokenMissing
        case .pinProblem: .pin
        case .raUnreachable: .unreachable
        case .badInput: .badInput
        }
    }
}

/// Prints a user-facing error on stderr in the chosen language and returns the exit code to throw.
public func report(_ error: Error, language: Language) -> ExitCode {
    var stderr = StandardError()
    if let code = error as? ExitCode { return code }
    guard let e = DeviceFailure.translated(error) as? any UserFacingError else {
        print(language == .english ? "Error: \(error)" : "錯誤：\(error)", to: &stderr)
        return ExitStatus.failure.exitCode
    }
    print(e.userMessage(language, remedies: CLIRemedies.text), to: &stderr)
    return ExitStatus.of(e).exitCode
}

extension ExitStatus {
    /// The exit status of any error a person sees: its category.
    static func of(_ error: any UserFacingError) -> ExitStatus { ExitStatus(error.category) }
}

/// An error of the command layer itself (bad input, missing secret…), with both languages and an exit status.
struct CLIError: UserFacingError {
    var category: ErrorCategory { status.category }
    var hint: RemedyHint?
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
