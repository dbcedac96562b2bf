import CertificateKit
import Domain
public import Foundation
public import Logging

/// The two renewal reminders a certificate gets (DESIGN.md, "renewal notice").
public enum ReminderKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// When the renewal window opens, `Policy.renewalWindowDays` before notAfter.
    case windowOpen = "window-open"
    /// `Policy.finalReminderDays` before notAfter.
    case final = "final"
}

/// Where a certificate's reminder of one kind stands in the store (table `reminders`, one row per
/// serial and kind — the unique key that makes each reminder go out once).
public enum ReminderState: String, Sendable, Hashable, Codable {
    /// A run took it and is sending it (or stopped while sending: see `RenewalReminders.claimLease`).
    case claimed
    /// Delivered on every channel the customer has.
    case sent
    /// A channel refused it; the next run sends it on the channels still missing.
    case failed
    /// Never to be sent: overtaken by the final reminder, or the customer has no channel.
    case skipped
}

/// An active certificate inside the reminder period, as `RARepository.reminderCandidates` lists it.
public struct ReminderCandidate: Sendable, Hashable {
    public var serial: String
    public var customerID: String
    public var notAfter: Date
    /// The reminders recorded for it so far.
    public var recorded: [ReminderKind: ReminderState]

    public init(serial: String, customerID: String, notAfter: Date, recorded: [ReminderKind: ReminderState]) {
        (self.serial, self.customerID, self.notAfter, self.recorded) = (serial, customerID, notAfter, recorded)
    }
}

/// The answer of `RARepository.claimReminder`.
public enum ReminderClaim: Sendable, Hashable {
    /// This caller sends it now; `alreadySent` names the channels an earlier, failed run reached.
    case claimed(alreadySent: [String])
    /// Recorded already in this state (another run sent it, is sending it, or skipped it).
    case taken(ReminderState)
    /// The certificate is no longer active and valid (revoked, superseded or expired since it was listed).
    case notEligible
}

/// A renewal reminder on its way to a customer: in both languages, with the customer's ID and first
/// account masked as on screen (`A123456***`, `1020-XXXXXX`); never a secret.
public struct ReminderMessage: CustomerMessage, Hashable {
    public var kind: ReminderKind
    public var channel: String
    public var destination: String
    /// The certificate's serial (lower-case hex).
    public var serial: String
    /// The customer's ID, masked.
    public var customer: String
    /// The customer's first account, masked; nil for a customer without one.
    public var account: String?
    public var notAfter: Date
    /// Whole days left (rounded up).
    public var daysLeft: Int
    /// When the run sent it.
    public var sentAt: Date

    public var reference: String { "\(kind.rawValue)-\(serial)" }
    public var stamp: Date { sentAt }
    public var outboxHeaders: [String] { ["Reminder: \(kind.rawValue)", "Serial: \(serial)"] }

    public var subject: String {
        switch kind {
        case .windowOpen: "憑證可以展期了 / Your TokenCert certificate can be renewed now"
        case .final: "憑證 \(daysLeft) 天後到期 / Your TokenCert certificate expires in \(daysLeft) days"
        }
    }

    public var body: String {
        let until = CertificateSummary.taipeiString(notAfter)
        let whoZH = account.map { "\(customer)（帳號 \($0)）" } ?? customer
        let whoEN = account.map { "\(customer) (account \($0))" } ?? customer
        switch kind {
        case .windowOpen:
            return """
                【TokenCert】憑證到期提醒：\(whoZH)的憑證將於 \(until)（台北時間）到期，尚餘 \(daysLeft) 天。現已開放線上展期：請開啟 TokenCert 選擇「憑證展期」。如已展期，請忽略本訊息。
                TokenCert reminder: the certificate of \(whoEN) expires on \(until) Taipei time, in \(daysLeft) days. You can renew it online now: open TokenCert and choose Renew. If you have renewed it already, ignore this message.
                """
        case .final:
            return """
                【TokenCert】憑證即將到期：\(whoZH)的憑證將於 \(until)（台北時間）到期，僅剩 \(daysLeft) 天。請儘速開啟 TokenCert 線上展期；到期後須重新申請憑證。如已展期，請忽略本訊息。
                TokenCert: the certificate of \(whoEN) expires on \(until) Taipei time, in \(daysLeft) days. Renew it online in TokenCert soon: once it has expired you must apply for a new one. If you have renewed it already, ignore this message.
                """
        }
    }
}

