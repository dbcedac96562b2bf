/// The properties udev stored for one device in its database (`/run/udev/data/b8:17`): the `E:KEY=VALUE`
/// lines. Other line kinds (`S:` links, `I:` init time, `G:`/`Q:` tags, `V:` version) are ignored.
public struct UdevRecord: Sendable, Hashable {
    /// `ID_FS_LABEL` → `KINGSTON`, `ID_BUS` → `usb`…
    public var properties: [String: String]

    /// A record with these properties.
    public init(properties: [String: String] = [:]) {
        self.properties = properties
    }

    /// Parses a database file's text.
    public init(contents: [UInt8]) {
        var properties: [String: String] = [:]
        for line in contents.split(separator: UInt8(ascii: "\n")) {
            guard line.count > 2, line[line.startIndex] == UInt8(ascii: "E"),
                  line[line.startIndex + 1] == UInt8(ascii: ":") else { continue }
            let body = line.dropFirst(2)
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: body[..<equals], as: UTF8.self)
            properties[key] = String(decoding: body[(equals + 1)...], as: UTF8.self)
        }
        self.properties = properties
    }

    /// Reads `<udevData>/b<major>:<minor>` (`open`/`read`); nil when udev has no record (no udev in a
    /// container, or the device appeared before udev started).
    public static func read(_ device: DeviceNumber, root: SystemRoot) -> UdevRecord? {
        guard let bytes = try? DrivesRaw.readFile(root.udevData + "/b" + device.description, limit: 1 << 20)
        else { return nil }
        return UdevRecord(contents: bytes)
    }

    /// The value of an `E:` property; nil when absent.
    public subscript(key: String) -> String? { properties[key] }

    /// The file-system label: `ID_FS_LABEL_ENC` with its `\xNN` escapes decoded (keeps spaces and CJK),
    /// else `ID_FS_LABEL` (where blkid replaced unsafe characters with `_`); nil when neither is set or empty.
    public var fileSystemLabel: String? {
        if let encoded = properties["ID_FS_LABEL_ENC"], !encoded.isEmpty {
            return UdevRecord.decodeHexEscapes(encoded)
        }
        if let plain = properties["ID_FS_LABEL"], !plain.isEmpty { return plain }
        return nil
    }

    /// The properties that say "this can be unplugged", as `KEY=VALUE`: `ID_BUS=usb`, any
    /// `ID_DRIVE_FLASH_*=1` (udisks' card-reader and SD rules), `ID_DRIVE_THUMB=1`.
    public var hotPlugHints: [String] {
        var hints: [String] = []
        if properties["ID_BUS"] == "usb" { hints.append("ID_BUS=usb") }
        for key in properties.keys.sorted()
        where (key.hasPrefix("ID_DRIVE_FLASH") || key == "ID_DRIVE_THUMB") && properties[key] == "1" {
            hints.append("\(key)=1")
        }
        return hints
    }

    /// Decodes blkid's `\xNN` escapes, then reads the bytes as UTF-8.
    static func decodeHexEscapes(_ text: String) -> String {
        BackslashEscapes.decode(Array(text.utf8)) { three in
            guard three.first == UInt8(ascii: "x") else { return nil }
            return UInt8(String(decoding: three.dropFirst(), as: UTF8.self), radix: 16)
        }
    }
}
