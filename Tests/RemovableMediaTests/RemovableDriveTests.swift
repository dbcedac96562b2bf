@testable import RemovableMedia
import Foundation
import Glibc
import Localization
import XCTest

/// A made-up `/sys`, `/proc` and `/run/udev/data` in a temporary folder, laid out as the kernel and udev
/// lay out the real ones (relative `dev/block` links into `devices/…`, partitions inside their disk).
struct FakeSystem {
    let base: URL

    init() throws {
        // A memory file system when there is one: building and removing ~100 entries per test on a
        // virtual disk costs a third of a second.
        let parent = access("/dev/shm", W_OK) == 0
            ? URL(fileURLWithPath: "/dev/shm", isDirectory: true) : FileManager.default.temporaryDirectory
        base = parent.appendingPathComponent("tokencert-drives-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    }

    var root: SystemRoot {
        SystemRoot(sysfs: base.path + "/sys", proc: base.path + "/proc", udevData: base.path + "/run/udev/data")
    }

    func remove() { try? FileManager.default.removeItem(at: base) }

    func write(_ relative: String, _ text: String) throws {
        let url = base.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Plain open/write/close: Foundation's Data.write fsyncs every file, which makes the tree slow to build.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw POSIXError(.EIO)
        }
    }

    func link(_ relative: String, to destination: String) throws {
        let url = base.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: destination)
    }

    /// A disk at `sys/<devicePath>` with one partition, both linked from `sys/dev/block` the kernel's way.
    func disk(
        _ devicePath: String, disk: String, diskNumber: String, removable: Bool,
        partition: String, partitionNumber: String, readOnly: Bool = false
    ) throws {
        let diskDir = "sys/" + devicePath
        try write(diskDir + "/removable", removable ? "1\n" : "0\n")
        try write(diskDir + "/dev", diskNumber + "\n")
        try write(diskDir + "/size", "31266816\n")
        try write(diskDir + "/ro", readOnly ? "1\n" : "0\n")
        try write(diskDir + "/uevent", "DEVTYPE=disk\nDEVNAME=\(disk)\n")
        let partDir = diskDir + "/" + partition
        try write(partDir + "/partition", "1\n")
        try write(partDir + "/dev", partitionNumber + "\n")
        try write(partDir + "/size", "31264768\n")
        try write(partDir + "/ro", readOnly ? "1\n" : "0\n")
        try write(partDir + "/uevent", "DEVTYPE=partition\nDEVNAME=\(partition)\n")
        try link("sys/dev/block/" + diskNumber, to: "../../" + devicePath)
        try link("sys/dev/block/" + partitionNumber, to: "../../" + devicePath + "/" + partition)
        try link("sys/class/block/" + disk, to: "../../" + devicePath)
        try link("sys/class/block/" + partition, to: "../../" + devicePath + "/" + partition)
    }

    func udev(_ number: String, _ lines: [String]) throws {
        try write("run/udev/data/b" + number, lines.joined(separator: "\n") + "\n")
    }
}

