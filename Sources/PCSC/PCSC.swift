internal import CPCSC
import Foundation
public import SmartCard

/// How to share a card with other programs (`SCARD_SHARE_…`).
public enum ShareMode: Sendable {
    case shared, exclusive, direct
    var raw: DWORD {
        switch self {
        case .shared: DWORD(SCARD_SHARE_SHARED)
        case .exclusive: DWORD(SCARD_SHARE_EXCLUSIVE)
        case .direct: DWORD(SCARD_SHARE_DIRECT)
        }
    }
}

/// Transmission protocols to negotiate (`SCARD_PROTOCOL_T0` / `T1`).
public struct CardProtocols: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let t0 = CardProtocols(rawValue: 0x1)
    public static let t1 = CardProtocols(rawValue: 0x2)
    public static let any: CardProtocols = [.t0, .t1]
}

/// What to do with the card when a connection or transaction ends (`SCARD_LEAVE_CARD` …).
public enum Disposition: Sendable {
    case leave, reset, unpower, eject
    var raw: DWORD {
        switch self {
        case .leave: DWORD(SCARD_LEAVE_CARD)
        case .reset: DWORD(SCARD_RESET_CARD)
        case .unpower: DWORD(SCARD_UNPOWER_CARD)
        case .eject: DWORD(SCARD_EJECT_CARD)
        }
    }
}

/// Reader state bits (`SCARD_STATE_…`).
/// A connected card's state as `SCardStatus` reports it (pcsclite.h `SCARD_ABSENT` … `SCARD_SPECIFIC`).
public struct CardState: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let unknown = CardState(rawValue: 0x0001)
    public static let absent = CardState(rawValue: 0x0002)
    public static let present = CardState(rawValue: 0x0004)
    public static let swallowed = CardState(rawValue: 0x0008)
    public static let powered = CardState(rawValue: 0x0010)
    public static let negotiable = CardState(rawValue: 0x0020)
    public static let specific = CardState(rawValue: 0x0040)
}

public struct ReaderStateFlags: OptionSet, Sendable, Hashable, Codable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let ignore = ReaderStateFlags(rawValue: 0x0001)
    public static let changed = ReaderStateFlags(rawValue: 0x0002)
    public static let unknown = ReaderStateFlags(rawValue: 0x0004)
    public static let unavailable = ReaderStateFlags(rawValue: 0x0008)
    public static let empty = ReaderStateFlags(rawValue: 0x0010)
    public static let present = ReaderStateFlags(rawValue: 0x0020)
    public static let atrMatch = ReaderStateFlags(rawValue: 0x0040)
    public static let exclusive = ReaderStateFlags(rawValue: 0x0080)
    public static let inUse = ReaderStateFlags(rawValue: 0x0100)
    public static let mute = ReaderStateFlags(rawValue: 0x0200)
    public static let unpowered = ReaderStateFlags(rawValue: 0x0400)
}

/// A reader and what is in it.
public struct ReaderState: Sendable, Hashable, Codable {
    public var reader: String
    public var flags: ReaderStateFlags
    /// The card's answer-to-reset; empty when no card is present.
    public var atr: [UInt8]
    /// How many card insertions/removals pcsc-lite has counted for this reader (upper 16 bits of the state).
    public var eventCount: Int
    public var cardPresent: Bool { flags.contains(.present) && !flags.contains(.mute) }
}

/// A PC/SC context: readers, their states, connections. Each call establishes nothing new; the context is
/// released when the last reference goes.
public final class PCSCContext: Sendable {
    let raw: RawContext

    /// `SCardEstablishContext(SCARD_SCOPE_SYSTEM)`.
    /// - Throws: `PCSCError` — `SCARD_E_NO_SERVICE` when pcscd is not running.
    public init() throws(PCSCError) { raw = try RawContext() }

    /// `SCardListReaders`. An empty list when there is no reader.
    public func readers() throws(PCSCError) -> [String] { try raw.listReaders() }

    /// The current state of every reader (`SCardGetStatusChange` with a zero timeout).
    public func readerStates() throws(PCSCError) -> [ReaderState] {
        let names = try readers()
        if names.isEmpty { return [] }
        return try raw.getStatusChange(names.map { ($0, 0) }, timeout: 0).map(ReaderState.init)
    }

