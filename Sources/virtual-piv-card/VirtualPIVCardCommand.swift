import ArgumentParser
import Dispatch
import Foundation
import VirtualCard

@main
struct VirtualPIVCardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtual-piv-card",
        abstract: "A PIV card (NIST SP 800-73-4) in a vsmartcard vpcd reader, for tests and demos.",
        discussion: """
            Connects to vpcd inside pcscd; the card then appears in the reader "Virtual PCD <port> 00 00". \
            OpenSC (opensc-tool, pkcs15-tool, opensc-pkcs11.so) and yubico-piv-tool see a PIV card.

            A new card has PIN 123456, PUK 12345678 (3 tries each) and the 3DES management key \
            010203040506070801020304050607080102030405060708 — the defaults of a new YubiKey. \
            Change them with yubico-piv-tool (change-pin, change-puk, set-mgm-key).

            With --state the card keeps its keys, objects and counters in that JSON file (rewritten \
            atomically after every change); without it the card forgets everything on exit.

            Signals: SIGUSR1 pulls the card out of the reader, or puts it back in; SIGTERM or SIGINT \
            pull it and exit. Logs go to stderr and never contain a PIN, PUK or key.
            """)

    @Option(help: "vpcd port (the reader's CHANNELID).")
    var port: Int = 35963

    @Option(help: "vpcd host.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("state"), help: "JSON state file; created if missing.")
    var statePath: String?

    @Option(name: .customLong("pull-after-apdus"), help: "Pull the card when the N-th APDU arrives, before answering it.")
    var pullAfterAPDUs: Int?

    @Option(name: .customLong("pull-on-ins"), help: "Pull the card when a command with this INS (hex, e.g. 87) arrives.")
    var pullOnInstruction: String?

    @Option(name: .customLong("pull-on-ins-count"), help: "Which occurrence of --pull-on-ins pulls the card.")
    var pullOnInstructionCount: Int = 1

    @Option(help: "Seconds to keep trying to reach vpcd.")
    var connectTimeout: Int = 30

    @Flag(help: "Log link and power events only, not every APDU.")
    var quiet = false

    func validate() throws {
        if let n = pullAfterAPDUs, n < 1 { throw ValidationError("--pull-after-apdus must be at least 1") }
        if pullOnInstructionCount < 1 { throw ValidationError("--pull-on-ins-count must be at least 1") }
        if let ins = pullOnInstruction, UInt8(ins, radix: 16) == nil {
            throw ValidationError("--pull-on-ins takes one byte in hex, e.g. 87")
        }
        if !(1...65535).contains(port) { throw ValidationError("--port must be 1…65535") }
    }

    func run() async throws {
        let quiet = self.quiet
        let port = self.port
        let configuration = VirtualPIVCard.Configuration(
            host: host, port: port, statePath: statePath,
            pullAfterAPDUs: pullAfterAPDUs,
            pullOnInstruction: pullOnInstruction.flatMap { UInt8($0, radix: 16) },
            pullOnInstructionOccurrence: pullOnInstructionCount,
            connectTimeout: .seconds(connectTimeout),
            log: { line in
                if quiet && line.hasPrefix("APDU") { return }
                try? FileHandle.standardError.write(contentsOf: Data("virtual-piv-card[\(port)]: \(line)\n".utf8))
            })
        let card = try VirtualPIVCard(configuration: configuration)

        let queue = DispatchQueue(label: "virtual-piv-card.signals")
        var sources: [DispatchSourceSignal] = []
        for number in [SIGUSR1, SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                Task {
                    if number == SIGUSR1 {
                        if await card.isInserted {
                            await card.pull()
                        } else {
                            do { try await card.insert() } catch {
                                try? FileHandle.standardError.write(contentsOf: Data("virtual-piv-card[\(port)]: \(error)\n".utf8))
                            }
                        }
                    } else {
                        await card.stop()
                    }
                }
            }
            source.resume()
            sources.append(source)
        }
        try await card.start()
        await card.waitUntilStopped()
        sources.forEach { $0.cancel() }
    }
}
