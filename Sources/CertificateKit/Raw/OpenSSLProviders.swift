internal import COpenSSL

/// OpenSSL 3 providers in the default library context.
enum OpenSSLProviders {
    /// Loads OpenSSL's `legacy` provider (RC2, RC4, DES, MD4, …) into the default library context,
    /// once per process; thread-safe (Swift runs a static's initialiser exactly once). `default` is
    /// loaded explicitly first: once any provider is loaded by hand, OpenSSL no longer falls back to
    /// loading `default` by itself, and everything else in the process needs it. Both stay loaded for
    /// the life of the process (`OSSL_PROVIDER_load` twice, never `OSSL_PROVIDER_unload`).
    /// False when either could not be loaded (`ossl-modules/legacy.so` missing).
    static func loadLegacy() -> Bool {
        legacyLoaded
    }

    private static let legacyLoaded: Bool = {
        let loaded = OSSL_PROVIDER_load(nil, "default") != nil && OSSL_PROVIDER_load(nil, "legacy") != nil
        if !loaded { ERR_clear_error() }
        return loaded
    }()
}
