/// A device's `major:minor` number, as in `/proc/self/mountinfo`, `/sys/dev/block/MAJ:MIN` and udev's
/// database file names (`b8:17`).
public struct DeviceNumber: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The driver (8 = SCSI disks and USB sticks, 179 = MMC/SD, 259 = NVMe and other extended numbers).
    public var major: UInt32
    /// The device or partition within the driver.
    public var minor: UInt32

    /// `major:minor`.
    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Parses `8:17`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// `8:17`.
    public var description: String { "\(major):\(minor)" }

    /// Major 0 is the kernel's "unnamed" device: pseudo file systems, network file systems, and btrfs
    /// (whose mounts report an anonymous number, not the number of the disk they live on).
    public var isAnonymous: Bool { major == 0 }

    public static func < (lhs: DeviceNumber, rhs: DeviceNumber) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
