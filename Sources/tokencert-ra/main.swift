import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

/// `tokencert-ra`: the registration authority. Each subcommand parses flags and hands the work to
/// the RAServer library.
@main
struct TokenCertRA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokencert-ra",
        abstract: "TokenCert registration authority: CA setup, customers, and the HTTP service.",
        subcommands: [InitCA.self, Serve.self, Customer.self, Officer.self, Audit.self])
}

/// The CA key's location flags, shared by `init-ca` and `serve`. Secrets never come from argv.
struct CAKeyOptions: ParsableArguments {
    @Option(name: .customLong("ca-key-file"), help: "CA key file (PEM, mode 0600) — development only.")
    var keyFile: String?

    @Option(name: .customLong("ca-key-uri"), help: "CA key on a PKCS#11 token: pkcs11:token=…;object=…")
    var keyURI: String?

    @Option(name: .customLong("module"), help: "PKCS#11 module path for --ca-key-uri.")
    var module = CAKeyOptions.defaultModule

    static let defaultModule = "/usr/lib/softhsm/libsofthsm2.so"

    @Option(name: .customLong("ca-pin-file"), help: "File whose first line is the token user PIN (else $TOKENCERT_RA_CA_PIN).")
    var pinFile: String?

    init() {}

    init(keyFile: String?, keyURI: String?, module: String, pinFile: String?) {
        self.keyFile = keyFile
        self.keyURI = keyURI
        self.module = module
        self.pinFile = pinFile
    }

    func validate() throws {
        guard (keyFile == nil) != (keyURI == nil) else { throw ValidationError("Give exactly one of --ca-key-file and --ca-key-uri.") }
    }

    func location() throws -> CAKeyLocation {
        if let keyFile { return .file(path: keyFile) }
        let uri: PKCS11URI
        do { uri = try PKCS11URI(parsing: keyURI ?? "") } catch { throw ValidationError("--ca-key-uri: \(error)") }
        return .token(PKCS11CAKey(uri: uri, modulePath: module,
                                  pin: try secret(file: pinFile, environment: "TOKENCERT_RA_CA_PIN", what: "CA token PIN", fileOption: "--ca-pin-file")))
    }
}

/// A secret from a file's first line or an environment variable — the reader `tokencert` uses, with
/// prompting off (a server has no terminal to ask on).
func secret(file: String?, environment: String, what: String, fileOption: String) throws -> Secret {
    try SecretReader(file: file, environmentVariable: environment, prompt: LocalizedText(en: what, zhTW: what), fileOption: fileOption)
        .read(language: Language.fromEnvironment(), ask: false)
}

/// Prints a failure in the user's language (summary and remedy when the error has them) and exits 1.
func fail(_ error: any Error) -> ExitCode {
    let language = Language.fromEnvironment()
    let text = (error as? any UserFacingError)?.userMessage(language) ?? String(describing: error)
    try? FileHandle.standardError.write(contentsOf: Data("tokencert-ra: \(text)\n".utf8))
    return ExitCode(1)
}

