import Localization
extension ReturnValue {
    public var explanation: (summary: LocalizedText, remedy: LocalizedText?) {
        (LocalizedText(en: "x", zhTW: "x"), self == .pinLocked ? LocalizedText(en: "unblock", zhTW: "x") : nil)
    }
}
