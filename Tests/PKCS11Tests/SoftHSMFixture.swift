import Foundation
import TestSupport

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func temporaryFile(_ name: String, _ contents: [UInt8]) throws -> String {
    let path = SoftHSM.runDirectory + "/" + name
    try Data(contents).write(to: URL(fileURLWithPath: path))
    return path
}
