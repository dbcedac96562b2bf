public import Localization
public import PKCS11

extension ReturnValue {
    /// What the code means to a person and what they can do, in English and Traditional Chinese (Taiwan).
    ///
    /// The summary is one sentence for a customer or a branch-counter officer; the remedy is nil only
    /// where there is nothing useful to suggest. Codes that only a program mistake can cause get a
    /// remedy asking for a bug report that quotes the code. Unknown and vendor-defined codes get
    /// ``genericExplanation(name:)``.
    public var explanation: (summary: LocalizedText, remedy: LocalizedText?) {
        func t(_ en: String, _ zh: String, _ remedy: LocalizedText? = nil) -> (summary: LocalizedText, remedy: LocalizedText?) {
            (LocalizedText(en: en, zhTW: zh), remedy)
        }
        func r(_ en: String, _ zh: String) -> LocalizedText { LocalizedText(en: en, zhTW: zh) }

        let bug = r("This is a program error, not something you did: report it as a bug to the help desk and quote the code \(name).",
                    "這是程式錯誤，並非您操作不當：請向客服回報此問題，並提供代碼 \(name)。")
        let retryThenBug = r("Run the command again; if it happens again, report it as a bug to the help desk and quote the code \(name).",
                             "請重新執行指令；若再次發生，請向客服回報此問題，並提供代碼 \(name)。")
        let retryThenDoctor = r("Try again; if it keeps failing, run `tokencert doctor`, then contact the broker's help desk and quote the code \(name).",
                                "請再試一次；若持續失敗，請執行 `tokencert doctor`，再與券商客服聯繫並提供代碼 \(name)。")
        let insert = r("Insert the token or card and try again; if it is inserted and this keeps happening, run `tokencert doctor`.",
                       "請插入載具或智慧卡後再試一次；若已插入仍持續發生，請執行 `tokencert doctor`。")
        let closeOthers = r("Close other programs that use the token (browsers, signing components, trading software), then try again.",
                            "請關閉其他正在使用載具的程式（瀏覽器、簽章元件、下單軟體）後再試一次。")
        let keyStaysOnToken = r("Nothing is broken: a private key kept on a token is designed never to leave it, so it cannot be copied or backed up. Only software certificates (such as a .p12 file) can be backed up; keep the token itself safe, and apply for a new certificate if it is lost.",
                                "這並非故障：存放在載具中的私密金鑰設計上不會離開載具，因此無法複製或備份。只有軟體憑證（例如 .p12 檔）可以備份；請妥善保管載具本身，遺失時請重新申請憑證。")
        let otherKeyType = r("Choose another key type or size, such as RSA 2048 or EC P-256; `tokencert tokens --mechanisms` lists what the token supports.",
                             "請改選其他金鑰類型或長度，例如 RSA 2048 或 EC P-256；`tokencert tokens --mechanisms` 會列出載具支援的項目。")
        let badFile = r("Check that you chose the right file and the right certificate; if it still fails, ask the sender for a fresh copy.",
                        "請確認選擇的檔案與憑證正確；若仍失敗，請向對方重新索取檔案。")
        let untrusted = r("Do not rely on this document; get the original again from its sender.",
                          "請勿採信此文件，並向寄件者重新取得原始文件。")

        switch self {
        case .ok:
            return t("The operation completed successfully.", "作業已順利完成。")
        case .cancel:
            return t("The operation was cancelled.", "作業已取消。",
                     r("Start it again if you still want it done.", "如仍需執行，請重新操作。"))
        case .hostMemory:
            return t("This computer ran out of memory while working with the token.", "電腦記憶體不足，無法完成載具作業。",
                     r("Close other programs and try again.", "請關閉其他程式後再試一次。"))
        case .slotIdInvalid:
            return t("The reader slot that was asked for no longer exists; the token may have been unplugged.",
                     "指定的讀卡機插槽已不存在，載具可能已被拔除。",
                     r("Plug the token or reader back in and run the command again; if it persists, run `tokencert doctor`.",
                       "請重新接上載具或讀卡機後再執行指令；若持續發生，請執行 `tokencert doctor`。"))
        case .generalError:
            return t("The token's software hit a serious failure it could not recover from.", "載具軟體發生無法復原的嚴重錯誤。",
                     r("Remove and reinsert the token, then try again; if it keeps happening, run `tokencert doctor` and contact the broker's help desk with the code \(name).",
                       "請重新插拔載具後再試一次；若持續發生，請執行 `tokencert doctor`，並與券商客服聯繫、提供代碼 \(name)。"))
        case .functionFailed:
            return t("The token could not complete the request.", "載具無法完成此要求。", retryThenDoctor)
        case .argumentsBad:
            return t("TokenCert handed the token's software a value it could not accept.", "TokenCert 傳給載具軟體的參數無法被接受。", bug)
        case .noEvent:
            return t("Nothing has changed in the readers since the last check.", "自上次檢查後，讀卡機狀態沒有變化。")
        case .needToCreateThreads:
            return t("The token's software needs to run background tasks, which TokenCert did not allow.",
                     "載具軟體需要執行背景工作，但 TokenCert 未允許。", bug)
        case .cantLock:
            return t("The token's software cannot safely handle several tasks at once in the way TokenCert asked.",
                     "載具軟體無法依 TokenCert 要求的方式安全地同時處理多項工作。", bug)
        case .attributeReadOnly:
            return t("This property of an item on the token cannot be changed.", "載具上此項目的屬性不允許修改。", bug)
        case .attributeSensitive:
            return t("The token refuses to reveal this secret value, because private keys are kept inside the token.",
                     "載具拒絕讀出此機密資料，因為私密金鑰只保存在載具內。", keyStaysOnToken)
        case .attributeTypeInvalid:
            return t("The token does not know one of the properties TokenCert asked about.", "載具不認得 TokenCert 查詢的某項屬性。", bug)
        case .attributeValueInvalid:
            return t("The token rejected a value TokenCert gave for an item on it.", "載具拒絕了 TokenCert 為項目設定的某個值。", bug)
        case .actionProhibited:
            return t("The token's own rules forbid this action.", "載具本身的規則禁止此操作。",
                     r("This token cannot do this; ask the help desk whether you need another token or card.",
                       "此載具無法執行這項操作；請洽客服確認是否需改用其他載具或智慧卡。"))
        case .dataInvalid:
            return t("The data given to the token is not in a form it accepts.", "提供給載具的資料格式不被接受。", bug)
        case .dataLenRange:
            return t("The data given to the token is too long or too short for this operation.", "提供給載具的資料長度不符合此作業的要求。", bug)
        case .deviceError:
            return t("The token or reader is not working properly.", "載具或讀卡機運作異常。",
                     r("Remove and reinsert the token (another USB port may help) and try again; if it keeps happening, run `tokencert doctor`.",
                       "請重新插拔載具（可換一個 USB 埠）後再試一次；若持續發生，請執行 `tokencert doctor`。"))
        case .deviceMemory:
            return t("The token is full and has no room for anything more.", "載具空間已滿，無法再存放新的資料。",
                     r("Delete old or expired certificates and keys from the token (`tokencert tokens --login` lists them), then try again.",
                       "請刪除載具上舊的或已過期的憑證與金鑰（可用 `tokencert tokens --login` 列出）後再試一次。"))
        case .deviceRemoved:
            return t("The token or card was removed while it was in use.", "載具或智慧卡在使用中被移除。", insert)
        case .encryptedDataInvalid:
            return t("The encrypted data is damaged or was not encrypted for this key.", "加密資料已損毀，或並非以此金鑰加密。", badFile)
        case .encryptedDataLenRange:
            return t("The encrypted data has the wrong length, so it is probably damaged.", "加密資料長度不正確，可能已損毀。", badFile)
        case .functionCanceled:
            return t("The operation was stopped before it finished.", "作業在完成前被中止。",
                     r("Run it again if you still need it.", "如仍需要，請重新執行。"))
        case .functionNotParallel:
            return t("The token cannot run this task in the background.", "載具無法在背景執行此工作。", bug)
        case .functionNotSupported:
            return t("The token's software does not offer this function.", "載具軟體不提供此功能。",
                     r("Update the token's software (its PKCS#11 module) or use a token issued by your broker; `tokencert doctor` shows which module is in use.",
                       "請更新載具軟體（PKCS#11 模組），或改用券商核發的載具；`tokencert doctor` 會顯示目前使用的模組。"))
        case .keyHandleInvalid:
            return t("The key TokenCert referred to is no longer available on the token.", "TokenCert 指定的金鑰已不在載具上。", retryThenBug)
        case .keySizeRange:
            return t("The token does not support a key of this size.", "載具不支援此長度的金鑰。", otherKeyType)
        case .keyTypeInconsistent:
            return t("The key is of the wrong kind for this operation.", "此金鑰的類型不適用於此作業。", bug)
        case .keyNotNeeded:
            return t("A key was supplied to an operation that does not use one.", "此作業不需要金鑰，卻收到了金鑰。", bug)
        case .keyChanged:
            return t("The key in use was changed on the token during the operation.", "作業進行中，載具上的金鑰已被變更。",
                     r("Run the command again.", "請重新執行指令。"))
        case .keyNeeded:
            return t("The operation needs a key that was not supplied.", "此作業需要金鑰，但未收到金鑰。", bug)
        case .keyIndigestible:
            return t("This key cannot be fed into a fingerprint (digest) calculation.", "此金鑰無法用於摘要（指紋）運算。", bug)
        case .keyFunctionNotPermitted:
            return t("This key is not allowed to be used for this purpose.", "此金鑰不允許用於這項用途。",
                     r("Use the certificate meant for this purpose; `tokencert tokens --login` shows what each key may be used for.",
                       "請使用適用於此用途的憑證；`tokencert tokens --login` 會顯示各金鑰的用途。"))
        case .keyNotWrappable:
            return t("This key may not be exported, not even in encrypted form.", "此金鑰不允許匯出，即使加密後也不行。", keyStaysOnToken)
        case .keyUnextractable:
            return t("The private key cannot be taken out of the token.", "私密金鑰無法從載具中取出。", keyStaysOnToken)
        case .mechanismInvalid:
            return t("The token does not support this algorithm.", "載具不支援此演算法。", otherKeyType)
        case .mechanismParamInvalid:
            return t("The token rejected the settings given for this algorithm.", "載具拒絕了此演算法的參數設定。",
                     r("Choose another key type; if that does not help, report it as a bug to the help desk and quote the code \(name).",
                       "請改選其他金鑰類型；若仍無法解決，請向客服回報此問題，並提供代碼 \(name)。"))
        case .objectHandleInvalid:
            return t("An item TokenCert referred to is no longer on the token; another program may have changed it.",
                     "TokenCert 指定的項目已不在載具上，可能已被其他程式變更。", retryThenBug)
        case .operationActive:
            return t("The token is still busy with an earlier operation.", "載具仍在處理先前的作業。",
                     r("Wait a moment and try again; if it persists, report it as a bug to the help desk and quote the code \(name).",
                       "請稍候再試一次；若持續發生，請向客服回報此問題，並提供代碼 \(name)。"))
        case .operationNotInitialized:
            return t("TokenCert tried to continue an operation on the token that was never started.", "TokenCert 嘗試繼續一項從未開始的載具作業。", bug)
        case .pinIncorrect:
            return t("The PIN is incorrect.", "PIN 碼錯誤。",
                     r("Check the PIN and type it again carefully (mind Caps Lock and the keyboard layout). Every wrong entry uses up a try, and the token locks after too many; `tokencert tokens` shows whether tries are running low.",
                       "請確認 PIN 碼後再仔細輸入一次（注意大小寫鎖定與鍵盤配置）。每次輸入錯誤都會用掉一次機會，錯誤過多載具將被鎖定；`tokencert tokens` 可查看剩餘次數是否已不多。"))
        case .pinInvalid:
            return t("The new PIN contains characters the token does not accept.", "新的 PIN 碼含有載具不接受的字元。",
                     r("Choose a PIN made only of the characters the token allows; digits (0–9) are accepted by every token.",
                       "請只使用載具允許的字元設定 PIN 碼；所有載具都接受數字（0–9）。"))
        case .pinLenRange:
            return t("The PIN is too short or too long for this token.", "PIN 碼長度不符合此載具的規定。",
                     r("Enter a PIN whose length is between the token's minimum and maximum; the token's instructions or the help desk can tell you the limits.",
                       "請輸入長度介於載具最短與最長限制之間的 PIN 碼；限制可參閱載具說明或洽詢客服。"))
        case .pinExpired:
            return t("The PIN has expired and must be changed before the token can be used.", "PIN 碼已過期，須先變更才能使用載具。",
                     r("Change the PIN (you will need the current one), then try again.", "請先變更 PIN 碼（需輸入目前的 PIN 碼）後再試一次。"))
        case .pinLocked:
            return t("The PIN is locked after too many wrong entries.", "PIN 碼因輸入錯誤次數過多已被鎖定。",
                     r("The user PIN cannot be used until it is unblocked. Bring the token and your ID to a branch counter: the security officer unblocks it with the SO PIN (`tokencert counter unlock`), or re-initialises the token, which erases it so the certificate must be applied for again.",
                       "使用者 PIN 碼須解鎖後才能再使用。請攜帶載具與身分證件至分公司櫃檯，由安全管理員以 SO PIN 碼解鎖（`tokencert counter unlock`），或重新初始化載具（載具內容將被清除，需重新申請憑證）。"))
        case .sessionClosed:
            return t("The connection to the token was closed during the operation.", "與載具的連線在作業中被關閉。",
                     r("Run the command again, and enter the PIN again if asked.", "請重新執行指令，如有要求請再次輸入 PIN 碼。"))
        case .sessionCount:
            return t("Too many programs are connected to the token at once.", "同時連線到載具的程式過多。", closeOthers)
        case .sessionHandleInvalid:
            return t("The connection to the token is no longer valid.", "與載具的連線已失效。", retryThenBug)
        case .sessionParallelNotSupported:
            return t("The token does not support the kind of connection TokenCert asked for.", "載具不支援 TokenCert 要求的連線方式。", bug)
        case .sessionReadOnly:
            return t("The connection to the token allows reading only, not changes.", "目前與載具的連線僅能讀取，無法修改。", bug)
        case .sessionExists:
            return t("The token is in use by another connection, so this cannot be done now.", "載具正被其他連線使用，目前無法執行此操作。", closeOthers)
        case .sessionReadOnlyExists:
            return t("Another read-only connection to the token stops the security officer from logging in.",
                     "載具上有其他唯讀連線，安全管理員無法登入。", closeOthers)
        case .sessionReadWriteSoExists:
            return t("The security officer is logged in to the token, so a read-only connection cannot be opened.",
                     "安全管理員已登入載具，因此無法開啟唯讀連線。",
                     r("Finish the security officer's work and log out, then try again.", "請先完成安全管理員的作業並登出，再試一次。"))
        case .signatureInvalid:
            return t("The signature does not match the data: the data was changed or signed with a different key.",
                     "簽章與資料不符：資料可能已被修改，或是以其他金鑰簽署。", untrusted)
        case .signatureLenRange:
            return t("The signature has the wrong length, so it cannot be valid.", "簽章長度不正確，不可能是有效的簽章。", untrusted)
        case .templateIncomplete:
            return t("The token needs more information to create this item.", "載具建立此項目所需的資訊不足。", bug)
        case .templateInconsistent:
            return t("The information given for a new item on the token contradicts itself.", "為載具新項目提供的資訊互相矛盾。", bug)
        case .tokenNotPresent:
            return t("No token or card is inserted.", "未插入載具或智慧卡。", insert)
        case .tokenNotRecognized:
            return t("The token or card is not one this software recognises.", "此軟體無法辨識此載具或智慧卡。",
                     r("Check that the card is inserted the right way up and is the one your broker issued; run `tokencert doctor` to check the reader and module.",
                       "請確認卡片插入方向正確，且為券商核發的卡片；並執行 `tokencert doctor` 檢查讀卡機與模組。"))
        case .tokenWriteProtected:
            return t("The token is write-protected, so nothing can be stored or changed on it.", "載具已設定防寫，無法儲存或修改任何內容。",
                     r("Turn off the write-protect switch if the token has one, or use another token; ask the help desk if unsure.",
                       "若載具有防寫開關請將其關閉，或改用其他載具；如有疑問請洽客服。"))
        case .unwrappingKeyHandleInvalid:
            return t("The key needed to unpack an imported key is not available on the token.", "用來解開匯入金鑰的金鑰不在載具上。", bug)
        case .unwrappingKeySizeRange:
            return t("The key needed to unpack an imported key has a size the token does not support.", "用來解開匯入金鑰的金鑰長度不受載具支援。", bug)
        case .unwrappingKeyTypeInconsistent:
            return t("The key needed to unpack an imported key is of the wrong kind.", "用來解開匯入金鑰的金鑰類型不正確。", bug)
        case .userAlreadyLoggedIn:
            return t("You are already logged in to the token.", "您已登入載具。")
        case .userNotLoggedIn:
            return t("This needs your PIN, and you have not logged in to the token yet.", "此操作需要 PIN 碼，但您尚未登入載具。",
                     r("Log in with your PIN (for example add `--login`) and try again.", "請輸入 PIN 碼登入（例如加上 `--login`）後再試一次。"))
        case .userPinNotInitialized:
            return t("The token has no user PIN set yet.", "載具尚未設定使用者 PIN 碼。",
                     r("The token must be set up first: a branch counter (or the security officer with the SO PIN) sets the user PIN.",
                       "載具須先完成設定：請至分公司櫃檯（或由安全管理員以 SO PIN 碼）設定使用者 PIN 碼。"))
        case .userTypeInvalid:
            return t("TokenCert asked to log in as a kind of user the token does not know.", "TokenCert 要求以載具不認得的身分登入。", bug)
        case .userAnotherAlreadyLoggedIn:
            return t("Someone else, such as the security officer, is already logged in to the token.", "已有其他身分（例如安全管理員）登入載具。",
                     r("Finish or close the other program's login, then try again.", "請先結束其他程式的登入後再試一次。"))
        case .userTooManyTypes:
            return t("Too many different users are logged in to the token at once.", "同時登入載具的身分過多。", closeOthers)
        case .wrappedKeyInvalid:
            return t("The encrypted key being imported is damaged or not valid.", "要匯入的加密金鑰已損毀或無效。", badFile)
        case .wrappedKeyLenRange:
            return t("The encrypted key being imported has the wrong length.", "要匯入的加密金鑰長度不正確。", badFile)
        case .wrappingKeyHandleInvalid:
            return t("The key meant to protect an exported key is not available.", "用來保護匯出金鑰的金鑰無法使用。", bug)
        case .wrappingKeySizeRange:
            return t("The key meant to protect an exported key has a size the token does not support.", "用來保護匯出金鑰的金鑰長度不受載具支援。", bug)
        case .wrappingKeyTypeInconsistent:
            return t("The key meant to protect an exported key is of the wrong kind.", "用來保護匯出金鑰的金鑰類型不正確。", bug)
        case .randomSeedNotSupported:
            return t("The token does not accept extra randomness from the computer.", "載具不接受電腦提供的額外亂數種子。", bug)
        case .randomNoRng:
            return t("The token has no random number generator, so it cannot create keys.", "載具沒有亂數產生器，因此無法產生金鑰。",
                     r("Use a token issued by your broker to create keys.", "請改用券商核發的載具產生金鑰。"))
        case .domainParamsInvalid:
            return t("The token rejected the parameters of this key type.", "載具拒絕了此金鑰類型的參數。", otherKeyType)
        case .curveNotSupported:
            return t("The token does not support this elliptic curve.", "載具不支援此橢圓曲線。", otherKeyType)
        case .bufferTooSmall:
            return t("The space TokenCert set aside for the token's answer was too small.", "TokenCert 預留給載具回應的空間不足。", bug)
        case .savedStateInvalid:
            return t("A saved state of an operation could not be restored on the token.", "無法在載具上還原先前保存的作業狀態。", bug)
        case .informationSensitive:
            return t("The token will not hand out this information because it is confidential.", "此資訊屬於機密，載具拒絕提供。", bug)
        case .stateUnsaveable:
            return t("The token cannot save the state of this operation.", "載具無法保存此作業的狀態。", bug)
        case .cryptokiNotInitialized:
            return t("The token's software was used before it had been started.", "載具軟體尚未啟動就被使用。", bug)
        case .cryptokiAlreadyInitialized:
            return t("The token's software was started a second time.", "載具軟體被重複啟動。", bug)
        case .mutexBad:
            return t("The token's software was given a broken lock for coordinating its tasks.", "載具軟體收到無效的工作同步鎖。", bug)
        case .mutexNotLocked:
            return t("The token's software tried to release a lock that was not held.", "載具軟體嘗試釋放一個未上鎖的同步鎖。", bug)
        case .newPinMode:
            return t("The token asks for a new PIN to be set now.", "載具要求立即設定新的 PIN 碼。",
                     r("Set a new PIN when asked, then try again.", "請依提示設定新的 PIN 碼後再試一次。"))
        case .nextOtp:
            return t("The token needs the next one-time password.", "載具需要下一組一次性密碼。",
                     r("Wait until your one-time-password device shows a new code, then enter it.", "請等待動態密碼裝置顯示新的密碼後再輸入。"))
        case .exceededMaxIterations:
            return t("The token gave up after too many attempts while creating a key.", "載具在產生金鑰時嘗試次數過多，已停止。",
                     r("Try again; if it keeps happening, choose another key type.", "請再試一次；若持續發生，請改選其他金鑰類型。"))
        case .fipsSelfTestFailed:
            return t("The token failed its built-in security self-test and will not work until it passes.", "載具未通過內建的安全自我檢測，通過前無法使用。",
                     r("Remove and reinsert the token; if it still fails, the token must be replaced, so contact the broker's help desk.",
                       "請重新插拔載具；若仍失敗，載具需要更換，請與券商客服聯繫。"))
        case .libraryLoadFailed:
            return t("The token's software (its PKCS#11 module) could not be loaded.", "無法載入載具軟體（PKCS#11 模組）。",
                     r("Install the module package (for example `apt-get install softhsm2` or `apt-get install opensc-pkcs11`) and check that the module path is right; `tokencert doctor` lists the modules it finds.",
                       "請安裝模組套件（例如 `apt-get install softhsm2` 或 `apt-get install opensc-pkcs11`），並確認模組路徑正確；`tokencert doctor` 會列出找到的模組。"))
        case .pinTooWeak:
            return t("The new PIN is too easy to guess.", "新的 PIN 碼太容易被猜到。",
                     r("Choose a PIN that is not a run of digits (123456), a repeated digit (111111), your birthday or your ID number.",
                       "請勿使用連續數字（123456）、重複數字（111111）、生日或身分證字號作為 PIN 碼。"))
        case .publicKeyInvalid:
            return t("The public key is not valid.", "公開金鑰無效。",
                     r("The certificate or key file may be damaged: get a fresh copy; if TokenCert made it, report it as a bug and quote the code \(name).",
                       "憑證或金鑰檔案可能已損毀，請重新取得；若由 TokenCert 產生，請向客服回報此問題並提供代碼 \(name)。"))
        case .functionRejected:
            return t("The request was refused, for example because it was declined on the token's screen or button.",
                     "要求遭到拒絕，例如在載具的螢幕或按鍵上選擇了拒絕。",
                     r("If you did not mean to refuse, run the command again and confirm on the token.", "若非有意拒絕，請重新執行指令並在載具上確認。"))
        case .tokenResourceExceeded:
            return t("The token has run out of the resources this operation needs.", "載具資源不足，無法執行此作業。",
                     r("Close other programs that use the token, remove and reinsert it, then try again.", "請關閉其他使用載具的程式，重新插拔載具後再試一次。"))
        case .operationCancelFailed:
            return t("The operation could not be cancelled and is still running.", "無法取消此作業，作業仍在進行中。",
                     r("Wait for the operation to finish.", "請等待作業完成。"))
        case .keyExhausted:
            return t("This key has reached its usage limit and can no longer be used.", "此金鑰已達使用次數上限，無法再使用。",
                     r("Apply for a new certificate, which creates a new key.", "請重新申請憑證，以產生新的金鑰。"))
        default:
            return Self.genericExplanation(name: name)
        }
    }

    /// The explanation of a code TokenCert has no specific text for (a vendor code, or one from a newer standard).
    static func genericExplanation(name: String) -> (summary: LocalizedText, remedy: LocalizedText?) {
        (LocalizedText(en: "The token's software reported an unexpected error (\(name)).",
                       zhTW: "載具軟體回報了非預期的錯誤（\(name)）。"),
         LocalizedText(en: "Run `tokencert doctor`, then contact the broker's help desk and quote the code \(name).",
                       zhTW: "請執行 `tokencert doctor`，再與券商客服聯繫並提供代碼 \(name)。"))
    }
}
