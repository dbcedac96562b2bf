import CertificateKit
public import Domain
public import Foundation
public import Localization
public import RAContract
public import Secrets
import X509

/// What the counter hands the customer: no secret on it.
public struct CounterReceipt: Codable, Sendable, Hashable {
    /// The customer's ID, masked.
    public var customer: String
    /// The certificate's serial (upper-case hex, as the certificate tables show it).
    public var serial: String
    /// The certificate's validity.
    public var notBefore: Date
    public var notAfter: Date
    /// The validity as the receipt prints it (Asia/Taipei).
    public var validFromTaipei: String
    public var validUntilTaipei: String
    /// The device as `DevicePersonalisation.receiptName` names it.
    public var device: String
    /// The officer who issued (their registered name).
    public var officer: String
    /// True when this run finished an issue an earlier run had left midway (a card pulled).
    public var resumed: Bool
    /// Where the sealed PIN mailer went (a file, mode 0600).
    public var mailer: String

    public init(customer: String, serial: String, notBefore: Date, notAfter: Date, validFromTaipei: String, validUntilTaipei: String,
                device: String, officer: String, resumed: Bool, mailer: String) {
        (self.customer, self.serial, self.notBefore, self.notAfter) = (customer, serial, notBefore, notAfter)
        (self.validFromTaipei, self.validUntilTaipei, self.device) = (validFromTaipei, validUntilTaipei, device)
        (self.officer, self.resumed, self.mailer) = (officer, resumed, mailer)
    }
}

/// What goes into the sealed PIN mailer of one issue: the only place the unblock code (and a PIN
/// the counter generated) is ever written.
public struct PINMailer: Sendable {
    /// Whose mailer it is (shown masked on it).
    public var customerID: CustomerID
    /// The certificate's serial (hex, as the RA writes it).
    public var serial: String
    /// The customer's PIN when the counter generated it; nil when the customer chose it.
    public var pin: Secret?
    /// The PUK or SO PIN.
    public var unblockCode: Secret
    /// `PUK` or `SO PIN` (`DevicePersonalisation.unblockCodeName`).
    public var unblockCodeName: String
}

/// What the desk tells the officer while it works; each front end words it (the terminal names the
/// reader).
public enum CounterDeskEvent: Sendable {
    /// No blank device is there: insert one for this customer.
    case insertBlank(CustomerID)
    /// The device there is personalised already: take it out and insert a blank one.
    case notBlank
    /// A batch goes on with its `position`-th customer (from 1) of `total`.
    case batchCustomer(position: Int, total: Int, CustomerID)
    /// The card came out after the host issued its certificate: the same card goes back in and the
    /// issue is finished.
    case putSameCardBack
    /// The card came out: it goes back in.
    case putCardBack
    /// A batch finished one customer.
    case issued(CounterReceipt)
    /// A batch waits for the finished card to come out before the next.
    case takeOut
}

/// Why the counter desk stopped, beyond the lifecycle's and the device's own errors.
public enum CounterDeskError: Error, Sendable, Hashable, UserFacingError {
    /// No blank device arrived at `place` before the wait ran out.
    case noBlankDevice(place: String)
    /// After personalising, the device does not hold the certificate with this serial.
    case certificateNotOnDevice(serial: String)

    public var category: ErrorCategory {
        switch self {
        case .noBlankDevice: .tokenMissing
        case .certificateNotOnDevice: .verification
        }
    }

    public var summary: LocalizedText {
        switch self {
        case .noBlankDevice(let place):
            LocalizedText(en: "No blank card or token arrived in \(place) in time.", zhTW: "等候逾時：\(place) 未插入空白卡片或載具。")
        case .certificateNotOnDevice(let serial):
            LocalizedText(en: "The certificate \(serial.uppercased()) is not on the device after personalising.",
                          zhTW: "個人化後在載具上找不到憑證 \(serial.uppercased())。")
        }
    }

    public var remedy: LocalizedText? {
        switch self {
        case .noBlankDevice:
            LocalizedText(en: "Insert a blank card and run the command again (--wait sets how long to wait).",
                          zhTW: "請插入空白卡片後再執行一次（可用 --wait 設定等候秒數）。")
        case .certificateNotOnDevice: nil
        }
    }
}

/// The branch counter's issue, as one service over a device and the lifecycle: it waits for a
/// blank card or token, issues on the officer path (`CertificateLifecycle.issueAtCounter`),
/// personalises the device with the customer's PIN and a random unblock code, checks a signature
/// with the new PIN against the certificate, hands the secrets to the PIN mailer once, and returns
/// the receipt. A device that takes keys before it is personalised (a PIV card) is personalised
/// last, so a card pulled midway is still blank and the next run on it finishes that issue.
public struct CounterDesk: Sendable {
    /// The RA, the journal and the progress display the issue goes through.
    public let lifecycle: CertificateLifecycle
    /// The logged-in officer the RA records on every issue.
    public let officer: RA.OfficerSession
    /// Where blank cards or tokens arrive and are personalised.
    public let device: any DevicePersonalisation
    /// How long to wait for each blank device (and, in a batch, for a finished card to come out).
    public let wait: Duration
    let notify: @Sendable (CounterDeskEvent) async -> Void
    let writeMailer: @Sendable (PINMailer) async throws -> String

    /// - Parameters:
    ///   - notify: tells the officer what the desk waits for (the front end words each event).
    ///   - writeMailer: writes the sealed PIN mailer and returns where it is (shown on the receipt).
    public init(lifecycle: CertificateLifecycle, officer: RA.OfficerSession, device: any DevicePersonalisation, wait: Duration,
                notify: @escaping @Sendable (CounterDeskEvent) async -> Void,
                writeMailer: @escaping @Sendable (PINMailer) async throws -> String) {
        (self.lifecycle, self.officer, self.device, self.wait) = (lifecycle, officer, device, wait)
        (self.notify, self.writeMailer) = (notify, writeMailer)
    }