/// What one reminder run did.
public struct ReminderRunReport: Sendable, Hashable, Codable {
    /// One reminder and what happened to it.
    public struct Entry: Sendable, Hashable, Codable {
        /// The certificate's serial.
        public var serial: String
        /// The customer's ID, masked.
        public var customer: String
        public var kind: ReminderKind
        /// Channels it reached in this run (`sms`, `email`).
        public var channels: [String]
        /// Channels that refused it (tried again next run).
        public var failedChannels: [String]
        /// Why it was skipped, for a skipped one.
        public var reason: String?
    }

    /// The time the run took as now.
    public var at: Date
    /// Active certificates inside the reminder period.
    public var certificates: Int
    /// Reminders delivered on every channel in this run.
    public var sent: [Entry] = []
    /// Reminders a channel refused (the channels still missing are tried by the next run).
    public var failed: [Entry] = []
    /// Reminders recorded as never to be sent (overtaken by the final one; no channel).
    public var skipped: [Entry] = []
    /// Reminders due that an earlier run (or another instance) sent or skipped already.
    public var alreadyDone = 0
    /// Reminders another run is sending right now.
    public var inProgressElsewhere = 0
    /// Certificates revoked, superseded or expired between the listing and the claim.
    public var noLongerEligible = 0

    /// Messages delivered in this run (one per reminder and channel).
    public var messages: Int { (sent + failed).reduce(0) { $0 + $1.channels.count } }

    public init(at: Date, certificates: Int) {
        self.at = at
        self.certificates = certificates
    }
}

/// Sends each customer a renewal reminder through their channels (SMS to the mobile number, e-mail
/// to the address; both when they have both) when the renewal window opens and again
/// `Policy.finalReminderDays` before notAfter — each once per certificate, whichever RA instance runs
/// the job and however often. Only for certificates that are active and valid: none for revoked,
/// superseded (renewed) or pending ones.
///
/// Once, by the store: a row per (serial, kind) in `reminders`, claimed in its own committed
/// transaction *before* sending (`RARepository.claimReminder`), then marked sent with the audit event
/// in one transaction. Two runs at the same time cannot both claim a row (SQLite serialises writers;
/// PostgreSQL's primary key makes the second INSERT wait for the first and then find it).
///
/// Crashes: record-then-send. A run that stops after claiming and before marking leaves a `claimed`
/// row; after `claimLease` the next run takes it to be lost and sends it again. So a crash between
/// the delivery and the mark (a window of one store write) can repeat a reminder, and a crash before
/// the delivery delays it by the lease — it is never lost. Send-then-record would repeat a reminder
/// whenever two runs overlapped; record-then-send without a lease would lose one at every crash. A
/// repeated reminder costs the customer one more message; a lost one can cost them their certificate.
public struct RenewalReminders: Sendable {
    public let repository: any RARepository
    public let policy: Policy
    public let clock: any RAClock
    public let delivery: any CodeDelivery
    public let logger: Logger
    /// How long a claim stays with the run that made it. Longer than any delivery takes (sendmail,
    /// the webhook's 10 s timeout), so only a run that stopped loses its claims.
    public var claimLease: TimeInterval = 3600

    public init(repository: any RARepository, policy: Policy = .standard, clock: any RAClock = SystemClock(),
                delivery: any CodeDelivery, logger: Logger = Logger(label: "tokencert-ra.reminders")) {
        self.repository = repository
        self.policy = policy
        self.clock = clock
        self.delivery = delivery
        self.logger = logger
    }

    /// Lists the active certificates inside the reminder period and sends each one's due reminder.
    /// A failed channel is reported and left for the next run, never thrown.
    /// - Throws: the store's errors.
    public func run() async throws -> ReminderRunReport {
        let now = clock.now()
        let windowDays = max(policy.renewalWindowDays, policy.finalReminderDays)
        let candidates = try await repository.reminderCandidates(validAt: now, expiringBy: now.addingTimeInterval(Double(windowDays) * 86_400))
        var report = ReminderRunReport(at: now, certificates: candidates.count)
        for candidate in candidates {
            let finalDue = now >= candidate.notAfter.addingTimeInterval(-Double(policy.finalReminderDays) * 86_400)
            if finalDue, candidate.recorded[.windowOpen] == nil {
                // The window reminder comes too late now: recorded as skipped, never sent after the final one.
                if case .claimed = try await repository.claimReminder(serial: candidate.serial, kind: .windowOpen, now: now,
                                                                       staleBefore: now.addingTimeInterval(-claimLease)) {
                    try await finish(candidate, .windowOpen, .skipped, sent: [], failed: [], reason: "overtaken by the final reminder",
                                     now: now, into: &report)
                }
            }
            let kind: ReminderKind = finalDue ? .final : .windowOpen
            if let state = candidate.recorded[kind], state == .sent || state == .skipped {
                report.alreadyDone += 1
                continue
            }
            try await send(kind, for: candidate, now: now, into: &report)
        }
        logger.info("reminders run", metadata: ["certificates": "\(report.certificates)", "sent": "\(report.sent.count)",
                                                "failed": "\(report.failed.count)", "messages": "\(report.messages)"])
        return report
    }

