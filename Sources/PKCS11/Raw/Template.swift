internal import CPKCS11

/// Lays attributes out as a `CK_ATTRIBUTE` array whose values point into one buffer that lives
/// for the duration of `body`.
func withTemplate<R>(_ attributes: [Attribute], _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>?, CK_ULONG) throws(PKCS11Error) -> R) throws(PKCS11Error) -> R {
    if attributes.isEmpty { return try body(nil, 0) }
    let total = attributes.reduce(0) { $0 + $1.value.count }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 16)
    let template = UnsafeMutablePointer<CK_ATTRIBUTE>.allocate(capacity: attributes.count)
    defer {
        // Values may include secrets (key components on import): clear before freeing.
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        storage.deallocate()
        template.deallocate()
    }
    var offset = 0
    for (i, attribute) in attributes.enumerated() {
        let dest = storage.baseAddress! + offset
        attribute.value.withUnsafeBytes { src in
            if let base = src.baseAddress { dest.copyMemory(from: base, byteCount: src.count) }
        }
        template[i] = CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(attribute.type.rawValue),
                                   pValue: attribute.value.isEmpty ? nil : dest,
                                   ulValueLen: CK_ULONG(attribute.value.count))
        offset += attribute.value.count
    }
    return try body(template, CK_ULONG(attributes.count))
}

/// `CK_UNAVAILABLE_INFORMATION`: the length a module reports for a sensitive or unknown attribute.
let unavailableInformation = CK_ULONG.max

extension RawModule {
    /// Two-pass `C_GetAttributeValue`: lengths first, then values. Sensitive and unknown attributes
    /// (reported with `CK_UNAVAILABLE_INFORMATION`) are classified one by one instead of failing the read.
    func readAttributes(session: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE,
                        _ types: [AttributeType]) throws(PKCS11Error) -> AttributeSet {
        var result = AttributeSet()
        if types.isEmpty { return result }
        var template = types.map {
            CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE($0.rawValue), pValue: nil, ulValueLen: 0)
        }
        let first = template.withUnsafeMutableBufferPointer {
            f.C_GetAttributeValue(session, object, $0.baseAddress, CK_ULONG($0.count))
        }
        switch ReturnValue(rawValue: UInt(first)) {
        case .ok, .attributeSensitive, .attributeTypeInvalid: break
        case let rv: throw PKCS11Error(rv, function: "C_GetAttributeValue")
        }
        var wanted: [Int] = []
        for (i, attribute) in template.enumerated() {
            if attribute.ulValueLen == unavailableInformation {
                result.values[types[i]] = try classifyUnavailable(session: session, object: object, types[i])
            } else {
                wanted.append(i)
            }
        }
        if wanted.isEmpty { return result }
        var buffers: [UnsafeMutableRawPointer?] = []
        defer { for b in buffers { b?.deallocate() } }
        var second: [CK_ATTRIBUTE] = []
        for i in wanted {
            let length = Int(template[i].ulValueLen)
            let buffer = length > 0 ? UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 16) : nil
            buffers.append(buffer)
            second.append(CK_ATTRIBUTE(type: template[i].type, pValue: buffer, ulValueLen: template[i].ulValueLen))
        }
        let rv = second.withUnsafeMutableBufferPointer {
            f.C_GetAttributeValue(session, object, $0.baseAddress, CK_ULONG($0.count))
        }
        switch ReturnValue(rawValue: UInt(rv)) {
        case .ok, .attributeSensitive, .attributeTypeInvalid: break
        case let other: throw PKCS11Error(other, function: "C_GetAttributeValue")
        }
        for (n, i) in wanted.enumerated() {
            let attribute = second[n]
            if attribute.ulValueLen == unavailableInformation {
                result.values[types[i]] = .unavailable
            } else if let p = attribute.pValue {
                result.values[types[i]] = .value(Array(UnsafeRawBufferPointer(start: p, count: Int(attribute.ulValueLen))))
            } else {
                result.values[types[i]] = .value([])
            }
        }
        return result
    }

    private func classifyUnavailable(session: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE,
                                     _ type: AttributeType) throws(PKCS11Error) -> AttributeValue {
        var one = CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(type.rawValue), pValue: nil, ulValueLen: 0)
        let rv = f.C_GetAttributeValue(session, object, &one, 1)
        switch ReturnValue(rawValue: UInt(rv)) {
        case .attributeSensitive: return .sensitive
        case .attributeTypeInvalid, .ok: return .unavailable
        case let other: throw PKCS11Error(other, function: "C_GetAttributeValue")
        }
    }
}
