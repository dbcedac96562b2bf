import TokenCertDemo

/// The `tokencert-demo` executable (also reached as `tokencert demo`): the whole journey on embedded
/// defaults, with the RA and the virtual card in this process — kept out of `tokencert`, which links
/// neither.
@main
extension DemoCommand {}
