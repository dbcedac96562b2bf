import TokenCertCLI

/// The `tokencert` executable: everything lives in the TokenCertCLI library so tests can drive it.
@main
extension TokenCert {}
