// Generated from pcsc-lite's pcsclite.h: every SCARD_S/E/W/F code with its C name.

extension PCSCError.Code {
    /// `SCARD_S_SUCCESS`
    public static let success = PCSCError.Code(rawValue: 0x00000000)
    /// `SCARD_F_INTERNAL_ERROR`
    public static let failureInternalError = PCSCError.Code(rawValue: 0x80100001)
    /// `SCARD_E_CANCELLED`
    public static let cancelled = PCSCError.Code(rawValue: 0x80100002)
    /// `SCARD_E_INVALID_HANDLE`
    public static let invalidHandle = PCSCError.Code(rawValue: 0x80100003)
    /// `SCARD_E_INVALID_PARAMETER`
    public static let invalidParameter = PCSCError.Code(rawValue: 0x80100004)
    /// `SCARD_E_INVALID_TARGET`
    public static let invalidTarget = PCSCError.Code(rawValue: 0x80100005)
    /// `SCARD_E_NO_MEMORY`
    public static let noMemory = PCSCError.Code(rawValue: 0x80100006)
    /// `SCARD_F_WAITED_TOO_LONG`
    public static let failureWaitedTooLong = PCSCError.Code(rawValue: 0x80100007)
    /// `SCARD_E_INSUFFICIENT_BUFFER`
    public static let insufficientBuffer = PCSCError.Code(rawValue: 0x80100008)
    /// `SCARD_E_UNKNOWN_READER`
    public static let unknownReader = PCSCError.Code(rawValue: 0x80100009)
    /// `SCARD_E_TIMEOUT`
    public static let timeout = PCSCError.Code(rawValue: 0x8010000A)
    /// `SCARD_E_SHARING_VIOLATION`
    public static let sharingViolation = PCSCError.Code(rawValue: 0x8010000B)
    /// `SCARD_E_NO_SMARTCARD`
    public static let noSmartcard = PCSCError.Code(rawValue: 0x8010000C)
    /// `SCARD_E_UNKNOWN_CARD`
    public static let unknownCard = PCSCError.Code(rawValue: 0x8010000D)
    /// `SCARD_E_CANT_DISPOSE`
    public static let cantDispose = PCSCError.Code(rawValue: 0x8010000E)
    /// `SCARD_E_PROTO_MISMATCH`
    public static let protoMismatch = PCSCError.Code(rawValue: 0x8010000F)
    /// `SCARD_E_NOT_READY`
    public static let notReady = PCSCError.Code(rawValue: 0x80100010)
    /// `SCARD_E_INVALID_VALUE`
    public static let invalidValue = PCSCError.Code(rawValue: 0x80100011)
    /// `SCARD_E_SYSTEM_CANCELLED`
    public static let systemCancelled = PCSCError.Code(rawValue: 0x80100012)
    /// `SCARD_F_COMM_ERROR`
    public static let failureCommError = PCSCError.Code(rawValue: 0x80100013)
    /// `SCARD_F_UNKNOWN_ERROR`
    public static let failureUnknownError = PCSCError.Code(rawValue: 0x80100014)
    /// `SCARD_E_INVALID_ATR`
    public static let invalidAtr = PCSCError.Code(rawValue: 0x80100015)
    /// `SCARD_E_NOT_TRANSACTED`
    public static let notTransacted = PCSCError.Code(rawValue: 0x80100016)
    /// `SCARD_E_READER_UNAVAILABLE`
    public static let readerUnavailable = PCSCError.Code(rawValue: 0x80100017)
    /// `SCARD_E_PCI_TOO_SMALL`
    public static let pciTooSmall = PCSCError.Code(rawValue: 0x80100019)
    /// `SCARD_E_READER_UNSUPPORTED`
    public static let readerUnsupported = PCSCError.Code(rawValue: 0x8010001A)
    /// `SCARD_E_DUPLICATE_READER`
    public static let duplicateReader = PCSCError.Code(rawValue: 0x8010001B)
    /// `SCARD_E_CARD_UNSUPPORTED`
    public static let cardUnsupported = PCSCError.Code(rawValue: 0x8010001C)
    /// `SCARD_E_NO_SERVICE`
    public static let noService = PCSCError.Code(rawValue: 0x8010001D)
    /// `SCARD_E_SERVICE_STOPPED`
    public static let serviceStopped = PCSCError.Code(rawValue: 0x8010001E)
    /// `SCARD_E_UNEXPECTED`
    public static let unexpected = PCSCError.Code(rawValue: 0x8010001F)
    /// `SCARD_E_UNSUPPORTED_FEATURE`
    public static let unsupportedFeature = PCSCError.Code(rawValue: 0x80100022)  // pcsc-lite redefines it from 0x8010001F
    /// `SCARD_E_ICC_INSTALLATION`
    public static let iccInstallation = PCSCError.Code(rawValue: 0x80100020)
    /// `SCARD_E_ICC_CREATEORDER`
    public static let iccCreateorder = PCSCError.Code(rawValue: 0x80100021)
    /// `SCARD_E_DIR_NOT_FOUND`
    public static let dirNotFound = PCSCError.Code(rawValue: 0x80100023)
    /// `SCARD_E_FILE_NOT_FOUND`
    public static let fileNotFound = PCSCError.Code(rawValue: 0x80100024)
    /// `SCARD_E_NO_DIR`
    public static let noDir = PCSCError.Code(rawValue: 0x80100025)
    /// `SCARD_E_NO_FILE`
    public static let noFile = PCSCError.Code(rawValue: 0x80100026)
    /// `SCARD_E_NO_ACCESS`
    public static let noAccess = PCSCError.Code(rawValue: 0x80100027)
    /// `SCARD_E_WRITE_TOO_MANY`
    public static let writeTooMany = PCSCError.Code(rawValue: 0x80100028)
    /// `SCARD_E_BAD_SEEK`
    public static let badSeek = PCSCError.Code(rawValue: 0x80100029)
    /// `SCARD_E_INVALID_CHV`
    public static let invalidChv = PCSCError.Code(rawValue: 0x8010002A)
    /// `SCARD_E_UNKNOWN_RES_MNG`
    public static let unknownResMng = PCSCError.Code(rawValue: 0x8010002B)
    /// `SCARD_E_NO_SUCH_CERTIFICATE`
    public static let noSuchCertificate = PCSCError.Code(rawValue: 0x8010002C)
    /// `SCARD_E_CERTIFICATE_UNAVAILABLE`
    public static let certificateUnavailable = PCSCError.Code(rawValue: 0x8010002D)
    /// `SCARD_E_NO_READERS_AVAILABLE`
    public static let noReadersAvailable = PCSCError.Code(rawValue: 0x8010002E)
    /// `SCARD_E_COMM_DATA_LOST`
    public static let commDataLost = PCSCError.Code(rawValue: 0x8010002F)
    /// `SCARD_E_NO_KEY_CONTAINER`
    public static let noKeyContainer = PCSCError.Code(rawValue: 0x80100030)
    /// `SCARD_E_SERVER_TOO_BUSY`
    public static let serverTooBusy = PCSCError.Code(rawValue: 0x80100031)
    /// `SCARD_W_UNSUPPORTED_CARD`
    public static let warningUnsupportedCard = PCSCError.Code(rawValue: 0x80100065)
    /// `SCARD_W_UNRESPONSIVE_CARD`
    public static let warningUnresponsiveCard = PCSCError.Code(rawValue: 0x80100066)
    /// `SCARD_W_UNPOWERED_CARD`
    public static let warningUnpoweredCard = PCSCError.Code(rawValue: 0x80100067)
    /// `SCARD_W_RESET_CARD`
    public static let warningResetCard = PCSCError.Code(rawValue: 0x80100068)
    /// `SCARD_W_REMOVED_CARD`
    public static let warningRemovedCard = PCSCError.Code(rawValue: 0x80100069)
    /// `SCARD_W_SECURITY_VIOLATION`
    public static let warningSecurityViolation = PCSCError.Code(rawValue: 0x8010006A)
    /// `SCARD_W_WRONG_CHV`
    public static let warningWrongChv = PCSCError.Code(rawValue: 0x8010006B)
    /// `SCARD_W_CHV_BLOCKED`
    public static let warningChvBlocked = PCSCError.Code(rawValue: 0x8010006C)
    /// `SCARD_W_EOF`
    public static let warningEof = PCSCError.Code(rawValue: 0x8010006D)
    /// `SCARD_W_CANCELLED_BY_USER`
    public static let warningCancelledByUser = PCSCError.Code(rawValue: 0x8010006E)
    /// `SCARD_W_CARD_NOT_AUTHENTICATED`
    public static let warningCardNotAuthenticated = PCSCError.Code(rawValue: 0x8010006F)

