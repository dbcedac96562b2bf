import Dispatch
import Foundation
import Synchronization

/// Keeps a flood of logins from taking the server and guessing from locking customers out.
///
/// A login costs ~240 ms of CPU (PBKDF2, 600,000 iterations), unknown IDs included. Hashing
/// therefore runs on threads of its own — never the request-handling pool, so `/health` and
/// certificate work keep answering — at most `hashingConcurrency` at a time with at most
/// `hashingQueue` waiting (beyond: `login-busy`, 429 with `Retry-After`).
///
/// Guessing is slowed, never answered with a lock: every limit below answers `too-many-logins`
/// (429 with `Retry-After`) before any hashing, the same for an ID that is a customer and one that is
/// not, and none of them can be aimed at a customer from another address:
/// - per client address, `loginAttemptsPerAddressPerMinute` attempts a minute (any IDs);
/// - per client address and ID, after `loginFailuresBeforeBackoff` wrong passwords in a row the
///   next try waits 15 s, then 30 s, 60 s, … up to `loginBackoffLimit`; a right password clears it;
/// - per ID, once `loginFailuresPerIDPerMinute` wrong passwords arrived within a minute (from any
///   addresses), addresses that already failed for that ID wait for the minute to end, while an
///   address that has not failed for it (the customer at home) is still let through.
///
/// The counts live in this process: with several RA instances each counts its own share.
final class LoginGate: Sendable {
    /// A count within the minute that started at `start`.
    private struct Window {
        var start: Date
        var count: Int

        /// Whether `now` is within this window's minute.
        func covers(_ now: Date) -> Bool { now >= start && now.timeIntervalSince(start) < 60 }
        /// Seconds until the window's minute ends.
        func secondsLeft(_ now: Date) -> TimeInterval { 60 - now.timeIntervalSince(start) }
        /// `window` when it covers `now`, else a new one from `now`.
        static func current(_ window: Window?, _ now: Date) -> Window {
            if let window, window.covers(now) { return window }
            return Window(start: now, count: 0)
        }
    }

    /// Wrong passwords in a row from one address for one ID, forgotten a day after the last one.
    private struct Backoff {
        var failures: Int
        var last: Date

        static func current(_ backoff: Backoff?, _ now: Date) -> Backoff? {
            backoff.flatMap { now.timeIntervalSince($0.last) < 86_400 ? $0 : nil }
        }
    }

    private struct State {
        var perAddress: [String: Window] = [:]
        var failuresPerID: [String: Window] = [:]
        var pairs: [String: Backoff] = [:]
        var admitted = 0
        var next = 0
    }

    private let state = Mutex(State())
    private let workers: [DispatchQueue]
    private let queueLimit: Int
    private let perAddress: Int
    private let failuresPerID: Int
    private let failuresBeforeBackoff: Int
    private let backoffLimit: TimeInterval
    /// Entries kept before old ones are dropped (memory stays bounded under a flood of IDs).
    private let pruneAbove = 50_000

    init(policy: Policy) {
        let concurrency = max(1, policy.passwordHashingConcurrency)
        workers = (0..<concurrency).map { DispatchQueue(label: "tokencert-ra.password-hashing.\($0)") }
        queueLimit = concurrency + max(0, policy.passwordHashingQueue)
        perAddress = policy.loginAttemptsPerAddressPerMinute
        failuresPerID = policy.loginFailuresPerIDPerMinute
        failuresBeforeBackoff = max(1, policy.loginFailuresBeforeBackoff)
        backoffLimit = policy.loginBackoffLimit
    }

    private static func pairKey(_ id: String, _ address: String?) -> String { (address ?? "-") + "\n" + id.uppercased() }

    /// How long an address waits after `failures` wrong passwords in a row for one ID (0: no wait).
    func backoff(afterFailures failures: Int) -> TimeInterval {
        guard failures >= failuresBeforeBackoff else { return 0 }
        let exponent = min(failures - failuresBeforeBackoff, 20)
        return min(15 * pow(2, Double(exponent)), backoffLimit)
    }

    /// Counts an attempt by `address` (nil: unknown, e.g. in-process tests) for `id`.
    /// - Throws: `RAError.tooManyLogins` with the seconds until this address may try again.
    func attempt(id: String, address: String?, now: Date) throws(RAError) {
        let retry: Int? = state.withLock { s in
            prune(&s, now: now)
            func seconds(_ interval: TimeInterval) -> Int { max(1, Int(interval.rounded(.up))) }
            let pair = Backoff.current(s.pairs[Self.pairKey(id, address)], now)
            if let pair {
                let until = pair.last.addingTimeInterval(backoff(afterFailures: pair.failures))
                if until > now { return seconds(until.timeIntervalSince(now)) }
            }
            if let pair, now.timeIntervalSince(pair.last) < 60, let window = s.failuresPerID[id.uppercased()], window.covers(now),
               window.count >= failuresPerID {
                return seconds(window.secondsLeft(now))
            }
            if let address {
                var w = Window.current(s.perAddress[address], now)
                guard w.count < perAddress else { return seconds(w.secondsLeft(now)) }
                w.count += 1
                s.perAddress[address] = w
            }
            return nil
        }
        if let retry { throw RAError.tooManyLogins(retryAfter: retry) }
    }

    /// A wrong password (or an ID that is no customer) from `address` for `id`.
    func failed(id: String, address: String?, now: Date) {
        state.withLock { s in
            let key = Self.pairKey(id, address)
            var pair = Backoff.current(s.pairs[key], now) ?? Backoff(failures: 0, last: now)
            pair.failures += 1
            pair.last = now
            s.pairs[key] = pair
            var w = Window.current(s.failuresPerID[id.uppercased()], now)
            w.count += 1
            s.failuresPerID[id.uppercased()] = w
        }
    }

    /// A right password from `address` for `id`: its failures are forgotten.
    func succeeded(id: String, address: String?) {
        _ = state.withLock { $0.pairs.removeValue(forKey: Self.pairKey(id, address)) }
    }

    private func prune(_ s: inout State, now: Date) {
        guard s.perAddress.count + s.failuresPerID.count + s.pairs.count > pruneAbove else { return }
        s.perAddress = s.perAddress.filter { $0.value.covers(now) }
        s.failuresPerID = s.failuresPerID.filter { $0.value.covers(now) }
        s.pairs = s.pairs.filter { now.timeIntervalSince($0.value.last) < backoffLimit }
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
