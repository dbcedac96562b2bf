import Foundation
import Localization
import XCTest

/// `hexString` (Localization) writes what `String(format: "%02X")` wrote before, for every byte.
final class HexTests: XCTestCase {
    func testEveryByteAsFoundationFormatsIt() {
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(hexString(all), all.map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual(hexString(all, uppercase: true, separator: ":"), all.map { String(format: "%02X", $0) }.joined(separator: ":"))
        XCTAssertEqual(hexString([UInt8]()), "")
        XCTAssertEqual(hexString([0x5F], separator: ":"), "5f", "no separator around a single byte")
    }
}
