import Foundation

/// Where Lifecycle reads the time (renewal windows, expiry, code countdowns).
public protocol Clock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock fixed at one moment (tests, demos).
public struct FixedClock: Clock {
    /// The moment `now()` returns.
    public var date: Date
    public init(_ date: Date) { self.date = date }
    public func now() -> Date { date }
}
