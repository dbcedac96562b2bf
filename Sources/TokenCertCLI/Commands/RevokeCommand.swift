public import ArgumentParser
public import CertificateKit
import Foundation
import Lifecycle
import Localization
import RAContract

extension RevocationReason: ExpressibleByArgument {
    public init?(argument: String) {
        let key = argument.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        if let n = Int(argument), let r = RevocationReason(rawValue: n) { self = r; return }
        guard let match = RevocationReason.allCases.first(where: { "\($0)".lowercased() == key }) else { return nil }
        self = match
    }
    public static var allValueStrings: [String] { RevocationReason.allCases.filter { $0 != .removeFromCRL }.map { "\($0)" } }
}

/// `tokencert revoke`.
struct RevokeCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke the certificate (at most 2 online revocations a year); the key and certificate here are removed after the host confirms.",
        discussion: """
        Shows the online revocations left this year, asks for confirmation and both identity steps, revokes on the host, and only then removes the key and certificate here. With --serial, revokes a host certificate this computer no longer holds (status says "revoke, then apply"). Beyond 2 online revocations in a calendar year (Asia/Taipei) revocation is done at a branch counter.

        Reasons a customer may choose online (RFC 5280 codes): keyCompromise (1, the token or key was lost or exposed), affiliationChanged (3, your details changed), superseded (4), cessationOfOperation (5, you stop trading electronically). Without --reason you are asked; with --yes the reason is cessationOfOperation. Other reasons are the CA's own and are refused before anything is sent.

        With --format json: one JSON document as docs/schemas/revoke.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert revoke --id A123456789 --software --reason keyCompromise
          tokencert revoke --id A123456789 --serial 5F0E… --yes

        Exit codes: 0 revoked · 3 not eligible (limit used up, nothing active) · 4 token missing · 6 RA unreachable.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var journey: JourneyOptions
    @Option(name: .long, help: ArgumentHelp("RFC 5280 reason: keyCompromise, affiliationChanged, superseded or cessationOfOperation.",
                                            valueName: "reason"))
    var reason: RevocationReason?
    @Option(name: .long, help: ArgumentHelp("Serial (hex) of a host certificate to revoke; default: the one here.", valueName: "hex"))
    var serial: String?

    var journeyAnswers: JourneyOptions? { journey }

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        if let reason, !RevocationReason.customerChoices.contains(reason) {
            throw CLIError(.badInput, en: "“\(reason.label.english)” cannot be chosen online.", zhTW: "線上廢止不可選擇「\(reason.label.traditionalChinese)」。",
                           remedyEN: "Use --reason keyCompromise, affiliationChanged, superseded or cessationOfOperation.",
                           remedyZH: "請用 --reason keyCompromise（金鑰洩漏或遺失）、affiliationChanged（身分資料變更）、superseded（已由新憑證取代）或 cessationOfOperation（停止使用）。")
        }
        let reason: RevocationReason
        if let chosen = self.reason { reason = chosen } else if journey.yes { reason = .cessationOfOperation } else {
            reason = try await Self.askReason(run.prompt)
        }
        let keyStore = try await store.open(language: lang, needsKeys: serial == nil)
        let (session, id) = try await customer.login(run.ra, language: lang)
        let done = try await run.lifecycle.revoke(store: keyStore, session: session, customerID: id, serial: serial, reason: reason)
        let r = done.revocation
        if global.format == .json {
            struct JSON: Codable { var revocation: RA.Revocation; var removedLocally: Bool }
            return try printJSON(JSON(revocation: r, removedLocally: done.removedLocally))
        }
        run.say("✔ Certificate \(r.serial.uppercased()) revoked (\(r.reasonLabel.english)) at \(CertificateSummary.taipeiString(r.revokedAt)).",
                "✔ 憑證 \(r.serial.uppercased()) 已廢止（\(r.reasonLabel.traditionalChinese)），時間 \(CertificateSummary.taipeiString(r.revokedAt))。")
        run.say("  Online revocations left this year: \(r.onlineRevocationsLeftThisYear)", "  本年度剩餘線上廢止次數：\(r.onlineRevocationsLeftThisYear)")
        run.say(done.removedLocally ? "  The key and certificate here were removed." : "  Nothing here to remove.",
                done.removedLocally ? "  本機金鑰與憑證已移除。" : "  本機無須移除任何項目。")
    }

    /// Asks for one of the reasons a customer may choose online.
    static func askReason(_ prompt: TerminalPrompt) async throws -> RevocationReason {
        let choices = RevocationReason.customerChoices.map { PromptChoice(id: "\($0)", label: $0.label) }
        let picked = try await prompt.choose(LocalizedText(en: "Why is the certificate revoked?", zhTW: "請選擇廢止原因"), choices)
        return RevocationReason(argument: picked) ?? .cessationOfOperation
    }
}