    func send(_ kind: ReminderKind, for candidate: ReminderCandidate, now: Date, into report: inout ReminderRunReport) async throws {
        let alreadySent: [String]
        switch try await repository.claimReminder(serial: candidate.serial, kind: kind, now: now, staleBefore: now.addingTimeInterval(-claimLease)) {
        case .notEligible:
            report.noLongerEligible += 1
            return
        case .taken(let state):
            if state == .claimed { report.inProgressElsewhere += 1 } else { report.alreadyDone += 1 }
            return
        case .claimed(let channels):
            alreadySent = channels
        }
        guard let customer = try await repository.customer(id: candidate.customerID) else {
            throw RepositoryError.unknownCustomer(candidate.customerID)
        }
        let channels = [("sms", customer.mobile), ("email", customer.email)].compactMap { channel, destination in
            destination.flatMap { $0.isEmpty ? nil : (channel, $0) }
        }
        if channels.isEmpty {
            try await finish(candidate, kind, .skipped, sent: [], failed: [], reason: "the customer has no mobile number or e-mail address",
                             now: now, into: &report)
            return
        }
        let daysLeft = Int((candidate.notAfter.timeIntervalSince(now) / 86_400).rounded(.up))
        var sent: [String] = [], failed: [String] = []
        for (channel, destination) in channels where !alreadySent.contains(channel) {
            let message = ReminderMessage(kind: kind, channel: channel, destination: destination, serial: candidate.serial,
                                          customer: customer.id.masked, account: customer.accounts.first?.masked,
                                          notAfter: candidate.notAfter, daysLeft: daysLeft, sentAt: now)
            do {
                try await delivery.deliver(message)
                sent.append(channel)
            } catch {
                failed.append(channel)
                logger.error("reminder delivery failed", metadata: ["customer": "\(customer.id.masked)", "serial": "\(candidate.serial)",
                                                                    "kind": "\(kind.rawValue)", "channel": "\(channel)", "error": "\(type(of: error))"])
            }
        }
        try await finish(candidate, kind, failed.isEmpty ? .sent : .failed, sent: sent, failed: failed, reason: nil, now: now, into: &report,
                         alreadySent: alreadySent)
    }

    func finish(_ candidate: ReminderCandidate, _ kind: ReminderKind, _ state: ReminderState, sent: [String], failed: [String], reason: String?,
                now: Date, into report: inout ReminderRunReport, alreadySent: [String] = []) async throws {
        let customer = (try? CustomerID(candidate.customerID))?.masked ?? "?"
        let outcome = switch state {
        case .sent: "ok"
        case .failed: "delivery-failed"
        default: "skipped"
        }
        var detail = "serial \(candidate.serial) \(kind.rawValue)"
        if !sent.isEmpty { detail += " sent \(sent.joined(separator: ","))" }
        if !failed.isEmpty { detail += " failed \(failed.joined(separator: ","))" }
        if let reason { detail += ": \(reason)" }
        try await repository.finishReminder(serial: candidate.serial, kind: kind, state: state, channelsSent: alreadySent + sent, at: now,
                                            audit: [AuditEvent(at: now, customerID: candidate.customerID, actor: "system", action: "reminder",
                                                               outcome: outcome, detail: detail)])
        let entry = ReminderRunReport.Entry(serial: candidate.serial, customer: customer, kind: kind, channels: sent, failedChannels: failed,
                                            reason: reason)
        switch state {
        case .sent: report.sent.append(entry)
        case .failed: report.failed.append(entry)
        default: report.skipped.append(entry)
        }
    }
}
