import Foundation

/// The PIV card application (NIST SP 800-73-4 part 2) with the Yubico extensions that
/// yubico-piv-tool relies on, as a pure APDU processor: command bytes in, response bytes
/// (data + SW1 SW2) out. No I/O; the card's persistent memory is `state`, and everything else
/// (PIN verified, management key authenticated, pending challenges, command chains, pending
/// GET RESPONSE data) is volatile and cleared by `powerCycle()`.
///
/// Access rules: PUT DATA, GENERATE, IMPORT, SET MANAGEMENT KEY and SET PIN RETRIES need the
/// management key (9B) authenticated; slots 9A, 9D and the retired slots need the PIN verified;
/// 9C needs a VERIFY before each use (PIN-always); 9E needs nothing. No command returns a
/// private key.
///
/// Applications: PIV is selected at power-up (the default application). The card also answers a
/// SELECT of the GlobalPlatform card manager (`cardManagerAID`), as a real multi-application card
/// does: that deselects PIV, and — as on real cards, where the security status belongs to the
/// selected application — forgets the verified PIN and the authenticated management key; until PIV
/// is selected again every other command answers `6D00`. A SELECT of an AID the card does not have
/// answers `6A82` and leaves the selection as it was; selecting PIV again while it is selected
/// keeps the PIN status.
public struct PIVApplication: Sendable {
    /// The PIV application identifier, A0 00 00 03 08 00 00 10 00 01 00.
    public static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]
    /// The GlobalPlatform card manager (issuer security domain), the card's other application.
    public static let cardManagerAID: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00]

    /// The card's persistent memory.
    public private(set) var state: PIVCardState
    /// Increases by one whenever a command changed `state`, so the owner knows when to persist it.
    public private(set) var stateRevision = 0

    /// Whether PIV is the selected application (else the card manager is).
    private var pivSelected = true
    // Volatile security status.
    private var pinVerified = false
    /// PIN-always (slot 9C): set by a successful VERIFY, used up by the next private-key operation
    /// in any slot.
    private var pinJustVerified = false
    private var managementAuthenticated = false
    private var pendingWitness: [UInt8]?
    private var pendingChallenge: [UInt8]?
    // Transport-level leftovers.
    private var chain: (header: [UInt8], data: [UInt8])?
    private var pendingResponse: [UInt8] = []

    public init(state: PIVCardState = .fresh()) {
        self.state = state
    }

    /// Power off, power on or reset: the security status and all half-done exchanges are gone.
    public mutating func powerCycle() {
        pivSelected = true
        pinVerified = false
        pinJustVerified = false
        managementAuthenticated = false
        pendingWitness = nil
        pendingChallenge = nil
        chain = nil
        pendingResponse = []
    }

    /// Whether the PIN is verified right now (for tests and logs).
    public var isPINVerified: Bool { pinVerified }
    /// Whether the PIV application is selected right now (not the card manager).
    public var isPIVSelected: Bool { pivSelected }
    /// Whether the management key is authenticated right now.
    public var isManagementKeyAuthenticated: Bool { managementAuthenticated }

    /// Processes one command APDU and returns the response APDU (data followed by SW1 SW2).
    public mutating func process(_ apdu: [UInt8]) -> [UInt8] {
        guard let command = Command(apdu) else { return Self.bytes(.status(SW.wrongLength)) }
        guard command.cla & ~0x10 == 0 else { return Self.bytes(.status(SW.claNotSupported)) }

        if command.ins == 0xC0 {
            return getResponse(command)
        }
        pendingResponse = []

        var full = command
        let header = [command.ins, command.p1, command.p2]
        if command.cla & 0x10 != 0 {
            if let current = chain, current.header == header {
                chain = (header, current.data + command.data)
            } else {
                chain = (header, command.data)
            }
            guard chain!.data.count <= 65536 else {
                chain = nil
                return Self.bytes(.status(SW.wrongLength))
            }
            return Self.bytes(.status(SW.ok))
        }
        if let current = chain {
            chain = nil
            if current.header == header {
                full.data = current.data + command.data
            }
        }

        let reply = dispatch(full)
        return deliver(reply, le: command.le ?? (command.extended ? 65536 : 256))
    }

    // MARK: response length handling

    private mutating func deliver(_ reply: Reply, le: Int) -> [UInt8] {
        guard reply.data.count > le else { return Self.bytes(reply) }
        let first = Array(reply.data.prefix(le))
        pendingResponse = Array(reply.data.dropFirst(le))
        return first + Self.moreData(pendingResponse.count)
    }

    private mutating func getResponse(_ command: Command) -> [UInt8] {
        guard command.p1p2 == 0 else { return Self.bytes(.status(SW.incorrectP1P2)) }
        guard !pendingResponse.isEmpty else { return Self.bytes(.status(SW.conditionsNotSatisfied)) }
        let le = command.le ?? 256
        let chunk = Array(pendingResponse.prefix(le))
        pendingResponse.removeFirst(chunk.count)
        if pendingResponse.isEmpty { return chunk + [0x90, 0x00] }
        return chunk + Self.moreData(pendingResponse.count)
    }

    private static func moreData(_ remaining: Int) -> [UInt8] {
        [0x61, remaining >= 256 ? 0x00 : UInt8(remaining)]
    }

    private static func bytes(_ reply: Reply) -> [UInt8] {
        reply.data + [UInt8(reply.sw >> 8), UInt8(reply.sw & 0xFF)]
    }

    // MARK: dispatch

    private mutating func dispatch(_ c: Command) -> Reply {
        if c.ins == 0xA4 { return select(c) }
        // The card manager knows none of PIV's instructions.
        guard pivSelected else { return .status(SW.insNotSupported) }
        return switch c.ins {
        case 0xCB: getData(c)
        case 0xDB: putData(c)
        case 0x20: verify(c)
        case 0x24: changeReferenceData(c)
        case 0x2C: resetRetryCounter(c)
        case 0x87: generalAuthenticate(c)
        case 0x47: generateKeyPair(c)
        // Yubico extensions.
        case 0xFD: c.p1p2 == 0 ? Reply(state.version) : .status(SW.incorrectP1P2)
        case 0xF8: c.p1p2 == 0 ? Reply(withUnsafeBytes(of: state.serial.bigEndian) { Array($0) }) : .status(SW.incorrectP1P2)
        case 0xFF: setManagementKey(c)
        case 0xFB: reset(c)
        case 0xFA: setPINRetries(c)
        case 0xFE: importKey(c)
        case 0xF7: metadata(c)
        default: .status(SW.insNotSupported)
        }
    }

    private mutating func changed() { stateRevision += 1 }

    // MARK: SELECT

    private mutating func select(_ c: Command) -> Reply {
        guard c.p1 == 0x04 else { return .status(SW.notFound) }
        if c.data == Self.cardManagerAID {
            // Another application: PIV is deselected and its security status goes with it.
            pivSelected = false
            pinVerified = false
            pinJustVerified = false
            managementAuthenticated = false
            pendingWitness = nil
            pendingChallenge = nil
            // FCI: the AID (84) and a security domain management data template (A5).
            return Reply(TLV.encode(0x6F, TLV.encode(0x84, Self.cardManagerAID) + TLV.encode(0xA5, TLV.encode(0x9F65, [0xFF]))))
        }
        guard c.data.count >= 5, c.data.count <= Self.aid.count, Self.aid.starts(with: c.data) else {
            return .status(SW.notFound)
        }
        // Selecting the application again keeps the PIN status on a real PIV card; only a power
        // cycle, VERIFY P1=FF or selecting another application clears it. Pending challenges are dropped.
        pivSelected = true
        pendingWitness = nil
        pendingChallenge = nil
        // Application property template (SP 800-73-4 part 2, table 3).
        let algorithms: [UInt8] = [0x03, 0x08, 0x0A, 0x0C, 0x06, 0x07, 0x11, 0x14]
        let ac = algorithms.flatMap { TLV.encode(0x80, [$0]) } + TLV.encode(0x06, [0x00])
        let apt = TLV.encode(0x4F, Array(Self.aid[5...]))
            + TLV.encode(0x79, TLV.encode(0x4F, Array(Self.aid[..<5])))
            + TLV.encode(0x50, Array("TokenCert Virtual PIV".utf8))
            + TLV.encode(0xAC, ac)
        return Reply(TLV.encode(0x61, apt))
    }

    // MARK: data objects

    /// Objects that only a verified PIN may read: fingerprints, printed information, facial image, iris.
    private static let pinProtectedObjects: Set<String> = ["5fc103", "5fc109", "5fc108", "5fc121"]

    private static func objectKey(_ tag: [UInt8]) -> String? {
        switch tag.count {
        case 1 where tag[0] == 0x7E: return "7e"
        case 2 where tag == [0x7F, 0x61]: return "7f61"
        case 3 where tag[0] == 0x5F && (tag[1] == 0xC1 || tag[1] == 0xFF): return Hex.string(tag)
        default: return nil
        }
    }

    private func getData(_ c: Command) -> Reply {
        guard c.p1p2 == 0x3FFF else { return .status(SW.incorrectP1P2) }
        guard let tlvs = TLV.parse(c.data), tlvs.count == 1, tlvs[0].tag == 0x5C else { return .status(SW.wrongData) }
        guard let key = Self.objectKey(tlvs[0].value) else { return .status(SW.notFound) }
        if Self.pinProtectedObjects.contains(key) && !pinVerified { return .status(SW.securityNotSatisfied) }
        guard let value = state.objects[key] else { return .status(SW.notFound) }
        switch key {
        case "7e": return Reply(TLV.encode(0x7E, Array(value)))
        case "7f61": return Reply(TLV.encode(0x7F61, Array(value)))
        default: return Reply(TLV.encode(0x53, Array(value)))
        }
    }

    /// Largest object content the card stores (a YubiKey 5 stores a little over 3 KB; we are generous).
    static let maxObjectSize = 16 * 1024

    private mutating func putData(_ c: Command) -> Reply {
        guard c.p1p2 == 0x3FFF else { return .status(SW.incorrectP1P2) }
        guard managementAuthenticated else { return .status(SW.securityNotSatisfied) }
        guard let tlvs = TLV.parse(c.data), let first = tlvs.first else { return .status(SW.wrongData) }
        let key: String
        let value: [UInt8]
        switch first.tag {
        case 0x7E, 0x7F61:
            guard tlvs.count == 1 else { return .status(SW.wrongData) }
            key = first.tag == 0x7E ? "7e" : "7f61"
            value = first.value
        case 0x5C:
            guard tlvs.count == 2, tlvs[1].tag == 0x53, let k = Self.objectKey(first.value), k.count == 6 else {
                return .status(SW.wrongData)
            }
            key = k
            value = tlvs[1].value
        default:
            return .status(SW.wrongData)
        }
        guard value.count <= Self.maxObjectSize else { return .status(SW.notEnoughMemory) }
        if value.isEmpty {
            state.objects[key] = nil
        } else {
            state.objects[key] = Data(value)
        }
        changed()
        return Reply()
    }

    // MARK: PIN and PUK

    /// The 8-byte field of VERIFY and friends: 6–8 bytes, padded with FF. Nil when malformed.
    private static func unpad(_ field: ArraySlice<UInt8>) -> [UInt8]? {
        guard field.count == 8 else { return nil }
        let value = Array(field.prefix { $0 != 0xFF })
        guard value.count >= 6, field.dropFirst(value.count).allSatisfy({ $0 == 0xFF }) else { return nil }
        return value
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    private static func padded(_ value: Data) -> [UInt8] {
        Array(value) + [UInt8](repeating: 0xFF, count: max(0, 8 - value.count))
    }

    private mutating func verify(_ c: Command) -> Reply {
        guard c.p1 == 0x00 || c.p1 == 0xFF else { return .status(SW.incorrectP1P2) }
        guard c.p2 == 0x80 else { return .status(SW.referenceNotFound) }
        if c.p1 == 0xFF {
            guard c.data.isEmpty else { return .status(SW.wrongData) }
            pinVerified = false
            pinJustVerified = false
            return Reply()
        }
        if c.data.isEmpty {
            if state.pinRetriesLeft == 0 { return .status(SW.authenticationBlocked) }
            return pinVerified ? Reply() : .status(SW.retries(state.pinRetriesLeft))
        }
        guard c.data.count == 8 else { return .status(SW.wrongData) }
        guard state.pinRetriesLeft > 0 else { return .status(SW.authenticationBlocked) }
        if Self.constantTimeEqual(c.data, Self.padded(state.pin)) {
            pinVerified = true
            pinJustVerified = true
            if state.pinRetriesLeft != state.pinRetriesMax {
                state.pinRetriesLeft = state.pinRetriesMax
                changed()
            }
            return Reply()
        }
        pinVerified = false
        pinJustVerified = false
        state.pinRetriesLeft -= 1
        changed()
        return .status(state.pinRetriesLeft == 0 ? SW.authenticationBlocked : SW.retries(state.pinRetriesLeft))
    }

    private mutating func changeReferenceData(_ c: Command) -> Reply {
        guard c.p1 == 0x00 else { return .status(SW.incorrectP1P2) }
        guard c.p2 == 0x80 || c.p2 == 0x81 else { return .status(SW.referenceNotFound) }
        guard c.data.count == 16, let new = Self.unpad(c.data[8...]) else { return .status(SW.wrongData) }
        let isPIN = c.p2 == 0x80
        let left = isPIN ? state.pinRetriesLeft : state.pukRetriesLeft
        guard left > 0 else { return .status(SW.authenticationBlocked) }
        let current = isPIN ? state.pin : state.puk
        guard Self.constantTimeEqual(Array(c.data[..<8]), Self.padded(current)) else {
            let remaining = left - 1
            if isPIN {
                state.pinRetriesLeft = remaining
                pinVerified = false
                pinJustVerified = false
            } else {
                state.pukRetriesLeft = remaining
            }
            changed()
            return .status(remaining == 0 ? SW.authenticationBlocked : SW.retries(remaining))
        }
        if isPIN {
            state.pin = Data(new)
            state.pinRetriesLeft = state.pinRetriesMax
        } else {
            state.puk = Data(new)
            state.pukRetriesLeft = state.pukRetriesMax
        }
        changed()
        return Reply()
    }

    private mutating func resetRetryCounter(_ c: Command) -> Reply {
        guard c.p1 == 0x00 else { return .status(SW.incorrectP1P2) }
        guard c.p2 == 0x80 else { return .status(SW.referenceNotFound) }
        guard c.data.count == 16, let new = Self.unpad(c.data[8...]) else { return .status(SW.wrongData) }
        guard state.pukRetriesLeft > 0 else { return .status(SW.authenticationBlocked) }
        guard Self.constantTimeEqual(Array(c.data[..<8]), Self.padded(state.puk)) else {
            state.pukRetriesLeft -= 1
            changed()
            return .status(state.pukRetriesLeft == 0 ? SW.authenticationBlocked : SW.retries(state.pukRetriesLeft))
        }
        state.pin = Data(new)
        state.pinRetriesLeft = state.pinRetriesMax
        state.pukRetriesLeft = state.pukRetriesMax
        pinVerified = false
        pinJustVerified = false
        changed()
        return Reply()
    }

    // MARK: GENERAL AUTHENTICATE

    static func cipher(_ algorithm: UInt8) -> Chip.BlockCipher? {
        switch algorithm {
        case 0x03: .tripleDES
        case 0x08: .aes128
        case 0x0A: .aes192
        case 0x0C: .aes256
        default: nil
        }
    }

    /// Slots that hold private keys: 9A, 9C, 9D, 9E, the retired 82–95 and Yubico's attestation F9.
    static func isKeySlot(_ slot: UInt8) -> Bool {
        [0x9A, 0x9C, 0x9D, 0x9E, 0xF9].contains(slot) || (0x82...0x95).contains(slot)
    }

    private mutating func generalAuthenticate(_ c: Command) -> Reply {
        guard let outer = TLV.parse(c.data), outer.count == 1, outer[0].tag == 0x7C,
              let inner = TLV.parse(outer[0].value) else { return .status(SW.wrongData) }
        if c.p2 == 0x9B { return managementAuthenticate(algorithm: c.p1, inner) }
        guard Self.isKeySlot(c.p2) else { return .status(SW.incorrectP1P2) }
        return privateKeyOperation(algorithm: c.p1, slot: c.p2, inner)
    }

    private mutating func managementAuthenticate(algorithm: UInt8, _ inner: [TLV]) -> Reply {
        guard algorithm == state.managementAlgorithm, let cipher = Self.cipher(algorithm) else {
            return .status(SW.incorrectP1P2)
        }
        let key = Array(state.managementKey)
        let witness = inner.first(tag: 0x80)
        let challenge = inner.first(tag: 0x81)
        let response = inner.first(tag: 0x82)
        // Any new step invalidates whatever was authenticated before.
        managementAuthenticated = false
        do {
            switch (witness, challenge, response) {
            case (let w?, nil, nil) where w.value.isEmpty:
                // Step 1 of mutual authentication: the card's witness, encrypted.
                let plain = Chip.random(cipher.blockSize)
                pendingWitness = plain
                pendingChallenge = nil
                return Reply(TLV.encode(0x7C, TLV.encode(0x80, try Chip.crypt(cipher, key: key, plain, encrypt: true))))
            case (let w?, let ch?, _) where !w.value.isEmpty:
                // Step 2: the host proves it decrypted the witness and challenges the card.
                defer { pendingWitness = nil }
                guard let expected = pendingWitness, Self.constantTimeEqual(w.value, expected) else {
                    return .status(SW.securityNotSatisfied)
                }
                guard ch.value.count == cipher.blockSize, response?.value.isEmpty ?? true else { return .status(SW.wrongData) }
                managementAuthenticated = true
                return Reply(TLV.encode(0x7C, TLV.encode(0x82, try Chip.crypt(cipher, key: key, ch.value, encrypt: true))))
            case (nil, let ch?, nil) where ch.value.isEmpty:
                // External authentication, step 1: a challenge for the host to encrypt.
                let plain = Chip.random(cipher.blockSize)
                pendingChallenge = plain
                pendingWitness = nil
                return Reply(TLV.encode(0x7C, TLV.encode(0x81, plain)))
            case (nil, nil, let r?) where !r.value.isEmpty:
                defer { pendingChallenge = nil }
                guard let plain = pendingChallenge,
                      Self.constantTimeEqual(r.value, try Chip.crypt(cipher, key: key, plain, encrypt: true)) else {
                    return .status(SW.securityNotSatisfied)
                }
                managementAuthenticated = true
                return Reply()
            default:
                pendingWitness = nil
                pendingChallenge = nil
                return .status(SW.wrongData)
            }
        } catch {
            return .status(SW.wrongData)
        }
    }

    private static func defaultPINPolicy(_ slot: UInt8) -> UInt8 {
        switch slot {
        case 0x9E: 1  // never
        case 0x9C: 3  // always
        default: 2  // once
        }
    }

    private mutating func privateKeyOperation(algorithm: UInt8, slot: UInt8, _ inner: [TLV]) -> Reply {
        guard let key = state.keys[Hex.string([slot])] else { return .status(SW.referenceNotFound) }
        guard key.algorithm == algorithm else { return .status(SW.wrongData) }
        guard let response = inner.first(tag: 0x82), response.value.isEmpty else { return .status(SW.wrongData) }
        let policy = key.pinPolicy.flatMap { $0 == 0 ? nil : $0 } ?? Self.defaultPINPolicy(slot)
        let justVerified = pinJustVerified
        pinJustVerified = false
        switch policy {
        case 1: break
        case 3:
            guard pinVerified && justVerified else { return .status(SW.securityNotSatisfied) }
        default:
            guard pinVerified else { return .status(SW.securityNotSatisfied) }
        }
        let pkcs8 = Array(key.pkcs8)
        do {
            if let input = inner.first(tag: 0x81) {
                switch algorithm {
                case 0x06, 0x07:
                    let size = algorithm == 0x06 ? 128 : 256
                    guard input.value.count == size else { return .status(SW.wrongData) }
                    return Reply(TLV.encode(0x7C, TLV.encode(0x82, try Chip.rsaRaw(pkcs8, input.value))))
                case 0x11, 0x14:
                    guard !input.value.isEmpty, input.value.count <= 64 else { return .status(SW.wrongData) }
                    return Reply(TLV.encode(0x7C, TLV.encode(0x82, try Chip.ecdsaSign(pkcs8, digest: input.value))))
                default:
                    return .status(SW.wrongData)
                }
            }
            if let point = inner.first(tag: 0x85), algorithm == 0x11 || algorithm == 0x14 {
                let curve: Chip.Curve = algorithm == 0x11 ? .p256 : .p384
                guard point.value.count == 1 + 2 * curve.scalarLength else { return .status(SW.wrongData) }
                return Reply(TLV.encode(0x7C, TLV.encode(0x82, try Chip.ecdh(pkcs8, peerPoint: point.value, curve: curve))))
            }
            return .status(SW.wrongData)
        } catch {
            return .status(SW.wrongData)
        }
    }

    // MARK: keys

    static func keySpec(_ algorithm: UInt8) -> Chip.KeySpec? {
        switch algorithm {
        case 0x06: .rsa(bits: 1024)
        case 0x07: .rsa(bits: 2048)
        case 0x11: .ec(curve: .p256)
        case 0x14: .ec(curve: .p384)
        default: nil
        }
    }

    static func isGeneratableSlot(_ slot: UInt8) -> Bool {
        [0x9A, 0x9C, 0x9D, 0x9E].contains(slot) || (0x82...0x95).contains(slot)
    }

    /// 7F49 content for a public key: 81 modulus, 82 exponent (RSA) or 86 point (EC).
    static func publicKeyTemplate(_ key: Chip.PublicKey) -> [UInt8] {
        switch key {
        case .rsa(let modulus, let exponent): TLV.encode(0x81, modulus) + TLV.encode(0x82, exponent)
        case .ec(let point): TLV.encode(0x86, point)
        }
    }

    private static func policies(_ tlvs: [TLV]) -> (pin: UInt8?, touch: UInt8?)? {
        var pin: UInt8?
        var touch: UInt8?
        if let p = tlvs.first(tag: 0xAA) {
            guard p.value.count == 1, p.value[0] <= 3 else { return nil }
            pin = p.value[0] == 0 ? nil : p.value[0]
        }
        if let t = tlvs.first(tag: 0xAB) {
            guard t.value.count == 1, t.value[0] <= 3 else { return nil }
            touch = t.value[0] == 0 ? nil : t.value[0]
        }
        return (pin, touch)
    }

    private mutating func generateKeyPair(_ c: Command) -> Reply {
        guard c.p1 == 0x00, Self.isGeneratableSlot(c.p2) else { return .status(SW.incorrectP1P2) }
        guard managementAuthenticated else { return .status(SW.securityNotSatisfied) }
        guard let outer = TLV.parse(c.data), outer.count == 1, outer[0].tag == 0xAC,
              let inner = TLV.parse(outer[0].value),
              let alg = inner.first(tag: 0x80), alg.value.count == 1,
              let spec = Self.keySpec(alg.value[0]),
              let policy = Self.policies(inner)
        else { return .status(SW.wrongData) }
        do {
            let pkcs8 = try Chip.generate(spec)
            let publicKey = try Chip.publicKey(of: pkcs8)
            state.keys[Hex.string([c.p2])] = PIVCardState.SlotKey(
                algorithm: alg.value[0], pkcs8: Data(pkcs8), pinPolicy: policy.pin, touchPolicy: policy.touch, origin: 1)
            changed()
            return Reply(TLV.encode(0x7F49, Self.publicKeyTemplate(publicKey)))
        } catch {
            return .status(SW.wrongData)
        }
    }

    private mutating func importKey(_ c: Command) -> Reply {
        guard Self.isKeySlot(c.p2), let spec = Self.keySpec(c.p1) else { return .status(SW.incorrectP1P2) }
        guard managementAuthenticated else { return .status(SW.securityNotSatisfied) }
        guard let tlvs = TLV.parse(c.data), let policy = Self.policies(tlvs) else { return .status(SW.wrongData) }
        do {
            let pkcs8: [UInt8]
            switch spec {
            case .rsa(let bits):
                let parts = (1...5).compactMap { tlvs.first(tag: UInt32($0))?.value }
                guard parts.count == 5, parts.allSatisfy({ !$0.isEmpty && $0.count <= bits / 16 }) else {
                    return .status(SW.wrongData)
                }
                pkcs8 = try Chip.importRSA(p: parts[0], q: parts[1], dp: parts[2], dq: parts[3], qinv: parts[4])
                guard case .rsa(let made) = try Chip.spec(of: pkcs8), made == bits else { return .status(SW.wrongData) }
            case .ec(let curve):
                guard let scalar = tlvs.first(tag: 0x06)?.value, scalar.count == curve.scalarLength else {
                    return .status(SW.wrongData)
                }
                pkcs8 = try Chip.importEC(curve: curve, scalar: scalar)
            }
            state.keys[Hex.string([c.p2])] = PIVCardState.SlotKey(
                algorithm: c.p1, pkcs8: Data(pkcs8), pinPolicy: policy.pin, touchPolicy: policy.touch, origin: 2)
            changed()
            return Reply()
        } catch {
            return .status(SW.wrongData)
        }
    }

    // MARK: Yubico management

    private mutating func setManagementKey(_ c: Command) -> Reply {
        guard c.p1 == 0xFF, c.p2 == 0xFF || c.p2 == 0xFE else { return .status(SW.incorrectP1P2) }
        guard managementAuthenticated else { return .status(SW.securityNotSatisfied) }
        guard c.data.count >= 3, c.data[1] == 0x9B, let cipher = Self.cipher(c.data[0]),
              Int(c.data[2]) == cipher.keyLength, c.data.count == 3 + cipher.keyLength
        else { return .status(SW.wrongData) }
        state.managementAlgorithm = c.data[0]
        state.managementKey = Data(c.data[3...])
        changed()
        return Reply()
    }

    private mutating func reset(_ c: Command) -> Reply {
        guard state.pinRetriesLeft == 0 && state.pukRetriesLeft == 0 else { return .status(SW.conditionsNotSatisfied) }
        state.factoryReset()
        powerCycle()
        changed()
        return Reply()
    }

    private mutating func setPINRetries(_ c: Command) -> Reply {
        guard c.p1 > 0, c.p2 > 0, c.p1 <= 15, c.p2 <= 15 else { return .status(SW.incorrectP1P2) }
        guard managementAuthenticated && pinVerified else { return .status(SW.securityNotSatisfied) }
        // As on a YubiKey, new retry counts also put PIN and PUK back to their defaults.
        state.pinRetriesMax = Int(c.p1)
        state.pinRetriesLeft = Int(c.p1)
        state.pukRetriesMax = Int(c.p2)
        state.pukRetriesLeft = Int(c.p2)
        state.pin = Data(PIVCardState.defaultPIN)
        state.puk = Data(PIVCardState.defaultPUK)
        changed()
        return Reply()
    }

    private func metadata(_ c: Command) -> Reply {
        guard c.p1 == 0x00 else { return .status(SW.incorrectP1P2) }
        switch c.p2 {
        case 0x80, 0x81:
            let isPIN = c.p2 == 0x80
            let isDefault = isPIN ? state.pin == Data(PIVCardState.defaultPIN) : state.puk == Data(PIVCardState.defaultPUK)
            let max = isPIN ? state.pinRetriesMax : state.pukRetriesMax
            let left = isPIN ? state.pinRetriesLeft : state.pukRetriesLeft
            return Reply(TLV.encode(0x01, [0xFF]) + TLV.encode(0x05, [isDefault ? 1 : 0])
                         + TLV.encode(0x06, [UInt8(max), UInt8(left)]))
        case 0x9B:
            let isDefault = state.managementAlgorithm == 0x03
                && state.managementKey == Data(PIVCardState.defaultManagementKey)
            return Reply(TLV.encode(0x01, [state.managementAlgorithm]) + TLV.encode(0x02, [0x00, 0x01])
                         + TLV.encode(0x05, [isDefault ? 1 : 0]))
        case let slot where Self.isKeySlot(slot):
            guard let key = state.keys[Hex.string([slot])],
                  let publicKey = try? Chip.publicKey(of: Array(key.pkcs8)) else { return .status(SW.notFound) }
            let pin = key.pinPolicy ?? Self.defaultPINPolicy(slot)
            return Reply(TLV.encode(0x01, [key.algorithm]) + TLV.encode(0x02, [pin, key.touchPolicy ?? 1])
                         + TLV.encode(0x03, [key.origin]) + TLV.encode(0x04, Self.publicKeyTemplate(publicKey)))
        default:
            return .status(SW.referenceNotFound)
        }
    }
}

/// Lower-case hex without separators.
enum Hex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0xF)])
        }
        return s
    }
}
