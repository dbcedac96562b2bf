import Foundation
import Synchronization
import XCTest

/// TokenCert's JSON documents checked against `docs/schemas/NAME.schema.json` by python3-jsonschema
/// (an independent validator, through `Tests/Schemas/check_json.py`), and against the one shape of
/// two-language text, `{"en": …, "zh-TW": …}`: a document that writes text any other way fails even
/// where its schema would let it through.
public enum JSONSchemas {
    /// The repository's root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every schema name (`status`, `ra-host-status`, …): the files in docs/schemas.
    public static var names: [String] {
        let folder = root.appendingPathComponent("docs/schemas").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) }.sorted()
    }

    /// One document to check: the schema's name, the JSON text, and where it came from (for the message).
    public struct Document: Sendable {
        public var schema: String
        public var json: String
        public var origin: String
        public init(schema: String, json: String, origin: String = "") { (self.schema, self.json, self.origin) = (schema, json, origin) }
    }

    /// The problems of `documents` (empty when every one is valid), one python run for all.
    public static func problems(_ documents: [Document]) throws -> [String] {
        guard !documents.isEmpty else { return [] }
        var lines = ""
        for d in documents {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(d.json.utf8), options: [.fragmentsAllowed]) else {
                return ["\(d.schema) \(d.origin): not JSON: \(d.json.prefix(400))"]
            }
            let item: [String: Any] = ["schema": d.schema, "document": parsed, "where": d.origin]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: item), as: UTF8.self) + "\n"
        }
        let r = try runTool("python3", [root.appendingPathComponent("Tests/Schemas/check_json.py").path, "--lines"], stdin: Data(lines.utf8))
        if r.status == 0 { return [] }
        let found = r.out.split(separator: "\n").map(String.init)
        return found.isEmpty ? ["check_json.py exited \(r.status): \(r.err)"] : found
    }

    /// Fails the test for every problem of `document` against schema `name`.
    public static func check(_ document: String, schema name: String, origin: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        let found = try problems([Document(schema: name, json: document, origin: origin)])
        XCTAssertTrue(found.isEmpty, "\(name): \(found.joined(separator: "\n"))\n\(document.prefix(2000))", file: file, line: line)
    }

    /// Documents gathered while a test runs (every RA reply of the router tests), checked in one go at
    /// its end (`flush`).
    public static let pending = Mutex<[Document]>([])

    /// Adds a document to check at the end of the test.
    public static func later(_ document: Document) {
        pending.withLock { $0.append(document) }
    }

    /// Checks and forgets the gathered documents; fails the test for each problem.
    public static func flush(file: StaticString = #filePath, line: UInt = #line) throws {
        let documents = pending.withLock { all in defer { all = [] }; return all }
        let found = try problems(documents)
        XCTAssertTrue(found.isEmpty, "\(documents.count) documents checked: \(found.joined(separator: "\n"))", file: file, line: line)
    }
}
