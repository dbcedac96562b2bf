import ArgumentParser
import CertificateKit
import Foundation
import Logging
import RAServer

/// `tokencert-ra reminders run`: the renewal reminders due now, each sent once.
struct Reminders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reminders", abstract: "Renewal reminders to customers.", subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Send the renewal reminders that are due now, each once per certificate.",
            discussion: """
            Every certificate that is active and valid gets two reminders: one when its renewal window opens (30 days before it expires, the policy's renewalWindowDays) and one 7 days before (finalReminderDays). Each goes to every channel the customer has — an SMS to the mobile number and an e-mail to the address — in Traditional Chinese and English, naming the customer by the masked ID and account (A123456***, 1020-XXXXXX). Revoked, superseded (renewed) and pending certificates get none. A run that finds the final reminder due and the first one never sent records the first as skipped rather than sending both.

            Run it daily, from a timer or cron, on any instance: the store records each reminder under its certificate serial and kind before sending it, so runs at the same time on several instances, and runs repeated after a restart, send each reminder once. A run that stops between recording and sending leaves its reminders claimed; after an hour the next run sends them. A channel that refuses a message (sendmail failing, the SMS gateway answering other than 2xx) is tried again by the next run, on that channel only. Every reminder sent, failed or skipped is in the audit log (actor system, action reminder).

            Messages go where serve sends one-time codes: --sendmail for e-mail and --sms-webhook for SMS, each channel without one to the --outbox folder. --config reads the same JSON file as serve (database, outbox, sendmail, mailFrom, smsWebhook, smsWebhookTokenFile, policy); a flag wins over the file.

            Exit status: 0 when every due reminder was sent (or none was due), 75 when some channel refused a message (the next run tries again), 1 when the store could not be opened or read, 64 for bad options (a SQLite --database that does not exist).

            Examples:
              tokencert-ra reminders run --database ra.sqlite --outbox outbox
              tokencert-ra reminders run --config /etc/tokencert-ra/ra.json --format json
            """)

        @Option(help: ArgumentHelp("The JSON configuration file serve reads; its delivery settings and policy apply.", valueName: "path"))
        var config: String?
        @Option(help: "SQLite database file (default tokencert-ra.sqlite), or postgres://USER@HOST/DB (password from --database-password-file or $TOKENCERT_RA_DATABASE_PASSWORD).")
        var database: String?
        @Option(help: "File whose first line is the PostgreSQL password (else $TOKENCERT_RA_DATABASE_PASSWORD; never in the URL).")
        var databasePasswordFile: String?
        @Option(help: "Folder receiving one file per message on a channel without sendmail or webhook (default outbox).")
        var outbox: String?
        @Option(help: "Send e-mail with this sendmail (e.g. /usr/sbin/sendmail) instead of the outbox.")
        var sendmail: String?
        @Option(help: "From: address of the e-mails.")
        var mailFrom: String?
        @Option(help: "POST SMS as JSON {to, text, identifier} to this SMS gateway URL instead of the outbox.")
        var smsWebhook: String?
        @Option(help: "File whose first line is the SMS gateway's bearer token (else $TOKENCERT_RA_SMS_TOKEN).")
        var smsWebhookTokenFile: String?
        @Option(help: "Output: text (a summary) or json (one document, docs/schemas/ra-reminders-run.schema.json).")
        var format = "text"

        func validate() throws {
            guard ["text", "json"].contains(format) else { throw ValidationError("--format is text or json.") }
        }

        func run() async throws {
            signal(SIGPIPE, SIG_IGN)
            let report: ReminderRunReport
            do {
                let file = try config.map(ServeConfigFile.load) ?? ServeConfigFile()
                let database = database ?? file.database ?? "tokencert-ra.sqlite"
                // A timer pointed at a wrong path must fail, not make an empty store and find nothing due.
                guard RAStore.isPostgres(database) || FileManager.default.fileExists(atPath: database) else {
                    throw ValidationError("No SQLite store at \(database): give the RA's --database.")
                }
                let (smsURL, smsToken) = try smsGateway(smsWebhook ?? file.smsWebhook, tokenFile: smsWebhookTokenFile ?? file.smsWebhookTokenFile)
                let delivery = try RAServerApplication.delivery(outbox: outbox ?? file.outbox ?? "outbox", sendmail: sendmail ?? file.sendmail,
                                                                mailFrom: mailFrom ?? file.mailFrom ?? "TokenCert <no-reply@localhost>",
                                                                smsWebhook: smsURL, smsWebhookToken: smsToken)
                let repository = try await openStore(database, passwordFile: databasePasswordFile)
                var logger = Logger(label: "tokencert-ra.reminders")
                logger.logLevel = .warning
                report = try await RenewalReminders(repository: repository, policy: file.policy?.applied(to: .standard) ?? .standard,
                                                    delivery: delivery, logger: logger).run()
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
            let output = try format == "json" ? ReminderRunOutput.json(report) : ReminderRunOutput.text(report)
            print(output)
            if !report.failed.isEmpty { throw ExitCode(75) }
        }
    }
}

/// How `reminders run` prints its report.
enum ReminderRunOutput {
    /// The summary a person reads.
    static func text(_ report: ReminderRunReport) -> String {
        var lines = ["Renewal reminders at \(CertificateSummary.taipeiString(report.at)) Taipei time: \(report.certificates) active certificate(s) in the reminder period."]
        func entry(_ e: ReminderRunReport.Entry) -> String {
            var line = "  \(e.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(e.customer)  serial \(e.serial)"
            if !e.channels.isEmpty { line += "  sent: \(e.channels.joined(separator: ", "))" }
            if !e.failedChannels.isEmpty { line += "  failed: \(e.failedChannels.joined(separator: ", "))" }
            if let reason = e.reason { line += "  (\(reason))" }
            return line
        }
        lines.append("Sent: \(report.sent.count) reminder(s), \(report.messages) message(s).")
        lines += report.sent.map(entry)
        if !report.failed.isEmpty {
            lines.append("Not delivered on every channel: \(report.failed.count) (the next run tries the missing channels again).")
            lines += report.failed.map(entry)
        }
        if !report.skipped.isEmpty {
            lines.append("Skipped: \(report.skipped.count).")
            lines += report.skipped.map(entry)
        }
        lines.append("Sent before: \(report.alreadyDone); being sent by another run: \(report.inProgressElsewhere); no longer active: \(report.noLongerEligible).")
        return lines.joined(separator: "\n")
    }

    /// One JSON document (docs/schemas/ra-reminders-run.schema.json).
    static func json(_ report: ReminderRunReport) throws -> String {
        struct Document: Encodable {
            var at: Date
            var certificates: Int
            var messages: Int
            var sent: [ReminderRunReport.Entry]
            var failed: [ReminderRunReport.Entry]
            var skipped: [ReminderRunReport.Entry]
            var alreadyDone: Int
            var inProgressElsewhere: Int
            var noLongerEligible: Int
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = Document(at: report.at, certificates: report.certificates, messages: report.messages, sent: report.sent,
                                failed: report.failed, skipped: report.skipped, alreadyDone: report.alreadyDone,
                                inProgressElsewhere: report.inProgressElsewhere, noLongerEligible: report.noLongerEligible)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
