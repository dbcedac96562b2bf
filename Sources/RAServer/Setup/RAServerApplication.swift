import Foundation
import Hummingbird
import Logging
import NIOCore

/// Everything `tokencert-ra serve` needs, in one value (flags today, a config file later).
public struct ServeConfiguration: Sendable {
    /// The SQLite file (created and migrated when missing).
    public var databasePath: String
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
    /// The address customers reach the RA by (for the CRL distribution point), e.g. `http://ra.example`.
    public var publicURL: String?
    public var policy = Policy.standard
    /// The bearer token the order gateway sends to `POST /orders/verify`; nil leaves it open.
    public var orderGatewayToken: String?

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
        let repository = try SQLiteRepository(path: configuration.databasePath)
        let issuer = try await CASetup.load(certificatePath: configuration.caCertificatePath, key: configuration.caKey)
        let authority = CertificateAuthority(issuer: issuer, organization: configuration.organization,
                                             crlURL: configuration.publicURL.map { $0.hasSuffix("/") ? $0 + "crl" : $0 + "/crl" })
        let service = RAService(repository: repository, authority: authority, policy: configuration.policy,
                                delivery: try OutboxDelivery(directory: configuration.outboxDirectory), logger: logger)
        try await service.publishCRL()
        return Application(
            router: RARoutes.buildRouter(service: service, orderGatewayToken: configuration.orderGatewayToken),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tokencert-ra"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Builds and runs the application until SIGTERM or SIGINT.
    public static func serve(_ configuration: ServeConfiguration, logger: Logger = Logger(label: "tokencert-ra"),
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await build(configuration, logger: logger, onListening: onListening).runService()
    }
}
