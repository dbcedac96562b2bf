import Foundation

/// Installs the udev rules (made from the table) and our p11-kit module files under a prefix
/// (`/` for the real system: `/etc/udev/rules.d`, `/etc/pkcs11/modules`), and tells what is installed.
/// Every installed file carries a hash of its body (`ManagedFile`): an unedited older copy is updated,
/// an edited one or a file TokenCert did not write is left alone unless forced.
public struct DriversInstaller: Sendable {
    /// What an installed file is like compared with what would be installed now.
    public enum FileState: String, Codable, Sendable {
        /// Same as what would be installed.
        case current
        /// An unedited TokenCert file from an older table: `install` updates it.
        case outdated
        /// A TokenCert file edited since it was installed: `install` leaves it unless `--force`.
        case modified
        /// A file of that name TokenCert did not write: `install` leaves it unless `--force`.
        case foreign
        /// Not there.
        case missing
    }

    /// One file to install.
    public struct PlannedFile: Sendable {
        /// `udev-rules` or `p11-kit-module`.
        public var kind: String
        /// Absolute destination under the prefix.
        public var path: String
        public var content: String
    }

    /// The state of one file, as `drivers check` reports it.
    public struct FileStatus: Codable, Sendable, Equatable {
        public var kind: String
        public var path: String
        public var state: FileState
    }

    /// What `install` did.
    public struct InstallReport: Codable, Sendable {
        public var written: [String] = []
        public var unchanged: [String] = []
        /// Edited or foreign files left alone (without `--force`).
        public var keptLocal: [String] = []
        /// Old copies kept when `--force` replaced an edited or foreign file.
        public var backups: [String] = []
        /// `reloaded`, `not-running` (no udev here), `not-for-prefix` (prefix is not `/`), or `failed: …`.
        public var udev: String = "not-for-prefix"
    }

    public var table: DeviceTable
    /// The `Drivers/` folder (for `modules/*.module`).
    public var driversFolder: String
    /// Where the system's `/etc` lives: `/`, or a staging folder.
    public var prefix: String

    public init(table: DeviceTable, driversFolder: String, prefix: String = "/") {
        self.table = table
        self.driversFolder = driversFolder
        self.prefix = prefix
    }

    /// `<prefix>/etc/udev/rules.d`.
    public var rulesDirectory: String { join(prefix, "etc/udev/rules.d") }
    /// `<prefix>/etc/pkcs11/modules` (p11-kit's system config folder).
    public var modulesDirectory: String { join(prefix, "etc/pkcs11/modules") }

    /// The rules file and one module file per table module that names one.
    /// - Throws: `DriversError.tableUnreadable` when a module file named by the table is missing.
    public func planned() throws(DriversError) -> [PlannedFile] {
        var files = [PlannedFile(kind: "udev-rules", path: rulesDirectory + "/" + UdevRules.fileName, content: UdevRules.render(table))]
        for module in table.modules {
            guard let name = module.moduleFile else { continue }
            let source = driversFolder + "/modules/" + name
            guard let text = try? String(contentsOfFile: source, encoding: .utf8) else { throw .tableUnreadable(source) }
            files.append(PlannedFile(kind: "p11-kit-module", path: modulesDirectory + "/" + name,
                                     content: ManagedFile.render(header: [
                                        "Installed by `tokencert drivers install` from Drivers/modules/\(name).",
                                        "Edits are kept: a later install leaves an edited file alone unless --force.",
                                     ], body: text)))
        }
        return files
    }

    /// The state of each planned file.
    /// A rules file missing from `/etc/udev/rules.d` counts as installed when the `tokencert` Debian
    /// package's copy (same content) is in udev's package folder: then the status names that copy.
    public func check() throws(DriversError) -> [FileStatus] {
        try planned().map { file in
            let state = state(of: file)
            if state == .missing, let packaged = packagedCopy(of: file) { return FileStatus(kind: file.kind, path: packaged, state: .current) }
            return FileStatus(kind: file.kind, path: file.path, state: state)
        }
    }

    /// Where the Debian package puts the udev rules (`<prefix>/lib/udev/rules.d`, or `/usr/lib/…` on a
    /// merged-/usr system); a file of the same name in `/etc/udev/rules.d` overrides it.
    public var packagedRulesPaths: [String] {
        ["lib/udev/rules.d", "usr/lib/udev/rules.d"].map { join(prefix, $0) + "/" + UdevRules.fileName }
    }

