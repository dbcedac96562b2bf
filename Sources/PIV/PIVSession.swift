public import Secrets
import Crypto
import Foundation
public import SmartCard
import _CryptoExtras

/// A public key read from (or generated on) a PIV card.
public enum PIVPublicKey: Sendable, Hashable {
    case rsa(modulus: [UInt8], exponent: [UInt8])
    case ec(PIV.KeyAlgorithm, point: [UInt8])

    /// DER SubjectPublicKeyInfo.
    public func subjectPublicKeyInfo() throws -> [UInt8] {
        switch self {
        case let .rsa(n, e): return Array(try _RSA.Signing.PublicKey(n: n, e: e).derRepresentation)
        case let .ec(alg, point):
            return alg == .eccP384 ? Array(try P384.Signing.PublicKey(x963Representation: point).derRepresentation)
                : Array(try P256.Signing.PublicKey(x963Representation: point).derRepresentation)
        }
    }
}

/// A PIV card application session (NIST SP 800-73-4) over any APDU transport. It holds no state of
/// its own — the transport (for PC/SC a `SmartCardConnection`, the one actor per card) is where
/// callers are serialised — so copies are interchangeable. Every method names the APDU it sends.
/// Methods marked "Yubico extension" use instructions of YubiKey-compatible cards (TokenCert's
/// virtual card has them too).
///
/// Each method is one exchange with the card. A sequence that must not be split — VERIFY then a
/// signature, management key then GENERATE or PUT DATA — belongs in `withTransaction`: another
/// program on the same card (a browser through OpenSC, …) can otherwise select another application
/// between two APDUs, which deselects PIV and forgets the verified PIN.
public struct PIVSession: Sendable {
    public let channel: CardChannel

    /// SELECT the PIV application (`00 A4 04 00 <AID>`), as one exchange outside any transaction.
    /// - Throws: `PIVError.notPIVCard` when the card has no PIV application; the transport's errors.
    public init(transport: any APDUTransport) async throws {
        channel = CardChannel(transport: transport)
        try await select()
    }

    /// A session over `channel` that sends nothing yet; `withTransaction` SELECTs the application
    /// at the start of each transaction.
    public init(channel: CardChannel) {
        self.channel = channel
    }

    /// Runs `body` as one transaction on the card: the transport's exclusive access (PC/SC:
    /// `SCardBeginTransaction`), SELECT of the PIV application (`00 A4 04 00 <AID>` — another
    /// program may have selected another application since the last transaction), `body`, and the
    /// end of the transaction (`SCardEndTransaction`, leaving the card as it is), also when `body`
    /// throws. No APDU of another program or task comes in between. `body` must not prompt a
    /// person: others wait for the card meanwhile.
    /// - Throws: `PIVError.notPIVCard` when the SELECT fails; the transport's errors (`PCSCError`,
    ///   e.g. `SCARD_W_RESET_CARD`, `SCARD_W_REMOVED_CARD`); whatever `body` throws.
    public func withTransaction<R: Sendable>(_ body: @Sendable (PIVSession) async throws -> R) async throws -> R {
        try await channel.transport.withExclusiveAccess {
            try await select()
            return try await body(self)
        }
    }