/// The machine of the tests: a USB stick, an SD card, an internal card reader with a write-protected
/// card, the NVMe system disk, a SATA data disk (ext4 and btrfs), tmpfs and proc.
private func makeStandardMachine(_ fake: FakeSystem) throws {
    // (a) USB stick: removable = 0, the device path through usb2 decides.
    try fake.disk(
        "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb",
        disk: "sdb", diskNumber: "8:16", removable: false, partition: "sdb1", partitionNumber: "8:17")
    try fake.udev("8:17", ["S:disk/by-label/KINGSTON", "E:ID_FS_LABEL=KINGSTON", "E:ID_FS_LABEL_ENC=KINGSTON",
                           "E:ID_FS_TYPE=vfat", "G:systemd"])
    // (b) SD card in a PCI card reader: removable = 1; label with a space, only in its encoded form.
    try fake.disk(
        "devices/pci0000:00/0000:00:1c.0/0000:02:00.0/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0",
        disk: "mmcblk0", diskNumber: "179:0", removable: true, partition: "mmcblk0p1", partitionNumber: "179:1")
    try fake.udev("179:1", ["E:ID_FS_LABEL=SD_CARD", "E:ID_FS_LABEL_ENC=SD\\x20CARD", "E:ID_FS_TYPE=exfat"])
    // (g) Internal SATA card reader: neither flag nor USB; udev's flash hint on the disk decides.
    // Its card is write-protected and mounted read-only; label in Chinese.
    try fake.disk(
        "devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sdc",
        disk: "sdc", diskNumber: "8:32", removable: false, partition: "sdc1", partitionNumber: "8:33",
        readOnly: true)
    try fake.udev("8:32", ["E:ID_DRIVE_FLASH_SD=1", "E:ID_DRIVE_FLASH_CF=0", "E:ID_BUS=ata"])
    try fake.udev("8:33", ["E:ID_FS_LABEL=____", "E:ID_FS_LABEL_ENC=\\xe5\\x82\\x99\\xe4\\xbb\\xbd"])
    // (c) NVMe system disk.
    try fake.disk(
        "devices/pci0000:00/0000:00:1d.0/0000:03:00.0/nvme/nvme0/nvme0n1",
        disk: "nvme0n1", diskNumber: "259:0", removable: false, partition: "nvme0n1p2", partitionNumber: "259:2")
    try fake.udev("259:2", ["E:ID_FS_LABEL=", "E:ID_BUS=nvme"])
    // (d) SATA data disk, ext4 on sda1 and btrfs on sda2.
    try fake.disk(
        "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda",
        disk: "sda", diskNumber: "8:0", removable: false, partition: "sda1", partitionNumber: "8:1")
    let sda = "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"
    try fake.write("sys/\(sda)/sda2/partition", "2\n")
    try fake.write("sys/\(sda)/sda2/dev", "8:2\n")
    try fake.link("sys/dev/block/8:2", to: "../../\(sda)/sda2")
    try fake.link("sys/class/block/sda2", to: "../../\(sda)/sda2")
    try fake.udev("8:1", ["E:ID_FS_LABEL=data", "E:ID_BUS=ata"])

    let lines = [
        "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro",
        "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
        "24 22 0:25 / /run rw,nosuid,nodev shared:13 - tmpfs tmpfs rw,size=1620428k,mode=755",
        "25 22 8:1 / /data rw,relatime - ext4 /dev/sda1 rw",
        "26 22 0:45 /@home /home rw,relatime shared:31 - btrfs /dev/sda2 rw,space_cache=v2,subvol=/@home",
        "40 22 8:17 / /media/user/KINGSTON rw,nosuid,nodev,relatime shared:100 - vfat /dev/sdb1 rw,fmask=0022,dmask=0022,utf8,errors=remount-ro",
        "41 22 179:1 / /media/user/SD\\040CARD rw,nosuid,nodev,relatime shared:101 master:7 - exfat /dev/mmcblk0p1 rw,fmask=0022",
        "42 22 8:33 / /media/user/備份 ro,nosuid,nodev,relatime shared:102 - vfat /dev/sdc1 ro,fmask=0022",
        "43 26 8:17 /backups /home/user/usb\\040backup rw,relatime shared:100 - vfat /dev/sdb1 rw",
        "not a mountinfo line",
    ]
    try fake.write("proc/self/mountinfo", lines.joined(separator: "\n") + "\n")
}

final class RemovableDriveTests: XCTestCase {
    private var fake: FakeSystem!

    override func setUpWithError() throws {
        fake = try FakeSystem()
        try makeStandardMachine(fake)
    }

    override func tearDown() {
        fake?.remove()
    }

    private func drives() throws -> [Drive] {
        try RemovableDrives(root: fake.root).allDrives()
    }

    private func drive(at mountPoint: String, in drives: [Drive]) throws -> Drive {
        try XCTUnwrap(drives.first { $0.mountPoint == mountPoint }, "no drive at \(mountPoint)")
    }

    // MARK: - mountinfo

