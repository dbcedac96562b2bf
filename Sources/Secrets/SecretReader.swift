#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Localization

/// Where a secret comes from, in the one order both executables use: a file named by an option
/// (its first line), else an environment variable, else a no-echo prompt on the terminal. Never argv.
///
/// `tokencert` reads PINs, passwords and passphrases this way (`--pin-file` / `TOKENCERT_PIN`, …);
/// `tokencert-ra` reads its CA PIN and gateway tokens the same way with prompting off.
public struct SecretReader: Sendable {
    /// The file named by an option such as `--pin-file`; nil when the option was not given.
    public var file: String?
    /// The environment variable consulted when no file is given, e.g. `TOKENCERT_PIN`.
    public var environmentVariable: String
    /// What the prompt says (and what the errors call the secret).
    public var prompt: LocalizedText
    /// The option that names the file, for the message when there is nothing to read.
    public var fileOption: String

    public init(file: String?, environmentVariable: String, prompt: LocalizedText, fileOption: String = "--pin-file") {
        self.file = file
        self.environmentVariable = environmentVariable
        self.prompt = prompt
        self.fileOption = fileOption
    }

    /// The secret: the file's first line, else the environment variable, else (when `ask`) a no-echo
    /// prompt on `/dev/tty`.
    /// - Throws: `SecretReaderError.unreadableFile` when the file cannot be read;
    ///   `.noTerminal` when nothing was given and there is no terminal (or `ask` is false).
    public func read(language: Language, ask: Bool = true) throws -> Secret {
        if let given = try given() { return given }
        guard ask, let typed = Self.promptNoEcho(prompt.text(language)) else {
            throw SecretReaderError.noTerminal(what: prompt, fileOption: fileOption, environmentVariable: environmentVariable)
        }
        return typed
    }

    /// The secret given ahead — the file's first line, else the environment variable — or nil when
    /// neither is there; never prompts.
    /// - Throws: `SecretReaderError.unreadableFile` when the file cannot be opened or read.
    public func given() throws -> Secret? {
        if let file {
            guard var bytes = Self.readFile(file) else { throw SecretReaderError.unreadableFile(file) }
            defer { explicit_bzero(&bytes, bytes.count) }
            return Secret(bytes: bytes.prefix { $0 != 0x0A && $0 != 0x0D })
        }
        if let value = getenv(environmentVariable), value.pointee != 0 {
            return Secret(copying: value, count: strlen(value))
        }
        return nil
    }

    /// The file's bytes (open/read/close); nil when it cannot be read.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            // A secret file holds one short line; stop early after the first newline.
            if chunk[0..<n].contains(0x0A) { break }
        }
        explicit_bzero(&chunk, chunk.count)
        return bytes
    }

    /// Prompts on `/dev/tty` with echo off (termios); nil without a terminal.
    public static func promptNoEcho(_ prompt: String) -> Secret? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            _ = "\n".withCString { write(fd, $0, 1) }
        }
        // Read into a fixed buffer that is wiped afterwards (a PIN or password is short).
        var buffer = [UInt8](repeating: 0, count: 1024)
        defer { explicit_bzero(&buffer, buffer.count) }
        var length = 0
        var c: UInt8 = 0
        while Glibc.read(fd, &c, 1) == 1, c != 0x0A, c != 0x0D {
            if length < buffer.count { buffer[length] = c; length += 1 }
        }
        c = 0
        return Secret(bytes: buffer[0..<length])
    }
}

/// Why a secret could not be read.
public enum SecretReaderError: Error, Sendable, UserFacingError {
    /// The named file cannot be opened or read.
    case unreadableFile(String)
    /// Nothing in a file or the environment, and no terminal to ask on.
    case noTerminal(what: LocalizedText, fileOption: String, environmentVariable: String)

    public var category: ErrorCategory {
        switch self {
        case .unreadableFile: .badInput
        case .noTerminal: .pin
        }
    }

    public var summary: LocalizedText {
        switch self {
        case .unreadableFile(let path):
            LocalizedText(en: "Cannot read the secret file \(path).", zhTW: "無法讀取密碼檔 \(path)。")
        case .noTerminal(let what, _, _):
            LocalizedText(en: "A secret (\(what.english)) is needed but there is no terminal to ask on.",
                          zhTW: "需要輸入密碼（\(what.traditionalChinese)），但沒有終端機可供輸入。")
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .unreadableFile:
            LocalizedText(en: "Check the path and that this user may read the file.", zhTW: "請確認路徑，以及此使用者可讀取該檔案。")
        case .noTerminal(_, let option, let variable):
            LocalizedText(en: "Give it in a file (\(option)) or the \(variable) environment variable.",
                          zhTW: "請以檔案（\(option)）或環境變數 \(variable) 提供。")
        }
    }
}
