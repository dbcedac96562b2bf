import ArgumentParser
import Foundation

/// `tokencert drivers generate-udev`: the udev rules file made from the devices table.
struct DriversGenerateUdevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-udev",
        abstract: "Write the udev rules for every token and reader in the devices table.",
        discussion: """
        The table is validated first (required fields, known kinds, lowercase vvvv:pppp USB IDs, absolute module paths, no duplicates); every generated line is checked against udev's rule syntax. Without --out the rules go to standard output.

        Examples:
          tokencert drivers generate-udev
          tokencert drivers generate-udev --table Drivers/devices.json --out udev/70-tokencert.rules
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The devices table (default: the Drivers folder found next to tokencert).", valueName: "path"))
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Write the rules to this file instead of standard output.", valueName: "path"))
    var out: String?

    func run() async throws {
        do {
            let location = try DriversLocation.folder(table: table)
            let rules = UdevRules.render(try DeviceTable.loadValidated(path: location.table))
            let problems = UdevRuleParser.check(file: rules)
            if !problems.isEmpty { throw DriversError.tableInvalid(location.table, problems) }
            if let out {
                do { try Data(rules.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw DriversError.writeFailed(out, error.localizedDescription)
                }
            } else {
                print(rules, terminator: "")
            }
        } catch {
            throw report(error, language: global.language)
        }
    }
}