    func testMountInfoLineWithOptionalFieldsAndEscapes() throws {
        let line = #"41 22 179:1 / /media/user/SD\040CARD\011tab\134slash rw,nosuid shared:101 master:7 - exfat /dev/mmcblk0p1 rw,fmask=0022"#
        let entry = try XCTUnwrap(MountEntry(line: Array(line.utf8)))
        XCTAssertEqual(entry.mountID, 41)
        XCTAssertEqual(entry.parentID, 22)
        XCTAssertEqual(entry.deviceNumber, DeviceNumber(major: 179, minor: 1))
        XCTAssertEqual(entry.root, "/")
        XCTAssertEqual(entry.mountPoint, "/media/user/SD CARD\ttab\\slash")
        XCTAssertEqual(entry.mountOptions, ["rw", "nosuid"])
        XCTAssertEqual(entry.optionalFields, ["shared:101", "master:7"])
        XCTAssertEqual(entry.fileSystemType, "exfat")
        XCTAssertEqual(entry.source, "/dev/mmcblk0p1")
        XCTAssertEqual(entry.superOptions, ["rw", "fmask=0022"])
        XCTAssertFalse(entry.isReadOnly)
    }

    func testMountInfoWithoutOptionalFieldsReadOnlyAndMalformedLines() {
        let text = """
            25 22 8:1 / /data ro,relatime - ext4 /dev/sda1 rw
            27 22 8:2 / /x rw - vfat /dev/sda2 ro
            garbage line here
            28 22 8:3 / /y rw shared:1 ext4 /dev/sda3 rw
            29 22 nonsense / /z rw - ext4 /dev/sda4 rw
            30 22 8:5 / /media/\\778 rw - ext4 /dev/sda5 rw
            """
        let entries = MountEntry.parse(Array(text.utf8))
        XCTAssertEqual(entries.map(\.mountID), [25, 27, 30], "lines without `-` or with a bad device number are left out")
        XCTAssertEqual(entries[0].optionalFields, [])
        XCTAssertTrue(entries[0].isReadOnly, "per-mount ro")
        XCTAssertTrue(entries[1].isReadOnly, "superblock ro")
        XCTAssertEqual(entries[2].mountPoint, "/media/\\778", "a backslash without three octal digits stays")
    }

    func testStackedMountsOnlyTheTopOneCounts() {
        let text = """
            22 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw
            40 22 8:17 / /media/user/KINGSTON rw - vfat /dev/sdb1 rw
            41 40 0:50 / /media/user/KINGSTON rw - tmpfs tmpfs rw
            """
        let visible = RemovableDrives.visibleMounts(MountEntry.parse(Array(text.utf8)))
        XCTAssertEqual(visible.map(\.mountID), [22, 41], "the stick is hidden under the tmpfs")
    }

    func testUdevRecordParsesPropertiesLabelsAndHints() {
        let record = UdevRecord(contents: Array("""
            S:disk/by-id/usb-Kingston
            I:123456
            E:ID_FS_LABEL=MY_USB
            E:ID_FS_LABEL_ENC=MY\\x20USB
            E:ID_BUS=usb
            E:ID_DRIVE_FLASH_SD=1
            E:ID_DRIVE_FLASH_MS=0
            E:ID_DRIVE_THUMB=1
            E:EMPTY=
            E:WITH_EQUALS=a=b
            """.utf8))
        XCTAssertEqual(record["ID_BUS"], "usb")
        XCTAssertEqual(record["EMPTY"], "")
        XCTAssertEqual(record["WITH_EQUALS"], "a=b")
        XCTAssertNil(record["S"])
        XCTAssertEqual(record.fileSystemLabel, "MY USB")
        XCTAssertEqual(record.hotPlugHints, ["ID_BUS=usb", "ID_DRIVE_FLASH_SD=1", "ID_DRIVE_THUMB=1"])
        XCTAssertEqual(UdevRecord(properties: ["ID_FS_LABEL": "PLAIN"]).fileSystemLabel, "PLAIN")
        XCTAssertNil(UdevRecord(properties: ["ID_FS_LABEL": ""]).fileSystemLabel)
    }

    func testUSBPathDetection() {
        XCTAssertTrue(RemovableDrives.goesThroughUSB(devicePath: "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/block/sdb"))
        XCTAssertTrue(RemovableDrives.goesThroughUSB(devicePath: "devices/platform/soc/3f980000.usb/usb1/1-1/block/sda"))
        XCTAssertFalse(RemovableDrives.goesThroughUSB(devicePath: "devices/pci0000:00/0000:00:17.0/ata1/host0/block/sda"))
        XCTAssertFalse(RemovableDrives.goesThroughUSB(devicePath: "devices/platform/soc/3f980000.usb"), "a controller name alone is not a USB bus")
        XCTAssertFalse(RemovableDrives.goesThroughUSB(devicePath: "devices/virtual/block/usbdisk"))
    }

