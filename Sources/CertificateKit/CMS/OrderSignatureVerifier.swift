public import Foundation
public import Localization
import SwiftASN1
import X509

/// Why an order signature was not accepted — each with its own message and remedy.
public struct OrderSignatureError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// Not a CMS SignedData at all.
        case malformed(String)
        /// The signature or the message digest does not match: the message was changed.
        case tampered(String)
        /// The signer's certificate is not in the signature.
        case signerCertificateMissing
        /// The signer's certificate does not chain to a trusted CA.
        case untrustedSigner(String)
        /// The signer's certificate is not valid at the time the order is judged (expired, or not
        /// yet valid) — the time the verifier received it, never the signer's own `signingTime`.
        case signerNotValid(String)
        /// The signature's `signingTime` is further from the time the order is judged than the
        /// allowed clock skew: a back- or forward-dated signature.
        case signingTimeOutOfRange(signingTime: Date, judgedAt: Date)
        /// The signer's certificate is revoked.
        case revoked
        /// No CRL from the signer's CA was given, or it is out of date or badly signed; or the OCSP
        /// responder gave no usable answer.
        case revocationUnknown(String)
        /// Any other chain problem, with OpenSSL's X509_V_ERR text.
        case chain(String)
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The reason as a stable machine-readable code (JSON of `tokencert verify`, the RA's verdict).
    public var code: String {
        switch reason {
        case .malformed: "malformed"
        case .tampered: "tampered"
        case .signerCertificateMissing: "signer-certificate-missing"
        case .untrustedSigner: "untrusted-signer"
        case .signerNotValid: "not-valid"
        case .signingTimeOutOfRange: "signing-time-out-of-range"
        case .revoked: "revoked"
        case .revocationUnknown: "revocation-unknown"
        case .chain: "chain"
        }
    }

    public var description: String { summary.english }

    /// The signature did not verify.
    public var category: ErrorCategory { .verification }

    public var summary: LocalizedText {
        switch reason {
        case .malformed(let why):
            LocalizedText(en: "This is not a readable CMS signature (\(why)).", zhTW: "這不是可讀取的 CMS 簽章（\(why)）。")
        case .tampered:
            LocalizedText(en: "The signature does not match the message: the message was changed after signing.",
                          zhTW: "簽章與內容不符：內容在簽章後遭到修改。")
        case .signerCertificateMissing:
            LocalizedText(en: "The signature does not include the signer's certificate.", zhTW: "簽章中沒有簽章者的憑證。")
        case .untrustedSigner(let why):
            LocalizedText(en: "The signer's certificate was not issued by a trusted CA (\(why)).", zhTW: "簽章者的憑證並非由信任的憑證機構簽發（\(why)）。")
        case .signerNotValid(let why):
            LocalizedText(en: "The signer's certificate is not valid at the time the order is judged (\(why)).",
                          zhTW: "於判定委託的時間，簽章者的憑證不在有效期間內（\(why)）。")
        case .signingTimeOutOfRange(let signed, let judged):
            LocalizedText(en: "The signature says it was made at \(CertificateSummary.taipeiString(signed)), too far from \(CertificateSummary.taipeiString(judged)) when the order is judged: it may be back-dated.",
                          zhTW: "簽章標示的時間為 \(CertificateSummary.taipeiString(signed))，與判定委託的時間 \(CertificateSummary.taipeiString(judged)) 相差過大，可能為回溯簽章。")
        case .revoked:
            LocalizedText(en: "The signer's certificate has been revoked.", zhTW: "簽章者的憑證已被廢止。")
        case .revocationUnknown(let why):
            LocalizedText(en: "Revocation could not be checked (\(why)).", zhTW: "無法確認憑證是否已被廢止（\(why)）。")
        case .chain(let why):
            LocalizedText(en: "The signer's certificate chain is not valid (\(why)).", zhTW: "簽章者的憑證鏈無效（\(why)）。")
        }
    }

    public var remedy: LocalizedText? {
        switch reason {
        case .malformed, .tampered:
            LocalizedText(en: "Do not act on this order; ask the sender to sign it again.", zhTW: "請勿執行此委託，並請對方重新簽章。")
        case .signerCertificateMissing:
            LocalizedText(en: "Sign with the certificate included (tokencert sign does so).", zhTW: "簽章時請附上憑證（tokencert sign 會自動附上）。")
        case .untrustedSigner:
            LocalizedText(en: "Check --ca: it must be the broker CA's certificate.", zhTW: "請確認 --ca 為券商憑證機構的憑證。")
        case .signerNotValid:
            LocalizedText(en: "Do not act on this order. The signer renews the certificate (tokencert renew) or applies for a new one, and signs again.",
                          zhTW: "請勿執行此委託。簽章者須展期（tokencert renew）或重新申請憑證後再簽章。")
        case .signingTimeOutOfRange:
            LocalizedText(en: "Do not act on this order; ask the sender to sign it again with the computer's clock right. To judge an archived order, give the time it was received (tokencert verify --at).",
                          zhTW: "請勿執行此委託，並請對方校正電腦時間後重新簽章。若要判定已存檔的委託，請指定收到的時間（tokencert verify --at）。")
        case .revoked:
            LocalizedText(en: "Apply for a new certificate (tokencert apply) and sign again.", zhTW: "請重新申請憑證（tokencert apply）後再簽章。")
        case .revocationUnknown:
            LocalizedText(en: "Make sure the RA's CRL or OCSP responder can be reached and try again, or pass the current CRL with --crl (and --offline).",
                          zhTW: "請確認可連線至註冊中心的廢止清單或 OCSP 回應伺服器後再試，或以 --crl 指定最新的廢止清單（並加上 --offline）。")
        case .chain: nil
        }
    }
}

