public import Foundation
import Glibc

/// Writes a `.pfx` backup so that the file name only ever shows a complete, verified file:
///
/// 1. `open` the folder (`O_DIRECTORY`); without `overwrite`, an existing name fails at once with
///    `alreadyExists` and is left untouched.
/// 2. Create `.<name>.tmp-XXXXXXXX` in the same folder (`openat` with `O_CREAT | O_EXCL | O_NOFOLLOW`,
///    mode 0600), `write` every byte, `fsync` and `close` it.
/// 3. Put it in place: without `overwrite`, `renameat2(RENAME_NOREPLACE)` (a file appearing meanwhile is
///    never replaced); where the file system lacks that flag (`EINVAL`), `linkat` + `unlinkat`; where it
///    has no hard links either, a check for the name and a plain `renameat`. With `overwrite`,
///    `renameat2(RENAME_EXCHANGE)` swaps the new file in and keeps the old one under the temporary
///    name; without that flag, the old file is kept aside with `linkat` (or `renameat`) before a plain
///    `renameat` replaces it.
/// 4. `fsync` the folder, so the new name survives a pulled plug.
/// 5. Call `verify` with the final URL (the caller reads the `.pfx` back with its password and compares
///    key and certificate). If it throws, the new file is removed, an overwritten old file is put back,
///    and `verify`'s error is rethrown. On success the kept old file is deleted.
///
/// Any failure removes the temporary file; nothing half-written stays under either name. (If the drive
/// is pulled during the clean-up itself, the clean-up cannot happen; the error still says the drive
/// went away.)
public struct BackupWriter: Sendable {
    let syscalls: BackupSyscalls

    /// A writer making the real system calls.
    public init() {
        self.syscalls = DrivesRaw.liveSyscalls
    }

    /// A writer with some system calls replaced (fault injection in tests).
    init(syscalls: BackupSyscalls) {
        self.syscalls = syscalls
    }

    /// `BackupWriter().write(…)`.
    public static func write(
        _ bytes: [UInt8], to directory: URL, fileName: String, overwrite: Bool = false,
        verify: (URL) throws -> Void
    ) throws -> URL {
        try BackupWriter().write(bytes, to: directory, fileName: fileName, overwrite: overwrite, verify: verify)
    }

    /// Writes `bytes` as `directory/fileName` atomically, then has `verify` check the final file.
    /// - Returns: the final file's URL.
    /// - Throws: `BackupWriteError` (`invalidFileName`, `alreadyExists`, `directoryMissing`,
    ///   `notADirectory`, `noSpace`, `readOnly`, `permissionDenied`, `driveRemoved`, `system`), or the
    ///   error `verify` threw.
    public func write(
        _ bytes: [UInt8], to directory: URL, fileName: String, overwrite: Bool = false,
        verify: (URL) throws -> Void
    ) throws -> URL {
        try BackupWriter.validate(fileName)
        let folder = BackupWriter.folderPath(directory)
        let finalPath = folder == "/" ? "/" + fileName : folder + "/" + fileName
        let finalURL = URL(fileURLWithPath: finalPath, isDirectory: false)
        let mapped = { (failure: DrivesCallFailure) in BackupWriteError(failure, path: folder, fileName: fileName) }

        let dir: Int32
        do { dir = try DrivesRaw.openDirectory(folder) } catch { throw mapped(error) }
        defer { DrivesRaw.closeDescriptor(dir) }

        switch DrivesRaw.entryKind(in: dir, name: fileName) {
        case .missing: break
        case .regularFile: if !overwrite { throw BackupWriteError.alreadyExists(path: finalPath) }
        case .other: throw BackupWriteError.alreadyExists(path: finalPath)
        }

        let temporary = try createTemporary(in: dir, for: fileName, mapped: mapped)
        let placed: Placement
        do {
            try fill(temporary.descriptor, with: bytes)
            placed = try place(temporary.name, as: fileName, in: dir, overwrite: overwrite)
        } catch {
            DrivesRaw.unlink(in: dir, name: temporary.name)
            if error.code == EEXIST { throw BackupWriteError.alreadyExists(path: finalPath) }
            throw mapped(error)
        }

        do {
            try syncFolder(dir)
            try verify(finalURL)
        } catch {
            undo(placed, name: fileName, in: dir)
            if let error = error as? DrivesCallFailure { throw mapped(error) }
            throw error
        }
        if let kept = placed.keptOldFile {
            DrivesRaw.unlink(in: dir, name: kept)
            try? syncFolder(dir)
        }
        return finalURL
    }

    // MARK: - Steps

    /// Where the file went, and under which name the file it replaced is kept until `verify` passes.
    struct Placement {
        var keptOldFile: String?
    }

    private struct Temporary {
        var name: String
        var descriptor: Int32
    }

    /// Rejects names the kernel would take as a path rather than a name.
    static func validate(_ fileName: String) throws(BackupWriteError) {
        if fileName.isEmpty || fileName == "." || fileName == ".." || fileName.contains("/")
            || fileName.utf8.contains(0) || fileName.utf8.count > 255 {
            throw BackupWriteError.invalidFileName(fileName)
        }
    }

    /// The folder's absolute path without a trailing slash.
    static func folderPath(_ directory: URL) -> String {
        var path = directory.standardizedFileURL.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty ? "/" : path
    }

    /// `.<name>.<kind>-XXXXXXXX` with 8 random letters and digits.
    static func hiddenName(for fileName: String, kind: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        return ".\(fileName).\(kind)-\(suffix)"
    }

