internal import CPKCS11
import Foundation

/// A change in the tokens a module shows.
public enum SlotEvent: Sendable, Hashable {
    /// A token appeared in a slot (inserted, or a slot with a token was added).
    case tokenInserted(SlotInfo, TokenInfo)
    /// The token left the slot (removed, or the slot itself went away).
    case tokenRemoved(SlotID)
    /// The same slot now shows a different token state: new label or serial (re-initialised),
    /// PIN state or initialisation flags changed.
    case tokenChanged(SlotInfo, TokenInfo)
}

extension PKCS11Module {
    /// Token insertions, removals and changes as an `AsyncSequence`. Uses `C_WaitForSlotEvent` with
    /// `CKF_DONT_BLOCK` where the module supports it (to learn of events between polls), and compares
    /// snapshots of `C_GetSlotList`/`C_GetTokenInfo` every `pollInterval` for the rest — a blocking wait
    /// could only be interrupted by `C_Finalize`. The stream ends when the consuming task is cancelled.
    ///
    /// - Parameter includeInitial: first report every token already present as `tokenInserted`.
    public func slotEvents(pollInterval: Duration = .milliseconds(250), includeInitial: Bool = false) -> AsyncStream<SlotEvent> {
        AsyncStream { continuation in
            let task = Task { [self] in
                var known: [SlotID: (SlotInfo, TokenInfo)] = [:]
                var first = true
                var waitSupported = true
                while !Task.isCancelled {
                    if waitSupported {
                        // Drain pending events; the snapshot below says what they were.
                        var slot: CK_SLOT_ID = 0
                        while true {
                            let rv = ReturnValue(rawValue: UInt(raw.f.C_WaitForSlotEvent(CK_FLAGS(CKF_DONT_BLOCK), &slot, nil)))
                            if rv == .ok { continue }
                            if rv != .noEvent { waitSupported = false }
                            break
                        }
                    }
                    if let current = try? tokens() {
                        var now: [SlotID: (SlotInfo, TokenInfo)] = [:]
                        for t in current { now[t.slot.id] = (t.slot, t.info) }
                        if !first || includeInitial {
                            for (id, (slot, info)) in now.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                                if let old = known[id] {
                                    if old.1.label != info.label || old.1.serialNumber != info.serialNumber
                                        || old.1.flags != info.flags { continuation.yield(.tokenChanged(slot, info)) }
                                } else {
                                    continuation.yield(.tokenInserted(slot, info))
                                }
                            }
                            for id in known.keys.sorted(by: { $0.rawValue < $1.rawValue }) where now[id] == nil {
                                continuation.yield(.tokenRemoved(id))
                            }
                        }
                        known = now
                        first = false
                    }
                    try? await Task.sleep(for: pollInterval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
