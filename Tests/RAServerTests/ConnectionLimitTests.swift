import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Logging
@testable import RAServer
import XCTest

/// H4: slow headers, slow bodies and idle connections are closed after documented timeouts, and
/// connections beyond the limit get a clear 503 — on a live loopback server, with raw sockets.
final class ConnectionLimitTests: XCTestCase {
    func testSlowAndIdleClientsAreDisconnectedAndTheLimitRefusesClearly() async throws {
        let h = try await Harness(self)
        var limits = ConnectionLimits()
        limits.requestHeadTimeout = .milliseconds(800)
        limits.requestBodyTimeout = .milliseconds(800)
        limits.idleTimeout = .milliseconds(800)
        limits.maxConnections = 3
        var logger = Logger(label: "ra-limits")
        logger.logLevel = .warning
        let app = Application(router: RARoutes.buildRouter(service: h.service), server: RAServerApplication.guardedHTTP1(limits),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)

            // The limit: three silent connections, then a fourth asks and is refused with 503 + Retry-After.
            let silent = try (0..<3).map { _ in try RawSocket(port: port) }
            try await Task.sleep(for: .milliseconds(100))
            let fourth = try RawSocket(port: port)
            try fourth.send("GET /health HTTP/1.1\r\nHost: ra\r\n\r\n")
            let refused = fourth.receiveAll(timeout: 3)
            XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503"), refused)
            XCTAssertTrue(refused.lowercased().contains("retry-after: 5"), refused)
            // The silent ones sent no request head: closed after the head timeout.
            for socket in silent { XCTAssertTrue(socket.closedByServer(within: 3), "a silent connection was left open") }

            // Slow headers: a request line and half a header, then nothing.
            let slowHeader = try RawSocket(port: port)
            try slowHeader.send("GET /health HTTP/1.1\r\nHost: r")
            XCTAssertTrue(slowHeader.closedByServer(within: 3), "a slow-header client was left open")

            // Slow body: a head announcing 100 bytes, 10 sent.
            let slowBody = try RawSocket(port: port)
            try slowBody.send("POST /login HTTP/1.1\r\nHost: ra\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":\"A1")
            XCTAssertTrue(slowBody.closedByServer(within: 3), "a slow-body client was left open")

            // Idle after a request: answered, then closed after the idle timeout.
            let keepAlive = try RawSocket(port: port)
            try keepAlive.send("GET /health HTTP/1.1\r\nHost: ra\r\n\r\n")
            let first = keepAlive.receive(timeout: 3)
            XCTAssertTrue(first.hasPrefix("HTTP/1.1 200"), first)
            XCTAssertTrue(keepAlive.closedByServer(within: 3), "an idle kept-alive connection was left open")

            // And the service still answers.
            let health = try RawSocket(port: port)
            try health.send("GET /health HTTP/1.1\r\nHost: ra\r\nConnection: close\r\n\r\n")
            XCTAssertTrue(health.receiveAll(timeout: 3).hasPrefix("HTTP/1.1 200"))
        }
    }
}

/// A blocking TCP client on loopback, enough to play a slow or idle client.
final class RawSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let sent = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent >= 0 else { throw POSIXError(.EPIPE) }
    }

    /// What arrives within `timeout` seconds: up to the first pause after some data, or (`untilClosed`)
    /// everything until the server closes.
    func receive(timeout: Double, untilClosed: Bool = false) -> String {
        var out = [UInt8]()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, out.isEmpty || untilClosed ? 100 : 50) > 0 else {
                if out.isEmpty || untilClosed { continue } else { break }
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Everything until the server closes or `timeout` passes.
    func receiveAll(timeout: Double) -> String { receive(timeout: timeout, untilClosed: true) }

    /// True when the server closes the connection (end of stream or reset) within `seconds`.
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return true }
        }
        return false
    }
}
