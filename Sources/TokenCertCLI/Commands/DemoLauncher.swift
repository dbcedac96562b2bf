import ArgumentParser
import Foundation
import Glibc
import Localization

/// `tokencert demo`: runs `tokencert-demo` (installed next to `tokencert`) with the same arguments.
/// The demo runs the RA and the virtual PIV card in its own process, so `tokencert` itself links
/// neither the server (Hummingbird's RA, GRDB) nor the card emulator.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole journey on embedded defaults (tokencert-demo: an in-process RA, a fresh SoftHSM token, software backup/restore, the virtual PIV card).",
        discussion: """
        Runs tokencert-demo from the folder tokencert is in; every option goes to it. See `tokencert-demo --help` for the options (--module, --work-dir, --piv-port, --piv-reader, --format, --lang). With --format json: one document as docs/schemas/demo.schema.json.
        """)

    @Argument(parsing: .captureForPassthrough, help: "Options for tokencert-demo.")
    var arguments: [String] = []

    /// `execv` of `<folder of /proc/self/exe>/tokencert-demo`; returns only when that fails.
    func run() throws {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let demo = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("tokencert-demo").path
        guard FileManager.default.isExecutableFile(atPath: demo) else {
            throw report(CLIError(.failure, en: "tokencert-demo is not installed next to tokencert (\(demo)).",
                                  zhTW: "tokencert 所在資料夾中沒有 tokencert-demo（\(demo)）。",
                                  remedyEN: "Build it (swift build --product tokencert-demo) or install the package that has it.",
                                  remedyZH: "請先建置（swift build --product tokencert-demo）或安裝含有它的套件。"),
                         language: Language.fromEnvironment())
        }
        let argv = [demo] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(demo, &cArguments)
        throw report(CLIError(.failure, en: "Could not start \(demo): \(String(cString: strerror(errno))).",
                              zhTW: "無法啟動 \(demo)：\(String(cString: strerror(errno)))。"), language: Language.fromEnvironment())
    }
}
