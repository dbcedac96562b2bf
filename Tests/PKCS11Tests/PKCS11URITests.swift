import XCTest
@testable import PKCS11

final class PKCS11URITests: XCTestCase {
    private func parse(_ s: String, file: StaticString = #filePath, line: UInt = #line) throws -> PKCS11URI {
        do {
            return try PKCS11URI(parsing: s)
        } catch {
            XCTFail("\(s): \(error)", file: file, line: line)
            throw error
        }
    }

    private func assertParseError(_ s: String, _ code: PKCS11URI.ParseError.Code,
                                  file: StaticString = #filePath, line: UInt = #line) {
        do {
            let uri = try PKCS11URI(parsing: s)
            XCTFail("\(s) parsed as \(uri)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(s): \(error)", file: file, line: line)
        }
        XCTAssertNil(PKCS11URI(s), file: file, line: line)
    }

    private func assertRoundTrip(_ uri: PKCS11URI, file: StaticString = #filePath, line: UInt = #line) {
        let text = uri.formatted(includingPINValue: true)
        guard let again = PKCS11URI(text) else {
            return XCTFail("\(text) does not parse", file: file, line: line)
        }
        XCTAssertEqual(again, uri, text, file: file, line: line)
        XCTAssertEqual(again.formatted(includingPINValue: true), text, file: file, line: line)
    }

    // MARK: RFC 7512 examples

    static let rfcExamples = [
        "pkcs11:",
        "pkcs11:object=my-pubkey;type=public",
        "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
            + "object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
        "pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ca%fe%04%05%06",
        "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
        "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=;type=public",
        "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a?pin-source=file:/etc/token_pin"
            + "&vendor-bbb=value-b",
        "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
        "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
        "pkcs11:slot-description=Sun%20Metaslot",
        "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
        "pkcs11:token=Sun%20Metaslot;object=test-key;type=private?pin-source=file:/etc/token_pin"
            + "&module-name=softtoken",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.;serial=;"
            + "id=%01%02?pin-source=file:/etc/pin",
        "pkcs11:slot-id=1;token=my-token",
    ]

    func testRFCExamplesParseAndRoundTrip() throws {
        for example in Self.rfcExamples {
            let uri = try parse(example)
            assertRoundTrip(uri)
        }
    }

    func testSoftTokenExampleDecodesEveryAttribute() throws {
        let uri = try parse(Self.rfcExamples[3])
        XCTAssertEqual(uri.token, "The Software PKCS#11 Softtoken")
        XCTAssertEqual(uri.manufacturer, "Snake Oil, Inc.")
        XCTAssertEqual(uri.model, "1.0")
        XCTAssertEqual(uri.object, "my-certificate")
        XCTAssertEqual(uri.type, .certificate)
        XCTAssertEqual(uri.id, [0x69, 0x95, 0x3E, 0x5C, 0xF4, 0xBD, 0xEC, 0x91])
        XCTAssertEqual(uri.serial, "", "serial= is present with an empty value")
        XCTAssertNil(uri.libraryManufacturer)
        XCTAssertTrue(uri.identifiesToken)
        XCTAssertEqual(uri.description,
                       "pkcs11:manufacturer=Snake%20Oil,%20Inc.;model=1.0;serial=;"
                       + "token=The%20Software%20PKCS%2311%20Softtoken;object=my-certificate;type=cert;"
                       + "id=%69%95%3E%5C%F4%BD%EC%91")
    }

    func testObjectAndType() throws {
        let uri = try parse("pkcs11:object=my-pubkey;type=public")
        XCTAssertEqual(uri.object, "my-pubkey")
        XCTAssertEqual(uri.type, .publicKey)
        XCTAssertFalse(uri.identifiesToken)
        XCTAssertEqual(uri.description, "pkcs11:object=my-pubkey;type=public")
        for (name, type) in [("cert", ObjectClass.certificate), ("public", .publicKey), ("private", .privateKey),
                             ("secret-key", .secretKey), ("data", .data)] {
            XCTAssertEqual(try parse("pkcs11:type=\(name)").type, type)
        }
    }

