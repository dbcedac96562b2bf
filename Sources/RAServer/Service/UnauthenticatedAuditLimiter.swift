import Foundation
import Synchronization

/// Keeps anonymous requests from filling the append-only audit log: refusals nobody is
/// authenticated for are written at most `perMinute` times a minute; the rest are counted, and the
/// first event of a later minute comes with one `audit-suppressed` event that says how many were
/// left out. Authenticated events never pass through here.
final class UnauthenticatedAuditLimiter: Sendable {
    private struct Window {
        var start = Date.distantPast
        var written = 0
        var suppressed = 0
    }

    private let window = Mutex(Window())
    let perMinute: Int

    init(perMinute: Int) { self.perMinute = perMinute }

    /// The events to append for `event`: it (and a summary of the last minute's suppressed events)
    /// while under the limit, nothing above it.
    func admit(_ event: AuditEvent) -> [AuditEvent] {
        window.withLock { w in
            var out: [AuditEvent] = []
            if event.at.timeIntervalSince(w.start) >= 60 || event.at < w.start {
                if w.suppressed > 0 {
                    out.append(AuditEvent(at: event.at, customerID: nil, actor: "system", action: "audit-suppressed", outcome: "ok",
                                          detail: "\(w.suppressed) unauthenticated refusals not written in the minute from \(w.start)"))
                }
                w = Window(start: event.at)
            }
            guard w.written < perMinute else {
                w.suppressed += 1
                return out
            }
            w.written += 1
            out.append(event)
            return out
        }
    }
}
