internal import CPKCS11
import Foundation

/// The loaded library and its `CK_FUNCTION_LIST`. All pointer work of the PKCS#11 layer lives in `Raw/`.
///
/// Thread safety: the module is initialised with `CKF_OS_LOCKING_OK`, which tells it that several
/// threads call it at once; Cryptoki then serialises per session itself. TokenCert additionally gives
/// each session to one actor, so one session never sees two calls at once.
final class RawModule: @unchecked Sendable {
    let path: String
    let library: UnsafeMutableRawPointer
    let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    /// False when the library had already been initialised by someone else in this process.
    let initialisedHere: Bool

    /// `dlopen` + `C_GetFunctionList` + `C_Initialize(CKF_OS_LOCKING_OK)`.
    init(path: String) throws(PKCS11Error) {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw PKCS11Error(.libraryLoadFailed, function: "dlopen", detail: "\(path): \(why)")
        }
        guard let symbol = dlsym(library, "C_GetFunctionList") else {
            dlclose(library)
            throw PKCS11Error(.libraryLoadFailed, function: "dlsym",
                              detail: "\(path) has no C_GetFunctionList: not a PKCS#11 module")
        }
        typealias GetFunctionList = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) -> CK_RV
        let getFunctionList = unsafeBitCast(symbol, to: GetFunctionList.self)
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        let rv = getFunctionList(&list)
        guard rv == CKR_OK, let list else {
            dlclose(library)
            throw PKCS11Error(ReturnValue(rawValue: UInt(rv)), function: "C_GetFunctionList", detail: path)
        }
        var args = CK_C_INITIALIZE_ARGS()
        args.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        let initRV = withUnsafeMutablePointer(to: &args) { list.pointee.C_Initialize($0) }
        switch ReturnValue(rawValue: UInt(initRV)) {
        case .ok: initialisedHere = true
        case .cryptokiAlreadyInitialized: initialisedHere = false
        case let other:
            dlclose(library)
            throw PKCS11Error(other, function: "C_Initialize", detail: path)
        }
        self.path = path
        self.library = library
        self.functions = list
    }

    /// `C_Finalize`. The library stays mapped: other code may still hold its function pointers.
    func finalize() {
        if initialisedHere { _ = functions.pointee.C_Finalize(nil) }
    }

    var f: CK_FUNCTION_LIST { functions.pointee }
}

/// Throws `PKCS11Error` unless `rv` is `CKR_OK`.
@inline(__always)
func check(_ rv: CK_RV, _ function: StaticString) throws(PKCS11Error) {
    if rv != CKR_OK {
        throw PKCS11Error(ReturnValue(rawValue: UInt(rv)), function: "\(function)")
    }
}

/// A blank-padded, fixed-size Cryptoki string field (a C array imported as a tuple) as a trimmed Swift string.
func paddedString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { raw in
        var bytes = Array(raw)
        while let last = bytes.last, last == 0x20 || last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Version {
    init(_ v: CK_VERSION) { self.init(major: v.major, minor: v.minor) }
}
