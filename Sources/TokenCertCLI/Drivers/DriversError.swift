public import Localization

/// What can go wrong with the devices table and installing its files, with both languages and a remedy.
public enum DriversError: Error, Sendable, Equatable, UserFacingError {
    /// The table file could not be read.
    case tableUnreadable(String)
    /// The table could not be decoded, or failed validation; every problem is listed.
    case tableInvalid(String, [String])
    /// No `Drivers/` folder was found (path looked at listed).
    case driversFolderNotFound([String])
    /// Installing to `/` needs root.
    case needsRoot(String)
    /// A file could not be written.
    case writeFailed(String, String)
    /// Installed files that were changed locally (or are not ours), left as they are.
    case locallyModified([String])

    /// A table or folder that cannot be used is bad input; the rest are failures.
    public var category: ErrorCategory {
        switch self {
        case .tableInvalid, .tableUnreadable, .driversFolderNotFound: .badInput
        default: .failure
        }
    }

    public var summary: LocalizedText {
        switch self {
        case .tableUnreadable(let p):
            LocalizedText(en: "The devices table \(p) cannot be read.", zhTW: "無法讀取裝置表 \(p)。")
        case .tableInvalid(let p, let problems):
            LocalizedText(en: "The devices table \(p) is not valid:\n  " + problems.joined(separator: "\n  "),
                          zhTW: "裝置表 \(p) 有誤：\n  " + problems.joined(separator: "\n  "))
        case .driversFolderNotFound(let looked):
            LocalizedText(en: "No Drivers/devices.json found (looked in: \(looked.joined(separator: ", "))).",
                          zhTW: "找不到 Drivers/devices.json（已找過：\(looked.joined(separator: "、"))）。")
        case .needsRoot(let path):
            LocalizedText(en: "Writing to \(path) needs root.", zhTW: "寫入 \(path) 需要 root 權限。")
        case .writeFailed(let path, let reason):
            LocalizedText(en: "Cannot write \(path): \(reason).", zhTW: "無法寫入 \(path)：\(reason)。")
        case .locallyModified(let paths):
            LocalizedText(en: "Left unchanged because they were edited locally or are not TokenCert's: \(paths.joined(separator: ", ")).",
                          zhTW: "下列檔案曾在本機修改或不是 TokenCert 安裝的，未覆寫：\(paths.joined(separator: "、"))。")
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .tableUnreadable, .driversFolderNotFound:
            LocalizedText(en: "Pass --table PATH/devices.json, or set TOKENCERT_DRIVERS_DIR to the Drivers folder.",
                          zhTW: "請以 --table 指定 devices.json，或將 TOKENCERT_DRIVERS_DIR 設為 Drivers 資料夾。")
        case .tableInvalid:
            LocalizedText(en: "Fix the listed entries (see Drivers/README.md for the fields).",
                          zhTW: "請修正上列項目（欄位說明見 Drivers/README.md）。")
        case .needsRoot:
            LocalizedText(en: "Run it with sudo, or use --prefix DIR to write into another folder.",
                          zhTW: "請以 sudo 執行，或用 --prefix 目錄 寫到其他資料夾。")
        case .writeFailed:
            LocalizedText(en: "Check the folder's permissions and free space.", zhTW: "請檢查資料夾權限與剩餘空間。")
        case .locallyModified:
            LocalizedText(en: "Compare the files with `tokencert drivers check`; to replace them anyway run `tokencert drivers install --force` (the old file is kept as NAME.tokencert-old).",
                          zhTW: "可用 `tokencert drivers check` 比對；若要仍然取代，執行 `tokencert drivers install --force`（舊檔保留為 檔名.tokencert-old）。")
        }
    }
}
