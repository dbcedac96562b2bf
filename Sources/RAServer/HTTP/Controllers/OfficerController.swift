import Foundation
import Hummingbird
import RAContract

/// Branch officers: log in with a signed challenge, then act for a customer at the counter.
struct OfficerController<Context: RequestContext>: Sendable {
    let service: RAService

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .post("challenge", use: challenge)
            .post("login", use: login)
            .get("customers/:id", use: customerStatus)
            .post("customers/:id/unlock", use: unlock)
            .post("customers/:id/revoke", use: revoke)
            .post("customers/:id/certificates", use: issue)
    }

    @Sendable func challenge(_ request: Request, context: Context) async throws -> Response {
        let body = try await Wire.decode(RA.OfficerChallengeRequest.self, request)
        return try Wire.json(try await service.officerChallenge(officer: body.officer), status: .created)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let body = try await Wire.decode(RA.OfficerLoginRequest.self, request)
        return try Wire.json(try await service.officerLogin(officer: body.officer, challenge: body.challenge ?? "",
                                                            signature: try Wire.base64(body.signature, "signature")))
    }

    @Sendable func customerStatus(_ request: Request, context: Context) async throws -> Response {
        _ = try await service.authenticateOfficer(token: Wire.bearer(request))
        return try Wire.json(try await service.status(customerID: try Wire.customerID(context)))
    }

    @Sendable func unlock(_ request: Request, context: Context) async throws -> Response {
        let officer = try await service.authenticateOfficer(token: Wire.bearer(request))
        try await service.officerUnlock(officer: officer, customerID: try Wire.customerID(context))
        return try Wire.json(RA.Unlocked(unlocked: true))
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let officer = try await service.authenticateOfficer(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.OfficerRevokeRequest.self, request)
        let reason = try Wire.reason(body.reason)
        return try Wire.json(try await service.officerRevoke(officer: officer, customerID: try Wire.customerID(context), serial: body.serial,
                                                             reason: reason))
    }

    @Sendable func issue(_ request: Request, context: Context) async throws -> Response {
        let officer = try await service.authenticateOfficer(token: Wire.bearer(request))
        let body = try await Wire.decode(RA.OfficerIssueRequest.self, request)
        return try Wire.issued(try await service.officerIssue(officer: officer, customerID: try Wire.customerID(context), requestID: body.requestId,
                                                              csr: try Wire.csrDER(body.csr), consentOnPaper: body.consentOnPaper))
    }
}
