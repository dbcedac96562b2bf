import CertificateKit
import Domain
import Foundation
import Lifecycle
import RAContract
import RAHTTPClient
import RAServer
import Secrets
import X509
import XCTest

/// A device for the counter desk's sequence: presence scripted, a memory store, every call recorded
/// (the real devices — a virtual PIV card, SoftHSM — are driven end to end in CounterCLITests).
final class FakeCounterDevice: DevicePersonalisation, @unchecked Sendable {
    let issuesBeforePersonalising: Bool
    let holdsOneDevice: Bool
    let store = MemoryKeyStore()
    var place: String { "fake reader" }
    var unblockCodeName: String { issuesBeforePersonalising ? "PUK" : "SO PIN" }
    var receiptName: String { "fake device" }
    private let lock = NSLock()
    /// What `presence()` answers, in turn; the last answer repeats.
    private var presences: [DevicePresence]
    private(set) var calls: [String] = []
    private(set) var secrets: PersonalisationSecrets?

    init(issuesBeforePersonalising: Bool, presences: [DevicePresence]) {
        self.issuesBeforePersonalising = issuesBeforePersonalising
        holdsOneDevice = issuesBeforePersonalising
        self.presences = presences
    }

    private func record(_ call: String) { lock.withLock { calls.append(call) } }

    func presence() async throws -> DevicePresence {
        record("presence")
        return lock.withLock { presences.count > 1 ? presences.removeFirst() : presences[0] }
    }
    func waitForDevice(present: Bool, timeout: Duration) async throws -> Bool {
        record(present ? "wait-in" : "wait-out")
        return lock.withLock { presences.count > 1 || presences.first != DevicePresence.none }
    }
    func personalise(_ secrets: PersonalisationSecrets, label: String) async throws {
        record("personalise \(label)")
        lock.withLock { self.secrets = secrets }
    }
    func withStore<R: Sendable>(pin: Secret?, _ body: (any KeyStore) async throws -> R) async throws -> R {
        record(pin == nil ? "store factory-pin" : pin == lock.withLock({ secrets?.pin }) ? "store new-pin" : "store other-pin")
        return try await body(store)
    }
}

/// Collects what the desk tells and writes.
final class DeskRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [String] = []
    private(set) var mailers: [PINMailer] = []

    func notify(_ event: CounterDeskEvent) {
        let name = switch event {
        case .insertBlank(let id): "insert \(id.masked)"
        case .notBlank: "not-blank"
        case .batchCustomer(let position, let total, _): "[\(position)/\(total)]"
        case .putSameCardBack: "put-same-card-back"
        case .putCardBack: "put-card-back"
        case .issued(let receipt): "issued \(receipt.customer)"
        case .takeOut: "take-out"
        }
        lock.withLock { events.append(name) }
    }

    func write(_ mailer: PINMailer) -> String {
        lock.withLock { mailers.append(mailer) }
        return "/mailers/\(mailers.count)"
    }
}

final class CounterDeskTests: XCTestCase {
    static let officerName = "chen-branch"

    /// An officer registered with the RA (a self-signed P-256 certificate, as `counter enrol` makes)
    /// and logged in through the lifecycle.
    static func officerSession(_ ra: LiveRA, _ lifecycle: CertificateLifecycle) async throws -> RA.OfficerSession {
        let signer = try SoftwareSigner.generate(.p256)
        let subject = try DistinguishedName { CommonName(Self.officerName) }
        let certificate = try await CertificateIssuer.selfSignedLeaf(subject: subject, key: try TokenPrivateKey(signer),
                                                                     notBefore: LiveRA.start.addingTimeInterval(-86_400),
                                                                     notAfter: LiveRA.start.addingTimeInterval(86_400 * 730))
        try await SQLiteRepository(path: ra.dir + "/ra.sqlite").addOfficer(name: Self.officerName, certificate: certificate.derBytes,
                                                                          at: LiveRA.start)
        return try await lifecycle.officerLogin(officer: Self.officerName, signer: signer)
    }

    static func desk(_ lifecycle: CertificateLifecycle, _ officer: RA.OfficerSession, _ device: FakeCounterDevice,
              _ recorder: DeskRecorder) -> CounterDesk {
        CounterDesk(lifecycle: lifecycle, officer: officer, device: device, wait: .seconds(5),
                    notify: { recorder.notify($0) }, writeMailer: { recorder.write($0) })
    }

    /// A card (keys before personalising): a personalised card is refused, the blank one gets the key
    /// with its factory PIN, is personalised last and checked with the new PIN; the generated PIN and
    /// the PUK go only to the mailer.
    func testCardIsIssuedThenPersonalisedAndChecked() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let prompt = ScriptedPrompt(birthDates: []) { _ in "" }
            let lifecycle = try LifecycleFlowTests.lifecycle(ra, client, prompt: prompt)
            let officer = try await Self.officerSession(ra, lifecycle)
            let device = FakeCounterDevice(issuesBeforePersonalising: true, presences: [.personalised, .none, .blank])
            let recorder = DeskRecorder()
            let id = try CustomerID(LiveRA.customer.id)
            let receipt = try await Self.desk(lifecycle, officer, device, recorder).issue(customerID: id, pin: nil, replaceActive: false)

            XCTAssertEqual(recorder.events, ["not-blank", "insert A123456***"])
            // The journal is read first (an unfinished issue on this card), the card is not touched until blank.
            XCTAssertEqual(device.calls, ["store factory-pin", "presence", "wait-out", "presence", "wait-in", "presence",
                                          "store factory-pin", "personalise TokenCert A123456***", "store new-pin"])
            XCTAssertEqual(prompt.steps.suffix(2), [.personalising, .testSignature])
            XCTAssertEqual(receipt.customer, "A123456***")
            XCTAssertEqual(receipt.officer, Self.officerName)
            XCTAssertEqual(receipt.device, "fake device")
            XCTAssertEqual(receipt.mailer, "/mailers/1")
            XCTAssertFalse(receipt.resumed)
            let key = try await device.store.currentKey()
            XCTAssertEqual(try CertificateSummary(try XCTUnwrap(key?.certificateDER)).serialNumber, receipt.serial)

