public import CertificateKit
import Foundation
public import Lifecycle
public import Secrets
import PCSC
public import PIV
import Synchronization

/// A PIV card management key (slot 9B): the key, a ``Secret``, with its algorithm. Prints only the
/// algorithm.
public struct PIVManagementKey: Sendable, CustomStringConvertible {
    public var algorithm: PIV.ManagementKeyAlgorithm
    public var key: Secret

    public init(_ key: Secret, algorithm: PIV.ManagementKeyAlgorithm = .tripleDES) {
        self.key = key
        self.algorithm = algorithm
    }

    /// The factory default of YubiKeys and many PIV cards (and TokenCert's virtual card): 3DES
    /// `010203040506070801020304050607080102030405060708`, as `yubico-piv-tool` assumes.
    public static let factoryDefault = PIVManagementKey(Secret(bytes: PIV.defaultManagementKey), algorithm: .tripleDES)

    public var description: String { "PIVManagementKey(\(algorithm.displayName), \(key))" }
}

/// Keys on a PIV card (NIST SP 800-73-4) in a named PC/SC reader.
///
/// **Slots and rotation.** PIV slots are fixed and a private key cannot be deleted, so the store
/// rotates through `slots` (default 9A "PIV Authentication", then 82 "Retired Key Management 1"). A
/// slot counts as *in use* when its certificate object holds a certificate, or when this store
/// generated a key there and the certificate has not come yet (kept in memory); otherwise it is
/// *free*. `generateKey` takes the first free slot, so a renewal puts the new key beside the old one
/// (9A in use → new key in 82; next year 82 in use → new key in 9A), and `delete` of the old key frees
/// its slot. Slot 9C is not used: its PIN policy is "always" (a VERIFY before every signature), which a
/// `PIVSigner` handed to Lifecycle cannot do. Certificates go to the slot's data object (9A → 5FC105,
/// 82 → 5FC10D, …) as SP 800-73-4 formats them (`70 cert 71 00 FE 00`), and the Key History object
/// (5FC10C, `C1` = retired keys with on-card certificates) is kept up to date so OpenSC lists a
/// certificate in 82 too.
///
/// **Delete.** `delete` empties the certificate object (PUT DATA with an empty `53`) and then
/// overwrites the private key by generating a throwaway P-256 key into the slot (GENERATE): on a
/// standard card that is the only way to destroy a key, and a revoked or superseded key must not stay
/// usable. The throwaway key has no certificate, so the slot is free again. (`overwriteDeletedKeys:
/// false` keeps the old key material and only empties the certificate.)
///
/// **Transactions.** Every operation — and every signature of a `PIVSigner` it hands out — is one
/// PC/SC transaction (`SCardBeginTransaction` … `SCardEndTransaction`) that starts with SELECT of
/// the PIV application: another program on the same card (a browser through OpenSC, …) cannot
/// select another application between VERIFY and GENERAL AUTHENTICATE, or between the management
/// key and GENERATE / PUT DATA / IMPORT, and whatever it selected before is undone. The store and
/// its signers share one connection, whose `SmartCardConnection` actor is the only point where
/// callers wait for the card; the store itself is no actor.
///
/// **Secrets.** The PIN is asked from `pin` only when the card says it is not verified (VERIFY
/// without data: `9000` verified, `63CX` not, `6983` blocked) and is verified before keys are listed
/// or generated; a signer verifies it again, inside its signature's transaction, when the card has
/// forgotten it (another program selected another application) — with the PIN given before, which
/// the store keeps in memory while the connection lasts, so nobody is asked twice (9A and the
/// retired slots have PIN policy "once"). Nobody is asked while the card is held: the transaction
/// ends first. The management key (default: the factory 3DES key; when the card refuses it, the
/// PIN-protected key `tokencert counter` stores on the card) is used for GENERATE, PUT DATA and
/// IMPORT. Labels are not kept: PIV has none.
///
/// **Errors.** No card in the reader, reader gone, card pulled (`SCARD_E_NO_SMARTCARD`,
/// `SCARD_W_REMOVED_CARD`, `SCARD_E_UNKNOWN_READER`, `SCARD_E_READER_UNAVAILABLE`,
/// `SCARD_E_NO_READERS_AVAILABLE`) → `KeyStoreUnavailable.tokenMissing`; wrong PIN (`63CX`) →
/// `.pinNeeded(triesLeft: X)`; blocked (`6983`, or `63C0`) → `.pinLocked`; no PIN from the provider →
/// `.pinNeeded` with the card's count. Other card answers are thrown as `PIVError` (e.g.
/// `.managementKeyRejected`), other PC/SC failures as `PCSCError`, caller mistakes as
/// `PIVKeyStoreError`.
public final class PIVKeyStore: KeyStore, Sendable {
    /// The default rotation: 9A, then retired slot 82.
    public static let defaultSlots: [PIV.Slot] = [.authentication, PIV.Slot(rawValue: 0x82)]

