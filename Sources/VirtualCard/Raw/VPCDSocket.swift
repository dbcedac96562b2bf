#if canImport(Glibc)
import Glibc
#endif

/// The card's end of vsmartcard's vpcd link: a TCP client socket, each message a two-byte
/// big-endian length and its payload.
///
/// Debian's vpcd writes the length and the payload separately; with delayed ACKs every APDU would
/// then wait ~45 ms, so TCP_QUICKACK is set before every read (Linux clears it again by itself).
/// Writes go out at once (TCP_NODELAY) and in one `send` per message.
enum VPCDSocket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static let tcpQuickAck: Int32 = 12  // TCP_QUICKACK in <netinet/tcp.h>

    /// Connects to vpcd; throws at once if nobody listens (the caller retries), and within 2 s when
    /// the SYN goes unanswered (vpcd listens with a backlog of 0: while another card is connected,
    /// one more connection waits in the queue and any further one times out).
    ///
    /// A successful connect means the kernel queued the link, not that vpcd took the card: that
    /// happens on pcscd's next presence poll, once no other card holds the reader.
    static func connect(host: String, port: Int) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            if fd < 0 {
                lastError = String(cString: strerror(errno))
                continue
            }
            var bound = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                var none = timeval(tv_sec: 0, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            lastError = String(cString: strerror(errno))
            close(fd)
        }
        throw Failure(description: "cannot connect to vpcd at \(host):\(port): \(lastError)")
    }

    /// Reads one message; nil when the peer closed the link or it broke.
    static func read(_ fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd, 2) else { return nil }
        let length = Int(header[0]) << 8 | Int(header[1])
        if length == 0 { return [] }
        return readExactly(fd, length)
    }

    /// Writes one message; false when the link broke.
    static func write(_ fd: Int32, _ payload: [UInt8]) -> Bool {
        guard payload.count <= 0xFFFF else { return false }
        let message = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
        var offset = 0
        while offset < message.count {
            let n = message.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Wakes a blocked `read` on another thread (it then returns nil); the fd stays open.
    static func shutdown(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), tcpQuickAck, &one, socklen_t(MemoryLayout<Int32>.size))
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + offset, count - offset, 0)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            offset += n
        }
        return buffer
    }
}
