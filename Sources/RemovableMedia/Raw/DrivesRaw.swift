import Glibc

// All pointer work of drive discovery lives here (the backup writer's is in DrivesWriteRaw.swift).
// Everything in this file is internal; the Drives/ folder sees Swift values and `DrivesCallFailure`.

/// A failed system call: its name and `errno`.
struct DrivesCallFailure: Error, Sendable, Hashable {
    var function: String
    var code: Int32
}

/// `statvfs(3)` of a mounted file system, in bytes.
struct VolumeStats: Sendable, Hashable {
    var capacity: UInt64
    var available: UInt64
    var readOnly: Bool
}

enum DrivesRaw {
    /// `strerror(3)` text for an errno value ("No space left on device").
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// Reads a whole file with `open(2)`/`read(2)` until end of file. Files in /proc and /sys report
    /// a size of 0 or 4096 whatever they hold, so the size from `fstat` is never trusted.
    static func readFile(_ path: String, limit: Int = 8 << 20) throws(DrivesCallFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DrivesCallFailure(function: "open", code: errno) }
        defer { _ = close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DrivesCallFailure(function: "read", code: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// `realpath(3)`: the path with every symbolic link, `.` and `..` resolved; nil when any part is missing.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `statvfs(3)` on any path inside a mounted file system; nil when the call fails.
    static func volumeStats(_ path: String) -> VolumeStats? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let unit = UInt64(info.f_frsize != 0 ? info.f_frsize : info.f_bsize)
        return VolumeStats(
            capacity: UInt64(info.f_blocks) &* unit,
            available: UInt64(info.f_bavail) &* unit,
            readOnly: (info.f_flag & UInt(ST_RDONLY)) != 0)
    }
}
