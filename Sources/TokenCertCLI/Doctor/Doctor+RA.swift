import CertificateKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Localization
import PKCS11

extension Doctor {
    /// What the RA answered to `GET <ra>/health`: reachable or not, and its clock (HTTP `Date`).
    struct RAProbe: Sendable {
        var status: Int?
        var serverDate: Date?
        var error: String?
    }

    /// `GET <ra>/health` with a 5-second limit.
    static func probe(_ ra: URL) async -> RAProbe {
        var request = URLRequest(url: ra.appendingPathComponent("health"))
        request.timeoutInterval = 5
        request.cachePolicy = .reloadIgnoringLocalCacheData
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { return RAProbe(error: "not an HTTP answer") }
            let date = (http.value(forHTTPHeaderField: "Date")).flatMap(Self.httpDate)
            return RAProbe(status: http.statusCode, serverDate: date)
        } catch {
            return RAProbe(error: error.localizedDescription)
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
            return [DoctorCheck(id: "ra", status: .skip, summary: skipped), DoctorCheck(id: "clock", status: .skip, summary: skipped)]
        }
        guard let httpStatus = probe.status, (200..<300).contains(httpStatus) else {
            let why = probe.error ?? "HTTP \(probe.status ?? 0)"
            return [
                DoctorCheck(id: "ra", status: .fail,
                            summary: LocalizedText(en: "The RA at \(ra.absoluteString) does not answer (\(why)).",
                                                   zhTW: "註冊中心 \(ra.absoluteString) 沒有回應（\(why)）。"),
                            remedy: LocalizedText(en: "Check the network and the RA address (--ra); try again later.",
                                                  zhTW: "請確認網路與註冊中心網址（--ra），稍後再試。"),
                            exitStatus: .raUnreachable),
                DoctorCheck(id: "clock", status: .skip,
                            summary: LocalizedText(en: "Clock not compared: the RA did not answer.", zhTW: "註冊中心未回應，未比對時鐘。")),
            ]
        }
        let reachable = DoctorCheck(id: "ra", status: .pass,
                                    summary: LocalizedText(en: "The RA at \(ra.absoluteString) answers.", zhTW: "註冊中心 \(ra.absoluteString) 連線正常。"))
        guard let serverDate = probe.serverDate else {
            return [reachable, DoctorCheck(id: "clock", status: .warn,
                                           summary: LocalizedText(en: "The RA sent no Date header; the clock could not be compared.",
                                                                  zhTW: "註冊中心未提供時間，無法比對時鐘。"))]
        }
        let skew = now.timeIntervalSince(serverDate)
        let seconds = Int(skew.rounded())
        let facts = ["local \(CertificateSummary.taipeiString(now)) · RA \(CertificateSummary.taipeiString(serverDate)) (Taipei)"]
        let status: DoctorStatus = abs(skew) > 300 ? .fail : abs(skew) > 60 ? .warn : .pass
        let clock = DoctorCheck(
            id: "clock", status: status,
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
            return DoctorCheck(id: "certificates", status: .pass,
                               summary: LocalizedText(en: "No certificate on the tokens (apply for one with tokencert apply).",
                                                      zhTW: "載具中沒有憑證（可用 tokencert apply 申請）。"))
        }
        switch worst {
        case .fail:
            return DoctorCheck(id: "certificates", status: .fail,
                               summary: LocalizedText(en: "Expired certificate: \(expired.joined(separator: ", ")).",
                                                      zhTW: "憑證已過期：\(expired.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "An expired certificate cannot be renewed: apply for a new one (tokencert apply).",
                                                     zhTW: "過期憑證無法展期，請重新申請（tokencert apply）。"),
                               details: details)
        case .warn:
            return DoctorCheck(id: "certificates", status: .warn,
                               summary: LocalizedText(en: "In the renewal window: \(renewable.joined(separator: ", ")).",
                                                      zhTW: "已進入展期期間：\(renewable.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "Renew before it expires: tokencert renew.", zhTW: "請於到期前展期：tokencert renew。"),
                               details: details)
        default:
            return DoctorCheck(id: "certificates", status: .pass,
                               summary: LocalizedText(en: "Every certificate on the tokens is valid and outside the renewal window.",
                                                      zhTW: "載具中的憑證皆在有效期間內，尚未到展期期間。"),
                               details: details)
        }
    }

    /// `backup`: software certificates and their backups arrive with the software key store.
    func checkBackup() -> DoctorCheck {
        DoctorCheck(id: "backup", status: .skip,
                    summary: LocalizedText(en: "No software certificate store yet: backups of software certificates are checked once it exists.",
                                           zhTW: "尚無軟體憑證存放區：待其提供後檢查軟體憑證的備份。"))
    }
}
