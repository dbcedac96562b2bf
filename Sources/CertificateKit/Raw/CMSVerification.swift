internal import COpenSSL
import Foundation
import Synchronization

/// OpenSSL's side of order-signature verification: the CMS signature (`CMS_verify` with
/// `CMS_NO_SIGNER_CERT_VERIFY`) and the signer's chain (`X509_verify_cert`) — once at the signing
/// time for validity, once now with the CRLs for revocation.
enum CMSVerification {
    struct Outcome {
        var signerCertificate: [UInt8]
        /// The same certificate as OpenSSL parsed it out of the CMS, for the chain check (parsing a
        /// certificate again costs about as much as checking its signature: OpenSSL 3 decodes its key
        /// through the provider decoders).
        var signer: ParsedCertificate
        var content: [UInt8]
    }

    /// An OpenSSL `X509` this value holds a reference to (`X509_up_ref`; `X509_free` when it goes).
    final class ParsedCertificate: @unchecked Sendable {
        let pointer: OpaquePointer
        /// Takes a new reference to `pointer`.
        init(retaining pointer: OpaquePointer) {
            X509_up_ref(pointer)
            self.pointer = pointer
        }
        deinit { X509_free(pointer) }
    }

    enum Failure: Error {
        /// CMS_verify failed: the reasons from OpenSSL's queue.
        case signature([String], digestMismatch: Bool, signerMissing: Bool)
        case malformed([String])
        /// X509_verify_cert failed: the X509_V_ERR code's class and OpenSSL's text for it.
        case chain(ChainProblem, String)
    }

    enum ChainProblem {
        case revoked, validityPeriod, untrusted, revocationUnknown, other

        init(_ code: Int32) {
            switch code {
            case X509_V_ERR_CERT_REVOKED: self = .revoked
            case X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED: self = .validityPeriod
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                 X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                 X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                self = .untrusted
            case X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_CRL_NOT_YET_VALID,
                 X509_V_ERR_CRL_HAS_EXPIRED, X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD,
                 X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER,
                 X509_V_ERR_DIFFERENT_CRL_SCOPE:
                self = .revocationUnknown
            default: self = .other
            }
        }
    }

    /// The queue's entries as text (`OpenSSLErrorQueue`, oldest first), the queue left empty.
    static func drainErrors() -> [String] {
        OpenSSLErrorQueue.drain().map(\.text)
    }

