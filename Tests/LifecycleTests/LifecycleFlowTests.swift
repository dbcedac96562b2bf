import CertificateKit
import Domain
import Foundation
import Lifecycle
import Secrets
import Localization
import RAContract
import RAHTTPClient
import RAServer
import X509
import XCTest

/// A key store in memory over software keys: the pure-logic stand-in for the flow tests (the real
/// stores are tested in KeyStoresTests and end to end).
final class MemoryKeyStore: KeyStore, @unchecked Sendable {
    private var keys: [StoredKey] = []
    private let lock = NSLock()
    /// When set, `storeCertificate` throws this (a token pulled mid-operation).
    var failStore: (any Error)?

    var location: KeyLocation { .software(path: "memory") }

    func generateKey(_ kind: KeyDescription.Kind, label: String) async throws -> any TokenSigner {
        let signer = try SoftwareSigner.generate(kind)
        lock.withLock { keys.append(StoredKey(signer: signer)) }
        return signer
    }
    func currentKey() async throws -> StoredKey? {
        lock.withLock { keys.last(where: { $0.certificateDER != nil }) ?? keys.last }
    }
    func allKeys() async throws -> [StoredKey] { lock.withLock { keys } }
    func storeCertificate(_ der: [UInt8], for signer: any TokenSigner) async throws {
        if let failStore { throw failStore }
        lock.withLock {
            if let i = keys.firstIndex(where: { $0.signer.subjectPublicKeyInfo == signer.subjectPublicKeyInfo }) { keys[i].certificateDER = der }
        }
    }
    func delete(_ signer: any TokenSigner) async throws {
        lock.withLock { keys.removeAll { $0.signer.subjectPublicKeyInfo == signer.subjectPublicKeyInfo } }
    }
    func importKey(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], label: String) async throws -> StoredKey {
        let pem = privateKey.withUnsafeBytes { Data($0) }.base64EncodedString(options: .lineLength64Characters)
        let signer = try SoftwareSigner(pem: "-----BEGIN PRIVATE KEY-----\n\(pem)\n-----END PRIVATE KEY-----\n")
        let key = StoredKey(signer: signer, certificateDER: certificateDER)
        lock.withLock { keys.append(key) }
        return key
    }
}

/// Answers the journey's questions from a script; codes come from the RA's outbox.
final class ScriptedPrompt: JourneyPrompt, @unchecked Sendable {
    var birthDates: [String]
    var agree = true
    var confirmAnswer = true
    let codeFor: @Sendable (String) throws -> String
    var codeAnswers: [CodeAnswer] = []
    private(set) var shown: [String] = []
    private(set) var steps: [ProgressStep] = []
    private let lock = NSLock()

    init(birthDates: [String], codeFor: @escaping @Sendable (String) throws -> String) {
        self.birthDates = birthDates
        self.codeFor = codeFor
    }
    func text(_ question: LocalizedText) async throws -> String { "" }
    func choose(_ question: LocalizedText, _ choices: [PromptChoice]) async throws -> String { choices[0].id }
    func confirm(_ question: LocalizedText) async throws -> Bool { confirmAnswer }
    func show(_ message: LocalizedText) async { lock.withLock { shown.append(message.english) } }
    func agreement(_ agreement: RA.Agreement) async throws -> Bool { agree }
    func birthDate(corporate: Bool) async throws -> String {
        lock.withLock { birthDates.count > 1 ? birthDates.removeFirst() : birthDates[0] }
    }
    func oneTimeCode(_ sent: RA.CodeSent, now: Date) async throws -> CodeAnswer {
        if let next = lock.withLock({ codeAnswers.isEmpty ? nil : codeAnswers.removeFirst() }) { return next }
        return .code(try codeFor(sent.identifier))
    }
    func progress(_ step: ProgressStep, fraction: Double?) async { lock.withLock { steps.append(step) } }
}

/// The server's manual clock, read by the client too.
struct SharedClock: WallClock {
    let clock: ManualClock
    func now() -> Date { clock.now() }
}

final class LifecycleFlowTests: XCTestCase {
    static func lifecycle(_ ra: LiveRA, _ client: HTTPRAClient, prompt: ScriptedPrompt, journal: any Journal = MemoryJournal()) throws -> CertificateLifecycle {
        CertificateLifecycle(ra: client, clock: SharedClock(clock: ra.clock), prompt: prompt, journal: journal,
                             configuration: .init(keyKind: .p256, broker: try BrokerCode("TCTEST")))
    }

    func testApplySignTestRenewRevoke() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let session = try await client.login(.init(id: c.id, password: c.password))
            let prompt = ScriptedPrompt(birthDates: [c.birth]) { try ra.code(for: $0) }
            let flow = try Self.lifecycle(ra, client, prompt: prompt)
            let store = MemoryKeyStore()
            let id = try CustomerID(c.id)

