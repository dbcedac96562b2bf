import Foundation
public import Lifecycle
import PCSC
import PIV
import PKCS11
public import Secrets
import Synchronization

/// Lifecycle's `DevicePersonalisation` on a PIV card in a PC/SC reader: blank means the factory
/// management key still works; personalising sets the PIN, the PUK and a random management key
/// (`CardPersonalisation.personalisePIV`); the store is a `PIVKeyStore` on the reader. Keys go on
/// the card before it is personalised (factory PIN), so the desk personalises last. Device errors
/// are thrown as `DeviceFailure`.
public struct PIVCardPersonalisation: DevicePersonalisation {
    public let reader: String

    public init(reader: String) { self.reader = reader }

    public var place: String { reader }
    public var unblockCodeName: String { "PUK" }
    public var issuesBeforePersonalising: Bool { true }
    public var holdsOneDevice: Bool { true }
    public var receiptName: String { "PIV \(reader)" }

    /// `.none` without a card (or without the reader), else whether the factory management key still
    /// authenticates (`CardPersonalisation.pivIsBlank`, no PIN try).
    /// - Throws: `DeviceFailure` (no PC/SC service, a card that is no PIV card).
    public func presence() async throws -> DevicePresence {
        do {
            return try await CardPersonalisation.pivIsBlank(reader: reader) ? .blank : .personalised
        } catch KeyStoreUnavailable.tokenMissing {
            return .none
        } catch {
            throw DeviceFailure.translated(error)
        }
    }

    /// Watches the reader's state (`SCardGetStatusChange`) until a card is in it or out of it.
    /// - Throws: `DeviceFailure` over `PCSCError`.
    public func waitForDevice(present: Bool, timeout: Duration) async throws -> Bool {
        try await translatingDeviceErrors { try await PCSCContext().waitForCard(in: reader, present: present, timeout: timeout) }
    }

    /// `CardPersonalisation.personalisePIV` (`label` is not kept: PIV has no labels).
    /// - Throws: `KeyStoreUnavailable.tokenMissing`; `DeviceFailure` (e.g. the PIN is no longer the factory one).
    public func personalise(_ secrets: PersonalisationSecrets, label: String) async throws {
        try await translatingDeviceErrors { try await CardPersonalisation.personalisePIV(reader: reader, secrets: secrets) }
    }

    /// A `PIVKeyStore` on the reader with `pin` (nil: the factory PIN), closed (card reset) after `body`.
    /// - Throws: what `body` throws.
    public func withStore<R: Sendable>(pin: Secret?, _ body: (any KeyStore) async throws -> R) async throws -> R {
        let store = PIVKeyStore(reader: reader, pin: .constant(pin ?? Secret(PIV.defaultPIN)))
        return try await closing(store, close: { await store.close() }, body)
    }
}

/// Lifecycle's `DevicePersonalisation` on the tokens of a PKCS#11 module: blank means a present token
/// that is not initialised (`CKF_TOKEN_INITIALIZED` clear); personalising initialises it with the SO
/// PIN and the label and sets the user PIN (`CardPersonalisation.initialiseToken`); the store is a
/// `PKCS11KeyStore` on that token. A token has no user PIN before, so the desk personalises first.
/// Every token has its own slot: nothing has to come out before the next. The module is loaded at
/// the first look. Device errors are thrown as `DeviceFailure`.
public final class PKCS11TokenPersonalisation: DevicePersonalisation {
    /// The module as given: a path, or a p11-kit registry name.
    public let moduleName: String
    private let state = Mutex(State())

    private struct State {
        var module: PKCS11Module?
        /// The blank slot found by the last look.
        var slot: SlotID?
        /// The token personalised last.
        var token: PKCS11URI?
    }

    public init(module: String) { moduleName = module }

    public var place: String { "PKCS#11" }
    public var unblockCodeName: String { "SO PIN" }
    public var issuesBeforePersonalising: Bool { false }
    public var holdsOneDevice: Bool { false }
    public var receiptName: String { "PKCS#11 \(state.withLock { $0.token?.description } ?? moduleName)" }

    /// `.blank` when a present token is not initialised (it is the one `personalise` takes), else `.none`.
    /// - Throws: `DeviceFailure` (the module does not load, `C_GetSlotList` fails).
    public func presence() async throws -> DevicePresence {
        try await translatingDeviceErrors {
            let module = try loadedModule()
            let slot = try CardPersonalisation.blankPKCS11Slot(module)
            state.withLock { $0.slot = slot }
            return slot == nil ? .none : .blank
        }
    }

    /// Looks for an uninitialised token every 0.5 s. Nothing has to come out: `present: false` is true at once.
    /// - Throws: `DeviceFailure` (the module does not load, `C_GetSlotList` fails).
    public func waitForDevice(present: Bool, timeout: Duration) async throws -> Bool {
        guard present else { return true }
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await presence() == .blank { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: min(.milliseconds(500), deadline - .now))
        }
    }

    /// Initialises the blank token found by the last look (`C_InitToken` with the SO PIN and `label`,
    /// then `C_InitPIN` as SO); later stores and the receipt are on that token.
    /// - Throws: `KeyStoreUnavailable.tokenMissing` when no blank token is there; `DeviceFailure`.
    public func personalise(_ secrets: PersonalisationSecrets, label: String) async throws {
        try await translatingDeviceErrors {
            let module = try loadedModule()
            guard let slot = try state.withLock({ $0.slot }) ?? CardPersonalisation.blankPKCS11Slot(module) else {
                throw KeyStoreUnavailable.tokenMissing
            }
            let uri = try await CardPersonalisation.initialiseToken(module, slot: slot, label: label, secrets: secrets)
            state.withLock {
                $0.slot = nil
                $0.token = uri
            }
        }
    }

    /// A `PKCS11KeyStore` on the token personalised last, with `pin`, closed after `body`.
    /// - Throws: `KeyStoreUnavailable.tokenMissing` before a token was personalised; what `body` throws.
    public func withStore<R: Sendable>(pin: Secret?, _ body: (any KeyStore) async throws -> R) async throws -> R {
        guard let module = state.withLock({ $0.module }), let token = state.withLock({ $0.token }) else {
            throw KeyStoreUnavailable.tokenMissing
        }
        let store = PKCS11KeyStore(module: module, token: token, pin: pin.map { SecretProvider.constant($0) } ?? .unavailable)
        return try await closing(store, close: { await store.close() }, body)
    }

    /// The module, loaded once (`PKCS11KeyStore.loadModule`: a path or a p11-kit registry name).
    private func loadedModule() throws -> PKCS11Module {
        if let module = state.withLock({ $0.module }) { return module }
        let module = try PKCS11KeyStore.loadModule(moduleName)
        state.withLock { $0.module = module }
        return module
    }
}

/// Runs `body` with `store`, then `close`s it whether `body` returned or threw.
private func closing<R: Sendable>(_ store: any KeyStore, close: () async -> Void,
                                  _ body: (any KeyStore) async throws -> R) async throws -> R {
    do {
        let result = try await body(store)
        await close()
        return result
    } catch {
        await close()
        throw error
    }
}
