import CertificateKit
import PIV

/// A key in a PIV card slot, signing through TokenCert's `PIVSession` with one GENERAL AUTHENTICATE
/// (`00 87 <alg> <slot>`): RSA-2048 with the PKCS#1 v1.5 block built on the host, ECDSA over a host
/// hash. PIN verification is the caller's (slot 9C needs it before every signature).
public struct PIVSigner: TokenSigner {
    public let session: PIVSession
    public let slot: PIV.Slot
    public let algorithm: PIV.KeyAlgorithm
    public let subjectPublicKeyInfo: [UInt8]
    public let location: KeyLocation
    public let supportedAlgorithms: [SigningAlgorithm]

    /// - Throws: `SigningError(.unsupportedKey)` when the public key is not RSA/P-256/P-384.
    public init(session: PIVSession, reader: String, slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, subjectPublicKeyInfo: [UInt8]) throws {
        self.session = session
        self.slot = slot
        self.algorithm = algorithm
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
        location = .piv(reader: reader, slot: slot.description)
        supportedAlgorithms = try SigningAlgorithm.defaults(forSPKI: subjectPublicKeyInfo)
    }

    /// - Throws: `PIVError` (`.securityStatusNotSatisfied` without the PIN), `PCSCError` when the
    ///   card is pulled, `SigningError` for a scheme the key cannot do.
    public func sign(_ message: [UInt8], algorithm scheme: SigningAlgorithm) async throws -> [UInt8] {
        guard supportedAlgorithms.contains(scheme), scheme.isRSA == algorithm.isRSA else {
            throw SigningError(.unsupportedAlgorithm(scheme.rawValue))
        }
        let digest: PIVDigest = scheme.digestName == "SHA-384" ? .sha384 : .sha256
        return try await session.sign(message, slot: slot, algorithm: algorithm, digest: digest)
    }
}
