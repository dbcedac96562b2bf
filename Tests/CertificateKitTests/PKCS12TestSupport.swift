import Foundation
import TestSupport
import XCTest

/// A fresh temporary folder per test with keys and certificates made by the `openssl` command:
/// a root CA and an intermediate CA (P-256) and a leaf of the chosen key kind signed by the intermediate.
final class PFXFixture {
    enum KeyKind: String, CaseIterable {
        case rsa2048 = "RSA-2048"
        case p256 = "P-256"
    }

    struct Chain {
        /// PKCS#8 DER of the leaf key, as `openssl genpkey` wrote it.
        var leafKeyDER: [UInt8]
        var leafKeyPath: String
        var leafDER: [UInt8]
        var leafPath: String
        var intermediateDER: [UInt8]
        var rootDER: [UInt8]
        /// intermediate then root, PEM.
        var chainPath: String
        var chainDER: [[UInt8]] { [intermediateDER, rootDER] }
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pfx-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write("openssl.cnf", Data("""
            [req]
            distinguished_name = dn
            utf8 = yes
            [dn]
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [leaf]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature,nonRepudiation
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            """.utf8))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ data: Data) throws {
        try data.write(to: directory.appendingPathComponent(name))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws { try write(name, Data(bytes)) }

    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))) }

    /// Writes a password file (no trailing newline) and returns `file:<path>` for `-passin`/`-passout`.
    func passwordSource(_ password: String, name: String = "password.txt") throws -> String {
        try write(name, Data(password.utf8))
        return "file:" + path(name)
    }

    /// Runs `/usr/bin/openssl`; a non-zero exit fails with its output.
    @discardableResult
    func openssl(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
        let result = try runTool("/usr/bin/openssl", arguments, file: file, line: line)
        guard result.status == 0 else {
            XCTFail("openssl \(arguments.joined(separator: " ")) exited \(result.status): \(result.err)", file: file, line: line)
            throw CocoaError(.executableLoad)
        }
        return result
    }

    func generateKey(_ kind: KeyKind, name: String) throws {
        switch kind {
        case .rsa2048:
            try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path(name)])
        case .p256:
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name)])
        }
    }

    /// Root (self-signed) → intermediate → leaf with `leafSubject`.
    func makeChain(_ kind: KeyKind, leafSubject: String = "/CN=TokenCert Test Customer/serialNumber=A123456789") throws -> Chain {
        let cnf = path("openssl.cnf")
        try generateKey(.p256, name: "root.key")
        try openssl(["req", "-x509", "-new", "-config", cnf, "-extensions", "ca", "-key", path("root.key"),
                     "-subj", "/CN=TokenCert Test Root CA", "-days", "2", "-out", path("root.pem")])
        try generateKey(.p256, name: "int.key")
        try openssl(["req", "-new", "-config", cnf, "-key", path("int.key"), "-subj", "/CN=TokenCert Test Issuing CA",
                     "-out", path("int.csr")])
        try openssl(["x509", "-req", "-in", path("int.csr"), "-CA", path("root.pem"), "-CAkey", path("root.key"),
                     "-set_serial", "2", "-days", "2", "-extfile", cnf, "-extensions", "ca", "-out", path("int.pem")])
        try generateKey(kind, name: "leaf.key")
        try openssl(["req", "-new", "-config", cnf, "-utf8", "-key", path("leaf.key"), "-subj", leafSubject,
                     "-out", path("leaf.csr")])
        try openssl(["x509", "-req", "-in", path("leaf.csr"), "-CA", path("int.pem"), "-CAkey", path("int.key"),
                     "-set_serial", "3", "-days", "2", "-extfile", cnf, "-extensions", "leaf", "-out", path("leaf.pem")])
        let intermediate = try PEM.blocks(String(decoding: read("int.pem"), as: UTF8.self))[0].der
        let root = try PEM.blocks(String(decoding: read("root.pem"), as: UTF8.self))[0].der
        try write("chain.pem", read("int.pem") + read("root.pem"))
        let key = try PEM.blocks(String(decoding: read("leaf.key"), as: UTF8.self))
        XCTAssertEqual(key.first?.label, "PRIVATE KEY", "genpkey writes PKCS#8")
        return Chain(leafKeyDER: key[0].der, leafKeyPath: path("leaf.key"),
                     leafDER: try PEM.blocks(String(decoding: read("leaf.pem"), as: UTF8.self))[0].der,
                     leafPath: path("leaf.pem"), intermediateDER: intermediate, rootDER: root, chainPath: path("chain.pem"))
    }

    /// Another certificate for the leaf key (as a renewal on the same key would give), signed by the intermediate.
    func reissueLeaf(serial: Int, name: String) throws -> [UInt8] {
        try openssl(["x509", "-req", "-in", path("leaf.csr"), "-CA", path("int.pem"), "-CAkey", path("int.key"),
                     "-set_serial", "\(serial)", "-days", "3", "-extfile", path("openssl.cnf"), "-extensions", "leaf",
                     "-out", path(name)])
        return try PEM.blocks(String(decoding: read(name), as: UTF8.self))[0].der
    }

    /// `openssl pkcs12 -info -noout`: what OpenSSL says of the file's algorithms (it prints to stderr).
    func info(_ pfx: String, passin: String) throws -> String {
        let result = try openssl(["pkcs12", "-info", "-noout", "-in", path(pfx), "-passin", passin])
        return result.out + result.err
    }

    /// `openssl pkcs12 -nodes`: every key and certificate with its bag attributes.
    func extract(_ pfx: String, passin: String, extra: [String] = []) throws -> [PEM.Block] {
        try PEM.blocks(String(decoding: extractRaw(pfx, passin: passin, extra: extra), as: UTF8.self))
    }

    /// The bytes `openssl pkcs12 -nodes` writes (to a file: OpenSSL 3.0 prints a BMPString
    /// friendlyName with `OPENSSL_uni2asc`, one byte per character, which is not UTF-8).
    func extractRaw(_ pfx: String, passin: String, extra: [String] = []) throws -> [UInt8] {
        let out = pfx + ".extracted.pem"
        try openssl(["pkcs12", "-in", path(pfx), "-passin", passin, "-nodes", "-out", path(out)] + extra)
        return try read(out)
    }
}

