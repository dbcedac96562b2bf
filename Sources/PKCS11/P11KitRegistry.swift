public import Foundation

/// The p11-kit module registry: the `*.module` files that tell every p11-kit-aware program which
/// PKCS#11 modules are installed (Debian registers softhsm2 and opensc-pkcs11 in
/// `/usr/share/p11-kit/modules`). TokenCert reads the files itself instead of letting p11-kit load the
/// modules, so each module is still loaded once per process (see `PKCS11Module`).
public enum P11KitRegistry {
    /// One registered module.
    public struct Entry: Sendable, Hashable, Codable {
        /// The registry name: the config file's name without `.module`.
        public var name: String
        /// The `module:` path, resolved against p11-kit's module directory when relative.
        public var modulePath: String
        /// The config file that registered it (the last one read wins, as in p11-kit).
        public var configFile: String
        /// `disable-in:` / `enable-in:` program lists.
        public var disabledIn: [String]
        public var enabledIn: [String]
        public var priority: Int?
        /// Whether the module file exists.
        public var installed: Bool
    }

    /// Where p11-kit (Debian's build) keeps modules given by bare file name.
    public static let moduleDirectory = "/usr/lib/x86_64-linux-gnu/pkcs11"
    /// p11-kit's proxy module, which presents every registered module's slots as one module.
    public static let proxyModulePath = "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

    /// Config directories in the order p11-kit reads them. p11-kit ignores the user's directory for root.
    public static func configDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs = ["/usr/share/p11-kit/modules", "/etc/pkcs11/modules"]
        if getuid() != 0 {
            let config = environment["XDG_CONFIG_HOME"] ?? (environment["HOME"].map { $0 + "/.config" } ?? "")
            if !config.isEmpty { dirs.append(config + "/pkcs11/modules") }
        }
        return dirs
    }

    /// Every registered module, sorted by name.
    public static func modules(directories: [String] = configDirectories()) -> [Entry] {
        var byName: [String: Entry] = [:]
        for dir in directories {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for file in files.sorted() where file.hasSuffix(".module") {
                let path = dir + "/" + file
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                let fields = parseConfig(text)
                guard let module = fields["module"], !module.isEmpty else { continue }
                let resolved = resolveModulePath(module)
                byName[String(file.dropLast(".module".count))] = Entry(
                    name: String(file.dropLast(".module".count)), modulePath: resolved, configFile: path,
                    disabledIn: list(fields["disable-in"]), enabledIn: list(fields["enable-in"]),
                    priority: fields["priority"].flatMap { Int($0) },
                    installed: FileManager.default.fileExists(atPath: resolved))
            }
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// A bare file name resolves into `moduleDirectory` (as p11-kit does); paths stay as they are.
    public static func resolveModulePath(_ module: String) -> String {
        module.contains("/") ? module : moduleDirectory + "/" + module
    }

    /// `key: value` lines; `#` starts a comment.
    static func parseConfig(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[key] = value
        }
        return fields
    }

    private static func list(_ value: String?) -> [String] {
        (value ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }
}