    func testLibraryAttributes() throws {
        let uri = try parse(Self.rfcExamples[12])
        XCTAssertEqual(uri.libraryManufacturer, "Snake Oil, Inc.")
        XCTAssertEqual(uri.libraryDescription, "Soft Token Library")
        XCTAssertEqual(uri.libraryVersion, Version(major: 1, minor: 23))
    }

    func testMajorOnlyLibraryVersionMeansMinorZero() throws {
        // RFC 7512 section 2.3: value "M" MUST be interpreted as major M, minor 0.
        let uri = try parse("pkcs11:library-version=3")
        XCTAssertEqual(uri.libraryVersion, Version(major: 3, minor: 0))
        XCTAssertEqual(uri.description, "pkcs11:library-version=3.0")
        let module = ModuleInfo(cryptokiVersion: .init(major: 2, minor: 40), manufacturer: "m",
                                libraryDescription: "d", libraryVersion: .init(major: 3, minor: 0))
        XCTAssertTrue(uri.matches(module: module))
        var later = module
        later.libraryVersion = .init(major: 3, minor: 1)
        XCTAssertFalse(uri.matches(module: later))
    }

    func testPercentEscapesDecodeAndPathSpecialCharacters() throws {
        let substring = try parse(Self.rfcExamples[5])
        XCTAssertEqual(substring.token, "A name with a substring %;")
        XCTAssertEqual(substring.description,
                       "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert")

        let acute = try parse(Self.rfcExamples[6])
        XCTAssertEqual(acute.token, "Name with a small A with acute: á")
        XCTAssertEqual(acute.object, "")
        XCTAssertEqual(acute.type, .publicKey)
        XCTAssertEqual(acute.description,
                       "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=;type=public")

        // Lower-case hex decodes too; the canonical form uses upper case.
        let lower = try parse("pkcs11:token=a%2fb%3fc;id=%ba%dd")
        XCTAssertEqual(lower.token, "a/b?c")
        XCTAssertEqual(lower.id, [0xBA, 0xDD])
        XCTAssertEqual(lower.description, "pkcs11:token=a%2Fb%3Fc;id=%BA%DD")

        // RFC 7512's reserved characters that may stay unencoded in path values, including "&" and "=".
        let special = try parse("pkcs11:token=:[]@!$'()*+,=&")
        XCTAssertEqual(special.token, ":[]@!$'()*+,=&")
        XCTAssertEqual(special.description, "pkcs11:token=:[]@!$'()*+,=&")
    }

    func testFormattingEncodesWhatMustBeEncoded() {
        var uri = PKCS11URI()
        uri.token = "a;b/c?d%e f&g=h~ü"
        uri.object = "x"
        uri.id = Array("AZ09".utf8)
        uri.modulePath = "/usr/lib/p11 kit/a&b?c|d.so"
        XCTAssertEqual(uri.description,
                       "pkcs11:token=a%3Bb%2Fc%3Fd%25e%20f&g=h~%C3%BC;object=x;id=%41%5A%30%39"
                       + "?module-path=/usr/lib/p11%20kit/a%26b?c|d.so")
        assertRoundTrip(uri)
    }

    func testQueryAttributes() throws {
        let uri = try parse(Self.rfcExamples[13])
        XCTAssertEqual(uri.token, "Sun Metaslot")
        XCTAssertEqual(uri.pinSource, "file:/etc/token_pin")
        XCTAssertEqual(uri.moduleName, "softtoken")
        XCTAssertNil(uri.modulePath)
        XCTAssertEqual(uri.description,
                       "pkcs11:token=Sun%20Metaslot;object=test-key;type=private"
                       + "?pin-source=file:/etc/token_pin&module-name=softtoken")
        XCTAssertEqual(try parse(Self.rfcExamples[9]).modulePath, "/mnt/libmypkcs11.so.1")
        // An empty query is allowed.
        XCTAssertEqual(try parse("pkcs11:token=a?"), try parse("pkcs11:token=a"))
    }

