import ArgumentParser
import CertificateKit
import Foundation
import Hummingbird
import KeyStores
import Lifecycle
import Localization
import Secrets
import Logging
import RemovableMedia
import Synchronization

/// `tokencert ui`: the manual's window as a local web app.
struct UICommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the customer's window (the broker app's screens) in the browser, served on 127.0.0.1.",
        discussion: """
        Serves the screens of the manual — log in; the status screen with the client-side and host-side certificate tables; apply (agreement, birth date, one-time code with its identifier, countdown and resend, download progress); import and export of backups; revoke with the yearly count; the environment check; announcements and FAQ from the broker; the sign-and-verify test; log out — in zh-TW (English with the switch at the top), usable by keyboard, with nothing loaded from the network.

        It listens on 127.0.0.1 on a free port and opens the default browser at a URL that carries a per-launch secret (printed when there is no browser). Requests without that secret are refused, so no other web page or program can drive the window. PINs and passwords are typed in the page and sent in request bodies, never in URLs or logs. The RA and the key store are chosen exactly as for the other commands (--ra, --token/--module, --reader, --software). Ctrl-C ends it.

        The page talks to its server in JSON; every answer has a schema in docs/schemas/ (ui-login, ui-status, ui-drives, ui-job, ui-error, ui-empty, doctor, ra-notices), with two-language text as {"en", "zh-TW"}.

        Examples:
          tokencert ui --token 'pkcs11:token=My%20Token'
          tokencert ui --software --no-browser
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: ArgumentHelp("Port on 127.0.0.1 (default: a free one).", valueName: "n")) var port: Int = 0
    @Flag(name: .customLong("no-browser"), help: "Only print the URL; do not open a browser.") var noBrowser = false
    /// Tests: a folder holding sys/, proc/ and run/udev/data in place of the live system.
    @Option(name: .customLong("system-root"), help: .hidden) var systemRoot: String?
    /// Tests: where the environment check looks for TokenCert's udev rules and module files (default /).
    @Option(name: .customLong("drivers-prefix"), help: .hidden) var driversPrefix: String = "/"

    func work() async throws {
        let lang = global.language
        let ra = try raOptions.client(language: lang)
        let board = UIJobBoard()
        let prompt = WebPrompt(board: board)
        // Secrets from a file or variable first; otherwise asked in the page while an operation runs
        // (status never asks: a needed PIN is a state there).
        let pin = Self.provider(store.pinSource, board: board, prompt: prompt)
        let password = Self.provider(store.storePasswordSource, board: board, prompt: prompt)
        // Nothing named: the TPM when its token holds the key or, ready and empty, is the offer the
        // page makes before the software store (the page says it cannot be backed up).
        var tpmAvailability: TPMKeyStore.Availability?
        if case .tpm(let a) = try await store.resolve(offer: { _ in true }) { tpmAvailability = a }
        let keyStore: any KeyStore = if let tpmAvailability { try TPMKeyStore.open(tpmAvailability, pin: pin) }
            else { try store.open(pin: pin, storePassword: password) }
        let drives = systemRoot.map { RemovableDrives(root: SystemRoot(sysfs: $0 + "/sys", proc: $0 + "/proc", udevData: $0 + "/run/udev/data")) }
            ?? RemovableDrives()
        // The environment check (menu 5) looks at what `tokencert doctor` looks at, with this window's drives and store.
        var doctor = Doctor.Options(prefix: driversPrefix, drivers: try? DriversLocation.folder(table: nil), drivesRoot: drives.root)
        doctor.softwareStore = store.storeDirectory.map { URL(fileURLWithPath: $0) }
        let server = UIServer(ra: ra, store: keyStore, storeKind: tpmAvailability != nil ? "tpm" : store.isSoftware ? "software" : "token", board: board,
                              configuration: try ClientSettings.configuration(keyType: nil), drives: drives, doctor: doctor)
        let bound = Atomic<Int>(0)
        var logger = Logger(label: "tokencert-ui")
        logger.logLevel = .critical   // nothing about requests is logged
        let app = Application(router: server.router(port: { bound.load(ordering: .relaxed) }),
                              configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "tokencert-ui"),
                              onServerRunning: { channel in
                                  let p = channel.localAddress?.port ?? 0
                                  bound.store(p, ordering: .relaxed)
                                  let url = "http://127.0.0.1:\(p)/?k=\(server.secret)"
                                  let opened = !noBrowser && Self.openBrowser(url)
                                  let line = lang == .english
                                      ? (opened ? "TokenCert is open in your browser. If not: \(url)" : "Open TokenCert at: \(url)")
                                      : (opened ? "已於瀏覽器開啟 TokenCert；若未開啟請前往：\(url)" : "請以瀏覽器開啟：\(url)")
                                  try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
                              },
                              logger: logger)
        try await app.runService()
    }

    static func provider(_ source: SecretReader, board: UIJobBoard, prompt: WebPrompt) -> SecretProvider {
        SecretProvider { request in
            if let given = try source.given() { return given }
            guard await board.isRunning else { return nil }
            return try await prompt.secret(for: request)
        }
    }

    /// Opens the default browser when a desktop session is there: `xdg-open` on a 0600 HTML file
    /// (in `$XDG_RUNTIME_DIR`, else the temporary folder) that redirects to the URL, so the secret is
    /// never in a process's arguments. False when there is no desktop or the opener fails.
    static func openBrowser(_ url: String) -> Bool {
        let env = ProcessInfo.processInfo.environment
        guard env["DISPLAY"] != nil || env["WAYLAND_DISPLAY"] != nil,
              let opener = ["/usr/bin", "/bin", "/usr/local/bin"].map({ $0 + "/xdg-open" }).first(where: FileManager.default.isExecutableFile(atPath:))
        else { return false }
        let folder = env["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        let file = (folder as NSString).appendingPathComponent("tokencert-ui-\(getpid()).html")
        let html = "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=\"0;url=\(url)\"><a href=\"\(url)\">TokenCert</a>"
        guard FileManager.default.createFile(atPath: file, contents: Data(html.utf8), attributes: [.posixPermissions: 0o600]) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: opener)
        p.arguments = [file]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return (try? p.run()) != nil
    }
}
