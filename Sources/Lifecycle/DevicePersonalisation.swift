import Foundation
public import Secrets

/// The secrets a device personalised at the counter ends up with. Never printed; the customer gets
/// them in the sealed PIN mailer.
public struct PersonalisationSecrets: Sendable {
    /// The customer's PIN.
    public var pin: Secret
    /// The code that unblocks the PIN: the PIV PUK, or the PKCS#11 SO PIN.
    public var unblockCode: Secret

    public init(pin: Secret, unblockCode: Secret) { (self.pin, self.unblockCode) = (pin, unblockCode) }

    /// `count` random decimal digits from the system generator.
    public static func randomDigits(_ count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }
}

/// What is in the place the counter personalises at (a card reader, the slots of a PKCS#11 module).
public enum DevicePresence: Sendable, Hashable {
    /// Nothing usable: no card in the reader, no uninitialised token among the module's slots.
    case none
    /// A factory-fresh card or an uninitialised token: ready to be personalised.
    case blank
    /// A device that was personalised already: it has to come out before a blank one goes in.
    case personalised
}

/// The device side of the branch counter: a blank card or token that gets the customer's secrets
/// and then holds their key. `CounterDesk` decides what happens in which order; the implementations
/// live in KeyStores (a PIV card by reader, a PKCS#11 token by module). They throw errors a person
/// can read (`KeyStoreUnavailable`, the adapters' translated device failures), never a device
/// wrapper's error.
public protocol DevicePersonalisation: Sendable {
    /// Where blank devices are awaited, as the officer is told: the reader's name, or `PKCS#11`.
    var place: String { get }
    /// What the code that unblocks the customer's PIN is called on this device: `PUK` or `SO PIN`.
    var unblockCodeName: String { get }
    /// True when keys and certificates can go onto the device before it is personalised (a PIV card
    /// works with its factory PIN): the desk then personalises last, so a card pulled midway is still
    /// blank and its issue can be finished. False when the device has no user PIN until it is
    /// personalised (a PKCS#11 token is initialised first).
    var issuesBeforePersonalising: Bool { get }
    /// True when the place holds one device at a time (a card reader): a finished card comes out
    /// before the next goes in. False when every token has its own slot (a PKCS#11 module).
    var holdsOneDevice: Bool { get }
    /// The device as the receipt names it, e.g. `PIV <reader>`, or `PKCS#11 <token URI>` once the
    /// token is personalised.
    var receiptName: String { get }

    /// What is there now; nothing is changed and no PIN try is used.
    /// - Throws: `DeviceFailure` when the place cannot be read (no PC/SC service, a card that is no
    ///   PIV card, a module that does not load).
    func presence() async throws -> DevicePresence
    /// Waits until a device is there (`present`) or gone (`!present`), at most `timeout`.
    /// - Returns: false when the time ran out.
    /// - Throws: `DeviceFailure` when the place cannot be watched.
    func waitForDevice(present: Bool, timeout: Duration) async throws -> Bool
    /// Gives the blank device the customer's secrets (PIN, unblock code and whatever else the device
    /// needs, e.g. a fresh PIV management key); `label` names a token where the device has labels.
    /// - Throws: `KeyStoreUnavailable.tokenMissing` when the device went away; `DeviceFailure` when it
    ///   refused (e.g. a card whose PIN is no longer the factory one).
    func personalise(_ secrets: PersonalisationSecrets, label: String) async throws
    /// Runs `body` with the device's key store, opened with `pin` — nil before personalising, which
    /// means the device's factory PIN — and closes the store afterwards, also when `body` throws.
    /// - Throws: what `body` throws; `KeyStoreUnavailable`/`DeviceFailure` when there is no store to open
    ///   (a token that is not personalised yet).
    func withStore<R: Sendable>(pin: Secret?, _ body: (any KeyStore) async throws -> R) async throws -> R
}
