import Localization
extension ReturnValue {
    public var explanation: (summary: LocalizedText, remedy: LocalizedText?) {
        (LocalizedText(en: "x", zhTW: "x"), self == .pinLocked ? LocalizedText(en: "unblock", zhTW: "x") : nil)
    }
}
public struct PKCS11URI: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public var token: String?, manufacturer: String?, serial: String?, model: String?
    public var object: String?
    public var id: [UInt8]?
    public var type: ObjectClass?
    public init() {}
    public struct ParseError: Error {}
    public init(parsing string: String) throws(ParseError) {
        guard string.hasPrefix("pkcs11:") else { throw ParseError() }
        for part in string.dropFirst(7).split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            let v = kv[1].removingPercentEncoding ?? kv[1]
            switch kv[0] { case "token": token = v; case "object": object = v
            case "type": type = v == "private" ? .privateKey : v == "public" ? .publicKey : .certificate
            default: break }
        }
    }
    public init?(_ description: String) { try? self.init(parsing: description) }
    public var description: String { "pkcs11:token=\(token ?? "")" }
    public func matches(token t: TokenInfo) -> Bool { (token == nil || token == t.label) && (serial == nil || serial == t.serialNumber) }
    public func matches(slot: SlotInfo) -> Bool { true }
    public func matches(object: ObjectInfo) -> Bool { true }
    public static func forToken(_ info: TokenInfo) -> PKCS11URI { var u = PKCS11URI(); u.token = info.label; u.serial = info.serialNumber; return u }
    public static func forObject(_ info: ObjectInfo, on token: TokenInfo) -> PKCS11URI { var u = forToken(token); u.object = info.label; u.type = info.objectClass; return u }
}