    public let reader: String
    public let slots: [PIV.Slot]
    public let location: KeyLocation
    public let overwriteDeletedKeys: Bool
    /// The connection, PIN and management key, shared with the signers handed out.
    private let card: PIVCard
    /// Keys generated by this store whose certificate has not been stored yet.
    private let pending = Mutex<[PIV.Slot: PendingKey]>([:])

    private struct PendingKey: Sendable {
        var spki: [UInt8]
        var created: Double
    }

    /// A store on the PIV card in `reader`. Nothing is sent until the first call.
    /// - Parameters:
    ///   - slots: the slots to rotate through, in order of preference (see the type's comment); each
    ///     must have a certificate object (9A, 9C, 9D, 9E, 82–95).
    public init(reader: String, pin: SecretProvider, managementKey: PIVManagementKey = .factoryDefault,
                slots: [PIV.Slot] = PIVKeyStore.defaultSlots, overwriteDeletedKeys: Bool = true) {
        self.reader = reader
        self.slots = slots.filter { $0.certificateObject != nil }
        self.overwriteDeletedKeys = overwriteDeletedKeys
        location = .piv(reader: reader, slot: self.slots.map(\.description).joined(separator: "/"))
        card = PIVCard(reader: reader, location: location, pin: pin, managementKey: managementKey)
    }

    // MARK: KeyStore

    /// Generates the key on the card in the first free slot, in one transaction: SELECT, GET DATA of
    /// the rotation slots' certificates (`00 CB 3F FF`), VERIFY (`00 20 00 80`, when the PIN is not
    /// verified yet), mutual authentication with the management key (`00 87 <alg> 9B`), then
    /// GENERATE ASYMMETRIC KEY PAIR (`00 47 00 <slot> AC{80 <alg>}`). `label` is not kept (PIV has no labels).
    /// - Returns: a `PIVSigner` that signs through this store's connection.
    /// - Throws: `PIVKeyStoreError` `.noFreeSlot`, `.unsupportedKeyKind` (RSA other than 2048);
    ///   `KeyStoreUnavailable`; `PIVError` (`.managementKeyRejected`); `PCSCError`.
    public func generateKey(_ kind: KeyDescription.Kind, label: String) async throws -> any TokenSigner {
        let algorithm: PIV.KeyAlgorithm
        switch kind {
        case .rsa(2048): algorithm = .rsa2048
        case .p256: algorithm = .eccP256
        case .p384: algorithm = .eccP384
        case .rsa(let bits): throw PIVKeyStoreError(.unsupportedKeyKind, detail: "RSA-\(bits)")
        }
        return try await card.transaction { s in
            try await card.verifyPIN(s)
            let states = try await slotStates(s)
            guard let slot = slots.first(where: { states[$0] == nil }) else {
                throw PIVKeyStoreError(.noFreeSlot, detail: location.description)
            }
            try await card.authenticateManagement(s)
            let spki = try await s.generateKey(slot: slot, algorithm: algorithm).subjectPublicKeyInfo()
            pending.withLock { $0[slot] = PendingKey(spki: spki, created: Date().timeIntervalSince1970) }
            return try PIVSigner(card: card, slot: slot, algorithm: algorithm, subjectPublicKeyInfo: spki)
        }
    }

    /// See `KeyStore.currentKey()`; lists as `allKeys()` does.
    public func currentKey() async throws -> StoredKey? {
        CurrentKey.pick(try await candidates())
    }