    /// `00 A4 04 00 <AID>`: SELECT; returns the Application Property Template.
    /// - Throws: `PIVError.notPIVCard` when the card answers anything but success; the transport's errors.
    @discardableResult
    public func select() async throws -> [UInt8] {
        let r = try await channel.send(CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x00, data: PIV.aid, le: 256))
        guard r.status.isSuccess else { throw PIVError.notPIVCard(r.status) }
        return r.data
    }

    // MARK: PIN and PUK

    /// `00 20 00 80 <PIN padded with FF>`: VERIFY.
    /// - Throws: `PIVError.invalidPIN(triesLeft:)` (63CX), `.blocked` (6983), `.badSecretFormat`.
    public func verifyPIN(_ pin: Secret) async throws {
        guard let padded = PIV.paddedReference(pin), pin.count >= 6 else { throw PIVError.badSecretFormat }
        try check(try await channel.send(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80, data: padded)), 0x20)
    }

    /// `00 20 00 80` with no data: how many PIN tries are left, without using one.
    /// Returns nil when the PIN is already verified in this session.
    public func pinTriesLeft() async throws -> Int? {
        let r = try await channel.send(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80))
        if r.status.isSuccess { return nil }
        if let n = r.status.triesLeft { return n }
        if r.status == .authenticationMethodBlocked { return 0 }
        throw PIVError.status(r.status, instruction: 0x20)
    }

    /// `00 20 FF 80`: forget a verified PIN.
    public func resetPINStatus() async throws {
        _ = try await channel.send(CommandAPDU(ins: 0x20, p1: 0xFF, p2: 0x80))
    }

    /// `00 24 00 80 <old‖new>`: CHANGE REFERENCE DATA for the PIN.
    public func changePIN(old: Secret, new: Secret) async throws {
        try await changeReference(0x80, old: old, new: new)
    }

    /// `00 24 00 81 <old‖new>`: CHANGE REFERENCE DATA for the PUK.
    public func changePUK(old: Secret, new: Secret) async throws {
        try await changeReference(0x81, old: old, new: new)
    }

    /// `00 2C 00 80 <PUK‖new PIN>`: RESET RETRY COUNTER — unblocks the PIN with the PUK.
    /// - Throws: `PIVError.invalidPIN(triesLeft:)` for a wrong PUK (tries are the PUK's), `.blocked`.
    public func unblockPIN(puk: Secret, newPIN: Secret) async throws {
        guard let p = PIV.paddedReference(puk), let n = PIV.paddedReference(newPIN), newPIN.count >= 6 else { throw PIVError.badSecretFormat }
        try check(try await channel.send(CommandAPDU(ins: 0x2C, p1: 0x00, p2: 0x80, data: p + n)), 0x2C)
    }

    private func changeReference(_ reference: UInt8, old: Secret, new: Secret) async throws {
        guard let o = PIV.paddedReference(old), let n = PIV.paddedReference(new), new.count >= 6 else { throw PIVError.badSecretFormat }
        try check(try await channel.send(CommandAPDU(ins: 0x24, p1: 0x00, p2: reference, data: o + n)), 0x24)
    }

    // MARK: Management key

    /// Mutual authentication with the card management key (key reference 9B), two GENERAL
    /// AUTHENTICATE exchanges: `00 87 <alg> 9B 7C{80 00}` → witness; `7C{80 decrypted witness, 81 challenge}`
    /// → `7C{82 encrypted challenge}`, which is checked so the card proves it holds the key too.
    /// - Throws: `PIVError.managementKeyRejected` when the card refuses the key (or answers wrongly).
    public func authenticate(managementKey key: Secret, algorithm: PIV.ManagementKeyAlgorithm = .tripleDES) async throws {
        guard key.count == algorithm.keyLength else { throw PIVError.managementKeyRejected }
        let cipher = try BlockCipher(algorithm: algorithm, key: key.revealedBytes())
        let first = try await channel.send(CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: 0x9B,
                                                       data: TLV.encode(0x7C, TLV.encode(0x80, [])), le: 256))
        guard first.status.isSuccess, let template = TLV.find(0x7C, in: first.data),
              let witness = TLV.find(0x80, in: template), witness.count == algorithm.blockSize else {
            if first.status == .incorrectP1P2 { throw PIVError.managementKeyAlgorithmMismatch(offered: algorithm) }
            throw first.status == .securityStatusNotSatisfied || first.status == .authenticationMethodBlocked
                ? PIVError.managementKeyRejected : PIVError.status(first.status, instruction: 0x87)
        }
        var challenge = [UInt8](repeating: 0, count: algorithm.blockSize)
        var rng = SystemRandomNumberGenerator()
        for i in challenge.indices { challenge[i] = rng.next() }
        let answer = TLV.encode(0x7C, TLV.encode(0x80, try cipher.decrypt(witness)) + TLV.encode(0x81, challenge))
        let second = try await channel.send(CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: 0x9B, data: answer, le: 256))
        guard second.status.isSuccess, let t2 = TLV.find(0x7C, in: second.data), let response = TLV.find(0x82, in: t2),
              response == (try cipher.encrypt(challenge)) else {
            throw PIVError.managementKeyRejected
        }
    }

    /// Yubico extension `00 FF FF FF 03|<alg>|9B|<len>|<key>`: SET MANAGEMENT KEY (after `authenticate`).
    public func setManagementKey(_ key: Secret, algorithm: PIV.ManagementKeyAlgorithm = .tripleDES, requireTouch: Bool = false) async throws {
        guard key.count == algorithm.keyLength else { throw PIVError.managementKeyRejected }
        let data = [algorithm.rawValue, 0x9B, UInt8(key.count)] + key.revealedBytes()
        try check(try await channel.send(CommandAPDU(ins: 0xFF, p1: 0xFF, p2: requireTouch ? 0xFE : 0xFF, data: data)), 0xFF)
    }

    // MARK: Keys

    /// `00 47 00 <slot> AC{80 <alg>}`: GENERATE ASYMMETRIC KEY PAIR on the card (management key needed).
    /// The private key never leaves the card; the public key comes back.
    public func generateKey(slot: PIV.Slot, algorithm: PIV.KeyAlgorithm) async throws -> PIVPublicKey {
        let r = try await channel.send(CommandAPDU(ins: 0x47, p1: 0x00, p2: slot.rawValue,
                                                   data: TLV.encode(0xAC, TLV.encode(0x80, [algorithm.rawValue])), le: 256))
        try check(r, 0x47)
        guard let body = TLV.find(0x7F49, in: r.data) else { throw PIVError.malformedResponse("no 7F49 in key generation answer") }
        if algorithm.isRSA {
            guard let n = TLV.find(0x81, in: body), let e = TLV.find(0x82, in: body) else {
                throw PIVError.malformedResponse("RSA public key without modulus or exponent")
            }
            return .rsa(modulus: n, exponent: e)
        }
        guard let point = TLV.find(0x86, in: body) else { throw PIVError.malformedResponse("EC public key without point") }
        return .ec(algorithm, point: point)
    }

    /// Yubico extension `00 F7 00 <slot>`: GET METADATA of a key slot — the key's algorithm (tag 01)
    /// and public key (tag 04, the inside of a 7F49 template). PIV itself gives no way to read the
    /// public key of a slot without a certificate; cards with this command (YubiKey 5.3+, TokenCert's
    /// virtual card) do. No PIN or management key is needed.
    /// - Returns: nil when the slot holds no key (`6A82`) or the card does not know the command
    ///   (`6D00`, `6A81`).
    /// - Throws: `PIVError.malformedResponse`, other card answers as `PIVError`, PC/SC errors.
    public func keyMetadata(slot: PIV.Slot) async throws -> (algorithm: PIV.KeyAlgorithm, publicKey: PIVPublicKey)? {
        let r = try await channel.send(CommandAPDU(ins: 0xF7, p1: 0x00, p2: slot.rawValue, le: 256))
        if [0x6A82, 0x6D00, 0x6A81, 0x6A88].contains(r.status.rawValue) { return nil }
        try check(r, 0xF7)
        guard let a = TLV.find(0x01, in: r.data)?.first, let algorithm = PIV.KeyAlgorithm(rawValue: a),
              let body = TLV.find(0x04, in: r.data) else { throw PIVError.malformedResponse("GET METADATA without algorithm or public key") }
        if algorithm.isRSA {
            guard let n = TLV.find(0x81, in: body), let e = TLV.find(0x82, in: body) else {
                throw PIVError.malformedResponse("RSA public key without modulus or exponent")
            }
            return (algorithm, .rsa(modulus: n, exponent: e))
        }
        guard let point = TLV.find(0x86, in: body) else { throw PIVError.malformedResponse("EC public key without point") }
        return (algorithm, .ec(algorithm, point: point))
    }

    /// `00 87 <alg> <slot> 7C{82 00, 81 <input>}`: GENERAL AUTHENTICATE with the slot's private key over a
    /// prepared input: the PKCS#1-padded block for RSA, the hash for ECC. Returns the card's answer
    /// (raw RSA signature, DER ECDSA signature).
    /// - Throws: `.securityStatusNotSatisfied` when the PIN is needed, `.notFound` for an empty slot.
    public func authenticate(slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, input: [UInt8]) async throws -> [UInt8] {
        let data = TLV.encode(0x7C, TLV.encode(0x82, []) + TLV.encode(0x81, input))
        let r = try await channel.send(CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: slot.rawValue, data: data, le: 256))
        try check(r, 0x87)
        guard let t = TLV.find(0x7C, in: r.data), let signature = TLV.find(0x82, in: t) else {
            throw PIVError.malformedResponse("no 7C/82 in GENERAL AUTHENTICATE answer")
        }
        return signature
    }

    /// Signs `message`: RSA-2048 PKCS#1 v1.5 with the padding built here on the host (DigestInfo of the hash),
    /// ECDSA over the hash (DER signature). One GENERAL AUTHENTICATE; PIN verification is the caller's.
    public func sign(_ message: [UInt8], slot: PIV.Slot, algorithm: PIV.KeyAlgorithm, digest: PIVDigest = .sha256) async throws -> [UInt8] {
        let hash = digest.hash(message)
        let input: [UInt8]
        if algorithm.isRSA {
            let t = digest.digestInfoPrefix + hash
            input = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: algorithm.size - t.count - 3) + [0x00] + t
        } else {
            // An ECDSA input longer than the field is truncated to its leftmost bytes (FIPS 186-4).
            input = Array(hash.prefix(algorithm.size))
        }
        return try await authenticate(slot: slot, algorithm: algorithm, input: input)
    }

    /// Yubico extension `00 FE <alg> <slot> <TLVs>`: IMPORT ASYMMETRIC KEY into a slot (management key
    /// needed; chained when long). RSA-2048 goes as `01 p, 02 q, 03 dP, 04 dQ, 05 qInv` (each padded to
    /// 128 bytes), ECC as `06 <private scalar>` (32 or 48 bytes). Cards without the extension answer
    /// `6D00` (thrown as `PIVError.status`).
    /// - Throws: `.securityStatusNotSatisfied` without the management key, `PIVError.status` otherwise.
    public func importKey(_ key: PIVPrivateKey, slot: PIV.Slot) async throws {
        let data: [UInt8]
        switch key {
        case let .rsa(p, q, dp, dq, qinv):
            func padded(_ v: [UInt8]) -> [UInt8] {
                let trimmed = Array(v.drop { $0 == 0 })
                return [UInt8](repeating: 0, count: max(0, 128 - trimmed.count)) + trimmed
            }
            data = TLV.encode(0x01, padded(p)) + TLV.encode(0x02, padded(q)) + TLV.encode(0x03, padded(dp))
                + TLV.encode(0x04, padded(dq)) + TLV.encode(0x05, padded(qinv))
        case let .ec(algorithm, scalar):
            let trimmed = Array(scalar.drop { $0 == 0 })
            data = TLV.encode(0x06, [UInt8](repeating: 0, count: max(0, algorithm.size - trimmed.count)) + trimmed)
        }
        try check(try await channel.send(CommandAPDU(ins: 0xFE, p1: key.algorithm.rawValue, p2: slot.rawValue, data: data)), 0xFE)
    }

    // MARK: Data objects

    /// `00 CB 3F FF 5C <tag>`: GET DATA; returns the object's content (inside tag 53), nil when absent.
    public func readObject(_ tag: PIV.ObjectTag) async throws -> [UInt8]? {
        let r = try await channel.send(CommandAPDU(ins: 0xCB, p1: 0x3F, p2: 0xFF, data: TLV.encode(0x5C, tag.bytes), le: 256))
        if r.status == .fileNotFound { return nil }
        try check(r, 0xCB)
        if tag == .discovery { return r.data }
        guard let content = TLV.find(0x53, in: r.data) else { throw PIVError.malformedResponse("no 53 in GET DATA answer") }
        return content
    }

    /// `00 DB 3F FF 5C <tag> 53 <content>`: PUT DATA (management key needed; chained when long).
    public func writeObject(_ tag: PIV.ObjectTag, content: [UInt8]) async throws {
        let body = tag == .discovery ? content : TLV.encode(0x53, content)
        try check(try await channel.send(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: TLV.encode(0x5C, tag.bytes) + body)), 0xDB)
    }

    /// The PIN-protected management key as YubiKey tools (ykman, yubico-piv-tool's library) keep it:
    /// in the Printed Information object (GET DATA `5FC109`, readable only after VERIFY) as
    /// `88{89 <key>}`. Nil when the object is absent or holds no such key.
    /// - Throws: `.securityStatusNotSatisfied` when the PIN is not verified, other card answers.
    public func protectedManagementKey() async throws -> Secret? {
        guard let content = try await readObject(.printedInformation), let inner = TLV.find(0x88, in: content),
              let key = TLV.find(0x89, in: inner), !key.isEmpty else { return nil }
        return Secret(bytes: key)
    }

    /// Stores `key` as the PIN-protected management key (after `authenticate` with it): PUT DATA
    /// `5FC109` = `88{89 <key>}`, then ADMIN DATA `5FFF00` = `80{81 <flags 02>}` (bit 0x02: the
    /// management key is PIN-protected), the layout YubiKey tools read. The key itself must already
    /// be set (`setManagementKey`).
    public func storeProtectedManagementKey(_ key: Secret) async throws {
        try await writeObject(.printedInformation, content: TLV.encode(0x88, TLV.encode(0x89, key.revealedBytes())))
        try await writeObject(.adminData, content: TLV.encode(0x80, TLV.encode(0x81, [0x02])))
    }

    /// The DER certificate in a slot's certificate object, nil when the slot has none.
    public func readCertificate(slot: PIV.Slot) async throws -> [UInt8]? {
        guard let tag = slot.certificateObject, let content = try await readObject(tag) else { return nil }
        guard let certificate = TLV.find(0x70, in: content) else { throw PIVError.malformedResponse("certificate object without 70") }
        if let info = TLV.find(0x71, in: content), info.first == 0x01 {
            throw PIVError.malformedResponse("compressed certificates are not supported")
        }
        return certificate
    }

    /// Writes a DER certificate into a slot's certificate object: `70 <cert> 71 00 FE 00`.
    public func writeCertificate(_ der: [UInt8], slot: PIV.Slot) async throws {
        guard let tag = slot.certificateObject else { throw PIVError.notFound }
        try await writeObject(tag, content: TLV.encode(0x70, der) + TLV.encode(0x71, [0x00]) + TLV.encode(0xFE, []))
    }

    /// Writes a fresh CHUID (FASC-N of a non-federal issuer, a random GUID, expiry `yyyyMMdd`) and a CCC.
    public func writeCHUIDAndCCC(expiry: String = "20301231") async throws {
        var rng = SystemRandomNumberGenerator()
        let guid = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // FASC-N with agency code 9999 (non-federal) as OpenSC and yubico-piv-tool write it.
        let fascn: [UInt8] = [0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
                              0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB]
        let chuid = TLV.encode(0x30, fascn) + TLV.encode(0x34, guid) + TLV.encode(0x35, Array(expiry.utf8))
            + TLV.encode(0x3E, []) + TLV.encode(0xFE, [])
        try await writeObject(.chuid, content: chuid)
        let cardID = [0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02] + (0..<14).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let ccc = TLV.encode(0xF0, cardID) + TLV.encode(0xF1, [0x21]) + TLV.encode(0xF2, [0x21]) + TLV.encode(0xF3, [])
            + TLV.encode(0xF4, [0x00]) + TLV.encode(0xF5, [0x10]) + TLV.encode(0xF6, []) + TLV.encode(0xF7, [])
            + TLV.encode(0xFA, []) + TLV.encode(0xFB, []) + TLV.encode(0xFC, []) + TLV.encode(0xFD, []) + TLV.encode(0xFE, [])
        try await writeObject(.cardCapabilityContainer, content: ccc)
    }

    // MARK: Yubico extensions

    /// Yubico extension `00 FD 00 00`: firmware version (major, minor, patch).
    public func version() async throws -> [UInt8] {
        let r = try await channel.send(CommandAPDU(ins: 0xFD, p1: 0, p2: 0, le: 256))
        try check(r, 0xFD)
        return r.data
    }

    /// Yubico extension `00 F8 00 00`: serial number.
    public func serialNumber() async throws -> UInt32 {
        let r = try await channel.send(CommandAPDU(ins: 0xF8, p1: 0, p2: 0, le: 256))
        try check(r, 0xF8)
        return r.data.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Yubico extension `00 FB 00 00`: RESET the PIV application to factory state. The card accepts it only
    /// when both the PIN and the PUK are blocked.
    public func reset() async throws {
        try check(try await channel.send(CommandAPDU(ins: 0xFB, p1: 0, p2: 0)), 0xFB)
    }

    // MARK: -

    private func check(_ r: ResponseAPDU, _ ins: UInt8) throws {
        if r.status.isSuccess { return }
        if let n = r.status.triesLeft { throw n == 0 ? PIVError.blocked : PIVError.invalidPIN(triesLeft: n) }
        switch r.status {
        case .authenticationMethodBlocked: throw PIVError.blocked
        case .securityStatusNotSatisfied: throw PIVError.securityStatusNotSatisfied
        case .fileNotFound, .referenceNotFound: throw PIVError.notFound
        default: throw PIVError.status(r.status, instruction: ins)
        }
    }
}

