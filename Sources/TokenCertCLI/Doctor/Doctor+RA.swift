import CertificateKit
import Domain
import Foundation
import KeyStores
import Localization
import Secrets
import RemovableMedia
import PKCS11
import RAHTTPClient

extension Doctor {
    /// What the RA answered to `GET <ra>/health`: reachable or not, and its clock (HTTP `Date`).
    struct RAProbe: Sendable {
        var status: Int?
        var serverDate: Date?
        var error: String?
    }

    /// `GET <ra>/health` with a 5-second limit (`HTTPTransport`), trusting `$TOKENCERT_RA_CA` too.
    static func probe(_ ra: URL) async -> RAProbe {
        let trusted = ProcessInfo.processInfo.environment["TOKENCERT_RA_CA"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let answer = try await HTTPTransport.send("GET", ra.appendingPathComponent("health"), headers: [("Cache-Control", "no-cache")], timeout: 5,
                                                      trustedCAFile: trusted)
            return RAProbe(status: answer.status, serverDate: answer.header("Date").flatMap(Self.httpDate))
        } catch {
            return RAProbe(error: error.description)
        }
    }

    /// RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// `ra` (reachable, exit 6 when not) and `clock` (skew against the RA: over 60 s warns, over 300 s
    /// fails — certificate validity and one-time codes depend on it).
    func checkRA(_ probe: RAProbe?, now: Date) -> [DoctorCheck] {
        guard let ra = options.raURL, let probe else {
            let skipped = LocalizedText(en: "No RA given: pass --ra URL to check that it answers and that the clocks agree.",
                                        zhTW: "未指定註冊中心：請以 --ra URL 指定，以檢查連線與時鐘。")
            return [DoctorCheck(id: .ra, status: .skip, summary: skipped), DoctorCheck(id: .clock, status: .skip, summary: skipped)]
        }
        guard let httpStatus = probe.status, (200..<300).contains(httpStatus) else {
            let why = probe.error ?? "HTTP \(probe.status ?? 0)"
            return [
                DoctorCheck(id: .ra, status: .fail,
                            summary: LocalizedText(en: "The RA at \(ra.absoluteString) does not answer (\(why)).",
                                                   zhTW: "註冊中心 \(ra.absoluteString) 沒有回應（\(why)）。"),
                            remedy: LocalizedText(en: "Check the network and the RA address (--ra); try again later.",
                                                  zhTW: "請確認網路與註冊中心網址（--ra），稍後再試。"),
                            exitStatus: .raUnreachable),
                DoctorCheck(id: .clock, status: .skip,
                            summary: LocalizedText(en: "Clock not compared: the RA did not answer.", zhTW: "註冊中心未回應，未比對時鐘。")),
            ]
        }
        let reachable = DoctorCheck(id: .ra, status: .pass,
                                    summary: LocalizedText(en: "The RA at \(ra.absoluteString) answers.", zhTW: "註冊中心 \(ra.absoluteString) 連線正常。"))
        guard let serverDate = probe.serverDate else {
            return [reachable, DoctorCheck(id: .clock, status: .warn,
                                           summary: LocalizedText(en: "The RA sent no Date header; the clock could not be compared.",
                                                                  zhTW: "註冊中心未提供時間，無法比對時鐘。"),
                                           remedy: LocalizedText(en: "Make sure the computer sets its clock from the network (sudo timedatectl set-ntp true), and that the RA address (--ra) is the broker's.",
                                                                 zhTW: "請確認本機由網路自動校時（sudo timedatectl set-ntp true），並確認註冊中心網址（--ra）為券商所提供。"))]
        }
        let skew = now.timeIntervalSince(serverDate)
        let seconds = Int(skew.rounded())
        let facts = ["local \(CertificateSummary.taipeiString(now)) · RA \(CertificateSummary.taipeiString(serverDate)) (Taipei)"]
        let status: DoctorStatus = abs(skew) > 300 ? .fail : abs(skew) > 60 ? .warn : .pass
        let clock = DoctorCheck(
            id: .clock, status: status,
            summary: status == .pass
                ? LocalizedText(en: "This computer's clock agrees with the RA (\(seconds) s).", zhTW: "本機時鐘與註冊中心一致（差 \(seconds) 秒）。")
                : LocalizedText(en: "This computer's clock is \(abs(seconds)) s \(skew > 0 ? "ahead of" : "behind") the RA.",
                                zhTW: "本機時鐘比註冊中心\(skew > 0 ? "快" : "慢") \(abs(seconds)) 秒。"),
            remedy: LocalizedText(en: "Turn on network time: sudo timedatectl set-ntp true (certificates and one-time codes depend on the clock).",
                                  zhTW: "請開啟網路校時：sudo timedatectl set-ntp true（憑證效期與一次性密碼都依賴正確時間）。"),
            details: facts)
        return [reachable, clock]
    }

