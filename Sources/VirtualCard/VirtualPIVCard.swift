import Foundation
import Synchronization

/// A PIV card in a virtual reader: it connects to vsmartcard's vpcd driver inside pcscd, which
/// then shows a card in the reader "Virtual PCD <port> 00 00" (port = the reader's CHANNELID).
/// Connecting is inserting the card, closing the link is pulling it. OpenSC and yubico-piv-tool
/// take it for a PIV card; its behaviour is `PIVApplication`'s.
///
/// The socket is served on a thread of its own (blocking reads never sit on Swift's cooperative
/// pool); the actor owns the life cycle: start, pull, insert, stop.
public actor VirtualPIVCard {
    public struct Configuration: Sendable {
        /// Where vpcd listens: 127.0.0.1 and 35963 by default (pcscd's first vpcd reader).
        public var host: String
        public var port: Int
        /// JSON state file, rewritten atomically after every change; nil keeps the card in memory only.
        public var statePath: String?
        /// The state of a new card when there is no state file (or it does not exist yet).
        public var initialState: PIVCardState?
        /// Pull the card when the N-th APDU arrives (counting from 1 over the card's life), before
        /// answering it. Fires once.
        public var pullAfterAPDUs: Int?
        /// Pull the card when the `pullOnInstructionOccurrence`-th command with this INS arrives
        /// (for instance 0x87, GENERAL AUTHENTICATE), before answering it. In a command chain the
        /// last APDU counts, the one that makes the card act. Fires once.
        public var pullOnInstruction: UInt8?
        public var pullOnInstructionOccurrence: Int
        /// How long `start()`/`insert()` keep trying to reach vpcd before giving up.
        public var connectTimeout: Duration
        /// Reconnect by itself when vpcd drops the link (pcscd restarted), as opposed to a pull.
        public var reconnectWhenDropped: Bool
        /// Receives one line per event (link, power, command and status word); never PINs or keys.
        public var log: (@Sendable (String) -> Void)?

        public init(host: String = "127.0.0.1", port: Int = 35963, statePath: String? = nil,
                    initialState: PIVCardState? = nil, pullAfterAPDUs: Int? = nil,
                    pullOnInstruction: UInt8? = nil, pullOnInstructionOccurrence: Int = 1,
                    connectTimeout: Duration = .seconds(10), reconnectWhenDropped: Bool = true,
                    log: (@Sendable (String) -> Void)? = nil) {
            self.host = host
            self.port = port
            self.statePath = statePath
            self.initialState = initialState
            self.pullAfterAPDUs = pullAfterAPDUs
            self.pullOnInstruction = pullOnInstruction
            self.pullOnInstructionOccurrence = pullOnInstructionOccurrence
            self.connectTimeout = connectTimeout
            self.reconnectWhenDropped = reconnectWhenDropped
            self.log = log
        }
    }

    public enum CardError: Error, CustomStringConvertible {
        case vpcdUnreachable(String)
        case stateFile(String)

        public var description: String {
            switch self {
            case .vpcdUnreachable(let why): "vpcd unreachable: \(why)"
            case .stateFile(let why): "state file: \(why)"
            }
        }
    }

    public let configuration: Configuration
    let core: CardCore
    private var link: Link?
    private var stopped = false
    private var reconnectTask: Task<Void, Never>?
    private var removalWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// Loads the state file when it exists, otherwise starts from `initialState` (or a fresh card)
    /// and writes the file at once.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        var state = configuration.initialState ?? .fresh()
        if let path = configuration.statePath {
            if FileManager.default.fileExists(atPath: path) {
                do { state = try PIVCardState.load(from: path) } catch {
                    throw CardError.stateFile("cannot read \(path): \(error)")
                }
            } else {
                do { try state.save(to: path) } catch { throw CardError.stateFile("\(error)") }
            }
        }
        core = CardCore(application: PIVApplication(state: state), configuration: configuration)
    }

    /// Connects to vpcd (the card is inserted) and returns once connected; the card is then served
    /// in the background until `stop()`. Retries with a growing pause (up to 1 s) until
    /// `connectTimeout` has passed, then throws.
    public func start() async throws {
        stopped = false
        try await connect()
    }

    /// Pulls the card for good and ends the service; `waitUntilStopped()` returns after this.
    public func stop() async {
        stopped = true
        reconnectTask?.cancel()
        reconnectTask = nil
        await disconnect()
        let waiters = stopWaiters
        stopWaiters = []
        waiters.forEach { $0.resume() }
    }

    /// Waits until `stop()` has been called (the executable's main loop).
    public func waitUntilStopped() async {
        if stopped && link == nil { return }
        await withCheckedContinuation { stopWaiters.append($0) }
    }

    /// Takes the card out of the reader: the link to vpcd closes at once, mid-command or not.
    public func pull() async {
        reconnectTask?.cancel()
        reconnectTask = nil
        await disconnect()
    }

    /// Puts the card back (a power-on follows from pcscd, clearing the PIN status).
    public func insert() async throws {
        guard link == nil else { return }
        stopped = false
        try await connect()
    }

    /// Whether the card is in the reader (connected to vpcd).
    public var isInserted: Bool { link != nil }

    /// Arms a pull (again): the card leaves the reader when the `occurrence`-th command with INS
    /// `instruction` counted from now arrives, before answering it — as `pullOnInstruction` does at start.
    public func armPull(onInstruction instruction: UInt8, occurrence: Int = 1) {
        core.armPull(onInstruction: instruction, occurrence: occurrence)
    }

    /// APDUs received over the card's life (including the one a pull cut off).
    public var apduCount: Int { core.apduCount }

    /// The card's persistent state as it is now.
    public var state: PIVCardState { core.state }

    /// Returns when the card is out of the reader: at once if it is, otherwise when a pull (by call
    /// or by a `pullAfter…` trigger) or vpcd closes the link.
    public func waitUntilRemoved() async {
        if link == nil { return }
        await withCheckedContinuation { removalWaiters.append($0) }
    }

    // MARK: internals

    private func connect() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.connectTimeout
        var pause = Duration.milliseconds(50)
        while true {
            do {
                let fd = try VPCDSocket.connect(host: configuration.host, port: configuration.port)
                let link = Link(fd: fd)
                self.link = link
                core.log("inserted: connected to vpcd at \(configuration.host):\(configuration.port)")
                link.serve(core) { [weak self] reason in
                    Task { await self?.linkEnded(link, reason) }
                }
                return
            } catch {
                if clock.now + pause > deadline || stopped {
                    throw CardError.vpcdUnreachable(error.description)
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    private func disconnect() async {
        guard let link else { return }
        link.pull()
        await link.waitFinished()
        // linkEnded() has normally run by now; make sure the actor's view is settled either way.
        if self.link === link { removed(link) }
    }

    private func removed(_ ended: Link) {
        guard link === ended else { return }
        link = nil
        core.powerCycle()
        let waiters = removalWaiters
        removalWaiters = []
        waiters.forEach { $0.resume() }
    }

    private func linkEnded(_ ended: Link, _ reason: Link.EndReason) {
        guard link === ended else { return }
        switch reason {
        case .pulled: core.log("removed: card pulled")
        case .triggered: core.log("removed: pulled by trigger before answering APDU #\(core.apduCount)")
        case .peerClosed: core.log("removed: vpcd closed the link")
        }
        removed(ended)
        if reason == .peerClosed && configuration.reconnectWhenDropped && !stopped {
            reconnectTask = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    guard let self, !Task.isCancelled else { return }
                    if (try? await self.insertIfStillWanted()) == true { return }
                }
            }
        }
    }

    private func insertIfStillWanted() async throws -> Bool {
        if stopped || link != nil { return true }
        try await connect()
        return true
    }
}