            let before = await flow.status(store: store, session: session)
            XCTAssertEqual(before.verdict.action, .apply)

            let installed = try await flow.apply(store: store, session: session, customerID: id)
            XCTAssertFalse(installed.resumed)
            XCTAssertTrue(prompt.steps.contains(.generatingKey) && prompt.steps.contains(.testSignature), "\(prompt.steps)")
            let after = await flow.status(store: store, session: session)
            XCTAssertEqual(after.verdict.action, .ok)
            XCTAssertEqual(after.verdict.state, .active)
            XCTAssertEqual(after.keys.count, 1)

            // Apply again: the host has one active.
            do {
                _ = try await flow.apply(store: store, session: session, customerID: id)
                XCTFail("second apply accepted")
            } catch let e as LifecycleError {
                XCTAssertEqual(e.code, "active-certificate-exists")
            }

            let test = try await flow.signTest(store: store, session: session)
            XCTAssertTrue(test.passed, "\(test)")
            XCTAssertEqual(test.hostCode, "ok")
            XCTAssertEqual(test.serial, installed.certificate.serialNumber)

            // Renew: refused before the window, accepted in it.
            do {
                _ = try await flow.renew(store: store, session: session, customerID: id)
                XCTFail("renew outside the window accepted")
            } catch let e as LifecycleError {
                XCTAssertEqual(e.code, "renewal-not-open")
            }
            ra.clock.set(installed.certificate.notAfter.addingTimeInterval(-10 * 86_400))
            let session2 = try await client.login(.init(id: c.id, password: c.password))
            let renewed = try await flow.renew(store: store, session: session2, customerID: id)
            XCTAssertEqual(renewed.replaced?.lowercased(), installed.serial.lowercased())
            let keys = try await store.allKeys()
            XCTAssertEqual(keys.count, 1, "the old key is removed")
            let renewedStatus = await flow.status(store: store, session: session2)
            XCTAssertEqual(renewedStatus.verdict.action, .ok, "\(renewedStatus.verdict)")
            XCTAssertEqual(renewedStatus.host?.certificates.first(where: { $0.serial == installed.serial })?.state, .superseded)

            let revoked = try await flow.revoke(store: store, session: session2, customerID: id, serial: nil, reason: .keyCompromise)
            XCTAssertTrue(revoked.removedLocally)
            XCTAssertEqual(revoked.revocation.onlineRevocationsLeftThisYear, 1)
            let emptyNow = try await store.allKeys()
            XCTAssertTrue(emptyNow.isEmpty)
        }
    }

    func testInterruptedApplyIsFinishedByTheNextRun() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let session = try await client.login(.init(id: c.id, password: c.password))
            let prompt = ScriptedPrompt(birthDates: [c.birth]) { try ra.code(for: $0) }
            let journal = MemoryJournal()
            let flow = try Self.lifecycle(ra, client, prompt: prompt, journal: journal)
            let store = MemoryKeyStore()
            store.failStore = KeyStoreUnavailable.tokenMissing
            do {
                _ = try await flow.apply(store: store, session: session, customerID: try CustomerID(c.id))
                XCTFail("apply with the token pulled succeeded")
            } catch let e as LifecycleError {
                XCTAssertEqual(e.kind, .interrupted)
            }
            XCTAssertNotNil(try journal.load(for: store.location.description))
            store.failStore = nil
            let finished = try await flow.apply(store: store, session: session, customerID: try CustomerID(c.id))
            XCTAssertTrue(finished.resumed)
            let keys = try await store.allKeys()
            XCTAssertEqual(keys.count, 1)
            XCTAssertNil(try journal.load(for: store.location.description))
            let status = await flow.status(store: store, session: session)
            XCTAssertEqual(status.verdict.action, .ok)
        }
    }

    func testWrongBirthDatesLockAndTheMessageSaysHowToUnlock() async throws {
        let ra = try await LiveRA(self)
        try await ra.serve { client in
            let c = LiveRA.customer
            let session = try await client.login(.init(id: c.id, password: c.password))
            let prompt = ScriptedPrompt(birthDates: ["60/1/1"]) { try ra.code(for: $0) }
            let flow = try Self.lifecycle(ra, client, prompt: prompt)
            let store = MemoryKeyStore()
            do {
                _ = try await flow.apply(store: store, session: session, customerID: try CustomerID(c.id))
                XCTFail("wrong birth dates accepted")
            } catch let e as RAClientError {
                XCTAssertEqual(e.code, .locked, "\(e)")
                XCTAssertTrue((e.remedy?.english ?? "").lowercased().contains("branch"), "\(String(describing: e.remedy))")
            }
            let keys = try await store.allKeys()
            XCTAssertTrue(keys.isEmpty, "no key generated before the identity steps")
            let status = await flow.status(store: store, session: session)
            XCTAssertEqual(status.verdict.state, .locked)
        }
    }
}