    /// Issues a certificate for `customerID` onto the next blank device and personalises it.
    ///
    /// In order: refused by the host's rules before any device is touched (`checkCounterIssue`; an
    /// unfinished issue of this customer on this device is finished whatever the host says); a blank
    /// device awaited (a personalised one has to come out first); then, for a device that takes keys
    /// before personalising, the issue with the factory PIN, personalising, and a test signature with
    /// the new PIN — else personalising first, then the issue and the test signature; the PIN mailer
    /// (the unblock code, and the PIN when it was generated) last.
    /// - Parameters:
    ///   - pin: the customer's new PIN; nil generates six digits (written only to the mailer).
    ///   - replaceActive: revoke a host certificate that is not on this device (see `issueAtCounter`).
    /// - Throws: `LifecycleError` (`active-certificate-exists`, `.interrupted` when the device came out
    ///   after the host issued), `RAClientError`, `CounterDeskError` (no blank device in time, the
    ///   certificate not on the device), `KeyStoreUnavailable`, the device's errors, `writeMailer`'s errors.
    public func issue(customerID: CustomerID, pin: Secret?, replaceActive: Bool) async throws -> CounterReceipt {
        let secrets = PersonalisationSecrets(pin: pin ?? Secret(PersonalisationSecrets.randomDigits(6)),
                                             unblockCode: Secret(PersonalisationSecrets.randomDigits(8)))
        let resuming = await hasUnfinishedIssue(customerID)
        try await lifecycle.checkCounterIssue(officer: officer, customerID: customerID, replaceActive: replaceActive || resuming)
        try await waitForBlank(customerID)
        let label = String("TokenCert \(customerID.masked)".prefix(32))
        let installed: CertificateLifecycle.Installed
        if device.issuesBeforePersonalising {
            installed = try await device.withStore(pin: nil) { store in
                try await lifecycle.issueAtCounter(store: store, officer: officer, customerID: customerID, replaceActive: replaceActive)
            }
            await lifecycle.prompt.progress(.personalising, fraction: nil)
            try await device.personalise(secrets, label: label)
            try await device.withStore(pin: secrets.pin) { store in try await check(store, serial: installed.serial) }
        } else {
            await lifecycle.prompt.progress(.personalising, fraction: nil)
            try await device.personalise(secrets, label: label)
            installed = try await device.withStore(pin: secrets.pin) { store in
                let installed = try await lifecycle.issueAtCounter(store: store, officer: officer, customerID: customerID,
                                                                   replaceActive: replaceActive)
                try await check(store, serial: installed.serial)
                return installed
            }
        }
        let mailer = try await writeMailer(PINMailer(customerID: customerID, serial: installed.serial, pin: pin == nil ? secrets.pin : nil,
                                                     unblockCode: secrets.unblockCode, unblockCodeName: device.unblockCodeName))
        let c = installed.certificate
        return CounterReceipt(customer: customerID.masked, serial: c.serialNumber, notBefore: c.notBefore, notAfter: c.notAfter,
                              validFromTaipei: CertificateSummary.taipeiString(c.notBefore),
                              validUntilTaipei: CertificateSummary.taipeiString(c.notAfter),
                              device: device.receiptName, officer: officer.officer, resumed: installed.resumed, mailer: mailer)
    }

    /// Whether this counter's journal holds an unfinished issue for `customerID` on the device — only
    /// a device that takes keys before personalising can hold one (a token is personalised first).
    func hasUnfinishedIssue(_ customerID: CustomerID) async -> Bool {
        guard device.issuesBeforePersonalising else { return false }
        let customer = try? await device.withStore(pin: nil) { store in try lifecycle.unfinishedCounterIssue(store: store) }
        return customer == customerID.value
    }

    /// Waits, at most `wait`, until a blank device is there. A personalised one is refused and has to
    /// come out first. A card carrying this counter's unfinished issue is still blank (personalising
    /// comes last), so a pulled card can go back in.
    /// - Throws: `CounterDeskError.noBlankDevice`; the device's errors.
    func waitForBlank(_ customerID: CustomerID) async throws {
        let deadline = ContinuousClock.now + wait
        var asked = false
        while true {
            switch try await device.presence() {
            case .blank:
                return
            case .personalised:
                await notify(.notBlank)
                asked = false
                guard try await device.waitForDevice(present: false, timeout: max(.zero, deadline - .now)) else { throw timeout }
            case .none:
                if !asked {
                    await notify(.insertBlank(customerID))
                    asked = true
                }
                guard ContinuousClock.now < deadline,
                      try await device.waitForDevice(present: true, timeout: max(.zero, deadline - .now))
                else { throw timeout }
            }
        }
    }

    var timeout: CounterDeskError { .noBlankDevice(place: device.place) }

    /// Signs with the customer's new PIN (the store was opened with it) and checks the signature
    /// against the installed certificate: apply's test signature.
    /// - Throws: `CounterDeskError.certificateNotOnDevice`, `LifecycleError` `test-signature-failed`,
    ///   the store's errors.
    func check(_ store: any KeyStore, serial: String) async throws {
        await lifecycle.prompt.progress(.testSignature, fraction: nil)
        guard let key = try await store.currentKey(), let der = key.certificateDER,
              let summary = try? CertificateSummary(der), summary.serialNumber.lowercased() == serial.lowercased(),
              let certificate = try? Certificate(derEncoded: der)
        else {
            throw CounterDeskError.certificateNotOnDevice(serial: serial)
        }
        try await CertificateLifecycle.testSignature(key.signer, certificate: certificate)
    }
}