/// The card's memory and counters, shared between the actor and the socket thread.
final class CardCore: Sendable {
    private struct Inner {
        var application: PIVApplication
        var savedRevision = 0
        var apduCount = 0
        var instructionCount = 0
        var pullAfterAPDUs: Int?
        var pullOnInstruction: UInt8?
        var pullOnInstructionOccurrence: Int
    }

    enum Action {
        case reply([UInt8])
        case silent
        case pull
    }

    private let inner: Mutex<Inner>
    private let statePath: String?
    private let logSink: (@Sendable (String) -> Void)?
    /// The ATR: T=1 (TD1 80, TD2 01 as in PC/SC part 3), historical bytes "TokenCertPIV" (category
    /// 0x80 is not claimed on purpose, so no driver matches it by ATR), then TCK.
    static let atr: [UInt8] = {
        let historical = Array("TokenCertPIV".utf8)
        var bytes: [UInt8] = [0x3B, 0x80 | UInt8(historical.count), 0x80, 0x01] + historical
        bytes.append(bytes.dropFirst().reduce(0, ^))
        return bytes
    }()

    init(application: PIVApplication, configuration: VirtualPIVCard.Configuration) {
        inner = Mutex(Inner(application: application,
                            pullAfterAPDUs: configuration.pullAfterAPDUs,
                            pullOnInstruction: configuration.pullOnInstruction,
                            pullOnInstructionOccurrence: configuration.pullOnInstructionOccurrence))
        statePath = configuration.statePath
        logSink = configuration.log
    }

    var apduCount: Int { inner.withLock { $0.apduCount } }
    var state: PIVCardState { inner.withLock { $0.application.state } }

    func log(_ line: String) { logSink?(line) }

    func armPull(onInstruction instruction: UInt8, occurrence: Int) {
        inner.withLock {
            $0.pullOnInstruction = instruction
            $0.pullOnInstructionOccurrence = occurrence
            $0.instructionCount = 0
        }
    }

