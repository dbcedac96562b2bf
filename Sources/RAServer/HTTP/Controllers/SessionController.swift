import Foundation
import Hummingbird
import RAContract

/// A customer's session: log in with ID and e-trading password, log out.
struct SessionController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("login", use: login)
            .post("logout", use: logout)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let body = try await Wire.decode(RA.LoginRequest.self, request)
        // The client's address, for the per-address login limit (nil for in-process test clients).
        let address = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
        return try Wire.json(try await service.login(id: body.id, password: body.password, address: address))
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        guard let token = Wire.bearer(request) else { throw RAError.notLoggedIn }
        _ = try await service.authenticate(token: token)
        try await service.logout(token: token)
        return Response(status: .noContent)
    }
}