            let mailer = try XCTUnwrap(recorder.mailers.first)
            let secrets = try XCTUnwrap(device.secrets)
            XCTAssertEqual(mailer.unblockCodeName, "PUK")
            XCTAssertEqual(mailer.pin, secrets.pin, "a generated PIN goes to the mailer")
            XCTAssertEqual(mailer.pin?.count, 6)
            XCTAssertEqual(mailer.unblockCode, secrets.unblockCode)
            XCTAssertEqual(mailer.unblockCode.count, 8)
            XCTAssertEqual(mailer.serial.lowercased(), receipt.serial.lowercased())

            // The host now has an active certificate: a second issue is refused before any device is touched.
            let second = FakeCounterDevice(issuesBeforePersonalising: true, presences: [.blank])
            do {
                _ = try await Self.desk(lifecycle, officer, second, recorder).issue(customerID: id, pin: nil, replaceActive: false)
                XCTFail("a second issue was accepted")
            } catch let e as LifecycleError {
                XCTAssertEqual(e.code, "active-certificate-exists")
            }
            XCTAssertEqual(second.calls, ["store factory-pin"], "only the journal was read")
        }
    }

    /// A token (no PIN before personalising): personalised first, then issued and checked on the same
    /// store; a PIN the customer chose is not in the mailer.
    func testTokenIsPersonalisedFirstAndAChosenPINStaysOutOfTheMailer() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let prompt = ScriptedPrompt(birthDates: []) { _ in "" }
            let lifecycle = try LifecycleFlowTests.lifecycle(ra, client, prompt: prompt)
            let officer = try await Self.officerSession(ra, lifecycle)
            let device = FakeCounterDevice(issuesBeforePersonalising: false, presences: [.blank])
            let recorder = DeskRecorder()
            let receipt = try await Self.desk(lifecycle, officer, device, recorder)
                .issue(customerID: try CustomerID(LiveRA.customer.id), pin: Secret("246813"), replaceActive: false)

            XCTAssertEqual(recorder.events, [], "a blank token was there: nothing asked")
            XCTAssertEqual(device.calls, ["presence", "personalise TokenCert A123456***", "store new-pin"])
            XCTAssertEqual(device.secrets?.pin, Secret("246813"))
            let mailer = try XCTUnwrap(recorder.mailers.first)
            XCTAssertNil(mailer.pin)
            XCTAssertEqual(mailer.unblockCodeName, "SO PIN")
            XCTAssertEqual(mailer.serial.lowercased(), receipt.serial.lowercased())
        }
    }

    /// No blank device before the wait runs out: a token-missing stop that names the place.
    func testNoBlankDeviceInTime() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let prompt = ScriptedPrompt(birthDates: []) { _ in "" }
            let lifecycle = try LifecycleFlowTests.lifecycle(ra, client, prompt: prompt)
            let officer = try await Self.officerSession(ra, lifecycle)
            let device = FakeCounterDevice(issuesBeforePersonalising: true, presences: [.none])
            let recorder = DeskRecorder()
            do {
                _ = try await Self.desk(lifecycle, officer, device, recorder)
                    .issue(customerID: try CustomerID(LiveRA.customer.id), pin: nil, replaceActive: false)
                XCTFail("issued without a device")
            } catch let e as CounterDeskError {
                XCTAssertEqual(e, .noBlankDevice(place: "fake reader"))
                XCTAssertEqual(e.category, .tokenMissing)
            }
            XCTAssertEqual(recorder.events, ["insert A123456***"])
            XCTAssertTrue(recorder.mailers.isEmpty)
        }
    }

    /// A batch whose card comes out after the host issued: the same card is asked back, the journal
    /// finishes the issue (resumed), the row is done and the card is asked out.
    func testBatchFinishesAPulledCard() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let prompt = ScriptedPrompt(birthDates: []) { _ in "" }
            let lifecycle = try LifecycleFlowTests.lifecycle(ra, client, prompt: prompt)
            let officer = try await Self.officerSession(ra, lifecycle)
            let device = FakeCounterDevice(issuesBeforePersonalising: true, presences: [.blank])
            device.store.failStore = KeyStoreUnavailable.tokenMissing
            let recorder = DeskRecorder()
            let desk = CounterDesk(lifecycle: lifecycle, officer: officer, device: device, wait: .seconds(5),
                                   notify: { event in
                                       recorder.notify(event)
                                       if case .putSameCardBack = event { device.store.failStore = nil }
                                   },
                                   writeMailer: { recorder.write($0) })
            let ids = [try CustomerID(LiveRA.customer.id)]
            var progress = CounterBatchProgress(customers: ids)
            var saved: [CounterBatchProgress.Row.State] = []
            try await desk.issueBatch(ids, progress: &progress) { saved.append($0.rows[0].state) }

            XCTAssertEqual(recorder.events, ["[1/1]", "put-same-card-back", "issued A123456***", "take-out"])
            XCTAssertEqual(progress.rows.map(\.state), [.done])
            XCTAssertEqual(progress.rows.first?.receipt?.resumed, true)
            XCTAssertEqual(saved, [.started, .done])
            XCTAssertEqual(recorder.mailers.count, 1)
            XCTAssertEqual(device.calls.last, "wait-out")
        }
    }
}
