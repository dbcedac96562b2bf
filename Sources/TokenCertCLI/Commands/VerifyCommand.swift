import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization
import RAHTTPClient
import X509

/// `tokencert verify --sig F.p7s [--in F] [--ca CA] [--crl CRL]`, or `--batch FILE` for many.
struct VerifyCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a CMS-signed order: signature, chain to the CA, validity now (or --at), signing time, revocation.",
        discussion: """
        Offline by default: --ca (PEM or DER, repeatable) are the trusted CAs and --crl the CRLs (repeatable; with --require-crl a missing CRL fails). Without --ca, the CA and CRL are fetched from --ra. --in is the signed content for a detached signature.

        An order is judged at the time it is received: now, or the time given with --at (an archive's receipt time you vouch for) — never at the signingTime inside the signature, which the signer chooses. The certificate must be valid at that time, and a signingTime more than 5 minutes away from it is refused as back- or forward-dated (code signing-time-out-of-range).

        Revocation is also asked of the OCSP responder the signer's certificate names (its authority information access, which the RA puts into every certificate when it runs with --public-url), unless --offline is given; --ocsp asks it even when the certificate names none (then the RA of --ra or $TOKENCERT_RA, at /ocsp) and makes its answer required. The answer must be signed by the CA (or a responder the CA authorised), carry the nonce sent, name the certificate and be current. A certificate revoked at or before the time the order is judged is revoked; revoked later, the order was received while the certificate was good. A responder that cannot be reached, does not know the certificate, or gives no usable answer makes the verdict revocation-unknown — never valid.

        The verdict names the first reason found: malformed, tampered, signer-certificate-missing, untrusted-signer, not-valid, signing-time-out-of-range, revoked, revocation-unknown, chain.

        With --format json: one JSON document as docs/schemas/verify.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --crl ca.crl
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --at 2026-12-01T09:30:00+08:00
          tokencert verify --sig order.p7s --ra https://ra.example --format json
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --ocsp
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --crl ca.crl --offline

        Exit codes: 0 valid · 2 not valid (reason printed) · 6 RA unreachable · 64 bad input.

        Batch mode, for scripts checking many signatures: --batch FILE (or - for standard input) reads JSON lines, one signature each: {"signature": "order.p7s", "content": "order.txt"} (content only for a detached signature; an optional "id" string is copied to the answer; relative paths are from the current directory; blank lines are skipped). The CAs and CRLs are loaded once for all. For every input line one JSON line comes out, in the same order (docs/schemas/verify-batch-line.schema.json): the line number, the paths, the verdict as a single verify gives it (valid, code, message, remedy, signer, signingTime) — or, for a line that cannot be judged, valid false with code bad-line (not JSON, no signature path) or unreadable (a path that cannot be read) and the reason; such a line never stops the batch. The exit code is the worst verdict: 0 every signature valid (or no lines) · 2 some not valid · 64 some line bad or unreadable (6 when the RA with the CA cannot be reached).

        Example:
          ls *.p7s | jq -Rc '{signature: ., content: (.[:-4] + ".txt")}' > batch.jsonl
          tokencert verify --batch batch.jsonl --ca ca.pem --crl ca.crl
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @Option(name: .customLong("in"), help: ArgumentHelp("The signed content (for a detached signature).", valueName: "file")) var input: String?
    @Option(name: .long, help: ArgumentHelp("The CMS signature (DER or PEM).", valueName: "file")) var sig: String?
    @Option(name: .long, help: ArgumentHelp("JSON lines of {\"signature\", \"content\"} paths to verify, one verdict line out each (- for standard input).",
                                            valueName: "file"))
    var batch: String?
    @Option(name: .long, help: ArgumentHelp("A trusted CA certificate (repeatable); default: the RA's.", valueName: "file")) var ca: [String] = []
    @Option(name: .long, help: ArgumentHelp("A CRL (repeatable); default with no --ca: the RA's.", valueName: "file")) var crl: [String] = []
    @Flag(name: .customLong("require-crl"), help: "Fail when revocation cannot be checked.") var requireCRL = false
    @Flag(name: .long, help: "Ask the OCSP responder (the certificate's, else the RA's /ocsp) and require its answer.") var ocsp = false
    @Flag(name: .long, help: "Never ask an OCSP responder, even when the certificate names one.") var offline = false
    @Option(name: .long, help: ArgumentHelp("Judge the order at this time instead of now (ISO 8601 with a zone, e.g. 2026-12-01T09:30:00+08:00): when you received it.",
                                            valueName: "time"))
    var at: String?

    struct JSON: Codable {
        var valid: Bool
        var code: String
        var message: LocalizedText
        var remedy: LocalizedText?
        var signer: CertificateJSON?
        var signingTime: Date?
        /// How revocation was checked: `crl`, `ocsp`, both, or none (empty).
        var revocationChecked: [String]?
    }

    func validate() throws {
        guard (sig == nil) != (batch == nil) else { throw ValidationError("Give --sig for one signature or --batch for many (not both).") }
        if batch != nil, input != nil { throw ValidationError("--in is for --sig; in --batch each line names its own content.") }
        if ocsp && offline { throw ValidationError("--ocsp and --offline contradict each other: give one.") }
    }

    func work() async throws {
        // Read once, before any signature: a bad --ra-ca is bad input, not an OCSP answer missing later.
        let ocspTrust = try raOptions.trustedCAFile()
        if let batch { return try await verifyBatch(batch, ocspTrust: ocspTrust) }
        let lang = global.language
        let signature = try Self.read(sig ?? "")
        let content = try input.map(Self.read)
        if content == nil, OrderSignatureVerifier.isDetached(signature) {
            throw CLIError(.badInput, en: "\(sig ?? "") is a detached signature: the signed content is not in it.",
                           zhTW: "\(sig ?? "") 為分離式簽章，未包含被簽署的內容。",
                           remedyEN: "Give the signed file with --in.", remedyZH: "請以 --in 指定被簽署的檔案。")
        }
        let verifier = try await trust()
        let judgedAt = try at.map(Self.parseTime) ?? Date()
        let outcome = try await judge(verifier, signature: signature, content: content, at: judgedAt, ocspTrust: ocspTrust)
        if global.format == .json {
            try printJSON(outcome)
        } else {
            print(outcome.message.text(lang))
            if let s = outcome.signer { print((lang == .english ? "  Signer: " : "  簽署者：") + s.subject + " (\(s.serial))") }
            if let r = outcome.remedy { print((lang == .english ? "  What to do: " : "  處理方式：") + r.text(lang)) }
        }
        if !outcome.valid { throw ExitStatus.verificationFailed.exitCode }
    }

    /// The whole file, or bad input naming it.
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.badInput, en: "Cannot read \(path).", zhTW: "無法讀取 \(path)。")
        }
        return Array(data)
    }

    /// The verifier for the trusted CAs and CRLs: --ca and --crl files, else the RA's (fetched once).
    func trust() async throws -> OrderSignatureVerifier {
        var cas = try ca.map { path in
            do { return try CertificateSummary.parse(try Self.read(path)).derBytes } catch let error as CLIError { throw error } catch {
                throw CLIError(.badInput, en: "--ca \(path) is not a certificate (PEM or DER).", zhTW: "--ca \(path) 不是憑證（PEM 或 DER）。")
            }
        }
        var crls = try crl.map { try Self.crlDER(try Self.read($0)) }
        for (path, der) in zip(crl, crls) where der.first != 0x30 {
            throw CLIError(.badInput, en: "--crl \(path) is not a CRL (PEM or DER).", zhTW: "--crl \(path) 不是憑證廢止清單（PEM 或 DER）。")
        }
        if cas.isEmpty {
            let client = try raOptions.client(language: global.language)
            cas = [try CertificateSummary.parse(Array(try await client.caCertificatePEM().utf8)).derBytes]
            if crls.isEmpty { crls = [try await client.crl()] }
        }
        return OrderSignatureVerifier(trustedCAs: cas, crls: crls, requireRevocationCheck: requireCRL)
    }

    /// One signature's verdict: the verifier's (CRLs included), then the OCSP responder's when it is asked.
    /// - Throws: what the verifier throws other than `OrderSignatureError` (which becomes the verdict).
    func judge(_ verifier: OrderSignatureVerifier, signature: [UInt8], content: [UInt8]?, at: Date, ocspTrust: String?) async throws -> JSON {
        do {
            let v = try verifier.verify(signature: signature, content: content, at: at)
            let askedOCSP = try await checkOCSP(v, trusted: verifier.trustedCAs, judgedAt: at, trustedCAFile: ocspTrust)
            let checked = (verifier.crls.isEmpty ? [] : ["crl"]) + (askedOCSP ? ["ocsp"] : [])
            return JSON(valid: true, code: "ok", message: LocalizedText(en: "Signature verified", zhTW: "驗章成功"),
                        signer: CertificateJSON(v.signer), signingTime: v.signingTime, revocationChecked: checked)
        } catch let e as OrderSignatureError {
            return JSON(valid: false, code: e.code, message: e.summary, remedy: e.remedy)
        }
    }

    /// Asks the OCSP responder about the signer's certificate when the certificate names one (unless
    /// --offline) or --ocsp is given; true when it was asked and said good (or revoked only after
    /// `judgedAt`). `trustedCAFile`: the broker's CA for an https responder (`--ra-ca`, read once).
    /// - Throws: `OrderSignatureError(.revoked)`, `.revocationUnknown` (no usable answer).
    func checkOCSP(_ verified: VerifiedOrderSignature, trusted: [[UInt8]], judgedAt: Date, trustedCAFile: String?) async throws -> Bool {
        if offline { return false }
        guard let certificate = try? Certificate(derEncoded: verified.signerCertificate) else { return false }
        let named = (try? certificate.extensions.authorityInformationAccess)??
            .first { $0.method == .ocspServer }
            .flatMap { if case .uniformResourceIdentifier(let uri) = $0.location { URL(string: uri) } else { nil } }
        var url = named
        if url == nil, ocsp, let ra = raOptions.ra ?? ProcessInfo.processInfo.environment["TOKENCERT_RA"], let base = URL(string: ra) {
            url = base.appendingPathComponent("ocsp")
        }
        guard ocsp || named != nil else { return false }
        guard let url, ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw OrderSignatureError(.revocationUnknown("the certificate names no OCSP responder and no RA was given"))
        }
        guard let issuer = trusted.compactMap({ try? Certificate(derEncoded: $0) })
            .first(where: { $0.subject == certificate.issuer && $0.publicKey.isValidSignature(certificate.signature, for: certificate) }) else {
            throw OrderSignatureError(.revocationUnknown("the issuer's certificate is not among the trusted CAs"))
        }
        let request = try OCSPCheck.request(for: certificate, issuer: issuer)
        let answer: [UInt8]
        do { answer = try await OCSPFetcher(timeout: raOptions.raTimeout, trustedCAFile: trustedCAFile).fetch(request.der, from: url) } catch {
            throw OrderSignatureError(.revocationUnknown(error.description))
        }
        switch OCSPCheck.judge(answer, to: request, issuer: issuer) {
        case .good: return true
        case .revoked(let at, _) where at <= judgedAt: throw OrderSignatureError(.revoked)
        case .revoked: return true
        case .unknown(let why): throw OrderSignatureError(.revocationUnknown("OCSP: \(why)"))
        }
    }


    /// `--at`: ISO 8601 with a zone (`Z` or `+08:00`), seconds optional.
    static func parseTime(_ text: String) throws -> Date {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let noSeconds = ISO8601DateFormatter()
        noSeconds.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withTimeZone, .withDashSeparatorInDate]
        for formatter in [plain, fractional, noSeconds] {
            if let date = formatter.date(from: text) { return date }
        }
        throw CLIError(.badInput, en: "--at is not a time: write it as ISO 8601 with a zone, e.g. 2026-12-01T09:30:00+08:00.",
                       zhTW: "--at 不是時間：請以 ISO 8601 含時區寫法，例如 2026-12-01T09:30:00+08:00。")
    }

    /// A CRL file in PEM or DER.
    static func crlDER(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN X509 CRL-----") else { return bytes }
        let body = text.components(separatedBy: "-----BEGIN X509 CRL-----")[1].components(separatedBy: "-----END X509 CRL-----")[0]
        guard let data = Data(base64Encoded: body, options: .ignoreUnknownCharacters) else {
            throw CLIError(.badInput, en: "The CRL file is not PEM or DER.", zhTW: "CRL 檔案不是 PEM 或 DER 格式。")
        }
        return Array(data)
    }

    // MARK: - Batch

    /// One input line of `--batch`.
    struct BatchInput: Decodable {
        var signature: String?
        var content: String?
        var id: String?
    }

    /// One output line of `--batch` (docs/schemas/verify-batch-line.schema.json): where the line
    /// came from, then the verdict's own fields, as a single verify prints them.
    struct BatchVerdict: Encodable {
        var line: Int
        var id: String?
        var signature: String?
        var content: String?
        var verdict: JSON

        enum CodingKeys: String, CodingKey { case line, id, signature, content }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(line, forKey: .line)
            try container.encodeIfPresent(id, forKey: .id)
            try container.encodeIfPresent(signature, forKey: .signature)
            try container.encodeIfPresent(content, forKey: .content)
            try verdict.encode(to: encoder)
        }
    }

    /// The worst verdict so far decides the exit code: bad input, then not valid, then ok.
    enum BatchWorst: Int, Comparable {
        case ok, notValid, badLine
        static func < (a: BatchWorst, b: BatchWorst) -> Bool { a.rawValue < b.rawValue }
    }

    /// `--batch`: trust loaded once, then one verdict line per input line, in order, whatever each line holds.
    func verifyBatch(_ path: String, ocspTrust: String?) async throws {
        let judgedAt = try at.map(Self.parseTime) ?? Date()
        let lines: AnyIterator<String>
        if path == "-" {
            lines = AnyIterator { readLine(strippingNewline: true) }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError(.badInput, en: "Cannot read the batch file \(path).", zhTW: "無法讀取批次檔 \(path)。")
            }
            var rest = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)[...]
            if rest.last == "" { rest = rest.dropLast() }
            lines = AnyIterator { rest.popFirst().map(String.init) }
        }
        let verifier = try await trust()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var worst = BatchWorst.ok
        var out = Data()
        var number = 0
        for text in lines {
            number += 1
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            let verdict = await batchVerdict(text, line: number, verifier: verifier, at: judgedAt, ocspTrust: ocspTrust)
            worst = max(worst, verdict.verdict.valid ? .ok : (["bad-line", "unreadable"].contains(verdict.verdict.code) ? .badLine : .notValid))
            out.append(try encoder.encode(verdict))
            out.append(0x0A)
            if out.count > 1 << 16 {
                FileHandle.standardOutput.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(out)
        switch worst {
        case .ok: return
        case .notValid: throw ExitStatus.verificationFailed.exitCode
        case .badLine: throw ExitStatus.badInput.exitCode
        }
    }

    /// The verdict for one input line; a line that cannot be judged gets `bad-line` or `unreadable`.
    func batchVerdict(_ text: String, line: Int, verifier: OrderSignatureVerifier, at: Date, ocspTrust: String?) async -> BatchVerdict {
        func refused(_ code: String, _ input: BatchInput?, en: String, zhTW: String, remedyEN: String, remedyZH: String) -> BatchVerdict {
            BatchVerdict(line: line, id: input?.id, signature: input?.signature, content: input?.content,
                         verdict: JSON(valid: false, code: code, message: LocalizedText(en: en, zhTW: zhTW), remedy: LocalizedText(en: remedyEN, zhTW: remedyZH)))
        }
        guard let input = try? JSONDecoder().decode(BatchInput.self, from: Data(text.utf8)) else {
            return refused("bad-line", nil, en: "Line \(line) is not a JSON object with string fields.", zhTW: "第 \(line) 行不是欄位皆為字串的 JSON 物件。",
                           remedyEN: #"Write each line as {"signature": "order.p7s", "content": "order.txt"}."#,
                           remedyZH: #"每行請寫成 {"signature": "order.p7s", "content": "order.txt"}。"#)
        }
        guard let signaturePath = input.signature, !signaturePath.isEmpty else {
            return refused("bad-line", input, en: "Line \(line) names no signature file.", zhTW: "第 \(line) 行未指定簽章檔。",
                           remedyEN: #"Give the signature's path as "signature"."#, remedyZH: #"請以 "signature" 指定簽章檔路徑。"#)
        }
        for path in [signaturePath] + (input.content.map { [$0] } ?? []) where !FileManager.default.isReadableFile(atPath: path) {
            return refused("unreadable", input, en: "Cannot read \(path).", zhTW: "無法讀取 \(path)。",
                           remedyEN: "Check the path (relative paths are from the current directory) and its permissions.",
                           remedyZH: "請確認路徑（相對路徑自目前目錄起算）與權限。")
        }
        guard let signature = FileManager.default.contents(atPath: signaturePath),
              let content = input.content.map({ FileManager.default.contents(atPath: $0) }) ?? .some(nil) else {
            return refused("unreadable", input, en: "Cannot read the files of line \(line).", zhTW: "無法讀取第 \(line) 行的檔案。",
                           remedyEN: "Check the paths and their permissions.", remedyZH: "請確認路徑與權限。")
        }
        if content == nil, OrderSignatureVerifier.isDetached(Array(signature)) {
            return refused("bad-line", input, en: "\(signaturePath) is a detached signature: the line names no content.",
                           zhTW: "\(signaturePath) 為分離式簽章，此行未指定被簽署的內容。",
                           remedyEN: #"Add the signed file as "content"."#, remedyZH: #"請以 "content" 指定被簽署的檔案。"#)
        }
        let verdict: JSON
        do {
            verdict = try await judge(verifier, signature: Array(signature), content: content.map(Array.init), at: at, ocspTrust: ocspTrust)
        } catch {
            verdict = JSON(valid: false, code: "malformed", message: LocalizedText(en: "The signature cannot be read.", zhTW: "無法讀取簽章。"),
                           remedy: LocalizedText(en: "Ask the sender for the signature file again.", zhTW: "請向傳送者重新索取簽章檔。"))
        }
        return BatchVerdict(line: line, id: input.id, signature: signaturePath, content: input.content, verdict: verdict)
    }
}
