import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 load generator for loopback servers: `width` keep-alive connections, each driven
/// by its own thread with blocking socket calls, sending requests whose bytes were built before the
/// clock starts. It parses only what it must (status line, `Content-Length` or chunked framing) so
/// that its own CPU time per request stays far below either server's; URLSession on Linux (libcurl
/// behind dispatch queues) cost as much CPU per request as the server under test did, which shrinks
/// every ratio towards 1 on a two-core machine.
struct RawHTTPLoad {
    /// One request: complete bytes (request line, headers, body) and the status that counts as success.
    struct Request: Sendable {
        var bytes: [UInt8]
        var expectedStatus: Int
    }

    /// What went wrong with one request.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    /// A new connection for every request, closed after its response (`Connection: close`), for servers
    /// that answer one request per connection (`openssl ocsp -port` answers HTTP/1.0 and closes): the
    /// connection's set-up is then part of each request, on both sides alike.
    var freshConnections = false

    /// Builds a request with a binary body of `contentType` (and `Connection: close` with `freshConnections`).
    func request(_ method: String, _ path: String, body: [UInt8], contentType: String, expectedStatus: Int) -> Request {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: \(contentType)\r\n"
        if freshConnections { head += "Connection: close\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Request(bytes: Array(head.utf8) + body, expectedStatus: expectedStatus)
    }

    /// Builds a request with `Content-Length`, `Content-Type: application/json` and, when given, a
    /// bearer token. HTTP/1.1 keeps the connection open by default on both servers.
    func request(_ method: String, _ path: String, json: [String: Any], token: String? = nil, expectedStatus: Int) throws -> Request {
        let body = try JSONSerialization.data(withJSONObject: json)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Request(bytes: Array(head.utf8) + Array(body), expectedStatus: expectedStatus)
    }

    /// Opens `width` connections, then sends every request once, `width` in flight, and returns each
    /// request's latency in milliseconds (in request order) and the wall-clock seconds from the first
    /// send to the last reply.
    func run(_ requests: [Request], width: Int) throws -> (latencies: [Double], seconds: Double) {
        let port = self.port
        let connections = try (0..<min(width, requests.count)).map { _ in freshConnections ? nil : try Connection(port: port) }
        defer { connections.forEach { $0?.close() } }
        let next = Atomic<Int>(0)
        let results = Mutex<(latencies: [Double], failure: Failure?)>(([Double](repeating: 0, count: requests.count), nil))
        let done = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for connection in connections {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < requests.count else { return }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        let (status, body): (Int, [UInt8])
                        if let connection {
                            (status, body) = try connection.exchange(requests[i].bytes)
                        } else {
                            let fresh = try Connection(port: port)
                            defer { fresh.close() }
                            (status, body) = try fresh.exchange(requests[i].bytes, closing: true)
                        }
                        guard status == requests[i].expectedStatus else {
                            throw Failure(description: "status \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
                        }
                    } catch {
                        results.withLock { $0.failure = $0.failure ?? (error as? Failure ?? Failure(description: "\(error)")) }
                        next.store(requests.count, ordering: .relaxed)
                        return
                    }
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                    results.withLock { $0.latencies[i] = ms }
                }
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (latencies, failure) = results.withLock { ($0.latencies, $0.failure) }
        if let failure { throw failure }
        return (latencies, seconds)
    }

    /// One keep-alive TCP connection to 127.0.0.1, used by one thread at a time.
    final class Connection: @unchecked Sendable {
        let fd: Int32
        /// Bytes read past the end of the previous response.
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else {
                Glibc.close(fd)
                throw Failure(description: "connect to port \(port): errno \(errno)")
            }
        }

        func close() { Glibc.close(fd) }

        /// Sends one request and reads one response: (status, body).
        /// - Parameter closing: the server may close the connection after this response (and may answer
        ///   HTTP/1.0, with or without `Content-Length`: then the body ends where the connection does).
        func exchange(_ request: [UInt8], closing: Bool = false) throws -> (Int, [UInt8]) {
            var sent = 0
            while sent < request.count {
                let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
                sent += n
            }
            // Head: up to the blank line.
            var head: [UInt8] = pending
            pending = []
            var end = Self.headEnd(head)
            while end == nil {
                head += try receive()
                end = Self.headEnd(head)
            }
            var rest = Array(head[end!...])
            let lines = String(decoding: head[..<end!], as: UTF8.self).split(separator: "\r\n")
            guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 ") || (closing && statusLine.hasPrefix("HTTP/1.0 ")),
                  let status = Int(statusLine.dropFirst(9).prefix(3))
            else { throw Failure(description: "no HTTP/1.1 status line") }
            var length: Int?
            var chunked = false
            for line in lines.dropFirst() {
                let lower = line.lowercased()
                if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
                if lower.hasPrefix("transfer-encoding:") && lower.contains("chunked") { chunked = true }
                if !closing && lower.hasPrefix("connection:") && lower.contains("close") { throw Failure(description: "the server closes the connection") }
            }
            if chunked { return (status, try readChunked(&rest)) }
            if length == nil && closing {
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                    if n <= 0 { return (status, rest) }
                    rest += buffer[..<n]
                }
            }
            guard let length else { throw Failure(description: "a response without Content-Length") }
            while rest.count < length { rest += try receive() }
            pending = Array(rest[length...])
            return (status, Array(rest[..<length]))
        }

        func readChunked(_ rest: inout [UInt8]) throws -> [UInt8] {
            var body: [UInt8] = []
            while true {
                var lineEnd = Self.find(rest, [13, 10])
                while lineEnd == nil {
                    rest += try receive()
                    lineEnd = Self.find(rest, [13, 10])
                }
                let sizeText = String(decoding: rest[..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw Failure(description: "bad chunk size")
                }
                let start = lineEnd! + 2
                while rest.count < start + size + 2 { rest += try receive() }
                body += rest[start..<start + size]
                rest = Array(rest[(start + size + 2)...])
                if size == 0 {
                    pending = rest
                    return body
                }
            }
        }

        func receive() throws -> [UInt8] {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            guard n > 0 else { throw Failure(description: n == 0 ? "the server closed the connection" : "recv: errno \(errno)") }
            return Array(buffer[..<n])
        }

        /// The index just past "\r\n\r\n", if present.
        static func headEnd(_ bytes: [UInt8]) -> Int? { find(bytes, [13, 10, 13, 10]).map { $0 + 4 } }

        static func find(_ bytes: [UInt8], _ needle: [UInt8]) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle {
                return i
            }
            return nil
        }
    }
}
