import Foundation
import Hummingbird
import RAContract

/// The broker's order gateway asks for the host's verdict on a signed order.
struct OrdersController<Context: RequestContext>: Sendable {
    let service: RAService
    /// SHA-256 of the gateway's bearer token; nil: loopback clients only.
    let gatewayTokenSHA256: String?

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("verify", use: verify)
    }

    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        try Wire.requireOperator(request, context, tokenSHA256: gatewayTokenSHA256, endpoint: "POST /orders/verify")
        let body = try await Wire.decode(RA.OrderVerificationRequest.self, request)
        let signature = body.signature.contains("-----BEGIN") ? Array(body.signature.utf8) : try Wire.base64(body.signature, "signature")
        let content = try body.content.map { try Wire.base64($0, "content") }
        return try Wire.json(try await service.verifyOrder(account: body.account, signature: signature, content: content))
    }
}
