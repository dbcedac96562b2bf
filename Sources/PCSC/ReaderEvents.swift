internal import CPCSC
import Foundation

/// A change seen by `PCSCContext.events()`.
public enum ReaderEvent: Sendable, Hashable {
    case readerAdded(String)
    case readerRemoved(String)
    case cardInserted(reader: String, atr: [UInt8])
    case cardRemoved(reader: String)
}

extension PCSCContext {
    /// pcsc-lite's pseudo-reader that signals readers being added or removed.
    static let pnpNotification = "\\\\?PnP?\\Notification"

    /// Reader and card events as an `AsyncSequence`: `SCardGetStatusChange` on its own context and thread,
    /// watching every reader plus the PnP notification reader. The stream ends cleanly when the consuming
    /// task is cancelled (`SCardCancel` wakes the waiting thread) or when pcscd goes away.
    ///
    /// - Parameter includeInitial: first report every reader and card already present.
    public static func events(includeInitial: Bool = false) -> AsyncStream<ReaderEvent> {
        let (stream, continuation) = AsyncStream<ReaderEvent>.makeStream()
        let box = CancelBox()
        let thread = Thread {
            watch(continuation: continuation, box: box, includeInitial: includeInitial)
            continuation.finish()
        }
        thread.name = "tokencert.pcsc-events"
        continuation.onTermination = { _ in box.cancel() }
        thread.start()
        return stream
    }

    private static func watch(continuation: AsyncStream<ReaderEvent>.Continuation, box: CancelBox, includeInitial: Bool) {
        guard let context = try? RawContext() else { return }
        box.set(context)
        defer { box.set(nil) }
        var known: [String: (state: UInt32, present: Bool)] = [:]
        var first = true
        while !box.isCancelled {
            guard let readers = try? context.listReaders() else { return }
            // Readers that vanished.
            for gone in known.keys.sorted() where !readers.contains(gone) {
                if known[gone]!.present { continuation.yield(.cardRemoved(reader: gone)) }
                continuation.yield(.readerRemoved(gone))
                known[gone] = nil
            }
            // Readers that appeared.
            for reader in readers where known[reader] == nil {
                known[reader] = (0, false)
                if !first || includeInitial { continuation.yield(.readerAdded(reader)) }
            }
            var watch = readers.map { ($0, known[$0]!.state) }
            watch.append((pnpNotification, UInt32(readers.count) << 16))
            let changes: [(reader: String, event: UInt32, atr: [UInt8])]
            do {
                // With a current state of 0 the call returns at once with the present state.
                changes = try context.getStatusChange(watch, timeout: first ? 0 : 1000)
            } catch where error.code == .timeout {
                continue
            } catch where error.code == .cancelled {
                return
            } catch where error.code == .unknownReader || error.code == .readerUnavailable {
                continue  // a reader vanished while we waited; the next round sees it gone
            } catch {
                return  // pcscd stopped, or the context broke: end the stream
            }
            for change in changes where change.reader != pnpNotification {
                let flags = ReaderStateFlags(rawValue: change.event & 0xFFFF)
                let present = flags.contains(.present) && !flags.contains(.mute)
                let was = known[change.reader] ?? (0, false)
                if first {
                    if present && includeInitial { continuation.yield(.cardInserted(reader: change.reader, atr: change.atr)) }
                } else {
                    // pcsc-lite counts insertions/removals in the upper 16 bits: a quick swap still shows.
                    let swapped = was.state != 0 && was.state >> 16 != change.event >> 16
                    if was.present && (!present || swapped) { continuation.yield(.cardRemoved(reader: change.reader)) }
                    if present && (!was.present || swapped) {
                        continuation.yield(.cardInserted(reader: change.reader, atr: change.atr))
                    }
                }
                known[change.reader] = (change.event & ~UInt32(SCARD_STATE_CHANGED), present)
            }
            first = false
        }
    }
}

/// Lets the stream's terminator cancel the watcher thread's blocking wait.
final class CancelBox: @unchecked Sendable {
    private let lock = NSLock()
    private var context: RawContext?
    private var cancelled = false

    var isCancelled: Bool { lock.withLock { cancelled } }

    func set(_ context: RawContext?) {
        lock.withLock { self.context = context }
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            context?.cancel()
        }
    }
}