    /// Every code this file names.
    public static let allNamed: [PCSCError.Code] = [
        .success,
        .failureInternalError,
        .cancelled,
        .invalidHandle,
        .invalidParameter,
        .invalidTarget,
        .noMemory,
        .failureWaitedTooLong,
        .insufficientBuffer,
        .unknownReader,
        .timeout,
        .sharingViolation,
        .noSmartcard,
        .unknownCard,
        .cantDispose,
        .protoMismatch,
        .notReady,
        .invalidValue,
        .systemCancelled,
        .failureCommError,
        .failureUnknownError,
        .invalidAtr,
        .notTransacted,
        .readerUnavailable,
        .pciTooSmall,
        .readerUnsupported,
        .duplicateReader,
        .cardUnsupported,
        .noService,
        .serviceStopped,
        .unexpected,
        .unsupportedFeature,
        .iccInstallation,
        .iccCreateorder,
        .dirNotFound,
        .fileNotFound,
        .noDir,
        .noFile,
        .noAccess,
        .writeTooMany,
        .badSeek,
        .invalidChv,
        .unknownResMng,
        .noSuchCertificate,
        .certificateUnavailable,
        .noReadersAvailable,
        .commDataLost,
        .noKeyContainer,
        .serverTooBusy,
        .warningUnsupportedCard,
        .warningUnresponsiveCard,
        .warningUnpoweredCard,
        .warningResetCard,
        .warningRemovedCard,
        .warningSecurityViolation,
        .warningWrongChv,
        .warningChvBlocked,
        .warningEof,
        .warningCancelledByUser,
        .warningCardNotAuthenticated,
    ]

