public import CertificateKit
public import Domain
public import Foundation
public import Localization
public import Secrets

/// A software certificate's `.pfx` backup on a removable drive, end to end: the password rule, the
/// file name rule, the drive choice, the PKCS#12 file, the atomic write, and the read-back check.
public enum SoftwareBackup {
    /// What to do when a backup of that name is already on the drive.
    public enum IfExists: Sendable, Hashable {
        /// Refuse with `BackupWriteError.alreadyExists` (the default: nothing is overwritten silently).
        case refuse
        /// Keep the old one and write `… (2).pfx`.
        case keepBoth
        /// Replace it (atomically: the old file stays until the new one has been verified).
        case replace
    }

    /// Where a backup went.
    public struct Result: Sendable, Hashable {
        public var file: URL
        public var fileName: String
        /// The folder and drive it went to.
        public var place: BackupPlace
        /// Set when the user forced a fixed disk.
        public var warning: LocalizedText? { place.warning }
    }

    /// Writes the backup and reads it back with the password, comparing key and certificate.
    /// - Parameters:
    ///   - privateKey: PKCS#8 DER of the software key.
    ///   - password: already checked against the rule (`BackupPassword.checked(_:customerID:birthDate:)`).
    ///   - medium: where the file goes (`RemovableMedia.RemovableDriveMedium` for real drives).
    ///   - target: a folder on the drive, or nil to take the only removable drive there is.
    ///   - force: allow a fixed disk (the result carries a warning).
    /// - Throws: the medium's errors (`DriveError`: no drive, several drives, fixed disk, read-only;
    ///   `BackupWriteError`: exists, no space, removed…), `OpenSSLError`/`PKCS12Error` (writing), and
    ///   `BackupVerificationError` when the file read back differs — the file is then removed.
    public static func export(privateKey: PrivateKeyDER, certificateDER: [UInt8], chainDER: [[UInt8]] = [],
                              password: Secret, customerID: CustomerID, broker: BrokerCode,
                              medium: any BackupMedium, target: String? = nil, force: Bool = false,
                              ifExists: IfExists = .refuse, profile: PKCS12Profile = .modern, now: Date = Date()) throws -> Result {
        let choice = try medium.choose(target: target, force: force)
        var name = try BackupFileName(customerID: customerID, broker: broker, exportedAt: now)
        if ifExists == .keepBoth {
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: choice.directory.path)) ?? []
            name = name.avoiding(Set(existing))
        }
        let bytes = try PKCS12Bundle.write(privateKey: privateKey, certificateDER: certificateDER, chainDER: chainDER,
                                           friendlyName: name.fileName.replacingOccurrences(of: ".pfx", with: ""),
                                           password: password, profile: profile)
        let file = try medium.write(bytes, in: choice, fileName: name.fileName, overwrite: ifExists == .replace) { url in
            let back = try PKCS12Bundle.read(Array(try Data(contentsOf: url)), password: password)
            guard back.certificateDER == certificateDER else { throw BackupVerificationError.certificateDiffers }
            // The same PKCS#8 bytes, or (should OpenSSL re-encode it) the private half of the same key pair.
            guard back.privateKey == privateKey
                || (try? KeyCertificateMatch.matches(privateKey: back.privateKey, certificateDER: certificateDER)) == true
            else { throw BackupVerificationError.keyDiffers }
        }
        return Result(file: file, fileName: name.fileName, place: choice)
    }
}

/// The backup read back from the drive is not what was written.
public enum BackupVerificationError: Error, Hashable, Sendable, UserFacingError, CustomStringConvertible {
    case keyDiffers
    case certificateDiffers

    public var description: String { summary.english }

    /// The backup did not verify.
    public var category: ErrorCategory { .verification }

    public var summary: LocalizedText {
        switch self {
        case .keyDiffers: LocalizedText(en: "The backup read back holds a different key.", zhTW: "讀回的備份檔金鑰與原本不同。")
        case .certificateDiffers:
            LocalizedText(en: "The backup read back holds a different certificate.", zhTW: "讀回的備份檔憑證與原本不同。")
        }
    }

    public var remedy: LocalizedText? {
        LocalizedText(en: "The drive may be failing: try another USB drive. Nothing was left on this one.",
                      zhTW: "隨身碟可能故障，請改用其他隨身碟。此隨身碟上未留下任何檔案。")
    }
}
