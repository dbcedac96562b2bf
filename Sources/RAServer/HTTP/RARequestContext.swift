public import Hummingbird
public import NIOCore

/// The RA's request context: Hummingbird's basics plus the client's address (for the per-address
/// login limit; nil for in-process test clients).
public struct RARequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
