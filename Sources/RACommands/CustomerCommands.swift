import ArgumentParser
import Foundation
import KeyStores
import Localization
import Secrets
import Logging
import PKCS11
import RAServer

struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "customer", abstract: "Add or import customers.", subcommands: [Add.self, Import.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add one customer.",
            discussion: """
            The e-trading password comes from --password-file or $TOKENCERT_RA_CUSTOMER_PASSWORD; the birth date (an identity factor, like the password never on the command line, where ps and the shell history show it) from --birth-date-file, $TOKENCERT_RA_CUSTOMER_BIRTH_DATE or a no-echo prompt.

            Example:
              TOKENCERT_RA_CUSTOMER_BIRTH_DATE=44/2/1 tokencert-ra customer add --id A123456789 --name 王小明 \\
                  --mobile 0912345678 --account 1020-1234567 --password-file pw.txt
            """)

        @OptionGroup var store: StoreOptions
        @Option(help: "National ID or unified business number.")
        var id: String
        @Option(help: "Name (person) or company name.")
        var name: String
        @Option(help: ArgumentHelp("File whose first line is the birth date or company registration date, ROC (44/2/1) or Gregorian (1955-02-01) (else $TOKENCERT_RA_CUSTOMER_BIRTH_DATE, else a prompt).",
                                   valueName: "path"))
        var birthDateFile: String?
        /// Refused with an explanation: the birth date does not belong on the command line.
        @Option(help: .hidden)
        var birthDate: String?
        @Option(help: "Mobile number (09xxxxxxxx).")
        var mobile: String?
        @Option(help: "E-mail address.")
        var email: String?
        @Option(name: .customLong("account"), help: "Securities account (1020-1234567); repeat for several.")
        var accounts: [String] = []
        @Option(help: "File whose first line is the initial e-trading password.")
        var passwordFile: String?
        @Flag(help: "Replace the customer when the ID exists.")
        var replace = false

        func run() async throws {
            if birthDate != nil {
                throw ValidationError("--birth-date would put an identity factor on the command line (ps and the shell history show it): give it with --birth-date-file or $TOKENCERT_RA_CUSTOMER_BIRTH_DATE, or type it when asked. / 出生日期屬身分驗證資料，不可置於命令列：請以 --birth-date-file 或環境變數 TOKENCERT_RA_CUSTOMER_BIRTH_DATE 提供，或於提示時輸入。")
            }
            let password = try secret(file: passwordFile, environment: "TOKENCERT_RA_CUSTOMER_PASSWORD", what: "e-trading password", fileOption: "--password-file").revealedString()
            let birth = try SecretReader(file: birthDateFile, environmentVariable: "TOKENCERT_RA_CUSTOMER_BIRTH_DATE",
                                         prompt: LocalizedText(en: "Birth date (ROC 44/2/1 or 1955-02-01)", zhTW: "出生日期（民國 44/2/1 或西元 1955-02-01）"),
                                         fileOption: "--birth-date-file").read(language: Language.fromEnvironment()).revealedString()
            let input = CustomerInput(id: id, name: name, birthDate: birth, mobile: mobile, email: email, accounts: accounts, password: password)
            do {
                let repository = try await store.open()
                try await CustomerImport.store([(1, input)], into: repository, passwordIterations: Policy.standard.passwordIterations, replace: replace)
                print("Added \(input.id.prefix(7))***.")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Import customers from CSV or JSON — all or none.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "A .csv (header: id,name,birth_date,mobile,email,accounts,password; accounts separated by ;) or .json file.")
        var file: String
        @Flag(help: "Replace customers whose ID exists.")
        var replace = false

        func run() async throws {
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("Cannot read \(file).") }
                let inputs: [(line: Int, input: CustomerInput)]
                if file.lowercased().hasSuffix(".json") {
                    inputs = try CustomerImport.parseJSON(data).enumerated().map { ($0.offset + 1, $0.element) }
                } else {
                    inputs = try CustomerImport.parseCSV(String(decoding: data, as: UTF8.self))
                }
                let repository = try await store.open()
                let count = try await CustomerImport.store(inputs, into: repository, passwordIterations: Policy.standard.passwordIterations,
                                                           replace: replace)
                print("Imported \(count) customer(s).")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }
}
