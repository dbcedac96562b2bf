public import Localization
public import PCSC

/// A PC/SC failure in words. The PCSC target itself carries no customer text.
extension PCSCError {
    /// No service, no reader, no card or a card pulled → token missing; a wrong PIN verified by the
    /// reader → PIN; others → failure.
    public var category: ErrorCategory {
        switch code {
        case .noService, .serviceStopped, .noReadersAvailable, .unknownReader, .readerUnavailable,
             .noSmartcard, .warningRemovedCard, .warningUnpoweredCard, .warningUnresponsiveCard:
            .tokenMissing
        case .invalidChv, .warningWrongChv, .warningChvBlocked: .pin
        default: .failure
        }
    }

    public var summary: LocalizedText {
        let base = code.explanation.summary
        let where_ = reader.map { (" (reader \"\($0)\")", "（讀卡機「\($0)」）") } ?? ("", "")
        return LocalizedText(en: "\(base.english)\(where_.0) [\(code.name) in \(function)]",
                             zhTW: "\(base.traditionalChinese)\(where_.1)［\(code.name)，\(function)］")
    }

    public var remedy: LocalizedText? { code.explanation.remedy }
}

extension PCSCError.Code {
    /// What the code means to a person and what to do, in English and Traditional Chinese.
    public var explanation: (summary: LocalizedText, remedy: LocalizedText?) {
        func t(_ en: String, _ zh: String, _ ren: String? = nil, _ rzh: String? = nil) -> (LocalizedText, LocalizedText?) {
            (LocalizedText(en: en, zhTW: zh), ren.map { LocalizedText(en: $0, zhTW: rzh ?? $0) })
        }
        let doctor = ("Run `tokencert doctor` to check the reader and the smart-card service.",
                      "請執行 `tokencert doctor` 檢查讀卡機與智慧卡服務。")
        let bug = ("This is a program error: report it to the help desk with the code shown.",
                   "這是程式錯誤，請將畫面上的代碼提供給客服。")
        switch self {
        case .success: return t("The operation succeeded.", "作業成功。")
        case .failureInternalError: return t("The smart-card service hit an internal error.", "智慧卡服務發生內部錯誤。", doctor.0, doctor.1)
        case .cancelled: return t("The operation was cancelled.", "作業已取消。")
        case .invalidHandle: return t("The connection to the card is no longer valid.", "與卡片的連線已失效。", "Remove and insert the card, then try again.", "請重新插拔卡片後再試一次。")
        case .invalidParameter: return t("The smart-card service rejected a parameter.", "智慧卡服務拒絕了某個參數。", bug.0, bug.1)
        case .invalidTarget: return t("The smart-card service was given an invalid target.", "智慧卡服務收到無效的目標。", bug.0, bug.1)
        case .noMemory: return t("The smart-card service ran out of memory.", "智慧卡服務記憶體不足。", "Close other programs and try again.", "請關閉其他程式後再試一次。")
        case .failureWaitedTooLong: return t("The smart-card service waited too long.", "智慧卡服務等待逾時。", doctor.0, doctor.1)
        case .insufficientBuffer: return t("The answer from the card was larger than expected.", "卡片回應的資料超出預期長度。", bug.0, bug.1)
        case .unknownReader: return t("That reader is not connected.", "找不到指定的讀卡機。", "Check the reader name with `tokencert readers` and plug the reader in.", "請以 `tokencert readers` 確認讀卡機名稱，並接上讀卡機。")
        case .timeout: return t("No answer came in time.", "等待回應逾時。")
        case .sharingViolation: return t("Another program is using the card exclusively (often a browser, a signing client or another TokenCert window).", "另一個程式正以獨占方式使用卡片（常見為瀏覽器、簽章元件或另一個 TokenCert 視窗）。", "Close the other program that uses the card, then try again.", "請關閉正在使用卡片的其他程式後再試一次。")
        case .noSmartcard: return t("There is no card in the reader.", "讀卡機內沒有卡片。", "Insert the card and try again.", "請插入卡片後再試一次。")
        case .unknownCard: return t("The card is not a kind this reader knows.", "讀卡機無法辨識此卡片。", "Check that the card is inserted the right way up.", "請確認卡片插入方向正確。")
        case .cantDispose: return t("The card could not be released as asked.", "無法依要求釋放卡片。", doctor.0, doctor.1)
        case .protoMismatch: return t("The card and the reader cannot agree on a protocol.", "卡片與讀卡機的通訊協定不相容。", "Try another reader, or reinsert the card.", "請改用其他讀卡機，或重新插入卡片。")
        case .notReady: return t("The reader or card is not ready.", "讀卡機或卡片尚未就緒。", "Wait a moment and try again.", "請稍候再試一次。")
        case .invalidValue: return t("The smart-card service rejected a value.", "智慧卡服務拒絕了某個數值。", bug.0, bug.1)
        case .systemCancelled: return t("The system cancelled the operation (logging out or shutting down).", "系統取消了作業（登出或關機中）。")
        case .failureCommError: return t("Communication with the reader failed.", "與讀卡機通訊失敗。", "Reconnect the reader (another USB port helps) and try again.", "請重新連接讀卡機（可換一個 USB 埠）後再試一次。")
        case .failureUnknownError: return t("The smart-card service reported an unknown error.", "智慧卡服務回報未知錯誤。", doctor.0, doctor.1)
        case .invalidAtr: return t("The card's answer-to-reset is invalid.", "卡片的重置回應（ATR）無效。", "Reinsert the card; if it persists the card may be damaged.", "請重新插入卡片；若持續發生，卡片可能已損壞。")
        case .notTransacted: return t("The card operation was interrupted.", "卡片作業被中斷。", "Try again.", "請再試一次。")
        case .readerUnavailable: return t("The reader is not available now (it may have been unplugged).", "讀卡機目前無法使用（可能已被拔除）。", "Plug the reader back in and try again.", "請重新接上讀卡機後再試一次。")
        case .pciTooSmall: return t("The protocol buffer was too small.", "通訊協定緩衝區太小。", bug.0, bug.1)
        case .readerUnsupported: return t("This reader is not supported.", "不支援此讀卡機。", "Use a CCID-compliant reader; `tokencert doctor` lists known ones.", "請改用符合 CCID 規範的讀卡機；`tokencert doctor` 會列出已知型號。")
        case .duplicateReader: return t("The reader is already registered.", "讀卡機已重複登錄。", doctor.0, doctor.1)
        case .cardUnsupported: return t("This card is not supported.", "不支援此卡片。", "Use the card issued by your broker.", "請使用券商核發的卡片。")
        case .noService: return t("The smart-card service (pcscd) is not running.", "智慧卡服務（pcscd）未執行。", "Start it: sudo systemctl start pcscd.socket (install with apt-get install pcscd).", "請啟動服務：sudo systemctl start pcscd.socket（安裝：apt-get install pcscd）。")
        case .serviceStopped: return t("The smart-card service (pcscd) stopped.", "智慧卡服務（pcscd）已停止。", "Start it again: sudo systemctl start pcscd.socket.", "請重新啟動：sudo systemctl start pcscd.socket。")
        case .unexpected: return t("The smart-card service answered unexpectedly.", "智慧卡服務回應異常。", doctor.0, doctor.1)
        case .unsupportedFeature: return t("The reader does not support this feature.", "讀卡機不支援此功能。")
        case .iccInstallation: return t("No primary provider is installed for this card.", "此卡片沒有安裝對應的主要服務元件。", doctor.0, doctor.1)
        case .iccCreateorder: return t("The requested creation order is not supported.", "不支援要求的建立順序。", bug.0, bug.1)
        case .dirNotFound: return t("A directory was not found on the card.", "卡片上找不到指定目錄。")
        case .fileNotFound: return t("A file was not found on the card.", "卡片上找不到指定檔案。")
        case .noDir: return t("The path on the card is not a directory.", "卡片上的路徑不是目錄。")
        case .noFile: return t("The path on the card is not a file.", "卡片上的路徑不是檔案。")
        case .noAccess: return t("Access to the card's file was denied.", "存取卡片檔案遭拒。")
        case .writeTooMany: return t("The card is full.", "卡片空間已滿。", "Remove old certificates or use a new card.", "請移除舊憑證或改用新卡。")
        case .badSeek: return t("Positioning within a card file failed.", "卡片檔案定位失敗。", bug.0, bug.1)
        case .invalidChv: return t("The PIN is wrong.", "PIN 碼錯誤。", "Check the PIN; the card locks after too many wrong tries.", "請確認 PIN 碼；錯誤次數過多卡片會被鎖定。")
        case .unknownResMng: return t("An unknown resource manager error occurred.", "發生未知的資源管理錯誤。", doctor.0, doctor.1)
        case .noSuchCertificate: return t("The requested certificate does not exist.", "找不到要求的憑證。")
        case .certificateUnavailable: return t("The certificate could not be read.", "無法讀取憑證。")
        case .noReadersAvailable: return t("No smart-card reader is connected.", "沒有連接任何讀卡機。", "Plug in a reader; if it is plugged in, run `tokencert doctor`.", "請接上讀卡機；若已接上，請執行 `tokencert doctor`。")
        case .commDataLost: return t("Data was lost talking to the card.", "與卡片通訊時資料遺失。", "Reinsert the card and try again.", "請重新插入卡片後再試一次。")
        case .noKeyContainer: return t("The card has no key for this operation.", "卡片上沒有此作業所需的金鑰。", "Apply for a certificate first, or use the card that holds it.", "請先申請憑證，或使用存放憑證的卡片。")
        case .serverTooBusy: return t("The smart-card service is too busy.", "智慧卡服務忙碌中。", "Wait a moment and try again.", "請稍候再試一次。")
        case .warningUnsupportedCard: return t("The reader cannot talk to this card.", "讀卡機無法與此卡片通訊。", "Check the card is inserted correctly, or try another reader.", "請確認卡片插入正確，或改用其他讀卡機。")
        case .warningUnresponsiveCard: return t("The card does not respond.", "卡片沒有回應。", "Reinsert the card; clean the contacts if it persists.", "請重新插入卡片；若持續發生請清潔晶片接點。")
        case .warningUnpoweredCard: return t("The card is not powered.", "卡片未通電。", "Reinsert the card.", "請重新插入卡片。")
        case .warningResetCard: return t("The card was reset by another program; the session was lost.", "卡片已被其他程式重置，連線已中斷。", "Try again; log in with your PIN again if asked.", "請再試一次；如有要求請重新輸入 PIN 碼。")
        case .warningRemovedCard: return t("The card was removed.", "卡片已被移除。", "Insert the card and run the command again; nothing was half-done on the card.", "請插入卡片後重新執行指令。")
        case .warningSecurityViolation: return t("Access was denied for security reasons.", "因安全因素拒絕存取。")
        case .warningWrongChv: return t("The PIN is wrong.", "PIN 碼錯誤。", "Check the PIN; the card locks after too many wrong tries.", "請確認 PIN 碼；錯誤次數過多卡片會被鎖定。")
        case .warningChvBlocked: return t("The PIN is locked.", "PIN 碼已鎖定。", "A branch counter can unblock it with the PUK (`tokencert counter unlock`).", "請至分公司櫃檯以 PUK 解鎖（`tokencert counter unlock`）。")
        case .warningEof: return t("The end of a card file was reached.", "已到達卡片檔案結尾。")
        case .warningCancelledByUser: return t("You cancelled the operation.", "您已取消作業。")
        case .warningCardNotAuthenticated: return t("No PIN has been presented to the card.", "尚未向卡片提供 PIN 碼。", "Enter the PIN when asked.", "請依提示輸入 PIN 碼。")
        default:
            return t("The smart-card service reported \(name).", "智慧卡服務回報 \(name)。", doctor.0, doctor.1)
        }
    }
}
