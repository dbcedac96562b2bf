public import Localization

/// Why no drive could be found or chosen for a backup.
public enum DriveError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// The kernel's list of mounts (`/proc/self/mountinfo`) could not be read; `errno` of the failed call.
    case systemInfoUnreadable(path: String, errno: Int32)
    /// No removable drive is mounted.
    case noRemovableDrive
    /// More than one removable drive is mounted and none was named; the choices, for asking.
    case severalRemovableDrives([Drive])
    /// The target folder is on no mounted drive this program knows (a memory file system, a network share).
    case notOnAnyDrive(path: String)
    /// The target folder is on a fixed disk (or the system's own disk) and `force` was not given.
    case fixedDisk(Drive, target: String)
    /// The drive is mounted read-only or its write-protect switch is on.
    case readOnly(Drive)

    public var description: String {
        switch self {
        case .systemInfoUnreadable(let path, let code): "cannot read \(path): \(DrivesRaw.errorText(code))"
        case .noRemovableDrive: "no removable drive is mounted"
        case .severalRemovableDrives(let drives):
            "several removable drives: " + drives.map(\.displayName).joined(separator: "; ")
        case .notOnAnyDrive(let path): "\(path) is on no known drive"
        case .fixedDisk(let drive, let target): "\(target) is on a fixed disk (\(drive.displayName))"
        case .readOnly(let drive): "\(drive.displayName) is read-only"
        }
    }

    /// The drive cannot take the backup now: not eligible.
    public var category: ErrorCategory { .notEligible }

    public var summary: LocalizedText {
        switch self {
        case .systemInfoUnreadable(let path, _):
            LocalizedText(en: "The list of mounted drives (\(path)) cannot be read.",
                          zhTW: "無法讀取已掛載磁碟的清單（\(path)）。")
        case .noRemovableDrive:
            LocalizedText(en: "No USB stick or memory card is connected.", zhTW: "未偵測到隨身碟或記憶卡。")
        case .severalRemovableDrives(let drives):
            LocalizedText(
                en: "Several removable drives are connected: " + drives.map(\.displayName).joined(separator: "; ") + ".",
                zhTW: "偵測到多個抽取式磁碟：" + drives.map(\.localizedName.traditionalChinese).joined(separator: "；") + "。")
        case .notOnAnyDrive(let path):
            LocalizedText(en: "The folder \(path) is not on a drive that can hold a backup.",
                          zhTW: "資料夾 \(path) 不在可存放備份的磁碟上。")
        case .fixedDisk(let drive, let target):
            LocalizedText(
                en: "The folder \(target) is on a fixed disk (\(drive.displayName)), not on a removable drive.",
                zhTW: "資料夾 \(target) 位於固定式磁碟（\(drive.localizedName.traditionalChinese)），不是抽取式磁碟。")
        case .readOnly(let drive):
            LocalizedText(en: "The drive \(drive.displayName) is read-only.",
                          zhTW: "磁碟 \(drive.localizedName.traditionalChinese) 為唯讀。")
        }
    }

    /// Writing to a fixed disk anyway is confirmed differently per front end.
    public var hint: RemedyHint? {
        if case .fixedDisk = self { return .confirmFixedDisk }
        return nil
    }

    public var remedy: LocalizedText? {
        switch self {
        case .systemInfoUnreadable:
            LocalizedText(en: "Name the backup folder yourself, or run `tokencert doctor`.",
                          zhTW: "請自行指定備份資料夾，或執行 `tokencert doctor`。")
        case .noRemovableDrive:
            LocalizedText(en: "Insert a USB stick or memory card, wait until it is opened, then try again.",
                          zhTW: "請插入隨身碟或記憶卡，待系統開啟後再試一次。")
        case .severalRemovableDrives:
            LocalizedText(en: "Choose one of them as the backup folder.", zhTW: "請選擇其中一個作為備份位置。")
        case .notOnAnyDrive:
            LocalizedText(en: "Choose a folder on a USB stick or memory card.",
                          zhTW: "請選擇隨身碟或記憶卡上的資料夾。")
        case .fixedDisk:
            LocalizedText(
                en: "Back up to a USB stick or memory card and keep it safe. To write to this disk anyway, confirm that you want it.",
                zhTW: "請備份至隨身碟或記憶卡並妥善保管。若仍要寫入此磁碟，請確認後再執行。")
        case .readOnly:
            LocalizedText(en: "Turn off the write-protect switch of the card or stick, reconnect it, or choose another drive.",
                          zhTW: "請關閉記憶卡或隨身碟的防寫開關後重新插入，或選擇其他磁碟。")
        }
    }
}
