import KeyStores
import Foundation
@testable import PKCS11
import TestSupport
import XCTest

/// Module differences: the profile table, the key-template ladder, the protection check on new keys
/// and refusals explained as such — on Tests/Fixtures/refusing-module.c (SoftHSM behind a module that
/// acts like tpm2-pkcs11, a read-only token, a module that makes extractable keys or none at all).
/// The real modules are exercised end to end by TokenMatrixCLITests.
final class TokenProfileTests: XCTestCase {
    static let fixturePath = FixtureModule.build("refusing-module")

    func info(_ manufacturer: String, _ description: String) -> ModuleInfo {
        ModuleInfo(cryptokiVersion: .init(major: 2, minor: 40), manufacturer: manufacturer, libraryDescription: description,
                   libraryVersion: .init(major: 1, minor: 0))
    }
    func token(_ manufacturer: String, _ model: String) -> TokenInfo {
        TokenInfo(label: "t", manufacturer: manufacturer, model: model, serialNumber: "1", flags: [.tokenInitialized])
    }

    func testProfilesAreChosenFromTheModuleAndTokenDescriptions() {
        XCTAssertEqual(TokenProfile.detect(module: info("SoftHSM", "Implementation of PKCS11"), token: token("SoftHSM project", "SoftHSM v2")).id, "softhsm2")
        XCTAssertEqual(TokenProfile.detect(module: info("tpm2-software.github.io", "TPM2.0 Cryptoki"), token: token("IBM", "SW   TPM")).id, "tpm2-pkcs11")
        XCTAssertEqual(TokenProfile.detect(module: info("IBM", "Meta PKCS11 LIBRARY"), token: token("IBM Corp.", "IBM SoftTok")).id, "opencryptoki")
        XCTAssertEqual(TokenProfile.detect(module: info("Yubico (www.yubico.com)", "PKCS#11 PIV Library (SP-800-73)"),
                                           token: token("Yubico (www.yubico.com)", "YubiKey YK5")).id, "ykcs11")
        XCTAssertEqual(TokenProfile.detect(module: info("OpenSC Project", "OpenSC smartcard framework"), token: token("piv_II", "PKCS#15 emulated")).id, "opensc-piv")
        // OpenSC with another card (e.g. an ePass2003) is not the PIV emulation.
        XCTAssertEqual(TokenProfile.detect(module: info("OpenSC Project", "OpenSC smartcard framework"), token: token("EnterSafe", "PKCS#15")).id, "generic")
        // p11-kit-client passes the remote token's description through: a remote SoftHSM is SoftHSM.
        XCTAssertEqual(TokenProfile.detect(module: info("p11-kit", "p11-kit client"), token: token("SoftHSM project", "SoftHSM v2")).id, "softhsm2")
        XCTAssertEqual(TokenProfile.generic.keyTemplates, KeyTemplate.allCases)
    }

    func testYkcs11IDsAreItsPIVSlotsInTokenCertsOrder() {
        XCTAssertEqual(KeyIDScheme.ykcs11Order.first, 1)
        XCTAssertFalse(KeyIDScheme.ykcs11Order.contains(2), "9C would need a PIN before every signature")
        XCTAssertFalse(KeyIDScheme.ykcs11Order.contains(4), "9E signs without a PIN")
        XCTAssertEqual(KeyIDScheme.pivSlot(ykcs11ID: 1), 0x9A)
        XCTAssertEqual(KeyIDScheme.pivSlot(ykcs11ID: 5), 0x82)
        XCTAssertEqual(KeyIDScheme.pivSlot(ykcs11ID: 24), 0x95)
        XCTAssertNil(KeyIDScheme.pivSlot(ykcs11ID: 25))
    }

