import CertificateKit
import Domain
import Foundation
import Lifecycle
import Localization
import RAHTTPClient

/// What every customer command sets up: the RA client, the prompt, the store, the lifecycle.
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
    var keyLocation: String?

    init(_ s: CertificateSummary) {
        serial = s.serialNumber
        subject = s.subject
        issuer = s.issuer
        notBefore = s.notBefore
        notAfter = s.notAfter
        key = s.key
        sha256Fingerprint = s.sha256Fingerprint
        keyLocation = s.keyLocation?.description
    }
}

/// A message in both languages, for JSON.
struct TextJSON: Codable {
    var en: String
    var zhTW: String
    enum CodingKeys: String, CodingKey { case en, zhTW = "zh-TW" }
    init(_ t: LocalizedText) { (en, zhTW) = (t.english, t.traditionalChinese) }
}
