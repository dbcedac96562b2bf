import Foundation
import TestSupport
import XCTest

/// The built `tokencert`, for the end-to-end tests.
let tokencertExecutable = builtExecutable("tokencert")

/// Helpers of the end-to-end journeys (JourneyCLITests, TokenMatrixCLITests): a scratch folder,
/// identity-checked commands answered from the RA's outbox, JSON reading and schema checks.
protocol JourneyTest: XCTestCase {}

extension JourneyTest {
    func work() throws -> String {
        let dir = NSTemporaryDirectory() + "journey-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Runs an identity-checked command, answering the one-time code from the RA's outbox.
    func interactive(_ arguments: [String], env: [String: String], ra: RAProcess, codes: Int = 1,
                     file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
        let p = try InteractiveProcess(tokencertExecutable, arguments, environment: env, unset: ["TOKENCERT_PIN"])
        var seen = 0
        for _ in 0..<codes {
            let pattern = #"Code for identifier ([A-Za-z]{4})"#
            let all = try NSRegularExpression(pattern: pattern)
            // Wait for the (seen+1)-th prompt.
            let deadline = Date().addingTimeInterval(60)
            var identifier: String?
            while Date() < deadline, identifier == nil {
                let text = p.stderr as NSString
                let matches = all.matches(in: p.stderr, range: NSRange(location: 0, length: text.length))
                if matches.count > seen { identifier = text.substring(with: matches[seen].range(at: 1)) }
                else if !p.process.isRunning { break } else { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard let identifier else {
                let r = p.finish(timeout: 5)
                XCTFail("no code prompt: \(r.out)\n\(r.err)", file: file, line: line)
                return r
            }
            p.send(try ra.code(for: identifier))
            seen += 1
        }
        return p.finish()
    }

    /// A fresh SoftHSM token in `dir` (its own softhsm2.conf): the environment that selects it, its
    /// URI, and a file with its user PIN.
    func softHSM(_ dir: String) throws -> (env: [String: String], uri: String, pinFile: String) {
        try FileManager.default.createDirectory(atPath: dir + "/tokens", withIntermediateDirectories: true)
        let conf = dir + "/softhsm2.conf"
        try "directories.tokendir = \(dir)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let label = "journey-\(UUID().uuidString.prefix(6))", pin = "\(Int.random(in: 100000...999999))"
        let made = try runTool("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", "27182818", "--pin", pin],
                               environment: ["SOFTHSM2_CONF": conf])
        XCTAssertEqual(made.status, 0, made.err)
        try pin.write(toFile: dir + "/pin", atomically: true, encoding: .utf8)
        return (["SOFTHSM2_CONF": conf], "pkcs11:token=\(label)", dir + "/pin")
    }

    func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            XCTFail("not JSON: \(text)", file: file, line: line)
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }

    /// Checks `document` against docs/schemas/NAME.schema.json with python3-jsonschema (an
    /// independent validator) and the one shape of two-language text (`JSONSchemas`).
    func validate(_ document: String, schema name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try JSONSchemas.check(document, schema: name, file: file, line: line)
    }

}
