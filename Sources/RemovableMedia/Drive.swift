public import Foundation
public import Localization

/// Why a drive was taken for one that can be unplugged and carried away.
public enum RemovableReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The disk's sysfs `removable` attribute is 1 (SD and CF card readers, some USB sticks).
    case removableFlag
    /// The disk's sysfs device path goes through a USB controller (`…/usb2/2-1/…/block/sdb`).
    case usbTransport
    /// udev's database says so; the property that did, as `KEY=VALUE` (`ID_BUS=usb`, `ID_DRIVE_FLASH_SD=1`).
    case udevHint(String)

    public var description: String {
        switch self {
        case .removableFlag: "removable flag"
        case .usbTransport: "USB transport"
        case .udevHint(let property): "udev \(property)"
        }
    }
}

/// What discovery made of a drive: removable (with every reason found), or fixed.
public enum DriveClassification: Sendable, Hashable, Codable {
    case removable([RemovableReason])
    case fixed

    /// True for `.removable`.
    public var isRemovable: Bool {
        if case .removable = self { return true }
        return false
    }

    /// The reasons found; empty for a fixed disk.
    public var reasons: [RemovableReason] {
        if case .removable(let reasons) = self { return reasons }
        return []
    }
}

/// A mounted block-device file system, as drive discovery found it.
public struct Drive: Sendable, Hashable, Codable {
    /// Where it is mounted (`/media/user/KINGSTON`).
    public var mountPoint: String
    /// The folder of the file system shown there: `/`, or a subfolder for a bind mount.
    public var mountedRoot: String
    /// The device node (`/dev/sdb1`).
    public var device: String
    /// The block device's `major:minor`.
    public var deviceNumber: DeviceNumber
    /// `vfat`, `exfat`, `ext4`, `fuseblk`…
    public var fileSystemType: String
    /// The file-system label from udev (`ID_FS_LABEL_ENC`/`ID_FS_LABEL`); nil when unknown.
    public var label: String?
    /// File-system size in bytes (`statvfs` `f_blocks × f_frsize`); nil when `statvfs` failed.
    public var capacity: UInt64?
    /// Bytes an unprivileged user can still write (`f_bavail × f_frsize`); nil when `statvfs` failed.
    public var available: UInt64?
    /// Size of the block device in bytes (sysfs `size` × 512); nil when unknown.
    public var deviceSize: UInt64?
    /// Mounted read-only, or the device is write-protected (sysfs `ro`, an SD card's lock switch).
    public var isReadOnly: Bool
    /// Removable, and why; or fixed.
    public var classification: DriveClassification
    /// Mounted on `/`: the running system's own disk, never a backup target even when it is on USB.
    public var isRootFileSystem: Bool

    /// Memberwise; discovery fills every field, callers and tests may build drives by hand.
    public init(
        mountPoint: String, mountedRoot: String = "/", device: String, deviceNumber: DeviceNumber,
        fileSystemType: String, label: String? = nil, capacity: UInt64? = nil, available: UInt64? = nil,
        deviceSize: UInt64? = nil, isReadOnly: Bool = false, classification: DriveClassification,
        isRootFileSystem: Bool = false
    ) {
        self.mountPoint = mountPoint
        self.mountedRoot = mountedRoot
        self.device = device
        self.deviceNumber = deviceNumber
        self.fileSystemType = fileSystemType
        self.label = label
        self.capacity = capacity
        self.available = available
        self.deviceSize = deviceSize
        self.isReadOnly = isReadOnly
        self.classification = classification
        self.isRootFileSystem = isRootFileSystem
    }

    /// Classified removable, for whatever reason.
    public var isRemovable: Bool { classification.isRemovable }

    /// A drive `.pfx` backups may go to without `force`: removable and not the system's own disk.
    public var isBackupCandidate: Bool { isRemovable && !isRootFileSystem }

    /// The mount point as a folder URL.
    public var mountPointURL: URL { URL(fileURLWithPath: mountPoint, isDirectory: true) }

    /// What to show a person, in English: `KINGSTON (/dev/sdb1) at /media/user/KINGSTON`.
    public var displayName: String { localizedName.english }

    /// What to show a person, in both languages.
    public var localizedName: LocalizedText {
        let name = label.map { "\($0) (\(device))" } ?? device
        return LocalizedText(en: "\(name) at \(mountPoint)", zhTW: "\(name)，掛載於 \(mountPoint)")
    }

    /// Whether `path` (absolute, normalised) is the mount point or below it, compared by whole components.
    func contains(path: String) -> Bool {
        if mountPoint == "/" { return path.hasPrefix("/") }
        return path == mountPoint || path.hasPrefix(mountPoint + "/")
    }
}
