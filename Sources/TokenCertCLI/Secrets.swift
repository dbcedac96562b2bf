import Foundation
import Localization
import PKCS11

/// Where a secret (PIN, password) comes from. Never argv: a file, an environment variable, or a
/// no-echo prompt on the terminal.
struct SecretSource {
    /// `--pin-file` and the like.
    var file: String?
    /// The environment variable consulted when no file is given, e.g. `TOKENCERT_PIN`.
    var environmentVariable: String
    /// What the prompt says.
    var prompt: LocalizedText
    /// The option that names the file, for the message when there is no terminal.
    var fileOption = "--pin-file"

    /// Reads the secret: the file's first line, else the environment variable, else a no-echo prompt
    /// on /dev/tty. Throws a `CLIError` (`.pinProblem`) when there is no terminal to ask.
    func read(language: Language) throws -> PIN { PIN(try readText(language: language)) }

    /// The secret as text (passwords, which go on as strings); the same sources as `read`.
    func readText(language: Language) throws -> String {
        if let given = try givenText() { return given }
        guard let secret = Self.promptNoEcho(prompt.text(language)) else {
            throw CLIError(.pinProblem,
                           en: "A secret is needed but there is no terminal to ask on.",
                           zhTW: "需要輸入密碼，但沒有終端機可供輸入。",
                           remedyEN: "Give it in a file (\(fileOption)) or the \(environmentVariable) environment variable.",
                           remedyZH: "請以檔案（\(fileOption)）或環境變數 \(environmentVariable) 提供。")
        }
        return secret
    }

    /// The secret given ahead — the file's first line, else the environment variable — or nil when
    /// neither is there; never prompts.
    /// - Throws: `CLIError` (`.badInput`) when the file cannot be read.
    func givenText() throws -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError(.badInput, en: "Cannot read the secret file \(file).", zhTW: "無法讀取密碼檔 \(file)。")
            }
            let text = String(decoding: data, as: UTF8.self)
            return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        if let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty {
            return value
        }
        return nil
    }

    /// Prompts on /dev/tty with echo off (termios); nil without a terminal.
    static func promptNoEcho(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { Glibc.write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            _ = "\n".withCString { Glibc.write(fd, $0, 1) }
        }
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while Glibc.read(fd, &c, 1) == 1, c != 0x0A, c != 0x0D { bytes.append(c) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
