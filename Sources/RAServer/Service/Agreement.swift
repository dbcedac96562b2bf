import Crypto
import Foundation
public import Localization

/// The certificate agreement a customer accepts before any identity step. Its version and the
/// SHA-256 of its text (the canonical form below) are recorded with each acceptance, so the broker
/// can show exactly what was agreed to.
public struct Agreement: Sendable, Hashable {
    public var version: String
    public var text: LocalizedText

    public init(version: String, text: LocalizedText) {
        self.version = version
        self.text = text
    }

    /// The hashed form: `TokenCert agreement <version>\n\n[zh-TW]\n<text>\n\n[en]\n<text>\n`, UTF-8.
    public var canonicalText: String {
        "TokenCert agreement \(version)\n\n[zh-TW]\n\(text.traditionalChinese)\n\n[en]\n\(text.english)\n"
    }

    /// Lower-case hex SHA-256 of `canonicalText`.
    public var sha256: String { hexString(SHA256.hash(data: Array(canonicalText.utf8))) }

    /// The current agreement.
    public static let current = Agreement(version: "2026-11", text: LocalizedText(
        en: """
        1. What the certificate is for. The trading certificate identifies you when you place orders \
        electronically with your broker. Every order you sign with it is as binding as your signature \
        on paper, and the broker checks that signature before acting on the order.

        2. Your key stays with you. The private key is generated on your USB token or smart card (or, \
        where you have none, in software on your own computer) and never leaves it. The broker never \
        sees or keeps it. Keep the token and its PIN apart, do not lend them, and report a loss at once.

        3. Validity, renewal and revocation. A certificate is valid for one year and ends at 23:59:59 \
        Taipei time on its last day. It can be renewed online in its last 30 days. You may revoke it \
        online at most twice in a calendar year; beyond that, or if you cannot confirm your identity, \
        revocation is done in person at a branch. A revoked certificate cannot be restored, and orders \
        signed after revocation are refused.

        4. Identity checks. Before a certificate is issued or revoked you confirm your birth date (or \
        company registration date) and a one-time code sent to your mobile phone or e-mail. Three wrong \
        birth dates in a row lock online certificate services for 24 hours.

        5. Privacy. The broker uses your ID number, name, birth date, contact details and accounts only \
        to issue and manage your certificate and to verify your orders, keeps records of these actions \
        as the securities rules require, and shares them only where the law requires it.
        """,
        zhTW: """
        一、憑證用途：交易憑證用於您以電子方式向券商下單時識別您的身分。以憑證簽章之委託，與您在書面上之簽名具有相同效力；券商於執行委託前將驗證該簽章。

        二、金鑰由您保管：私密金鑰於您的 USB 載具或晶片卡內產生（無載具者，於您自己的電腦以軟體產生），不會離開該載具，券商無從取得亦不留存。請將載具與密碼分開保管，勿借予他人；如有遺失，請立即通知券商。

        三、效期、展期與廢止：憑證效期為一年，於最後一日台北時間 23:59:59 屆滿；到期前 30 日內可線上展期。每一日曆年度線上廢止以兩次為限；超過次數或無法完成身分驗證者，請親至分公司臨櫃辦理。憑證一經廢止即無法回復，廢止後簽章之委託將不被受理。

        四、身分驗證：申請或廢止憑證前，您須確認出生日期（法人為公司設立登記日期），並輸入傳送至您行動電話或電子郵件之一次性驗證碼。出生日期連續輸入錯誤三次，線上憑證服務將鎖定 24 小時。

        五、個人資料保護：券商僅於核發、管理您的憑證及驗證您的委託之目的內，使用您的身分證字號、姓名、出生日期、聯絡資料及帳號；依證券相關法規保存上述作業紀錄，除法令規定外不提供予第三人。
        """))
}