    func testCanonicalOrder() throws {
        let uri = try parse("pkcs11:x-b=2;id=%01;type=data;object=o;token=t;serial=s;model=m;manufacturer=mf;"
                            + "slot-id=7;slot-description=sd;slot-manufacturer=sm;x-a=1;library-version=2.1;"
                            + "library-description=ld;library-manufacturer=lm"
                            + "?x-z=9&module-path=/p&module-name=n&pin-source=file:/pin&x-y=8")
        XCTAssertEqual(uri.description,
                       "pkcs11:library-manufacturer=lm;library-description=ld;library-version=2.1;"
                       + "slot-manufacturer=sm;slot-description=sd;slot-id=7;manufacturer=mf;model=m;serial=s;"
                       + "token=t;object=o;type=data;id=%01;x-a=1;x-b=2"
                       + "?pin-source=file:/pin&module-name=n&module-path=/p&x-y=8&x-z=9")
        XCTAssertEqual(uri.slotID, 7)
        XCTAssertEqual(uri.otherPathAttributes, ["x-a": "1", "x-b": "2"])
        XCTAssertEqual(uri.otherQueryAttributes, ["x-y": "8", "x-z": "9"])
        assertRoundTrip(uri)
    }

    func testSchemeIsCaseInsensitiveButNamesAreNot() throws {
        XCTAssertEqual(try parse("PKCS11:token=a").token, "a")
        XCTAssertEqual(try parse("Pkcs11:token=a").description, "pkcs11:token=a")
        let upper = try parse("pkcs11:TOKEN=a")
        XCTAssertNil(upper.token)
        XCTAssertEqual(upper.otherPathAttributes, ["TOKEN": "a"])
    }

    func testEmptyURI() throws {
        let empty = try parse("pkcs11:")
        XCTAssertEqual(empty, PKCS11URI())
        XCTAssertEqual(PKCS11URI().description, "pkcs11:")
        XCTAssertFalse(empty.identifiesToken)
    }

    func testLosslessStringConvertible() {
        let uri = PKCS11URI("pkcs11:token=Alice")
        XCTAssertEqual(uri?.token, "Alice")
        XCTAssertEqual(uri.map { String(describing: $0) }, "pkcs11:token=Alice")
        XCTAssertNil(PKCS11URI("file:/etc/token"))
    }

    // MARK: Errors

    func testErrors() {
        assertParseError("", .notPKCS11Scheme)
        assertParseError("pkcs11", .notPKCS11Scheme)
        assertParseError("pkcs12:token=a", .notPKCS11Scheme)
        assertParseError("https://example.com/pkcs11:token=a", .notPKCS11Scheme)
        assertParseError(" pkcs11:token=a", .notPKCS11Scheme)

        assertParseError("pkcs11:token=%G1", .badPercentEncoding)
        assertParseError("pkcs11:token=%1", .badPercentEncoding)
        assertParseError("pkcs11:token=abc%", .badPercentEncoding)
        assertParseError("pkcs11:id=%0", .badPercentEncoding)
        assertParseError("pkcs11:token=%C3", .badPercentEncoding)   // not UTF-8
        assertParseError("pkcs11:token=a?pin-source=%ZZ", .badPercentEncoding)

        assertParseError("pkcs11:token=a;token=b", .duplicateAttribute)
        assertParseError("pkcs11:id=%01;object=o;id=%01", .duplicateAttribute)
        assertParseError("pkcs11:x-a=1;x-a=1", .duplicateAttribute)
        assertParseError("pkcs11:?module-name=a&module-name=b", .duplicateAttribute)

        assertParseError("pkcs11:type=certificate", .unknownValue)
        assertParseError("pkcs11:type=Cert", .unknownValue)
        assertParseError("pkcs11:type=", .unknownValue)

        assertParseError("pkcs11:token", .malformed)
        assertParseError("pkcs11:=a", .malformed)
        assertParseError("pkcs11:token=a;", .malformed)
        assertParseError("pkcs11:token=a;;object=b", .malformed)
        assertParseError("pkcs11:tok en=a", .malformed)
        assertParseError("pkcs11:token=My Token", .malformed)
        assertParseError("pkcs11:token=a/b", .malformed)
        assertParseError("pkcs11:token=ä", .malformed)
        assertParseError("pkcs11:token=a#b", .malformed)
        assertParseError("pkcs11:?module-path=/a&b", .malformed)
        assertParseError("pkcs11:library-version=1.2.3", .malformed)
        assertParseError("pkcs11:library-version=1.", .malformed)
        assertParseError("pkcs11:library-version=.1", .malformed)
        assertParseError("pkcs11:library-version=+1", .malformed)
        assertParseError("pkcs11:library-version=256", .malformed)
        assertParseError("pkcs11:library-version=", .malformed)
        assertParseError("pkcs11:slot-id=-1", .malformed)
        assertParseError("pkcs11:slot-id=+1", .malformed)
        assertParseError("pkcs11:slot-id=0x10", .malformed)
        assertParseError("pkcs11:slot-id=99999999999999999999999", .malformed)
        assertParseError("pkcs11:token=a;pin-value=1234", .malformed)
        assertParseError("pkcs11:?pin-source=file:/p&pin-value=1234", .malformed)
    }