    // MARK: - Discovery on the fake tree

    func testClassifiesEveryDrive() throws {
        let all = try drives()
        XCTAssertEqual(Set(all.map(\.mountPoint)), [
            "/", "/data", "/home", "/media/user/KINGSTON", "/media/user/SD CARD", "/media/user/備份",
            "/home/user/usb backup",
        ], "proc, tmpfs and the junk line are skipped")

        let stick = try drive(at: "/media/user/KINGSTON", in: all)
        XCTAssertEqual(stick.device, "/dev/sdb1")
        XCTAssertEqual(stick.deviceNumber, DeviceNumber(major: 8, minor: 17))
        XCTAssertEqual(stick.fileSystemType, "vfat")
        XCTAssertEqual(stick.label, "KINGSTON")
        XCTAssertEqual(stick.classification, .removable([.usbTransport]), "removable=0: USB transport decides")
        XCTAssertFalse(stick.isReadOnly)
        XCTAssertFalse(stick.isRootFileSystem)
        XCTAssertEqual(stick.deviceSize, 31_264_768 * 512)
        XCTAssertNil(stick.capacity, "the made-up mount point does not exist: statvfs fails, no size")

        let card = try drive(at: "/media/user/SD CARD", in: all)
        XCTAssertEqual(card.device, "/dev/mmcblk0p1")
        XCTAssertEqual(card.classification, .removable([.removableFlag]))
        XCTAssertEqual(card.label, "SD CARD")
        XCTAssertEqual(card.fileSystemType, "exfat")

        let reader = try drive(at: "/media/user/備份", in: all)
        XCTAssertEqual(reader.classification, .removable([.udevHint("ID_DRIVE_FLASH_SD=1")]),
                       "the hint sits on the disk's udev record, not the partition's")
        XCTAssertEqual(reader.label, "備份", "ID_FS_LABEL_ENC wins over ID_FS_LABEL")
        XCTAssertTrue(reader.isReadOnly)

        let system = try drive(at: "/", in: all)
        XCTAssertEqual(system.device, "/dev/nvme0n1p2")
        XCTAssertEqual(system.classification, .fixed)
        XCTAssertTrue(system.isRootFileSystem)
        XCTAssertNil(system.label, "an empty ID_FS_LABEL is no label")
        XCTAssertFalse(system.isBackupCandidate)

        let data = try drive(at: "/data", in: all)
        XCTAssertEqual(data.device, "/dev/sda1")
        XCTAssertEqual(data.classification, .fixed)
        XCTAssertEqual(data.label, "data")

        let home = try drive(at: "/home", in: all)
        XCTAssertEqual(home.deviceNumber, DeviceNumber(major: 8, minor: 2), "btrfs: found by the source's name")
        XCTAssertEqual(home.device, "/dev/sda2")
        XCTAssertEqual(home.mountedRoot, "/@home")
        XCTAssertEqual(home.classification, .fixed)

        let bind = try drive(at: "/home/user/usb backup", in: all)
        XCTAssertEqual(bind.deviceNumber, stick.deviceNumber)
        XCTAssertEqual(bind.mountedRoot, "/backups")
        XCTAssertTrue(bind.isRemovable)
    }

    func testRemovableDrivesAreTheCandidatesOncePerDevice() throws {
        let removable = try RemovableDrives(root: fake.root).removableDrives()
        XCTAssertEqual(removable.map(\.mountPoint), ["/media/user/KINGSTON", "/media/user/SD CARD", "/media/user/備份"],
                       "the bind mount of the stick is not a second stick; fixed disks and / are out")
    }

    func testUSBRootFileSystemIsNeverACandidate() throws {
        // A live system booted from the stick: / is on USB, still not a backup target.
        try fake.write("proc/self/mountinfo", "22 1 8:17 / / rw - ext4 /dev/sdb1 rw\n")
        let all = try drives()
        XCTAssertEqual(all.count, 1)
        XCTAssertTrue(all[0].isRemovable)
        XCTAssertTrue(all[0].isRootFileSystem)
        XCTAssertEqual(try RemovableDrives(root: fake.root).removableDrives(), [])
        XCTAssertThrowsError(try RemovableDrives.choose(target: "/backup", among: all, force: false, resolvingSymlinks: false)) {
            guard case DriveError.fixedDisk = $0 else { return XCTFail("\($0)") }
        }
    }

