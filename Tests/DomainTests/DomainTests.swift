import Domain
import XCTest

final class DomainTests: XCTestCase {
    func testTaipeiZone() {
        XCTAssertEqual(Domain.taipei.secondsFromGMT(), 8 * 3600)
    }
}