    func testExplicitCurveParametersAreRecognised() {
        // P-256 as explicit ECParameters, as ykcs11 reports keys it did not make in this process.
        let explicit = hexBytes("3081f7020101302c06072a8648ce3d0101022100ffffffff00000001000000000000000000000000ffffffffffffffffffffffff305b0420ffffffff00000001000000000000000000000000fffffffffffffffffffffffc04205ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b031500c49d360886e704936a6678e1139d26b7819f7e900441046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551020101")
        XCTAssertEqual(EllipticCurve(ecParameters: explicit), .p256)
        XCTAssertEqual(EllipticCurve(ecParameters: EllipticCurve.p384.ecParameters), .p384)
        XCTAssertNil(EllipticCurve(ecParameters: [0x30, 0x03, 0x02, 0x01, 0x01]))
    }

    func testMechanismSizesInBitsOrBytesOrFieldRanges() {
        XCTAssertTrue(TokenCapabilities.fits(.rsa2048, min: 1024, max: 3072))
        XCTAssertFalse(TokenCapabilities.fits(.rsa4096, min: 1024, max: 3072), "swtpm's RSA stops at 3072")
        XCTAssertTrue(TokenCapabilities.fits(.p256, min: 192, max: 638), "tpm2-pkcs11 reports a field-size range")
        XCTAssertTrue(TokenCapabilities.fits(.p384, min: 32, max: 48), "some modules report bytes")
        XCTAssertTrue(TokenCapabilities.fits(.p256, min: 0, max: 0), "unreported")
    }

    // MARK: On the fixture module

    func fixtureSession(_ kind: String) async throws -> (PKCS11Session, SoftHSM.TestToken, PKCS11Module) {
        let t = try await SoftHSM.makeToken(kind)
        let fixture = try PKCS11Module.load(path: Self.fixturePath)
        let token = try fixture.token(matching: try PKCS11URI(parsing: "pkcs11:token=\(t.label)"))
        let s = try fixture.openSession(token.slot.id)
        try await s.login(pin: t.userPIN)
        return (s, t, fixture)
    }

    /// Keys on the token, counted through SoftHSM directly (not through the fixture).
    func keyCount(_ t: SoftHSM.TestToken) async throws -> Int {
        let s = try await t.loggedInSession()
        let privateKeys = try await s.findObjects([.objectClass(.privateKey)]).count
        let n = try await privateKeys + s.findObjects([.objectClass(.publicKey)]).count
        try await s.close()
        return n
    }

    func testATemplateTheModuleRefusesIsFollowedByTheNextAndNothingIsLeftBehind() async throws {
        let (s, t, fixture) = try await fixtureSession("tpmlike")
        let detected = TokenProfile.detect(module: fixture.info, token: try fixture.tokenInfo(s.slot))
        XCTAssertEqual(detected.id, "generic", "the fixture's token is no module TokenCert knows: probe")
        // Strict alone: the module's refusal, explained as one.
        do {
            _ = try await s.generateKeyPair(.p256, label: "strict", templates: [.strict])
            XCTFail("the tpm-like token refuses stated false usages")
        } catch {
            XCTAssertEqual(error.returnValue, .generalError)
            XCTAssertNotNil(error.refusal)
            XCTAssertFalse(error.summary.english.contains("program error"), error.summary.english)
            XCTAssertTrue(error.summary.english.contains("protection"), error.summary.english)
        }
        let before = try await keyCount(t)
        XCTAssertEqual(before, 0)
        // The ladder: strict refused, token-derived usage accepted; the key is protected.
        let pair = try await s.generateKeyPair(.rsa2048, label: "ladder", templates: detected.keyTemplates)
        let protection = try await s.keyProtection(of: pair.privateKey.handle)
        XCTAssertTrue(protection.isAcceptable, "\(protection)")
        XCTAssertEqual(protection.local, true)
        let keysAfter = try await keyCount(t)
        XCTAssertEqual(keysAfter, 2)
    }

