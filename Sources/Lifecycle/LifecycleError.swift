import Foundation
public import Localization
import RAContract

/// Why a lifecycle operation stopped, with what to do next. The CLI maps `kind` to its exit codes.
public struct LifecycleError: Error, Sendable, Hashable, UserFacingError, CustomStringConvertible {
    /// The class of the failure, for exit codes and scripts.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The rules say no right now (not in the window, an active certificate exists, none to revoke…).
        case notEligible
        /// The person said no, or gave up.
        case cancelled
        /// A check failed: the certificate does not match the key, a test signature did not verify.
        case verificationFailed
        /// Something the operation needs is not here (no certificate, no key).
        case missing
        /// Bad input: a date, a password, a file.
        case badInput
        /// An operation stopped midway and left work that the next run finishes.
        case interrupted
        /// A service the operation needs (the RA) could not be reached.
        case unreachable
    }

    public var kind: Kind
    /// Machine-readable reason, e.g. `active-certificate-exists`.
    public var code: String
    /// The category of `kind` (an interrupted step takes the category of what interrupted it).
    public var category: ErrorCategory {
        switch kind {
        case .notEligible, .missing: .notEligible
        case .verificationFailed: .verification
        case .badInput: .badInput
        case .unreachable: .unreachable
        case .cancelled: .failure
        case .interrupted:
            code == "interrupted-token-missing" ? .tokenMissing : code == "interrupted-pin" ? .pin : .failure
        }
    }

    public var summary: LocalizedText
    public var remedy: LocalizedText?
    /// How the remedy is done in each front end, when that differs.
    public var hint: RemedyHint?

    public init(_ kind: Kind, code: String, summary: LocalizedText, remedy: LocalizedText? = nil, hint: RemedyHint? = nil) {
        (self.kind, self.code, self.summary, self.remedy, self.hint) = (kind, code, summary, remedy, hint)
    }

    public var description: String { "\(code): \(summary.english)" }

    static func text(_ en: String, _ zh: String) -> LocalizedText { LocalizedText(en: en, zhTW: zh) }

    public static let cancelled = LifecycleError(
        .cancelled, code: "cancelled", summary: text("Stopped at your request; nothing was changed on the host.", "已依您的要求停止，主機端未做任何變更。"))

    public static let noCertificate = LifecycleError(
        .missing, code: "no-certificate",
        summary: text("There is no certificate here.", "本機沒有憑證。"),
        remedy: text("Apply for one with tokencert apply, or restore a backup with tokencert restore.",
                     "請以 tokencert apply 申請，或以 tokencert restore 匯入備份。"))

    static func hostHasActive(_ serial: String) -> LifecycleError {
        LifecycleError(
            .notEligible, code: RAErrorCode.activeCertificateExists.rawValue,
            summary: text("The host already has an active certificate (serial \(serial.uppercased())); a second one cannot be applied for.",
                          "主機端已有有效憑證（序號 \(serial.uppercased())），不可重複申請。"),
            remedy: text("If that certificate is on this computer or token, use it (or renew it in its last 30 days). If it is lost, revoke it first (serial \(serial.uppercased())), then apply.",
                         "若該憑證在本機或載具中，請直接使用（到期前 30 天內可展期）；若已遺失，請先廢止該憑證（序號 \(serial.uppercased())），再重新申請。"),
            hint: .revokeLostCertificate)
    }

    static func renewalNotOpen(_ opens: Date) -> LifecycleError {
        let day = taipeiDay(opens)
        return LifecycleError(
            .notEligible, code: RAErrorCode.renewalNotOpen.rawValue,
            summary: text("Renewal is not open yet: it opens on \(day) (Asia/Taipei), 30 days before the certificate ends.",
                          "尚未到展期期間：自 \(day) 起（到期前 30 天）方可展期。"),
            remedy: text("Run tokencert renew again on or after \(day).", "請於 \(day) 之後再執行 tokencert renew。"))
    }

    static func notRenewable(_ state: String) -> LifecycleError {
        LifecycleError(
            .notEligible, code: RAErrorCode.notRenewable.rawValue,
            summary: text("This certificate cannot be renewed (host state: \(state)); only a valid, active certificate can.",
                          "此憑證無法展期（主機狀態：\(state)）；僅有效中的憑證可展期。"),
            remedy: text("Apply for a new certificate: tokencert apply.", "請重新申請憑證：tokencert apply。"))
    }

    static func revocationsUsedUp() -> LifecycleError {
        LifecycleError(
            .notEligible, code: RAErrorCode.revocationsUsedUp.rawValue,
            summary: text("Both online revocations for this year have been used.", "本年度 2 次線上廢止次數已用完。"),
            remedy: text("Visit a branch with your ID: an officer can revoke the certificate at the counter.",
                         "請攜帶身分證件親至分公司臨櫃辦理廢止。"))
    }

    public static let tokenKeyNotExportable = LifecycleError(
        .notEligible, code: "backup-not-software",
        summary: text("This certificate's key is on a token or card and cannot be copied out, so there is nothing to back up.",
                      "此憑證的金鑰存放於載具或晶片卡中，無法匯出，因此不需也不能備份。"),
        remedy: text("Keep the token safe; if it is lost, revoke the certificate and apply for a new one. Backups are for software certificates only.",
                     "請妥善保管載具；若遺失，請廢止憑證後重新申請。備份僅適用於軟體憑證。"))

    static func keyMismatch(_ what: String) -> LifecycleError {
        LifecycleError(
            .verificationFailed, code: "key-mismatch",
            summary: text("The certificate does not belong to the key (\(what)).", "憑證與金鑰不相符（\(what)）。"),
            remedy: text("Nothing was installed. Try again; if it happens again, contact the broker.", "未安裝任何憑證。請再試一次；若仍發生，請洽券商。"))
    }

    static let testSignatureFailed = LifecycleError(
        .verificationFailed, code: "test-signature-failed",
        summary: text("The test signature with the new key did not verify against its certificate.", "以新金鑰所做的測試簽章無法以其憑證驗證。"),
        remedy: text("Run the command again; if it fails again, the token may be faulty — contact the broker.", "請再執行一次；若仍失敗，載具可能故障，請洽券商。"))

    static func interrupted(_ operation: String, _ underlying: any Error) -> LifecycleError {
        let detail = (underlying as? UserFacingError)?.summary ?? text("\(underlying)", "\(underlying)")
        // The code names a device cause, so a script (and the CLI's exit code) can tell "insert the token" apart.
        let code = switch underlying as? KeyStoreUnavailable {
        case .tokenMissing: "interrupted-token-missing"
        case .pinNeeded, .pinLocked: "interrupted-pin"
        case nil: "interrupted"
        }
        return LifecycleError(
            .interrupted, code: code,
            summary: text("The \(operation) stopped after the host issued the certificate: \(detail.english)",
                          "\(operation == "renewal" ? "展期" : "申請")在主機核發憑證後中斷：\(detail.traditionalChinese)"),
            remedy: text("Fix the cause (insert the token, check the PIN), then run the same command again: it picks up where it stopped.",
                         "請排除原因（插入載具、確認 PIN 碼）後再執行同一指令，將從中斷處接續完成。"))
    }

    static func taipeiDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Taipei")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
