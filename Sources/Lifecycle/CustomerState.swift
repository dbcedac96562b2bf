import Foundation
public import Localization

/// Where a customer stands, seen from this computer and the host together. Every state has a next
/// step, so a missing token or a needed PIN is something to tell the customer, not a crash.
public enum CustomerState: String, Sendable, Hashable, CaseIterable, Codable {
    /// No usable certificate here.
    case noCertificate
    /// A valid certificate here that the host agrees is active.
    case active
    /// Active, and in its last days: renewal is open.
    case inRenewalWindow
    /// A renewal was issued but is not yet installed and confirmed.
    case pendingInstall
    /// The certificate here has passed its notAfter.
    case expired
    /// The certificate here was revoked (or replaced) on the host.
    case revoked
    /// The token or card holding the key is not present.
    case tokenMissing
    /// The token or card needs its PIN before anything can be read or signed.
    case pinNeeded
    /// Online certificate services are locked (wrong birth dates, or a blocked PIN).
    case locked

    /// A short name of the state.
    public var label: LocalizedText {
        switch self {
        case .noCertificate: LocalizedText(en: "No certificate", zhTW: "尚無憑證")
        case .active: LocalizedText(en: "Active", zhTW: "有效")
        case .inRenewalWindow: LocalizedText(en: "Active, renewal open", zhTW: "有效，可展期")
        case .pendingInstall: LocalizedText(en: "Renewal not finished", zhTW: "展期尚未完成")
        case .expired: LocalizedText(en: "Expired", zhTW: "已過期")
        case .revoked: LocalizedText(en: "Revoked", zhTW: "已廢止")
        case .tokenMissing: LocalizedText(en: "Token not found", zhTW: "找不到載具")
        case .pinNeeded: LocalizedText(en: "PIN needed", zhTW: "需要輸入 PIN 碼")
        case .locked: LocalizedText(en: "Locked", zhTW: "已鎖定")
        }
    }

    /// What the customer does next in this state, in general terms (`StatusVerdict` is more specific).
    public var nextStep: LocalizedText {
        switch self {
        case .noCertificate:
            LocalizedText(en: "Apply for a certificate: tokencert apply.", zhTW: "請申請憑證：tokencert apply。")
        case .active:
            LocalizedText(en: "Nothing to do; the certificate is ready for trading.", zhTW: "無須處理，憑證可正常用於交易。")
        case .inRenewalWindow:
            LocalizedText(en: "Renew the certificate before it expires: tokencert renew.", zhTW: "請於到期前展期：tokencert renew。")
        case .pendingInstall:
            LocalizedText(en: "Finish the renewal: run tokencert renew again.", zhTW: "請完成展期：再次執行 tokencert renew。")
        case .expired:
            LocalizedText(en: "The certificate can no longer be renewed; apply for a new one: tokencert apply.",
                          zhTW: "憑證已過期，無法展期；請重新申請：tokencert apply。")
        case .revoked:
            LocalizedText(en: "Remove the revoked certificate and apply for a new one: tokencert apply.",
                          zhTW: "請移除已廢止的憑證並重新申請：tokencert apply。")
        case .tokenMissing:
            LocalizedText(en: "Insert the token or card that holds your key, then try again.", zhTW: "請插入存放金鑰的載具或晶片卡後再試。")
        case .pinNeeded:
            LocalizedText(en: "Enter the token's PIN to continue.", zhTW: "請輸入載具 PIN 碼以繼續。")
        case .locked:
            LocalizedText(en: "Wait until the lock ends, or visit a branch where an officer can unlock it.",
                          zhTW: "請待鎖定解除後再試，或親至分公司由營業員解除鎖定。")
        }
    }
}
