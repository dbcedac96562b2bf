/// A command APDU as the card receives it (ISO/IEC 7816-3 cases 1–4, short and extended).
struct Command: Sendable {
    var cla: UInt8
    var ins: UInt8
    var p1: UInt8
    var p2: UInt8
    var data: [UInt8]
    /// Expected response length: nil when absent, otherwise 1...256 (short) or 1...65536 (extended).
    var le: Int?
    var extended: Bool

    var p1p2: UInt16 { UInt16(p1) << 8 | UInt16(p2) }

    /// Nil when the bytes are not a well-formed APDU (the card answers 6700).
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 4 else { return nil }
        cla = bytes[0]
        ins = bytes[1]
        p1 = bytes[2]
        p2 = bytes[3]
        data = []
        le = nil
        extended = false
        let body = bytes.count - 4
        if body == 0 { return }  // case 1
        let b4 = Int(bytes[4])
        if body == 1 {  // case 2 short
            le = b4 == 0 ? 256 : b4
            return
        }
        if b4 != 0 {  // short Lc
            if body == 1 + b4 {  // case 3 short
                data = Array(bytes[5..<(5 + b4)])
                return
            }
            if body == 2 + b4 {  // case 4 short
                data = Array(bytes[5..<(5 + b4)])
                let l = Int(bytes[5 + b4])
                le = l == 0 ? 256 : l
                return
            }
            return nil
        }
        // Extended: 00 then two bytes.
        extended = true
        guard body >= 3 else { return nil }
        let n = Int(bytes[5]) << 8 | Int(bytes[6])
        if body == 3 {  // case 2 extended
            le = n == 0 ? 65536 : n
            return
        }
        guard n > 0 else { return nil }
        if body == 3 + n {  // case 3 extended
            data = Array(bytes[7..<(7 + n)])
            return
        }
        if body == 5 + n {  // case 4 extended
            data = Array(bytes[7..<(7 + n)])
            let l = Int(bytes[7 + n]) << 8 | Int(bytes[8 + n])
            le = l == 0 ? 65536 : l
            return
        }
        return nil
    }
}

/// Status words the card answers with.
enum SW {
    static let ok: UInt16 = 0x9000
    static let wrongLength: UInt16 = 0x6700
    static let lastCommandOfChainExpected: UInt16 = 0x6883
    static let securityNotSatisfied: UInt16 = 0x6982
    static let authenticationBlocked: UInt16 = 0x6983
    static let conditionsNotSatisfied: UInt16 = 0x6985
    static let wrongData: UInt16 = 0x6A80
    static let notFound: UInt16 = 0x6A82
    static let notEnoughMemory: UInt16 = 0x6A84
    static let incorrectP1P2: UInt16 = 0x6A86
    static let referenceNotFound: UInt16 = 0x6A88
    static let insNotSupported: UInt16 = 0x6D00
    static let claNotSupported: UInt16 = 0x6E00
    static func retries(_ left: Int) -> UInt16 { 0x63C0 | UInt16(min(max(left, 0), 15)) }
}

/// What a command handler produces before Le and 61XX are applied.
struct Reply: Sendable {
    var data: [UInt8]
    var sw: UInt16

    init(_ data: [UInt8] = [], _ sw: UInt16 = SW.ok) {
        self.data = data
        self.sw = sw
    }

    static func status(_ sw: UInt16) -> Reply { Reply([], sw) }
}