    /// The keys in the rotation slots, in one transaction: each slot's certificate (GET DATA `00 CB 3F
    /// FF 5C <tag>`) and the keys this store generated that await one; when there are any, VERIFY
    /// (when the PIN is not verified yet), as the signers will need it.
    /// - Throws: `KeyStoreUnavailable`; `PIVError`; `PCSCError`.
    public func allKeys() async throws -> [StoredKey] {
        try await candidates().map(\.key)
    }

    /// Writes the certificate into the key's slot's certificate object, in one transaction: SELECT,
    /// GET DATA of the rotation slots, management key (`00 87 <alg> 9B`), PUT DATA (`00 DB 3F FF 5C
    /// <tag> 53{70 cert 71 00 FE 00}`), and for a retired slot the Key History object (GET DATA and PUT
    /// DATA 5FC10C). The chain is not put on the card.
    /// - Throws: `PIVKeyStoreError` `.certificateKeyMismatch` (checked before anything is sent),
    ///   `.keyNotOnCard`; `KeyStoreUnavailable`; `PIVError`; `PCSCError`.
    public func storeCertificate(_ certificateDER: [UInt8], for signer: any TokenSigner) async throws {
        guard KeyMaterial.certificate(certificateDER, belongsTo: signer.subjectPublicKeyInfo) else {
            throw PIVKeyStoreError(.certificateKeyMismatch)
        }
        try await card.transaction { s in
            let slot = try await slot(of: signer, s)
            try await card.authenticateManagement(s)
            try await s.writeCertificate(certificateDER, slot: slot)
            pending.withLock { $0[slot] = nil }
            try await updateKeyHistory(s)
        }
    }

    /// Frees the key's slot, in one transaction: SELECT, management key (`00 87 <alg> 9B`), PUT DATA
    /// of an empty certificate object, then (unless `overwriteDeletedKeys` is false) GENERATE
    /// (`00 47 00 <slot>`) of a throwaway P-256 key over the old one, and the Key History object. See
    /// the type's comment for why the key is overwritten.
    /// - Throws: `PIVKeyStoreError(.keyNotOnCard)`; `KeyStoreUnavailable`; `PIVError`; `PCSCError`.
    public func delete(_ signer: any TokenSigner) async throws {
        try await card.transaction { s in
            let slot = try await slot(of: signer, s)
            try await card.authenticateManagement(s)
            if let tag = slot.certificateObject, try await s.readObject(tag) != nil {
                try await s.writeObject(tag, content: [])
            }
            if overwriteDeletedKeys {
                _ = try await s.generateKey(slot: slot, algorithm: .eccP256)
            }
            pending.withLock { $0[slot] = nil }
            try await updateKeyHistory(s)
        }
    }

    /// Restores a key onto the card into the first free slot with the Yubico IMPORT ASYMMETRIC KEY
    /// command (`00 FE <alg> <slot>`, after VERIFY and the management key), then stores the
    /// certificate as `storeCertificate` does — all in one transaction. RSA-2048, P-256 and P-384 only.
    /// - Throws: `PIVKeyStoreError` `.unreadablePrivateKey`, `.certificateKeyMismatch`, `.noFreeSlot`;
    ///   `KeyStoreUnsupported.importKey` when the card answers that it has no such command (`6D00`);
    ///   `KeyStoreUnavailable`; `PIVError`; `PCSCError`.
    public func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey {
        let parts: PIVPrivateKey
        do { parts = try PrivateKeyParts.piv(privateKey) } catch { throw PIVKeyStoreError(.unreadablePrivateKey) }
        guard (try? KeyCertificateMatch.matches(privateKey: privateKey, certificateDER: certificateDER)) == true,
              let spki = KeyMaterial.certificateSPKI(certificateDER) else {
            throw PIVKeyStoreError(.certificateKeyMismatch)
        }
        return try await card.transaction { s in
            try await card.verifyPIN(s)
            let states = try await slotStates(s)
            guard let slot = slots.first(where: { states[$0] == nil }) else {
                throw PIVKeyStoreError(.noFreeSlot, detail: location.description)
            }
            try await card.authenticateManagement(s)
            do {
                try await s.importKey(parts, slot: slot)
            } catch PIVError.status(let sw, _) where sw.rawValue == 0x6D00 {
                throw KeyStoreUnsupported.importKey
            }
            try await s.writeCertificate(certificateDER, slot: slot)
            try await updateKeyHistory(s)
            let signer = try PIVSigner(card: card, slot: slot, algorithm: parts.algorithm, subjectPublicKeyInfo: spki)
            return StoredKey(signer: signer, certificateDER: certificateDER)
        }
    }

