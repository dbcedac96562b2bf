import Foundation
import TestSupport
import XCTest

/// docs/schemas as a whole: every schema is a valid JSON Schema named by its file, every one is checked
/// against real output by some test, the two-language text shape is defined once (text.schema.json),
/// and the README names every schema. The documents themselves are checked where the tests make them
/// (JSONSchemas.check, the RA router tests' replies, the browser test's API log).
final class SchemaCatalogueTests: XCTestCase {
    let root = JSONSchemas.root

    func testEverySchemaIsValidNamedByItsFileAndReferencesExistingSchemas() throws {
        let r = try runTool("python3", ["-c", """
            import json, os, sys, jsonschema
            folder = sys.argv[1]
            names = {n[:-len(".schema.json")] for n in os.listdir(folder) if n.endswith(".schema.json")}
            bad = []
            def refs(node):
                if isinstance(node, dict):
                    for k, v in node.items():
                        if k == "$ref" and not v.startswith("#"): yield v
                        else: yield from refs(v)
                elif isinstance(node, list):
                    for v in node: yield from refs(v)
            for name in sorted(names):
                schema = json.load(open(os.path.join(folder, name + ".schema.json"), encoding="utf-8"))
                try: jsonschema.validators.validator_for(schema).check_schema(schema)
                except Exception as e: bad.append("%s: %s" % (name, e))
                if schema.get("$id") != "https://tokencert.example/schemas/%s.schema.json" % name: bad.append(name + ": $id")
                if not schema.get("title") or not schema.get("description"): bad.append(name + ": title and description")
                for ref in refs(schema):
                    if ref[:-len(".schema.json")] not in names: bad.append("%s: $ref %s" % (name, ref))
            print("\\n".join(bad))
            sys.exit(1 if bad else 0)
            """, root.appendingPathComponent("docs/schemas").path])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertGreaterThan(JSONSchemas.names.count, 30)
    }

    /// The text shape is written once: no other schema spells out `zh-TW`, they all refer to text.schema.json.
    func testTheTextShapeIsDefinedOnce() throws {
        for name in JSONSchemas.names where name != "text" {
            let body = try String(contentsOf: root.appendingPathComponent("docs/schemas/\(name).schema.json"), encoding: .utf8)
            XCTAssertFalse(body.contains("zh-TW") || body.contains("traditionalChinese") || body.contains("english"), "\(name) defines text itself")
        }
        // And the checker refuses the old shape even where a schema would not look.
        let found = try JSONSchemas.problems([.init(schema: "ui-empty", json: "{}"),
                                              .init(schema: "drivers-install", json: #"{"written": [], "unchanged": [], "keptLocal": [], "backups": [], "udev": "x"}"#),
                                              .init(schema: "text", json: #"{"english": "a", "traditionalChinese": "b"}"#)])
        XCTAssertFalse(found.isEmpty)
        XCTAssertTrue(found.allSatisfy { $0.hasPrefix("text") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("another shape") }, "\(found)")
    }

    /// Each schema is checked against real output somewhere: its name is in a test (a `schema:` argument,
    /// the RA router tests' route table, the browser test's API table) — or it is only a part of others.
    func testEverySchemaIsCheckedByATest() throws {
        var tests = ""
        for folder in ["Tests/TokenCertCLITests", "Tests/RAServerTests", "Tests/UI"] {
            let dir = root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".swift") || file.hasSuffix(".py") {
                tests += try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            }
        }
        let parts = ["text"]   // only inside other documents
        for name in JSONSchemas.names where !parts.contains(name) {
            XCTAssertTrue(tests.contains("\"\(name)\""), "no test checks a document against \(name).schema.json")
        }
    }

    func testTheREADMENamesEverySchema() throws {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for name in JSONSchemas.names {
            XCTAssertTrue(readme.contains("`\(name)`") || readme.contains("\(name).schema.json"), "README does not name \(name)")
        }
    }
}