/// What a verified order signature tells.
public struct VerifiedOrderSignature: Sendable, Hashable {
    public var signer: CertificateSummary
    public var signerCertificate: [UInt8]
    public var signingTime: Date?
    /// The signed message (from the signature when attached, else the one given).
    public var content: [UInt8]
}

/// Verifies CMS order signatures (ours, OpenSSL's, anyone's): the signature over the message, the
/// signer's chain to a trusted CA valid at the time the order is judged, a `signingTime` within the
/// allowed skew of that time, and revocation by CRL.
///
/// The time an order is judged at is the time the verifier received it — now, or a time the caller
/// vouches for (an archive's receipt time) — never the `signingTime` inside the signature, which the
/// signer chooses: an expired certificate cannot sign a back-dated order that passes.
public struct OrderSignatureVerifier: Sendable {
    public let trustedCAs: [[UInt8]]
    public let intermediates: [[UInt8]]
    public let crls: [[UInt8]]
    /// Without CRLs, revocation is not checked unless this is set (then it fails as unknown).
    public let requireRevocationCheck: Bool
    /// The CAs and CRLs parsed once for every signature this verifier checks (or why they do not parse,
    /// thrown by each `verify`).
    let anchors: Result<CMSVerification.TrustAnchors, CMSVerification.Failure>

    /// - Parameters: certificates and CRLs in DER or PEM.
    public init(trustedCAs: [[UInt8]], intermediates: [[UInt8]] = [], crls: [[UInt8]] = [], requireRevocationCheck: Bool = false) {
        self.trustedCAs = trustedCAs.flatMap { Self.derBlocks($0, label: "CERTIFICATE") }
        self.intermediates = intermediates.flatMap { Self.derBlocks($0, label: "CERTIFICATE") }
        self.crls = crls.flatMap { Self.derBlocks($0, label: "X509 CRL") }
        self.requireRevocationCheck = requireRevocationCheck
        do { anchors = .success(try CMSVerification.TrustAnchors(trusted: self.trustedCAs, crls: self.crls)) } catch { anchors = .failure(error) }
    }

    /// How far a `signingTime` may be from the time the order is judged (clocks differ a little).
    public static let defaultMaximumSkew: TimeInterval = 300

    /// Verifies `signature` (DER or PEM "CMS"/"PKCS7"); `content` for a detached signature.
    /// - Parameters:
    ///   - judgedAt: when the order is judged: now, or the time the caller vouches it was received.
    ///   - maximumSkew: how far the signature's `signingTime` may be from `judgedAt`.
    /// - Throws: `OrderSignatureError` with the first reason found, in this order: malformed,
    ///   tampered, signer missing, chain/validity at `judgedAt`, signing time out of range, revocation.
    public func verify(signature: [UInt8], content: [UInt8]? = nil, at judgedAt: Date = Date(),
                       maximumSkew: TimeInterval = OrderSignatureVerifier.defaultMaximumSkew) throws -> VerifiedOrderSignature {
        let now = judgedAt
        guard let der = Self.cmsDER(signature) else { throw OrderSignatureError(.malformed("no CMS PEM block")) }
        let outcome: CMSVerification.Outcome
        do {
            outcome = try CMSVerification.verifySignature(cms: der, content: content)
        } catch {
            switch error {
            case .malformed(let reasons): throw OrderSignatureError(.malformed(reasons.last ?? "unreadable"))
            case .signature(let reasons, _, let signerMissing):
                if signerMissing { throw OrderSignatureError(.signerCertificateMissing) }
                throw OrderSignatureError(.tampered(reasons.joined(separator: "; ")))
            case .chain(_, let text): throw OrderSignatureError(.chain(text))
            }
        }
        let signingTime = Self.signingTime(der)
        let bundled = Self.certificates(in: der)
        // 1. Chain and validity at the time the order is judged (never the signer's own signingTime).
        do {
            try CMSVerification.verifyChain(leaf: outcome.signerCertificate, parsed: outcome.signer, anchors: try anchors.get(), untrusted: intermediates + bundled,
                                            crlCheck: false, time: now, ignoreValidityPeriod: false)
        } catch {
            throw Self.map(error, atSigningTime: true)
        }
        // 2. A signingTime far from that time is itself a reason to refuse (back- or forward-dated).
        if let signingTime, abs(signingTime.timeIntervalSince(now)) > maximumSkew {
            throw OrderSignatureError(.signingTimeOutOfRange(signingTime: signingTime, judgedAt: now))
        }
        // 3. Revocation at that time, with the CRLs (the certificate may have expired since; that is fine).
        if !crls.isEmpty || requireRevocationCheck {
            do {
                try CMSVerification.verifyChain(leaf: outcome.signerCertificate, parsed: outcome.signer, anchors: try anchors.get(), untrusted: intermediates + bundled,
                                                crlCheck: true, time: now, ignoreValidityPeriod: true)
            } catch {
                throw Self.map(error, atSigningTime: false)
            }
        }
        return VerifiedOrderSignature(signer: try CertificateSummary(outcome.signerCertificate), signerCertificate: outcome.signerCertificate,
                                      signingTime: signingTime, content: content ?? outcome.content)
    }

