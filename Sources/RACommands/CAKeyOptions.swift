import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

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
    let error = DeviceFailure.translated(error)
    let text = (error as? any UserFacingError)?.userMessage(language) ?? String(describing: error)
    try? FileHandle.standardError.write(contentsOf: Data("tokencert-ra: \(text)\n".utf8))
    return ExitCode(1)
}

/// `--database` and `--database-password-file`, for every command that reads or writes the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("SQLite database file, or postgres://USER@HOST/DB (TLS: ?sslmode=verify-full[&sslrootcert=CA.pem]; a Unix socket: postgres://USER@/DB?host=/run/postgresql).", valueName: "file|url"))
    var database = "tokencert-ra.sqlite"

    @Option(help: "File whose first line is the PostgreSQL password (else $TOKENCERT_RA_DATABASE_PASSWORD; never in the URL).")
    var databasePasswordFile: String?

    /// Opens (and migrates) the store.
    func open() async throws -> any RARepository { try await openStore(database, passwordFile: databasePasswordFile) }
}

/// The store a `--database` value names: a SQLite file, or a `postgres://USER@HOST/DB` URL whose
/// password comes from `passwordFile`, else `$TOKENCERT_RA_DATABASE_PASSWORD` (none: trust or peer
/// authentication).
func openStore(_ database: String, passwordFile: String? = nil) async throws -> any RARepository {
    try await RAStore.open(database, password: try databasePassword(database, passwordFile: passwordFile))
}

/// The PostgreSQL password for `database`, when it is a PostgreSQL URL and one is given.
func databasePassword(_ database: String, passwordFile: String?) throws -> String? {
    guard RAStore.isPostgres(database),
          passwordFile != nil || ProcessInfo.processInfo.environment["TOKENCERT_RA_DATABASE_PASSWORD"] != nil else { return nil }
    return try secret(file: passwordFile, environment: "TOKENCERT_RA_DATABASE_PASSWORD", what: "database password",
                      fileOption: "--database-password-file").revealedString()
}
