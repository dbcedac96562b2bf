import CertificateKit
public import Foundation
import X509

/// An apply or renewal that reached the RA: what the next run needs to finish it with the same
/// request id (the RA answers a repeated request id with the certificate it already issued).
public struct JournalEntry: Codable, Sendable, Hashable {
    /// `counter`: an in-person issue by a branch officer (`customerID` says for whom).
    public enum Operation: String, Codable, Sendable { case apply, renew, counter }
    public var operation: Operation
    public var requestID: String
    /// PEM of the CSR sent (the RA matches a repeat by the CSR's hash); `csrDER()` is what is sent.
    public var csrPEM: String
    /// Base64 of the new key's SubjectPublicKeyInfo, to find the key again.
    public var subjectPublicKeyInfo: String
    /// Renewal only: the serial being replaced and the proof sent.
    public var oldSerial: String?
    public var proof: String?
    /// Counter issue only: the customer the certificate is for.
    public var customerID: String?
    public var createdAt: Date

    public init(operation: Operation, requestID: String, csrPEM: String, subjectPublicKeyInfo: [UInt8], oldSerial: String? = nil,
                proof: String? = nil, customerID: String? = nil, createdAt: Date) {
        self.operation = operation
        self.requestID = requestID
        self.csrPEM = csrPEM
        self.subjectPublicKeyInfo = Data(subjectPublicKeyInfo).base64EncodedString()
        self.oldSerial = oldSerial
        self.proof = proof
        self.customerID = customerID
        self.createdAt = createdAt
    }

    public var spki: [UInt8] { Array(Data(base64Encoded: subjectPublicKeyInfo) ?? Data()) }
}

/// Where unfinished operations are remembered between runs, one entry per key store.
public protocol Journal: Sendable {
    func load(for store: String) throws -> JournalEntry?
    func save(_ entry: JournalEntry, for store: String) throws
    func clear(for store: String) throws
}

/// A journal in a folder (`$XDG_STATE_HOME/tokencert/journal` by default): one JSON file per key
/// store, written atomically with mode 0600. It holds no secret: a CSR, a public key, a request id.
public struct FileJournal: Journal {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$XDG_STATE_HOME/tokencert/journal`, else `~/.local/state/tokencert/journal`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return URL(fileURLWithPath: base).appendingPathComponent("tokencert/journal")
    }

    func file(_ store: String) -> URL {
        // A key store's location can hold any character; the file name is its letters and digits plus a stable hash.
        let safe = store.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "_" }.joined()
        return directory.appendingPathComponent(String(safe.prefix(120)) + "-\(UInt32(truncatingIfNeeded: store.hashValueStable)).json")
    }

    public func load(for store: String) throws -> JournalEntry? {
        guard let data = FileManager.default.contents(atPath: file(store).path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(JournalEntry.self, from: data)
    }

    public func save(_ entry: JournalEntry, for store: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(entry)
        let target = file(store)
        let temp = directory.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let fd = open(temp.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    public func clear(for store: String) throws {
        let path = file(store).path
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }
}

/// A journal in memory (tests, the demo's throw-away runs).
public final class MemoryJournal: Journal, @unchecked Sendable {
    private var entries: [String: JournalEntry] = [:]
    private let lock = NSLock()
    public init() {}
    public func load(for store: String) throws -> JournalEntry? { lock.withLock { entries[store] } }
    public func save(_ entry: JournalEntry, for store: String) throws { lock.withLock { entries[store] = entry } }
    public func clear(for store: String) throws { _ = lock.withLock { entries.removeValue(forKey: store) } }
}

extension String {
    /// FNV-1a over the UTF-8 bytes: the same in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

extension JournalEntry {
    /// The journaled CSR as DER, the form the RA takes.
    public func csrDER() throws -> [UInt8] {
        try CertificateRequests.der(try CertificateSigningRequest(pemEncoded: csrPEM))
    }
}