    func testErrorsNeverQuotePINValue() {
        for s in ["pkcs11:?pin-value=86%G4", "pkcs11:?pin-value=86 42", "pkcs11:?pin-value=86%FF%FE",
                  "pkcs11:?pin-value=8642&pin-value=8642", "pkcs11:?pin-source=file:/p&pin-value=8642"] {
            XCTAssertThrowsError(try PKCS11URI(parsing: s)) { error in
                let text = "\(error)"
                XCTAssertFalse(text.contains("86"), text)
                XCTAssertFalse(text.contains("%G4"), text)
                XCTAssertTrue(text.hasPrefix("not a valid pkcs11: URI"), text)
            }
        }
    }

    // MARK: pin-value

    func testPINValueIsParsedButNeverDescribed() throws {
        let uri = try parse("pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc."
                            + "?pin-value=the-pin&module-name=softhsm2")
        XCTAssertEqual(uri.pinValue, "the-pin")
        XCTAssertFalse(uri.description.contains("pin-value"), uri.description)
        XCTAssertFalse(uri.description.contains("the-pin"), uri.description)
        XCTAssertFalse("\(uri)".contains("the-pin"))
        XCTAssertFalse(String(reflecting: uri.description).contains("the-pin"))
        XCTAssertEqual(uri.description,
                       "pkcs11:manufacturer=Snake%20Oil,%20Inc.;token=Software%20PKCS%2311%20softtoken"
                       + "?module-name=softhsm2")
        XCTAssertEqual(uri.formatted(includingPINValue: true),
                       "pkcs11:manufacturer=Snake%20Oil,%20Inc.;token=Software%20PKCS%2311%20softtoken"
                       + "?pin-value=the-pin&module-name=softhsm2")
        XCTAssertEqual(uri.formatted(), uri.description)

        // Without the PIN, the described URI parses back to the same URI minus the PIN.
        var withoutPIN = uri
        withoutPIN.pinValue = nil
        XCTAssertEqual(PKCS11URI(uri.description), withoutPIN)

        // Only the PIN in the query: the description has no query at all.
        let onlyPIN = try parse("pkcs11:token=a?pin-value=p%26q")
        XCTAssertEqual(onlyPIN.pinValue, "p&q")
        XCTAssertEqual(onlyPIN.description, "pkcs11:token=a")
        XCTAssertEqual(onlyPIN.formatted(includingPINValue: true), "pkcs11:token=a?pin-value=p%26q")
    }

    func testOtherAttributesNamedLikeStandardOnesAreNotWritten() {
        var uri = PKCS11URI()
        uri.otherQueryAttributes["pin-value"] = "secret"
        uri.otherPathAttributes["pin-value"] = "secret"
        uri.otherPathAttributes["token"] = "shadow"
        XCTAssertFalse(uri.description.contains("secret"))
        XCTAssertFalse(uri.formatted(includingPINValue: true).contains("secret"))
        XCTAssertEqual(uri.description, "pkcs11:")
    }

    // MARK: Matching

