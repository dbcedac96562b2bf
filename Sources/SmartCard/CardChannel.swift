/// Sends commands over a transport with the ISO 7816-4 mechanics a caller should not see:
/// command chaining (CLA bit 0x10) for data longer than one short APDU, `61XX` → GET RESPONSE until the
/// whole answer is in, and `6CXX` → resend with the Le the card asked for.
public struct CardChannel: Sendable {
    public let transport: any APDUTransport
    /// Largest data field per short APDU when chaining.
    public var chunkSize = 255
    /// Send one extended-length APDU instead of chaining (for cards that support it).
    public var useExtendedLength = false

    public init(transport: any APDUTransport) { self.transport = transport }

    /// Sends `command` and returns the complete response (all `61XX` parts joined).
    /// The status word is returned, not thrown: the caller decides what a non-9000 means.
    public func send(_ command: CommandAPDU) async throws -> ResponseAPDU {
        var response: ResponseAPDU
        if command.data.count > chunkSize && !useExtendedLength {
            var offset = 0
            repeat {
                let end = min(offset + chunkSize, command.data.count)
                let last = end == command.data.count
                let part = CommandAPDU(cla: last ? command.cla : command.cla | 0x10, ins: command.ins, p1: command.p1,
                                       p2: command.p2, data: Array(command.data[offset..<end]), le: last ? command.le : nil)
                response = try ResponseAPDU(bytes: try await transport.transmit(part.bytes))
                if !last && !response.status.isSuccess { return response }
                offset = end
            } while offset < command.data.count
        } else {
            response = try ResponseAPDU(bytes: try await transport.transmit(command.bytes))
        }
        if let n = response.status.correctLength {
            var retry = command
            retry.le = n
            response = try ResponseAPDU(bytes: try await transport.transmit(retry.bytes))
        }
        var data = response.data
        var guardCount = 0
        while let remaining = response.status.bytesRemaining {
            guardCount += 1
            if guardCount > 256 { throw SmartCardError.responseTooLong }
            let getResponse = CommandAPDU(cla: command.cla & 0x0F, ins: 0xC0, p1: 0, p2: 0, le: remaining)
            response = try ResponseAPDU(bytes: try await transport.transmit(getResponse.bytes))
            data += response.data
        }
        return ResponseAPDU(data: data, status: response.status)
    }

    /// Sends and requires `9000`; returns the data.
    /// - Throws: `SmartCardError.status` with the status word otherwise.
    @discardableResult
    public func sendExpectingSuccess(_ command: CommandAPDU) async throws -> [UInt8] {
        let r = try await send(command)
        guard r.status.isSuccess else { throw SmartCardError.status(r.status, instruction: command.ins) }
        return r.data
    }
}
