import Foundation
import Localization

/// A secret typed by a person (PIN, password, one-time code). Its description never shows it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; pass it on, never print it.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}

/// One choice offered to a person.
public struct PromptChoice: Sendable, Hashable {
    /// What the caller gets back.
    public var id: String
    /// What the person sees.
    public var label: LocalizedText
    public init(id: String, label: LocalizedText) { (self.id, self.label) = (id, label) }
}

/// How Lifecycle asks a person: a terminal, a file or environment variable, a test script.
public protocol Prompt: Sendable {
    /// Asks for a secret. An implementation never echoes it and never logs it.
    func secret(_ question: LocalizedText) async throws -> Secret
    /// Asks for plain text (a birth date, an account), which may be echoed.
    func text(_ question: LocalizedText) async throws -> String
    /// Asks to pick one of `choices`; returns the chosen id.
    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String
    /// Asks yes or no.
    func confirm(_ question: LocalizedText) async throws -> Bool
    /// Tells the person something (progress, a step done).
    func show(_ message: LocalizedText) async
}