    /// The C name, e.g. `SCARD_E_SHARING_VIOLATION`.
    public var name: String {
        switch rawValue {
        case 0x00000000: "SCARD_S_SUCCESS"
        case 0x80100001: "SCARD_F_INTERNAL_ERROR"
        case 0x80100002: "SCARD_E_CANCELLED"
        case 0x80100003: "SCARD_E_INVALID_HANDLE"
        case 0x80100004: "SCARD_E_INVALID_PARAMETER"
        case 0x80100005: "SCARD_E_INVALID_TARGET"
        case 0x80100006: "SCARD_E_NO_MEMORY"
        case 0x80100007: "SCARD_F_WAITED_TOO_LONG"
        case 0x80100008: "SCARD_E_INSUFFICIENT_BUFFER"
        case 0x80100009: "SCARD_E_UNKNOWN_READER"
        case 0x8010000A: "SCARD_E_TIMEOUT"
        case 0x8010000B: "SCARD_E_SHARING_VIOLATION"
        case 0x8010000C: "SCARD_E_NO_SMARTCARD"
        case 0x8010000D: "SCARD_E_UNKNOWN_CARD"
        case 0x8010000E: "SCARD_E_CANT_DISPOSE"
        case 0x8010000F: "SCARD_E_PROTO_MISMATCH"
        case 0x80100010: "SCARD_E_NOT_READY"
        case 0x80100011: "SCARD_E_INVALID_VALUE"
        case 0x80100012: "SCARD_E_SYSTEM_CANCELLED"
        case 0x80100013: "SCARD_F_COMM_ERROR"
        case 0x80100014: "SCARD_F_UNKNOWN_ERROR"
        case 0x80100015: "SCARD_E_INVALID_ATR"
        case 0x80100016: "SCARD_E_NOT_TRANSACTED"
        case 0x80100017: "SCARD_E_READER_UNAVAILABLE"
        case 0x80100019: "SCARD_E_PCI_TOO_SMALL"
        case 0x8010001A: "SCARD_E_READER_UNSUPPORTED"
        case 0x8010001B: "SCARD_E_DUPLICATE_READER"
        case 0x8010001C: "SCARD_E_CARD_UNSUPPORTED"
        case 0x8010001D: "SCARD_E_NO_SERVICE"
        case 0x8010001E: "SCARD_E_SERVICE_STOPPED"
        case 0x8010001F: "SCARD_E_UNEXPECTED"
        case 0x80100022: "SCARD_E_UNSUPPORTED_FEATURE"
        case 0x80100020: "SCARD_E_ICC_INSTALLATION"
        case 0x80100021: "SCARD_E_ICC_CREATEORDER"
        case 0x80100023: "SCARD_E_DIR_NOT_FOUND"
        case 0x80100024: "SCARD_E_FILE_NOT_FOUND"
        case 0x80100025: "SCARD_E_NO_DIR"
        case 0x80100026: "SCARD_E_NO_FILE"
        case 0x80100027: "SCARD_E_NO_ACCESS"
        case 0x80100028: "SCARD_E_WRITE_TOO_MANY"
        case 0x80100029: "SCARD_E_BAD_SEEK"
        case 0x8010002A: "SCARD_E_INVALID_CHV"
        case 0x8010002B: "SCARD_E_UNKNOWN_RES_MNG"
        case 0x8010002C: "SCARD_E_NO_SUCH_CERTIFICATE"
        case 0x8010002D: "SCARD_E_CERTIFICATE_UNAVAILABLE"
        case 0x8010002E: "SCARD_E_NO_READERS_AVAILABLE"
        case 0x8010002F: "SCARD_E_COMM_DATA_LOST"
        case 0x80100030: "SCARD_E_NO_KEY_CONTAINER"
        case 0x80100031: "SCARD_E_SERVER_TOO_BUSY"
        case 0x80100065: "SCARD_W_UNSUPPORTED_CARD"
        case 0x80100066: "SCARD_W_UNRESPONSIVE_CARD"
        case 0x80100067: "SCARD_W_UNPOWERED_CARD"
        case 0x80100068: "SCARD_W_RESET_CARD"
        case 0x80100069: "SCARD_W_REMOVED_CARD"
        case 0x8010006A: "SCARD_W_SECURITY_VIOLATION"
        case 0x8010006B: "SCARD_W_WRONG_CHV"
        case 0x8010006C: "SCARD_W_CHV_BLOCKED"
        case 0x8010006D: "SCARD_W_EOF"
        case 0x8010006E: "SCARD_W_CANCELLED_BY_USER"
        case 0x8010006F: "SCARD_W_CARD_NOT_AUTHENTICATED"
        default: "SCARD_0x" + String(rawValue, radix: 16)
        }
    }
}
