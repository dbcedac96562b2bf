internal import CPCSC
import Foundation

// Threading rules of this module, written once (pcsc-lite's own rules):
// - A context (SCARDCONTEXT) is used by one thread at a time; SCardCancel is the exception and may be
//   called from any thread to end a blocking SCardGetStatusChange on that context.
// - A card handle belongs to the context that made it; TokenCert gives each card to one actor.
// - Status-change streams get a context of their own, on a thread of their own.

@inline(__always)
func pcscCheck(_ rv: LONG, _ function: String, reader: String? = nil) throws(PCSCError) {
    if rv != SCARD_S_SUCCESS {
        throw PCSCError(PCSCError.Code(rawValue: UInt32(truncatingIfNeeded: rv)), function: function, reader: reader)
    }
}

/// An established PC/SC context (`SCardEstablishContext`, `SCARD_SCOPE_SYSTEM`), released on deinit.
final class RawContext: @unchecked Sendable {
    let handle: SCARDCONTEXT

    init() throws(PCSCError) {
        var h: SCARDCONTEXT = 0
        try pcscCheck(SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &h), "SCardEstablishContext")
        handle = h
    }

    deinit { SCardReleaseContext(handle) }

    /// `SCardIsValidContext`.
    var isValid: Bool { SCardIsValidContext(handle) == SCARD_S_SUCCESS }

    /// `SCardCancel`: ends a blocking `SCardGetStatusChange` on this context (any thread).
    func cancel() { _ = SCardCancel(handle) }

    /// `SCardListReaders` (size query, then the multi-string). No readers → empty, not an error.
    func listReaders() throws(PCSCError) -> [String] {
        while true {
            var size: DWORD = 0
            var rv = SCardListReaders(handle, nil, nil, &size)
            if UInt32(truncatingIfNeeded: rv) == PCSCError.Code.noReadersAvailable.rawValue { return [] }
            try pcscCheck(rv, "SCardListReaders")
            var buffer = [CChar](repeating: 0, count: Int(size))
            rv = SCardListReaders(handle, nil, &buffer, &size)
            if UInt32(truncatingIfNeeded: rv) == PCSCError.Code.noReadersAvailable.rawValue { return [] }
            if UInt32(truncatingIfNeeded: rv) == PCSCError.Code.insufficientBuffer.rawValue { continue }  // grew in between
            try pcscCheck(rv, "SCardListReaders")
            return splitMultiString(buffer)
        }
    }

    /// One `SCardGetStatusChange` over `states` (reader name + last known state); returns the new
    /// states. `timeout` in milliseconds (`INFINITE` = 0xFFFFFFFF).
    func getStatusChange(_ states: [(reader: String, current: UInt32)], timeout: UInt32)
        throws(PCSCError) -> [(reader: String, event: UInt32, atr: [UInt8])] {
        let names = states.map { strdup($0.reader) }
        defer { names.forEach { free($0) } }
        var raw = states.enumerated().map { i, s -> SCARD_READERSTATE in
            var r = SCARD_READERSTATE()
            r.szReader = UnsafePointer(names[i])
            r.dwCurrentState = DWORD(s.current)
            return r
        }
        let rv = raw.withUnsafeMutableBufferPointer {
            SCardGetStatusChange(handle, DWORD(timeout), $0.baseAddress, DWORD($0.count))
        }
        try pcscCheck(rv, "SCardGetStatusChange")
        return raw.enumerated().map { i, r in
            let atr = withUnsafeBytes(of: r.rgbAtr) { Array($0.prefix(Int(r.cbAtr))) }
            return (states[i].reader, UInt32(truncatingIfNeeded: r.dwEventState), atr)
        }
    }
}

func splitMultiString(_ buffer: [CChar]) -> [String] {
    var result: [String] = []
    var current: [UInt8] = []
    for c in buffer {
        if c == 0 {
            if current.isEmpty { break }
            result.append(String(decoding: current, as: UTF8.self))
            current = []
        } else {
            current.append(UInt8(bitPattern: c))
        }
    }
    return result
}

/// A connected card handle (`SCardConnect`) and the protocol negotiated.
final class RawCard: @unchecked Sendable {
    let context: RawContext
    let handle: SCARDHANDLE
    private(set) var activeProtocol: DWORD
    let reader: String
    var disconnected = false

    init(context: RawContext, reader: String, shareMode: DWORD, protocols: DWORD) throws(PCSCError) {
        var h: SCARDHANDLE = 0
        var proto: DWORD = 0
        try pcscCheck(SCardConnect(context.handle, reader, shareMode, protocols, &h, &proto), "SCardConnect", reader: reader)
        self.context = context
        self.reader = reader
        handle = h
        activeProtocol = proto
    }

    deinit {
        if !disconnected { SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD)) }
    }

    /// `SCardTransmit` with the PCI of the active protocol.
    func transmit(_ command: [UInt8]) throws(PCSCError) -> [UInt8] {
        var response = [UInt8](repeating: 0, count: 65538)
        var length = DWORD(response.count)
        // The send PCI only tells the protocol; a copy of pcsc-lite's constant does.
        var pci = activeProtocol == DWORD(SCARD_PROTOCOL_T0) ? g_rgSCardT0Pci : g_rgSCardT1Pci
        let rv = command.withUnsafeBufferPointer { c in
            response.withUnsafeMutableBufferPointer { r in
                SCardTransmit(handle, &pci, c.baseAddress, DWORD(c.count), nil, r.baseAddress, &length)
            }
        }
        try pcscCheck(rv, "SCardTransmit", reader: reader)
        return Array(response.prefix(Int(length)))
    }

    func beginTransaction() throws(PCSCError) {
        try pcscCheck(SCardBeginTransaction(handle), "SCardBeginTransaction", reader: reader)
    }

    func endTransaction(disposition: DWORD) throws(PCSCError) {
        try pcscCheck(SCardEndTransaction(handle, disposition), "SCardEndTransaction", reader: reader)
    }

    func reconnect(shareMode: DWORD, protocols: DWORD, initialization: DWORD) throws(PCSCError) {
        var proto: DWORD = 0
        try pcscCheck(SCardReconnect(handle, shareMode, protocols, initialization, &proto), "SCardReconnect", reader: reader)
        activeProtocol = proto
    }

    func disconnect(disposition: DWORD) throws(PCSCError) {
        guard !disconnected else { return }
        disconnected = true
        try pcscCheck(SCardDisconnect(handle, disposition), "SCardDisconnect", reader: reader)
    }

    /// `SCardStatus`: state bits and ATR.
    func status() throws(PCSCError) -> (state: UInt32, atr: [UInt8]) {
        var state: DWORD = 0, proto: DWORD = 0
        var atr = [UInt8](repeating: 0, count: 33)
        var atrLength = DWORD(atr.count)
        var nameLength: DWORD = 0
        let rv = atr.withUnsafeMutableBufferPointer { a in
            SCardStatus(handle, nil, &nameLength, &state, &proto, a.baseAddress, &atrLength)
        }
        try pcscCheck(rv, "SCardStatus", reader: reader)
        return (UInt32(truncatingIfNeeded: state), Array(atr.prefix(Int(atrLength))))
    }
}
