public import Foundation
public import Lifecycle
import Secrets
public import Localization
import PKCS11

/// The computer's own TPM 2.0 as a key store, for customers without a USB token or card: a token of
/// tpm2-pkcs11 (Debian `libtpm2-pkcs11-1`), used through `PKCS11KeyStore` like any token. The key is
/// generated inside the TPM and wrapped to it, so it cannot be copied off this computer — and for the
/// same reason cannot be backed up: a new computer means a new certificate.
///
/// Set-up (once, as the customer): `sudo apt-get install libtpm2-pkcs11-1 libtpm2-pkcs11-tools tpm2-abrmd`,
/// then `tpm2_ptool init` and `tpm2_ptool addtoken --pid=1 --label=tokencert --userpin=… --sopin=…`.
public enum TPMKeyStore {
    /// Debian's tpm2-pkcs11 module.
    public static let modulePath = "/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so"

    /// The one-time set-up of a TPM token, as the customer types it.
    public static let setupCommands = "sudo apt-get install libtpm2-pkcs11-1 libtpm2-pkcs11-tools tpm2-abrmd; tpm2_ptool init; tpm2_ptool addtoken --pid=1 --label=tokencert --userpin=PIN --sopin=SOPIN"

    /// What this computer offers.
    public enum Availability: Sendable, Equatable {
        /// No TPM device (`/dev/tpmrm0`, `/dev/tpm0`) and no TPM reached through `TPM2_PKCS11_TCTI`.
        case noTPM
        /// A TPM, but tpm2-pkcs11 is not installed.
        case moduleMissing(device: String)
        /// A TPM and the module, but no initialised tpm2-pkcs11 token (or the module could not reach it).
        case noToken(device: String, problem: String?)
        /// A token ready to hold keys; `holdsKeys` when it already has a key or certificate.
        case ready(device: String, label: String, uri: String, holdsKeys: Bool)
    }

    /// Why a TPM cannot hold the key yet (nil when it can): the same words in `doctor` and `--tpm`.
    public static func unavailableReason(_ availability: Availability) -> (summary: LocalizedText, remedy: LocalizedText)? {
        let setUp = LocalizedText(en: "Set it up once: \(setupCommands)", zhTW: "請先設定一次：\(setupCommands)")
        switch availability {
        case .noTPM:
            return (LocalizedText(en: "This computer has no TPM 2.0 that TokenCert can reach.", zhTW: "此電腦沒有 TokenCert 可使用的 TPM 2.0。"),
                    LocalizedText(en: "Keep the certificate on a USB token, a smart card or in software instead.",
                                  zhTW: "請改將憑證存放於 USB 載具、晶片卡或軟體憑證。"))
        case .moduleMissing(let device):
            return (LocalizedText(en: "This computer has a TPM 2.0 (\(device)), but tpm2-pkcs11 is not installed.",
                                  zhTW: "此電腦具備 TPM 2.0（\(device)），但未安裝 tpm2-pkcs11。"), setUp)
        case .noToken(let device, let problem):
            return (LocalizedText(en: "This computer has a TPM 2.0 (\(device)) and tpm2-pkcs11, but no TPM token is set up" + (problem.map { " (\($0))" } ?? "") + ".",
                                  zhTW: "此電腦具備 TPM 2.0（\(device)）與 tpm2-pkcs11，但尚未建立 TPM 載具" + (problem.map { "（\($0)）" } ?? "") + "。"),
                    setUp)
        case .ready:
            return nil
        }
    }

    /// Looks for a TPM and a tpm2-pkcs11 token: the device nodes under `devRoot`, else a TCTI named in
    /// `TPM2_PKCS11_TCTI` (a resource manager or simulator); then `C_GetSlotList`/`C_GetTokenInfo`
    /// through the module and, without a login, `C_FindObjects` for public keys and certificates.
    /// The module is loaded only when a TPM is there.
    public static func probe(devRoot: String = "/dev", modulePath: String = modulePath,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async -> Availability {
        let fm = FileManager.default
        let device: String
        if let node = ["tpmrm0", "tpm0"].map({ devRoot + "/" + $0 }).first(where: { fm.fileExists(atPath: $0) }) {
            device = node
        } else if let tcti = environment["TPM2_PKCS11_TCTI"], !tcti.isEmpty {
            device = "TCTI \(tcti)"
        } else {
            return .noTPM
        }
        guard fm.fileExists(atPath: modulePath) else { return .moduleMissing(device: device) }
        do {
            let module = try PKCS11Module.load(path: modulePath)
            for token in try module.tokens() where token.info.isInitialized {
                guard TokenProfile.detect(module: module.info, token: token.info).id == TokenProfile.tpm2.id else { continue }
                let session = try module.openSession(token.slot.id, readWrite: false)
                let certificates = try await session.findObjects([.objectClass(.certificate)]).count
                let publicKeys = try await session.findObjects([.objectClass(.publicKey)]).count
                try? await session.close()
                let held = certificates + publicKeys
                var uri = PKCS11URI.forToken(token.info)
                uri.modulePath = nil
                return .ready(device: device, label: token.info.label, uri: uri.description, holdsKeys: held > 0)
            }
            return .noToken(device: device, problem: nil)
        } catch {
            return .noToken(device: device, problem: "\(error)")
        }
    }

    /// A `PKCS11KeyStore` on the ready TPM token.
    /// - Throws: `KeyStoreUnavailable.tokenMissing` when `availability` is not `.ready`; module load errors.
    public static func open(_ availability: Availability, pin: SecretProvider, soPIN: SecretProvider = .unavailable) throws -> PKCS11KeyStore {
        guard case .ready(_, _, let uriText, _) = availability else { throw KeyStoreUnavailable.tokenMissing }
        return try PKCS11KeyStore(module: modulePath, token: try PKCS11URI(parsing: uriText), pin: pin, soPIN: soPIN)
    }
}
