public import CertificateKit
public import Domain
import Foundation
import Localization
public import RAContract
import X509

extension CertificateLifecycle {
    /// What a revocation did.
    public struct Revoked: Sendable {
        public var revocation: RA.Revocation
        /// True when the key and certificate here were removed.
        public var removedLocally: Bool
    }

    /// `tokencert revoke`: the certificate here (or `serial`, for one the host holds that this
    /// computer lost), after both identity steps, within the yearly online limit; the key and
    /// certificate here are removed only once the host has confirmed. An expired certificate can be
    /// revoked for key compromise (a key stolen after expiry must not keep signing). Nothing asks for
    /// the PIN before the host has revoked: the certificate here is read without it.
    /// - Throws: `LifecycleError` (`.notEligible` with the limit used up, `.missing` with nothing to
    ///   revoke, `.cancelled`), `RAClientError`, `KeyStoreUnavailable`.
    public func revoke(store: any KeyStore, session: RA.Session, customerID: CustomerID?, serial requested: String?,
                       reason: RevocationReason) async throws -> Revoked {
        let host = try await ra.hostStatus(session: session)
        let localSerial = (try? await store.currentCertificate())?.flatMap { try? CertificateSummary($0).serialNumber }
        let serial: String
        if let requested {
            serial = requested
        } else if let localSerial {
            serial = localSerial
        } else if let active = host.certificates.first(where: { $0.state == .active || $0.state == .pending }) {
            serial = active.serial
        } else {
            throw LifecycleError.noCertificate
        }
        guard let entry = host.certificates.first(where: { Self.sameSerial($0.serial, serial) }),
              entry.state == .active || entry.state == .pending || (entry.state == .expired && reason == .keyCompromise) else {
            throw LifecycleError(.notEligible, code: RAErrorCode.notRevocable.rawValue,
                                 summary: LocalizedText(en: "Certificate \(serial.uppercased()) is not active on the host, so there is nothing to revoke.",
                                                        zhTW: "憑證 \(serial.uppercased()) 在主機端並非有效狀態，無須廢止。"),
                                 remedy: LocalizedText(en: "Check tokencert status.", zhTW: "請以 tokencert status 查看。"))
        }
        guard host.onlineRevocationsLeftThisYear > 0 else { throw LifecycleError.revocationsUsedUp() }
        await prompt.show(LocalizedText(en: "Online revocations left this year: \(host.onlineRevocationsLeftThisYear) (after this one: \(host.onlineRevocationsLeftThisYear - 1)).",
                                        zhTW: "本年度剩餘線上廢止次數：\(host.onlineRevocationsLeftThisYear)（本次廢止後剩 \(host.onlineRevocationsLeftThisYear - 1) 次）。"))
        guard try await prompt.confirm(LocalizedText(en: "Revoke certificate \(entry.serial.uppercased()) (\(reason.label.english))? This cannot be undone.",
                                                     zhTW: "確定廢止憑證 \(entry.serial.uppercased())（\(reason.label.traditionalChinese)）？廢止後無法復原。"))
        else { throw LifecycleError.cancelled }
        try await identity(session: session, host: host, customerID: customerID)
        await prompt.progress(.revoking, fraction: nil)
        let revocation = try await ra.revoke(serial: entry.serial, RA.RevokeRequest(reason: reason), session: session)

        var removed = false
        if Self.sameSerial(localSerial, entry.serial), let local = try? await store.currentKey(),
           Self.sameSerial(local.certificateDER.flatMap { try? CertificateSummary($0).serialNumber }, entry.serial) {
            await prompt.progress(.removingKey, fraction: nil)
            try await store.delete(local.signer)
            removed = true
        }
        return Revoked(revocation: revocation, removedLocally: removed)
    }
}