    /// The key with this public key: first among the listed keys; else a rotation slot without a
    /// certificate whose key (read with GET METADATA, `00 F7 00 <slot>`) matches — the key a run that
    /// was stopped before its certificate was stored left behind. Such a key is then treated as
    /// pending, so `storeCertificate` finds its slot. Nil when no slot holds it or the card cannot tell.
    /// The search is one transaction (SELECT, GET DATA, VERIFY when needed, GET METADATA).
    /// - Throws: `KeyStoreUnavailable`; `PIVError`; `PCSCError`.
    public func key(matching subjectPublicKeyInfo: [UInt8]) async throws -> StoredKey? {
        if let listed = try await allKeys().first(where: { KeyMaterial.sameKey($0.signer.subjectPublicKeyInfo, subjectPublicKeyInfo) }) {
            return listed
        }
        return try await card.transaction { s in
            try await card.verifyPIN(s)
            let states = try await slotStates(s)
            for slot in slots where states[slot] == nil {
                guard let (algorithm, publicKey) = try await s.keyMetadata(slot: slot),
                      let spki = try? publicKey.subjectPublicKeyInfo(), KeyMaterial.sameKey(spki, subjectPublicKeyInfo) else { continue }
                pending.withLock { $0[slot] = PendingKey(spki: spki, created: Date().timeIntervalSince1970) }
                let signer = try PIVSigner(card: card, slot: slot, algorithm: algorithm, subjectPublicKeyInfo: spki)
                return StoredKey(signer: signer)
            }
            return nil
        }
    }

    /// PIN tries left from VERIFY without data (`00 20 00 80`, after SELECT, in one transaction):
    /// `63CX` → X, `6983` → locked; when the PIN is verified already the card gives no number (nil
    /// tries, not locked). Uses no try.
    /// - Throws: `KeyStoreUnavailable.tokenMissing`; `PIVError`; `PCSCError`.
    public func pinStatus() async throws -> KeyStorePINStatus? {
        try await card.transaction { s in
            guard let left = try await s.pinTriesLeft() else { return KeyStorePINStatus() }
            return KeyStorePINStatus(triesLeft: left, locked: left == 0)
        }
    }

    /// The certificates in the rotation slots, read without the PIN (SELECT, GET DATA `00 CB 3F FF`
    /// for each, in one transaction), by slot.
    /// - Throws: `KeyStoreUnavailable.tokenMissing`; `PIVError`; `PCSCError`.
    public func certificates() async throws -> [PIV.Slot: [UInt8]] {
        try await card.transaction { s in
            var result: [PIV.Slot: [UInt8]] = [:]
            for slot in slots { if let der = try await s.readCertificate(slot: slot) { result[slot] = der } }
            return result
        }
    }

    /// The newest certificate in the rotation slots (GET DATA: no PIN).
    public func currentCertificate() async throws -> [UInt8]? {
        Self.newestCertificate(Array(try await certificates().values))
    }

    /// `SCardDisconnect` (the card is reset, which forgets the verified PIN); the PIN kept in memory
    /// is forgotten too. Signers handed out before connect again when they sign.
    public func close() async {
        await card.close()
    }

    // MARK: Slots

    /// The slots in use: with their certificate, or pending (certificate nil).
    private func slotStates(_ s: PIVSession) async throws -> [PIV.Slot: [UInt8]?] {
        var states: [PIV.Slot: [UInt8]?] = [:]
        let pendingKeys = self.pending.withLock { $0 }
        for slot in slots {
            if let der = try await s.readCertificate(slot: slot) {
                states[slot] = .some(der)
            } else if pendingKeys[slot] != nil {
                states[slot] = .some(nil)
            }
        }
        return states
    }

