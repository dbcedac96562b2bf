public import Foundation

/// Where Lifecycle reads the time (renewal windows, expiry, code countdowns); named apart from
/// Swift's own `Clock` protocol and from RAServer's `SystemClock`.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
