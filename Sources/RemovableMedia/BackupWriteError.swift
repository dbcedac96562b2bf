import Glibc
public import Localization

/// Why a backup file could not be written. Every case leaves nothing behind: no temporary file and no
/// half-written backup.
public enum BackupWriteError: Error, Hashable, Sendable, CustomStringConvertible, UserFacingError {
    /// The file name is empty, `.`/`..`, has a `/` or NUL, is too long, or the file system refuses it
    /// (`EINVAL`, `ENAMETOOLONG`; vfat refuses `"*:<>?\|`).
    case invalidFileName(String)
    /// A file (or folder) of that name is already there and `overwrite` was false; it is left as it was.
    case alreadyExists(path: String)
    /// The folder does not exist (`ENOENT`).
    case directoryMissing(path: String)
    /// The folder path runs through a regular file (`ENOTDIR`).
    case notADirectory(path: String)
    /// The drive is full (`ENOSPC`, `EDQUOT`).
    case noSpace(path: String)
    /// The drive is mounted read-only or write-protected (`EROFS`).
    case readOnly(path: String)
    /// No permission to write in the folder (`EACCES`, `EPERM`).
    case permissionDenied(path: String)
    /// The drive went away while writing (`EIO`, `ENODEV`, `ENXIO`, `ENOMEDIUM`, `ESTALE`).
    case driveRemoved(path: String)
    /// Any other failed call, with its name and `errno`.
    case system(function: String, errno: Int32, path: String)

    /// Maps a failed call's errno to a case; `path` is the folder or file it concerns.
    init(_ failure: DrivesCallFailure, path: String, fileName: String) {
        switch failure.code {
        case ENOSPC, EDQUOT: self = .noSpace(path: path)
        case EROFS: self = .readOnly(path: path)
        case EACCES, EPERM: self = .permissionDenied(path: path)
        case EIO, ENODEV, ENXIO, ENOMEDIUM, ESTALE: self = .driveRemoved(path: path)
        case ENOENT: self = .directoryMissing(path: path)
        case ENOTDIR: self = .notADirectory(path: path)
        case ENAMETOOLONG: self = .invalidFileName(fileName)
        default: self = .system(function: failure.function, errno: failure.code, path: path)
        }
    }

    public var description: String {
        switch self {
        case .invalidFileName(let name): "invalid backup file name \"\(name)\""
        case .alreadyExists(let path): "\(path) already exists"
        case .directoryMissing(let path): "\(path) does not exist"
        case .notADirectory(let path): "\(path) is not a folder"
        case .noSpace(let path): "no space left on the drive of \(path)"
        case .readOnly(let path): "\(path) is on a read-only drive"
        case .permissionDenied(let path): "no permission to write in \(path)"
        case .driveRemoved(let path): "the drive of \(path) was removed or failed"
        case .system(let function, let code, let path): "\(function) failed for \(path): \(DrivesRaw.errorText(code))"
        }
    }

    /// Writing failed.
    public var category: ErrorCategory { .failure }

    public var summary: LocalizedText {
        switch self {
        case .invalidFileName(let name):
            LocalizedText(en: "The backup file name \"\(name)\" cannot be used on this drive.",
                          zhTW: "此磁碟無法使用備份檔名「\(name)」。")
        case .alreadyExists(let path):
            LocalizedText(en: "A backup file \(path) already exists; it was not changed.",
                          zhTW: "備份檔 \(path) 已存在，未做任何變更。")
        case .directoryMissing(let path):
            LocalizedText(en: "The folder \(path) does not exist.", zhTW: "資料夾 \(path) 不存在。")
        case .notADirectory(let path):
            LocalizedText(en: "\(path) is not a folder.", zhTW: "\(path) 不是資料夾。")
        case .noSpace(let path):
            LocalizedText(en: "The drive of \(path) is full; no backup was written.",
                          zhTW: "\(path) 所在磁碟空間已滿，未寫入備份。")
        case .readOnly(let path):
            LocalizedText(en: "The drive of \(path) is read-only; no backup was written.",
                          zhTW: "\(path) 所在磁碟為唯讀，未寫入備份。")
        case .permissionDenied(let path):
            LocalizedText(en: "You have no permission to write in \(path).",
                          zhTW: "您沒有在 \(path) 寫入的權限。")
        case .driveRemoved(let path):
            LocalizedText(en: "The drive of \(path) was removed or stopped working while writing; no backup was kept.",
                          zhTW: "寫入時 \(path) 所在磁碟被移除或發生故障，未保留備份。")
        case .system(let function, let code, let path):
            LocalizedText(en: "Writing the backup to \(path) failed (\(function): \(DrivesRaw.errorText(code))).",
                          zhTW: "寫入備份至 \(path) 失敗（\(function)：\(DrivesRaw.errorText(code))）。")
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .invalidFileName:
            LocalizedText(en: "Use a name with letters, digits, - ( ) and . only.",
                          zhTW: "檔名請只使用英文字母、數字及 - ( ) . 符號。")
        case .alreadyExists:
            LocalizedText(en: "Choose another folder, or confirm that the old backup may be replaced.",
                          zhTW: "請選擇其他資料夾，或確認可以取代舊的備份檔。")
        case .directoryMissing, .notADirectory:
            LocalizedText(en: "Choose an existing folder on the USB stick.", zhTW: "請選擇隨身碟上已存在的資料夾。")
        case .noSpace:
            LocalizedText(en: "Free some space on the drive or use another one, then try again.",
                          zhTW: "請清出磁碟空間或改用其他磁碟後再試一次。")
        case .readOnly:
            LocalizedText(en: "Turn off the write-protect switch, reconnect the drive, or choose another one.",
                          zhTW: "請關閉防寫開關後重新插入磁碟，或選擇其他磁碟。")
        case .permissionDenied:
            LocalizedText(en: "Choose a folder you can write in, such as the top folder of your USB stick.",
                          zhTW: "請選擇您可寫入的資料夾，例如隨身碟的最上層資料夾。")
        case .driveRemoved:
            LocalizedText(en: "Reconnect the drive, wait until it is opened, and back up again; if it keeps failing, use another drive.",
                          zhTW: "請重新插入磁碟，待系統開啟後再備份一次；若持續失敗，請改用其他磁碟。")
        case .system:
            LocalizedText(en: "Try again, or choose another drive.", zhTW: "請再試一次，或選擇其他磁碟。")
        }
    }
}
