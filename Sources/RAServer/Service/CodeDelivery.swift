import Domain
public import Foundation

/// Anything the RA sends a customer on one of their channels: a one-time code (`CodeMessage`) or a
/// renewal reminder (`ReminderMessage`). Every `CodeDelivery` carries both.
public protocol CustomerMessage: Sendable {
    /// `sms` or `email`.
    var channel: String { get }
    /// Mobile number or e-mail address.
    var destination: String { get }
    /// A short tag naming the message: the code's 4-letter identifier, or a reminder's kind and
    /// serial. In outbox file names and the SMS gateway's `identifier` field.
    var reference: String { get }
    /// The e-mail subject, in both languages.
    var subject: String { get }
    /// The text sent, in both languages.
    var body: String { get }
    /// Extra `Name: value` lines of an outbox file, after `To:` and `Channel:`.
    var outboxHeaders: [String] { get }
    /// Orders outbox files (a code's expiry, a reminder's sending time).
    var stamp: Date { get }
}

/// A one-time code on its way to the customer. The message carries the code; nothing else in the
/// RA ever does (logs and the audit log name only the identifier).
public struct CodeMessage: CustomerMessage, Hashable {
    /// `sms` or `email`.
    public var channel: String
    /// Mobile number or e-mail address.
    public var destination: String
    /// The 4-letter identifier shown on screen too.
    public var identifier: String
    /// The 6 digits — the only place the code exists in clear.
    public var code: String
    /// The masked account the code is for.
    public var account: String
    public var expiresAt: Date

    /// The text sent, in both languages.
    public var body: String {
        let until = CertificateSummaryTime.taipei(expiresAt)
        return """
            【TokenCert】憑證作業驗證碼 \(code)，識別碼 \(identifier)，帳號 \(account)，請於 \(until) 前輸入。請勿將驗證碼告知他人。
            TokenCert certificate code \(code), identifier \(identifier), account \(account); enter it before \(until) (Taipei). Never share this code.
            """
    }

    public var reference: String { identifier }
    public var subject: String { "憑證作業驗證碼 識別碼 \(identifier) / TokenCert code, identifier \(identifier)" }
    public var outboxHeaders: [String] { ["Identifier: \(identifier)"] }
    public var stamp: Date { expiresAt }
}

enum CertificateSummaryTime {
    static func taipei(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Domain.taipei
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}

/// Sends one-time codes and renewal reminders. The RA's default is `OutboxDelivery` (development);
/// an SMS gateway webhook or `sendmail` plug in here.
public protocol CodeDelivery: Sendable {
    /// Delivers the message or throws; the RA refuses a code request when delivery fails, and a
    /// reminder run tries a failed reminder again next time.
    func deliver(_ message: any CustomerMessage) async throws
}

/// Writes each message to its own file in a folder (mode 0600): `<stamp>-<channel>-<reference>-<random>.txt`
/// with `To:`, `Channel:`, the message's own headers (`Identifier:` for a code) and the body. For
/// development and tests.
public struct OutboxDelivery: CodeDelivery {
    /// The outbox folder.
    public let directory: String

    /// Creates the folder (mode 0700) when missing.
    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    public func deliver(_ message: any CustomerMessage) async throws {
        let stamp = Int(message.stamp.timeIntervalSince1970 * 1000)
        let name = "\(stamp)-\(message.channel)-\(message.reference)-\(UUID().uuidString.prefix(8)).txt"
        let headers = (["To: \(message.destination)", "Channel: \(message.channel)"] + message.outboxHeaders).joined(separator: "\n")
        let text = "\(headers)\n\n\(message.body)\n"
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// The codes in this outbox's messages for `identifier` (and sent to `destination`, when given),
    /// read back from the text the way a person reads it — for development tools, demos and tests.
    /// Identifiers are four random letters, so two customers' messages can share one: pass the
    /// destination to tell them apart.
    /// - Throws: when the folder cannot be listed or a message cannot be read.
    public func codes(for identifier: String, to destination: String? = nil) throws -> [String] {
        var codes: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.contains("-\(identifier)-") {
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)
            if let destination, !text.contains("To: \(destination)\n") { continue }
            if let match = text.firstMatch(of: /code (\d{6}), identifier/) { codes.append(String(match.1)) }
        }
        return codes
    }
}
