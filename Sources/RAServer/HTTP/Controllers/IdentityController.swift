import Foundation
import Hummingbird
import RAContract

/// The two identity steps of a session: the birth date, then a one-time code.
struct IdentityController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("birth-date", use: birthDate)
            .post("code", use: sendCode)
            .post("code/verify", use: verifyCode)
    }

    @Sendable func birthDate(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.BirthDateRequest.self, request)
        return try Wire.json(try await service.verifyBirthDate(customerID: customer, session: session, text: body.birthDate))
    }

    @Sendable func sendCode(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.CodeRequest.self, request)
        let sent = try await service.sendCode(customerID: customer, session: session, account: body.account, channel: body.channel)
        return try Wire.json(sent, status: .created)
    }

    @Sendable func verifyCode(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.CodeVerification.self, request)
        return try Wire.json(try await service.verifyCode(customerID: customer, session: session, identifier: body.identifier, code: body.code))
    }
}
