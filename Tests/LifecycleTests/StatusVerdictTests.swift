import CertificateKit
import Crypto
import Foundation
@testable import Lifecycle
import RAContract
import X509
import XCTest

/// 2026-03-10 10:00 Asia/Taipei.
let verdictNow = Date(timeIntervalSince1970: 1_773_108_000)
let day: TimeInterval = 86_400

/// A certificate summary with the given serial (hex) and validity, signed by a throwaway key.
func summary(serial: String, notAfterDays: Double, notBeforeDays: Double = -300) throws -> CertificateSummary {
    let key = P256.Signing.PrivateKey()
    let name = try DistinguishedName { CommonName("Verdict Test") }
    var bytes: [UInt8] = []
    var hex = Substring(serial)
    while !hex.isEmpty {
        bytes.append(UInt8(hex.prefix(2), radix: 16)!)
        hex = hex.dropFirst(2)
    }
    let certificate = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(bytes: bytes), publicKey: .init(key.publicKey),
        notValidBefore: verdictNow.addingTimeInterval(notBeforeDays * day), notValidAfter: verdictNow.addingTimeInterval(notAfterDays * day),
        issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
        issuerPrivateKey: .init(key))
    return try CertificateSummary(certificate)
}

func entry(_ serial: String, _ state: RA.CertificateState, notAfterDays: Double, windowDays: Double = 30) -> RA.HostStatus.Entry {
    let notAfter = verdictNow.addingTimeInterval(notAfterDays * day)
    return RA.HostStatus.Entry(serial: serial, state: state, notBefore: notAfter.addingTimeInterval(-365 * day), notAfter: notAfter,
                               renewalOpensAt: notAfter.addingTimeInterval(-windowDays * day))
}

func host(_ entries: [RA.HostStatus.Entry], lockedUntil: Date? = nil) -> RA.HostStatus {
    RA.HostStatus(customer: "A123456***", certificates: entries, onlineRevocationsLeftThisYear: 2, lockedUntil: lockedUntil)
}

final class StatusVerdictTests: XCTestCase {
    struct Row {
        var name: String
        var client: ClientSide
        var host: RA.HostStatus?
        var state: CustomerState
        var action: StatusVerdict.Action
        var hostSerial: String?
        var line: UInt = #line
    }

