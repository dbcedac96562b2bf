/// A Cryptoki return value (`CK_RV`). Every code of PKCS#11 3.0 has a constant and a name here;
/// an unknown (vendor) code still round-trips and prints as hex.
public struct ReturnValue: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public var description: String { name }
}

extension ReturnValue {
    /// `CKR_OK`
    public static let ok = ReturnValue(rawValue: 0x0)
    /// `CKR_CANCEL`
    public static let cancel = ReturnValue(rawValue: 0x1)
    /// `CKR_HOST_MEMORY`
    public static let hostMemory = ReturnValue(rawValue: 0x2)
    /// `CKR_SLOT_ID_INVALID`
    public static let slotIdInvalid = ReturnValue(rawValue: 0x3)
    /// `CKR_GENERAL_ERROR`
    public static let generalError = ReturnValue(rawValue: 0x5)
    /// `CKR_FUNCTION_FAILED`
    public static let functionFailed = ReturnValue(rawValue: 0x6)
    /// `CKR_ARGUMENTS_BAD`
    public static let argumentsBad = ReturnValue(rawValue: 0x7)
    /// `CKR_NO_EVENT`
    public static let noEvent = ReturnValue(rawValue: 0x8)
    /// `CKR_NEED_TO_CREATE_THREADS`
    public static let needToCreateThreads = ReturnValue(rawValue: 0x9)
    /// `CKR_CANT_LOCK`
    public static let cantLock = ReturnValue(rawValue: 0xA)
    /// `CKR_ATTRIBUTE_READ_ONLY`
    public static let attributeReadOnly = ReturnValue(rawValue: 0x10)
    /// `CKR_ATTRIBUTE_SENSITIVE`
    public static let attributeSensitive = ReturnValue(rawValue: 0x11)
    /// `CKR_ATTRIBUTE_TYPE_INVALID`
    public static let attributeTypeInvalid = ReturnValue(rawValue: 0x12)
    /// `CKR_ATTRIBUTE_VALUE_INVALID`
    public static let attributeValueInvalid = ReturnValue(rawValue: 0x13)
    /// `CKR_ACTION_PROHIBITED`
    public static let actionProhibited = ReturnValue(rawValue: 0x1B)
    /// `CKR_DATA_INVALID`
    public static let dataInvalid = ReturnValue(rawValue: 0x20)
    /// `CKR_DATA_LEN_RANGE`
    public static let dataLenRange = ReturnValue(rawValue: 0x21)
    /// `CKR_DEVICE_ERROR`
    public static let deviceError = ReturnValue(rawValue: 0x30)
    /// `CKR_DEVICE_MEMORY`
    public static let deviceMemory = ReturnValue(rawValue: 0x31)
    /// `CKR_DEVICE_REMOVED`
    public static let deviceRemoved = ReturnValue(rawValue: 0x32)
    /// `CKR_ENCRYPTED_DATA_INVALID`
    public static let encryptedDataInvalid = ReturnValue(rawValue: 0x40)
    /// `CKR_ENCRYPTED_DATA_LEN_RANGE`
    public static let encryptedDataLenRange = ReturnValue(rawValue: 0x41)
    /// `CKR_FUNCTION_CANCELED`
    public static let functionCanceled = ReturnValue(rawValue: 0x50)
    /// `CKR_FUNCTION_NOT_PARALLEL`
    public static let functionNotParallel = ReturnValue(rawValue: 0x51)
    /// `CKR_FUNCTION_NOT_SUPPORTED`
    public static let functionNotSupported = ReturnValue(rawValue: 0x54)
    /// `CKR_KEY_HANDLE_INVALID`
    public static let keyHandleInvalid = ReturnValue(rawValue: 0x60)
    /// `CKR_KEY_SIZE_RANGE`
    public static let keySizeRange = ReturnValue(rawValue: 0x62)
    /// `CKR_KEY_TYPE_INCONSISTENT`
    public static let keyTypeInconsistent = ReturnValue(rawValue: 0x63)
    /// `CKR_KEY_NOT_NEEDED`
    public static let keyNotNeeded = ReturnValue(rawValue: 0x64)
    /// `CKR_KEY_CHANGED`
    public static let keyChanged = ReturnValue(rawValue: 0x65)
    /// `CKR_KEY_NEEDED`
    public static let keyNeeded = ReturnValue(rawValue: 0x66)
    /// `CKR_KEY_INDIGESTIBLE`
    public static let keyIndigestible = ReturnValue(rawValue: 0x67)
    /// `CKR_KEY_FUNCTION_NOT_PERMITTED`
    public static let keyFunctionNotPermitted = ReturnValue(rawValue: 0x68)
    /// `CKR_KEY_NOT_WRAPPABLE`
    public static let keyNotWrappable = ReturnValue(rawValue: 0x69)
    /// `CKR_KEY_UNEXTRACTABLE`
    public static let keyUnextractable = ReturnValue(rawValue: 0x6A)
    /// `CKR_MECHANISM_INVALID`
    public static let mechanismInvalid = ReturnValue(rawValue: 0x70)
    /// `CKR_MECHANISM_PARAM_INVALID`
    public static let mechanismParamInvalid = ReturnValue(rawValue: 0x71)
    /// `CKR_OBJECT_HANDLE_INVALID`
    public static let objectHandleInvalid = ReturnValue(rawValue: 0x82)
    /// `CKR_OPERATION_ACTIVE`
    public static let operationActive = ReturnValue(rawValue: 0x90)
    /// `CKR_OPERATION_NOT_INITIALIZED`
    public static let operationNotInitialized = ReturnValue(rawValue: 0x91)
    /// `CKR_PIN_INCORRECT`
    public static let pinIncorrect = ReturnValue(rawValue: 0xA0)
    /// `CKR_PIN_INVALID`
    public static let pinInvalid = ReturnValue(rawValue: 0xA1)
    /// `CKR_PIN_LEN_RANGE`
    public static let pinLenRange = ReturnValue(rawValue: 0xA2)
    /// `CKR_PIN_EXPIRED`
    public static let pinExpired = ReturnValue(rawValue: 0xA3)
    /// `CKR_PIN_LOCKED`
    public static let pinLocked = ReturnValue(rawValue: 0xA4)
    /// `CKR_SESSION_CLOSED`
    public static let sessionClosed = ReturnValue(rawValue: 0xB0)
    /// `CKR_SESSION_COUNT`
    public static let sessionCount = ReturnValue(rawValue: 0xB1)
    /// `CKR_SESSION_HANDLE_INVALID`
    public static let sessionHandleInvalid = ReturnValue(rawValue: 0xB3)
    /// `CKR_SESSION_PARALLEL_NOT_SUPPORTED`
    public static let sessionParallelNotSupported = ReturnValue(rawValue: 0xB4)
    /// `CKR_SESSION_READ_ONLY`
    public static let sessionReadOnly = ReturnValue(rawValue: 0xB5)
    /// `CKR_SESSION_EXISTS`
    public static let sessionExists = ReturnValue(rawValue: 0xB6)
    /// `CKR_SESSION_READ_ONLY_EXISTS`
    public static let sessionReadOnlyExists = ReturnValue(rawValue: 0xB7)
    /// `CKR_SESSION_READ_WRITE_SO_EXISTS`
    public static let sessionReadWriteSoExists = ReturnValue(rawValue: 0xB8)
    /// `CKR_SIGNATURE_INVALID`
    public static let signatureInvalid = ReturnValue(rawValue: 0xC0)
    /// `CKR_SIGNATURE_LEN_RANGE`
    public static let signatureLenRange = ReturnValue(rawValue: 0xC1)
    /// `CKR_TEMPLATE_INCOMPLETE`
    public static let templateIncomplete = ReturnValue(rawValue: 0xD0)
    /// `CKR_TEMPLATE_INCONSISTENT`
    public static let templateInconsistent = ReturnValue(rawValue: 0xD1)
    /// `CKR_TOKEN_NOT_PRESENT`
    public static let tokenNotPresent = ReturnValue(rawValue: 0xE0)
    /// `CKR_TOKEN_NOT_RECOGNIZED`
    public static let tokenNotRecognized = ReturnValue(rawValue: 0xE1)
    /// `CKR_TOKEN_WRITE_PROTECTED`
    public static let tokenWriteProtected = ReturnValue(rawValue: 0xE2)
    /// `CKR_UNWRAPPING_KEY_HANDLE_INVALID`
    public static let unwrappingKeyHandleInvalid = ReturnValue(rawValue: 0xF0)
    /// `CKR_UNWRAPPING_KEY_SIZE_RANGE`
    public static let unwrappingKeySizeRange = ReturnValue(rawValue: 0xF1)
    /// `CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT`
    public static let unwrappingKeyTypeInconsistent = ReturnValue(rawValue: 0xF2)
    /// `CKR_USER_ALREADY_LOGGED_IN`
    public static let userAlreadyLoggedIn = ReturnValue(rawValue: 0x100)
    /// `CKR_USER_NOT_LOGGED_IN`
    public static let userNotLoggedIn = ReturnValue(rawValue: 0x101)
    /// `CKR_USER_PIN_NOT_INITIALIZED`
    public static let userPinNotInitialized = ReturnValue(rawValue: 0x102)
    /// `CKR_USER_TYPE_INVALID`
    public static let userTypeInvalid = ReturnValue(rawValue: 0x103)
    /// `CKR_USER_ANOTHER_ALREADY_LOGGED_IN`
    public static let userAnotherAlreadyLoggedIn = ReturnValue(rawValue: 0x104)
    /// `CKR_USER_TOO_MANY_TYPES`
    public static let userTooManyTypes = ReturnValue(rawValue: 0x105)
    /// `CKR_WRAPPED_KEY_INVALID`
    public static let wrappedKeyInvalid = ReturnValue(rawValue: 0x110)
    /// `CKR_WRAPPED_KEY_LEN_RANGE`
    public static let wrappedKeyLenRange = ReturnValue(rawValue: 0x112)
    /// `CKR_WRAPPING_KEY_HANDLE_INVALID`
    public static let wrappingKeyHandleInvalid = ReturnValue(rawValue: 0x113)
    /// `CKR_WRAPPING_KEY_SIZE_RANGE`
    public static let wrappingKeySizeRange = ReturnValue(rawValue: 0x114)
    /// `CKR_WRAPPING_KEY_TYPE_INCONSISTENT`
    public static let wrappingKeyTypeInconsistent = ReturnValue(rawValue: 0x115)
    /// `CKR_RANDOM_SEED_NOT_SUPPORTED`
    public static let randomSeedNotSupported = ReturnValue(rawValue: 0x120)
    /// `CKR_RANDOM_NO_RNG`
    public static let randomNoRng = ReturnValue(rawValue: 0x121)
    /// `CKR_DOMAIN_PARAMS_INVALID`
    public static let domainParamsInvalid = ReturnValue(rawValue: 0x130)
    /// `CKR_CURVE_NOT_SUPPORTED`
    public static let curveNotSupported = ReturnValue(rawValue: 0x140)
    /// `CKR_BUFFER_TOO_SMALL`
    public static let bufferTooSmall = ReturnValue(rawValue: 0x150)
    /// `CKR_SAVED_STATE_INVALID`
    public static let savedStateInvalid = ReturnValue(rawValue: 0x160)
    /// `CKR_INFORMATION_SENSITIVE`
    public static let informationSensitive = ReturnValue(rawValue: 0x170)
    /// `CKR_STATE_UNSAVEABLE`
    public static let stateUnsaveable = ReturnValue(rawValue: 0x180)
    /// `CKR_CRYPTOKI_NOT_INITIALIZED`
    public static let cryptokiNotInitialized = ReturnValue(rawValue: 0x190)
    /// `CKR_CRYPTOKI_ALREADY_INITIALIZED`
    public static let cryptokiAlreadyInitialized = ReturnValue(rawValue: 0x191)
    /// `CKR_MUTEX_BAD`
    public static let mutexBad = ReturnValue(rawValue: 0x1A0)
    /// `CKR_MUTEX_NOT_LOCKED`
    public static let mutexNotLocked = ReturnValue(rawValue: 0x1A1)
    /// `CKR_NEW_PIN_MODE`
    public static let newPinMode = ReturnValue(rawValue: 0x1B0)
    /// `CKR_NEXT_OTP`
    public static let nextOtp = ReturnValue(rawValue: 0x1B1)
    /// `CKR_EXCEEDED_MAX_ITERATIONS`
    public static let exceededMaxIterations = ReturnValue(rawValue: 0x1C0)
    /// `CKR_FIPS_SELF_TEST_FAILED`
    public static let fipsSelfTestFailed = ReturnValue(rawValue: 0x1C1)
    /// `CKR_LIBRARY_LOAD_FAILED`
    public static let libraryLoadFailed = ReturnValue(rawValue: 0x1C2)
    /// `CKR_PIN_TOO_WEAK`
    public static let pinTooWeak = ReturnValue(rawValue: 0x1C3)
    /// `CKR_PUBLIC_KEY_INVALID`
    public static let publicKeyInvalid = ReturnValue(rawValue: 0x1C4)
    /// `CKR_FUNCTION_REJECTED`
    public static let functionRejected = ReturnValue(rawValue: 0x200)
    /// `CKR_TOKEN_RESOURCE_EXCEEDED`
    public static let tokenResourceExceeded = ReturnValue(rawValue: 0x201)
    /// `CKR_OPERATION_CANCEL_FAILED`
    public static let operationCancelFailed = ReturnValue(rawValue: 0x202)
    /// `CKR_KEY_EXHAUSTED`
    public static let keyExhausted = ReturnValue(rawValue: 0x203)
    /// `CKR_VENDOR_DEFINED`: codes from here up are the module vendor's own.
    public static let vendorDefined = ReturnValue(rawValue: 0x8000_0000)

