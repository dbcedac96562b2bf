import ArgumentParser
import CertificateKit
import Foundation
import KeyStores
import Localization
import PKCS11
import RemovableMedia

/// `tokencert doctor`: what is missing for a token or card to work here, and what to do about it.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this computer for everything a token or card needs, and say how to fix what is missing.",
        discussion: """
        Checks, in order: pcscd answers; polkit lets this user use it; readers and cards (identified by the devices table); known USB tokens or readers that are plugged in but not visible, with the likely cause; PKCS#11 modules load; each token's PIN state; what TokenCert can do with each token (key kinds it can generate non-extractable, signatures; a token it cannot put a key on warns with the reason); this computer's TPM 2.0 for customers without a token (skipped without one; warns with the set-up commands when tpm2-pkcs11 or its token is missing); TokenCert's udev rules and module files are installed and current; OpenSSL and its legacy provider; removable drives for backups; with --ra, that the RA answers and that this computer's clock agrees with it; certificates on the tokens (expired, or in the 30-day renewal window); backups of software certificates (a .pfx named by the rule on a mounted removable drive, --store-dir names the store). Each check passes, warns or fails, with what to do in the chosen language.

        Exit code: 0 when nothing failed (warnings allowed); otherwise that of the first failed check: 4 pcscd, reader, token or module missing · 5 a PIN is locked · 6 the RA does not answer · 1 anything else (a certificate expired, the clock off by more than 5 minutes…).

        With --format json: one JSON document as docs/schemas/doctor.schema.json (each check: id for scripts, title in words, status, summary, a remedy for every warning and failure); two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert doctor
          tokencert doctor --format json --lang en
          tokencert doctor --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
          tokencert doctor --ra https://ra.example.com.tw
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("PKCS#11 module to check: a path, or a p11-kit registry name (default: every registered module). Repeatable.", valueName: "path"))
    var module: [String] = []

    @Option(name: .long, help: ArgumentHelp("The devices table (default: the Drivers folder found next to tokencert).", valueName: "path"))
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Where TokenCert's udev rules and module files are installed (default /).", valueName: "dir"))
    var prefix: String = "/"

    @Option(name: .long, help: ArgumentHelp("The registration authority to check (reachability, clock).", valueName: "url"))
    var ra: String?

    @Option(name: .long, help: .hidden)
    var sysfs: String = "/sys"

    @Option(name: .long, help: .hidden)
    var polkitActions: String = "/usr/share/polkit-1/actions"

    @Option(name: .customLong("store-dir"), help: ArgumentHelp("The software certificate store whose backups are checked (default $XDG_DATA_HOME/tokencert/store).", valueName: "dir"))
    var storeDirectory: String?

    /// Tests: a folder holding sys/, proc/ and run/udev/data for the drive checks.
    @Option(name: .customLong("system-root"), help: .hidden) var systemRoot: String?

    /// Tests: where TPM device nodes are looked for, and tpm2-pkcs11's module.
    @Option(name: .customLong("dev-root"), help: .hidden) var devRoot: String = "/dev"
    @Option(name: .customLong("tpm-module"), help: .hidden) var tpmModule: String = TPMKeyStore.modulePath

    func run() async throws {
        let lang = global.language
        let drivers = try? DriversLocation.folder(table: table)
        let modules = module.map { m -> Doctor.ModuleChoice in
            if let entry = P11KitRegistry.modules().first(where: { $0.name == m }) { return .init(name: entry.name, path: entry.modulePath) }
            return .init(name: nil, path: P11KitRegistry.resolveModulePath(m))
        }
        var options = Doctor.Options(modules: modules, prefix: prefix, drivers: drivers,
                                     usbRoot: SystemRoot(sysfs: sysfs), polkitActions: polkitActions)
        options.softwareStore = storeDirectory.map { URL(fileURLWithPath: $0) }
        options.devRoot = devRoot
        options.tpmModule = tpmModule
        if let systemRoot { options.drivesRoot = SystemRoot(sysfs: systemRoot + "/sys", proc: systemRoot + "/proc", udevData: systemRoot + "/run/udev/data") }
        if let ra {
            guard let url = URL(string: ra), url.scheme == "http" || url.scheme == "https" else {
                throw report(CLIError(.badInput, en: "--ra must be an http(s) URL: \(ra)", zhTW: "--ra 必須是 http(s) 網址：\(ra)"), language: lang)
            }
            options.raURL = url
        }
        let doctor = Doctor(options: options)
        let result = await doctor.run()
        if global.format == .json {
            try printJSON(result)
        } else {
            print(render(result, lang))
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    func render(_ report: DoctorReport, _ lang: Language) -> String {
        let en = lang == .english
        var lines: [String] = []
        for check in report.checks {
            let tag: String = switch check.status {
            case .pass: en ? "[ OK ]" : "[正常]"
            case .warn: en ? "[WARN]" : "[注意]"
            case .fail: en ? "[FAIL]" : "[失敗]"
            case .skip: en ? "[SKIP]" : "[略過]"
            }
            lines.append("\(tag) \(check.title.text(lang))\(en ? ": " : "：")\(check.summary.text(lang))")
            if let remedy = check.remedy, check.status == .warn || check.status == .fail {
                lines.append("       " + (en ? "What to do: " : "處理方式：") + remedy.text(lang))
            }
            for d in check.details { lines.append("       · " + d) }
        }
        let summary: String = switch report.worst {
        case .pass, .skip: en ? "Everything checked is fine." : "所有檢查項目皆正常。"
        case .warn: en ? "Usable, with warnings above." : "可以使用，但請留意上列提醒。"
        case .fail: en ? "Something is broken: see [FAIL] above." : "有問題需要處理：請看上列 [失敗] 項目。"
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}