    static func map(_ error: CMSVerification.Failure, atSigningTime: Bool) -> OrderSignatureError {
        switch error {
        case .malformed(let reasons): return OrderSignatureError(.malformed(reasons.joined(separator: "; ")))
        case .signature(let reasons, _, _): return OrderSignatureError(.tampered(reasons.joined(separator: "; ")))
        case .chain(let problem, let text):
            switch problem {
            case .revoked: return OrderSignatureError(.revoked)
            case .validityPeriod: return OrderSignatureError(.signerNotValid(text))
            case .untrusted: return OrderSignatureError(.untrustedSigner(text))
            case .revocationUnknown: return OrderSignatureError(.revocationUnknown(text))
            case .other: return OrderSignatureError(atSigningTime ? .chain(text) : .revocationUnknown(text))
            }
        }
    }

    /// The DER of a signature given as DER or PEM ("CMS" or "PKCS7"); nil for PEM without such a block.
    static func cmsDER(_ signature: [UInt8]) -> [UInt8]? {
        guard let text = String(bytes: signature, encoding: .utf8), text.contains("-----BEGIN") else { return signature }
        return (derBlocks(signature, label: "CMS") + derBlocks(signature, label: "PKCS7")).first
    }

    /// The DER blocks of PEM `label` in `bytes`, or `bytes` itself when it is not PEM.
    static func derBlocks(_ bytes: [UInt8], label: String) -> [[UInt8]] {
        guard let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN") else { return [bytes] }
        var blocks: [[UInt8]] = []
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        var rest = Substring(text)
        while let b = rest.range(of: begin), let e = rest.range(of: end, range: b.upperBound..<rest.endIndex) {
            let body = rest[b.upperBound..<e.lowerBound].filter { !$0.isWhitespace }
            if let data = Data(base64Encoded: String(body)) { blocks.append(Array(data)) }
            rest = rest[e.upperBound...]
        }
        return blocks
    }

    /// The certificates carried in the SignedData (`certificates [0]`).
    static func certificates(in der: [UInt8]) -> [[UInt8]] {
        guard let signedData = try? signedDataFields(der) else { return [] }
        for node in signedData where node.identifier.tagClass == .contextSpecific && node.identifier.tagNumber == 0 {
            guard case .constructed(let certs) = node.content else { return [] }
            return certs.map { Array($0.encodedBytes) }
        }
        return []
    }

    /// The first signer's signingTime attribute (UTCTime or GeneralizedTime), if present.
    static func signingTime(_ der: [UInt8]) -> Date? {
        guard let fields = try? signedDataFields(der), let signerInfos = fields.last,
              case .constructed(let infos) = signerInfos.content, let info = infos.first(where: { _ in true }),
              case .constructed(let parts) = info.content else { return nil }
        for part in parts where part.identifier.tagClass == .contextSpecific && part.identifier.tagNumber == 0 {
            guard case .constructed(let attributes) = part.content else { return nil }
            for attribute in attributes {
                guard case .constructed(let av) = attribute.content else { continue }
                let items = Array(av)
                guard items.count == 2, let oid = try? ASN1ObjectIdentifier(derEncoded: items[0]),
                      oid == [1, 2, 840, 113549, 1, 9, 5], case .constructed(let values) = items[1].content,
                      let value = values.first(where: { _ in true }) else { continue }
                if let t = try? UTCTime(derEncoded: value) { return Date(t) }
                if let t = try? GeneralizedTime(derEncoded: value) { return Date(t) }
            }
        }
        return nil
    }

    /// True when `signature` (DER or PEM) is a detached CMS signature: its `encapContentInfo` has no
    /// `eContent`, so the signed content must be given separately.
    public static func isDetached(_ signature: [UInt8]) -> Bool {
        guard let der = cmsDER(signature), let fields = try? signedDataFields(der), fields.count >= 3, case .constructed(let info) = fields[2].content else { return false }
        return Array(info).count == 1
    }

    private static func signedDataFields(_ der: [UInt8]) throws -> [ASN1Node] {
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content else { return [] }
        let parts = Array(top)
        guard parts.count == 2, case .constructed(let explicit) = parts[1].content,
              let signedData = explicit.first(where: { _ in true }), case .constructed(let fields) = signedData.content else { return [] }
        return Array(fields)
    }
}

extension Date {
    init(_ time: UTCTime) {
        self = Date.utc(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
    }

    init(_ time: GeneralizedTime) {
        self = Date.utc(time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
    }

    private static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }
}
