import Foundation

/// Taiwan's domain rules as types (see DESIGN.md, "Domain rules"): everything here is pure logic,
/// time-zone aware (Asia/Taipei) and free of I/O.
public enum Domain {
    /// Asia/Taipei, the zone every date shown to customers is in.
    public static let taipei = TimeZone(identifier: "Asia/Taipei")!
}
