public import Foundation
public import Localization

/// The drive and folder a `.pfx` backup goes to.
public struct DriveChoice: Sendable, Hashable {
    /// The drive holding `directory`.
    public var drive: Drive
    /// The folder to write into: the target given, or the chosen drive's mount point.
    public var directory: URL
    /// True when the folder is on a fixed disk (or the system's own disk) and `force` allowed it.
    /// The caller must show `warning` to the person.
    public var isForcedOntoFixedDisk: Bool

    /// Memberwise.
    public init(drive: Drive, directory: URL, isForcedOntoFixedDisk: Bool = false) {
        self.drive = drive
        self.directory = directory
        self.isForcedOntoFixedDisk = isForcedOntoFixedDisk
    }

    /// What to tell the person when the backup goes to a fixed disk by force; nil otherwise.
    public var warning: LocalizedText? {
        guard isForcedOntoFixedDisk else { return nil }
        return LocalizedText(
            en: "The backup goes to a fixed disk (\(drive.displayName)). Anyone who can read this computer's disk can copy it; move it to a USB stick you keep safe, then delete it here.",
            zhTW: "備份將寫入固定式磁碟（\(drive.localizedName.traditionalChinese)）。能讀取這台電腦磁碟的人都可複製此檔；請移至妥善保管的隨身碟後，刪除此處的檔案。")
    }
}

extension RemovableDrives {
    /// Picks where a backup goes (domain rule "backup": a removable drive; a fixed disk only when forced).
    ///
    /// - No target: the one writable backup candidate (removable, not the root file system; a device
    ///   mounted twice counts once). None → `noRemovableDrive`; only write-protected ones → `readOnly`;
    ///   several → `severalRemovableDrives` listing them, so a CLI or UI can ask.
    /// - A target folder: the drive whose mount point is its longest prefix (whole path components; of
    ///   two mounts at one point, the later in the list). Relative targets are taken from the current
    ///   folder; `.` and `..` are resolved, and symbolic links too when the target exists and
    ///   `resolvingSymlinks` is true (`realpath`). A read-only drive is refused even with `force`; a fixed
    ///   disk or the root file system is refused unless `force`, then chosen with `isForcedOntoFixedDisk`.
    ///
    /// Pass `allDrives()`, not only the removable ones: without the fixed disks a target on one could not
    /// be named.
    /// - Throws: `DriveError.noRemovableDrive`, `.severalRemovableDrives`, `.notOnAnyDrive`,
    ///   `.fixedDisk`, `.readOnly`.
    public static func choose(
        target: String?, among drives: [Drive], force: Bool, resolvingSymlinks: Bool = true
    ) throws(DriveError) -> DriveChoice {
        guard let target else {
            let candidates = distinctDevices(drives.filter(\.isBackupCandidate))
            let writable = candidates.filter { !$0.isReadOnly }
            if writable.count == 1 { return DriveChoice(drive: writable[0], directory: writable[0].mountPointURL) }
            if writable.count > 1 { throw DriveError.severalRemovableDrives(writable) }
            if let protected = candidates.first { throw DriveError.readOnly(protected) }
            throw DriveError.noRemovableDrive
        }

        let path = normalise(target, resolvingSymlinks: resolvingSymlinks)
        var best: Drive?
        for drive in drives where drive.contains(path: path) {
            if let current = best, current.mountPoint.count > drive.mountPoint.count { continue }
            best = drive
        }
        guard let drive = best else { throw DriveError.notOnAnyDrive(path: path) }
        if drive.isReadOnly { throw DriveError.readOnly(drive) }
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        if drive.isBackupCandidate { return DriveChoice(drive: drive, directory: directory) }
        guard force else { throw DriveError.fixedDisk(drive, target: path) }
        return DriveChoice(drive: drive, directory: directory, isForcedOntoFixedDisk: true)
    }

    /// Absolute, without `.`, `..`, repeated or trailing slashes; through `realpath` when it exists and
    /// `resolvingSymlinks`.
    static func normalise(_ target: String, resolvingSymlinks: Bool) -> String {
        let absolute = target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target
        if resolvingSymlinks, let real = DrivesRaw.realPath(absolute) { return real }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