    /// Every standard code this file names, in numeric order.
    public static let allNamed: [ReturnValue] = [
        .ok,
        .cancel,
        .hostMemory,
        .slotIdInvalid,
        .generalError,
        .functionFailed,
        .argumentsBad,
        .noEvent,
        .needToCreateThreads,
        .cantLock,
        .attributeReadOnly,
        .attributeSensitive,
        .attributeTypeInvalid,
        .attributeValueInvalid,
        .actionProhibited,
        .dataInvalid,
        .dataLenRange,
        .deviceError,
        .deviceMemory,
        .deviceRemoved,
        .encryptedDataInvalid,
        .encryptedDataLenRange,
        .functionCanceled,
        .functionNotParallel,
        .functionNotSupported,
        .keyHandleInvalid,
        .keySizeRange,
        .keyTypeInconsistent,
        .keyNotNeeded,
        .keyChanged,
        .keyNeeded,
        .keyIndigestible,
        .keyFunctionNotPermitted,
        .keyNotWrappable,
        .keyUnextractable,
        .mechanismInvalid,
        .mechanismParamInvalid,
        .objectHandleInvalid,
        .operationActive,
        .operationNotInitialized,
        .pinIncorrect,
        .pinInvalid,
        .pinLenRange,
        .pinExpired,
        .pinLocked,
        .sessionClosed,
        .sessionCount,
        .sessionHandleInvalid,
        .sessionParallelNotSupported,
        .sessionReadOnly,
        .sessionExists,
        .sessionReadOnlyExists,
        .sessionReadWriteSoExists,
        .signatureInvalid,
        .signatureLenRange,
        .templateIncomplete,
        .templateInconsistent,
        .tokenNotPresent,
        .tokenNotRecognized,
        .tokenWriteProtected,
        .unwrappingKeyHandleInvalid,
        .unwrappingKeySizeRange,
        .unwrappingKeyTypeInconsistent,
        .userAlreadyLoggedIn,
        .userNotLoggedIn,
        .userPinNotInitialized,
        .userTypeInvalid,
        .userAnotherAlreadyLoggedIn,
        .userTooManyTypes,
        .wrappedKeyInvalid,
        .wrappedKeyLenRange,
        .wrappingKeyHandleInvalid,
        .wrappingKeySizeRange,
        .wrappingKeyTypeInconsistent,
        .randomSeedNotSupported,
        .randomNoRng,
        .domainParamsInvalid,
        .curveNotSupported,
        .bufferTooSmall,
        .savedStateInvalid,
        .informationSensitive,
        .stateUnsaveable,
        .cryptokiNotInitialized,
        .cryptokiAlreadyInitialized,
        .mutexBad,
        .mutexNotLocked,
        .newPinMode,
        .nextOtp,
        .exceededMaxIterations,
        .fipsSelfTestFailed,
        .libraryLoadFailed,
        .pinTooWeak,
        .publicKeyInvalid,
        .functionRejected,
        .tokenResourceExceeded,
        .operationCancelFailed,
        .keyExhausted,
    ]

