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

    /// The machine's busy and total CPU time so far (the `cpu` line of /proc/stat, in clock ticks;
    /// busy is all but idle and iowait), or nil when /proc cannot be read.
    static func machine() -> (busy: UInt64, total: UInt64)? {
        guard let data = FileManager.default.contents(atPath: "/proc/stat"),
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        let total = values.prefix(8).reduce(0, +)
        return (total - values[3] - values[4], total)
    }

    /// How busy the whole machine was while `body` ran, 0…1 of all its CPUs (nil without /proc/stat).
    static func machineBusy<R>(_ body: () async throws -> R) async rethrows -> (R, Double?) {
        let before = machine()
        let result = try await body()
        guard let before, let after = machine(), after.total > before.total else { return (result, nil) }
        return (result, Double(after.busy - before.busy) / Double(after.total - before.total))
    }
}