    /// Waits until `reader` shows a card (or, with `present: false`, none), looking at `readerStates()`
    /// every 50 ms for at most `timeout` — pcscd notices an insertion or removal on its next poll.
    /// - Returns: whether the reader got there in time (a reader that does not exist never does).
    /// - Throws: `PCSCError` from `SCardListReaders`/`SCardGetStatusChange`.
    public func waitForCard(in reader: String, present: Bool = true, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try readerStates().first(where: { $0.reader == reader })?.cardPresent == present { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `SCardConnect` to the card in `reader`, negotiating one of `protocols`.
    /// - Throws: `PCSCError` (`SCARD_E_NO_SMARTCARD`, `SCARD_E_SHARING_VIOLATION`, `SCARD_E_UNKNOWN_READER`, …).
    public func connect(reader: String, share: ShareMode = .shared, protocols: CardProtocols = .any) throws(PCSCError) -> SmartCardConnection {
        let card = try RawCard(context: raw, reader: reader, shareMode: share.raw, protocols: DWORD(protocols.rawValue))
        return SmartCardConnection(card: card, share: share)
    }
}

extension ReaderState {
    init(_ raw: (reader: String, event: UInt32, atr: [UInt8])) {
        reader = raw.reader
        flags = ReaderStateFlags(rawValue: raw.event & 0xFFFF)
        atr = raw.atr
        eventCount = Int(raw.event >> 16)
    }
}

/// A connection to one card, owned by this actor: transmissions, transactions, reconnects and the
/// final disconnect all go through it. Conforms to `APDUTransport`, so `SmartCard`'s channel and the
/// PIV client run over it.
///
/// **One caller at a time.** The actor is the card's one point of serialisation in this process:
/// a transaction (`withTransaction`, `withExclusiveAccess`) has the card to itself against other
/// programs (`SCardBeginTransaction`) *and* against other tasks of this process — pcsc-lite ties a
/// transaction to the card handle, not to a task, and an actor lets another task in at every
/// `await`, so tasks wait here, in order, until the transaction ends. A `transmit` outside a
/// transaction waits the same way and then sends its one APDU.
public actor SmartCardConnection: APDUTransport {
    let card: RawCard
    let share: ShareMode
    public nonisolated var reader: String { card.reader }

    /// The connections whose transaction the current task (and the tasks it starts) runs in.
    @TaskLocal private static var transactions: Set<ObjectIdentifier> = []
    /// Whether a transaction or a lone transmission has the card now; `waiting` queue behind it.
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(card: RawCard, share: ShareMode) {
        self.card = card
        self.share = share
    }

    /// The negotiated protocol (`.t0` or `.t1`).
    public var activeProtocol: CardProtocols { CardProtocols(rawValue: UInt32(card.activeProtocol)) }

    /// `SCardTransmit` of one command APDU; returns the response with its status word. Outside a
    /// transaction it waits until any transaction of another task of this process has ended.
    ///
    /// A reader whose card vanishes mid-command can report success with no bytes at all (vpcd
    /// does); such an answer is not passed on as a response: `SCardStatus` is asked (for up to
    /// 1 s, pcscd notices a removal on its next poll) and the removal is reported as
    /// `SCARD_W_REMOVED_CARD`, anything else as `SCARD_F_COMM_ERROR`.
    /// - Throws: `PCSCError` (e.g. `SCARD_W_REMOVED_CARD` when the card was pulled, `SCARD_W_RESET_CARD`).
    public func transmit(_ command: [UInt8]) async throws -> [UInt8] {
        if inTransaction { return try await exchange(command) }
        await acquire()
        defer { release() }
        return try await exchange(command)
    }

    private func exchange(_ command: [UInt8]) async throws -> [UInt8] {
        let response = try card.transmit(command)
        if response.count >= 2 { return response }
        var stillThere = true
        for attempt in 0..<10 {
            // SCardStatus itself throws SCARD_W_REMOVED_CARD once pcscd has seen the removal.
            let state = CardState(rawValue: try card.status().state & 0xFFFF)
            if state.contains(.absent) || !state.contains(.present) { stillThere = false; break }
            if attempt < 9 { try? await Task.sleep(for: .milliseconds(100)) }
        }
        throw PCSCError(stillThere ? .failureCommError : .warningRemovedCard, function: "SCardTransmit", reader: reader)
    }

    /// `SCardBeginTransaction` … `SCardEndTransaction`: `body` runs with the card to itself — no APDU
    /// of another program, nor of another task of this process, comes between its APDUs. The
    /// transaction always ends, with `disposition` (leave the card as it is by default), also when
    /// `body` throws. Tasks of this process wait for their turn in order; `SCardBeginTransaction`
    /// waits while another program holds the card. Called again inside `body` (the same task), it
    /// runs the inner body within the transaction already held and `disposition` is the outer one's.
    /// - Throws: `PCSCError` from `SCardBeginTransaction` (e.g. `SCARD_W_RESET_CARD` after another
    ///   program reset the card, `SCARD_W_REMOVED_CARD`) or `SCardEndTransaction`; whatever `body` throws.
    public func withTransaction<R: Sendable>(disposition: Disposition = .leave,
                                             _ body: @Sendable (isolated SmartCardConnection) async throws -> R) async throws -> R {
        if inTransaction { return try await body(self) }
        await acquire()
        defer { release() }
        try card.beginTransaction()
        do {
            let result = try await Self.$transactions.withValue(Self.transactions.union([ObjectIdentifier(self)])) {
                try await body(self)
            }
            try card.endTransaction(disposition: disposition.raw)
            return result
        } catch {
            try? card.endTransaction(disposition: disposition.raw)
            throw error
        }
    }

    /// `APDUTransport`'s exclusive access: `withTransaction` (`SCardBeginTransaction` …
    /// `SCardEndTransaction`, leaving the card as it is) around `body`.
    /// - Throws: as `withTransaction`.
    public func withExclusiveAccess<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await withTransaction { _ in try await body() }
    }

    private var inTransaction: Bool { Self.transactions.contains(ObjectIdentifier(self)) }

    /// Waits until no other transaction or transmission of this process has the card, then takes it.
    private func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
        // `release` handed the card over with `busy` still set.
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// `SCardReconnect`, optionally resetting or unpowering the card first.
    public func reconnect(reset: Disposition = .leave, protocols: CardProtocols = .any) throws(PCSCError) {
        try card.reconnect(shareMode: share.raw, protocols: DWORD(protocols.rawValue), initialization: reset.raw)
    }

    /// `SCardStatus`: the card's state (`SCARD_ABSENT` … `SCARD_SPECIFIC`) and ATR now.
    /// - Throws: `PCSCError`, e.g. `SCARD_W_REMOVED_CARD` or `SCARD_W_RESET_CARD`.
    public func status() throws(PCSCError) -> (state: CardState, atr: [UInt8]) {
        let s = try card.status()
        return (CardState(rawValue: s.state & 0xFFFF), s.atr)
    }

    /// `SCardDisconnect`. Further transmissions fail.
    public func disconnect(_ disposition: Disposition = .leave) throws(PCSCError) {
        try card.disconnect(disposition: disposition.raw)
    }
}
