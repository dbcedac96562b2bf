import ArgumentParser

/// `tokencert drivers`: the devices table, its udev rules and p11-kit module files.
struct DriversCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drivers",
        abstract: "Generate, install and check the udev rules and p11-kit module files for known tokens and readers.",
        discussion: """
        The devices table (Drivers/devices.json) lists USB crypto tokens and smart-card readers with their USB IDs, ATRs and the PKCS#11 module that serves them. From it come udev rules that let the person at the seat use the device (uaccess), and p11-kit files that register the modules.

        Examples:
          tokencert drivers generate-udev --out udev/70-tokencert.rules
          sudo tokencert drivers install
          tokencert drivers check --format json
          tokencert drivers install --prefix /tmp/stage      # try it without root
        """,
        subcommands: [DriversGenerateUdevCommand.self, DriversInstallCommand.self, DriversCheckCommand.self])
}
