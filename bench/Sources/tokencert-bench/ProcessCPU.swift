import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time used so far by a process, in seconds, for telling a server's own cost per request from
/// the load generator's.
enum ProcessCPU {
    /// The sum of the on-CPU time of the process's live threads (`/proc/PID/task/*/schedstat`, in
    /// nanoseconds), or nil when /proc cannot be read.
    static func seconds(pid: Int32) -> Double? {
        let tasks = "/proc/\(pid)/task"
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return nil }
        var total: UInt64 = 0
        for id in ids {
            guard let data = FileManager.default.contents(atPath: "\(tasks)/\(id)/schedstat"),
                  let first = String(decoding: data, as: UTF8.self).split(separator: " ").first,
                  let ns = UInt64(first)
            else { continue }
            total += ns
        }
        return Double(total) / 1e9
    }

    /// User + system time of this process (every thread, exited ones too), in seconds.
    static func own() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }
}