    /// `certificates`: every certificate on the tokens — expired fails, inside the renewal window
    /// (the last `renewalWindowDays` days) warns with `tokencert renew`.
    func checkCertificates(_ inventory: TokenInventory, now: Date) -> DoctorCheck {
        var details: [String] = []
        var worst = DoctorStatus.pass
        var expired: [String] = [], renewable: [String] = []
        for module in inventory.modules {
            for token in module.tokens {
                for object in token.objects where object.type == ObjectClass.certificate.description {
                    guard let notAfter = object.notAfter else { continue }
                    let name = "\(token.label) \(object.serial ?? "?")"
                    let days = Int(notAfter.timeIntervalSince(now) / 86_400)
                    details.append("\(name): until \(CertificateSummary.taipeiString(notAfter)) (Taipei), \(max(days, 0)) days left")
                    if notAfter < now {
                        expired.append(name)
                        worst = .fail
                    } else if notAfter.timeIntervalSince(now) < Double(options.renewalWindowDays) * 86_400 {
                        renewable.append(name)
                        if worst == .pass { worst = .warn }
                    }
                }
            }
        }
        if details.isEmpty {
            return DoctorCheck(id: .certificates, status: .pass,
                               summary: LocalizedText(en: "No certificate on the tokens (apply for one with tokencert apply).",
                                                      zhTW: "載具中沒有憑證（可用 tokencert apply 申請）。"))
        }
        switch worst {
        case .fail:
            return DoctorCheck(id: .certificates, status: .fail,
                               summary: LocalizedText(en: "Expired certificate: \(expired.joined(separator: ", ")).",
                                                      zhTW: "憑證已過期：\(expired.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "An expired certificate cannot be renewed: apply for a new one (tokencert apply).",
                                                     zhTW: "過期憑證無法展期，請重新申請（tokencert apply）。"),
                               details: details)
        case .warn:
            return DoctorCheck(id: .certificates, status: .warn,
                               summary: LocalizedText(en: "In the renewal window: \(renewable.joined(separator: ", ")).",
                                                      zhTW: "已進入展期期間：\(renewable.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "Renew before it expires: tokencert renew.", zhTW: "請於到期前展期：tokencert renew。"),
                               details: details)
        default:
            return DoctorCheck(id: .certificates, status: .pass,
                               summary: LocalizedText(en: "Every certificate on the tokens is valid and outside the renewal window.",
                                                      zhTW: "載具中的憑證皆在有效期間內，尚未到展期期間。"),
                               details: details)
        }
    }

    /// `backup`: each valid certificate in the software store (read without its passphrase) should
    /// have a `.pfx` named by the rule (`{ID}-{BROKER}(yyyy-MM-dd).pfx`, the ID whole or masked) at the
    /// top of a mounted removable drive, exported on or after the day the certificate was issued.
    /// Skipped when there is no software certificate; warns (with `tokencert backup --software`) when
    /// no drive holds one — the drive may simply be in a drawer.
    func checkBackup() async -> DoctorCheck {
        let store: SoftwareKeyStore
        let certificates: [CertificateSummary]
        do {
            store = try SoftwareKeyStore(directory: options.softwareStore ?? SoftwareKeyStore.defaultDirectory(), passphrase: .unavailable)
            certificates = try await store.certificates().compactMap { try? CertificateSummary($0.certificateDER) }.filter { $0.isValid(at: Date()) }
        } catch {
            certificates = []
        }
        guard !certificates.isEmpty else {
            return DoctorCheck(id: .backup, status: .skip,
                               summary: LocalizedText(en: "No software certificate on this computer: nothing to back up (token keys need no backup).",
                                                      zhTW: "本機沒有軟體憑證，無須備份（載具金鑰不需備份）。"))
        }
        let drives = (try? RemovableDrives(root: options.drivesRoot).removableDrives()) ?? []
        var found: [String] = [], missing: [String] = []
        for certificate in certificates {
            guard let idText = certificate.subscriber?.serialNumber, let id = try? CustomerID(idText) else { continue }
            let issued = try? ROCDate(date: certificate.notBefore)
            var match: String?
            for drive in drives {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: drive.mountPoint)) ?? [] {
                    guard let parsed = try? BackupFileName(parsing: name), parsed.holder.matches(id) else { continue }
                    if let issued, parsed.exportDate < issued { continue }
                    match = (drive.mountPoint as NSString).appendingPathComponent(name)
                }
            }
            if let match { found.append("\(certificate.serialNumber): \(match)") } else { missing.append(certificate.serialNumber) }
        }
        if missing.isEmpty {
            return DoctorCheck(id: .backup, status: .pass,
                               summary: LocalizedText(en: "Every software certificate has a backup on a removable drive.", zhTW: "每張軟體憑證在可攜式磁碟上都有備份。"),
                               details: found)
        }
        return DoctorCheck(id: .backup, status: .warn,
                           summary: LocalizedText(en: "No backup found on a mounted removable drive for \(missing.joined(separator: ", ")).",
                                                  zhTW: "在已掛載的可攜式磁碟上找不到憑證 \(missing.joined(separator: "、")) 的備份。"),
                           remedy: LocalizedText(en: "Plug in the drive that holds it, or back up now: tokencert backup --software.",
                                                 zhTW: "請接上存有備份的隨身碟，或立即備份：tokencert backup --software。"),
                           details: found)
    }
}