    /// The C name, e.g. `CKR_PIN_INCORRECT`; `CKR_VENDOR_DEFINED+0x…` or `CKR_0x…` for unknown codes.
    public var name: String {
        switch rawValue {
        case 0x0: "CKR_OK"
        case 0x1: "CKR_CANCEL"
        case 0x2: "CKR_HOST_MEMORY"
        case 0x3: "CKR_SLOT_ID_INVALID"
        case 0x5: "CKR_GENERAL_ERROR"
        case 0x6: "CKR_FUNCTION_FAILED"
        case 0x7: "CKR_ARGUMENTS_BAD"
        case 0x8: "CKR_NO_EVENT"
        case 0x9: "CKR_NEED_TO_CREATE_THREADS"
        case 0xA: "CKR_CANT_LOCK"
        case 0x10: "CKR_ATTRIBUTE_READ_ONLY"
        case 0x11: "CKR_ATTRIBUTE_SENSITIVE"
        case 0x12: "CKR_ATTRIBUTE_TYPE_INVALID"
        case 0x13: "CKR_ATTRIBUTE_VALUE_INVALID"
        case 0x1B: "CKR_ACTION_PROHIBITED"
        case 0x20: "CKR_DATA_INVALID"
        case 0x21: "CKR_DATA_LEN_RANGE"
        case 0x30: "CKR_DEVICE_ERROR"
        case 0x31: "CKR_DEVICE_MEMORY"
        case 0x32: "CKR_DEVICE_REMOVED"
        case 0x40: "CKR_ENCRYPTED_DATA_INVALID"
        case 0x41: "CKR_ENCRYPTED_DATA_LEN_RANGE"
        case 0x50: "CKR_FUNCTION_CANCELED"
        case 0x51: "CKR_FUNCTION_NOT_PARALLEL"
        case 0x54: "CKR_FUNCTION_NOT_SUPPORTED"
        case 0x60: "CKR_KEY_HANDLE_INVALID"
        case 0x62: "CKR_KEY_SIZE_RANGE"
        case 0x63: "CKR_KEY_TYPE_INCONSISTENT"
        case 0x64: "CKR_KEY_NOT_NEEDED"
        case 0x65: "CKR_KEY_CHANGED"
        case 0x66: "CKR_KEY_NEEDED"
        case 0x67: "CKR_KEY_INDIGESTIBLE"
        case 0x68: "CKR_KEY_FUNCTION_NOT_PERMITTED"
        case 0x69: "CKR_KEY_NOT_WRAPPABLE"
        case 0x6A: "CKR_KEY_UNEXTRACTABLE"
        case 0x70: "CKR_MECHANISM_INVALID"
        case 0x71: "CKR_MECHANISM_PARAM_INVALID"
        case 0x82: "CKR_OBJECT_HANDLE_INVALID"
        case 0x90: "CKR_OPERATION_ACTIVE"
        case 0x91: "CKR_OPERATION_NOT_INITIALIZED"
        case 0xA0: "CKR_PIN_INCORRECT"
        case 0xA1: "CKR_PIN_INVALID"
        case 0xA2: "CKR_PIN_LEN_RANGE"
        case 0xA3: "CKR_PIN_EXPIRED"
        case 0xA4: "CKR_PIN_LOCKED"
        case 0xB0: "CKR_SESSION_CLOSED"
        case 0xB1: "CKR_SESSION_COUNT"
        case 0xB3: "CKR_SESSION_HANDLE_INVALID"
        case 0xB4: "CKR_SESSION_PARALLEL_NOT_SUPPORTED"
        case 0xB5: "CKR_SESSION_READ_ONLY"
        case 0xB6: "CKR_SESSION_EXISTS"
        case 0xB7: "CKR_SESSION_READ_ONLY_EXISTS"
        case 0xB8: "CKR_SESSION_READ_WRITE_SO_EXISTS"
        case 0xC0: "CKR_SIGNATURE_INVALID"
        case 0xC1: "CKR_SIGNATURE_LEN_RANGE"
        case 0xD0: "CKR_TEMPLATE_INCOMPLETE"
        case 0xD1: "CKR_TEMPLATE_INCONSISTENT"
        case 0xE0: "CKR_TOKEN_NOT_PRESENT"
        case 0xE1: "CKR_TOKEN_NOT_RECOGNIZED"
        case 0xE2: "CKR_TOKEN_WRITE_PROTECTED"
        case 0xF0: "CKR_UNWRAPPING_KEY_HANDLE_INVALID"
        case 0xF1: "CKR_UNWRAPPING_KEY_SIZE_RANGE"
        case 0xF2: "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT"
        case 0x100: "CKR_USER_ALREADY_LOGGED_IN"
        case 0x101: "CKR_USER_NOT_LOGGED_IN"
        case 0x102: "CKR_USER_PIN_NOT_INITIALIZED"
        case 0x103: "CKR_USER_TYPE_INVALID"
        case 0x104: "CKR_USER_ANOTHER_ALREADY_LOGGED_IN"
        case 0x105: "CKR_USER_TOO_MANY_TYPES"
        case 0x110: "CKR_WRAPPED_KEY_INVALID"
        case 0x112: "CKR_WRAPPED_KEY_LEN_RANGE"
        case 0x113: "CKR_WRAPPING_KEY_HANDLE_INVALID"
        case 0x114: "CKR_WRAPPING_KEY_SIZE_RANGE"
        case 0x115: "CKR_WRAPPING_KEY_TYPE_INCONSISTENT"
        case 0x120: "CKR_RANDOM_SEED_NOT_SUPPORTED"
        case 0x121: "CKR_RANDOM_NO_RNG"
        case 0x130: "CKR_DOMAIN_PARAMS_INVALID"
        case 0x140: "CKR_CURVE_NOT_SUPPORTED"
        case 0x150: "CKR_BUFFER_TOO_SMALL"
        case 0x160: "CKR_SAVED_STATE_INVALID"
        case 0x170: "CKR_INFORMATION_SENSITIVE"
        case 0x180: "CKR_STATE_UNSAVEABLE"
        case 0x190: "CKR_CRYPTOKI_NOT_INITIALIZED"
        case 0x191: "CKR_CRYPTOKI_ALREADY_INITIALIZED"
        case 0x1A0: "CKR_MUTEX_BAD"
        case 0x1A1: "CKR_MUTEX_NOT_LOCKED"
        case 0x1B0: "CKR_NEW_PIN_MODE"
        case 0x1B1: "CKR_NEXT_OTP"
        case 0x1C0: "CKR_EXCEEDED_MAX_ITERATIONS"
        case 0x1C1: "CKR_FIPS_SELF_TEST_FAILED"
        case 0x1C2: "CKR_LIBRARY_LOAD_FAILED"
        case 0x1C3: "CKR_PIN_TOO_WEAK"
        case 0x1C4: "CKR_PUBLIC_KEY_INVALID"
        case 0x200: "CKR_FUNCTION_REJECTED"
        case 0x201: "CKR_TOKEN_RESOURCE_EXCEEDED"
        case 0x202: "CKR_OPERATION_CANCEL_FAILED"
        case 0x203: "CKR_KEY_EXHAUSTED"
        default:
            rawValue >= 0x8000_0000
                ? "CKR_VENDOR_DEFINED+0x" + String(rawValue - 0x8000_0000, radix: 16)
                : "CKR_0x" + String(rawValue, radix: 16)
        }
    }
}
