public import Foundation

/// Finds the `Drivers/` folder (devices table and p11-kit module files): `TOKENCERT_DRIVERS_DIR`,
/// then `./Drivers`, then a `Drivers/` folder above the running executable (a development build
/// in `.build/…/debug/tokencert`), then `<prefix>/share/tokencert/Drivers` next to an installed one.
public enum DriversLocation {
    /// The table file inside a Drivers folder.
    public static let tableName = "devices.json"

    /// The running executable's path: `/proc/self/exe` (argv[0] is only a name when the shell found
    /// `tokencert` on PATH, as for an installed package), else argv[0].
    public static var runningExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
    }

    /// The folders looked at, in order.
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment,
                                  executable: String = runningExecutable) -> [String] {
        var out: [String] = []
        if let dir = environment["TOKENCERT_DRIVERS_DIR"], !dir.isEmpty { out.append(dir) }
        out.append(FileManager.default.currentDirectoryPath + "/Drivers")
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            out.append(url.appendingPathComponent("Drivers").path)
            url = url.deletingLastPathComponent()
        }
        let exeDir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        out.append(exeDir.deletingLastPathComponent().appendingPathComponent("share/tokencert/Drivers").path)
        return out
    }

    /// The first candidate folder holding `devices.json`.
    /// - Throws: `DriversError.driversFolderNotFound` listing where it looked.
    public static func find() throws(DriversError) -> String {
        let all = candidates()
        for dir in all where FileManager.default.fileExists(atPath: dir + "/" + tableName) { return dir }
        throw .driversFolderNotFound(all)
    }

    /// The Drivers folder of an explicit table path (`--table`), or the one `find()` gives.
    public static func folder(table: String?) throws(DriversError) -> (folder: String, table: String) {
        if let table {
            return (URL(fileURLWithPath: table).deletingLastPathComponent().path, table)
        }
        let dir = try find()
        return (dir, dir + "/" + tableName)
    }
}
