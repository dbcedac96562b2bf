import Foundation
import Hummingbird
import RAContract

/// A customer's session: log in with ID and e-trading password, log out.
struct SessionController<Context: RequestContext>: Sendable {
    let service: RAService
    /// Addresses of proxies whose `X-Forwarded-For` names the client (e.g. HAProxy on 127.0.0.1).
    var trustedProxies: Set<String> = []

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("login", use: login)
            .post("logout", use: logout)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let body = try await Wire.decode(RA.LoginRequest.self, request)
        return try Wire.json(try await service.login(id: body.id, password: body.password, address: Wire.clientAddress(request, context, trustedProxies: trustedProxies)))
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        guard let token = Wire.bearer(request) else { throw RAError.notLoggedIn }
        _ = try await service.authenticate(token: token)
        try await service.logout(token: token)
        return Response(status: .noContent)
    }
}