    private func candidates() async throws -> [CurrentKey.Candidate] {
        try await card.transaction { s in
            let states = try await slotStates(s)
            guard !states.isEmpty else { return [] }
            try await card.verifyPIN(s)
            let pendingKeys = self.pending.withLock { $0 }
            var result: [CurrentKey.Candidate] = []
            for slot in slots {
                guard let state = states[slot] else { continue }
                let spki: [UInt8]
                var created: Double?
                if let der = state {
                    guard let certKey = KeyMaterial.certificateSPKI(der) else { continue }
                    // A certificate for another key than the one generated here meanwhile: the pending key wins.
                    if let p = pendingKeys[slot], !KeyMaterial.sameKey(p.spki, certKey) {
                        spki = p.spki
                        created = p.created
                    } else {
                        spki = certKey
                    }
                } else if let p = pendingKeys[slot] {
                    spki = p.spki
                    created = p.created
                } else {
                    continue
                }
                guard let algorithm = Self.algorithm(spki) else { continue }
                let signer = try PIVSigner(card: card, slot: slot, algorithm: algorithm, subjectPublicKeyInfo: spki)
                let certificate = state.flatMap { KeyMaterial.certificate($0, belongsTo: spki) ? $0 : nil }
                result.append(CurrentKey.Candidate(key: StoredKey(signer: signer, certificateDER: certificate), created: created))
            }
            return result
        }
    }

    static func algorithm(_ spki: [UInt8]) -> PIV.KeyAlgorithm? {
        switch (try? KeyDescription(subjectPublicKeyInfo: spki))?.kind {
        case .rsa(2048)?: .rsa2048
        case .p256?: .eccP256
        case .p384?: .eccP384
        default: nil
        }
    }

    /// The rotation slot holding `signer`'s key: the slot a `PIVSigner` of this reader names when its
    /// pending key or certificate there is the signer's public key (or the slot is empty and the
    /// signer says it generated there); else any slot whose certificate or pending key matches.
    private func slot(of signer: any TokenSigner, _ s: PIVSession) async throws -> PIV.Slot {
        let spki = signer.subjectPublicKeyInfo
        let states = try await slotStates(s)
        let pendingKeys = self.pending.withLock { $0 }
        func holds(_ slot: PIV.Slot) -> Bool {
            if let p = pendingKeys[slot], KeyMaterial.sameKey(p.spki, spki) { return true }
            if case .some(.some(let der)) = states[slot], KeyMaterial.certificate(der, belongsTo: spki) { return true }
            return false
        }
        if let p = signer as? PIVSigner, p.location == .piv(reader: reader, slot: p.slot.description), slots.contains(p.slot) {
            if holds(p.slot) || states[p.slot] == nil { return p.slot }
        }
        guard let slot = slots.first(where: holds) else {
            throw PIVKeyStoreError(.keyNotOnCard, detail: reader)
        }
        return slot
    }

    /// Key History object (SP 800-73-4 table 19): `C1` keys with on-card certificates (the retired
    /// slots 82, 83, … holding a certificate, counted from 82 without a gap), `C2` off-card
    /// certificates (kept), `FE` LRC. Written only when a rotation slot is a retired one and the
    /// count changed.
    private func updateKeyHistory(_ s: PIVSession) async throws {
        guard slots.contains(where: { (0x82...0x95).contains($0.rawValue) }) else { return }
        var onCard: UInt8 = 0
        for raw in UInt8(0x82)...0x95 {
            guard try await s.readCertificate(slot: PIV.Slot(rawValue: raw)) != nil else { break }
            onCard += 1
        }
        let old = try await s.readObject(.keyHistory)
        let oldCount = old.flatMap { Self.tlvValue(0xC1, in: $0)?.first } ?? 0
        guard oldCount != onCard || old == nil else { return }
        let offCard = old.flatMap { Self.tlvValue(0xC2, in: $0)?.first } ?? 0
        try await s.writeObject(.keyHistory, content: [0xC1, 0x01, onCard, 0xC2, 0x01, offCard, 0xFE, 0x00])
    }

    /// The value of a one-byte-tag, short-length TLV in a flat list.
    static func tlvValue(_ tag: UInt8, in bytes: [UInt8]) -> [UInt8]? {
        var i = 0
        while i + 1 < bytes.count {
            let t = bytes[i], length = Int(bytes[i + 1])
            guard length < 0x80, i + 2 + length <= bytes.count else { return nil }
            if t == tag { return Array(bytes[(i + 2)..<(i + 2 + length)]) }
            i += 2 + length
        }
        return nil
    }
}
