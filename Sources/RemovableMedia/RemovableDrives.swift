/// Finds the mounted drives of this machine and tells removable ones (USB sticks, SD cards) from fixed
/// disks, from the kernel's and udev's files alone (no udisks, no D-Bus):
///
/// 1. `<proc>/self/mountinfo` lists the mounts; pseudo and network file systems are left out, and of
///    several mounts stacked on one mount point only the top one counts.
/// 2. Each mount's `major:minor` is looked up as the symbolic link `<sysfs>/dev/block/MAJ:MIN`, resolved
///    with `realpath` to the device folder (for btrfs, which reports an anonymous number, the source's
///    name under `<sysfs>/class/block/`). Mounts with no block device are left out.
/// 3. A partition's folder holds a `partition` file; its parent folder is the disk. The disk is removable
///    when its `removable` attribute is 1, when its device path goes through a USB controller
///    (a `usbN` component), or when udev's database (`<udevData>/bMAJ:MIN`, of the partition or the
///    disk) has `ID_BUS=usb`, `ID_DRIVE_FLASH_*=1` or `ID_DRIVE_THUMB=1`.
/// 4. Label from udev; size and free space from `statvfs` on the mount point (nil when that fails, as
///    for the made-up mount points of a test tree); read-only from the mount options, the superblock
///    options, sysfs `ro` and `statvfs`'s `ST_RDONLY`.
public struct RemovableDrives: Sendable {
    /// Where `/sys`, `/proc` and udev's database are read from.
    public var root: SystemRoot

    /// Discovery over `root` (the running system by default, a fake tree in tests).
    public init(root: SystemRoot = .live) {
        self.root = root
    }

    /// File-system types that never live on a drive a person could carry away.
    public static let pseudoFileSystems: Set<String> = [
        "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "ramfs", "rootfs", "cgroup", "cgroup2",
        "overlay", "aufs", "securityfs", "debugfs", "tracefs", "configfs", "fusectl", "mqueue",
        "hugetlbfs", "pstore", "bpf", "autofs", "binfmt_misc", "efivarfs", "nsfs", "rpc_pipefs",
        "selinuxfs", "nfsd", "fuse.portal", "fuse.gvfsd-fuse", "fuse.lxcfs", "squashfs",
        "nfs", "nfs4", "cifs", "smb3", "9p", "virtiofs",
    ]

    /// Every mounted block-device file system, the root file system included (flagged), removable or
    /// fixed, in mountinfo order. `choose(target:among:force:)` needs the fixed ones too, to name the
    /// disk a target folder is on.
    /// - Files read: `<proc>/self/mountinfo`, `<sysfs>/dev/block/*`, `<sysfs>/class/block/*`, the device
    ///   folders' `partition`, `removable`, `ro`, `size`, `dev`, `uevent`; `<udevData>/b*`. Calls: `open`,
    ///   `read`, `realpath`, `statvfs`.
    /// - Throws: `DriveError.systemInfoUnreadable` when mountinfo cannot be read. Any other file that
    ///   is missing only means less is known.
    public func allDrives() throws(DriveError) -> [Drive] {
        let sysfsReal = DrivesRaw.realPath(root.sysfs) ?? root.sysfs
        return RemovableDrives.visibleMounts(try MountEntry.read(root: root)).compactMap {
            drive(for: $0, sysfsReal: sysfsReal)
        }
    }

    /// The backup candidates: removable drives, not the root file system, one per device (a device
    /// mounted twice is listed at the mount that shows its whole file system).
    /// - Throws: `DriveError.systemInfoUnreadable`, as `allDrives()`.
    public func removableDrives() throws(DriveError) -> [Drive] {
        RemovableDrives.distinctDevices(try allDrives().filter(\.isBackupCandidate))
    }

    /// Discovery, then `RemovableDrives.choose(target:among:force:)`.
    /// - Throws: `DriveError`, as both.
    public func choose(target: String?, force: Bool) throws(DriveError) -> DriveChoice {
        try RemovableDrives.choose(target: target, among: allDrives(), force: force)
    }

    // MARK: - Steps

    /// Drops mounts hidden by a later mount on the same mount point (proc_pid_mountinfo(5): of mounts
    /// stacked at one place, the top one is the one that is no other's parent there).
    static func visibleMounts(_ entries: [MountEntry]) -> [MountEntry] {
        var byPoint: [String: [MountEntry]] = [:]
        for entry in entries { byPoint[entry.mountPoint, default: []].append(entry) }
        return entries.filter { entry in
            guard let stack = byPoint[entry.mountPoint], stack.count > 1 else { return true }
            let isParentOfAnother = stack.contains { $0.mountID != entry.mountID && $0.parentID == entry.mountID }
            if isParentOfAnother { return false }
            // Two unrelated mounts at one point (should not happen): the later line wins.
            return stack.last(where: { candidate in
                !stack.contains { $0.mountID != candidate.mountID && $0.parentID == candidate.mountID }
            })?.mountID == entry.mountID
        }
    }

