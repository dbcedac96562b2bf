/// What ``PKCS12Bundle/read(_:password:)`` found in a `.pfx`.
public struct PKCS12Contents: Sendable {
    /// The private key, as PKCS#8 `PrivateKeyInfo` DER, exactly as decrypted from the file.
    public var privateKey: PrivateKeyDER
    /// The certificate whose public key is the private key's (the leaf), DER (re-encoded by OpenSSL,
    /// which keeps the signed part's bytes: equal to the stored bytes for any DER certificate).
    public var certificateDER: [UInt8]
    /// The other certificates of the file, DER, in the order the file lists them.
    public var chainDER: [[UInt8]]
    /// The key bag's `friendlyName` (else the leaf certificate bag's), decoded from its BMPString.
    public var friendlyName: String?
    /// The key bag's `localKeyID` (else the leaf certificate bag's).
    public var localKeyID: [UInt8]?
    /// How the file was protected.
    public var algorithms: PKCS12Algorithms

    public init(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]], friendlyName: String?,
                localKeyID: [UInt8]?, algorithms: PKCS12Algorithms) {
        self.privateKey = privateKey
        self.certificateDER = certificateDER
        self.chainDER = chainDER
        self.friendlyName = friendlyName
        self.localKeyID = localKeyID
        self.algorithms = algorithms
    }
}

/// The protection of a `.pfx`, with the names OpenSSL gives the algorithms (as `openssl pkcs12 -info` prints them).
public struct PKCS12Algorithms: Sendable, Hashable, CustomStringConvertible {
    /// A password-based encryption: a PKCS#12 PBE scheme (`pbeWithSHA1And3-KeyTripleDES-CBC`,
    /// `pbeWithSHA1And40BitRC2-CBC`, …) or PBES2 with its key derivation and cipher.
    public struct Encryption: Sendable, Hashable, CustomStringConvertible {
        /// The scheme's long name, e.g. `PBES2` or `pbeWithSHA1And3-KeyTripleDES-CBC`.
        public var scheme: String
        /// PBES2 only: the key derivation, e.g. `PBKDF2`.
        public var keyDerivation: String?
        /// PBES2 with PBKDF2 only: the PRF, e.g. `hmacWithSHA256` (`hmacWithSHA1` when the file leaves it out).
        public var pseudoRandomFunction: String?
        /// PBES2 only: the cipher, e.g. `AES-256-CBC`.
        public var cipher: String?
        /// The iteration count, when the parameters could be read.
        public var iterations: Int?
        /// True when this scheme needs OpenSSL's `legacy` provider (RC2, RC4, single DES, MD2/MD5-based PBE).
        public var isLegacy: Bool

        public init(scheme: String, keyDerivation: String? = nil, pseudoRandomFunction: String? = nil,
                    cipher: String? = nil, iterations: Int? = nil, isLegacy: Bool = false) {
            self.scheme = scheme
            self.keyDerivation = keyDerivation
            self.pseudoRandomFunction = pseudoRandomFunction
            self.cipher = cipher
            self.iterations = iterations
            self.isLegacy = isLegacy
        }

        public var description: String {
            var parts = [scheme]
            parts += [keyDerivation, cipher].compactMap { $0 }
            if let iterations { parts.append("Iteration \(iterations)") }
            if let pseudoRandomFunction { parts.append("PRF \(pseudoRandomFunction)") }
            return parts.joined(separator: ", ")
        }
    }

    /// The PKCS#12 integrity MAC.
    public struct MAC: Sendable, Hashable, CustomStringConvertible {
        /// The digest's long name, e.g. `sha256` or `sha1`.
        public var digest: String
        public var iterations: Int

        public init(digest: String, iterations: Int) {
            self.digest = digest
            self.iterations = iterations
        }

        public var description: String { "\(digest), Iteration \(iterations)" }
    }

    /// The key bag's encryption; nil when the key is stored unencrypted (a plain `keyBag`).
    public var keyEncryption: Encryption?
    /// The certificates' encryption (of the first encrypted safe); nil when they are stored in plain data.
    public var certificateEncryption: Encryption?
    /// The MAC; nil when the file has none.
    public var mac: MAC?

    public init(keyEncryption: Encryption?, certificateEncryption: Encryption?, mac: MAC?) {
        self.keyEncryption = keyEncryption
        self.certificateEncryption = certificateEncryption
        self.mac = mac
    }

    /// The profile whose algorithms these are (iteration counts aside); nil for anything else
    /// (RC2-40 legacy files, unencrypted parts, other ciphers).
    public var profileKind: PKCS12Profile.Kind? {
        let modern = Encryption(scheme: "PBES2", keyDerivation: "PBKDF2", pseudoRandomFunction: "hmacWithSHA256", cipher: "AES-256-CBC")
        let compat = Encryption(scheme: "pbeWithSHA1And3-KeyTripleDES-CBC")
        func same(_ e: Encryption?, _ model: Encryption) -> Bool {
            guard let e else { return false }
            return e.scheme == model.scheme && e.keyDerivation == model.keyDerivation
                && e.pseudoRandomFunction == model.pseudoRandomFunction && e.cipher == model.cipher
        }
        if same(keyEncryption, modern) && same(certificateEncryption, modern) && mac?.digest == "sha256" { return .modern }
        if same(keyEncryption, compat) && same(certificateEncryption, compat) && mac?.digest == "sha1" { return .compat }
        return nil
    }

    /// True when reading the file needed (or would need) OpenSSL's `legacy` provider.
    public var needsLegacyProvider: Bool {
        keyEncryption?.isLegacy == true || certificateEncryption?.isLegacy == true
    }

    public var description: String {
        "key: \(keyEncryption?.description ?? "unencrypted"); certificates: \(certificateEncryption?.description ?? "unencrypted"); MAC: \(mac?.description ?? "none")"
    }
}
