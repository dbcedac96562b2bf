public import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
public import Logging
import NIOCore

/// Everything `tokencert-ra serve` needs, in one value (flags today, a config file later).
public struct ServeConfiguration: Sendable {
    /// The SQLite file (created and migrated when missing).
    /// A SQLite file, or a `postgres://USER@HOST/DB` URL (`RAStore.open`).
    public var databasePath: String
    /// The PostgreSQL password (from a file or the environment; never in the URL).
    public var databasePassword: String?
    public var caCertificatePath: String
    public var caKey: CAKeyLocation
    /// Put into issued certificates as O=.
    public var organization: String
    /// Listen address; loopback unless told otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed when listening).
    public var port = 8080
    /// Where one-time codes go (development delivery).
    public var outboxDirectory: String
    /// The address customers reach the RA by (for the CRL distribution point, the OCSP responder and
    /// the CA certificate named in issued certificates), e.g. `http://ra.example`.
    public var publicURL: String?
    /// A delegated OCSP responder's key file (P-256 PEM, 0600; made when missing); nil: the CA key signs
    /// OCSP answers.
    public var ocspKeyFile: String?
    public var policy = Policy.standard
    /// When set, e-mail codes go through this sendmail (else the outbox).
    public var sendmailPath: String?
    /// The From: of code e-mails.
    public var mailFrom = "TokenCert <no-reply@localhost>"
    /// When set, SMS codes are POSTed to this gateway (else the outbox).
    public var smsWebhookURL: URL?
    public var smsWebhookToken: String?
    /// TLS: the server's certificate chain (PEM) and key (PEM). Both or neither.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// The bearer token the order gateway sends to `POST /orders/verify`; nil: loopback clients only.
    public var orderGatewayToken: String?
    /// The bearer token the metrics scraper sends to `GET /metrics`; nil: loopback clients only.
    public var metricsToken: String?
    /// Proxies (their addresses) whose `X-Forwarded-For` names the client for the per-address login limits.
    public var trustedProxies: Set<String> = []
    /// Announcements and FAQ for customers' apps.
    public var notices = Notices.standard
    /// Header, body and idle timeouts and the connection limit.
    public var connectionLimits = ConnectionLimits.standard
    /// Seconds between two runs of the renewal reminders inside `serve`; nil: none (run
    /// `tokencert-ra reminders run` from a timer instead).
    public var remindersInterval: TimeInterval?

    public init(databasePath: String, caCertificatePath: String, caKey: CAKeyLocation, organization: String, outboxDirectory: String) {
        self.databasePath = databasePath
        self.caCertificatePath = caCertificatePath
        self.caKey = caKey
        self.organization = organization
        self.outboxDirectory = outboxDirectory
    }
}

/// Builds the RA application (Hummingbird's template: build the service, the router, the application).
public enum RAServerApplication {
    /// Opens the store, loads the CA, signs a first CRL, and returns the application ready to run.
    /// `onListening` receives the bound port.
    public static func build(_ configuration: ServeConfiguration, logger: Logger = Logger(label: "tokencert-ra"),
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
        try application(configuration, service: try await service(configuration, logger: logger), logger: logger, onListening: onListening)
    }

    /// The service over the opened store and the loaded CA, with a first CRL signed.
    static func service(_ configuration: ServeConfiguration, logger: Logger) async throws -> RAService {
        let repository = try await RAStore.open(configuration.databasePath, password: configuration.databasePassword)
        let issuer = try await CASetup.load(certificatePath: configuration.caCertificatePath, key: configuration.caKey)
        let authority = CertificateAuthority(issuer: issuer, organization: configuration.organization, publicURL: configuration.publicURL)
        let service = RAService(repository: repository, authority: authority, policy: configuration.policy,
                                delivery: try delivery(configuration), notices: configuration.notices, logger: logger,
                                ocspResponderKey: try configuration.ocspKeyFile.map { try CASetup.responderKey(file: $0) })
        try await service.publishCRL()
        return service
    }

    static func application(_ configuration: ServeConfiguration, service: RAService, logger: Logger,
                             onListening: @escaping @Sendable (Int) async -> Void) throws -> some ApplicationProtocol {
        Application(
            router: RARoutes.buildRouter(service: service, orderGatewayToken: configuration.orderGatewayToken,
                                         metricsToken: configuration.metricsToken, trustedProxies: configuration.trustedProxies),
            server: try serverBuilder(configuration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tokencert-ra"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Plain HTTP/1.1, or TLS (1.2 and up) with the configured certificate and key; every connection
    /// under `ConnectionGuard` (header, body and idle timeouts, the connection limit).
    static func serverBuilder(_ configuration: ServeConfiguration) throws -> HTTPServerBuilder {
        let http1 = guardedHTTP1(configuration.connectionLimits)
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil):
            return http1
        case (let certificate?, let key?):
            try CASetup.checkPrivate(key)
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain,
                                                               privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            tls.minimumTLSVersion = .tlsv12
            return try .tls(http1, tlsConfiguration: tls)
        default:
            throw SetupError.tlsNeedsBoth
        }
    }

    /// HTTP/1.1 with a `ConnectionGuard` on every connection, all sharing one connection count.
    public static func guardedHTTP1(_ limits: ConnectionLimits) -> HTTPServerBuilder {
        let counter = ConnectionCounter()
        return .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter)]))
    }

    /// The outbox for both channels unless sendmail or a webhook is configured.
    static func delivery(_ configuration: ServeConfiguration) throws -> any CodeDelivery {
        try delivery(outbox: configuration.outboxDirectory, sendmail: configuration.sendmailPath, mailFrom: configuration.mailFrom,
                     smsWebhook: configuration.smsWebhookURL, smsWebhookToken: configuration.smsWebhookToken)
    }

    /// How messages reach customers (`serve` and `reminders run`): e-mail through `sendmail` when
    /// given, SMS through the `smsWebhook` gateway when given; each channel without one to the
    /// `outbox` folder (made 0700 when missing).
    /// - Throws: when the outbox folder cannot be made.
    public static func delivery(outbox: String, sendmail: String?, mailFrom: String, smsWebhook: URL?, smsWebhookToken: String?) throws -> any CodeDelivery {
        if sendmail == nil && smsWebhook == nil { return try OutboxDelivery(directory: outbox) }
        let email: any CodeDelivery = try sendmail.map { SendmailDelivery(path: $0, from: mailFrom) } ?? OutboxDelivery(directory: outbox)
        let sms: any CodeDelivery = try smsWebhook.map { WebhookDelivery(url: $0, bearerToken: smsWebhookToken) } ?? OutboxDelivery(directory: outbox)
        return ChannelDelivery(sms: sms, email: email)
    }

    /// Builds and runs the application until SIGTERM or SIGINT. With `remindersInterval`, the renewal
    /// reminders run at start and then every that many seconds beside it (the same once-per-reminder
    /// store as `tokencert-ra reminders run`, so a timer may run that as well).
    public static func serve(_ configuration: ServeConfiguration, logger: Logger = Logger(label: "tokencert-ra"),
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let service = try await service(configuration, logger: logger)
        let app = try application(configuration, service: service, logger: logger, onListening: onListening)
        guard let interval = configuration.remindersInterval, interval > 0 else { return try await app.runService() }
        let reminders = RenewalReminders(repository: service.repository, policy: service.policy, clock: service.clock,
                                         delivery: service.delivery, logger: logger)
        let periodic = Task {
            while !Task.isCancelled {
                do { _ = try await reminders.run() } catch { logger.error("reminders run failed", metadata: ["error": "\(error)"]) }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
        defer { periodic.cancel() }
        try await app.runService()
    }
}