    /// One drive per device number, preferring the mount of the whole file system (`mountedRoot` `/`).
    static func distinctDevices(_ drives: [Drive]) -> [Drive] {
        var chosen: [DeviceNumber: Int] = [:]
        var result: [Drive] = []
        for drive in drives {
            if let index = chosen[drive.deviceNumber] {
                if result[index].mountedRoot != "/" && drive.mountedRoot == "/" { result[index] = drive }
            } else {
                chosen[drive.deviceNumber] = result.count
                result.append(drive)
            }
        }
        return result
    }

    /// The sysfs device folder of a mount, and the block device number it stands for.
    private func deviceFolder(for entry: MountEntry) -> (folder: String, number: DeviceNumber)? {
        if !entry.deviceNumber.isAnonymous,
           let folder = DrivesRaw.realPath(root.sysfs + "/dev/block/" + entry.deviceNumber.description) {
            return (folder, entry.deviceNumber)
        }
        // btrfs and the like: the superblock has an anonymous number; find the source by name.
        guard entry.source.hasPrefix("/dev/"), let name = entry.source.split(separator: "/").last,
              let folder = DrivesRaw.realPath(root.sysfs + "/class/block/" + name),
              let number = readAttribute(folder + "/dev").flatMap({ DeviceNumber($0) })
        else { return nil }
        return (folder, number)
    }

    private func drive(for entry: MountEntry, sysfsReal: String) -> Drive? {
        guard !RemovableDrives.pseudoFileSystems.contains(entry.fileSystemType),
              let (folder, number) = deviceFolder(for: entry)
        else { return nil }

        let isPartition = DrivesRaw.realPath(folder + "/partition") != nil
        let diskFolder = isPartition ? parentFolder(folder) : folder

        var reasons: [RemovableReason] = []
        if readAttribute(diskFolder + "/removable") == "1" { reasons.append(.removableFlag) }
        if RemovableDrives.goesThroughUSB(devicePath: relativePath(diskFolder, under: sysfsReal)) {
            reasons.append(.usbTransport)
        }
        let own = UdevRecord.read(number, root: root)
        var hints = own?.hotPlugHints ?? []
        if isPartition, let diskNumber = readAttribute(diskFolder + "/dev").flatMap({ DeviceNumber($0) }),
           let disk = UdevRecord.read(diskNumber, root: root) {
            hints += disk.hotPlugHints.filter { !hints.contains($0) }
        }
        reasons += hints.map { RemovableReason.udevHint($0) }

        let stats = DrivesRaw.volumeStats(entry.mountPoint)
        let writeProtected = readAttribute(folder + "/ro") == "1" || readAttribute(diskFolder + "/ro") == "1"
        return Drive(
            mountPoint: entry.mountPoint,
            mountedRoot: entry.root,
            device: deviceNode(entry: entry, folder: folder),
            deviceNumber: number,
            fileSystemType: entry.fileSystemType,
            label: own?.fileSystemLabel,
            capacity: stats?.capacity,
            available: stats?.available,
            deviceSize: readAttribute(folder + "/size").flatMap { UInt64($0) }.map { $0 &* 512 },
            isReadOnly: entry.isReadOnly || writeProtected || (stats?.readOnly ?? false),
            classification: reasons.isEmpty ? .fixed : .removable(reasons),
            isRootFileSystem: entry.mountPoint == "/")
    }

    /// Whether a sysfs device path (relative to the sysfs root) has a USB bus component: `usb1`, `usb2`…
    /// (`devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/…/block/sdb`).
    static func goesThroughUSB(devicePath: String) -> Bool {
        devicePath.split(separator: "/").contains { component in
            component.count > 3 && component.hasPrefix("usb") && component.dropFirst(3).allSatisfy(\.isNumber)
        }
    }

    /// `/dev/…` as the mount names it, else from the device folder's `uevent` `DEVNAME`, else its name.
    /// `/dev/root` (the kernel's alias for `root=`) is replaced by the real node name.
    private func deviceNode(entry: MountEntry, folder: String) -> String {
        if entry.source.hasPrefix("/dev/"), entry.source != "/dev/root" { return entry.source }
        if let uevent = try? DrivesRaw.readFile(folder + "/uevent", limit: 64 * 1024) {
            for line in String(decoding: uevent, as: UTF8.self).split(separator: "\n")
            where line.hasPrefix("DEVNAME=") {
                return "/dev/" + line.dropFirst("DEVNAME=".count)
            }
        }
        return "/dev/" + (folder.split(separator: "/").last.map(String.init) ?? "")
    }

    /// A sysfs attribute's text, trimmed; nil when it cannot be read.
    private func readAttribute(_ path: String) -> String? {
        guard let bytes = try? DrivesRaw.readFile(path, limit: 4096) else { return nil }
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    private func parentFolder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private func relativePath(_ path: String, under base: String) -> String {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

fileprivate extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
