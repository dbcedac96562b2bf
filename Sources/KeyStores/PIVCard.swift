import CertificateKit
import Lifecycle
import PCSC
import PIV
import Secrets
import SmartCard
import Synchronization

/// The PIV card in one reader as a `PIVKeyStore` and the `PIVSigner`s it hands out share it: one
/// PC/SC connection (its `SmartCardConnection` actor is the card's one point of serialisation), the
/// PIN, the management key, and the transaction every multi-APDU operation runs in.
///
/// **Transactions.** `transaction` runs its body between `SCardBeginTransaction` and
/// `SCardEndTransaction` with the PIV application SELECTed first, so another program on the same
/// card (a browser through OpenSC, yubico-piv-tool) cannot select another application, or send
/// anything, between VERIFY and GENERAL AUTHENTICATE, or between the management key and GENERATE /
/// PUT DATA. Nobody is asked for anything while the card is held: when the body finds the PIN not
/// verified and no PIN at hand, the transaction ends, the `SecretProvider` is asked (told the tries
/// left), and the body runs again in a new transaction that verifies that PIN first.
///
/// **The PIN.** Selecting another application — or, on some cards, selecting PIV again — forgets
/// a verified PIN. So the PIN the provider gave is kept in memory for as long as the connection
/// lasts, and verified again (inside the transaction) when VERIFY without data says the card has
/// forgotten it; the provider is not asked twice for the same card. It is forgotten when the card
/// refuses it, and with the connection: on `close()`, and when the card is pulled, reset by
/// another program, or the reader goes (the next card may be another one).
final class PIVCard: Sendable {
    let reader: String
    let location: KeyLocation
    private let pin: SecretProvider
    private let managementKey: PIVManagementKey

    private struct State: Sendable {
        var connection: SmartCardConnection?
        /// The PIN the provider gave for the card on `connection`.
        var pin: Secret?
        /// The card refused `managementKey`: the PIN-protected key is used straight away.
        var configuredKeyRefused = false
    }
    private let state = Mutex(State())

    init(reader: String, location: KeyLocation, pin: SecretProvider, managementKey: PIVManagementKey) {
        self.reader = reader
        self.location = location
        self.pin = pin
        self.managementKey = managementKey
    }

    /// The body found the PIN not verified and had none to verify: ask, then run the body again.
    private struct PINNeeded: Error {
        var triesLeft: Int
    }

    /// Runs `body` as one transaction on the card (`SCardBeginTransaction`, SELECT `00 A4 04 00
    /// <AID>`, `body`, `SCardEndTransaction`), connecting first (`SCardConnect`, shared) when there
    /// is no connection. When `body` needs a PIN nobody gave yet (`verifyPIN`), the provider is
    /// asked outside the transaction and `body` runs again from the start; after another program
    /// reset the card (`SCARD_W_RESET_CARD`) it runs once more on a new connection.
    /// - Throws: `KeyStoreUnavailable` `.tokenMissing` (no card, card pulled, reader gone),
    ///   `.pinNeeded(triesLeft:)` (wrong PIN, or none from the provider), `.pinLocked`; other card
    ///   answers as `PIVError`; other PC/SC failures as `PCSCError`; whatever `body` throws.
    func transaction<R: Sendable>(_ body: @Sendable (PIVSession) async throws -> R) async throws -> R {
        try await mapped {
            var triesLeft: Int?
            for _ in 0..<3 {
                do {
                    return try await session().withTransaction(body)
                } catch let needed as PINNeeded {
                    triesLeft = needed.triesLeft
                    let secret = try await pin.require(SecretRequest(kind: .pin, location: location, triesLeft: needed.triesLeft))
                    state.withLock { $0.pin = secret }
                }
            }
            // The card forgot the PIN again each time it was given (nothing else should get here).
            throw KeyStoreUnavailable.pinNeeded(triesLeft: triesLeft)
        }
    }

