import Domain
import Foundation
import XCTest

final class NationalIDTests: XCTestCase {
    /// The public sample number used in Taiwan's forms and documentation.
    func testPublicSample() throws {
        let id = try NationalID("A123456789")
        XCTAssertEqual(id.value, "A123456789")
        XCTAssertEqual(id.kind, .citizen)
        XCTAssertEqual(id.masked, "A123456***")
    }

    func testGeneratedNumbersForEveryLetterAndKind() throws {
        let serials = ["1234567", "0000000", "9999999", "0254321", "5550123"]
        var count = 0
        for letter in IDGenerator.lettersByNumber {
            for second in ["1", "2", "8", "9"] {
                for serial in serials {
                    let good = IDGenerator.id(letter, second + serial)
                    let id = try NationalID(good)
                    XCTAssertEqual(id.value, good)
                    XCTAssertEqual(id.kind, second == "1" || second == "2" ? .citizen : .residentCertificate)
                    // Every other check digit is refused.
                    let check = Int(String(good.last!))!
                    for wrong in 0...9 where wrong != check {
                        assertThrows(try NationalID(String(good.dropLast()) + String(wrong)), NationalIDError.badCheckDigit)
                    }
                    count += 1
                }
            }
        }
        XCTAssertEqual(count, 26 * 4 * 5)
    }

    func testHandComputedNumbers() throws {
        // P = 23: 2×1 + 3×9 = 29; 1,0,0,2,5,4,1,2 × 8…1 = 8+0+0+10+20+12+2+2 = 54; 83 → check 7.
        XCTAssertNoThrow(try NationalID("P100254127"))
        assertThrows(try NationalID("P100254128"), NationalIDError.badCheckDigit)
        // I = 34: 3 + 36 = 39; 2,0,0,0,0,0,0,0 × 8… = 16; 55 → check 5.
        XCTAssertNoThrow(try NationalID("I200000005"))
        // O = 35: 3 + 45 = 48; 8 × 8 = 64; 112 → check 8 (a new-format resident certificate).
        XCTAssertEqual(try NationalID("O800000008").kind, .residentCertificate)
        // W = 32: 3 + 18 = 21; 9 × 8 = 72; 93 → check 7.
        XCTAssertNoThrow(try NationalID("W900000007"))
    }

    func testNormalisation() throws {
        for typed in ["a123456789", " A123456789 ", "Ａ１２３４５６７８９", "ａ１２３４５６７８９", "\tA123456789\n", "　A123456789　"] {
            XCTAssertEqual(try NationalID(typed).value, "A123456789", typed)
        }
    }

    func testFormatErrors() {
        assertThrows(try NationalID(""), NationalIDError.empty)
        assertThrows(try NationalID("   "), NationalIDError.empty)
        assertThrows(try NationalID("A12345678"), NationalIDError.wrongLength(9))
        assertThrows(try NationalID("A1234567890"), NationalIDError.wrongLength(11))
        assertThrows(try NationalID("A 123456789"), NationalIDError.wrongLength(11))
        assertThrows(try NationalID("1123456789"), NationalIDError.firstCharacterNotLetter)
        assertThrows(try NationalID("Ä123456789"), NationalIDError.firstCharacterNotLetter)
        assertThrows(try NationalID("A12345678X"), NationalIDError.notDigits)
        assertThrows(try NationalID("AB12345678"), NationalIDError.notDigits)  // old-format resident certificate
        assertThrows(try NationalID("A1234-6789"), NationalIDError.notDigits)
        for second in ["0", "3", "4", "5", "6", "7"] {
            assertThrows(try NationalID(IDGenerator.id("A", second + "2345678")), NationalIDError.unknownSecondDigit)
        }
        assertThrows(try NationalID("A123456788"), NationalIDError.badCheckDigit)
    }

    func testNeverPrintsWhole() throws {
        let id = try NationalID("A123456789")
        XCTAssertEqual(id.description, "A123456***")
        XCTAssertEqual("\(id)", "A123456***")
        XCTAssertFalse(String(describing: [id]).contains("789"))
        XCTAssertEqual(id.masked.count, 10)
    }

    func testCodable() throws {
        let id = try NationalID("A123456789")
        let json = try JSONEncoder().encode([id])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["A123456789"]"#)
        XCTAssertEqual(try JSONDecoder().decode([NationalID].self, from: json), [id])
        XCTAssertThrowsError(try JSONDecoder().decode([NationalID].self, from: Data(#"["A123456788"]"#.utf8)))
    }
}
