import Localization

/// The terminal's words for the remedies that depend on the front end (`RemedyHint`): they name
/// `tokencert`'s options, environment variables and commands. The web page has its own catalogue
/// (`UIRemedies`), which never names an option.
enum CLIRemedies {
    static func text(_ hint: RemedyHint) -> LocalizedText? {
        switch hint {
        case .givePIN:
            LocalizedText(en: "Give it with --pin-file / --store-password-file or $TOKENCERT_PIN / $TOKENCERT_STORE_PASSWORD, or type it when asked; mind the tries left.",
                          zhTW: "請以 --pin-file／--store-password-file 或環境變數 TOKENCERT_PIN／TOKENCERT_STORE_PASSWORD 提供，或於詢問時輸入；請留意剩餘次數。")
        case .giveAdministratorPIN:
            LocalizedText(en: "Give it with --so-pin-file or TOKENCERT_SO_PIN (a PIV management key as 48 hex digits), or have the branch counter issue the card (`tokencert counter issue`).",
                          zhTW: "請以 --so-pin-file 或 TOKENCERT_SO_PIN 提供（PIV 管理金鑰為 48 位十六進位字元），或至分公司臨櫃發卡（`tokencert counter issue`）。")
        case .insertToken:
            LocalizedText(en: "Insert the token or card (check with tokencert tokens / tokencert readers), then run the command again.",
                          zhTW: "請插入載具或晶片卡（可用 tokencert tokens／tokencert readers 確認）後再執行。")
        case .chooseAnotherStore:
            LocalizedText(en: "Use a USB token (--token), a card (--reader) or a software certificate (--software).",
                          zhTW: "請改用 USB 載具（--token）、晶片卡（--reader）或軟體憑證（--software）。")
        case .giveModule:
            LocalizedText(en: "Give the module with --module, or in the URI as module-path= or module-name=; `tokencert tokens` lists them.",
                          zhTW: "請以 --module 或在 URI 中以 module-path= / module-name= 指定模組；`tokencert tokens` 會列出可用模組。")
        case .checkRAAddress:
            LocalizedText(en: "Check the network connection and the --ra address (or $TOKENCERT_RA), then try again; nothing was changed.",
                          zhTW: "請檢查網路連線及 --ra 位址（或環境變數 TOKENCERT_RA）後再試；本機資料未有任何變更。")
        case .confirmFixedDisk:
            LocalizedText(en: "Back up to a USB stick or memory card and keep it safe. To write to this disk anyway, confirm with --force.",
                          zhTW: "請備份至隨身碟或記憶卡並妥善保管。若仍要寫入此磁碟，請加上 --force 確認。")
        case .revokeLostCertificate:
            LocalizedText(en: "If that certificate is on this computer or token, use it (or renew it in its last 30 days). If it is lost, revoke it first with tokencert revoke --serial SERIAL (the serial above), then apply.",
                          zhTW: "若該憑證在本機或載具中，請直接使用（到期前 30 天內可展期）；若已遺失，請先以 tokencert revoke --serial 序號（上列序號）廢止，再重新申請。")
        case .confirmUnprotectedBackup:
            LocalizedText(en: "Restore a backup written by TokenCert or the broker's app. Only if you know where this file came from, run again with --force.",
                          zhTW: "請匯入由 TokenCert 或券商程式寫入的備份檔；唯有確知此檔來源時，才加上 --force 重新執行。")
        case .giveTrustedCA:
            LocalizedText(en: "Connect to the network and try again, or give the broker's CA certificate with --ca FILE.",
                          zhTW: "請連上網路後再試，或以 --ca 檔案 指定券商的憑證機構憑證。")
        case .trustServiceCA:
            LocalizedText(en: "If the broker gave you its own CA certificate for the service, pass it with --ra-ca FILE (or $TOKENCERT_RA_CA); otherwise check the --ra address. Nothing was sent and nothing was changed.",
                          zhTW: "若券商提供了服務用的自有 CA 憑證，請以 --ra-ca 檔案（或環境變數 TOKENCERT_RA_CA）指定；否則請確認 --ra 位址。未送出任何資料，本機亦無任何變更。")
        }
    }
}
