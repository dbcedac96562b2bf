import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// One HTTP(S) request and its answer, over AsyncHTTPClient (SwiftNIO, with BoringSSL linked into the
/// binary). The customer commands used URLSession before; on Linux that is libcurl, which loads about
/// 25 more shared libraries (GnuTLS, Kerberos, LDAP, SSH, RTMP …) into every `tokencert` process —
/// 4.6 ms of each start-up on this machine, for `verify` and `tokens` too, which never go online.
///
/// TLS trusts the system's certificate store, as libcurl did, and a broker's own CA when one is given
/// (`trustedCAFile`, from `--ra-ca` or `$TOKENCERT_RA_CA`). Proxies come from the environment as
/// curl reads them: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy` for http URLs, hosts in
/// `no_proxy`/`NO_PROXY` (names, `.domain` suffixes, `*`) go direct; only `http://[user:password@]host:port`
/// proxies (the user and password, percent-decoded, go as Basic `Proxy-Authorization` on CONNECT).
/// Redirects are not followed: an RA or responder that redirects answers with its 3xx status.
public enum HTTPTransport {
    /// The answer: status, header fields and the whole body.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// The first field named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// Why no answer came: the URL, the proxy when one was used, and the transport's own words.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// The TLS handshake failed (`NIOSSLError`, `NIOSSLExtraError`): most often a server
        /// certificate this computer does not trust, or one for another name.
        public var tls = false
    }

    /// The largest body read (CRLs included); a longer one is a failure.
    public static let bodyLimit = 32 << 20

    /// Sends `method url` with `headers` and `body`; waits at most `timeout` seconds for the whole
    /// exchange.
    /// - Parameter trustedCAFile: a PEM file of CA certificates trusted for https besides the system's.
    /// - Throws: `Failure` when the URL is not http(s), the host cannot be reached, TLS fails (an
    ///   untrusted server included), the time runs out or the body is over `bodyLimit`. Any HTTP status
    ///   is an answer, not a failure.
    public static func send(_ method: String, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
                            timeout: TimeInterval, trustedCAFile: String? = nil) async throws(Failure) -> Answer {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw Failure(description: "\(url.absoluteString) is not an http(s) URL")
        }
        let proxy = Self.proxy(for: url, environment: ProcessInfo.processInfo.environment)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let milliseconds = Int64(max(timeout, 0.001) * 1000)
        do {
            let response = try await client(Route(proxy: proxy, trustedCAFile: trustedCAFile)).execute(request, timeout: .milliseconds(milliseconds))
            let data = try await response.body.collect(upTo: bodyLimit)
            return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                          body: Array(data.readableBytesView))
        } catch {
            let via = proxy.map { " via the proxy \($0.host):\($0.port)" } ?? ""
            throw Failure(description: "\(url.absoluteString)\(via): \(Self.describe(error))",
                          tls: error is NIOSSLError || error is NIOSSLExtraError)
        }
    }

    /// A transport error in a few words (AsyncHTTPClient's and NIO's errors describe themselves).
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    // MARK: Proxies and clients

    struct Proxy: Hashable, Sendable {
        var host: String
        var port: Int
        /// From the proxy URL's user part; never shown in a message.
        var user: String? = nil
        var password: String? = nil
    }

    /// The proxy curl would use for `url` under `environment`, or nil for a direct connection.
    static func proxy(for url: URL, environment: [String: String]) -> Proxy? {
        guard let host = url.host?.lowercased() else { return nil }
        let noProxy = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        for entry in noProxy.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            if entry == "*" { return nil }
            let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == domain || host.hasSuffix("." + domain) { return nil }
        }
        let names = url.scheme?.lowercased() == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]
        guard let text = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else { return nil }
        guard let proxyURL = URL(string: text.contains("://") ? text : "http://" + text), proxyURL.scheme?.lowercased() == "http",
              let proxyHost = proxyURL.host, !proxyHost.isEmpty else { return nil }
        let parts = URLComponents(url: proxyURL, resolvingAgainstBaseURL: false)
        let user = parts?.percentEncodedUser?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        return Proxy(host: proxyHost, port: proxyURL.port ?? 80, user: user, password: parts?.percentEncodedPassword?.removingPercentEncoding)
    }

    /// How a client reaches servers: through which proxy (nil: direct), trusting which extra CAs.
    struct Route: Hashable, Sendable {
        var proxy: Proxy?
        var trustedCAFile: String?
    }

    /// One client per route, made on first use and kept for the life of the process (never shut
    /// down, like AsyncHTTPClient's own shared client).
    private static let clients = Mutex<[Route: HTTPClient]>([:])

    static func client(_ route: Route) -> HTTPClient {
        clients.withLock { clients in
            if let made = clients[route] { return made }
            // No decompression: nothing we ask for is compressed, and the zlib AsyncHTTPClient carries
            // (swift-nio-extras' vendored copy) is then never reached (packaging/tokencert/lintian-overrides).
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)),
                                                         decompression: .disabled)
            var tls = TLSConfiguration.makeClientConfiguration()
            if let file = route.trustedCAFile { tls.additionalTrustRoots = [.file(file)] }
            configuration.tlsConfiguration = tls
            // A refused or failed connection is reported at once, as libcurl did, instead of being
            // retried until the request's deadline (the RA's 30 s) — one process, a few requests.
            configuration.connectionPool.retryConnectionEstablishment = false
            if let proxy = route.proxy {
                let authorization = proxy.user.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
                configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            }
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[route] = made
            return made
        }
    }
}
