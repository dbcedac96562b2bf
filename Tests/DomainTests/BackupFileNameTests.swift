import Domain
import Foundation
import XCTest

final class BackupFileNameTests: XCTestCase {
    private let customer = try! CustomerID(IDGenerator.id("P", "10025412"))  // P100254127
    private let sample = try! CustomerID("A123456789")
    private let broker = try! BrokerCode("TCFHCSEC")
    private let iso = ISO8601DateFormatter()

    func testMaskedNameAsTheBrokerAppProposesIt() throws {
        let name = BackupFileName(customerID: customer, broker: broker, exportDate: try ROCDate.parseGregorian("2022-05-05"),
                                  idStyle: .masked)
        XCTAssertEqual(name.fileName, "P100254XXX-TCFHCSEC(2022-05-05).pfx")
        XCTAssertEqual("\(name)", name.fileName)
        XCTAssertEqual(name.holder, .masked("P100254XXX"))
        XCTAssertNil(name.copyNumber)
    }

    func testFullNameAsTheImportExampleShowsIt() throws {
        let name = BackupFileName(customerID: sample, broker: broker, exportDate: try ROCDate.parseGregorian("2021-01-21"))
        XCTAssertEqual(name.fileName, "A123456789-TCFHCSEC(2021-01-21).pfx", "the whole ID by default: {ID}-{BROKER}({yyyy-MM-dd}).pfx")
        XCTAssertEqual(name.holder, .customer(sample))
    }

    func testCompany() throws {
        let company = try CustomerID("22099131")
        let day = try ROCDate.parse("113/3/9")
        XCTAssertEqual(BackupFileName(customerID: company, broker: broker, exportDate: day, idStyle: .masked).fileName,
                       "22099XXX-TCFHCSEC(2024-03-09).pfx")
        XCTAssertEqual(BackupFileName(customerID: company, broker: broker, exportDate: day).fileName,
                       "22099131-TCFHCSEC(2024-03-09).pfx")
    }

    func testExportDayIsTakenInTaipei() throws {
        func name(_ instant: String) throws -> String {
            try BackupFileName(customerID: customer, broker: broker, exportedAt: iso.date(from: instant)!, idStyle: .masked).fileName
        }
        XCTAssertEqual(try name("2022-05-04T23:30:00Z"), "P100254XXX-TCFHCSEC(2022-05-05).pfx")  // 07:30 in Taipei
        XCTAssertEqual(try name("2022-05-04T15:59:59Z"), "P100254XXX-TCFHCSEC(2022-05-04).pfx")
        XCTAssertEqual(try name("2022-05-04T16:00:00Z"), "P100254XXX-TCFHCSEC(2022-05-05).pfx")
        XCTAssertEqual(try name("2023-12-31T16:00:00Z"), "P100254XXX-TCFHCSEC(2024-01-01).pfx")
        assertThrows(try name("1900-01-01T00:00:00Z"), BackupFileNameError.exportDateOutOfRange)
    }

    func testAvoidingExistingNames() throws {
        let name = BackupFileName(customerID: customer, broker: broker, exportDate: try ROCDate.parseGregorian("2022-05-05"),
                                  idStyle: .masked)
        XCTAssertEqual(name.avoiding([]).fileName, name.fileName)
        XCTAssertEqual(name.avoiding(["other.pfx"]).fileName, name.fileName)
        let taken = ["p100254xxx-tcfhcsec(2022-05-05).PFX"]  // FAT compares without case
        XCTAssertEqual(name.avoiding(taken).fileName, "P100254XXX-TCFHCSEC(2022-05-05) (2).pfx")
        XCTAssertEqual(name.avoiding(taken).copyNumber, 2)
        let more = taken + ["P100254XXX-TCFHCSEC(2022-05-05) (2).pfx", "P100254XXX-TCFHCSEC(2022-05-05) (3).pfx"]
        XCTAssertEqual(name.avoiding(more).fileName, "P100254XXX-TCFHCSEC(2022-05-05) (4).pfx")
        XCTAssertEqual(name.avoiding(["P100254XXX-TCFHCSEC(2022-05-05) (2).pfx"]).fileName, name.fileName)
        var existing = Set<String>()
        for _ in 0..<20 { existing.insert(name.avoiding(existing).fileName) }
        XCTAssertEqual(existing.count, 20)
    }

    func testParsesNamesBack() throws {
        let masked = try BackupFileName(parsing: "P100254XXX-TCFHCSEC(2022-05-05).pfx")
        XCTAssertEqual(masked.holder, .masked("P100254XXX"))
        XCTAssertEqual(masked.broker, broker)
        XCTAssertEqual(masked.exportDate, try ROCDate.parseGregorian("2022-05-05"))
        XCTAssertNil(masked.copyNumber)
        XCTAssertTrue(masked.isFor(customer))
        XCTAssertFalse(masked.isFor(sample))
        XCTAssertFalse(masked.isFor(try CustomerID(IDGenerator.id("P", "10025512"))))

        let full = try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-01-21).pfx")
        XCTAssertEqual(full.holder, .customer(sample))
        XCTAssertTrue(full.isFor(sample))
        XCTAssertFalse(full.isFor(customer))

