import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RAServer
import XCTest

/// One-time codes through sendmail (a stand-in script) and an SMS gateway webhook (a live loopback
/// Hummingbird server); a failed delivery is refused and does not block a resend.
final class DeliveryTests: XCTestCase {
    func testEmailCodesGoThroughSendmailAndAFailedSendDoesNotBlockAResend() async throws {
        let h = try await Harness(self)
        let script = try sendmailStandIn(h.dir)
        let service = RAService(repository: h.repository, authority: h.authority, policy: h.policy, clock: h.clock,
                                delivery: ChannelDelivery(sms: try OutboxDelivery(directory: h.outbox),
                                                          email: SendmailDelivery(path: script, from: "RA <ra@example.test>")))
        let agreement = Agreement.current
        _ = try await service.acceptConsent(customerID: Harness.alice.id, version: agreement.version, sha256: agreement.sha256)
        _ = try await service.verifyBirthDate(customerID: Harness.alice.id, session: "s1", text: Harness.alice.birth)

        XCTAssertTrue(FileManager.default.createFile(atPath: h.dir + "/fail", contents: nil))
        do {
            _ = try await service.sendCode(customerID: Harness.alice.id, session: "s1", account: Harness.alice.account, channel: .email)
            XCTFail("a failed sendmail was reported as sent")
        } catch let error as RAError {
            XCTAssertEqual(error.code, .deliveryFailed)
            XCTAssertEqual(error.status, .badGateway)
        }
        try FileManager.default.removeItem(atPath: h.dir + "/fail")
        let sent = try await service.sendCode(customerID: Harness.alice.id, session: "s1", account: Harness.alice.account, channel: .email)
        let mails = try FileManager.default.contentsOfDirectory(atPath: h.dir).filter { $0.hasPrefix("mail-") }
        XCTAssertEqual(mails.count, 1)
        let mail = try String(contentsOfFile: h.dir + "/" + mails[0], encoding: .utf8)
        XCTAssertTrue(mail.hasPrefix("ARGS: -t -i\n"), mail)
        XCTAssertTrue(mail.contains("To: alice@example.test"), mail)
        XCTAssertTrue(mail.contains("識別碼 \(sent.identifier)"), mail)
        let code = try XCTUnwrap(mail.firstMatch(of: /code (\d{6}), identifier/)).1
        let verified = try await service.verifyCode(customerID: Harness.alice.id, session: "s1", identifier: sent.identifier, code: String(code))
        XCTAssertTrue(verified.verified)
    }

    actor Inbox {
        var messages: [(authorization: String?, json: [String: String])] = []
        var failNext = false
        func add(_ authorization: String?, _ json: [String: String]) { messages.append((authorization, json)) }
        func shouldFail() -> Bool { defer { failNext = false }; return failNext }
        func setFail() { failNext = true }
    }

    func testSMSCodesArePostedToTheGatewayWebhook() async throws {
        let h = try await Harness(self)
        let inbox = Inbox()
        let router = Router()
        router.post("sms") { request, _ -> Response in
            if await inbox.shouldFail() { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 65536)
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: String] ?? [:]
            await inbox.add(request.headers[.authorization], json)
            return Response(status: .accepted)
        }
        let gateway = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await gateway.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let service = RAService(repository: h.repository, authority: h.authority, policy: h.policy, clock: h.clock,
                                    delivery: WebhookDelivery(url: URL(string: "http://127.0.0.1:\(port)/sms")!, bearerToken: "gw-token"))
            let agreement = Agreement.current
            _ = try await service.acceptConsent(customerID: Harness.alice.id, version: agreement.version, sha256: agreement.sha256)
            _ = try await service.verifyBirthDate(customerID: Harness.alice.id, session: "s1", text: Harness.alice.birth)
            await inbox.setFail()
            do {
                _ = try await service.sendCode(customerID: Harness.alice.id, session: "s1", account: Harness.alice.account, channel: .sms)
                XCTFail("a 503 from the gateway was reported as sent")
            } catch let error as RAError {
                XCTAssertEqual(error.code, .deliveryFailed)
            }
            let sent = try await service.sendCode(customerID: Harness.alice.id, session: "s1", account: Harness.alice.account, channel: .sms)
            let messages = await inbox.messages
            XCTAssertEqual(messages.count, 1)
            XCTAssertEqual(messages.first?.authorization, "Bearer gw-token")
            XCTAssertEqual(messages.first?.json["to"], Harness.alice.mobile)
            XCTAssertEqual(messages.first?.json["identifier"], sent.identifier)
            let text = try XCTUnwrap(messages.first?.json["text"])
            let code = try XCTUnwrap(text.firstMatch(of: /驗證碼 (\d{6})，識別碼/)).1
            let verified = try await service.verifyCode(customerID: Harness.alice.id, session: "s1", identifier: sent.identifier, code: String(code))
            XCTAssertTrue(verified.verified)
        }
    }
}
