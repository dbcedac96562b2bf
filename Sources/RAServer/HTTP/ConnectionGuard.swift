import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a client may take, and how many may be connected at once. A slow or idle client holds a
/// socket and a file descriptor; these bounds give them back. Defaults are documented in the README
/// ("Serving").
public struct ConnectionLimits: Sendable, Hashable {
    /// A new connection must have sent a complete request head (request line and headers) within
    /// this: a client that trickles headers is disconnected.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// A request's body must have arrived completely within this after its head.
    public var requestBodyTimeout: Duration = .seconds(30)
    /// A kept-alive connection with no request in flight is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// At most this many connections at once; a request on a connection beyond the limit is answered
    /// 503 with `Retry-After` and the connection closed.
    public var maxConnections = 512

    public init() {}

    /// The limits as documented.
    public static let standard = ConnectionLimits()
}

/// Counts the connections a server has open (shared by every connection's `ConnectionGuard`).
final class ConnectionCounter: Sendable {
    private let open = Mutex(0)

    /// Counts a new connection; returns how many are open with it.
    func opened() -> Int { open.withLock { $0 += 1; return $0 } }
    func closed() { open.withLock { $0 -= 1 } }
}

/// Enforces `ConnectionLimits` on one HTTP/1.1 connection, after HTTP decoding: a deadline for the
/// request head (from connect, or from the end of the previous response, when it is the idle
/// timeout), a deadline for the body (from its head to its end), and the connection limit (a
/// request on a connection over the limit is answered 503 with `Retry-After` and closed).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private var counted = false
    private var overLimit = false
    private var refusing = false
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits, counter: ConnectionCounter) {
        self.limits = limits
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        overLimit = counter.opened() > limits.maxConnections
        arm(context, limits.requestHeadTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        if counted {
            counted = false
            counter.closed()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            if overLimit {
                refuse(context)
                return
            }
            arm(context, limits.requestBodyTimeout)
        case .body:
            if refusing { return }
        case .end:
            if refusing { return }
            disarm()
        }
        if !refusing { context.fireChannelRead(data) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context, limits.idleTimeout) }
        context.write(data, promise: promise)
    }

    /// 503 with `Retry-After`, then close: the server is at its connection limit.
    private func refuse(_ context: ChannelHandlerContext) {
        refusing = true
        disarm()
        let body = #"{"code":"busy","message":{"en":"The service has too many connections; try again shortly.","zh-TW":"服務連線數已滿，請稍後再試。"},"remedy":null,"details":{}}"#
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        let head = HTTPResponse(status: .serviceUnavailable, headerFields: [
            .contentType: "application/json", .retryAfter: "5", .connection: "close", .contentLength: "\(body.utf8.count)",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        disarm()
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: TimeAmount(timeout)) {
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