/// PEM blocks with the text in front of each (where `openssl pkcs12` prints the bag attributes).
enum PEM {
    struct Block {
        var label: String
        var der: [UInt8]
        var preamble: String
    }

    static func blocks(_ text: String) throws -> [Block] {
        var blocks: [Block] = []
        var preamble: [Substring] = []
        var label: String?
        var body = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let current = label {
                if trimmed == "-----END \(current)-----" {
                    guard let der = Data(base64Encoded: body) else { throw CocoaError(.coderReadCorrupt) }
                    blocks.append(Block(label: current, der: [UInt8](der), preamble: preamble.joined(separator: "\n")))
                    label = nil
                    body = ""
                    preamble = []
                } else {
                    body += trimmed
                }
            } else if trimmed.hasPrefix("-----BEGIN "), trimmed.hasSuffix("-----") {
                label = String(trimmed.dropFirst("-----BEGIN ".count).dropLast(5))
            } else {
                preamble.append(line)
            }
        }
        return blocks
    }
}

/// Just enough DER to take apart and put together the outer layers of a PKCS#12 file in a test.
enum TinyDER {
    /// The elements (whole TLVs) inside the SEQUENCE (or other constructed value) `der`.
    static func children(_ der: [UInt8]) throws -> [[UInt8]] {
        let (_, content) = try split(der[...])
        var rest = content
        var out: [[UInt8]] = []
        while !rest.isEmpty {
            let (whole, _) = try split(rest)
            out.append(Array(whole))
            rest = rest.dropFirst(whole.count)
        }
        return out
    }

    /// The content octets of the TLV `der`.
    static func content(_ der: [UInt8]) throws -> [UInt8] { Array(try split(der[...]).content) }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var n = content.count
            var bytes: [UInt8] = []
            while n > 0 { bytes.insert(UInt8(n & 0xFF), at: 0); n >>= 8 }
            length = [0x80 | UInt8(bytes.count)] + bytes
        }
        return [tag] + length + content
    }

    /// The first TLV of `bytes` (whole) and its content.
    private static func split(_ bytes: ArraySlice<UInt8>) throws -> (whole: ArraySlice<UInt8>, content: ArraySlice<UInt8>) {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { throw CocoaError(.coderReadCorrupt) }
        index += 1
        guard index < bytes.endIndex else { throw CocoaError(.coderReadCorrupt) }
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, index + count <= bytes.endIndex else { throw CocoaError(.coderReadCorrupt) }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard index + length <= bytes.endIndex else { throw CocoaError(.coderReadCorrupt) }
        return (bytes[bytes.startIndex..<(index + length)], bytes[index..<(index + length)])
    }
}