    /// The packaged copy of a planned udev rules file when it has exactly the planned content.
    func packagedCopy(of file: PlannedFile) -> String? {
        guard file.kind == "udev-rules" else { return nil }
        return packagedRulesPaths.first { (try? String(contentsOfFile: $0, encoding: .utf8)) == file.content }
    }

    func state(of file: PlannedFile) -> FileState {
        guard let installed = try? String(contentsOfFile: file.path, encoding: .utf8) else {
            return FileManager.default.fileExists(atPath: file.path) ? .foreign : .missing
        }
        if installed == file.content { return .current }
        switch ManagedFile.isUnmodified(installed) {
        case true?: return .outdated
        case false?: return .modified
        case nil: return .foreign
        }
    }

    /// Writes what is missing or outdated (atomically, mode 0644); edited or foreign files only with
    /// `force` (the old one kept as `NAME.tokencert-old`). With prefix `/` and udev running, reloads
    /// udev's rules and replays USB "add" events so plugged-in devices get the new marks.
    /// Running it twice changes nothing the second time.
    /// - Throws: `DriversError.needsRoot` (prefix `/`, not root), `.writeFailed`; edited files left
    ///   alone are reported in the result (the command turns them into an error after printing it).
    public func install(force: Bool, runUdevadm: Bool = true) throws(DriversError) -> InstallReport {
        if prefix == "/" && getuid() != 0 { throw .needsRoot(rulesDirectory + ", " + modulesDirectory) }
        var report = InstallReport()
        for file in try planned() {
            let state = state(of: file)
            switch state {
            case .current:
                report.unchanged.append(file.path)
                continue
            case .missing where packagedCopy(of: file) != nil:
                // The Debian package's copy is current: nothing to add in /etc.
                report.unchanged.append(packagedCopy(of: file)!)
                continue
            case .modified, .foreign:
                guard force else { report.keptLocal.append(file.path); continue }
                let backup = file.path + ".tokencert-old"
                try? FileManager.default.removeItem(atPath: backup)
                do { try FileManager.default.moveItem(atPath: file.path, toPath: backup) } catch {
                    throw .writeFailed(backup, error.localizedDescription)
                }
                report.backups.append(backup)
            case .outdated, .missing:
                break
            }
            try write(file)
            report.written.append(file.path)
        }
        if prefix == "/" && runUdevadm && !report.written.isEmpty {
            report.udev = Self.reloadUdev()
        } else if prefix == "/" {
            report.udev = report.written.isEmpty ? "unchanged" : "skipped"
        }
        return report
    }

    func write(_ file: PlannedFile) throws(DriversError) {
        let dir = URL(fileURLWithPath: file.path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let temp = dir + "/.\(URL(fileURLWithPath: file.path).lastPathComponent).tokencert-\(getpid())"
            try Data(file.content.utf8).write(to: URL(fileURLWithPath: temp))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: temp)
            if rename(temp, file.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temp)
                throw DriversError.writeFailed(file.path, reason)
            }
        } catch let error as DriversError {
            throw error
        } catch {
            throw .writeFailed(file.path, error.localizedDescription)
        }
    }

    /// `udevadm control --reload` and `udevadm trigger --subsystem-match=usb --action=add`, when udevd
    /// runs (its control socket `/run/udev/control` exists) and udevadm is installed.
    static func reloadUdev() -> String {
        guard FileManager.default.fileExists(atPath: "/run/udev/control") else { return "not-running" }
        guard let udevadm = ["/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm"].first(where: FileManager.default.isExecutableFile)
        else { return "not-running" }
        for args in [["control", "--reload"], ["trigger", "--subsystem-match=usb", "--action=add"]] {
            let r = HostTool.run(udevadm, args)
            if r.status != 0 { return "failed: udevadm \(args.joined(separator: " ")): \(r.err.trimmingCharacters(in: .whitespacesAndNewlines))" }
        }
        return "reloaded"
    }

    private func join(_ prefix: String, _ rest: String) -> String {
        (prefix.hasSuffix("/") ? prefix : prefix + "/") + rest
    }
}

/// Runs a program and collects its output (for udevadm, pkcheck, openssl).
enum HostTool {
    struct Result { var status: Int32; var out: String; var err: String }

    /// The first executable of `names` in the usual bin folders (or a path as it is).
    static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        return ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/"].map { $0 + name }
            .first(where: FileManager.default.isExecutableFile)
    }

    static func run(_ path: String, _ arguments: [String]) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return Result(status: -1, out: "", err: "\(error)") }
        // Read both before waiting, so a chatty program never blocks on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }
}
