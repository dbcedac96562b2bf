import ArgumentParser
import CertificateKit
import Domain
import Foundation
import Lifecycle
import Localization
import Secrets
import RemovableMedia

/// `tokencert backup`.
struct BackupCommand: CustomerCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up a software certificate as a .pfx on a removable drive (token keys cannot leave the token).",
        discussion: """
        The file is named by the broker's rule, {ID}-{BROKER}(yyyy-MM-dd).pfx, written atomically to the USB drive found (or --target, a folder on one), then read back with the password to prove it opens. The password: 4–12 letters or digits, not your ID number or birth-date digits (the birth date is asked, or taken from $TOKENCERT_BIRTH_DATE, to check that); typed twice at the prompt or given in --backup-password-file / $TOKENCERT_BACKUP_PASSWORD. A fixed disk is refused unless --force (keep backups off the computer they protect). Certificates whose key is on a token or card are refused with an explanation: that key cannot be copied, which is the point of the token.

        With --format json: one JSON document as docs/schemas/backup.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert backup --software
          tokencert backup --software --target /media/alice/USB --profile compat   # for older Windows/Java

        Exit codes: 0 written and verified · 3 refused (token key, no drive, fixed disk) · 64 bad password.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: ArgumentHelp("A folder on the removable drive (default: the only removable drive mounted).", valueName: "dir"))
    var target: String?
    @Flag(name: .long, help: "Allow a fixed disk (not recommended).") var force = false
    @Option(name: .long, help: "modern (AES-256, default) or compat (3DES/SHA-1 for older importers).") var profile: String = "modern"
    @Option(name: .customLong("backup-password-file"), help: ArgumentHelp("File whose first line is the backup password (else $TOKENCERT_BACKUP_PASSWORD, else asked twice).", valueName: "path"))
    var passwordFile: String?
    /// Tests: a folder holding sys/, proc/ and run/udev/data in place of the live system.
    @Option(name: .customLong("system-root"), help: .hidden) var systemRoot: String?

    func run(_ run: CustomerRun) async throws {
        let lang = run.language
        // A token or card key cannot be copied out: say so before asking for any password.
        let choice = try await store.resolve()
        guard case .software = choice else { throw LifecycleError.tokenKeyNotExportable }
        let keyStore = try await store.open(language: lang, needsKeys: true, choice: choice)
        let pkcs12Profile: PKCS12Profile
        switch profile.lowercased() {
        case "modern": pkcs12Profile = .modern
        case "compat": pkcs12Profile = .compat
        default: throw CLIError(.badInput, en: "--profile is modern or compat.", zhTW: "--profile 須為 modern 或 compat。")
        }
        let password = try Self.newPassword(file: passwordFile, language: lang)
        // The rule refuses a password holding the birth date's digits: ask for it ($TOKENCERT_BIRTH_DATE or stdin).
        let birthText = try await run.prompt.birthDate(corporate: false)
        let birthDate: ROCDate
        do { birthDate = try ROCDate.parseBirthDate(birthText) } catch {
            throw CLIError(.badInput, en: "The birth date is not a date: write it as ROC yyy/mm/dd (e.g. 44/2/1) or yyyy-mm-dd.",
                           zhTW: "出生日期格式不正確：請以民國 yyy/mm/dd（例如 44/2/1）或西元 yyyy-mm-dd 輸入。")
        }
        let drives = systemRoot.map { RemovableDrives(root: SystemRoot(sysfs: $0 + "/sys", proc: $0 + "/proc", udevData: $0 + "/run/udev/data")) } ?? RemovableDrives()
        let result = try await run.lifecycle.backup(store: keyStore, password: password, birthDate: birthDate, target: target, force: force,
                                                    profile: pkcs12Profile, medium: RemovableDriveMedium(drives: drives))
        if global.format == .json {
            struct JSON: Codable { var file: String; var fileName: String; var drive: String; var warning: LocalizedText? }
            return try printJSON(JSON(file: result.file.path, fileName: result.fileName, drive: result.place.mountPoint,
                                      warning: result.warning))
        }
        if let w = result.warning { run.say("⚠ " + w.english, "⚠ " + w.traditionalChinese) }
        run.say("✔ Backup written and verified: \(result.file.path)", "✔ 備份已寫入並驗證：\(result.file.path)")
        run.say("  Keep the password apart from the drive; you need it to restore (tokencert restore FILE).",
                "  請將密碼與隨身碟分開保管；匯入時需要此密碼（tokencert restore 檔案）。")
    }

    /// The backup password from a file, the environment, or typed twice without echo.
    static func newPassword(file: String?, language: Language) throws -> Secret {
        let source = SecretReader(file: file, environmentVariable: "TOKENCERT_BACKUP_PASSWORD",
                                  prompt: LocalizedText(en: "Backup password (4–12 letters/digits)", zhTW: "備份密碼（4–12 位英數字）"),
                                  fileOption: "--backup-password-file")
        let first = try source.read(language: language)
        if file == nil, ProcessInfo.processInfo.environment["TOKENCERT_BACKUP_PASSWORD"]?.isEmpty ?? true {
            let again = try SecretReader(file: nil, environmentVariable: "TOKENCERT_BACKUP_PASSWORD_UNSET_",
                                         prompt: LocalizedText(en: "Type it again", zhTW: "請再輸入一次"), fileOption: "--backup-password-file")
                .read(language: language)
            guard again == first else {
                throw CLIError(.badInput, en: "The two passwords differ.", zhTW: "兩次輸入的密碼不一致。", remedyEN: "Run the command again.", remedyZH: "請重新執行。")
            }
        }
        return first
    }
}
