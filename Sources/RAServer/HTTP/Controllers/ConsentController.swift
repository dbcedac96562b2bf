import Foundation
import Hummingbird
import RAContract

/// The certificate agreement: read it, accept it (before any identity step).
struct ConsentController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get(use: agreement)
            .post(use: accept)
    }

    @Sendable func agreement(_ request: Request, context: Context) async throws -> Response {
        try Wire.json(RA.Agreement(service.agreement))
    }

    @Sendable func accept(_ request: Request, context: Context) async throws -> Response {
        let customer = try await service.authenticate(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.ConsentRequest.self, request)
        let record = try await service.acceptConsent(customerID: customer, version: body.version, sha256: body.sha256)
        return try Wire.json(RA.ConsentAccepted(record), status: .created)
    }
}
