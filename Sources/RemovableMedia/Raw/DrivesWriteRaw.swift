import Glibc

// File-descriptor work of the backup writer: the `*at` calls inside one open folder, `renameat2`
// found with `dlsym`, and the replaceable set of calls that tests use to inject faults.

extension DrivesRaw {
    /// `open(2)` of a directory with `O_RDONLY | O_DIRECTORY | O_CLOEXEC`, for the `*at` calls and `fsync`.
    static func openDirectory(_ path: String) throws(DrivesCallFailure) -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw DrivesCallFailure(function: "open", code: errno)
        }
    }

    /// `openat(2)` with `O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC`: creates a new file or fails
    /// with `EEXIST`; never follows a symbolic link planted under that name.
    static func createExclusive(in directory: Int32, name: String, mode: mode_t) throws(DrivesCallFailure) -> Int32 {
        while true {
            let fd = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw DrivesCallFailure(function: "openat", code: errno)
        }
    }

    /// What a name in a folder is.
    enum EntryKind: Sendable, Hashable {
        case missing
        case regularFile
        /// A folder, symbolic link, device… anything a backup must never replace.
        case other
    }

    /// `fstatat(2)` with `AT_SYMLINK_NOFOLLOW`. A failure other than `ENOENT` counts as `.other`, so
    /// that nothing is replaced on a guess.
    static func entryKind(in directory: Int32, name: String) -> EntryKind {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            return errno == ENOENT ? .missing : .other
        }
        return (info.st_mode & S_IFMT) == S_IFREG ? .regularFile : .other
    }

    /// `unlinkat(2)`; returns errno, 0 on success.
    @discardableResult
    static func unlink(in directory: Int32, name: String) -> Int32 {
        unlinkat(directory, name, 0) == 0 ? 0 : errno
    }

    /// `close(2)`; returns errno, 0 on success. Never retried: on Linux the descriptor is gone either way.
    @discardableResult
    static func closeDescriptor(_ fd: Int32) -> Int32 {
        close(fd) == 0 ? 0 : errno
    }

    /// `renameat2(2)` flags (linux/fs.h), not exported by Glibc to Swift without `_GNU_SOURCE`.
    static let renameNoReplace: UInt32 = 1
    static let renameExchange: UInt32 = 2

    private typealias RenameAt2 = @convention(c) (
        Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
    ) -> Int32

    /// glibc's `renameat2` wrapper (glibc ≥ 2.28), looked up with `dlsym` because Swift's Glibc module does
    /// not declare it. Nil when the C library lacks it.
    private static let renameat2Function: RenameAt2? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// The live system calls the backup writer makes; tests swap single entries to inject faults.
    static let liveSyscalls = BackupSyscalls(
        write: { fd, buffer in
            Glibc.write(fd, buffer.baseAddress, buffer.count)
        },
        fsync: { fd in Glibc.fsync(fd) },
        renameat2: { oldDir, oldName, newDir, newName, flags in
            if flags == 0 { return renameat(oldDir, oldName, newDir, newName) }
            guard let function = renameat2Function else {
                errno = ENOSYS
                return -1
            }
            return function(oldDir, oldName, newDir, newName, flags)
        },
        linkat: { oldDir, oldName, newDir, newName in
            Glibc.linkat(oldDir, oldName, newDir, newName, 0)
        })
}

/// The system calls of `BackupWriter` that can fail in ways a test cannot provoke on a healthy disk
/// (`ENOSPC` in the middle of a write, `EIO` from `fsync`, a file system without `RENAME_NOREPLACE`).
/// Each returns like its C call: -1 with `errno` set on failure.
struct BackupSyscalls: Sendable {
    /// `write(2)`.
    var write: @Sendable (Int32, UnsafeRawBufferPointer) -> Int
    /// `fsync(2)`, on the file and on the directory.
    var fsync: @Sendable (Int32) -> Int32
    /// `renameat2(2)`; flags 0 means plain `renameat(2)`.
    var renameat2: @Sendable (Int32, String, Int32, String, UInt32) -> Int32
    /// `linkat(2)` with flags 0.
    var linkat: @Sendable (Int32, String, Int32, String) -> Int32

    /// Writes every byte, looping over short writes and `EINTR`.
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(DrivesCallFailure) {
        var failure: DrivesCallFailure?
        bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let n = write(fd, UnsafeRawBufferPointer(rebasing: all[offset...]))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = DrivesCallFailure(function: "write", code: errno)
                    return
                }
                if n == 0 {
                    failure = DrivesCallFailure(function: "write", code: EIO)
                    return
                }
                offset += n
            }
        }
        if let failure { throw failure }
    }

    /// `fsync`, retried on `EINTR`.
    func sync(_ fd: Int32) throws(DrivesCallFailure) {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw DrivesCallFailure(function: "fsync", code: errno)
        }
    }

    /// `renameat2` inside one directory; throws with the name of the call.
    func rename(in directory: Int32, _ old: String, to new: String, flags: UInt32) throws(DrivesCallFailure) {
        if renameat2(directory, old, directory, new, flags) != 0 {
            throw DrivesCallFailure(function: flags == 0 ? "renameat" : "renameat2", code: errno)
        }
    }

    /// `linkat` inside one directory; throws with the name of the call.
    func link(in directory: Int32, _ old: String, to new: String) throws(DrivesCallFailure) {
        if linkat(directory, old, directory, new) != 0 {
            throw DrivesCallFailure(function: "linkat", code: errno)
        }
    }
}
