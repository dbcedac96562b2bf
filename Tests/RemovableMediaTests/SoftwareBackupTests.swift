import CertificateKit
import Lifecycle
@testable import RemovableMedia
import Domain
import Foundation
import Glibc
import TestSupport
import X509
import XCTest
import Secrets

/// The whole backup: rule-checked password, file name, drive choice, `.pfx`, atomic write, read-back —
/// on a made-up machine whose USB stick and data disk are real folders.
final class SoftwareBackupTests: XCTestCase {
    let customer = try! CustomerID("A123456789")
    let broker = try! BrokerCode("TCFHCSEC")
    var fake: FakeSystem!
    var usb: URL!
    var data: URL!

    override func setUpWithError() throws {
        fake = try FakeSystem()
        usb = fake.base.appendingPathComponent("media/KINGSTON", isDirectory: true)
        data = fake.base.appendingPathComponent("data", isDirectory: true)
        for dir in [usb!, data!] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        try fake.disk("devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb",
                      disk: "sdb", diskNumber: "8:16", removable: false, partition: "sdb1", partitionNumber: "8:17")
        try fake.disk("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda",
                      disk: "sda", diskNumber: "8:0", removable: false, partition: "sda1", partitionNumber: "8:1")
        try fake.write("proc/self/mountinfo", """
            22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
            25 22 8:1 / \(data.path) rw,relatime - ext4 /dev/sda1 rw
            40 22 8:17 / \(usb.path) rw,nosuid,nodev,relatime shared:100 - vfat /dev/sdb1 rw,utf8

            """)
    }

    override func tearDown() { fake?.remove() }

    /// A software key and a certificate for it from the test CA.
    func material() async throws -> (key: PrivateKeyDER, certificate: [UInt8], chain: [[UInt8]]) {
        let signer = try SoftwareSigner.generate(.p256)
        let ca = try await softwareCA()
        let cert = try await ca.issue(publicKey: try TokenPrivateKey(signer).publicKey,
                                      subject: try SubscriberSubject(commonName: "王小明", serialNumber: "A123456789").distinguishedName(),
                                      notBefore: Date().addingTimeInterval(-60), notAfter: Date().addingTimeInterval(86_400))
        return (PrivateKeyDER(signer.pkcs8DER), cert.derBytes, [ca.caCertificate.derBytes])
    }

    func testBackupGoesToTheUSBStickVerifiedAndReadableByOpenSSL() async throws {
        let m = try await material()
        let password = try BackupPassword.checked(Secret("tc2026ok"), customerID: customer, birthDate: try ROCDate.parse("44/2/1"))
        let now = ISO8601DateFormatter().date(from: "2026-05-04T23:30:00Z")!  // 2026-05-05 in Taipei
        let result = try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, chainDER: m.chain, password: password,
                                               customerID: customer, broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), now: now)
        XCTAssertEqual(result.fileName, "A123456789-TCFHCSEC(2026-05-05).pfx")
        XCTAssertEqual(result.file.deletingLastPathComponent().standardizedFileURL.path, usb.standardizedFileURL.path)
        XCTAssertNil(result.warning)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: usb.path), [result.fileName], "no temp file left")

        // An independent reader opens it with the password.
        let pw = fake.base.appendingPathComponent("pw").path
        try "tc2026ok".write(toFile: pw, atomically: true, encoding: .utf8)
        let info = try runTool("openssl", ["pkcs12", "-in", result.file.path, "-passin", "file:" + pw, "-nodes", "-nokeys", "-clcerts"])
        XCTAssertEqual(info.status, 0, info.err)
        XCTAssertTrue(info.out.contains("BEGIN CERTIFICATE"))

        // Never overwritten silently; keep both on request; replace on request.
        XCTAssertThrowsError(try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password,
                                                       customerID: customer, broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), now: now)) {
            guard case .alreadyExists? = $0 as? BackupWriteError else { return XCTFail("\($0)") }
        }
        let second = try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password, customerID: customer,
                                               broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), ifExists: .keepBoth, now: now)
        XCTAssertEqual(second.fileName, "A123456789-TCFHCSEC(2026-05-05) (2).pfx")
        XCTAssertNoThrow(try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password, customerID: customer,
                                                   broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), ifExists: .replace, now: now))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: usb.path)), [result.fileName, second.fileName])
    }

    func testFixedDiskIsRefusedUnlessForced() async throws {
        let m = try await material()
        let password = try BackupPassword.checked(Secret("tc2026ok"), customerID: customer, birthDate: nil)
        XCTAssertThrowsError(try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password, customerID: customer,
                                                       broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), target: data.path)) {
            guard case .fixedDisk? = $0 as? DriveError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: data.path), [])
        let forced = try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password, customerID: customer,
                                               broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root)), target: data.path, force: true)
        XCTAssertNotNil(forced.warning, "a forced fixed disk carries a warning")
        XCTAssertFalse(forced.warning!.traditionalChinese.isEmpty)
    }

    func testAFailureMidWriteLeavesNoPartialFile() async throws {
        let m = try await material()
        let password = try BackupPassword.checked(Secret("tc2026ok"), customerID: customer, birthDate: nil)
        // The stick fills up after 200 bytes.
        var calls = DrivesRaw.liveSyscalls
        let written = Counter()
        calls.write = { fd, buffer in
            if written.add(buffer.count) > 200 { errno = ENOSPC; return -1 }
            return Glibc.write(fd, buffer.baseAddress, min(buffer.count, 100))
        }
        XCTAssertThrowsError(try SoftwareBackup.export(privateKey: m.key, certificateDER: m.certificate, password: password, customerID: customer,
                                                       broker: broker, medium: RemovableDriveMedium(drives: RemovableDrives(root: fake.root), writer: BackupWriter(syscalls: calls)))) {
            guard case .noSpace? = $0 as? BackupWriteError else { return XCTFail("\($0)") }
            XCTAssertFalse(($0 as? BackupWriteError)?.summary.traditionalChinese.isEmpty ?? true)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: usb.path), [], "no partial file, no temp file")
    }

    func testThePasswordRuleComesFirst() {
        XCTAssertThrowsError(try BackupPassword.checked(Secret("a123456789"), customerID: customer, birthDate: nil), "the ID number is refused")
        XCTAssertThrowsError(try BackupPassword.checked(Secret("x440201"), customerID: customer, birthDate: try ROCDate.parse("44/2/1")), "birth date digits")
        XCTAssertThrowsError(try BackupPassword.checked(Secret("ab!"), customerID: customer, birthDate: nil))
    }
}

/// Counts bytes across calls from the writer's thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) -> Int { lock.withLock { total += n; return total } }
}
