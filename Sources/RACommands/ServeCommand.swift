import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the RA's HTTP service (loopback by default).",
        discussion: "Settings come from --config (JSON) and flags; a flag wins over the file. Secrets come from files or environment variables only.")

    @Option(help: "JSON configuration file (see ServeConfigFile): every setting below plus policy changes.")
    var config: String?

    @Option(name: .customLong("ca-key-file"), help: "CA key file (PEM, mode 0600) — development only.")
    var keyFile: String?

    @Option(name: .customLong("ca-key-uri"), help: "CA key on a PKCS#11 token: pkcs11:token=…;object=…")
    var keyURI: String?

    @Option(name: .customLong("module"), help: "PKCS#11 module path for --ca-key-uri (default: SoftHSM2).")
    var module: String?

    @Option(name: .customLong("ca-pin-file"), help: "File whose first line is the token user PIN (else $TOKENCERT_RA_CA_PIN).")
    var pinFile: String?

    @Option(help: "SQLite database file (default tokencert-ra.sqlite; created and migrated when missing), or postgres://USER@HOST[:PORT]/DB (TLS: ?sslmode=verify-full[&sslrootcert=CA.pem], the server's certificate and name verified; postgres://USER@/DB?host=/run/postgresql for a Unix socket; migrated on start).")
    var database: String?
    @Option(help: "File whose first line is the PostgreSQL password (else $TOKENCERT_RA_DATABASE_PASSWORD; never in the URL).")
    var databasePasswordFile: String?

    @Option(name: .customLong("ca-certificate"), help: "The CA certificate (PEM) from init-ca.")
    var caCertificate: String?

    @Option(help: "O= of issued certificates (default TokenCert Securities).")
    var organization: String?

    @Option(help: "Listen address (default 127.0.0.1).")
    var host: String?

    @Option(help: "Listen port (default 8080; 0 = any free port, printed on start).")
    var port: Int?

    @Option(help: "Folder receiving one file per one-time code message (default outbox).")
    var outbox: String?

    @Option(help: "URL customers reach this RA by, put into certificates: the CRL (URL/crl), the OCSP responder (URL/ocsp) and the CA certificate (URL/ca.der).")
    var publicURL: String?

    @Option(help: "Sign OCSP answers with a delegated responder key in this file (P-256 PEM, 0600; made when missing) instead of the CA key; its certificate (OCSP signing, no-check, valid 2 days) is issued by the CA at start and again each day.")
    var ocspKeyFile: String?

    @Option(help: "TLS certificate chain (PEM); with --tls-key the service speaks HTTPS.")
    var tlsCertificate: String?

    @Option(help: "TLS private key (PEM, mode 0600).")
    var tlsKey: String?

    @Option(help: "Send e-mail codes with this sendmail (e.g. /usr/sbin/sendmail) instead of the outbox.")
    var sendmail: String?

    @Option(help: "From: address of code e-mails.")
    var mailFrom: String?

    @Option(help: "POST SMS codes as JSON {to, text, identifier} to this SMS gateway URL instead of the outbox.")
    var smsWebhook: String?

    @Option(help: "File whose first line is the SMS gateway's bearer token (else $TOKENCERT_RA_SMS_TOKEN).")
    var smsWebhookTokenFile: String?

    @Option(help: "File whose first line is the bearer token the order gateway must send to POST /orders/verify (else $TOKENCERT_RA_GATEWAY_TOKEN; neither: clients on this machine only).")
    var orderGatewayTokenFile: String?
    @Option(help: "File whose first line is the bearer token a metrics scraper must send to GET /metrics (else $TOKENCERT_RA_METRICS_TOKEN; neither: clients on this machine only).")
    var metricsTokenFile: String?
    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp("Address of a proxy in front of the RA (repeatable) whose X-Forwarded-For names the client for the per-address login limits, e.g. 127.0.0.1 for a local HAProxy.", valueName: "address"))
    var trustedProxies: [String] = []
    @Option(help: ArgumentHelp("JSON file of the announcements and FAQ for customers' apps ({\"announcements\": […], \"faq\": […]}; default: TokenCert's texts).", valueName: "path"))
    var notices: String?

    @Option(help: "Seconds a new connection has to send a complete request head (default 10); slower clients are disconnected.")
    var requestHeadTimeout: Double?

    @Option(help: "Seconds a request body has to arrive after its head (default 30).")
    var requestBodyTimeout: Double?

    @Option(help: "Seconds a kept-alive connection may stay idle (default 60).")
    var idleTimeout: Double?

    @Option(help: "Most connections at once (default 512); a request beyond it gets 503 with Retry-After.")
    var maxConnections: Int?

    @Option(help: ArgumentHelp("Also run the renewal reminders (as tokencert-ra reminders run does) at start and then every this many seconds, e.g. 86400; default: not in serve — run the command from a timer.", valueName: "seconds"))
    var remindersInterval: Double?

    @Option(help: "Log format: text or json (one JSON object per line).")
    var logFormat = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        // A client or a sendmail that goes away mid-write must give EPIPE, not kill the service.
        signal(SIGPIPE, SIG_IGN)
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("Unknown log level \(logLevel).") }
        switch logFormat {
        case "json": LoggingSystem.bootstrap { label in var h = JSONLogHandler(label: label); h.logLevel = level; return h }
        case "text": LoggingSystem.bootstrap { label in var h = StreamLogHandler.standardError(label: label); h.logLevel = level; return h }
        default: throw ValidationError("--log-format is text or json.")
        }
        let file: ServeConfigFile
        do { file = try config.map(ServeConfigFile.load) ?? ServeConfigFile() } catch { throw fail(error) }
        let keyFile = self.keyFile ?? (self.keyURI == nil ? file.caKeyFile : nil)
        let keyURI = self.keyURI ?? (self.keyFile == nil ? file.caKeyURI : nil)
        guard (keyFile == nil) != (keyURI == nil) else { throw ValidationError("Give exactly one of --ca-key-file and --ca-key-uri (or caKeyFile/caKeyURI in --config).") }
        guard let caCertificate = caCertificate ?? file.caCertificate else { throw ValidationError("--ca-certificate is needed.") }
        let key = CAKeyOptions(keyFile: keyFile, keyURI: keyURI, module: module ?? file.module ?? CAKeyOptions.defaultModule,
                               pinFile: pinFile ?? file.caPINFile)
        var configuration = ServeConfiguration(databasePath: database ?? file.database ?? "tokencert-ra.sqlite", caCertificatePath: caCertificate,
                                               caKey: try key.location(), organization: organization ?? file.organization ?? "TokenCert Securities",
                                               outboxDirectory: outbox ?? file.outbox ?? "outbox")
        configuration.databasePassword = try databasePassword(configuration.databasePath, passwordFile: databasePasswordFile)
        configuration.host = host ?? file.host ?? "127.0.0.1"
        configuration.port = port ?? file.port ?? 8080
        configuration.publicURL = publicURL ?? file.publicURL
        configuration.ocspKeyFile = ocspKeyFile ?? file.ocspKeyFile
        configuration.tlsCertificatePath = tlsCertificate ?? file.tlsCertificate
        configuration.tlsKeyPath = tlsKey ?? file.tlsKey
        configuration.sendmailPath = sendmail ?? file.sendmail
        configuration.mailFrom = mailFrom ?? file.mailFrom ?? configuration.mailFrom
        configuration.policy = file.policy?.applied(to: .standard) ?? .standard
        (configuration.smsWebhookURL, configuration.smsWebhookToken) = try smsGateway(smsWebhook ?? file.smsWebhook,
                                                                                       tokenFile: smsWebhookTokenFile ?? file.smsWebhookTokenFile)
        let gatewayFile = orderGatewayTokenFile ?? file.orderGatewayTokenFile
        if gatewayFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_GATEWAY_TOKEN"] != nil {
            configuration.orderGatewayToken = try secret(file: gatewayFile, environment: "TOKENCERT_RA_GATEWAY_TOKEN", what: "order gateway token", fileOption: "--order-gateway-token-file").revealedString()
        }
        configuration.trustedProxies = Set(trustedProxies)
        let metricsFile = metricsTokenFile ?? file.metricsTokenFile
        if metricsFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_METRICS_TOKEN"] != nil {
            configuration.metricsToken = try secret(file: metricsFile, environment: "TOKENCERT_RA_METRICS_TOKEN", what: "metrics token", fileOption: "--metrics-token-file").revealedString()
        }
        if let noticesFile = notices ?? file.notices { configuration.notices = try Notices.load(path: noticesFile) }
        if let seconds = requestHeadTimeout { configuration.connectionLimits.requestHeadTimeout = .milliseconds(Int(seconds * 1000)) }
        if let seconds = requestBodyTimeout { configuration.connectionLimits.requestBodyTimeout = .milliseconds(Int(seconds * 1000)) }
        if let seconds = idleTimeout { configuration.connectionLimits.idleTimeout = .milliseconds(Int(seconds * 1000)) }
        if let maxConnections { configuration.connectionLimits.maxConnections = maxConnections }
        configuration.remindersInterval = remindersInterval ?? file.remindersInterval
        let host = configuration.host, tls = configuration.tlsCertificatePath != nil
        do {
            try await RAServerApplication.serve(configuration) { port in
                // Unbuffered, so a supervisor (or a test) reading the pipe sees it at once.
                try? FileHandle.standardOutput.write(contentsOf: Data("tokencert-ra listening on \(host):\(port)\(tls ? " (TLS)" : "")\n".utf8))
            }
        } catch {
            throw fail(error)
        }
    }
}

/// The SMS gateway's URL (checked: http or https) and its bearer token from `tokenFile`, else
/// `$TOKENCERT_RA_SMS_TOKEN` (neither: no token); both nil without a URL.
func smsGateway(_ text: String?, tokenFile: String?) throws -> (URL?, String?) {
    guard let text else { return (nil, nil) }
    guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http" else {
        throw ValidationError("--sms-webhook must be an http(s) URL.")
    }
    guard tokenFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_SMS_TOKEN"] != nil else { return (url, nil) }
    return (url, try secret(file: tokenFile, environment: "TOKENCERT_RA_SMS_TOKEN", what: "SMS gateway token",
                            fileOption: "--sms-webhook-token-file").revealedString())
}
