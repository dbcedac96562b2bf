import Foundation

/// What the certificate lifecycle hands to or takes from a certificate authority and a USB stick:
/// CSRs and certificates signed with token keys, `.pfx` backups, CMS order signatures, removable drives.
public enum CertificateKit {}
