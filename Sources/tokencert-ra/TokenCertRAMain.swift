import RACommands

/// The `tokencert-ra` executable: the command tree lives in the RACommands library (tests and
/// packaging reach it without a process); this only starts it.
@main
extension TokenCertRA {}