/// A private key to import onto a PIV card (Yubico IMPORT). Never prints its contents.
public enum PIVPrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// RSA-2048 CRT components (big-endian, leading zeros allowed).
    case rsa(p: [UInt8], q: [UInt8], dp: [UInt8], dq: [UInt8], qinv: [UInt8])
    /// An ECC private scalar on the curve of `algorithm` (`.eccP256`, `.eccP384`).
    case ec(PIV.KeyAlgorithm, scalar: [UInt8])

    public var algorithm: PIV.KeyAlgorithm {
        switch self {
        case .rsa: .rsa2048
        case .ec(let a, _): a
        }
    }

    public var description: String { "PIVPrivateKey(\(algorithm), ***)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Hashes for PIV signatures.
public enum PIVDigest: Sendable, Hashable {
    case sha256, sha384
    func hash(_ m: [UInt8]) -> [UInt8] { self == .sha256 ? Array(SHA256.hash(data: m)) : Array(SHA384.hash(data: m)) }
    var digestInfoPrefix: [UInt8] {
        self == .sha256
            ? [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
            : [0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
    }
}

/// ECB encryption of single blocks with the management key: 3DES here, AES through swift-crypto.
struct BlockCipher {
    let algorithm: PIV.ManagementKeyAlgorithm
    let des: TripleDES?
    let aesKey: SymmetricKey?

    init(algorithm: PIV.ManagementKeyAlgorithm, key: [UInt8]) throws {
        self.algorithm = algorithm
        if algorithm == .tripleDES {
            guard let d = TripleDES(key: key) else { throw PIVError.managementKeyRejected }
            des = d
            aesKey = nil
        } else {
            des = nil
            aesKey = SymmetricKey(data: key)
        }
    }

    func encrypt(_ block: [UInt8]) throws -> [UInt8] {
        if let des { return des.encrypt(block) }
        var b = block
        try AES.permute(&b, key: aesKey!)
        return b
    }

    func decrypt(_ block: [UInt8]) throws -> [UInt8] {
        if let des { return des.decrypt(block) }
        var b = block
        try AES.inversePermute(&b, key: aesKey!)
        return b
    }
}
