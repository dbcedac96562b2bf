public import CertificateKit
public import Foundation
import Lifecycle
import Secrets
public import Localization

/// What `installIntoNSS` / `removeFromNSS` did.
public enum NSSInstallResult: Sendable, Hashable {
    /// Done; the certificate's nickname in the database.
    case done(nickname: String, database: String)
    /// The NSS tools (`pk12util`, `certutil`; Debian package `libnss3-tools`) are not installed:
    /// nothing was changed. The text says how to install them.
    case toolsMissing(LocalizedText)
}

extension SoftwareKeyStore {
    /// `sql:$HOME/.pki/nssdb`, the shared NSS database of Chrome/Chromium and other NSS programs on Linux.
    public static func defaultNSSDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "sql:" + home + "/.pki/nssdb"
    }

    static let toolsMissingText = LocalizedText(
        en: "The NSS tools are not installed; install them with: sudo apt-get install libnss3-tools",
        zhTW: "尚未安裝 NSS 工具，請執行：sudo apt-get install libnss3-tools")

    /// Installs the key and its certificate into an NSS database (browsers and other NSS programs
    /// then offer it for client authentication) with `pk12util -i <file> -d <database> -w <password file>`.
    /// The key's PKCS#12 container goes as it is stored (encrypted); the store passphrase goes in a
    /// 0600 file in a private 0700 temporary folder, removed afterwards — never in argv or a log.
    /// A missing database folder is created (`certutil -N --empty-password`). The nickname is the
    /// key's label.
    /// - Parameters:
    ///   - key: the key to install; the current key when nil.
    ///   - database: `sql:DIR` (default `sql:$HOME/.pki/nssdb`).
    ///   - toolDirectories: where to look for the tools (default: `PATH`, then /usr/bin, /bin, /usr/local/bin).
    /// - Returns: `.toolsMissing` when `pk12util`/`certutil` are not installed (nothing changed).
    /// - Throws: `SoftwareKeyStoreError` `.noCertificate`, `.keyNotInStore`, `.nssToolFailed` (with
    ///   the tool's message); `KeyStoreUnavailable.pinNeeded` (no or wrong passphrase).
    public func installIntoNSS(_ key: (any TokenSigner)? = nil, database: String? = nil,
                               toolDirectories: [String]? = nil) async throws -> NSSInstallResult {
        let database = database ?? Self.defaultNSSDatabase()
        guard let pk12util = Self.tool("pk12util", in: toolDirectories),
              let certutil = Self.tool("certutil", in: toolDirectories) else {
            return .toolsMissing(Self.toolsMissingText)
        }
        let chosen: any TokenSigner
        if let key {
            chosen = key
        } else if let current = try await currentKey() {
            chosen = current.signer
        } else {
            throw SoftwareKeyStoreError(.keyNotInStore, detail: directory.path)
        }
        let entry = try Self.decode(try file(of: chosen))
        guard entry.certificate != nil else { throw SoftwareKeyStoreError(.noCertificate) }
        let password = try await unlock()

        return try Self.withPrivateFolder { folder in
            try Self.ensureDatabase(database, certutil: certutil)
            let p12 = folder.appendingPathComponent("key.p12")
            let pw = folder.appendingPathComponent("password")
            try Self.writePrivate(Array(entry.pkcs12), to: p12)
            try Self.writePrivate(password.revealedBytes(), to: pw)
            let r = try Self.run(pk12util, ["-i", p12.path, "-d", database, "-w", pw.path])
            guard r.status == 0 else { throw SoftwareKeyStoreError(.nssToolFailed, detail: "pk12util: " + r.message) }
            return .done(nickname: entry.label, database: database)
        }
    }

    /// Removes a certificate and its private key from an NSS database:
    /// `certutil -F -n <nickname> -d <database>` (`-F` deletes the key with its certificate), then
    /// `certutil -D -n <nickname>` for a certificate left without key.
    /// - Returns: `.toolsMissing` when `certutil` is not installed.
    /// - Throws: `SoftwareKeyStoreError(.nssToolFailed)` when nothing by that nickname could be removed.
    public func removeFromNSS(nickname: String, database: String? = nil, toolDirectories: [String]? = nil) throws -> NSSInstallResult {
        let database = database ?? Self.defaultNSSDatabase()
        guard let certutil = Self.tool("certutil", in: toolDirectories) else { return .toolsMissing(Self.toolsMissingText) }
        let key = try Self.run(certutil, ["-F", "-n", nickname, "-d", database])
        let cert = try Self.run(certutil, ["-D", "-n", nickname, "-d", database])
        guard key.status == 0 || cert.status == 0 else {
            throw SoftwareKeyStoreError(.nssToolFailed, detail: "certutil: " + key.message)
        }
        return .done(nickname: nickname, database: database)
    }

    // MARK: Helpers

    /// The tool's path: in `directories` when given, else in `PATH` and /usr/bin, /bin, /usr/local/bin.
    static func tool(_ name: String, in directories: [String]? = nil) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = directories ?? (path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"])
        return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Creates the database when its folder has none (`certutil -N --empty-password`).
    static func ensureDatabase(_ database: String, certutil: String) throws {
        let dir = database.hasPrefix("sql:") ? String(database.dropFirst(4)) : database
        if FileManager.default.fileExists(atPath: dir + "/cert9.db") { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let r = try run(certutil, ["-N", "-d", database, "--empty-password"])
        guard r.status == 0 else { throw SoftwareKeyStoreError(.nssToolFailed, detail: "certutil -N: " + r.message) }
    }

    static func withPrivateFolder<R>(_ body: (URL) throws -> R) throws -> R {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokencert-nss-\(newID())", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }

    /// Creates the file 0600 (`O_CREAT | O_EXCL`) and writes `bytes`.
    static func writePrivate(_ bytes: [UInt8], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
            offset += n
        }
    }

    struct ToolOutput {
        var status: Int32
        var message: String
    }

    /// Runs a tool with standard input from /dev/null (it never waits on a prompt) and output into
    /// private files (a chatty tool never blocks on a pipe).
    static func run(_ tool: String, _ arguments: [String]) throws -> ToolOutput {
        try withPrivateFolder { folder in
            let out = folder.appendingPathComponent("out")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil, attributes: [.posixPermissions: 0o600])
            let handle = try FileHandle(forWritingTo: out)
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            process.waitUntilExit()
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            return ToolOutput(status: process.terminationStatus,
                              message: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