    func powerCycle() { inner.withLock { $0.application.powerCycle() } }

    /// Handles one vpcd message.
    func handle(_ message: [UInt8]) -> Action {
        if message.count == 1 {
            switch message[0] {
            case 0x00:
                powerCycle()
                log("power off")
                return .silent
            case 0x01:
                powerCycle()
                log("power on")
                return .silent
            case 0x02:
                powerCycle()
                log("reset")
                return .silent
            case 0x04:
                log("ATR requested")
                return .reply(Self.atr)
            default:
                log("unknown vpcd control byte \(message[0])")
                return .silent
            }
        }
        let (action, line, snapshot) = inner.withLock { inner -> (Action, String, PIVCardState?) in
            inner.apduCount += 1
            let ins = message.count >= 2 ? message[1] : 0
            let cla = message.first ?? 0
            if let limit = inner.pullAfterAPDUs, inner.apduCount >= limit {
                inner.pullAfterAPDUs = nil
                return (.pull, "APDU #\(inner.apduCount) INS \(Hex.string([ins])): pulling (pull-after-apdus)", nil)
            }
            if let target = inner.pullOnInstruction, ins == target, cla & 0x10 == 0 {
                inner.instructionCount += 1
                if inner.instructionCount >= inner.pullOnInstructionOccurrence {
                    inner.pullOnInstruction = nil
                    return (.pull, "APDU #\(inner.apduCount) INS \(Hex.string([ins])): pulling (pull-on-ins)", nil)
                }
            }
            let response = inner.application.process(message)
            let sw = Hex.string(response.suffix(2))
            var snapshot: PIVCardState?
            if inner.application.stateRevision != inner.savedRevision {
                inner.savedRevision = inner.application.stateRevision
                snapshot = inner.application.state
            }
            return (.reply(response),
                    "APDU #\(inner.apduCount) INS \(Hex.string([ins])) (\(Self.name(ins))) -> \(sw), \(response.count - 2) bytes",
                    snapshot)
        }
        log(line)
        if let snapshot, let statePath {
            // Saved before the answer leaves: once the host sees 9000, the change is on disk.
            do { try snapshot.save(to: statePath) } catch { log("cannot save state: \(error)") }
        }
        return action
    }

    static func name(_ ins: UInt8) -> String {
        switch ins {
        case 0xA4: "SELECT"
        case 0xCB: "GET DATA"
        case 0xDB: "PUT DATA"
        case 0x20: "VERIFY"
        case 0x24: "CHANGE REFERENCE DATA"
        case 0x2C: "RESET RETRY COUNTER"
        case 0x87: "GENERAL AUTHENTICATE"
        case 0x47: "GENERATE ASYMMETRIC KEY PAIR"
        case 0xC0: "GET RESPONSE"
        case 0xFD: "GET VERSION"
        case 0xF8: "GET SERIAL"
        case 0xFF: "SET MANAGEMENT KEY"
        case 0xFB: "RESET"
        case 0xFA: "SET PIN RETRIES"
        case 0xFE: "IMPORT KEY"
        case 0xF7: "GET METADATA"
        case 0xF9: "ATTEST"
        default: "unknown"
        }
    }
}

/// One insertion: a connected socket and the thread serving it.
final class Link: Sendable {
    enum EndReason: Sendable, Equatable {
        case pulled, triggered, peerClosed
    }

    private struct Status {
        var pulling = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let fd: Int32
    private let status = Mutex(Status())

    init(fd: Int32) { self.fd = fd }

    /// Serves the link on a dedicated thread; `ended` runs once the socket is closed.
    func serve(_ core: CardCore, ended: @escaping @Sendable (EndReason) -> Void) {
        let thread = Thread { [self] in
            var reason = EndReason.peerClosed
            serving: while let message = VPCDSocket.read(fd) {
                switch core.handle(message) {
                case .reply(let bytes):
                    if !VPCDSocket.write(fd, bytes) { break serving }
                case .silent:
                    continue
                case .pull:
                    reason = .triggered
                    break serving
                }
            }
            let waiters = status.withLock { status -> [CheckedContinuation<Void, Never>] in
                if status.pulling && reason == .peerClosed { reason = .pulled }
                status.finished = true
                defer { status.waiters = [] }
                return status.waiters
            }
            // Closed only after `finished` is set: pull() never shuts down a recycled descriptor.
            VPCDSocket.close(fd)
            waiters.forEach { $0.resume() }
            ended(reason)
        }
        thread.name = "vpcd-\(fd)"
        thread.start()
    }

    /// Closes the link from outside (the serving thread notices and ends).
    func pull() {
        status.withLock { status in
            if !status.finished && !status.pulling { VPCDSocket.shutdown(fd) }
            status.pulling = true
        }
    }

    func waitFinished() async {
        await withCheckedContinuation { continuation in
            let done = status.withLock { status -> Bool in
                if status.finished { return true }
                status.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
