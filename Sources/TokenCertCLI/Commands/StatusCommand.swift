import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization
import RAContract

/// `tokencert status`: the certificate here and the host's record side by side, with a verdict and
/// the next step.
struct StatusCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the certificate here and on the host side by side, with what to do next.",
        discussion: """
        Client side: where the key lives, serial, validity (Asia/Taipei) and, for tokens, the PIN state. Host side: every certificate the broker holds for you with its state (pending, active, revoked with reason, expired, superseded), when renewal opens, and the online revocations left this year. The verdict compares them, e.g. "host active but nothing here → revoke, then apply".

        A missing token or a needed PIN is a state with a next step, not an error. With --offline only the client side is read (no login).

        With --format json: one JSON document as docs/schemas/status.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert status --id A123456789 --token 'pkcs11:token=Alice' --module /usr/lib/softhsm/libsofthsm2.so
          tokencert status --id A123456789 --password-file ~/.config/tokencert/password --software --format json

        Exit codes: 0 ok · 3 action needed (apply, renew, revoke…) · 4 token missing · 5 PIN needed or locked · 6 RA unreachable · 64 bad input.

        With --check (for scripts and the daily reminder timer, in the spirit of step's `needs-renewal`): nothing is printed unless something needs doing, nothing is ever asked, and the exit code says what the certificate needs — 0 fine (nothing to do) · 10 renew now (the renewal window is open) · 11 expired, revoked or replaced (apply again) · 3 another step (finish a renewal, revoke then apply, apply) · 4 token missing · 5 PIN needed or locked · 6 RA unreachable. Unlike step, "fine" is 0, so `tokencert status --check || notify` works and a systemd unit fails only when there is something to do. Only the certificate is read here, which needs no PIN and no store passphrase (certificates are public on tokens and cards, and kept outside the encrypted key files of the software store). The host is asked when the e-trading password comes without a prompt (--password-file or $TOKENCERT_PASSWORD) and the customer is known (--id or $TOKENCERT_ID); otherwise the certificate here is judged alone (its dates; a revocation is then not seen).

        Example (the tokencert package's user timer, tokencert-status-check.timer, runs this daily):
          tokencert status --check || echo "certificate needs attention: $?"
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var customer: CustomerOptions
    @OptionGroup var store: StoreOptions
    @Flag(name: .long, help: "Only the client side: do not log in to the RA.") var offline = false
    @Flag(name: .long, help: "Print only when something needs doing and exit with what the certificate needs: 0 fine, 10 renew now, 11 expired or revoked (see the discussion). Never asks for anything.")
    var check = false

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        let keyStore = try await store.open(language: lang, needsKeys: false)
        var session: RA.Session?
        if !offline && (!check || customer.loginNeedsNoPrompt) { session = try await customer.login(run.ra, language: lang).0 }
        let report = await run.lifecycle.status(store: keyStore, session: session, certificateOnly: check)
        if check {
            let status = Self.checkStatus(report)
            if status != 0 {
                // One line a notification or the journal can show: the state and the next step (or why
                // the host could not be asked).
                if status == ExitStatus.raUnreachable.rawValue, let e = report.hostError {
                    Swift.print(e.summary.text(lang))
                } else {
                    Swift.print(report.verdict.state.label.text(lang) + (lang == .english ? ": " : "：") + report.verdict.nextStep.text(lang))
                }
                throw ExitCode(status)
            }
            return
        }
        try Self.print(report, run: run)
        if let e = report.hostError, e.isUnreachable { throw e }
        switch report.verdict.action {
        case .ok: return
        case .insertToken: throw ExitStatus.tokenMissing.exitCode
        case .enterPIN: throw ExitStatus.pinProblem.exitCode
        default: throw ExitStatus.notEligible.exitCode
        }
    }

    /// `--check`'s exit codes (documented in the discussion and the README): what the certificate needs.
    enum CheckExit {
        /// Renew now: the renewal window is open.
        static let renewNow: Int32 = 10
        /// Expired, revoked or replaced: apply again.
        static let applyAgain: Int32 = 11
    }

    /// The exit code of `--check` for a status report.
    static func checkStatus(_ report: CertificateLifecycle.StatusReport) -> Int32 {
        let verdict = report.verdict
        switch verdict.action {
        case .ok:
            // Judged on the certificate alone because the host did not answer: say so.
            if let e = report.hostError, e.isUnreachable { return ExitStatus.raUnreachable.rawValue }
            return ExitStatus.ok.rawValue
        case .renew: return CheckExit.renewNow
        case .insertToken: return ExitStatus.tokenMissing.rawValue
        case .enterPIN: return ExitStatus.pinProblem.rawValue
        case .waitOrVisitBranch:
            return report.client == .pinLocked ? ExitStatus.pinProblem.rawValue : ExitStatus.notEligible.rawValue
        case .removeThenApply, .revokeThenApply, .apply, .finishRenewal:
            return verdict.state == .expired || verdict.state == .revoked ? CheckExit.applyAgain : ExitStatus.notEligible.rawValue
        }
    }

    struct StatusJSON: Codable {
        struct Client: Codable {
            var state: String
            var certificate: CertificateJSON?
            var pinTriesLeft: Int?
            var keys: [CertificateLifecycle.KeyLine]
        }
        struct Verdict: Codable {
            var state: String
            var action: String
            var nextStep: LocalizedText
            var clientSerial: String?
            var hostSerial: String?
        }
        var client: Client
        var host: RA.HostStatus?
        var hostError: LocalizedText?
        var verdict: Verdict
    }

    static func json(_ report: CertificateLifecycle.StatusReport) -> StatusJSON {
        var state = "empty", certificate: CertificateJSON?, tries: Int?
        switch report.client {
        case .empty: state = "empty"
        case .certificate(let s): state = "certificate"; certificate = CertificateJSON(s)
        case .tokenMissing: state = "token-missing"
        case .pinNeeded(let t): state = "pin-needed"; tries = t
        case .pinLocked: state = "pin-locked"
        }
        let v = report.verdict
        return StatusJSON(client: .init(state: state, certificate: certificate, pinTriesLeft: tries, keys: report.keys),
                          host: report.host, hostError: report.hostError.map(\.summary),
                          verdict: .init(state: v.state.rawValue, action: v.action.rawValue, nextStep: v.nextStep,
                                         clientSerial: v.clientSerial, hostSerial: v.hostSerial))
    }

    static func print(_ report: CertificateLifecycle.StatusReport, run: CustomerRun) throws {
        if run.global.format == .json { return try printJSON(json(report)) }
        let en = run.language == .english
        Swift.print(en ? "Client side (this computer)" : "用戶端憑證（本機）")
        switch report.client {
        case .certificate(let s):
            var table = TextTable(header: en ? ["Serial", "Valid from", "Valid until", "Key", "Where the key lives"] : ["憑證序號", "生效日", "到期日", "金鑰", "金鑰位置"])
            table.rows.append([s.serialNumber, CertificateSummary.taipeiString(s.notBefore), CertificateSummary.taipeiString(s.notAfter), s.key,
                               s.keyLocation.map { $0.text.text(run.language) } ?? "-"])
            Swift.print(table.render())
        case .empty: Swift.print(en ? "  no certificate" : "  尚無憑證")
        case .tokenMissing: Swift.print(en ? "  token or card not found" : "  找不到載具或晶片卡")
        case .pinNeeded(let t): Swift.print((en ? "  PIN needed" : "  需要 PIN 碼") + (t.map { en ? " (\($0) tries left)" : "（剩餘 \($0) 次）" } ?? ""))
        case .pinLocked: Swift.print(en ? "  PIN blocked" : "  PIN 碼已鎖定")
        }
        Swift.print("")
        if let host = report.host {
            Swift.print(en ? "Host side (broker)" : "主機端憑證（券商）")
            var table = TextTable(header: en ? ["Serial", "State", "Valid from", "Valid until", "Renewal opens"] : ["憑證序號", "狀態", "生效日", "到期日", "可展期日"])
            for c in host.certificates {
                var state = stateLabel(c.state, run.language)
                if let reason = c.revocationReasonLabel { state += en ? " (\(reason.english))" : "（\(reason.traditionalChinese)）" }
                table.rows.append([c.serial.uppercased(), state, CertificateSummary.taipeiString(c.notBefore),
                                   CertificateSummary.taipeiString(c.notAfter), CertificateSummary.taipeiString(c.renewalOpensAt)])
            }
            Swift.print(host.certificates.isEmpty ? (en ? "  no certificate" : "  尚無憑證") : table.render())
            Swift.print(en ? "Online revocations left this year: \(host.onlineRevocationsLeftThisYear)" : "本年度剩餘線上廢止次數：\(host.onlineRevocationsLeftThisYear)")
            if let until = host.lockedUntil {
                Swift.print(en ? "Online services locked until \(CertificateSummary.taipeiString(until))" : "線上憑證服務鎖定至 \(CertificateSummary.taipeiString(until))")
            }
        } else if let e = report.hostError {
            Swift.print(en ? "Host side: not available — \(e.summary.english)" : "主機端：無法取得 — \(e.summary.traditionalChinese)")
        }
        Swift.print("")
        Swift.print((en ? "Verdict: " : "判定：") + report.verdict.state.label.text(run.language))
        Swift.print((en ? "Next step: " : "下一步：") + report.verdict.nextStep.text(run.language))
    }

    static func stateLabel(_ state: RA.CertificateState, _ language: Language) -> String {
        let en = language == .english
        switch state {
        case .pending: return en ? "pending" : "待確認"
        case .active: return en ? "active" : "有效"
        case .revoked: return en ? "revoked" : "已廢止"
        case .superseded: return en ? "superseded" : "已展期汰換"
        case .expired: return en ? "expired" : "已過期"
        }
    }
}
