import Foundation

/// A USB stick (vfat, "KINGSTON", /dev/sdb1 behind a USB host) mounted at a folder of the test's, in a
/// made-up /sys, /proc/self/mountinfo and udev database — what `RemovableDrives` reads — so backup
/// commands and the doctor see a removable drive without one being plugged in.
public enum FakeUSBStick {
    /// Makes the tree under `dir`/system and returns its path (for `--system-root`).
    public static func make(in dir: String, mount: String) throws -> String {
        let root = dir + "/system"
        func write(_ path: String, _ text: String) throws {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        func link(_ path: String, _ to: String) throws {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: to)
        }
        let disk = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb"
        for (file, text) in [("removable", "0\n"), ("dev", "8:16\n"), ("size", "31266816\n"), ("ro", "0\n"), ("uevent", "DEVTYPE=disk\nDEVNAME=sdb\n"),
                             ("sdb1/partition", "1\n"), ("sdb1/dev", "8:17\n"), ("sdb1/size", "31264768\n"), ("sdb1/ro", "0\n"),
                             ("sdb1/uevent", "DEVTYPE=partition\nDEVNAME=sdb1\n")] {
            try write("sys/\(disk)/\(file)", text)
        }
        try link("sys/dev/block/8:16", "../../\(disk)")
        try link("sys/dev/block/8:17", "../../\(disk)/sdb1")
        try link("sys/class/block/sdb", "../../\(disk)")
        try link("sys/class/block/sdb1", "../../\(disk)/sdb1")
        try write("run/udev/data/b8:17", "E:ID_FS_LABEL=KINGSTON\nE:ID_FS_LABEL_ENC=KINGSTON\nE:ID_FS_TYPE=vfat\n")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try write("proc/self/mountinfo", "22 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n40 22 8:17 / \(mount) rw,nosuid,nodev - vfat /dev/sdb1 rw\n")
        return root
    }

}
