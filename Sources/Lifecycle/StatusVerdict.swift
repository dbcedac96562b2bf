public import CertificateKit
public import Foundation
public import Localization
public import RAContract

/// What this computer can see of the customer's certificate.
public enum ClientSide: Sendable, Hashable {
    /// The key store holds no certificate.
    case empty
    /// The certificate next to the current key.
    case certificate(CertificateSummary)
    /// The token or card is not present.
    case tokenMissing
    /// The token or card needs its PIN to be read; `triesLeft` when known.
    case pinNeeded(triesLeft: Int?)
    /// The token's PIN is blocked.
    case pinLocked
}

/// The client-versus-host comparison behind `tokencert status`: a pure function of what the key
/// store holds, what the host says and the time.
public struct StatusVerdict: Sendable, Hashable {
    /// What to do about it.
    public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
        /// Client and host agree on one active certificate; nothing to do.
        case ok
        /// In the renewal window: renew.
        case renew
        /// Nothing active anywhere: apply.
        case apply
        /// The host has an active certificate this computer does not hold: revoke it, then apply.
        case revokeThenApply
        /// A renewal is pending on the host: run renew again to install and confirm it.
        case finishRenewal
        /// The certificate here is revoked, replaced or expired and nothing else is active: remove it, apply.
        case removeThenApply
        /// Insert the token or card.
        case insertToken
        /// Enter the PIN.
        case enterPIN
        /// Wait for the lock to end or visit a branch.
        case waitOrVisitBranch
    }

    /// Where the customer stands.
    public var state: CustomerState
    /// What to do.
    public var action: Action
    /// The specific next step, in both languages.
    public var nextStep: LocalizedText
    /// The serial (lower-case hex) of the certificate on this computer, if any.
    public var clientSerial: String?
    /// The serial (lower-case hex) of the host's active or pending certificate, if any.
    public var hostSerial: String?

    public init(state: CustomerState, action: Action, nextStep: LocalizedText, clientSerial: String? = nil, hostSerial: String? = nil) {
        self.state = state
        self.action = action
        self.nextStep = nextStep
        self.clientSerial = clientSerial
        self.hostSerial = hostSerial
    }

    /// Compares the two sides.
    ///
    /// A lock on the host wins whenever an online step would be needed; an active certificate in use
    /// stays `active` during a lock (trading does not need the RA). A token that cannot be read wins
    /// over everything else, since the client side is then unknown.
    /// - Parameters:
    ///   - client: what the key store holds.
    ///   - host: the host status, or nil when it was not asked (then only the client side counts).
    ///   - now: the time to judge validity at.
    ///   - renewalWindowDays: used when the host does not give `renewalOpensAt` for the certificate.
    public static func evaluate(client: ClientSide, host: RA.HostStatus?, now: Date, renewalWindowDays: Int = 30) -> StatusVerdict {
        let base = compare(client: client, host: host, now: now, renewalWindowDays: renewalWindowDays)
        if let until = host?.lockedUntil, until > now, base.action != .ok,
           base.action != .insertToken, base.action != .enterPIN {
            return StatusVerdict(state: .locked, action: .waitOrVisitBranch, nextStep: lockedStep(until),
                                 clientSerial: base.clientSerial, hostSerial: base.hostSerial)
        }
        return base
    }

    static func compare(client: ClientSide, host: RA.HostStatus?, now: Date, renewalWindowDays: Int) -> StatusVerdict {
        let entries = host?.certificates ?? []
        let active = entries.first { $0.state == .active && $0.notAfter >= now }
        let pending = entries.first { $0.state == .pending && $0.notAfter >= now }

        let summary: CertificateSummary
        switch client {
        case .tokenMissing:
            return StatusVerdict(state: .tokenMissing, action: .insertToken, nextStep: CustomerState.tokenMissing.nextStep,
                                 hostSerial: active?.serial)
        case .pinNeeded(let tries):
            let step = tries.map {
                LocalizedText(en: "Enter the token's PIN to continue (\($0) tries left before it locks).",
                              zhTW: "請輸入載具 PIN 碼以繼續（再錯 \($0) 次將鎖定）。")
            } ?? CustomerState.pinNeeded.nextStep
            return StatusVerdict(state: .pinNeeded, action: .enterPIN, nextStep: step, hostSerial: active?.serial)
        case .pinLocked:
            return StatusVerdict(state: .locked, action: .waitOrVisitBranch,
                                 nextStep: LocalizedText(en: "The token's PIN is blocked: unblock it with the PUK, or visit a branch.",
                                                         zhTW: "載具 PIN 碼已鎖定：請以 PUK 解鎖，或親至分公司辦理。"),
                                 hostSerial: active?.serial)
        case .empty:
            if let active {
                return StatusVerdict(state: .noCertificate, action: .revokeThenApply, nextStep: revokeThenApplyStep(active.serial),
                                     hostSerial: active.serial)
            }
            return StatusVerdict(state: .noCertificate, action: .apply, nextStep: CustomerState.noCertificate.nextStep,
                                 hostSerial: pending?.serial)
        case .certificate(let s):
            summary = s
        }

        let serial = summary.serialNumber.lowercased()
        let mine = entries.first { $0.serial.lowercased() == serial }
        func verdict(_ state: CustomerState, _ action: Action, _ step: LocalizedText? = nil, host: String? = nil) -> StatusVerdict {
            StatusVerdict(state: state, action: action, nextStep: step ?? state.nextStep, clientSerial: serial,
                          hostSerial: host ?? mine?.serial ?? active?.serial)
        }
        // What to do once the certificate here is of no use.
        func replaceStep(_ state: CustomerState) -> StatusVerdict {
            if let active, active.serial.lowercased() != serial {
                return verdict(state, .revokeThenApply, revokeThenApplyStep(active.serial), host: active.serial)
            }
            return verdict(state, .removeThenApply, state.nextStep)
        }

        if summary.notAfter < now || mine?.state == .expired { return replaceStep(.expired) }
        guard let mine else {
            // No host answer: judge by the certificate alone.
            guard host != nil else { return clientOnly(summary, serial: serial, now: now, renewalWindowDays: renewalWindowDays) }
            // Unknown to the host (another RA, or a certificate the host never issued to this customer).
            return replaceStep(.noCertificate)
        }
        switch mine.state {
        case .revoked, .superseded:
            return replaceStep(.revoked)
        case .expired:
            return replaceStep(.expired)
        case .pending:
            return verdict(.pendingInstall, .finishRenewal,
                           LocalizedText(en: "The renewed certificate (serial \(serial)) is installed but not confirmed: run tokencert renew again.",
                                         zhTW: "展期後的新憑證（序號 \(serial)）已安裝但尚未確認：請再次執行 tokencert renew。"))
        case .active:
            if let pending {
                return verdict(.pendingInstall, .finishRenewal,
                               LocalizedText(en: "A renewed certificate (serial \(pending.serial)) is waiting: run tokencert renew again to install it.",
                                             zhTW: "展期的新憑證（序號 \(pending.serial)）尚待安裝：請再次執行 tokencert renew。"),
                               host: pending.serial)
            }
            if now >= mine.renewalOpensAt { return renewStep(summary, serial: serial, host: mine.serial) }
            return verdict(.active, .ok)
        }
    }

    /// Without the host: validity and the renewal window from the certificate alone.
    static func clientOnly(_ summary: CertificateSummary, serial: String, now: Date, renewalWindowDays: Int) -> StatusVerdict {
        let opens = summary.notAfter.addingTimeInterval(-Double(renewalWindowDays) * 86_400)
        if now >= opens { return renewStep(summary, serial: serial, host: nil) }
        return StatusVerdict(state: .active, action: .ok, nextStep: CustomerState.active.nextStep, clientSerial: serial)
    }

    static func renewStep(_ summary: CertificateSummary, serial: String, host: String?) -> StatusVerdict {
        let until = CertificateSummary.taipeiString(summary.notAfter)
        return StatusVerdict(
            state: .inRenewalWindow, action: .renew,
            nextStep: LocalizedText(en: "The certificate expires at \(until) (Taipei time): renew it now with tokencert renew.",
                                    zhTW: "憑證將於 \(until)（台北時間）到期：請立即以 tokencert renew 展期。"),
            clientSerial: serial, hostSerial: host)
    }

    static func revokeThenApplyStep(_ hostSerial: String) -> LocalizedText {
        LocalizedText(en: "The host has an active certificate (serial \(hostSerial)) that is not on this computer or token: revoke it (tokencert revoke), then apply (tokencert apply).",
                      zhTW: "主機上有一張有效憑證（序號 \(hostSerial)），但不在此電腦或載具中：請先廢止（tokencert revoke），再重新申請（tokencert apply）。")
    }

    static func lockedStep(_ until: Date) -> LocalizedText {
        let when = CertificateSummary.taipeiString(until)
        return LocalizedText(en: "Online certificate services are locked until \(when) (Taipei time): wait, or visit a branch where an officer can unlock them.",
                             zhTW: "線上憑證服務鎖定至 \(when)（台北時間）：請稍候再試，或親至分公司由營業員解除鎖定。")
    }
}
