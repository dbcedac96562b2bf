public import Domain
import Foundation

/// How far a counter batch got: one row per customer of its list, kept by the front end between
/// runs (`tokencert counter batch` keeps it as JSON next to its list) so a run stopped midway goes on
/// with the first customer not done.
public struct CounterBatchProgress: Codable, Sendable {
    /// One customer of the list.
    public struct Row: Codable, Sendable {
        /// Where the customer's issue stands (written as `pending`, `started`, `done`).
        public enum State: String, Codable, Sendable {
            case pending
            /// An issue began: a certificate the host holds may be on a card that was lost.
            case started
            case done
        }

        /// The customer's whole ID (`CustomerID.value`).
        public var customer: String
        public var state: State
        /// The receipt, once done.
        public var receipt: CounterReceipt?

        public init(customer: String, state: State, receipt: CounterReceipt? = nil) {
            (self.customer, self.state, self.receipt) = (customer, state, receipt)
        }
    }

    /// The list's customers, in order.
    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// A fresh batch: every customer pending.
    public init(customers: [CustomerID]) {
        rows = customers.map { Row(customer: $0.value, state: .pending) }
    }

    /// Whether this progress is that of `customers`, in order.
    public func isFor(_ customers: [CustomerID]) -> Bool { rows.map(\.customer) == customers.map(\.value) }
}

extension CounterDesk {
    /// Issues for every customer of `progress` not done yet, in order, one blank device after another,
    /// with a generated PIN each (`issue(customerID:pin:replaceActive:)`).
    ///
    /// A row is marked started (and `save`d) before its issue and done (with its receipt) after it; a
    /// row found started by a later run replaces the host's certificate, which may be on a card that
    /// was lost. A card pulled midway is asked back and the issue goes on with it. Where the place
    /// holds one device at a time, the finished card has to come out (at most `wait`) before the next.
    /// - Parameters:
    ///   - customers: the customers of `progress`'s rows, in the same order.
    ///   - save: keeps the progress; called after every change of a row.
    /// - Throws: what `issue` throws (except the card being pulled), `save`'s errors, the device's errors.
    public func issueBatch(_ customers: [CustomerID], progress: inout CounterBatchProgress,
                           save: (CounterBatchProgress) throws -> Void) async throws {
        precondition(progress.isFor(customers), "the progress rows are those of the customers")
        let total = progress.rows.count
        for index in progress.rows.indices where progress.rows[index].state != .done {
            let id = customers[index]
            await notify(.batchCustomer(position: index + 1, total: total, id))
            let replace = progress.rows[index].state == .started
            progress.rows[index].state = .started
            try save(progress)
            var receipt: CounterReceipt?
            while receipt == nil {
                do {
                    receipt = try await issue(customerID: id, pin: nil, replaceActive: replace)
                } catch let e as LifecycleError where e.code == "interrupted-token-missing" {
                    // The card came out after the host issued: it can go back in, the journal finishes it.
                    await notify(.putSameCardBack)
                } catch KeyStoreUnavailable.tokenMissing {
                    await notify(.putCardBack)
                }
            }
            progress.rows[index].state = .done
            progress.rows[index].receipt = receipt
            try save(progress)
            if let receipt { await notify(.issued(receipt)) }
            if device.holdsOneDevice {
                await notify(.takeOut)
                _ = try await device.waitForDevice(present: false, timeout: wait)
            }
        }
    }
}
