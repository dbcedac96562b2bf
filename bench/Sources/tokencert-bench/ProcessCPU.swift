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

    /// CPU ticks used so far by the processes of one process group — the bench and the daemons
    /// `bench/run` started — and by the `extra` processes (the C reference, which Foundation's
    /// `Process` starts in a process group of its own): their utime + stime plus the cutime + cstime
    /// of children they reaped (/proc/PID/stat, clock ticks as in /proc/stat).
    static func groupTicks(_ group: pid_t, plus extra: Set<pid_t> = []) -> UInt64 {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total: UInt64 = 0
        for entry in entries where entry.first?.isNumber == true {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/stat") else { continue }
            let text = String(decoding: data, as: UTF8.self)
            // Fields after the command name (which may hold spaces) in parentheses: state ppid pgrp
            // session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 14, Int32(fields[2]) == group || Int32(entry).map(extra.contains) == true else { continue }
            for i in 11...14 { total += UInt64(fields[i]) ?? 0 }
        }
        return total
    }

    /// While `body` ran: how busy the whole machine was, and how much of it was neither this
    /// process group nor idle — other work sharing the machine — each 0…1 of all its CPUs (nil
    /// without /proc/stat).
    static func load<R>(_ body: () async throws -> R) async rethrows -> (R, Load?) {
        let meter = LoadMeter()
        let result = try await body()
        return (result, meter.read())
    }

    /// The machine's and this process group's CPU ticks at its start, for `read()` to compare with.
    /// A process of the group that is born and gone between the two readings, and not reaped by
    /// one of the group, is not seen: its time counts as other work (read while everything of a
    /// measurement still runs).
    struct LoadMeter {
        let group = getpgrp()
        let machine = ProcessCPU.machine()
        let groupTicks: UInt64

        init() { groupTicks = ProcessCPU.groupTicks(group) }

        /// `alsoOurs`: processes started since `init` that belong to the measurement (the C reference).
        func read(alsoOurs: Set<pid_t> = []) -> Load? {
            guard let before = machine, let after = ProcessCPU.machine(), after.total > before.total else { return nil }
            let groupAfter = ProcessCPU.groupTicks(group, plus: alsoOurs)
            let total = Double(after.total - before.total)
            let busy = Double(after.busy - before.busy)
            let ours = Double(groupAfter >= groupTicks ? groupAfter - groupTicks : 0)
            return Load(machineBusy: busy / total, others: max(0, busy - ours) / total)
        }
    }

    struct Load: Codable {
        /// Busy share of all CPUs.
        var machineBusy: Double
        /// Busy share of all CPUs outside this process group.
        var others: Double
    }
}
