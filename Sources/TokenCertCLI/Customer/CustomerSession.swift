import ArgumentParser
import CertificateKit
import Domain
import Foundation
import Lifecycle
import Localization
import RAHTTPClient

/// A command whose errors are reported once — in the chosen language, with the terminal's remedies
/// and the documented exit code — so `work()` only does the work.
protocol ReportingCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func work() async throws
}

extension ReportingCommand {
    func run() async throws {
        do { try await work() } catch { throw report(error, language: global.language) }
    }
}

/// A customer command (apply, renew, revoke, backup, restore, sign-test, status): the context is
/// built once — RA client, prompt, lifecycle — and every error is reported once, in the chosen
/// language with the terminal's remedies and the documented exit code. A command only does its work
/// in `run(_:)`.
protocol CustomerCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    var raOptions: RAOptions { get }
    /// The answers given ahead for the identity steps; nil for commands without them (an unparsed
    /// `JourneyOptions()` must not be read: ArgumentParser traps on it).
    var journeyAnswers: JourneyOptions? { get }
    /// `--key-type` where the command generates a key.
    var keyTypeChoice: String? { get }
    /// The command's work, with the context built.
    func run(_ run: CustomerRun) async throws
}

extension CustomerCommand {
    var journeyAnswers: JourneyOptions? { nil }
    var keyTypeChoice: String? { nil }

    func run() async throws {
        do {
            try await run(try CustomerRun(global: global, ra: raOptions, journey: journeyAnswers, keyType: keyTypeChoice))
        } catch {
            throw report(error, language: global.language)
        }
    }
}

/// What every customer command sets up: the RA client, the prompt, the lifecycle.
struct CustomerRun {
    let global: GlobalOptions
    let ra: HTTPRAClient
    let prompt: TerminalPrompt
    let lifecycle: CertificateLifecycle

    /// - Parameter journey: the answers given ahead; nil for commands without identity steps (an
    ///   unparsed `JourneyOptions()` must not be read: ArgumentParser traps on it).
    init(global: GlobalOptions, ra: RAOptions, journey: JourneyOptions? = nil, keyType: String? = nil) throws {
        self.global = global
        self.ra = try ra.client(language: global.language)
        prompt = try journey?.prompt(global)
            ?? TerminalPrompt(language: global.language, assumeYes: false, account: nil, channel: nil, quiet: global.format == .json)
        lifecycle = CertificateLifecycle(ra: self.ra, prompt: prompt, journal: FileJournal(directory: FileJournal.defaultDirectory()),
                                         configuration: try ClientSettings.configuration(keyType: keyType))
    }

    var language: Language { global.language }

    /// Prints a line on stdout in text mode.
    func say(_ en: String, _ zh: String) {
        if global.format == .text { print(language == .english ? en : zh) }
    }

    func text(_ t: LocalizedText) -> String { t.text(language) }
}

/// JSON shapes shared by the customer commands (documented in docs/schemas/).
struct CertificateJSON: Codable {
    var serial: String
    var subject: String
    var issuer: String
    var notBefore: Date
    var notAfter: Date
    var key: String
    var sha256Fingerprint: String
    /// Where the key lives, in words.
    var keyLocation: LocalizedText?

    init(_ s: CertificateSummary) {
        serial = s.serialNumber
        subject = s.subject
        issuer = s.issuer
        notBefore = s.notBefore
        notAfter = s.notAfter
        key = s.key
        sha256Fingerprint = s.sha256Fingerprint
        keyLocation = s.keyLocation?.text
    }
}