    func testSizesComeFromStatvfsWhenTheMountPointExists() throws {
        let realFolder = fake.base.appendingPathComponent("mnt/stick", isDirectory: true)
        try FileManager.default.createDirectory(at: realFolder, withIntermediateDirectories: true)
        try fake.write("proc/self/mountinfo", "50 22 8:17 / \(realFolder.path) rw,relatime - vfat /dev/sdb1 rw\n")
        let stick = try XCTUnwrap(try drives().first)
        let capacity = try XCTUnwrap(stick.capacity)
        let available = try XCTUnwrap(stick.available)
        XCTAssertGreaterThan(capacity, 0)
        XCTAssertLessThanOrEqual(available, capacity)
    }

    func testMissingMountInfoIsATypedError() {
        let nowhere = SystemRoot(sysfs: "/nonexistent/sys", proc: "/nonexistent/proc", udevData: "/nonexistent/udev")
        XCTAssertThrowsError(try RemovableDrives(root: nowhere).allDrives()) { error in
            XCTAssertEqual(error as? DriveError, .systemInfoUnreadable(path: "/nonexistent/proc/self/mountinfo", errno: ENOENT))
            XCTAssertFalse((error as? DriveError)?.summary.traditionalChinese.isEmpty ?? true)
        }
    }

    func testRealMachineDiscoveryClassesRootAsFixed() throws {
        let entries = try MountEntry.read()
        let rootEntry = try XCTUnwrap(RemovableDrives.visibleMounts(entries).last { $0.mountPoint == "/" })
        let all = try RemovableDrives().allDrives()
        if RemovableDrives.pseudoFileSystems.contains(rootEntry.fileSystemType) {
            // A container's overlay root: not a drive at all.
            XCTAssertFalse(all.contains { $0.mountPoint == "/" })
        } else {
            let root = try XCTUnwrap(all.first { $0.mountPoint == "/" }, "the root file system \(rootEntry.source) was not found")
            XCTAssertTrue(root.isRootFileSystem)
            XCTAssertFalse(root.isBackupCandidate)
            XCTAssertNotNil(root.capacity, "statvfs works on /")
            XCTAssertTrue(root.device.hasPrefix("/dev/"))
        }
        XCTAssertFalse(try RemovableDrives().removableDrives().contains { $0.mountPoint == "/" })
        for drive in all {
            XCTAssertFalse(RemovableDrives.pseudoFileSystems.contains(drive.fileSystemType), drive.displayName)
        }
    }

    // MARK: - Choice

    func testOneRemovableDriveIsChosenAutomatically() throws {
        let all = try drives().filter { $0.mountPoint != "/media/user/SD CARD" }
        let choice = try RemovableDrives.choose(target: nil, among: all, force: false)
        XCTAssertEqual(choice.drive.mountPoint, "/media/user/KINGSTON", "the read-only card and the fixed disks do not count")
        XCTAssertEqual(choice.directory.path, "/media/user/KINGSTON")
        XCTAssertFalse(choice.isForcedOntoFixedDisk)
        XCTAssertNil(choice.warning)
    }

    func testTwoRemovableDrivesAreListedForAsking() throws {
        let all = try drives()
        XCTAssertThrowsError(try RemovableDrives.choose(target: nil, among: all, force: false)) { error in
            guard case DriveError.severalRemovableDrives(let choices) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(choices.map(\.mountPoint), ["/media/user/KINGSTON", "/media/user/SD CARD"])
            let summary = (error as? DriveError)?.summary
            XCTAssertTrue(summary?.english.contains("KINGSTON (/dev/sdb1)") ?? false, summary?.english ?? "")
            XCTAssertTrue(summary?.traditionalChinese.contains("SD CARD (/dev/mmcblk0p1)") ?? false)
        }
    }

    func testNoRemovableDrive() throws {
        let fixed = try drives().filter { !$0.isRemovable }
        XCTAssertThrowsError(try RemovableDrives.choose(target: nil, among: fixed, force: true)) {
            XCTAssertEqual($0 as? DriveError, .noRemovableDrive)
        }
    }

