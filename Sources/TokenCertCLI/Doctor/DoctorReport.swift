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

/// One check: its status, one sentence, what to do, and the facts found.
public struct DoctorCheck: Codable, Sendable {
    /// Stable name: `pcscd`, `polkit`, `readers`, `usb-devices`, `modules`, `pin-state`,
    /// `token-capabilities`, `tpm`, `udev-rules`, `openssl`, `backup-drives`, `ra`, ….
    public var id: String
    public var status: DoctorStatus
    public var summary: LocalizedText
    public var remedy: LocalizedText?
    /// Facts behind the result, one per line (reader names, ATRs, module paths…).
    public var details: [String]
    /// For a failed check, the exit code it stands for (README "Exit codes").
    public var exitCode: Int32?

    public init(id: String, status: DoctorStatus, summary: LocalizedText, remedy: LocalizedText? = nil,
                details: [String] = [], exitStatus: ExitStatus? = nil) {
        self.id = id
        self.status = status
        self.summary = summary
        self.remedy = remedy
        self.details = details
        self.exitCode = status == .fail ? (exitStatus ?? .failure).rawValue : nil
    }
}

/// What `tokencert doctor --format json` prints.
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
