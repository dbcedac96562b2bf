@testable import RemovableMedia
import Foundation
import Glibc
import Localization
import XCTest

private struct VerifyFailed: Error, Equatable {}

/// How often `verify` ran and what it saw, shared with the `@Sendable`-free verify closure.
private final class VerifyLog {
    var urls: [URL] = []
    var contents: [[UInt8]] = []
}

final class AtomicWriteTests: XCTestCase {
    private var folder: URL!
    private let backupName = "A123456789-9A00(2026-03-01).pfx"

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokencert-atomic-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func bytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    private func listing(_ url: URL? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: (url ?? folder).path).sorted()
    }

    private func read(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    private func recordingVerify(_ log: VerifyLog) -> (URL) throws -> Void {
        { url in
            log.urls.append(url)
            log.contents.append([UInt8](try Data(contentsOf: url)))
        }
    }

    private func writer(_ change: (inout BackupSyscalls) -> Void) -> BackupWriter {
        var calls = DrivesRaw.liveSyscalls
        change(&calls)
        return BackupWriter(syscalls: calls)
    }

    // MARK: - The normal way

    func testWritesVerifiesAndLeavesOnlyTheFile() throws {
        let payload = bytes(5000)
        let log = VerifyLog()
        let url = try BackupWriter.write(payload, to: folder, fileName: backupName, verify: recordingVerify(log))
        XCTAssertEqual(url.path, folder.path + "/" + backupName)
        XCTAssertEqual(log.urls, [url], "verify runs once, with the final file")
        XCTAssertEqual(log.contents, [payload], "verify sees every byte already in place")
        XCTAssertEqual(try read(url), payload)
        XCTAssertEqual(try listing(), [backupName], "no temporary file stays")
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)
    }

    func testEmptyFileAndTrailingSlashFolder() throws {
        let url = try BackupWriter.write([], to: URL(fileURLWithPath: folder.path + "/"), fileName: backupName) { _ in }
        XCTAssertEqual(url.path, folder.path + "/" + backupName)
        XCTAssertEqual(try read(url), [])
    }

    func testExistingFileIsNeverReplacedSilently() throws {
        let target = folder.appendingPathComponent(backupName)
        try Data("old backup".utf8).write(to: target)
        let log = VerifyLog()
        XCTAssertThrowsError(try BackupWriter.write(bytes(100), to: folder, fileName: backupName, verify: recordingVerify(log))) {
            XCTAssertEqual($0 as? BackupWriteError, .alreadyExists(path: target.path))
        }
        XCTAssertEqual(String(decoding: try read(target), as: UTF8.self), "old backup")
        XCTAssertEqual(log.urls, [])
        XCTAssertEqual(try listing(), [backupName])
    }

    func testExistingFolderOrLinkIsNeverReplacedEvenWithOverwrite() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(backupName), withIntermediateDirectories: false)
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: folder, fileName: backupName, overwrite: true) { _ in }) {
            XCTAssertEqual($0 as? BackupWriteError, .alreadyExists(path: folder.path + "/" + backupName))
        }
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.pfx", withDestinationPath: "/etc/passwd")
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: folder, fileName: "link.pfx", overwrite: true) { _ in })
        XCTAssertEqual(try listing(), [backupName, "link.pfx"])
    }

    func testOverwriteReplacesAtomically() throws {
        let target = folder.appendingPathComponent(backupName)
        try Data("old backup".utf8).write(to: target)
        let payload = bytes(3000, seed: 7)
        let log = VerifyLog()
        let url = try BackupWriter.write(payload, to: folder, fileName: backupName, overwrite: true, verify: recordingVerify(log))
        XCTAssertEqual(log.contents, [payload])
        XCTAssertEqual(try read(url), payload)
        XCTAssertEqual(try listing(), [backupName], "the kept old file is gone after a good verify")
    }

    // MARK: - verify fails

    func testVerifyFailureRemovesEverything() throws {
        XCTAssertThrowsError(try BackupWriter.write(bytes(2000), to: folder, fileName: backupName) { url in
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))
            throw VerifyFailed()
        }) {
            XCTAssertEqual($0 as? VerifyFailed, VerifyFailed(), "verify's own error comes back")
        }
        XCTAssertEqual(try listing(), [])
    }

    func testVerifyFailureOnOverwriteBringsTheOldFileBack() throws {
        let target = folder.appendingPathComponent(backupName)
        try Data("old backup".utf8).write(to: target)
        XCTAssertThrowsError(try BackupWriter.write(bytes(2000), to: folder, fileName: backupName, overwrite: true) { url in
            XCTAssertEqual(try self.read(url), self.bytes(2000))
            throw VerifyFailed()
        })
        XCTAssertEqual(String(decoding: try read(target), as: UTF8.self), "old backup")
        XCTAssertEqual(try listing(), [backupName])
    }

    // MARK: - Bad folders and names

    func testFolderUnderARegularFile() throws {
        let file = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let inside = file.appendingPathComponent("backups")
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: inside, fileName: backupName) { _ in XCTFail("no verify") }) { error in
            XCTAssertEqual(error as? BackupWriteError, .notADirectory(path: inside.path))
            XCTAssertNotNil((error as? BackupWriteError)?.remedy)
        }
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: file, fileName: backupName) { _ in }) {
            XCTAssertEqual($0 as? BackupWriteError, .notADirectory(path: file.path))
        }
        XCTAssertEqual(try listing(), ["plain-file"])
    }

    func testMissingFolder() throws {
        let missing = folder.appendingPathComponent("unplugged/backups")
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: missing, fileName: backupName) { _ in }) {
            XCTAssertEqual($0 as? BackupWriteError, .directoryMissing(path: missing.path))
        }
        XCTAssertEqual(try listing(), [])
    }

    func testInvalidNames() throws {
        for bad in ["", ".", "..", "a/b.pfx", "nul\u{0}.pfx", String(repeating: "x", count: 256)] {
            XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: folder, fileName: bad) { _ in }, bad) {
                XCTAssertEqual($0 as? BackupWriteError, .invalidFileName(bad))
            }
        }
        // Short enough itself, too long once the temporary suffix is added.
        let long = String(repeating: "y", count: 250)
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: folder, fileName: long) { _ in }) {
            XCTAssertEqual($0 as? BackupWriteError, .invalidFileName(long))
        }
        XCTAssertEqual(try listing(), [])
    }

    // MARK: - Injected faults

    func testNoSpaceInTheMiddleOfWritingLeavesNothing() throws {
        // Short writes of 100 bytes, then ENOSPC: also checks the short-write loop.
        let full = writer { calls in
            calls.write = { fd, buffer in
                guard buffer.count > 100 else {
                    errno = ENOSPC
                    return -1
                }
                return Glibc.write(fd, buffer.baseAddress, 100)
            }
        }
        XCTAssertThrowsError(try full.write(bytes(1000), to: folder, fileName: backupName) { _ in XCTFail("no verify") }) { error in
            XCTAssertEqual(error as? BackupWriteError, .noSpace(path: folder.path))
            XCTAssertTrue((error as? BackupWriteError)?.summary.traditionalChinese.contains("空間已滿") ?? false)
        }
        XCTAssertEqual(try listing(), [])

        let url = try writer { calls in
            calls.write = { fd, buffer in Glibc.write(fd, buffer.baseAddress, min(buffer.count, 7)) }
        }.write(bytes(1000), to: folder, fileName: backupName) { _ in }
        XCTAssertEqual(try read(url), bytes(1000), "short writes are continued")
    }

    func testDriveRemovedAtFsync() throws {
        let pulled = writer { calls in
            calls.fsync = { _ in
                errno = EIO
                return -1
            }
        }
        XCTAssertThrowsError(try pulled.write(bytes(100), to: folder, fileName: backupName) { _ in XCTFail("no verify") }) {
            XCTAssertEqual($0 as? BackupWriteError, .driveRemoved(path: folder.path))
        }
        XCTAssertEqual(try listing(), [])
    }

    func testDriveRemovedAtFolderFsyncTakesTheFileAway() throws {
        // The file fsync passes; the folder fsync (after the rename) fails.
        let folderPath = folder.path
        let pulled = writer { calls in
            calls.fsync = { fd in
                if DrivesRaw.realPath("/proc/self/fd/\(fd)") == folderPath {
                    errno = ENODEV
                    return -1
                }
                return Glibc.fsync(fd)
            }
        }
        XCTAssertThrowsError(try pulled.write(bytes(100), to: folder, fileName: backupName) { _ in XCTFail("no verify") }) {
            XCTAssertEqual($0 as? BackupWriteError, .driveRemoved(path: folder.path))
        }
        XCTAssertEqual(try listing(), [])
    }

    func testReadOnlyAndPermissionErrorsAreTyped() throws {
        for (code, expected) in [
            (EROFS, BackupWriteError.readOnly(path: folder.path)),
            (EACCES, .permissionDenied(path: folder.path)),
            (EDQUOT, .noSpace(path: folder.path)),
            (EBADF, .system(function: "write", errno: EBADF, path: folder.path)),
        ] {
            let failing = writer { calls in
                calls.write = { _, _ in
                    errno = code
                    return -1
                }
            }
            XCTAssertThrowsError(try failing.write(bytes(10), to: folder, fileName: backupName) { _ in }) {
                XCTAssertEqual($0 as? BackupWriteError, expected)
                XCTAssertFalse(($0 as? BackupWriteError)?.summary.english.isEmpty ?? true)
                XCTAssertNotNil(($0 as? BackupWriteError)?.remedy)
            }
            XCTAssertEqual(try listing(), [])
        }
    }

    /// A file system without `renameat2` flags (`EINVAL`): hard links stand in for `RENAME_NOREPLACE`,
    /// and keep the old file for `RENAME_EXCHANGE`.
    private var noRenameFlags: BackupWriter {
        writer { calls in
            let live = calls.renameat2
            calls.renameat2 = { a, b, c, d, flags in
                if flags != 0 {
                    errno = EINVAL
                    return -1
                }
                return live(a, b, c, d, 0)
            }
        }
    }

    /// Neither `renameat2` flags nor hard links (`EPERM`, as vfat answers `link`).
    private var noRenameFlagsNoLinks: BackupWriter {
        var calls = noRenameFlags.syscalls
        calls.linkat = { _, _, _, _ in
            errno = EPERM
            return -1
        }
        return BackupWriter(syscalls: calls)
    }

    func testFallbacksWriteAndRefuseExistingFiles() throws {
        for (label, fallback) in [("link", noRenameFlags), ("check+rename", noRenameFlagsNoLinks)] {
            let file = "\(label).pfx"
            let url = try fallback.write(bytes(500), to: folder, fileName: file) { _ in }
            XCTAssertEqual(try read(url), bytes(500), label)
            XCTAssertThrowsError(try fallback.write(bytes(9), to: folder, fileName: file) { _ in }, label) {
                XCTAssertEqual($0 as? BackupWriteError, .alreadyExists(path: url.path))
            }
            XCTAssertEqual(try read(url), bytes(500), label)
        }
        XCTAssertEqual(try listing(), ["check+rename.pfx", "link.pfx"])
    }

    func testFallbackRefusesAFileCreatedWhileWriting() throws {
        // The name appears after the first check, before the rename: NOREPLACE and the link fallback refuse.
        for (label, base) in [("renameat2", BackupWriter()), ("link", noRenameFlags)] {
            let file = "\(label).pfx"
            let target = folder.appendingPathComponent(file)
            var calls = base.syscalls
            let write = calls.write
            calls.write = { fd, buffer in
                if !FileManager.default.fileExists(atPath: target.path) {
                    _ = FileManager.default.createFile(atPath: target.path, contents: Data("racer".utf8))
                }
                return write(fd, buffer)
            }
            XCTAssertThrowsError(try BackupWriter(syscalls: calls).write(bytes(50), to: folder, fileName: file) { _ in }, label) {
                XCTAssertEqual($0 as? BackupWriteError, .alreadyExists(path: target.path), label)
            }
            XCTAssertEqual(String(decoding: try read(target), as: UTF8.self), "racer", label)
        }
        XCTAssertEqual(try listing(), ["link.pfx", "renameat2.pfx"])
    }

    func testFallbacksOverwriteAndRestoreOnVerifyFailure() throws {
        for (label, fallback) in [("link", noRenameFlags), ("rename-aside", noRenameFlagsNoLinks)] {
            let target = folder.appendingPathComponent(backupName)
            try Data("old backup".utf8).write(to: target)
            XCTAssertThrowsError(try fallback.write(bytes(64), to: folder, fileName: backupName, overwrite: true) { url in
                XCTAssertEqual(try self.read(url), self.bytes(64))
                throw VerifyFailed()
            }, label)
            XCTAssertEqual(String(decoding: try read(target), as: UTF8.self), "old backup", label)
            XCTAssertEqual(try listing(), [backupName], label)

            let url = try fallback.write(bytes(64), to: folder, fileName: backupName, overwrite: true) { _ in }
            XCTAssertEqual(try read(url), bytes(64), label)
            XCTAssertEqual(try listing(), [backupName], label)
            try FileManager.default.removeItem(at: target)
        }
    }

    // MARK: - A real full and a real read-only file system

    /// Mounts a 64 KiB tmpfs in the test folder. Needs root / CAP_SYS_ADMIN — the test command runs
    /// as root (it installs packages and starts pcscd), so without it this is a failure, not a skip.
    private func mountTinyTmpfs() throws -> URL {
        let point = folder.appendingPathComponent("tiny", isDirectory: true)
        try FileManager.default.createDirectory(at: point, withIntermediateDirectories: true)
        guard mount("tmpfs", point.path, "tmpfs", 0, "size=64k,mode=0700") == 0 else {
            let reason = String(cString: strerror(errno))
            XCTFail("mounting a tmpfs needs CAP_SYS_ADMIN (run the tests as root, as scripts/test does): \(reason)")
            throw CocoaError(.fileWriteNoPermission)
        }
        return point
    }

    func testRealFullFileSystem() throws {
        let point = try mountTinyTmpfs()
        defer { _ = umount2(point.path, Int32(MNT_DETACH)) }
        XCTAssertThrowsError(try BackupWriter.write(bytes(1 << 20), to: point, fileName: backupName) { _ in XCTFail("no verify") }) {
            XCTAssertEqual($0 as? BackupWriteError, .noSpace(path: point.path))
        }
        XCTAssertEqual(try listing(point), [], "the partial temporary file is removed")
    }

    func testRealReadOnlyFileSystem() throws {
        let point = try mountTinyTmpfs()
        defer { _ = umount2(point.path, Int32(MNT_DETACH)) }
        XCTAssertEqual(mount("none", point.path, nil, UInt(MS_REMOUNT | MS_RDONLY), nil), 0, String(cString: strerror(errno)))
        XCTAssertThrowsError(try BackupWriter.write(bytes(10), to: point, fileName: backupName) { _ in }) {
            XCTAssertEqual($0 as? BackupWriteError, .readOnly(path: point.path))
        }
        XCTAssertEqual(try listing(point), [])
    }
}
