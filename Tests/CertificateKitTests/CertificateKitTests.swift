import CertificateKit
import XCTest

final class CertificateKitTests: XCTestCase {
    func testModuleLoads() {
        XCTAssertNotNil(CertificateKit.self)
    }
}
