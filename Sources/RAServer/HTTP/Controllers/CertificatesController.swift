import Foundation
import Hummingbird
import RAContract

/// A customer's certificates: apply, host status, renew and confirm, revoke.
struct CertificatesController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post(use: issue)
            .get(use: status)
            .post(":serial/revoke", use: revoke)
            .post(":serial/renew", use: renew)
            .post(":serial/confirm", use: confirm)
    }

    @Sendable func issue(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.IssueRequest.self, request)
        return try Wire.issued(try await service.issue(customerID: customer, session: session, requestID: body.requestId,
                                                       csr: try Wire.csrDER(body.csr)))
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let customer = try await service.authenticate(token: Wire.bearer(request))
        return try Wire.json(try await service.status(customerID: customer))
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let serial = try context.parameters.require("serial")
        let body = try await Wire.decode(RA.RevokeRequest.self, request)
        return try Wire.json(try await service.revoke(customerID: customer, session: session, serial: serial, reason: try Wire.reason(body.reason)))
    }

    @Sendable func renew(_ request: Request, context: Context) async throws -> Response {
        let (customer, session) = try await service.authenticateSession(token: Wire.bearer(request))
        let serial = try context.parameters.require("serial")
        let body = try await Wire.decode(RA.RenewRequest.self, request)
        return try Wire.issued(try await service.renew(customerID: customer, session: session, serial: serial, requestID: body.requestId,
                                                       csr: try Wire.csrDER(body.csr), proof: try Wire.base64(body.proof, "proof")))
    }

    @Sendable func confirm(_ request: Request, context: Context) async throws -> Response {
        let customer = try await service.authenticate(token: Wire.bearer(request))
        let serial = try context.parameters.require("serial")
        let body = try await Wire.decode(RA.ConfirmRequest.self, request)
        return try Wire.json(try await service.confirm(customerID: customer, serial: serial, proof: try Wire.base64(body.proof, "proof")))
    }
}
