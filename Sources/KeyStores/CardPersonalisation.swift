import CertificateKit
import Foundation
public import Lifecycle
import Secrets
import PCSC
import PIV
public import PKCS11
import SmartCard

/// What a branch counter does to a blank card or token before the customer takes it home: its own
/// PIN (chosen by the customer), a fresh PUK / SO PIN, and for PIV a random management key kept
/// PIN-protected on the card. Secrets are passed as `Secret` and never printed. The counter desk
/// reaches these through `PIVCardPersonalisation` and `PKCS11TokenPersonalisation`.
public enum CardPersonalisation {
    /// `count` random digits from the system generator.
    public static func randomDigits(_ count: Int) -> String { PersonalisationSecrets.randomDigits(count) }

    // MARK: PIV

    /// Whether the PIV card in `reader` is still as it left the factory: in one transaction, SELECT,
    /// then mutual authentication with the factory management key (`00 87 03 9B`), which uses no PIN try.
    /// - Throws: `KeyStoreUnavailable.tokenMissing` without a card; `PIVError` when it is no PIV card.
    public static func pivIsBlank(reader: String) async throws -> Bool {
        try await withPIV(reader) { s in
            do {
                try await s.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey), algorithm: .tripleDES)
                return true
            } catch PIVError.managementKeyRejected {
                return false
            }
        }
    }

    /// Personalises a factory-fresh PIV card, in one transaction: SELECT, VERIFY the default PIN,
    /// CHANGE REFERENCE DATA of the PIN (`00 24 00 80`) and of the PUK (`00 24 00 81`), a fresh CHUID
    /// and CCC, SET MANAGEMENT KEY (`00 FF FF FF`) to a random 3DES key, stored PIN-protected
    /// (`5FC109` `88{89 key}`, ADMIN DATA `5FFF00`) so `PIVKeyStore` and YubiKey tools find it after VERIFY.
    /// - Throws: `KeyStoreUnavailable`; `PIVError` (`.invalidPIN` when the card's PIN is no longer
    ///   the default, `.managementKeyRejected`); `PCSCError`.
    public static func personalisePIV(reader: String, secrets: PersonalisationSecrets) async throws {
        try await withPIV(reader) { s in
            try await s.verifyPIN(Secret(PIV.defaultPIN))
            try await s.authenticate(managementKey: Secret(bytes: PIV.defaultManagementKey), algorithm: .tripleDES)
            try await s.writeCHUIDAndCCC()
            var rng = SystemRandomNumberGenerator()
            let key = Secret(bytes: (0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) })
            try await s.setManagementKey(key, algorithm: .tripleDES)
            try await s.authenticate(managementKey: key, algorithm: .tripleDES)
            try await s.storeProtectedManagementKey(key)
            try await s.changePUK(old: Secret(PIV.defaultPUK), new: secrets.unblockCode)
            try await s.changePIN(old: Secret(PIV.defaultPIN), new: secrets.pin)
        }
    }

    /// `body` as one transaction on the card in `reader` (`SCardConnect`, `SCardBeginTransaction`,
    /// SELECT, `body`, `SCardEndTransaction`, `SCardDisconnect` with a reset).
    private static func withPIV<R: Sendable>(_ reader: String, _ body: @Sendable (PIVSession) async throws -> R) async throws -> R {
        let connection: SmartCardConnection
        do {
            connection = try PCSCContext().connect(reader: reader)
        } catch where [.noSmartcard, .warningRemovedCard, .unknownReader, .readerUnavailable].contains(error.code) {
            throw KeyStoreUnavailable.tokenMissing
        }
        do {
            let result = try await PIVSession(channel: CardChannel(transport: connection)).withTransaction(body)
            try? await connection.disconnect(.reset)
            return result
        } catch let e as PCSCError where [.noSmartcard, .warningRemovedCard, .unknownReader, .readerUnavailable].contains(e.code) {
            try? await connection.disconnect(.reset)
            throw KeyStoreUnavailable.tokenMissing
        } catch {
            try? await connection.disconnect(.reset)
            throw error
        }
    }

    // MARK: PKCS#11

    /// The first slot of `module` holding a token that is not initialised yet (`CKF_TOKEN_INITIALIZED`
    /// clear in `C_GetTokenInfo`), nil when there is none.
    public static func blankPKCS11Slot(_ module: PKCS11Module) throws -> SlotID? {
        for slot in try module.slotIDs(tokenPresent: true) {
            if let info = try? module.tokenInfo(slot), !info.flags.contains(.tokenInitialized) { return slot }
        }
        return nil
    }

    /// Initialises the token in `slot`: `C_InitToken` with the SO PIN and `label`, then a session
    /// logged in as SO (`C_Login(CKU_SO)`) sets the user PIN (`C_InitPIN`).
    /// - Returns: the token's URI (by serial and label) for `PKCS11KeyStore`.
    /// - Throws: `PKCS11Error`.
    public static func initialiseToken(_ module: PKCS11Module, slot: SlotID, label: String, secrets: PersonalisationSecrets) async throws -> PKCS11URI {
        try module.initToken(slot, soPIN: secrets.unblockCode, label: label)
        // SoftHSM moves an initialised token to a new slot: find it again by label.
        guard let token = try module.tokens().first(where: { $0.info.label == label }) else {
            throw PKCS11Error(.tokenNotPresent, function: "C_GetTokenInfo", detail: "no token labelled \(label) after C_InitToken")
        }
        let session = try module.openSession(token.slot.id, readWrite: true)
        try await session.login(.securityOfficer, pin: secrets.unblockCode)
        try await session.initPIN(secrets.pin)
        try? await session.logout()
        try? await session.close()
        return token.uri
    }
}
