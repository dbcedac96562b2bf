public import Foundation
public import Localization

/// Where a software certificate's `.pfx` backup is written: a removable drive in practice
/// (`RemovableMedia.RemovableDriveMedium`), chosen and written through this protocol so Lifecycle
/// knows the backup rules but not sysfs, mountinfo or `fsync`.
public protocol BackupMedium: Sendable {
    /// The folder to write into: `target` (a folder on a drive), or the only removable drive there is.
    /// A fixed disk only with `force`, and then `BackupPlace.warning` says why that is unwise.
    /// - Throws: the medium's errors (no drive, several drives, a fixed disk without `force`, read-only).
    func choose(target: String?, force: Bool) throws -> BackupPlace

    /// Writes `bytes` as `fileName` in `place` so that a reader sees the old state or the whole new file,
    /// never a part; `verify` reads the written file back before it takes the final name (a failure
    /// there leaves nothing behind). `overwrite` replaces a file of that name; otherwise one is refused.
    /// - Returns: the final file.
    /// - Throws: the medium's errors (exists, no space, drive removed…) and whatever `verify` throws.
    func write(_ bytes: [UInt8], in place: BackupPlace, fileName: String, overwrite: Bool,
               verify: (URL) throws -> Void) throws -> URL
}

/// A folder chosen for a backup, and the drive it is on.
public struct BackupPlace: Sendable, Hashable {
    /// The folder the file goes into.
    public var directory: URL
    /// The drive's mount point (what scripts and the page show as "drive").
    public var mountPoint: String
    /// The drive for people ("KINGSTON DataTraveler (16 GB)").
    public var driveName: LocalizedText
    /// Set when the folder is on a fixed disk by force: to be shown to the person.
    public var warning: LocalizedText?

    public init(directory: URL, mountPoint: String, driveName: LocalizedText, warning: LocalizedText? = nil) {
        self.directory = directory
        self.mountPoint = mountPoint
        self.driveName = driveName
        self.warning = warning
    }
}