    static let alice = TokenInfo(label: "Alice", manufacturer: "SoftHSM project", model: "SoftHSM v2",
                                 serialNumber: "9d3f1c2a0b4e5f61", flags: [.tokenInitialized])

    func testTokenMatching() throws {
        let alice = Self.alice
        XCTAssertTrue(PKCS11URI().matches(token: alice), "the empty URI matches everything")
        XCTAssertTrue(try parse("pkcs11:token=Alice").matches(token: alice))
        XCTAssertTrue(try parse("pkcs11:token=Alice;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
                                + "serial=9d3f1c2a0b4e5f61").matches(token: alice))
        XCTAssertTrue(try parse("pkcs11:serial=9d3f1c2a0b4e5f61;object=whatever").matches(token: alice),
                      "object attributes do not affect token matching")
        XCTAssertTrue(PKCS11URI.forToken(alice).matches(token: alice))

        XCTAssertFalse(try parse("pkcs11:token=alice").matches(token: alice), "exact, case-sensitive")
        XCTAssertFalse(try parse("pkcs11:token=Alice%20").matches(token: alice))
        XCTAssertFalse(try parse("pkcs11:token=Alice;serial=0000").matches(token: alice))
        XCTAssertFalse(try parse("pkcs11:token=").matches(token: alice), "an empty value is present, not absent")
        XCTAssertFalse(try parse("pkcs11:model=SoftHSM").matches(token: alice))
        XCTAssertFalse(try parse("pkcs11:token=Alice;x-vendor=1").matches(token: alice),
                       "an unrecognised path attribute gives an empty matching set")
        XCTAssertTrue(try parse("pkcs11:token=Alice?x-vendor=1").matches(token: alice),
                      "query attributes do not affect matching")

        var bob = alice
        bob.label = "Bob"
        XCTAssertFalse(PKCS11URI.forToken(alice).matches(token: bob))
    }

    func testObjectMatching() throws {
        let key = ObjectInfo(handle: 5, objectClass: .privateKey, label: "signing-key", id: [0x01, 0x02])
        let cert = ObjectInfo(handle: 6, objectClass: .certificate, label: "signing-key", id: [0x01, 0x02])
        let unlabelled = ObjectInfo(handle: 7, objectClass: .privateKey)

        XCTAssertTrue(PKCS11URI().matches(object: key))
        XCTAssertTrue(PKCS11URI().matches(object: unlabelled))
        XCTAssertTrue(try parse("pkcs11:object=signing-key").matches(object: key))
        XCTAssertTrue(try parse("pkcs11:object=signing-key").matches(object: cert))
        XCTAssertTrue(try parse("pkcs11:object=signing-key;type=private;id=%01%02").matches(object: key))
        XCTAssertTrue(try parse("pkcs11:id=%01%02").matches(object: cert))
        XCTAssertTrue(try parse("pkcs11:token=Somebody;type=private").matches(object: key),
                      "token attributes do not affect object matching")

        XCTAssertFalse(try parse("pkcs11:object=signing-key;type=private").matches(object: cert))
        XCTAssertFalse(try parse("pkcs11:object=Signing-Key").matches(object: key))
        XCTAssertFalse(try parse("pkcs11:id=%01").matches(object: key))
        XCTAssertFalse(try parse("pkcs11:id=%01%02%03").matches(object: key))
        XCTAssertFalse(try parse("pkcs11:type=public").matches(object: key))
        XCTAssertFalse(try parse("pkcs11:object=signing-key").matches(object: unlabelled))
        XCTAssertFalse(try parse("pkcs11:object=").matches(object: unlabelled))
        XCTAssertFalse(try parse("pkcs11:id=%01%02").matches(object: unlabelled))
        XCTAssertFalse(try parse("pkcs11:object=signing-key;x-vendor=1").matches(object: key))
    }