    func testAnExtractableKeyIsDestroyedAndRefused() async throws {
        let (s, t, _) = try await fixtureSession("extractable")
        do {
            _ = try await s.generateKeyPair(.p256, label: "leaky", templates: KeyTemplate.allCases)
            XCTFail("a key that can leave the token must be refused")
        } catch {
            XCTAssertEqual(error.function, PKCS11Error.checkGeneratedKey)
            XCTAssertTrue(error.detail?.contains("CKA_EXTRACTABLE=true") ?? false, "\(error)")
            XCTAssertTrue(error.summary.english.contains("could be copied off it"), error.summary.english)
            XCTAssertFalse(error.summary.traditionalChinese.isEmpty)
        }
        let keysLeft = try await keyCount(t)
        XCTAssertEqual(keysLeft, 0, "the refused key is gone from the token")
    }

    func testAReadOnlyTokenAndAModuleWithoutKeyGenerationAreRefusalsNotBugs() async throws {
        let (ro, roToken, fixture) = try await fixtureSession("readonly")
        let tokenOnFixture = try fixture.token(matching: try PKCS11URI(parsing: "pkcs11:token=\(roToken.label)"))
        let capabilities = try TokenCapabilities(module: fixture, token: tokenOnFixture)
        XCTAssertTrue(capabilities.writeProtected)
        XCTAssertEqual(capabilities.generates, [])
        XCTAssertTrue(capabilities.limitations.contains { $0.contains("write-protected") }, "\(capabilities.limitations)")
        do {
            _ = try await ro.generateKeyPair(.p256, label: "x", templates: [.strict])
            XCTFail("read-only")
        } catch {
            XCTAssertEqual(error.returnValue, .tokenWriteProtected)
            XCTAssertTrue(error.summary.english.contains("read-only"), error.summary.english)
        }
        let (nk, nkToken, _) = try await fixtureSession("nokeygen")
        do {
            _ = try await nk.generateKeyPair(.rsa2048, label: "x", templates: KeyTemplate.allCases)
            XCTFail("no key generation")
        } catch {
            XCTAssertEqual(error.returnValue, .functionNotSupported)
            XCTAssertTrue(error.summary.english.contains("cannot generate"), error.summary.english)
            XCTAssertFalse(error.remedy?.english.contains("bug") ?? true)
        }
        let readOnlyKeys = try await keyCount(roToken)
        XCTAssertEqual(readOnlyKeys, 0)
        let noKeygenKeys = try await keyCount(nkToken)
        XCTAssertEqual(noKeygenKeys, 0)
    }

    /// A key with CKA_ALWAYS_AUTHENTICATE (made by OpenSC's pkcs11-tool `--always-auth`): a signature
    /// without the context-specific login is refused by the token, with it the signature verifies.
    func testAlwaysAuthenticateKeysGetTheContextSpecificLogin() async throws {
        let t = try await SoftHSM.makeToken()
        let made = try runTool("pkcs11-tool", ["--module", SoftHSM.modulePath, "--token-label", t.label, "--login", "--pin", t.userPINText,
                                               "--keypairgen", "--key-type", "EC:prime256v1", "--id", "07", "--label", "always", "--always-auth"])
        XCTAssertEqual(made.status, 0, made.err)
        let s = try await t.loggedInSession()
        let key = try await s.privateKey(id: [7])
        XCTAssertTrue(key.alwaysAuthenticate)
        do {
            _ = try await s.sign(Array("order".utf8), with: key)
            XCTFail("the token asks for the PIN again before each signature")
        } catch {
            XCTAssertEqual(error.returnValue, .userNotLoggedIn)
        }
        let signature = try await s.sign(Array("order".utf8), with: key, contextPIN: t.userPIN)
        let publicKey = try await s.publicKey(for: key)
        let pub = try XCTUnwrap(publicKey)
        let ok = try await s.verify(signature, of: Array("order".utf8), publicKey: pub, key: key)
        XCTAssertTrue(ok)
    }
}
