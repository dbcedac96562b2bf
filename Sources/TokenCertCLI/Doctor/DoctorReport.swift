public import Localization

/// The result of one `tokencert doctor` check.
public enum DoctorStatus: String, Codable, Sendable, CaseIterable {
    /// Fine.
    case pass
    /// Works, but something needs attention (a PIN with tries used up, no card inserted…).
    case warn
    /// Broken: the exit code is this check's `exitStatus`.
    case fail
    /// Not run: what it needs failed first, or it is not implemented yet.
    case skip
}

/// Which check: the stable id a script reads (`usb-devices`) and the title a person reads
/// (「USB 裝置」, "USB devices"). Every check has both; the page and the terminal show the title.
public enum DoctorCheckID: String, Codable, Sendable, CaseIterable {
    case pcscd
    case polkit
    case readers
    case usbDevices = "usb-devices"
    case modules
    case pinState = "pin-state"
    case tokenCapabilities = "token-capabilities"
    case tpm
    case udevRules = "udev-rules"
    case openssl
    case backupDrives = "backup-drives"
    case ra
    case clock
    case certificates
    case backup

    /// What the check looks at, in words.
    public var title: LocalizedText {
        switch self {
        case .pcscd: LocalizedText(en: "Smart-card service (pcscd)", zhTW: "智慧卡服務（pcscd）")
        case .polkit: LocalizedText(en: "Permission to use cards (polkit)", zhTW: "智慧卡使用權限（polkit）")
        case .readers: LocalizedText(en: "Readers and cards", zhTW: "讀卡機與卡片")
        case .usbDevices: LocalizedText(en: "USB devices", zhTW: "USB 裝置")
        case .modules: LocalizedText(en: "Token drivers (PKCS#11 modules)", zhTW: "載具驅動程式（PKCS#11 模組）")
        case .pinState: LocalizedText(en: "PIN state", zhTW: "PIN 碼狀態")
        case .tokenCapabilities: LocalizedText(en: "What TokenCert can do with each token", zhTW: "載具可用功能")
        case .tpm: LocalizedText(en: "This computer's TPM 2.0", zhTW: "本機 TPM 2.0 安全晶片")
        case .udevRules: LocalizedText(en: "Device rules (udev) and module files", zhTW: "裝置規則（udev）與模組設定檔")
        case .openssl: LocalizedText(en: "OpenSSL", zhTW: "OpenSSL 加密元件")
        case .backupDrives: LocalizedText(en: "Drives for backups", zhTW: "備份用隨身碟")
        case .ra: LocalizedText(en: "Connection to the certificate service", zhTW: "憑證服務連線")
        case .clock: LocalizedText(en: "This computer's clock", zhTW: "本機時鐘")
        case .certificates: LocalizedText(en: "Certificates on the tokens", zhTW: "載具中的憑證")
        case .backup: LocalizedText(en: "Backups of software certificates", zhTW: "軟體憑證備份")
        }
    }
}

/// One check: its status, what it looks at, one sentence, what to do, and the facts found.
public struct DoctorCheck: Codable, Sendable {
    /// Stable name for scripts: `pcscd`, `polkit`, `readers`, `usb-devices`, `modules`, `pin-state`,
    /// `token-capabilities`, `tpm`, `udev-rules`, `openssl`, `backup-drives`, `ra`, `clock`,
    /// `certificates`, `backup`.
    public var id: DoctorCheckID
    /// What the check looks at, in words (`id.title`): what the page and the terminal show.
    public var title: LocalizedText
    public var status: DoctorStatus
    /// What was found.
    public var summary: LocalizedText
    /// What to do: every warning and failure has one.
    public var remedy: LocalizedText?
    /// Facts behind the result, one per line (reader names, ATRs, module paths…).
    public var details: [String]
    /// For a failed check, the exit code it stands for (README "Exit codes").
    public var exitCode: Int32?

    public init(id: DoctorCheckID, status: DoctorStatus, summary: LocalizedText, remedy: LocalizedText? = nil,
                details: [String] = [], exitStatus: ExitStatus? = nil) {
        self.id = id
        self.title = id.title
        self.status = status
        self.summary = summary
        self.remedy = remedy
        self.details = details
        self.exitCode = status == .fail ? (exitStatus ?? .failure).rawValue : nil
    }
}

/// What `tokencert doctor --format json` prints and the window's environment check shows
/// (docs/schemas/doctor.schema.json).
public struct DoctorReport: Codable, Sendable {
    public var checks: [DoctorCheck]
    /// `fail` if any check failed, else `warn` if any warned, else `pass`.
    public var worst: DoctorStatus
    /// 0 when no check failed (warnings allowed); otherwise the exit code of the first failed check,
    /// in the order the checks run: 4 (pcscd, reader, token or module missing), 5 (PIN locked), 1 (other).
    public var exitCode: Int32

    public init(checks: [DoctorCheck]) {
        self.checks = checks
        let statuses = Set(checks.map(\.status))
        worst = statuses.contains(.fail) ? .fail : statuses.contains(.warn) ? .warn : .pass
        exitCode = checks.first { $0.status == .fail }?.exitCode ?? 0
    }
}
