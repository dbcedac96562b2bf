public import ArgumentParser

/// The `tokencert` command: certificates whose keys live on USB tokens and smart cards.
public struct TokenCert: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokencert",
        abstract: "Manage a trading certificate whose private key lives on a USB token or smart card.",
        discussion: """
        Tokens are chosen by RFC 7512 URI (--token 'pkcs11:token=…'), never by slot number. Secrets (PINs, passwords) come from a no-echo prompt, a --…-file, or an environment variable — never from the command line.

        Exit codes: 0 ok · 1 unexpected failure · 2 verification failed · 3 not eligible · 4 token missing · 5 PIN wrong or locked · 6 RA unreachable · 64 bad input.
        """,
        version: "0.1.0",
        subcommands: [StatusCommand.self, ApplyCommand.self, CounterCommand.self, UICommand.self, RenewCommand.self, RevokeCommand.self, BackupCommand.self, RestoreCommand.self,
                      SignTestCommand.self, SignCommand.self, VerifyCommand.self,
                      TokensCommand.self, ReadersCommand.self, DoctorCommand.self, DriversCommand.self, DemoCommand.self])

    public init() {}
}