    /// Checks the signature over the content (detached: `content` given) and returns the signer's certificate.
    static func verifySignature(cms der: [UInt8], content: [UInt8]?) throws(Failure) -> Outcome {
        _ = drainErrors()
        let cms: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
        }
        guard let cms else { throw .malformed(drainErrors()) }
        defer { CMS_ContentInfo_free(cms) }
        let out = BIO_new(BIO_s_mem())
        defer { BIO_free(out) }
        let ok: Int32
        if let content {
            ok = content.withUnsafeBytes { raw -> Int32 in
                let input = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))
                defer { BIO_free(input) }
                return CMS_verify(cms, nil, nil, input, out, UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY))
            }
        } else {
            ok = CMS_verify(cms, nil, nil, nil, out, UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY))
        }
        guard ok == 1 else {
            let reasons = drainErrors()
            let text = reasons.joined(separator: " ")
            throw .signature(reasons, digestMismatch: text.contains("content verify error") || text.contains("digest"),
                             signerMissing: text.contains("signer certificate not found"))
        }
        // STACK_OF(X509) through the untyped OPENSSL_sk_* functions (the sk_X509_* names are macros).
        guard let signers = CMS_get0_signers(cms) else {
            throw .signature(drainErrors(), digestMismatch: false, signerMissing: true)
        }
        defer { OPENSSL_sk_free(signers) }
        guard OPENSSL_sk_num(signers) > 0, let first = OPENSSL_sk_value(signers, 0) else {
            throw .signature(drainErrors(), digestMismatch: false, signerMissing: true)
        }
        let signer = OpaquePointer(first)
        var verified = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = BIO_read(out, &chunk, Int32(chunk.count))
            if n <= 0 { break }
            verified += chunk.prefix(Int(n))
        }
        return Outcome(signerCertificate: try derOf(signer), signer: ParsedCertificate(retaining: signer), content: verified)
    }

    /// Trusted certificates and CRLs parsed once into an `X509_STORE` (`d2i_X509`, `d2i_X509_CRL`,
    /// `X509_STORE_add_cert`, `X509_STORE_add_crl`), for every chain check of one verifier — a batch
    /// of signatures parsed the CA again for each. The CRLs are only consulted by a check with
    /// `crlCheck` (`X509_V_FLAG_CRL_CHECK`). OpenSSL locks the store, so checks may share it.
    final class TrustAnchors: @unchecked Sendable {
        let store: OpaquePointer

        /// - Throws: `.malformed` when a certificate or CRL does not parse.
        init(trusted: [[UInt8]], crls: [[UInt8]]) throws(Failure) {
            _ = drainErrors()
            guard let store = X509_STORE_new() else { throw .malformed(drainErrors()) }
            self.store = store
            for der in trusted {
                guard let cert = x509(der) else { throw .malformed(["trusted certificate does not parse"] + drainErrors()) }
                X509_STORE_add_cert(store, cert)
                X509_free(cert)
            }
            for der in crls {
                let crl: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
                    var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                    return d2i_X509_CRL(nil, &cursor, buffer.count)
                }
                guard let crl else { throw .malformed(["CRL does not parse"] + drainErrors()) }
                X509_STORE_add_crl(store, crl)
                X509_CRL_free(crl)
            }
        }

        deinit { X509_STORE_free(store) }

        /// What one chain check depends on besides the anchors.
        struct Check: Hashable {
            var leaf: [UInt8]
            var untrusted: [[UInt8]]
            var crlCheck: Bool
            var time: Date?
            var ignoreValidityPeriod: Bool
        }

        /// Verdicts of checks already made against these anchors: a batch of orders signed by the
        /// same customers asks the same question for every order, and `X509_verify_cert` answers it
        /// the same way each time (same store, leaf, intermediates, time and flags). Bounded: cleared
        /// at 4,096 entries.
        let verdicts = Mutex<[Check: Result<Void, Failure>]>([:])

        func remember(_ check: Check, _ verdict: Result<Void, Failure>) {
            verdicts.withLock { known in
                if known.count >= 4_096 { known.removeAll(keepingCapacity: true) }
                known[check] = verdict
            }
        }
    }

    /// `verifyChain(leaf:anchors:…)` with anchors made for this one check.
    static func verifyChain(leaf: [UInt8], trusted: [[UInt8]], untrusted: [[UInt8]], crls: [[UInt8]], crlCheck: Bool,
                            time: Date?, ignoreValidityPeriod: Bool) throws(Failure) {
        try verifyChain(leaf: leaf, anchors: try TrustAnchors(trusted: trusted, crls: crls), untrusted: untrusted, crlCheck: crlCheck,
                        time: time, ignoreValidityPeriod: ignoreValidityPeriod)
    }

    /// `X509_verify_cert` of `leaf` against `anchors`, with `untrusted` as candidate intermediates
    /// (the leaf itself among them is skipped: it is parsed once); a check the anchors have answered
    /// before is answered from their memory.
    /// - Parameters:
    ///   - time: verify at this time (`X509_VERIFY_PARAM_set_time`), or now.
    ///   - crlCheck: `X509_V_FLAG_CRL_CHECK` with the anchors' CRLs: a leaf without a CRL from its issuer fails.
    ///   - ignoreValidityPeriod: accept expired / not-yet-valid certificates (for a revocation-only pass).
    /// - Throws: `.malformed` when the leaf does not parse, `.chain` with OpenSSL's reason.
    static func verifyChain(leaf: [UInt8], parsed: ParsedCertificate? = nil, anchors: TrustAnchors, untrusted: [[UInt8]], crlCheck: Bool,
                            time: Date?, ignoreValidityPeriod: Bool) throws(Failure) {
        let check = TrustAnchors.Check(leaf: leaf, untrusted: untrusted.filter { $0 != leaf }, crlCheck: crlCheck, time: time,
                                       ignoreValidityPeriod: ignoreValidityPeriod)
        if let known = anchors.verdicts.withLock({ $0[check] }) { return try known.get() }
        do {
            try verifyChainUncached(check, parsed: parsed, anchors: anchors)
            anchors.remember(check, .success(()))
        } catch {
            anchors.remember(check, .failure(error))
            throw error
        }
    }

    /// `parsed`: the leaf already parsed (it must be `check.leaf`), else it is parsed here.
    private static func verifyChainUncached(_ check: TrustAnchors.Check, parsed: ParsedCertificate?, anchors: TrustAnchors) throws(Failure) {
        let (leaf, untrusted, crlCheck, time, ignoreValidityPeriod) = (check.leaf, check.untrusted, check.crlCheck, check.time, check.ignoreValidityPeriod)
        _ = drainErrors()
        let leafCertificate: ParsedCertificate
        if let parsed { leafCertificate = parsed } else {
            guard let pointer = x509(leaf) else { throw .malformed(["signer certificate does not parse"] + drainErrors()) }
            leafCertificate = ParsedCertificate(retaining: pointer)
            X509_free(pointer)
        }
        // Kept alive until the store context that points at it is freed (that defer runs first).
        defer { withExtendedLifetime(leafCertificate) {} }
        let leafCert = leafCertificate.pointer
        guard let chain = OPENSSL_sk_new_null() else { throw .malformed(drainErrors()) }
        defer {
            while OPENSSL_sk_num(chain) > 0 { if let p = OPENSSL_sk_pop(chain) { X509_free(OpaquePointer(p)) } }
            OPENSSL_sk_free(chain)
        }
        for der in untrusted {
            if let cert = x509(der) { OPENSSL_sk_push(chain, UnsafeRawPointer(cert)) }
        }
        guard let ctx = X509_STORE_CTX_new() else { throw .malformed(drainErrors()) }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, anchors.store, leafCert, chain) == 1 else { throw .malformed(drainErrors()) }
        let param = X509_STORE_CTX_get0_param(ctx)
        if crlCheck { X509_VERIFY_PARAM_set_flags(param, UInt(X509_V_FLAG_CRL_CHECK)) }
        if let time { X509_VERIFY_PARAM_set_time(param, time_t(time.timeIntervalSince1970)) }
        if ignoreValidityPeriod {
            X509_STORE_CTX_set_verify_cb(ctx) { ok, ctx in
                let error = X509_STORE_CTX_get_error(ctx)
                if ok == 0 && (error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID) { return 1 }
                return ok
            }
        }
        if X509_verify_cert(ctx) != 1 {
            let code = X509_STORE_CTX_get_error(ctx)
            let text = String(cString: X509_verify_cert_error_string(Int(code)))
            _ = drainErrors()
            throw .chain(ChainProblem(code), text)
        }
    }

    private static func x509(_ der: [UInt8]) -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
    }

    private static func derOf(_ cert: OpaquePointer) throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(cert, &out)
        guard length > 0, let out else { throw .malformed(drainErrors()) }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
