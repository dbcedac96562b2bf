public import SwiftASN1
public import X509

/// The subject of a customer's certificate: C=TW, O=<broker>, CN=<name>, serialNumber=<ID number>.
/// The RA builds it from the customer record, never from what a CSR asks for.
public struct SubscriberSubject: Sendable, Hashable, Codable {
    public var commonName: String
    /// National ID or unified business number (X.520 serialNumber, 2.5.4.5).
    public var serialNumber: String
    public var organization: String?
    public var country: String

    public init(commonName: String, serialNumber: String, organization: String? = nil, country: String = "TW") {
        self.commonName = commonName
        self.serialNumber = serialNumber
        self.organization = organization
        self.country = country
    }

    /// X.520 serialNumber.
    public static let serialNumberOID: ASN1ObjectIdentifier = [2, 5, 4, 5]

    /// C, O, CN (UTF8String, Chinese names allowed), serialNumber (PrintableString).
    /// - Throws: when the ID number is not a PrintableString (letters, digits, a few marks).
    public func distinguishedName() throws -> DistinguishedName {
        var rdns: [RelativeDistinguishedName] = [
            RelativeDistinguishedName(try .init(type: .RDNAttributeType.countryName, printableString: country))
        ]
        if let organization {
            rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: organization)))
        }
        rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)))
        rdns.append(RelativeDistinguishedName(try .init(type: Self.serialNumberOID, printableString: serialNumber)))
        return DistinguishedName(rdns)
    }

    /// Reads C, O, CN and serialNumber back from a name (nil when CN or serialNumber is missing).
    public init?(_ name: DistinguishedName) {
        func value(_ oid: ASN1ObjectIdentifier) -> String? {
            for rdn in name { for attribute in rdn where attribute.type == oid { return String(describing: attribute.value) } }
            return nil
        }
        guard let cn = value(.RDNAttributeType.commonName), let serial = value(Self.serialNumberOID) else { return nil }
        self.init(commonName: cn, serialNumber: serial, organization: value(.RDNAttributeType.organizationName),
                  country: value(.RDNAttributeType.countryName) ?? "TW")
    }
}
