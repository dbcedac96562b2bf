import Lifecycle
import Localization

/// The web page's words for the remedies that depend on the front end (`RemedyHint`): they name the
/// page's screens and fields, never a command-line option (the terminal's are `CLIRemedies`).
enum UIRemedies {
    static func text(_ hint: RemedyHint) -> LocalizedText? {
        switch hint {
        case .givePIN:
            LocalizedText(en: "Type the PIN (or the store password) when the page asks for it; mind the tries left.",
                          zhTW: "請於頁面詢問時輸入 PIN 碼（或存放區密碼）；請留意剩餘次數。")
        case .giveAdministratorPIN:
            LocalizedText(en: "This token needs its administrator PIN to store a certificate: have the branch counter issue it.",
                          zhTW: "此載具須以管理者 PIN 才能存放憑證，請至分公司臨櫃發卡。")
        case .insertToken:
            LocalizedText(en: "Insert the token or card, then try again; the environment check (menu 5) shows what this computer sees.",
                          zhTW: "請插入載具或晶片卡後再試一次；「環境檢測」（選單 5）會列出本機偵測到的裝置。")
        case .chooseAnotherStore:
            LocalizedText(en: "Close this page and start it again with a USB token, a card or a software certificate.",
                          zhTW: "請關閉此頁面，改以 USB 載具、晶片卡或軟體憑證重新開啟。")
        case .giveModule:
            LocalizedText(en: "The token's software (PKCS#11 module) is not set: run the environment check (menu 5) and ask the broker's help desk.",
                          zhTW: "尚未設定載具的軟體（PKCS#11 模組）：請執行「環境檢測」（選單 5），並洽券商客服。")
        case .checkRAAddress:
            LocalizedText(en: "Check the network connection, then try again; if it keeps failing, ask the broker's help desk for the service address. Nothing was changed.",
                          zhTW: "請檢查網路連線後再試；若持續失敗，請向券商客服確認服務位址。本機資料未有任何變更。")
        case .confirmFixedDisk:
            LocalizedText(en: "Back up to a USB stick or memory card and keep it safe.",
                          zhTW: "請備份至隨身碟或記憶卡並妥善保管。")
        case .revokeLostCertificate:
            LocalizedText(en: "If that certificate is on this computer or token, use it. If it is lost, revoke it first (menu 4, 憑證廢止), then apply.",
                          zhTW: "若該憑證在本機或載具中，請直接使用；若已遺失，請先至「憑證廢止」（選單 4）廢止，再重新申請。")
        case .confirmUnprotectedBackup:
            LocalizedText(en: "Choose a backup written by TokenCert or the broker's app; this page does not restore unprotected files. If this is the only backup you have, ask the broker's help desk.",
                          zhTW: "請選擇由 TokenCert 或券商程式寫入的備份檔；本頁面不匯入未受保護的檔案。若僅有此備份檔，請洽券商客服。")
        case .giveTrustedCA:
            LocalizedText(en: "Check the network connection, then try again.", zhTW: "請檢查網路連線後再試。")
        case .trustServiceCA:
            LocalizedText(en: "This computer does not trust the broker's service. Ask the broker's help desk how to set it up; nothing was sent and nothing was changed.",
                          zhTW: "本機不信任券商的服務憑證。請洽券商客服詢問設定方式；未送出任何資料，本機亦無任何變更。")
        }
    }

    /// The status screen's next step in the page's words: its buttons and menus, where the terminal's
    /// verdict names a command (`tokencert renew`).
    static func nextStep(_ verdict: StatusVerdict) -> LocalizedText {
        switch verdict.action {
        case .apply, .removeThenApply:
            LocalizedText(en: "Apply for a new certificate: press “Apply” below.", zhTW: "請按下方「申請憑證」申請新憑證。")
        case .renew:
            LocalizedText(en: "Renew the certificate before it expires: press “Renew” below.", zhTW: "請於到期前按下方「憑證展期」辦理展期。")
        case .finishRenewal:
            LocalizedText(en: "A renewed certificate is waiting: press “Renew” below to install and confirm it.",
                          zhTW: "展期的新憑證尚待安裝：請按下方「憑證展期」完成安裝與確認。")
        case .revokeThenApply:
            LocalizedText(en: "The host has an active certificate (serial \((verdict.hostSerial ?? "").uppercased())) that is not on this computer or token: if it is lost, revoke it (menu 4), then apply.",
                          zhTW: "主機上有一張有效憑證（序號 \((verdict.hostSerial ?? "").uppercased())），但不在此電腦或載具中：若已遺失，請先至「憑證廢止」（選單 4）廢止，再重新申請。")
        case .enterPIN:
            LocalizedText(en: "Press “Enter the PIN” below and type the token's PIN.", zhTW: "請按下方「輸入 PIN 碼」並輸入載具的 PIN 碼。")
        case .insertToken:
            text(.insertToken)!
        case .ok, .waitOrVisitBranch:
            verdict.nextStep
        }
    }
}
