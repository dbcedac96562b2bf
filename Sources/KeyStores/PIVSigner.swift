public import CertificateKit
public import PIV

/// A key in a PIV card slot, signing through TokenCert's `PIVSession` with one GENERAL AUTHENTICATE
/// (`00 87 <alg> <slot>`): RSA-2048 with the PKCS#1 v1.5 block built on the host, ECDSA over a host
/// hash. Each signature is one transaction on the card (`SCardBeginTransaction`, SELECT of the PIV
/// application, …, `SCardEndTransaction`), so no other program's APDU comes in between.
///
/// A signer from `PIVKeyStore` also makes sure of the PIN in that same transaction — VERIFY without
/// data (`00 20 00 80`), and when the card has forgotten the PIN (another program selected another
/// application) VERIFY with it — and shares the store's connection. A signer made with
/// `init(session:…)` leaves the PIN to the caller (slot 9C needs it before every signature).
public struct PIVSigner: TokenSigner {
    public let slot: PIV.Slot
    public let algorithm: PIV.KeyAlgorithm
    public let subjectPublicKeyInfo: [UInt8]
    public let location: KeyLocation
    public let supportedAlgorithms: [SigningAlgorithm]
    private let card: Card

    private enum Card: Sendable {
        /// A caller's session; the caller sees to the PIN.
        case session(PIVSession)
        /// A `PIVKeyStore`'s card: its connection, PIN and error mapping.
        case store(PIVCard)
    }

    /// A signer on the caller's session; the caller verifies the PIN (`PIVSession.verifyPIN`).
    /// - Throws: `SigningError(.unsupportedKey)` when the public key is not RSA/P-256/P-384.
    public init(session: PIVSession, reader: String, slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, subjectPublicKeyInfo: [UInt8]) throws {
        try self.init(card: .session(session), reader: reader, slot: slot, algorithm: algorithm, subjectPublicKeyInfo: subjectPublicKeyInfo)
    }

    /// A `PIVKeyStore`'s signer: signs through the store's connection and verifies the PIN as needed.
    init(card: PIVCard, slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, subjectPublicKeyInfo: [UInt8]) throws {
        try self.init(card: .store(card), reader: card.reader, slot: slot, algorithm: algorithm, subjectPublicKeyInfo: subjectPublicKeyInfo)
    }

    private init(card: Card, reader: String, slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, subjectPublicKeyInfo: [UInt8]) throws {
        self.card = card
        self.slot = slot
        self.algorithm = algorithm
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
        location = .piv(reader: reader, slot: slot.description)
        supportedAlgorithms = try SigningAlgorithm.defaults(forSPKI: subjectPublicKeyInfo)
    }

    /// Signs `message` in one transaction: SELECT (`00 A4 04 00 <AID>`), for a store's signer VERIFY
    /// without data and, when the PIN is not verified, VERIFY with it (`00 20 00 80`), then GENERAL
    /// AUTHENTICATE (`00 87 <alg> <slot>`). A store's signer asks the store's `SecretProvider` for a
    /// PIN it was never given — outside the transaction, which then starts again.
    /// - Throws: `SigningError` for a scheme the key cannot do (nothing sent). A caller's-session
    ///   signer: `PIVError` (`.securityStatusNotSatisfied` without the PIN, `.notPIVCard` when the
    ///   SELECT fails), `PCSCError` (e.g. `SCARD_W_REMOVED_CARD` when the card is pulled). A store's
    ///   signer: `KeyStoreUnavailable` `.tokenMissing`, `.pinNeeded(triesLeft:)`, `.pinLocked`; other
    ///   card answers as `PIVError`, other PC/SC failures as `PCSCError`.
    public func sign(_ message: [UInt8], algorithm scheme: SigningAlgorithm) async throws -> [UInt8] {
        guard supportedAlgorithms.contains(scheme), scheme.isRSA == algorithm.isRSA else {
            throw SigningError(.unsupportedAlgorithm(scheme.rawValue))
        }
        let digest: PIVDigest = scheme.digestName == "SHA-384" ? .sha384 : .sha256
        switch card {
        case .session(let session):
            return try await session.withTransaction { s in
                try await s.sign(message, slot: slot, algorithm: algorithm, digest: digest)
            }
        case .store(let card):
            return try await card.transaction { s in
                try await card.verifyPIN(s)
                return try await s.sign(message, slot: slot, algorithm: algorithm, digest: digest)
            }
        }
    }
}
