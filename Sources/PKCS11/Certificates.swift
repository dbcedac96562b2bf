/// The names a PKCS#11 certificate object needs (`CKA_SUBJECT`, `CKA_ISSUER`, `CKA_SERIAL_NUMBER`),
/// read from an X.509 certificate's DER.
struct CertificateNames {
    var subject: [UInt8]
    var issuer: [UInt8]
    /// The DER INTEGER of the serial number, tag and length included.
    var serialNumber: [UInt8]
    var subjectPublicKeyInfo: [UInt8]

    init(der: [UInt8]) throws {
        var outer = DER.Reader(der)
        var cert = DER.Reader(try outer.read(expecting: DER.sequence))
        var tbs = DER.Reader(try cert.read(expecting: DER.sequence))
        var field = try tbs.read()
        if field.tag == 0xA0 { field = try tbs.read() }  // [0] version
        guard field.tag == DER.integer else { throw DER.DecodeError(description: "certificate without serial number") }
        serialNumber = Array(field.encoded)
        _ = try tbs.read()  // signature algorithm
        issuer = Array(try tbs.read().encoded)
        _ = try tbs.read()  // validity
        subject = Array(try tbs.read().encoded)
        subjectPublicKeyInfo = Array(try tbs.read().encoded)
    }
}

extension PKCS11Session {
    /// Stores an X.509 certificate as a public token object (`C_CreateObject`, `CKO_CERTIFICATE`,
    /// `CKC_X_509`) with subject, issuer and serial taken from the certificate, linked to its key by `id`.
    /// A module that refuses that template as such (`CKR_ATTRIBUTE_TYPE_INVALID`,
    /// `CKR_ATTRIBUTE_VALUE_INVALID`, `CKR_TEMPLATE_INCONSISTENT` — ykcs11 takes no subject, issuer,
    /// serial, label or modifiable flag: it writes the DER into the PIV slot's certificate object)
    /// gets the minimal one: class, certificate type, token, id and value.
    /// - Throws: `CKR_ARGUMENTS_BAD` (function `parse certificate`) for DER that is not a certificate;
    ///   `PKCS11Error` from `C_CreateObject`.
    @discardableResult
    public func storeCertificate(_ der: [UInt8], label: String, id: [UInt8]) throws(PKCS11Error) -> ObjectHandle {
        let names: CertificateNames
        do { names = try CertificateNames(der: der) } catch {
            throw PKCS11Error(.argumentsBad, function: "parse certificate", detail: "\(error)")
        }
        let minimal: [Attribute] = [
            .objectClass(.certificate), .ulong(.certificateType, CertificateType.x509.rawValue),
            .bool(.token, true), .id(id), Attribute(.value, bytes: der),
        ]
        do {
            return try createObject(minimal + [
                .bool(.private, false), .bool(.modifiable, true), .label(label),
                Attribute(.subject, bytes: names.subject), Attribute(.issuer, bytes: names.issuer),
                Attribute(.serialNumber, bytes: names.serialNumber),
            ])
        } catch where [.attributeTypeInvalid, .attributeValueInvalid, .templateInconsistent].contains(error.returnValue) {
            return try createObject(minimal)
        }
    }

    /// The DER of every X.509 certificate object with this `CKA_ID` (all certificates when nil).
    /// The search names only the class and id: some modules (ykcs11) match nothing on
    /// `CKA_CERTIFICATE_TYPE`, so that is read and checked afterwards (absent counts as X.509).
    public func certificates(id: [UInt8]? = nil) throws(PKCS11Error) -> [(handle: ObjectHandle, der: [UInt8], label: String?)] {
        var template: [Attribute] = [.objectClass(.certificate)]
        if let id { template.append(.id(id)) }
        var result: [(handle: ObjectHandle, der: [UInt8], label: String?)] = []
        for handle in try findObjects(template) {
            let a = try attributes([.value, .label, .certificateType], of: handle)
            if let type = a.ulong(.certificateType), type != CertificateType.x509.rawValue { continue }
            if let der = a.bytes(.value) { result.append((handle, der, a.string(.label))) }
        }
        return result
    }

    /// Destroys the private key, public key and certificates sharing `id` (`C_DestroyObject` on each).
    /// Returns how many objects went.
    @discardableResult
    public func destroyObjects(id: [UInt8]) throws(PKCS11Error) -> Int {
        let handles = try findObjects([.id(id)])
        for handle in handles { try destroyObject(handle) }
        return handles.count
    }
}
