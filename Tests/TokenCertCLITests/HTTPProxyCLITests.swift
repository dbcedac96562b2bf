import Foundation
import TestSupport
import XCTest

/// The customer commands reach the RA through the proxy the environment names, as curl-based tools
/// do (`http_proxy`, `https_proxy`, `no_proxy`): checked with the built `tokencert` against the built
/// RA through a real CONNECT proxy (Tests/Fixtures/connect-proxy.py) that logs what it is asked.
final class HTTPProxyCLITests: XCTestCase, JourneyTest {
    /// Starts the fixture proxy; returns its port and log file. Stopped when the test ends.
    func startProxy(_ dir: String, credentials: String? = nil) throws -> (port: Int, log: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/connect-proxy.py").path
        let log = dir + "/proxy-\(UUID().uuidString.prefix(6)).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, log]
        var environment = ProcessInfo.processInfo.environment
        environment["CONNECT_PROXY_CREDENTIALS"] = credentials
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        addTeardownBlock { process.terminate(); process.waitUntilExit() }
        // The first line is the port (bounded: the read returns when the proxy prints or exits).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), "the proxy's port")
        return (port, log)
    }

    func testRequestsGoThroughTheEnvironmentsProxyUnlessNoProxySaysOtherwise() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let proxy = try startProxy(dir)
        let env = try ra.environment(RAProcess.alice)
        let raPort = try XCTUnwrap(URL(string: ra.url)?.port)
        let status = ["status", "--software", "--store-dir", dir + "/store", "--format", "json", "--lang", "en"]
        func requests() throws -> [String] {
            try String(contentsOfFile: proxy.log, encoding: .utf8).split(separator: "\n").map(String.init)
        }

        // Through the proxy: the login and the host status go as CONNECT tunnels to the RA.
        let proxied = try runTool(tokencertExecutable, status, environment: env.merging(["http_proxy": "http://127.0.0.1:\(proxy.port)"]) { $1 },
                                  unset: ["TOKENCERT_PIN", "no_proxy", "NO_PROXY"])
        XCTAssertEqual(proxied.status, 3, "nothing here, nothing on the host: apply (3). " + proxied.out + proxied.err)
        XCTAssertNotNil(try json(proxied.out)["host"] as? [String: Any], "the host answered through the proxy: " + proxied.out)
        let tunnels = try requests()
        XCTAssertTrue(tunnels.contains("CONNECT 127.0.0.1:\(raPort) HTTP/1.1"), "the proxy saw: \(tunnels)")
        let seen = tunnels.count

        // no_proxy names the host: direct, the proxy sees nothing more.
        let direct = try runTool(tokencertExecutable, status,
                                 environment: env.merging(["http_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": "example.test, 127.0.0.1"]) { $1 },
                                 unset: ["TOKENCERT_PIN", "NO_PROXY"])
        XCTAssertEqual(direct.status, 3, direct.out + direct.err)
        XCTAssertEqual(try requests().count, seen, "no_proxy: not through the proxy")

        // A proxy that is not there: the RA cannot be reached (6), said with the proxy's address.
        let closed = try closedLoopbackPort()
        let away = try runTool(tokencertExecutable, ["status", "--software", "--store-dir", dir + "/store", "--lang", "en"],
                               environment: env.merging(["http_proxy": "127.0.0.1:\(closed)"]) { $1 }, unset: ["TOKENCERT_PIN", "no_proxy", "NO_PROXY"])
        XCTAssertEqual(away.status, 6, away.out + away.err)
        XCTAssertTrue((away.out + away.err).contains("cannot be reached"), away.out + away.err)
    }

    /// A proxy that wants a user and password: given in the proxy URL they go as Basic
    /// Proxy-Authorization; without them the proxy refuses (407) and the RA cannot be reached (6).
    func testAProxyUserAndPasswordFromTheProxyURLAreSent() throws {
        let ra = try RAProcess(self)
        let dir = try work()
        let proxy = try startProxy(dir, credentials: "branch/7:p@ss")
        let env = try ra.environment(RAProcess.alice)
        let status = ["status", "--software", "--store-dir", dir + "/store", "--format", "json", "--lang", "en"]
        let unset = ["TOKENCERT_PIN", "no_proxy", "NO_PROXY"]
        let signedIn = try runTool(tokencertExecutable, status,
                                   environment: env.merging(["http_proxy": "http://branch%2F7:p%40ss@127.0.0.1:\(proxy.port)"]) { $1 }, unset: unset)
        XCTAssertEqual(signedIn.status, 3, signedIn.out + signedIn.err)
        XCTAssertNotNil(try json(signedIn.out)["host"] as? [String: Any], signedIn.out)
        let anonymous = try runTool(tokencertExecutable, status, environment: env.merging(["http_proxy": "http://127.0.0.1:\(proxy.port)"]) { $1 },
                                    unset: unset)
        XCTAssertEqual(anonymous.status, 6, anonymous.out + anonymous.err)
        XCTAssertFalse((anonymous.out + anonymous.err + signedIn.out + signedIn.err).contains("p@ss"), "the proxy password is never shown")
    }
}
