import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct InitCA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-ca", abstract: "Generate the CA key (key file or PKCS#11 token) and its self-signed certificate.")

    @OptionGroup var key: CAKeyOptions

    @Option(name: .customLong("certificate"), help: "Where to write the CA certificate (PEM).")
    var certificate: String

    @Option(help: "Key type: p256, p384, rsa2048, rsa3072, rsa4096.")
    var keyType = "p256"

    @Option(help: "O= of the CA and of issued certificates.")
    var organization = "TokenCert Securities"

    @Option(help: "CN= of the CA.")
    var commonName = "TokenCert Trading CA"

    @Option(help: "Years the CA certificate is valid.")
    var years = 10

    func run() async throws {
        guard let spec = KeySpec(keyType) else { throw ValidationError("Unknown key type \(keyType).") }
        do {
            let certificate = try await CASetup.initialize(key: try key.location(), keyKind: PKCS11CAKey.kind(spec), certificatePath: self.certificate,
                                                           organization: organization, commonName: commonName, validityYears: years)
            print("CA certificate written to \(self.certificate): \(certificate.subject), valid until \(certificate.notValidAfter)")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
