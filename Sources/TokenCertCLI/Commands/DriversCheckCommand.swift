import ArgumentParser
import Foundation
import Localization

/// `tokencert drivers check`: whether the installed rules and module files are current.
struct DriversCheckCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Tell whether the udev rules and p11-kit module files are installed and current.",
        discussion: """
        Each file is current, outdated (an older TokenCert copy: `install` updates it), modified (edited locally), foreign (a file of that name TokenCert did not write) or missing. Exit 0 when every file is current, 4 otherwise (a token or reader may not be usable).

        With --format json: one JSON document as docs/schemas/drivers-check.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert drivers check
          tokencert drivers check --prefix /tmp/stage --format json
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The devices table (default: the Drivers folder found next to tokencert).", valueName: "path"))
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Where the files are installed (default /).", valueName: "dir"))
    var prefix: String = "/"

    struct Report: Codable {
        var ok: Bool
        var files: [DriversInstaller.FileStatus]
    }

    func work() async throws {
        let lang = global.language
        let location = try DriversLocation.folder(table: table)
        let installer = DriversInstaller(table: try DeviceTable.loadValidated(path: location.table),
                                         driversFolder: location.folder, prefix: prefix)
        let files = try installer.check()
        let ok = files.allSatisfy { $0.state == .current }
        if global.format == .json {
            try printJSON(Report(ok: ok, files: files))
        } else {
            var table = TextTable(header: lang == .english ? ["state", "file"] : ["狀態", "檔案"])
            for f in files { table.rows.append([Self.stateText(f.state).text(lang), f.path]) }
            print(table.render())
            if !ok {
                print(lang == .english ? "To install or update: sudo tokencert drivers install"
                      : "安裝或更新：sudo tokencert drivers install")
            }
        }
        if !ok { throw ExitStatus.tokenMissing.exitCode }
    }

    static func stateText(_ s: DriversInstaller.FileState) -> LocalizedText {
        switch s {
        case .current: LocalizedText(en: "current", zhTW: "最新")
        case .outdated: LocalizedText(en: "outdated", zhTW: "過舊")
        case .modified: LocalizedText(en: "modified", zhTW: "已在本機修改")
        case .foreign: LocalizedText(en: "foreign", zhTW: "非 TokenCert 檔案")
        case .missing: LocalizedText(en: "missing", zhTW: "未安裝")
        }
    }
}
