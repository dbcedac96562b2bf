/// Where drive discovery reads the kernel's and udev's view of the machine. The live system uses
/// `/sys`, `/proc` and `/run/udev/data`; tests point the three at a fake tree in a temporary folder.
public struct SystemRoot: Sendable, Hashable {
    /// The sysfs mount (`/sys`): `dev/block/MAJ:MIN` links, `class/block/NAME`, the device folders.
    public var sysfs: String
    /// The procfs mount (`/proc`): `self/mountinfo`.
    public var proc: String
    /// udev's database folder (`/run/udev/data`): one `bMAJ:MIN` file per block device.
    public var udevData: String

    /// The three folders; the defaults are the live system's.
    public init(sysfs: String = "/sys", proc: String = "/proc", udevData: String = "/run/udev/data") {
        self.sysfs = sysfs
        self.proc = proc
        self.udevData = udevData
    }

    /// The running system: `/sys`, `/proc`, `/run/udev/data`.
    public static let live = SystemRoot()

    /// `<proc>/self/mountinfo`: the mounts of this process's mount namespace.
    public var mountInfoPath: String { proc + "/self/mountinfo" }
}
