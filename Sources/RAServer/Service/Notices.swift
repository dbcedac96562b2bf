import Foundation
public import RAContract

/// What the customer's app shows under "announcements" and "FAQ" (menu items 6 and 7 of the
/// manual), served by the RA so the broker can change them without a client release. Each entry
/// in zh-TW and English; the defaults below are TokenCert's own texts.
public struct Notices: Codable, Sendable, Hashable {
    /// One entry, as `GET /announcements` and `GET /faq` send it.
    public typealias Entry = RA.Notice
    /// Text in both languages (`{"en": …, "zh-TW": …}`).
    public typealias Text = RA.Text

    public var announcements: [Entry]
    public var faq: [Entry]

    public init(announcements: [Entry], faq: [Entry]) { (self.announcements, self.faq) = (announcements, faq) }

    /// Reads a JSON file of this shape (`serve --config` names it as `notices`).
    public static func load(path: String) throws -> Notices {
        guard let data = FileManager.default.contents(atPath: path) else { throw SetupError.cannotRead(path) }
        return try JSONDecoder().decode(Notices.self, from: data)
    }

    public static let standard = Notices(
        announcements: [
            Entry(date: "2026-11-01",
                  title: Text(en: "Certificates are valid for one year", zhTW: "憑證效期為一年"),
                  body: Text(en: "Every certificate ends at 23:59:59 Taipei time one year after issue. Renew it online in its last 30 days: a new key is made on your token, the old one is removed once the new certificate is installed.",
                             zhTW: "憑證自核發起一年後於台北時間 23:59:59 到期。請於到期前 30 天內線上展期：新金鑰於您的載具內產生，新憑證安裝完成後舊金鑰即移除。")),
            Entry(date: "2026-11-01",
                  title: Text(en: "Back up software certificates", zhTW: "請備份軟體憑證"),
                  body: Text(en: "A certificate kept in software lives only on this computer. Export a backup (.pfx) to a USB drive and keep it apart from the computer.",
                             zhTW: "軟體憑證僅存於本機。請匯出備份（.pfx）至隨身碟，並與電腦分開保管。")),
        ],
        faq: [
            Entry(title: Text(en: "I typed the wrong birth date three times.", zhTW: "出生日期輸入錯誤三次怎麼辦？"),
                  body: Text(en: "Online certificate services are locked for 24 hours. Wait, or visit a branch with your ID: an officer can unlock them.",
                             zhTW: "線上憑證服務將鎖定 24 小時。請稍候，或攜帶身分證件至分公司由經辦人員解除鎖定。")),
            Entry(title: Text(en: "The one-time code expired.", zhTW: "一次性密碼逾時了？"),
                  body: Text(en: "A code is valid for 5 minutes. Ask for a new one (after 60 s); the old one stops working. Check that the 4-letter identifier in the message matches the screen.",
                             zhTW: "一次性密碼有效時間 5 分鐘。可於 60 秒後重新發送，舊密碼即失效。請核對簡訊中的 4 碼識別碼與畫面相同。")),
            Entry(title: Text(en: "How many times can I revoke online?", zhTW: "每年可線上廢止幾次？"),
                  body: Text(en: "Twice per calendar year. Beyond that, revoke at a branch counter.",
                             zhTW: "每一日曆年兩次；超過次數請至分公司臨櫃辦理。")),
            Entry(title: Text(en: "My token is not found.", zhTW: "找不到載具？"),
                  body: Text(en: "Run the environment check (menu 5): it tells whether pcscd, the reader and the token's driver work, and what to do.",
                             zhTW: "請執行環境檢測（選單 5）：會說明 pcscd、讀卡機與載具驅動程式是否正常，以及處理方式。")),
        ])
}
