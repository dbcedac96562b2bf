import ArgumentParser
import Foundation

/// `tokencert drivers install`: the udev rules and p11-kit module files, in place.
struct DriversInstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the udev rules and p11-kit module files (root, or --prefix for a staging folder).",
        discussion: """
        Writes <prefix>/etc/udev/rules.d/70-tokencert.rules and <prefix>/etc/pkcs11/modules/*.module. With the default prefix / it needs root, and when udev runs it reloads the rules and replays USB events so devices already plugged in get access at once. Running it again changes nothing. A file edited locally (or not written by TokenCert) is never overwritten silently: it is kept and reported (exit 1) unless --force, which keeps the old one as NAME.tokencert-old.

        With --format json: one JSON document as docs/schemas/drivers-install.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          sudo tokencert drivers install
          tokencert drivers install --prefix /tmp/stage --format json
          sudo tokencert drivers install --force
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The devices table (default: the Drivers folder found next to tokencert).", valueName: "path"))
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Install under this folder instead of / (no root needed, udev not reloaded).", valueName: "dir"))
    var prefix: String = "/"

    @Flag(name: .long, help: "Replace files that were edited locally, keeping the old copy.")
    var force = false

    func run() async throws {
        let lang = global.language
        let en = lang == .english
        do {
            let location = try DriversLocation.folder(table: table)
            let installer = DriversInstaller(table: try DeviceTable.loadValidated(path: location.table),
                                             driversFolder: location.folder, prefix: prefix)
            let result = try installer.install(force: force)
            if global.format == .json {
                try printJSON(result)
            } else {
                for p in result.written { print((en ? "installed  " : "已安裝  ") + p) }
                for p in result.unchanged { print((en ? "unchanged  " : "未變更  ") + p) }
                for p in result.backups { print((en ? "old copy   " : "舊檔保留  ") + p) }
                if prefix == "/" { print("udev: " + result.udev) }
            }
            if !result.keptLocal.isEmpty { throw DriversError.locallyModified(result.keptLocal) }
        } catch {
            throw report(error, language: lang)
        }
    }
}
