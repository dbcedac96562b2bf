import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Logging
@testable import RAServer
import XCTest

/// H3: a flood of logins (PBKDF2 at the production cost) must not take `/health` with it, and
/// attempts are limited per ID and per client address with `Retry-After` — on a live loopback server.
final class LoginFloodTests: XCTestCase {
    func testAFloodOfLoginsLeavesHealthResponsiveAndIsThrottled() async throws {
        // Production iteration count; hashing on one thread of its own, 8 may wait.
        let policy = Policy.standard.with {
            $0.passwordHashingConcurrency = 1
            $0.passwordHashingQueue = 8
        }
        let h = try await Harness(self, policy: policy)
        var logger = Logger(label: "ra-flood")
        logger.logLevel = .critical
        let app = Application(router: RARoutes.buildRouter(service: h.service), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: logger)
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try XCTUnwrap(client.port))"
            // Separate sessions with enough connections: the client must not queue what the server should.
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 32
            let session = URLSession(configuration: configuration)
            let healthSession = URLSession(configuration: .ephemeral)
            func post(_ path: String, _ json: String) async throws -> (Int, [AnyHashable: Any]) {
                var request = URLRequest(url: URL(string: base + path)!)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(json.utf8)
                let (_, response) = try await session.data(for: request)
                let http = response as! HTTPURLResponse
                return (http.statusCode, http.allHeaderFields)
            }
            // 16 logins at once for IDs that are no customer (each burns a full PBKDF2).
            let flood = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for n in 0..<16 {
                        group.addTask { try await post("/login", #"{"id":"Z\#(String(format: "%09d", n))","password":"x"}"#).0 }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            // Meanwhile /health is timed, one request after another.
            var latencies: [Double] = []
            let until = Date().addingTimeInterval(2)
            try await Task.sleep(for: .milliseconds(50))
            while Date() < until {
                let start = Date()
                let (_, response) = try await healthSession.data(from: URL(string: base + "/health")!)
                XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
                latencies.append(Date().timeIntervalSince(start))
            }
            let statuses = try await flood.value
            latencies.sort()
            let median = latencies[latencies.count / 2], worst = latencies.last ?? 0
            print("login flood: /health median \(Int(median * 1000)) ms, worst \(Int(worst * 1000)) ms over \(latencies.count) requests; logins \(statuses.sorted())")
            XCTAssertLessThan(median, 0.1, "/health median under a login flood")
            XCTAssertLessThan(worst, 0.5, "/health worst under a login flood")
            XCTAssertTrue(statuses.allSatisfy { $0 == 401 || $0 == 429 }, "\(statuses)")
            XCTAssertTrue(statuses.contains(429), "beyond the hashing queue, logins are told to come back: \(statuses)")

            // One ID guessed again and again from one address: that address waits, before any hashing,
            // with Retry-After.
            var last: (Int, [AnyHashable: Any]) = (0, [:])
            for _ in 0..<(policy.loginFailuresBeforeBackoff + 1) {
                last = try await post("/login", #"{"id":"A123456789","password":"wrong-password"}"#)
            }
            XCTAssertEqual(last.0, 429)
            XCTAssertNotNil(last.1["Retry-After"] ?? last.1["retry-after"], "\(last.1)")
        }
    }
}
