public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends e-mail codes and reminders through the local mail system: `sendmail -t -i` with the message on standard
/// input (Debian's exim4, postfix or msmtp all provide it).
public struct SendmailDelivery: CodeDelivery {
    /// The sendmail program.
    public let path: String
    /// The From: header.
    public let from: String

    /// Mail through `path` as `from`.
    public init(path: String = "/usr/sbin/sendmail", from: String) {
        self.path = path
        self.from = from
    }

    public func deliver(_ message: any CustomerMessage) async throws {
        let mail = """
            From: \(from)
            To: \(message.destination)
            Subject: =?UTF-8?B?\(Data(message.subject.utf8).base64EncodedString())?=
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 8bit

            \(message.body)

            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t", "-i"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            // The throwing write: a sendmail that exits before reading everything gives EPIPE here
            // (SIGPIPE is ignored, see tokencert-ra's main), and its exit status tells the failure.
            try? input.fileHandleForWriting.write(contentsOf: Data(mail.utf8))
            try? input.fileHandleForWriting.close()
        }
        guard status == 0 else { throw DeliveryError.sendmailFailed(status) }
    }
}

/// Sends SMS codes and reminders through an HTTP gateway: `POST <url>` with JSON `{"to", "text",
/// "identifier"}` (`identifier`: the message's `reference` — a code's 4 letters, a reminder's
/// `window-open-<serial>`) and, when configured, `Authorization: Bearer <token>`. Any 2xx is delivered.
public struct WebhookDelivery: CodeDelivery {
    /// The gateway's endpoint.
    public let url: URL
    /// Sent as `Authorization: Bearer …` when set.
    public let bearerToken: String?
    /// Seconds before a silent gateway counts as a failure.
    public let timeout: TimeInterval

    /// POSTs to `url`.
    public init(url: URL, bearerToken: String? = nil, timeout: TimeInterval = 10) {
        self.url = url
        self.bearerToken = bearerToken
        self.timeout = timeout
    }

    struct Payload: Encodable {
        var to: String
        var text: String
        var identifier: String
    }

    public func deliver(_ message: any CustomerMessage) async throws {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        if let bearerToken { request.setValue("Bearer \(bearerToken)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONEncoder().encode(Payload(to: message.destination, text: message.body, identifier: message.reference))
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw DeliveryError.webhookStatus(status) }
    }
}

/// SMS one way, e-mail another.
public struct ChannelDelivery: CodeDelivery {
    /// For `sms` messages.
    public let sms: any CodeDelivery
    /// For `email` messages.
    public let email: any CodeDelivery

    /// Routes by the message's channel.
    public init(sms: any CodeDelivery, email: any CodeDelivery) {
        self.sms = sms
        self.email = email
    }

    public func deliver(_ message: any CustomerMessage) async throws {
        try await (message.channel == "sms" ? sms : email).deliver(message)
    }
}

/// Why a code could not be handed over (the customer sees `RAError.deliveryFailed`).
public enum DeliveryError: Error, Hashable, Sendable {
    case sendmailFailed(Int32)
    case webhookStatus(Int)
}
