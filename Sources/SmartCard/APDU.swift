import Foundation

/// Anything that carries command APDUs to a card and brings back responses (PC/SC, a test double, …).
public protocol APDUTransport: Sendable {
    /// Sends one command APDU (header, body, Le) and returns the response data followed by SW1 SW2.
    func transmit(_ command: [UInt8]) async throws -> [UInt8]

    /// Runs `body` with the card to the caller alone: no APDU of another program or task comes
    /// between the APDUs `body` sends through this transport. PC/SC does it with a transaction
    /// (`SCardBeginTransaction` … `SCardEndTransaction`); the default, for a transport nobody else
    /// shares, just runs `body`.
    /// - Throws: the transport's errors on beginning or ending, and whatever `body` throws.
    func withExclusiveAccess<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R
}

extension APDUTransport {
    /// No one else shares the card: `body` runs as it is.
    public func withExclusiveAccess<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await body()
    }
}

/// A command APDU (ISO/IEC 7816-4): header, optional data, optional Le. Encodes in short form when
/// it fits (data ≤ 255, Le ≤ 256), in extended form otherwise.
public struct CommandAPDU: Sendable, Hashable, CustomStringConvertible {
    public var cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8
    public var data: [UInt8]
    /// Expected response length: nil = no Le; 0…65536 where 256 (short) / 65536 (extended) mean "all".
    public var le: Int?

    public init(cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) {
        self.cla = cla; self.ins = ins; self.p1 = p1; self.p2 = p2; self.data = data; self.le = le
    }

    /// True when the extended length form is needed.
    public var needsExtendedLength: Bool { data.count > 255 || (le ?? 0) > 256 }

    /// The bytes on the wire.
    public var bytes: [UInt8] {
        var out = [cla, ins, p1, p2]
        if !needsExtendedLength {
            if !data.isEmpty { out.append(UInt8(data.count)); out += data }
            if let le { out.append(le >= 256 ? 0 : UInt8(le)) }
        } else {
            out.append(0)
            if !data.isEmpty { out += [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data }
            if let le {
                let v = le >= 65536 ? 0 : le
                out += [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            }
        }
        return out
    }

    /// Never prints the data (it may be a PIN): header, lengths only.
    public var description: String {
        String(format: "%02X %02X %02X %02X", cla, ins, p1, p2) + " Lc=\(data.count)" + (le.map { " Le=\($0)" } ?? "")
    }
}

/// A response APDU: data and status word.
public struct ResponseAPDU: Sendable, Hashable {
    public var data: [UInt8]
    public var status: StatusWord

    /// Splits raw response bytes; fewer than 2 bytes is a transport error.
    public init(bytes: [UInt8]) throws(SmartCardError) {
        guard bytes.count >= 2 else { throw SmartCardError.malformedResponse(bytes.count) }
        data = Array(bytes.dropLast(2))
        status = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
    }

    public init(data: [UInt8], status: StatusWord) {
        self.data = data
        self.status = status
    }
}

/// A status word (SW1 SW2) with the meanings TokenCert acts on.
public struct StatusWord: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(sw1: UInt8, sw2: UInt8) { rawValue = UInt16(sw1) << 8 | UInt16(sw2) }
    public var sw1: UInt8 { UInt8(rawValue >> 8) }
    public var sw2: UInt8 { UInt8(rawValue & 0xFF) }

    public static let success = StatusWord(rawValue: 0x9000)
    public static let wrongLength = StatusWord(rawValue: 0x6700)
    public static let securityStatusNotSatisfied = StatusWord(rawValue: 0x6982)
    public static let authenticationMethodBlocked = StatusWord(rawValue: 0x6983)
    public static let referenceDataNotUsable = StatusWord(rawValue: 0x6984)
    public static let conditionsOfUseNotSatisfied = StatusWord(rawValue: 0x6985)
    public static let commandNotAllowed = StatusWord(rawValue: 0x6986)
    public static let incorrectData = StatusWord(rawValue: 0x6A80)
    public static let functionNotSupported = StatusWord(rawValue: 0x6A81)
    public static let fileNotFound = StatusWord(rawValue: 0x6A82)
    public static let notEnoughMemory = StatusWord(rawValue: 0x6A84)
    public static let incorrectP1P2 = StatusWord(rawValue: 0x6A86)
    public static let referenceNotFound = StatusWord(rawValue: 0x6A88)
    public static let instructionNotSupported = StatusWord(rawValue: 0x6D00)
    public static let classNotSupported = StatusWord(rawValue: 0x6E00)
    public static let noPreciseDiagnosis = StatusWord(rawValue: 0x6F00)

    public var isSuccess: Bool { rawValue == 0x9000 }
    /// 61XX: more response bytes wait for GET RESPONSE (XX = how many, 00 = 256 or more).
    public var bytesRemaining: Int? { sw1 == 0x61 ? (sw2 == 0 ? 256 : Int(sw2)) : nil }
    /// 6CXX: wrong Le; resend with Le = XX.
    public var correctLength: Int? { sw1 == 0x6C ? (sw2 == 0 ? 256 : Int(sw2)) : nil }
    /// 63CX: verification failed, X tries left.
    public var triesLeft: Int? { sw1 == 0x63 && sw2 & 0xF0 == 0xC0 ? Int(sw2 & 0x0F) : nil }

    public var description: String { String(format: "%04X", rawValue) }
}

/// Errors of the APDU layer.
public enum SmartCardError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The card answered with fewer than two bytes.
    case malformedResponse(Int)
    /// The card answered with this status word where success was needed.
    case status(StatusWord, instruction: UInt8)
    /// A response chain grew past the limit (a misbehaving card).
    case responseTooLong

    public var description: String {
        switch self {
        case .malformedResponse(let n): "malformed response of \(n) bytes"
        case .status(let sw, let ins): String(format: "INS %02X failed with status %04X", ins, sw.rawValue)
        case .responseTooLong: "response chain too long"
        }
    }
}