    func testOnlyAWriteProtectedCardIsRefused() throws {
        let onlyReader = try drives().filter { $0.mountPoint == "/media/user/備份" || !$0.isRemovable }
        XCTAssertThrowsError(try RemovableDrives.choose(target: nil, among: onlyReader, force: true)) {
            guard case DriveError.readOnly(let drive) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(drive.label, "備份")
        }
    }

    func testTargetOnRemovableDriveUsesLongestMountPrefix() throws {
        let all = try drives()
        let choice = try RemovableDrives.choose(
            target: "/media/user/SD CARD/backups/./2025/../2026", among: all, force: false, resolvingSymlinks: false)
        XCTAssertEqual(choice.drive.device, "/dev/mmcblk0p1")
        XCTAssertEqual(choice.directory.path, "/media/user/SD CARD/backups/2026")

        let viaBind = try RemovableDrives.choose(target: "/home/user/usb backup/pfx", among: all, force: false, resolvingSymlinks: false)
        XCTAssertEqual(viaBind.drive.device, "/dev/sdb1", "/home/user/usb backup is longer than /home")

        XCTAssertThrowsError(try RemovableDrives.choose(target: "/media/user/KINGSTON2/x", among: all, force: false, resolvingSymlinks: false)) {
            guard case DriveError.fixedDisk(let drive, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(drive.mountPoint, "/", "KINGSTON2 is a folder on /, not on the stick")
        }
    }

    func testTargetOnFixedDiskRefusedUnlessForced() throws {
        let all = try drives()
        XCTAssertThrowsError(try RemovableDrives.choose(target: "/data/backups", among: all, force: false, resolvingSymlinks: false)) { error in
            guard case DriveError.fixedDisk(let drive, let target) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(drive.device, "/dev/sda1")
            XCTAssertEqual(target, "/data/backups")
            let message = (error as? DriveError)?.userMessage(.traditionalChinese) ?? ""
            XCTAssertTrue(message.contains("固定式磁碟"), message)
            // How to confirm is the front end's word (`--force` in the terminal: RemedyCatalogueTests).
            XCTAssertEqual((error as? DriveError)?.hint, .confirmFixedDisk)
        }
        let forced = try RemovableDrives.choose(target: "/data/backups", among: all, force: true, resolvingSymlinks: false)
        XCTAssertEqual(forced.drive.device, "/dev/sda1")
        XCTAssertEqual(forced.directory.path, "/data/backups")
        XCTAssertTrue(forced.isForcedOntoFixedDisk)
        XCTAssertTrue(forced.warning?.english.contains("fixed disk") ?? false)
    }

    func testTargetOnReadOnlyDriveRefusedEvenWhenForced() throws {
        let all = try drives()
        XCTAssertThrowsError(try RemovableDrives.choose(target: "/media/user/備份/pfx", among: all, force: true, resolvingSymlinks: false)) {
            guard case DriveError.readOnly(let drive) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(drive.device, "/dev/sdc1")
        }
    }

    func testTargetOnNoDrive() throws {
        let removableOnly = try drives().filter(\.isRemovable)
        XCTAssertThrowsError(try RemovableDrives.choose(target: "/tmp/x", among: removableOnly, force: true, resolvingSymlinks: false)) {
            XCTAssertEqual($0 as? DriveError, .notOnAnyDrive(path: "/tmp/x"))
        }
    }

    func testChooseThroughDiscovery() throws {
        XCTAssertThrowsError(try RemovableDrives(root: fake.root).choose(target: nil, force: false)) {
            guard case DriveError.severalRemovableDrives = $0 else { return XCTFail("\($0)") }
        }
    }

    func testErrorsSpeakBothLanguages() throws {
        let stick = try drive(at: "/media/user/KINGSTON", in: drives())
        let errors: [DriveError] = [
            .systemInfoUnreadable(path: "/proc/self/mountinfo", errno: EACCES), .noRemovableDrive,
            .severalRemovableDrives([stick, stick]), .notOnAnyDrive(path: "/x"), .fixedDisk(stick, target: "/x"),
            .readOnly(stick),
        ]
        for error in errors {
            XCTAssertFalse(error.summary.english.isEmpty)
            XCTAssertFalse(error.summary.traditionalChinese.isEmpty)
            XCTAssertNotNil(error.remedy)
            XCTAssertFalse(error.description.isEmpty)
        }
    }
}