    func testSlotAndModuleMatching() throws {
        let slot = SlotInfo(id: SlotID(rawValue: 1_234_567), slotDescription: "SoftHSM slot ID 0x12d687",
                            manufacturer: "SoftHSM project", flags: [.tokenPresent])
        XCTAssertTrue(PKCS11URI().matches(slot: slot))
        XCTAssertTrue(try parse("pkcs11:slot-id=1234567").matches(slot: slot))
        XCTAssertTrue(try parse("pkcs11:slot-manufacturer=SoftHSM%20project;"
                                + "slot-description=SoftHSM%20slot%20ID%200x12d687").matches(slot: slot))
        XCTAssertFalse(try parse("pkcs11:slot-id=1").matches(slot: slot))
        XCTAssertFalse(try parse("pkcs11:slot-manufacturer=Other").matches(slot: slot))

        let module = ModuleInfo(cryptokiVersion: .init(major: 2, minor: 40), manufacturer: "Snake Oil, Inc.",
                                libraryDescription: "Soft Token Library", libraryVersion: .init(major: 1, minor: 23))
        XCTAssertTrue(PKCS11URI().matches(module: module))
        XCTAssertTrue(try parse(Self.rfcExamples[12]).matches(module: module))
        XCTAssertFalse(try parse("pkcs11:library-version=1.24").matches(module: module))
        XCTAssertFalse(try parse("pkcs11:library-version=1").matches(module: module))
        XCTAssertFalse(try parse("pkcs11:library-description=Soft").matches(module: module))
    }

    // MARK: Building

    func testForTokenAndForObject() throws {
        let alice = Self.alice
        let tokenURI = PKCS11URI.forToken(alice)
        XCTAssertEqual(tokenURI.description,
                       "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=9d3f1c2a0b4e5f61;token=Alice")
        XCTAssertTrue(tokenURI.identifiesToken)
        assertRoundTrip(tokenURI)

        let key = ObjectInfo(handle: 5, objectClass: .privateKey, label: "my key", id: [0xAB, 0x00])
        let objectURI = PKCS11URI.forObject(key, on: alice)
        XCTAssertEqual(objectURI.description,
                       "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=9d3f1c2a0b4e5f61;token=Alice;"
                       + "object=my%20key;type=private;id=%AB%00")
        XCTAssertTrue(objectURI.matches(token: alice))
        XCTAssertTrue(objectURI.matches(object: key))
        assertRoundTrip(objectURI)

        // A class without an RFC 7512 name is left out; a missing label or ID stays absent.
        let feature = ObjectInfo(handle: 9, objectClass: .hardwareFeature)
        let featureURI = PKCS11URI.forObject(feature, on: alice)
        XCTAssertNil(featureURI.type)
        XCTAssertNil(featureURI.object)
        XCTAssertNil(featureURI.id)
        XCTAssertTrue(featureURI.matches(object: feature))
    }

    func testRoundTripOfBuiltURIs() {
        var uri = PKCS11URI()
        uri.token = "Tøken; with % and / and ? and space"
        uri.manufacturer = ""
        uri.serial = "0"
        uri.model = "m:[]@!$'()*+,=&"
        uri.libraryManufacturer = "lm"
        uri.libraryDescription = "ld"
        uri.libraryVersion = Version(major: 255, minor: 0)
        uri.slotDescription = "sd"
        uri.slotManufacturer = "sm"
        uri.slotID = UInt.max
        uri.object = "😀"
        uri.id = Array(0...255)
        uri.type = .secretKey
        uri.moduleName = "softhsm2"
        uri.modulePath = "/usr/lib/softhsm/libsofthsm2.so"
        uri.pinValue = "p&i=n;1"
        uri.otherPathAttributes = ["x-a": "1;2", "vendor_b": ""]
        uri.otherQueryAttributes = ["x-q": "a&b"]
        assertRoundTrip(uri)
        XCTAssertFalse(uri.description.contains("pin-value"))
        XCTAssertTrue(uri.formatted(includingPINValue: true).contains("?pin-value=p%26i=n%3B1&module-name=softhsm2&"))

        uri.pinValue = nil
        uri.pinSource = "file:/home/a b/pin"
        assertRoundTrip(uri)
        XCTAssertTrue(uri.description.contains("?pin-source=file:/home/a%20b/pin&module-name=softhsm2&"))
    }
}
