public import Foundation

/// Taiwan's domain rules as types (see DESIGN.md, "Domain rules"): everything here is pure logic,
/// time-zone aware (Asia/Taipei) and free of I/O.
public enum Domain {
    /// Asia/Taipei, the zone every date shown to customers is in.
    public static let taipei = TimeZone(identifier: "Asia/Taipei")!

    /// The proleptic Gregorian calendar in Asia/Taipei: the calendar every day of this module is
    /// counted in (ROC dates only renumber its years).
    public static let taipeiCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = taipei
        return calendar
    }()
}