    private func createTemporary(
        in dir: Int32, for fileName: String, mapped: (DrivesCallFailure) -> BackupWriteError
    ) throws(BackupWriteError) -> Temporary {
        var attempts = 0
        while true {
            let name = BackupWriter.hiddenName(for: fileName, kind: "tmp")
            do {
                let fd = try DrivesRaw.createExclusive(in: dir, name: name, mode: 0o600)
                return Temporary(name: name, descriptor: fd)
            } catch {
                attempts += 1
                if error.code == EEXIST && attempts < 64 { continue }
                if error.code == EINVAL { throw BackupWriteError.invalidFileName(fileName) }
                throw mapped(error)
            }
        }
    }

    /// `write` all, `fsync`, `close` (whose error counts: some file systems report write-back failures there).
    private func fill(_ fd: Int32, with bytes: [UInt8]) throws(DrivesCallFailure) {
        do {
            try syscalls.writeAll(fd, bytes)
            try syscalls.sync(fd)
        } catch {
            DrivesRaw.closeDescriptor(fd)
            throw error
        }
        let closeError = DrivesRaw.closeDescriptor(fd)
        if closeError != 0 && closeError != EINTR { throw DrivesCallFailure(function: "close", code: closeError) }
    }

    /// Errors meaning "this file system does not do that", for the fallbacks.
    private static func unsupported(_ code: Int32) -> Bool {
        code == EINVAL || code == ENOSYS || code == EOPNOTSUPP || code == ENOTTY
    }

    /// Errors of `linkat` on a file system without hard links (vfat, exFAT: `EPERM`).
    private static func noHardLinks(_ code: Int32) -> Bool {
        unsupported(code) || code == EPERM || code == EMLINK || code == EXDEV
    }

    /// Moves the filled temporary file to its final name. Leaves the temporary name unused (or holding
    /// the old file, see `Placement`) on success; on a throw, the caller removes the temporary file.
    private func place(_ temporary: String, as fileName: String, in dir: Int32, overwrite: Bool) throws(DrivesCallFailure) -> Placement {
        if overwrite, DrivesRaw.entryKind(in: dir, name: fileName) == .regularFile {
            return try replace(fileName, with: temporary, in: dir)
        }
        do {
            try syscalls.rename(in: dir, temporary, to: fileName, flags: DrivesRaw.renameNoReplace)
            return Placement()
        } catch where BackupWriter.unsupported(error.code) {
            // No RENAME_NOREPLACE here: a hard link also fails rather than replace.
        }
        do {
            try syscalls.link(in: dir, temporary, to: fileName)
            DrivesRaw.unlink(in: dir, name: temporary)
            return Placement()
        } catch where BackupWriter.noHardLinks(error.code) {
            // No hard links either: check, then rename (a file created in between would be replaced).
        }
        if DrivesRaw.entryKind(in: dir, name: fileName) != .missing {
            throw DrivesCallFailure(function: "renameat", code: EEXIST)
        }
        try syscalls.rename(in: dir, temporary, to: fileName, flags: 0)
        return Placement()
    }

    /// Replaces an existing regular file, keeping the old one for `undo`.
    private func replace(_ fileName: String, with temporary: String, in dir: Int32) throws(DrivesCallFailure) -> Placement {
        do {
            // Atomic swap: the name now shows the new file, the temporary name holds the old one.
            try syscalls.rename(in: dir, temporary, to: fileName, flags: DrivesRaw.renameExchange)
            return Placement(keptOldFile: temporary)
        } catch where BackupWriter.unsupported(error.code) {
            // No RENAME_EXCHANGE here.
        }
        let kept = BackupWriter.hiddenName(for: fileName, kind: "old")
        do {
            // A second name for the old file; the rename below then replaces the name atomically.
            try syscalls.link(in: dir, fileName, to: kept)
        } catch where BackupWriter.noHardLinks(error.code) {
            // No hard links: move the old file aside (the name is missing for a moment, never half-written).
            try syscalls.rename(in: dir, fileName, to: kept, flags: 0)
        }
        do {
            try syscalls.rename(in: dir, temporary, to: fileName, flags: 0)
        } catch {
            if DrivesRaw.entryKind(in: dir, name: fileName) == .missing {
                _ = syscalls.renameat2(dir, kept, dir, fileName, 0)
            } else {
                DrivesRaw.unlink(in: dir, name: kept)
            }
            throw error
        }
        return Placement(keptOldFile: kept)
    }

    /// Takes the new file away again: puts the kept old file back under the name (one atomic rename
    /// that also drops the new file), or removes the new file.
    private func undo(_ placed: Placement, name fileName: String, in dir: Int32) {
        if let kept = placed.keptOldFile, syscalls.renameat2(dir, kept, dir, fileName, 0) == 0 {
            try? syncFolder(dir)
            return
        }
        DrivesRaw.unlink(in: dir, name: fileName)
        if let kept = placed.keptOldFile {
            // Second try once the name is free; if even that fails the old file stays under its hidden name.
            _ = syscalls.renameat2(dir, kept, dir, fileName, 0)
        }
        try? syncFolder(dir)
    }

    /// `fsync` on the folder; `EINVAL` (a file system that cannot sync folders) is not an error.
    private func syncFolder(_ dir: Int32) throws(DrivesCallFailure) {
        do {
            try syscalls.sync(dir)
        } catch where error.code == EINVAL {
            return
        }
    }
}