    /// Inside `transaction`: makes sure the PIN is verified. VERIFY without data (`00 20 00 80`)
    /// tells whether it is (`9000`) and how many tries are left (`63CX`, `6983` blocked); if it is
    /// not, VERIFY (`00 20 00 80 <PIN padded with FF>`) with the PIN given for this card, or — none
    /// given yet — the transaction ends and the provider is asked (see `transaction`).
    /// - Throws: `KeyStoreUnavailable.pinLocked` when blocked; `.pinNeeded(triesLeft:)` when the PIN
    ///   has a length the card cannot take (nothing sent, no try used); `PIVError.invalidPIN` for a
    ///   wrong PIN (`transaction` maps it to `.pinNeeded`), other card answers as `PIVError`.
    func verifyPIN(_ s: PIVSession) async throws {
        guard let left = try await s.pinTriesLeft() else { return }
        if left == 0 { throw KeyStoreUnavailable.pinLocked }
        guard let secret = state.withLock({ $0.pin }) else { throw PINNeeded(triesLeft: left) }
        do {
            try await s.verifyPIN(secret)
        } catch PIVError.badSecretFormat {
            forgetPIN()
            throw KeyStoreUnavailable.pinNeeded(triesLeft: left)  // not sent to the card: no try used
        } catch {
            forgetPIN()
            throw error
        }
    }

    /// Inside `transaction`: mutual authentication with the management key (`00 87 <alg> 9B`): the
    /// configured key, and when the card refuses it, the PIN-protected key a counter stored on the
    /// card (`verifyPIN`, then GET DATA `5FC109` → `88{89 key}`, as YubiKey tools keep it). Customers
    /// never need to know that key. Once refused, the configured key is not offered again on this
    /// connection.
    /// - Throws: `PIVError.managementKeyRejected`; as `verifyPIN`.
    func authenticateManagement(_ s: PIVSession) async throws {
        if !state.withLock({ $0.configuredKeyRefused }) {
            do {
                try await s.authenticate(managementKey: managementKey.key, algorithm: managementKey.algorithm)
                return
            } catch PIVError.managementKeyRejected {
                state.withLock { $0.configuredKeyRefused = true }
            }
        }
        try await verifyPIN(s)
        guard let key = try await s.protectedManagementKey() else { throw PIVError.managementKeyRejected }
        try await s.authenticate(managementKey: key, algorithm: .tripleDES)
    }

    /// `SCardDisconnect` with a card reset (which forgets the verified PIN); the kept PIN goes too.
    func close() async {
        let connection = state.withLock { state in
            defer { state = State() }
            return state.connection
        }
        try? await connection?.disconnect(.reset)
    }

    // MARK: -

    private func forgetPIN() {
        state.withLock { $0.pin = nil }
    }

    /// A session over the connection, connecting (`SCardConnect`, shared, T=0 or T=1) when there is none.
    private func session() throws -> PIVSession {
        let connection = try state.withLock { state throws(PCSCError) -> SmartCardConnection in
            if let c = state.connection { return c }
            let c = try PCSCContext().connect(reader: reader)
            state.connection = c
            return c
        }
        return PIVSession(channel: CardChannel(transport: connection))
    }

    /// Forgets the connection and everything tied to the card on it (the PIN, the refused key).
    private func dropConnection() {
        state.withLock { $0 = State() }
    }

    /// Runs `body`, turning card states into `KeyStoreUnavailable`, other card failures into
    /// `DeviceFailure`, and forgetting a connection whose card went away.
    private func mapped<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        do {
            do {
                return try await body()
            } catch let error as PCSCError where error.code == .warningResetCard {
                // Another program reset the card (the PIN is forgotten): reconnect and try once more.
                dropConnection()
                return try await body()
            }
        } catch let error as PIVError {
            switch error {
            case .invalidPIN(let n): throw KeyStoreUnavailable.pinNeeded(triesLeft: n)
            case .blocked: throw KeyStoreUnavailable.pinLocked
            default: throw DeviceFailure.translated(error)
            }
        } catch let error as PCSCError {
            dropConnection()
            switch error.code {
            case .noSmartcard, .warningRemovedCard, .unknownReader, .readerUnavailable, .noReadersAvailable,
                 .warningUnpoweredCard, .warningUnresponsiveCard:
                throw KeyStoreUnavailable.tokenMissing
            default:
                throw DeviceFailure.translated(error)
            }
        } catch {
            throw DeviceFailure.translated(error)
        }
    }
}
