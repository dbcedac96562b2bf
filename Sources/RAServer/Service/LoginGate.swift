import Dispatch
import Foundation
import Synchronization

/// Keeps a flood of logins from taking the server. A login costs ~240 ms of CPU (PBKDF2, 600,000
/// iterations), unknown IDs included. Hashing therefore runs on threads of its own — never the
/// request-handling pool, so `/health` and certificate work keep answering — at most
/// `hashingConcurrency` at a time with at most `hashingQueue` waiting (beyond: `login-busy`, 429
/// with `Retry-After`); and attempts are limited per client address and per ID within a minute
/// (`too-many-logins`, 429 with `Retry-After`), checked before any hashing.
final class LoginGate: Sendable {
    private struct Window {
        var start: Date
        var count: Int
    }

    private struct State {
        var perAddress: [String: Window] = [:]
        var perID: [String: Window] = [:]
        var admitted = 0
        var next = 0
    }

    private let state = Mutex(State())
    private let workers: [DispatchQueue]
    private let queueLimit: Int
    private let perAddress: Int
    private let perID: Int

    init(policy: Policy) {
        let concurrency = max(1, policy.passwordHashingConcurrency)
        workers = (0..<concurrency).map { DispatchQueue(label: "tokencert-ra.password-hashing.\($0)") }
        queueLimit = concurrency + max(0, policy.passwordHashingQueue)
        perAddress = policy.loginAttemptsPerAddressPerMinute
        perID = policy.loginAttemptsPerIDPerMinute
    }

    /// Counts an attempt by `address` (nil: unknown, e.g. in-process tests) for `id`.
    /// - Throws: `RAError.tooManyLogins` with the seconds until the window frees.
    func attempt(id: String, address: String?, now: Date) throws(RAError) {
        let retry: Int? = state.withLock { s in
            if s.perAddress.count + s.perID.count > 50_000 {
                s.perAddress = s.perAddress.filter { now.timeIntervalSince($0.value.start) < 60 }
                s.perID = s.perID.filter { now.timeIntervalSince($0.value.start) < 60 }
            }
            func count(_ key: String, in table: inout [String: Window], limit: Int) -> Int? {
                var w = table[key] ?? Window(start: now, count: 0)
                if now.timeIntervalSince(w.start) >= 60 || now < w.start { w = Window(start: now, count: 0) }
                guard w.count < limit else { return max(1, Int((60 - now.timeIntervalSince(w.start)).rounded(.up))) }
                w.count += 1
                table[key] = w
                return nil
            }
            if let address, let wait = count(address, in: &s.perAddress, limit: perAddress) { return wait }
            return count(id.uppercased(), in: &s.perID, limit: perID)
        }
        if let retry { throw RAError.tooManyLogins(retryAfter: retry) }
    }

    /// Runs `work` (password hashing) on the gate's own threads.
    /// - Throws: `RAError.loginBusy` when `hashingQueue` logins already wait.
    func hash<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws(RAError) -> T {
        let worker: DispatchQueue? = state.withLock { s in
            guard s.admitted < queueLimit else { return nil }
            s.admitted += 1
            s.next = (s.next + 1) % workers.count
            return workers[s.next]
        }
        guard let worker else { throw RAError.loginBusy }
        defer { state.withLock { $0.admitted -= 1 } }
        return await withCheckedContinuation { continuation in
            worker.async { continuation.resume(returning: work()) }
        }
    }
}
