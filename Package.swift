// swift-tools-version:6.0
// TokenCert — certificate lifecycle with keys on USB tokens and smart cards.
import PackageDescription

let package = Package(
    name: "TokenCert",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokencert", targets: ["tokencert"]),
        .executable(name: "tokencert-demo", targets: ["tokencert-demo"]),
        .executable(name: "tokencert-bench", targets: ["tokencert-bench"]),
        .executable(name: "virtual-piv-card", targets: ["virtual-piv-card"]),
        .executable(name: "tokencert-ra", targets: ["tokencert-ra"]),
        .library(name: "RAServer", targets: ["RAServer"]),
        .library(name: "VirtualCard", targets: ["VirtualCard"]),
        .library(name: "PKCS11", targets: ["PKCS11"]),
        .library(name: "PCSC", targets: ["PCSC"]),
        .library(name: "SmartCard", targets: ["SmartCard"]),
        .library(name: "PIV", targets: ["PIV"]),
        .library(name: "TokenCertCLI", targets: ["TokenCertCLI"]),
        .library(name: "Domain", targets: ["Domain"]),
        .library(name: "CertificateKit", targets: ["CertificateKit"]),
        .library(name: "Lifecycle", targets: ["Lifecycle"]),
        .library(name: "KeyStores", targets: ["KeyStores"]),
        .library(name: "RAContract", targets: ["RAContract"]),
        .library(name: "RAHTTPClient", targets: ["RAHTTPClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // NIOHTTPTypes for the RA's connection guard (timeouts, connection limit); Hummingbird uses it too.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // GRDB over sqlite-nio for the RA store: migrations (DatabaseMigrator), `write { }` as one
        // transaction, typed rows, and a writer that serialises writes — what the rules need, without
        // hand-written statement plumbing. It uses Debian's libsqlite3.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The customer commands' HTTP client (RAHTTPClient): SwiftNIO with BoringSSL linked in, where
        // URLSession would load libcurl and ~25 more shared libraries into every tokencert process.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Its TLS settings (a broker's own CA for the RA: TLSConfiguration.additionalTrustRoots).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // System-library shims: a module map and a shim header each, nothing else.
        .systemLibrary(
            name: "CPKCS11", pkgConfig: "p11-kit-1",
            providers: [.apt(["libp11-kit-dev"])]),
        .systemLibrary(
            name: "CPCSC", pkgConfig: "libpcsclite",
            providers: [.apt(["libpcsclite-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),

        // zh-TW / English texts shared by every layer's errors.
        .target(name: "Localization"),
        // One type for every secret (PIN, PUK, password, passphrase, management key): a zeroing
        // buffer that never prints itself, and the one file → environment → prompt reader.
        .target(name: "Secrets", dependencies: ["Localization"]),

        .target(
            name: "PKCS11",
            dependencies: [
                "CPKCS11", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The device wrappers (PKCS11, SmartCard, PCSC, PIV) are pure data: errors name the C function
        // or APDU and carry no customer text — KeyStores turns them into words (DeviceFailure).
        .target(name: "SmartCard"),
        .target(name: "PCSC", dependencies: ["CPCSC", "SmartCard"]),
        .target(
            name: "PIV",
            dependencies: [
                "SmartCard", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // Taiwan domain types: ROC dates, national ID / unified business number, masking, securities
        // accounts, the backup password and file-name rules. Pure Swift.
        .target(name: "Domain", dependencies: ["Localization", "Secrets"]),
        // X.509/CSR via swift-certificates with any TokenSigner as CustomPrivateKey, PKCS#12 and CMS
        // via OpenSSL 3. No hardware: token signers live in KeyStores.
        .target(
            name: "CertificateKit",
            dependencies: [
                "COpenSSL", "Domain", "Localization", "Secrets",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // The RA's wire contract: the Codable requests and responses of its HTTP API and its error
        // codes, one type per JSON document, shared by the server (RAServer) and the client (Lifecycle,
        // RAHTTPClient). Pure Swift.
        .target(name: "RAContract", dependencies: ["Localization"]),
        // The lifecycle core: apply, renew, revoke, status over protocols (KeyStore, RAClient, Clock,
        // Prompt) — no hardware module and no server here; KeyStores adapt the hardware.
        .target(name: "Lifecycle", dependencies: ["CertificateKit", "RAContract", "Domain", "Localization", "Secrets"]),
        // Lifecycle's RAClient over HTTP(S) with URLSession.
        .target(name: "RAHTTPClient", dependencies: ["Lifecycle", "RAContract", "Localization",
                                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                   .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        // Removable drives (sysfs, mountinfo, udev) and atomic backup writes: Lifecycle's BackupMedium
        // on this computer's drives.
        .target(name: "RemovableMedia", dependencies: ["Lifecycle", "Localization", "Secrets"]),
        // The adapters where hardware meets Lifecycle: PKCS11KeyStore, PIVKeyStore, SoftwareKeyStore.
        .target(
            name: "KeyStores",
            dependencies: [
                "Lifecycle", "CertificateKit", "RemovableMedia", "PKCS11", "PIV", "PCSC", "SmartCard", "Domain", "Localization", "Secrets",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "TokenCertCLI",
            dependencies: [
                "PKCS11", "PCSC", "PIV", "SmartCard", "Localization", "Secrets", "CertificateKit", "RemovableMedia", "Domain",
                // The customer commands run Lifecycle; no server and no card emulator (the demo is
                // tokencert-demo, which `tokencert demo` runs).
                "Lifecycle", "KeyStores", "RAContract", "RAHTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        .executableTarget(name: "tokencert", dependencies: ["TokenCertCLI"]),
        // The demo: the RA in-process, SoftHSM, the software store and the virtual PIV card.
        .target(
            name: "TokenCertDemo",
            dependencies: [
                "TokenCertCLI", "RAServer", "VirtualCard", "KeyStores", "Lifecycle", "CertificateKit", "RemovableMedia",
                "RAContract", "RAHTTPClient", "PKCS11", "PIV", "Domain", "Localization", "Secrets",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "tokencert-demo", dependencies: ["TokenCertDemo"]),

        // The registration authority: customers, consent, identity steps, issue/revoke, CRL, host
        // status — a Hummingbird 2 application over a repository protocol (SQLite through GRDB).
        .target(
            name: "RAServer",
            dependencies: [
                "CertificateKit", "RAContract", "Domain", "Localization",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .target(
            name: "RACommands",
            dependencies: [
                // tokencert-ra's command tree and composition root: the CA key on a token is built here
                // (KeyStores.PKCS11CAKey).
                "RAServer", "Localization", "Secrets", "PKCS11", "KeyStores", "CertificateKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "tokencert-ra", dependencies: ["RACommands"]),

        // A PIV card emulator behind vsmartcard's vpcd (tests, demos). It imports COpenSSL as the
        // emulated chip's crypto engine — a deliberate exception to "only PCSC/PKCS11/CertificateKit import C".
        .target(name: "VirtualCard", dependencies: ["COpenSSL", "Localization"]),
        .executableTarget(
            name: "virtual-piv-card",
            dependencies: [
                "VirtualCard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "tokencert-bench",
            dependencies: [
                "PKCS11", "PCSC", "PIV", "VirtualCard", "CertificateKit", "RAServer", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/tokencert-bench"),

        .testTarget(
            name: "PKCS11Tests",
            dependencies: ["PKCS11", "KeyStores", "Localization", "Secrets", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SmartCardTests", dependencies: ["SmartCard"]),
        .testTarget(name: "PCSCTests", dependencies: ["PCSC", "SmartCard", "KeyStores", "VirtualCard", "TestSupport"]),
        .testTarget(name: "PIVTests", dependencies: ["PIV", "PCSC", "SmartCard", "KeyStores", "VirtualCard", "Secrets", "TestSupport"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "Localization"]),
        .testTarget(name: "VirtualCardTests", dependencies: ["VirtualCard"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Secrets"]),
        .testTarget(
            name: "CertificateKitTests",
            dependencies: [
                // KeyStores for its PKCS11Signer and PIVSigner: CSRs and certificates signed on real tokens.
                "CertificateKit", "KeyStores", "Domain", "PKCS11", "PIV", "PCSC", "VirtualCard", "Secrets", "Localization", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "RemovableMediaTests",
            dependencies: ["RemovableMedia", "Lifecycle", "CertificateKit", "Domain", "Localization", "Secrets", "TestSupport",
                           .product(name: "X509", package: "swift-certificates")]),
        .testTarget(
            name: "TokenCertCLITests",
            dependencies: ["TokenCertCLI", "RACommands", "PKCS11", "PCSC", "VirtualCard", "TestSupport", "CertificateKit", "RAServer", "Secrets", "Localization",
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "RAServerTests",
            dependencies: [
                "RAServer", "RAContract", "CertificateKit", "KeyStores", "Domain", "PKCS11", "Secrets", "Localization", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "LifecycleTests",
            dependencies: [
                "Lifecycle", "RAContract", "RAHTTPClient", "CertificateKit", "Domain", "Localization", "Secrets", "RAServer", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "KeyStoresTests",
            dependencies: [
                "KeyStores", "Lifecycle", "CertificateKit", "PKCS11", "PIV", "PCSC", "SmartCard", "VirtualCard", "Localization", "Secrets", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Shared by the test targets: running tools, the test pcscd's virtual readers.
        .target(name: "TestSupport", dependencies: ["PCSC", "PKCS11", "VirtualCard", "CertificateKit", "Secrets",
                                                  .product(name: "X509", package: "swift-certificates")], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)

// Imports are internal by default (Swift 6's upcoming InternalImportsByDefault, as swift-certificates
// builds): `import X` no longer re-exports X to this target's users, and a target that shows X's
// types in its own public API must say `public import X`. The dependency rule of DESIGN.md is then
// enforced by the compiler, not remembered.
let internalImportsByDefault: Set<String> = [
    "Localization", "Secrets", "PKCS11", "SmartCard", "PCSC", "PIV", "Domain", "CertificateKit", "RAContract",
    "Lifecycle", "RAHTTPClient", "RemovableMedia", "KeyStores", "TokenCertCLI", "TokenCertDemo", "RAServer", "RACommands",
    "VirtualCard", "tokencert", "tokencert-demo", "tokencert-ra", "virtual-piv-card", "tokencert-bench",
]
for target in package.targets where internalImportsByDefault.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
