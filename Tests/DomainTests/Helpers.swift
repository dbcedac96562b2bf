import Domain
import XCTest

/// Asserts that `expression` throws exactly `expected`.
func assertThrows<T, E: Error & Equatable>(
    _ expression: @autoclosure () throws -> T, _ expected: E,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let value = try expression()
        XCTFail("expected \(expected), got a value: \(value)", file: file, line: line)
    } catch let error as E {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// Makes valid Taiwan ID numbers with its own letter table, written independently of the
/// Domain target: the letters in the order of their numbers 10…35.
enum IDGenerator {
    static let lettersByNumber = Array("ABCDEFGHJKLMNPQRSTUVXYWZIO")

    /// The check digit for a letter and eight digits (`"A"`, `"12345678"`).
    static func checkDigit(letter: Character, eightDigits: String) -> Int {
        let number = lettersByNumber.firstIndex(of: letter)! + 10
        let values = [number / 10, number % 10] + eightDigits.map { Int(String($0))! }
        let weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        let sum = zip(values, weights).map { $0 * $1 }.reduce(0, +)
        return (10 - sum % 10) % 10
    }

    /// A valid ID from a letter and eight digits.
    static func id(_ letter: Character, _ eightDigits: String) -> String {
        "\(letter)\(eightDigits)\(checkDigit(letter: letter, eightDigits: eightDigits))"
    }
}
