public import Foundation
public import Lifecycle

/// Lifecycle's `BackupMedium` on this computer's drives: `RemovableDrives.choose(target:force:)`
/// (sysfs, mountinfo and udev decide what is removable) and `BackupWriter`'s atomic write (a 0600
/// temporary file in the same folder, `fsync`, the read-back check, `rename`, `fsync` of the folder).
public struct RemovableDriveMedium: BackupMedium {
    public var drives: RemovableDrives
    public var writer: BackupWriter

    public init(drives: RemovableDrives = RemovableDrives(), writer: BackupWriter = BackupWriter()) {
        self.drives = drives
        self.writer = writer
    }

    /// - Throws: `DriveError`.
    public func choose(target: String?, force: Bool) throws -> BackupPlace {
        let choice = try drives.choose(target: target, force: force)
        return BackupPlace(directory: choice.directory, mountPoint: choice.drive.mountPoint,
                           driveName: choice.drive.localizedName, warning: choice.warning)
    }

    /// - Throws: `BackupWriteError`, and what `verify` throws.
    public func write(_ bytes: [UInt8], in place: BackupPlace, fileName: String, overwrite: Bool,
                      verify: (URL) throws -> Void) throws -> URL {
        try writer.write(bytes, to: place.directory, fileName: fileName, overwrite: overwrite, verify: verify)
    }
}
