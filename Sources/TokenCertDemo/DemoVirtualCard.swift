import Foundation
import Localization
import PCSC
import TokenCertCLI
import VirtualCard

/// The demo's virtual PIV card: plugged into a vpcd reader for the duration of `body`, then pulled.
enum DemoVirtualCard {
    static func run(port: Int, reader: String, say: @Sendable (LocalizedText) -> Void, _ body: () async throws -> Void) async throws {
        let card = try VirtualPIVCard(configuration: .init(port: port, connectTimeout: .seconds(10), reconnectWhenDropped: false))
        try await card.start()
        do {
            let context = try PCSCContext()
            guard try await context.waitForCard(in: reader, timeout: .seconds(10)) else {
                throw PCSCError(.noSmartcard, function: "SCardGetStatusChange", reader: reader)
            }
            say(LocalizedText(en: "▶ Virtual PIV card inserted in \(reader)", zhTW: "▶ 虛擬 PIV 卡已插入 \(reader)"))
            try await body()
            await card.stop()
        } catch {
            await card.stop()
            throw error
        }
    }
}
