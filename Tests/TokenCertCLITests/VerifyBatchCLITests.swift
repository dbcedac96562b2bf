import Foundation
import TestSupport
import XCTest

/// `tokencert verify --batch`: order signatures made by OpenSSL (`openssl cms -sign`), one verdict line
/// per input line in order — bad lines (not JSON, an unreadable path, a detached signature without
/// content) answered on their line without stopping the batch — and the exit code of the worst verdict.
final class VerifyBatchCLITests: XCTestCase {
    static let tokencert = builtExecutable("tokencert")

    func openssl(_ arguments: [String]) throws {
        let r = try runTool("openssl", arguments)
        XCTAssertEqual(r.status, 0, "openssl \(arguments.prefix(2)): \(r.err)")
    }

    /// A CA, a signer it certified, and a stranger's self-signed CA with its own signer.
    func signatures(_ dir: String) throws {
        try "buy 2330 x 1000\n".write(toFile: dir + "/order.txt", atomically: true, encoding: .utf8)
        try "buy 2330 x 9000\n".write(toFile: dir + "/forged.txt", atomically: true, encoding: .utf8)
        for who in ["ca", "stranger"] {
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/\(who).key",
                         "-subj", "/C=TW/CN=\(who) CA", "-days", "30", "-out", "\(dir)/\(who).pem"])
            try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/\(who)-leaf.key",
                         "-subj", "/C=TW/CN=Signer/serialNumber=B234567890", "-out", "\(dir)/\(who)-leaf.csr"])
            try openssl(["x509", "-req", "-in", "\(dir)/\(who)-leaf.csr", "-CA", "\(dir)/\(who).pem", "-CAkey", "\(dir)/\(who).key", "-days", "10",
                         "-out", "\(dir)/\(who)-leaf.pem"])
            try openssl(["cms", "-sign", "-binary", "-in", dir + "/order.txt", "-signer", "\(dir)/\(who)-leaf.pem", "-inkey", "\(dir)/\(who)-leaf.key",
                         "-outform", "DER", "-out", "\(dir)/\(who)-detached.p7s"])
        }
        try openssl(["cms", "-sign", "-binary", "-nodetach", "-in", dir + "/order.txt", "-signer", dir + "/ca-leaf.pem", "-inkey", dir + "/ca-leaf.key",
                     "-outform", "PEM", "-out", dir + "/attached.pem"])
    }

    func testEachLineGetsItsVerdictInOrderBadLinesIncludedAndTheExitCodeIsTheWorst() throws {
        let dir = NSTemporaryDirectory() + "verify-batch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try signatures(dir)
        // OpenSSL's own view of the two verdicts that matter most.
        let cms = ["cms", "-verify", "-binary", "-inform", "DER", "-in", dir + "/ca-detached.p7s", "-CAfile", dir + "/ca.pem", "-out", "/dev/null"]
        XCTAssertEqual(try runTool("openssl", cms + ["-content", dir + "/order.txt"]).status, 0)
        XCTAssertNotEqual(try runTool("openssl", cms + ["-content", dir + "/forged.txt"]).status, 0)

        let valid = #"{"signature": "\#(dir)/ca-detached.p7s", "content": "\#(dir)/order.txt", "id": "o-1"}"#
        let attached = #"{"signature": "\#(dir)/attached.pem"}"#
        let lines = [
            valid,
            attached,
            #"{"signature": "\#(dir)/ca-detached.p7s", "content": "\#(dir)/forged.txt"}"#,
            "this is not JSON",
            #"{"signature": "\#(dir)/missing.p7s", "content": "\#(dir)/order.txt"}"#,
            "",
            #"{"signature": "\#(dir)/ca-detached.p7s"}"#,
            #"{"signature": "\#(dir)/stranger-detached.p7s", "content": "\#(dir)/order.txt", "id": "o-8"}"#,
            #"{"content": "\#(dir)/order.txt"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/batch.jsonl", atomically: true, encoding: .utf8)
        let r = try runTool(Self.tokencert, ["verify", "--batch", dir + "/batch.jsonl", "--ca", dir + "/ca.pem"])
        XCTAssertEqual(r.status, 64, r.out + r.err)
        let out = r.out.split(separator: "\n").map(String.init)
        for line in out { try JSONSchemas.check(line, schema: "verify-batch-line", origin: "verify --batch") }
        let verdicts = try out.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(verdicts.map { $0["line"] as? Int ?? 0 }, [1, 2, 3, 4, 5, 7, 8, 9], r.out)
        XCTAssertEqual(verdicts.map { $0["code"] as? String ?? "" },
                       ["ok", "ok", "tampered", "bad-line", "unreadable", "bad-line", "untrusted-signer", "bad-line"], r.out)
        XCTAssertEqual(verdicts[0]["id"] as? String, "o-1")
        XCTAssertEqual(verdicts[6]["id"] as? String, "o-8")
        XCTAssertEqual((verdicts[0]["signer"] as? [String: Any])?["subject"] as? String != nil, true, r.out)
        XCTAssertTrue(((verdicts[4]["message"] as? [String: String])?["en"] ?? "").contains("missing.p7s"), r.out)
        XCTAssertTrue(((verdicts[5]["remedy"] as? [String: String])?["zh-TW"] ?? "").contains("content"), r.out)

        // From standard input: all valid → 0; one tampered among them → 2.
        let good = try runTool(Self.tokencert, ["verify", "--batch", "-", "--ca", dir + "/ca.pem"], stdin: Data("\(valid)\n\(attached)\n".utf8))
        XCTAssertEqual(good.status, 0, good.out + good.err)
        XCTAssertEqual(good.out.split(separator: "\n").count, 2)
        let tampered = #"{"signature": "\#(dir)/ca-detached.p7s", "content": "\#(dir)/forged.txt"}"#
        let mixed = try runTool(Self.tokencert, ["verify", "--batch", "-", "--ca", dir + "/ca.pem"], stdin: Data("\(valid)\n\(tampered)\n\(attached)".utf8))
        XCTAssertEqual(mixed.status, 2, mixed.out + mixed.err)
        XCTAssertEqual(mixed.out.split(separator: "\n").count, 3)

        // Usage: --batch is not given with --sig; a batch file that cannot be read is bad input.
        XCTAssertEqual(try runTool(Self.tokencert, ["verify", "--batch", "-", "--sig", dir + "/attached.pem", "--ca", dir + "/ca.pem"]).status, 64)
        let noFile = try runTool(Self.tokencert, ["verify", "--batch", dir + "/none.jsonl", "--ca", dir + "/ca.pem", "--lang", "en"])
        XCTAssertEqual(noFile.status, 64)
        XCTAssertTrue(noFile.err.contains("none.jsonl"), noFile.err)
    }
}