        let copy = try BackupFileName(parsing: "P100254XXX-TCFHCSEC(2022-05-05) (12).PFX")
        XCTAssertEqual(copy.copyNumber, 12)
        XCTAssertEqual(copy.fileName, "P100254XXX-TCFHCSEC(2022-05-05) (12).pfx")

        let lower = try BackupFileName(parsing: "p100254xxx-TCFHCSEC(2022-05-05).pfx")
        XCTAssertEqual(lower.holder, .masked("P100254XXX"))
        XCTAssertEqual(try BackupFileName(parsing: "22099XXX-Broker1(2024-03-09).pfx").holder, .masked("22099XXX"))
        XCTAssertEqual(try BackupFileName(parsing: "22099131-Broker1(2024-03-09).pfx").holder, .customer(try CustomerID("22099131")))
    }

    func testEveryNameMadeParsesBackAndIsFATSafe() throws {
        var count = 0
        for id in [customer, sample, try CustomerID("22099131"), try CustomerID(IDGenerator.id("Z", "98765432"))] {
            for code in ["TCFHCSEC", "A", "Abc1234567"] {
                for day in ["1/1/1", "111/5/5", "999/12/31"] {
                    for style in [BackupFileName.IDStyle.full, .masked] {
                        let made = BackupFileName(customerID: id, broker: try BrokerCode(code), exportDate: try ROCDate.parse(day),
                                                  idStyle: style)
                        for name in [made, made.avoiding([made.fileName])] {
                            XCTAssertTrue(BackupFileName.isFATSafe(name.fileName), name.fileName)
                            XCTAssertEqual(try BackupFileName(parsing: name.fileName), name)
                            XCTAssertTrue(name.isFor(id))
                            count += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(count, 4 * 3 * 3 * 2 * 2)
    }

    func testRefusesOtherNames() {
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-01-21).p12"), BackupFileNameError.notPFX)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-01-21)"), BackupFileNameError.notPFX)
        assertThrows(try BackupFileName(parsing: ".pfx"), BackupFileNameError.notPFX)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC.pfx"), BackupFileNameError.unrecognizedPattern)
        assertThrows(try BackupFileName(parsing: "A123456789(2021-01-21).pfx"), BackupFileNameError.unrecognizedPattern)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-01-21)x.pfx"), BackupFileNameError.unrecognizedPattern)
        assertThrows(try BackupFileName(parsing: "A123456788-TCFHCSEC(2021-01-21).pfx"), BackupFileNameError.invalidHolder)
        assertThrows(try BackupFileName(parsing: "A12345XXX-TCFHCSEC(2021-01-21).pfx"), BackupFileNameError.invalidHolder)
        assertThrows(try BackupFileName(parsing: "-TCFHCSEC(2021-01-21).pfx"), BackupFileNameError.invalidHolder)
        assertThrows(try BackupFileName(parsing: " A123456789-TCFHCSEC(2021-01-21).pfx"), BackupFileNameError.invalidHolder)
        assertThrows(try BackupFileName(parsing: "A123456789-TC FH(2021-01-21).pfx"), BackupFileNameError.invalidBroker(.invalidCharacters))
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC-X(2021-01-21).pfx"), BackupFileNameError.invalidBroker(.invalidCharacters))
        assertThrows(try BackupFileName(parsing: "A123456789- TCFH(2021-01-21).pfx"), BackupFileNameError.invalidBroker(.invalidCharacters))
        assertThrows(try BackupFileName(parsing: "A123456789-ABCDEFGHIJK(2021-01-21).pfx"), BackupFileNameError.invalidBroker(.tooLong))
        assertThrows(try BackupFileName(parsing: "A123456789-(2021-01-21).pfx"), BackupFileNameError.invalidBroker(.empty))
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-02-30).pfx"), BackupFileNameError.invalidDate)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021-1-21).pfx"), BackupFileNameError.invalidDate)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(110-01-21).pfx"), BackupFileNameError.invalidDate)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(2021/01/21).pfx"), BackupFileNameError.invalidDate)
        assertThrows(try BackupFileName(parsing: "A123456789-TCFHCSEC(1911-01-21).pfx"), BackupFileNameError.invalidDate)
    }

    func testFATSafety() {
        XCTAssertTrue(BackupFileName.isFATSafe("P100254XXX-TCFHCSEC(2022-05-05) (2).pfx"))
        XCTAssertTrue(BackupFileName.isFATSafe("憑證備份.pfx"))
        for bad in ["a\\b", "a/b", "a:b", "a*b", "a?b", "a\"b", "a<b", "a>b", "a|b", "a\u{0}b", "a\u{1F}b", "a\u{7F}b",
                    "name.", "name ", "", ".", ".."] {
            XCTAssertFalse(BackupFileName.isFATSafe(bad), bad.debugDescription)
        }
        XCTAssertTrue(BackupFileName.isFATSafe(String(repeating: "a", count: 255)))
        XCTAssertFalse(BackupFileName.isFATSafe(String(repeating: "a", count: 256)))
        XCTAssertFalse(BackupFileName.isFATSafe(String(repeating: "😀", count: 128)))  // 256 UTF-16 units
    }
}