    func testEveryStateFromTheTable() throws {
        let valid = try summary(serial: "0A1B", notAfterDays: 200)
        let renewable = try summary(serial: "0A1B", notAfterDays: 10)
        let expired = try summary(serial: "0A1B", notAfterDays: -1)
        let renewed = try summary(serial: "0C2D", notAfterDays: 375)
        let locked = verdictNow.addingTimeInterval(3600)

        let rows: [Row] = [
            Row(name: "both empty → apply", client: .empty, host: host([]), state: .noCertificate, action: .apply),
            Row(name: "host active, client empty → revoke, then apply", client: .empty, host: host([entry("0a1b", .active, notAfterDays: 200)]),
                state: .noCertificate, action: .revokeThenApply, hostSerial: "0a1b"),
            Row(name: "client empty, host only revoked/expired → apply", client: .empty,
                host: host([entry("0a1b", .revoked, notAfterDays: 200), entry("0909", .expired, notAfterDays: -20)]),
                state: .noCertificate, action: .apply),
            Row(name: "same serial active on both → ok", client: .certificate(valid), host: host([entry("0a1b", .active, notAfterDays: 200)]),
                state: .active, action: .ok, hostSerial: "0a1b"),
            Row(name: "serial compared without case", client: .certificate(valid), host: host([entry("0A1B", .active, notAfterDays: 200)]),
                state: .active, action: .ok, hostSerial: "0A1B"),
            Row(name: "last 30 days → renew", client: .certificate(renewable), host: host([entry("0a1b", .active, notAfterDays: 10)]),
                state: .inRenewalWindow, action: .renew, hostSerial: "0a1b"),
            Row(name: "no host answer, last 30 days → renew", client: .certificate(renewable), host: nil,
                state: .inRenewalWindow, action: .renew),
            Row(name: "no host answer, valid → ok", client: .certificate(valid), host: nil, state: .active, action: .ok),
            Row(name: "renewal pending on host → finish renewal", client: .certificate(renewable),
                host: host([entry("0c2d", .pending, notAfterDays: 375), entry("0a1b", .active, notAfterDays: 10)]),
                state: .pendingInstall, action: .finishRenewal, hostSerial: "0c2d"),
            Row(name: "new certificate installed, not confirmed → finish renewal", client: .certificate(renewed),
                host: host([entry("0c2d", .pending, notAfterDays: 375), entry("0a1b", .active, notAfterDays: 10)]),
                state: .pendingInstall, action: .finishRenewal, hostSerial: "0c2d"),
            Row(name: "client expired → remove, apply", client: .certificate(expired), host: host([entry("0a1b", .expired, notAfterDays: -1)]),
                state: .expired, action: .removeThenApply, hostSerial: "0a1b"),
            Row(name: "client revoked → remove, apply", client: .certificate(valid), host: host([entry("0a1b", .revoked, notAfterDays: 200)]),
                state: .revoked, action: .removeThenApply, hostSerial: "0a1b"),
            Row(name: "client superseded, another active on host → revoke it, then apply", client: .certificate(renewable),
                host: host([entry("0c2d", .active, notAfterDays: 375), entry("0a1b", .superseded, notAfterDays: 10)]),
                state: .revoked, action: .revokeThenApply, hostSerial: "0c2d"),
            Row(name: "client certificate unknown to the host → remove, apply", client: .certificate(valid), host: host([]),
                state: .noCertificate, action: .removeThenApply),
            Row(name: "token missing", client: .tokenMissing, host: host([entry("0a1b", .active, notAfterDays: 200)]),
                state: .tokenMissing, action: .insertToken, hostSerial: "0a1b"),
            Row(name: "PIN needed", client: .pinNeeded(triesLeft: 2), host: nil, state: .pinNeeded, action: .enterPIN),
            Row(name: "PIN blocked", client: .pinLocked, host: nil, state: .locked, action: .waitOrVisitBranch),
            Row(name: "host locked and an online step needed → locked", client: .empty, host: host([], lockedUntil: locked),
                state: .locked, action: .waitOrVisitBranch),
            Row(name: "host locked but the certificate is fine → still active", client: .certificate(valid),
                host: host([entry("0a1b", .active, notAfterDays: 200)], lockedUntil: locked), state: .active, action: .ok, hostSerial: "0a1b"),
            Row(name: "a lock that has ended does not count", client: .empty, host: host([], lockedUntil: verdictNow.addingTimeInterval(-1)),
                state: .noCertificate, action: .apply),
        ]
        var seen = Set<CustomerState>()
        for row in rows {
            let v = StatusVerdict.evaluate(client: row.client, host: row.host, now: verdictNow)
            XCTAssertEqual(v.state, row.state, row.name, line: row.line)
            XCTAssertEqual(v.action, row.action, row.name, line: row.line)
            XCTAssertEqual(v.hostSerial, row.hostSerial, row.name, line: row.line)
            XCTAssertFalse(v.nextStep.english.isEmpty, row.name, line: row.line)
            XCTAssertFalse(v.nextStep.traditionalChinese.isEmpty, row.name, line: row.line)
            seen.insert(v.state)
        }
        XCTAssertEqual(seen, Set(CustomerState.allCases), "every state is reached by some row")
    }

    func testRevokeThenApplyNamesTheHostSerialInBothLanguages() {
        let v = StatusVerdict.evaluate(client: .empty, host: host([entry("0a1b", .active, notAfterDays: 200)]), now: verdictNow)
        XCTAssertTrue(v.nextStep.english.contains("0a1b") && v.nextStep.english.contains("revoke"), v.nextStep.english)
        XCTAssertTrue(v.nextStep.traditionalChinese.contains("0a1b") && v.nextStep.traditionalChinese.contains("廢止"))
    }

    func testTheRenewalWindowStartsExactlyAtRenewalOpensAt() throws {
        let c = try summary(serial: "0A1B", notAfterDays: 30)
        let opensNow = host([entry("0a1b", .active, notAfterDays: 30, windowDays: 30)])
        XCTAssertEqual(StatusVerdict.evaluate(client: .certificate(c), host: opensNow, now: verdictNow).action, .renew)
        let opensLater = host([entry("0a1b", .active, notAfterDays: 30, windowDays: 29.99)])
        XCTAssertEqual(StatusVerdict.evaluate(client: .certificate(c), host: opensLater, now: verdictNow).action, .ok)
    }

    func testEveryStateHasANextStepInBothLanguages() {
        for state in CustomerState.allCases {
            XCTAssertFalse(state.nextStep.english.isEmpty, "\(state)")
            XCTAssertFalse(state.nextStep.traditionalChinese.isEmpty, "\(state)")
            XCTAssertNotEqual(state.nextStep.english, state.nextStep.traditionalChinese, "\(state)")
            XCTAssertFalse(state.label.traditionalChinese.isEmpty, "\(state)")
        }
        XCTAssertEqual(Set(CustomerState.allCases.map(\.nextStep.english)).count, CustomerState.allCases.count)
    }
}
