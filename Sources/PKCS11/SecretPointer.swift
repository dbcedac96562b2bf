internal import CPKCS11
import Secrets

extension Secret {
    /// The secret as PKCS#11 takes a PIN (`CK_UTF8CHAR_PTR`, `CK_ULONG`), valid only inside `body`.
    /// The pointer is typed mutable because the C prototypes are; modules only read it.
    func withPKCS11Bytes<R>(_ body: (UnsafeMutablePointer<CK_UTF8CHAR>?, CK_ULONG) -> R) -> R {
        withUnsafeBytes { raw in
            let pointer = raw.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: CK_UTF8CHAR.self)) }
            return body(pointer, CK_ULONG(raw.count))
        }
    }
}