struct InitCA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-ca", abstract: "Generate the CA key (key file or PKCS#11 token) and its self-signed certificate.")

    @OptionGroup var key: CAKeyOptions

    @Option(name: .customLong("certificate"), help: "Where to write the CA certificate (PEM).")
    var certificate: String

    @Option(help: "Key type: p256, p384, rsa2048, rsa3072, rsa4096.")
    var keyType = "p256"

    @Option(help: "O= of the CA and of issued certificates.")
    var organization = "TokenCert Securities"

    @Option(help: "CN= of the CA.")
    var commonName = "TokenCert Trading CA"

    @Option(help: "Years the CA certificate is valid.")
    var years = 10

    func run() async throws {
        guard let spec = KeySpec(keyType) else { throw ValidationError("Unknown key type \(keyType).") }
        do {
            let certificate = try await CASetup.initialize(key: try key.location(), keyKind: PKCS11CAKey.kind(spec), certificatePath: self.certificate,
                                                           organization: organization, commonName: commonName, validityYears: years)
            print("CA certificate written to \(self.certificate): \(certificate.subject), valid until \(certificate.notValidAfter)")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(help: "SQLite database file (default tokencert-ra.sqlite; created and migrated when missing).")
    var database: String?

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

    @Option(help: "URL customers reach this RA by, put into certificates as the CRL location.")
    var publicURL: String?

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

    @Option(help: "File whose first line is the bearer token the order gateway must send to POST /orders/verify (else $TOKENCERT_RA_GATEWAY_TOKEN; neither: open).")
    var orderGatewayTokenFile: String?
    @Option(help: ArgumentHelp("JSON file of the announcements and FAQ for customers' apps ({\"announcements\": […], \"faq\": […]}; default: TokenCert's texts).", valueName: "path"))
    var notices: String?

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
        configuration.host = host ?? file.host ?? "127.0.0.1"
        configuration.port = port ?? file.port ?? 8080
        configuration.publicURL = publicURL ?? file.publicURL
        configuration.tlsCertificatePath = tlsCertificate ?? file.tlsCertificate
        configuration.tlsKeyPath = tlsKey ?? file.tlsKey
        configuration.sendmailPath = sendmail ?? file.sendmail
        configuration.mailFrom = mailFrom ?? file.mailFrom ?? configuration.mailFrom
        configuration.policy = file.policy?.applied(to: .standard) ?? .standard
        if let smsWebhook = smsWebhook ?? file.smsWebhook {
            guard let url = URL(string: smsWebhook), url.scheme == "https" || url.scheme == "http" else {
                throw ValidationError("--sms-webhook must be an http(s) URL.")
            }
            configuration.smsWebhookURL = url
            let tokenFile = smsWebhookTokenFile ?? file.smsWebhookTokenFile
            if tokenFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_SMS_TOKEN"] != nil {
                configuration.smsWebhookToken = try secret(file: tokenFile, environment: "TOKENCERT_RA_SMS_TOKEN", what: "SMS gateway token", fileOption: "--sms-webhook-token-file").revealedString()
            }
        }
        let gatewayFile = orderGatewayTokenFile ?? file.orderGatewayTokenFile
        if gatewayFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_GATEWAY_TOKEN"] != nil {
            configuration.orderGatewayToken = try secret(file: gatewayFile, environment: "TOKENCERT_RA_GATEWAY_TOKEN", what: "order gateway token", fileOption: "--order-gateway-token-file").revealedString()
        }
        if let noticesFile = notices ?? file.notices { configuration.notices = try Notices.load(path: noticesFile) }
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

struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add or import customers.", subcommands: [Add.self, Import.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add one customer. The e-trading password comes from --password-file or $TOKENCERT_RA_CUSTOMER_PASSWORD.")

        @Option(help: "SQLite database file.")
        var database = "tokencert-ra.sqlite"
        @Option(help: "National ID or unified business number.")
        var id: String
        @Option(help: "Name (person) or company name.")
        var name: String
        @Option(help: "Birth date or company registration date, ROC (44/2/1) or Gregorian (1955-02-01).")
        var birthDate: String
        @Option(help: "Mobile number (09xxxxxxxx).")
        var mobile: String?
        @Option(help: "E-mail address.")
        var email: String?
        @Option(name: .customLong("account"), help: "Securities account (1020-1234567); repeat for several.")
        var accounts: [String] = []
        @Option(help: "File whose first line is the initial e-trading password.")
        var passwordFile: String?
        @Flag(help: "Replace the customer when the ID exists.")
        var replace = false

        func run() async throws {
            let password = try secret(file: passwordFile, environment: "TOKENCERT_RA_CUSTOMER_PASSWORD", what: "e-trading password", fileOption: "--password-file").revealedString()
            let input = CustomerInput(id: id, name: name, birthDate: birthDate, mobile: mobile, email: email, accounts: accounts, password: password)
            do {
                let repository = try SQLiteRepository(path: database)
                try await CustomerImport.store([(1, input)], into: repository, passwordIterations: Policy.standard.passwordIterations, replace: replace)
                print("Added \(input.id.prefix(7))***.")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import customers from CSV or JSON — all or none.")

        @Option(help: "SQLite database file.")
        var database = "tokencert-ra.sqlite"
        @Argument(help: "A .csv (header: id,name,birth_date,mobile,email,accounts,password; accounts separated by ;) or .json file.")
        var file: String
        @Flag(help: "Replace customers whose ID exists.")
        var replace = false

        func run() async throws {
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("Cannot read \(file).") }
                let inputs: [(line: Int, input: CustomerInput)]
                if file.lowercased().hasSuffix(".json") {
                    inputs = try CustomerImport.parseJSON(data).enumerated().map { ($0.offset + 1, $0.element) }
                } else {
                    inputs = try CustomerImport.parseCSV(String(decoding: data, as: UTF8.self))
                }
                let repository = try SQLiteRepository(path: database)
                let count = try await CustomerImport.store(inputs, into: repository, passwordIterations: Policy.standard.passwordIterations,
                                                           replace: replace)
                print("Imported \(count) customer(s).")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }
}

struct Officer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Branch officers.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an officer with the certificate (PEM) of the key on their token; they log in by signing a challenge with it.")

        @Option(help: "SQLite database file.")
        var database = "tokencert-ra.sqlite"
        @Option(help: "The officer's name as the audit log shows it.")
        var name: String
        @Option(help: "The officer's certificate (PEM).")
        var certificate: String

        func run() async throws {
            do {
                let der = try OfficerRegistration.certificateDER(pemFile: certificate)
                try await SQLiteRepository(path: database).addOfficer(name: name, certificate: der, at: Date())
                print("Officer \(name) registered.")
            } catch {
                throw fail(error)
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit log as JSON lines (oldest first).")

        @Option(help: "SQLite database file.")
        var database = "tokencert-ra.sqlite"

        func run() async throws {
            do {
                for line in try await AuditExport.jsonLines(try SQLiteRepository(path: database)) { print(line) }
            } catch {
                throw fail(error)
            }
        }
    }
}
