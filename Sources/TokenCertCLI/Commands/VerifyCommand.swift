import ArgumentParser
import CertificateKit
import Foundation
import Lifecycle
import Localization
import RAHTTPClient
import X509

/// `tokencert verify --sig F.p7s [--in F] [--ca CA] [--crl CRL]`.
struct VerifyCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a CMS-signed order: signature, chain to the CA, validity now (or --at), signing time, revocation.",
        discussion: """
        Offline by default: --ca (PEM or DER, repeatable) are the trusted CAs and --crl the CRLs (repeatable;
        with --require-crl a missing CRL fails). Without --ca, the CA and CRL are fetched from --ra.
        --in is the signed content for a detached signature.

        An order is judged at the time it is received: now, or the time given with --at (an archive's
        receipt time you vouch for) — never at the signingTime inside the signature, which the signer
        chooses. The certificate must be valid at that time, and a signingTime more than 5 minutes away
        from it is refused as back- or forward-dated (code signing-time-out-of-range).

        Revocation is also asked of the OCSP responder the signer's certificate names (its authority information access, which the RA puts into every certificate when it runs with --public-url), unless --offline is given; --ocsp asks it even when the certificate names none (then the RA of --ra or $TOKENCERT_RA, at /ocsp) and makes its answer required. The answer must be signed by the CA (or a responder the CA authorised), carry the nonce sent, name the certificate and be current. A certificate revoked at or before the time the order is judged is revoked; revoked later, the order was received while the certificate was good. A responder that cannot be reached, does not know the certificate, or gives no usable answer makes the verdict revocation-unknown — never valid.

        The verdict names the first reason found: malformed, tampered, signer-certificate-missing,
        untrusted-signer, not-valid, signing-time-out-of-range, revoked, revocation-unknown, chain.

        With --format json: one JSON document as docs/schemas/verify.schema.json; two-language text is always {"en", "zh-TW"}.

        Examples:
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --crl ca.crl
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --at 2026-12-01T09:30:00+08:00
          tokencert verify --sig order.p7s --ra https://ra.example --format json
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --ocsp
          tokencert verify --in order.txt --sig order.p7s --ca ca.pem --crl ca.crl --offline

        Exit codes: 0 valid · 2 not valid (reason printed) · 6 RA unreachable · 64 bad input.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var raOptions: RAOptions
    @Option(name: .customLong("in"), help: ArgumentHelp("The signed content (for a detached signature).", valueName: "file")) var input: String?
    @Option(name: .long, help: ArgumentHelp("The CMS signature (DER or PEM).", valueName: "file")) var sig: String
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
        if ocsp && offline {
            throw ValidationError("--ocsp and --offline contradict each other: give one.")
        }
    }

    func work() async throws {
        let lang = global.language
        func read(_ path: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError(.badInput, en: "Cannot read \(path).", zhTW: "無法讀取 \(path)。")
            }
            return Array(data)
        }
        let signature = try read(sig)
        let content = try input.map(read)
        if content == nil, OrderSignatureVerifier.isDetached(signature) {
            throw CLIError(.badInput, en: "\(sig) is a detached signature: the signed content is not in it.",
                           zhTW: "\(sig) 為分離式簽章，未包含被簽署的內容。",
                           remedyEN: "Give the signed file with --in.", remedyZH: "請以 --in 指定被簽署的檔案。")
        }
        var cas = try ca.map { path in
            do { return try CertificateSummary.parse(try read(path)).derBytes } catch let error as CLIError { throw error } catch {
                throw CLIError(.badInput, en: "--ca \(path) is not a certificate (PEM or DER).", zhTW: "--ca \(path) 不是憑證（PEM 或 DER）。")
            }
        }
        var crls = try crl.map { try Self.crlDER(try read($0)) }
        for (path, der) in zip(crl, crls) where der.first != 0x30 {
            throw CLIError(.badInput, en: "--crl \(path) is not a CRL (PEM or DER).", zhTW: "--crl \(path) 不是憑證廢止清單（PEM 或 DER）。")
        }
        if cas.isEmpty {
            let client = try raOptions.client(language: lang)
            cas = [try CertificateSummary.parse(Array(try await client.caCertificatePEM().utf8)).derBytes]
            if crls.isEmpty { crls = [try await client.crl()] }
        }
        let judgedAt = try at.map(Self.parseTime) ?? Date()
        let verifier = OrderSignatureVerifier(trustedCAs: cas, crls: crls, requireRevocationCheck: requireCRL)
        let outcome: JSON
        do {
            let v = try verifier.verify(signature: signature, content: content, at: judgedAt)
            let askedOCSP = try await checkOCSP(v, trusted: cas, judgedAt: judgedAt)
            let checked = (crls.isEmpty ? [] : ["crl"]) + (askedOCSP ? ["ocsp"] : [])
            outcome = JSON(valid: true, code: "ok", message: LocalizedText(en: "Signature verified", zhTW: "驗章成功"),
                           signer: CertificateJSON(v.signer), signingTime: v.signingTime, revocationChecked: checked)
        } catch let e as OrderSignatureError {
            outcome = JSON(valid: false, code: e.code, message: e.summary, remedy: e.remedy)
        }
        if global.format == .json {
            try printJSON(outcome)
        } else {
            print(outcome.message.text(lang))
            if let s = outcome.signer { print((lang == .english ? "  Signer: " : "  簽署者：") + s.subject + " (\(s.serial))") }
            if let r = outcome.remedy { print((lang == .english ? "  What to do: " : "  處理方式：") + r.text(lang)) }
        }
        if !outcome.valid { throw ExitStatus.verificationFailed.exitCode }
    }

    /// Asks the OCSP responder about the signer's certificate when the certificate names one (unless
    /// --offline) or --ocsp is given; true when it was asked and said good (or revoked only after
    /// `judgedAt`).
    /// - Throws: `OrderSignatureError(.revoked)`, `.revocationUnknown` (no usable answer).
    func checkOCSP(_ verified: VerifiedOrderSignature, trusted: [[UInt8]], judgedAt: Date) async throws -> Bool {
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
        do { answer = try await OCSPFetcher(timeout: raOptions.raTimeout).fetch(request.der, from: url) } catch {
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
}
