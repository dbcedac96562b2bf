public import Secrets
extension PKCS11Module {
    /// Personalises a blank token: `C_InitToken` on the first slot whose token is not initialised
    /// (or on `slot`), then `C_Login` as SO, `C_InitPIN` for the user PIN, `C_Logout`.
    /// Returns the token as found again by label (some modules, SoftHSM among them, move an initialised
    /// token to a new slot ID).
    /// - Throws: `CKR_TOKEN_NOT_PRESENT` (function `find blank token`) when no blank token is there;
    ///   `CKR_ARGUMENTS_BAD` when a token with this label already exists; errors of the C calls.
    public func initializeToken(label: String, soPIN: Secret, userPIN: Secret, slot: SlotID? = nil) async throws(PKCS11Error) -> Token {
        let all = try tokens()
        if all.contains(where: { $0.info.label == label && $0.info.isInitialized }) {
            throw PKCS11Error(.argumentsBad, function: "C_InitToken", detail: "a token labelled \(label) already exists")
        }
        let target: SlotID
        if let slot {
            target = slot
        } else if let blank = all.first(where: { !$0.info.isInitialized }) {
            target = blank.slot.id
        } else {
            throw PKCS11Error(.tokenNotPresent, function: "find blank token", detail: "no uninitialised token is present")
        }
        try initToken(target, soPIN: soPIN, label: label)
        guard let token = try tokens().first(where: { $0.info.label == label && $0.info.isInitialized }) else {
            throw PKCS11Error(.tokenNotPresent, function: "find token", detail: "token \(label) vanished after C_InitToken")
        }
        let session = try openSession(token.slot.id)
        do {
            try await session.login(.securityOfficer, pin: soPIN)
            try await session.initPIN(userPIN)
            try await session.logout()
            try await session.close()
        } catch {
            try? await session.close()
            throw error
        }
        return try tokens().first(where: { $0.slot.id == token.slot.id }) ?? token
    }
}
