/// One line of `/proc/<pid>/mountinfo` (proc_pid_mountinfo(5)):
///
/// ```
/// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
/// (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
/// ```
///
/// (1) mount ID, (2) parent mount ID, (3) `major:minor` of the file system's device, (4) the folder of
/// the file system that is mounted (not `/` for a bind mount of a subfolder), (5) the mount point,
/// (6) per-mount options, (7) zero or more optional fields (`shared:N`, `master:N`…), (8) a lone `-`,
/// (9) file-system type, (10) source (`/dev/sdb1`, `tmpfs`, `none`…), (11) per-superblock options.
/// The kernel writes space, tab, newline and backslash in paths as octal escapes (`\040`, `\011`,
/// `\012`, `\134`); other bytes, UTF-8 names included, come as they are.
public struct MountEntry: Sendable, Hashable {
    /// (1) Unique while mounted; may be reused after unmounting.
    public var mountID: Int
    /// (2) The mount this one sits on (itself for the top of the namespace's tree).
    public var parentID: Int
    /// (3) `st_dev` of the files in this mount: the block device, or an anonymous `0:N`.
    public var deviceNumber: DeviceNumber
    /// The folder of the mounted file system shown at the mount point (`/` unless a bind mount).
    public var root: String
    /// Where it is mounted, escapes decoded (`/media/user/MY USB`).
    public var mountPoint: String
    /// Per-mount options (`rw`, `ro`, `nosuid`, `relatime`…).
    public var mountOptions: [String]
    /// Propagation fields before the `-` separator (`shared:1`, `master:2`, `unbindable`…).
    public var optionalFields: [String]
    /// `vfat`, `ext4`, `fuseblk`, `tmpfs`…
    public var fileSystemType: String
    /// The mount source, escapes decoded (`/dev/sdb1`, `tmpfs`, `server:/export`).
    public var source: String
    /// Per-superblock options.
    public var superOptions: [String]

    /// Memberwise, for callers and tests that build entries by hand.
    public init(
        mountID: Int, parentID: Int, deviceNumber: DeviceNumber, root: String, mountPoint: String,
        mountOptions: [String], optionalFields: [String], fileSystemType: String, source: String,
        superOptions: [String]
    ) {
        self.mountID = mountID
        self.parentID = parentID
        self.deviceNumber = deviceNumber
        self.root = root
        self.mountPoint = mountPoint
        self.mountOptions = mountOptions
        self.optionalFields = optionalFields
        self.fileSystemType = fileSystemType
        self.source = source
        self.superOptions = superOptions
    }

    /// Read-only when either the mount or its superblock says `ro`.
    public var isReadOnly: Bool { mountOptions.contains("ro") || superOptions.contains("ro") }

    /// Parses one line (without its newline); nil when it does not have the mountinfo shape.
    public init?(line: some Collection<UInt8>) {
        let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard fields.count >= 10,
              let separator = fields[6...].firstIndex(where: { $0.elementsEqual([UInt8(ascii: "-")]) }),
              fields.count >= separator + 3,
              let mountID = Int(MountEntry.text(fields[0])),
              let parentID = Int(MountEntry.text(fields[1])),
              let device = DeviceNumber(MountEntry.text(fields[2]))
        else { return nil }
        self.mountID = mountID
        self.parentID = parentID
        self.deviceNumber = device
        self.root = MountEntry.decodeEscapes(fields[3])
        self.mountPoint = MountEntry.decodeEscapes(fields[4])
        self.mountOptions = MountEntry.text(fields[5]).split(separator: ",").map(String.init)
        self.optionalFields = fields[6..<separator].map { MountEntry.text($0) }
        self.fileSystemType = MountEntry.decodeEscapes(fields[separator + 1])
        self.source = MountEntry.decodeEscapes(fields[separator + 2])
        self.superOptions = separator + 3 < fields.count
            ? MountEntry.text(fields[separator + 3]).split(separator: ",").map(String.init)
            : []
    }

    /// Parses a whole mountinfo file; lines that do not parse are left out.
    public static func parse(_ contents: [UInt8]) -> [MountEntry] {
        contents.split(separator: UInt8(ascii: "\n")).compactMap { MountEntry(line: $0) }
    }

    /// Reads and parses `<proc>/self/mountinfo` (`open`/`read`).
    /// - Throws: `DriveError.systemInfoUnreadable` when the file cannot be read.
    public static func read(root: SystemRoot = .live) throws(DriveError) -> [MountEntry] {
        do {
            return parse(try DrivesRaw.readFile(root.mountInfoPath))
        } catch {
            throw DriveError.systemInfoUnreadable(path: root.mountInfoPath, errno: error.code)
        }
    }

    /// Decodes the kernel's `\ooo` octal escapes; a backslash not followed by three octal digits stays.
    /// The bytes are then read as UTF-8 (invalid sequences become U+FFFD).
    public static func decodeEscapes(_ field: some Collection<UInt8>) -> String {
        BackslashEscapes.decode(Array(field), octalByte)
    }

    /// Three octal digits, value ≤ 0o377; nil otherwise.
    private static func octalByte(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(d - UInt8(ascii: "0"))
        }
        return value <= 0xFF ? UInt8(value) : nil
    }

    private static func text(_ field: some Collection<UInt8>) -> String {
        String(decoding: field, as: UTF8.self)
    }
}
