import Domain
public import Foundation
public import Localization

/// One customer as typed or imported, before validation. JSON keys are the property names; CSV
/// headers may also be written with underscores (`birth_date`). `accounts` in CSV is one field with
/// accounts separated by `;`.
public struct CustomerInput: Codable, Sendable, Hashable {
    /// National ID (letter + 9 digits) or unified business number (8 digits).
    public var id: String
    public var name: String
    /// Birth date, or the company's registration date: ROC (`44/2/1`) or Gregorian (`1955-02-01`).
    public var birthDate: String
    public var mobile: String?
    public var email: String?
    public var accounts: [String]
    /// The initial e-trading password; hashed at once, never stored.
    public var password: String

    public init(id: String, name: String, birthDate: String, mobile: String?, email: String?, accounts: [String], password: String) {
        self.id = id
        self.name = name
        self.birthDate = birthDate
        self.mobile = mobile
        self.email = email
        self.accounts = accounts
        self.password = password
    }

    /// Validates every field and hashes the password.
    /// - Throws: `CustomerImportError` naming the field.
    public func record(passwordIterations: Int) throws -> CustomerRecord {
        let customerID: CustomerID
        do { customerID = try CustomerID(id) } catch { throw CustomerImportError(field: "id", message: error.summary) }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty else {
            throw CustomerImportError(field: "name", message: LocalizedText(en: "The name is empty.", zhTW: "姓名（名稱）未填寫。"))
        }
        let date: ROCDate
        do { date = try ROCDate.parseBirthDate(birthDate) } catch { throw CustomerImportError(field: "birthDate", message: error.summary) }
        let phone = mobile.map { $0.filter { !$0.isWhitespace && $0 != "-" } }.flatMap { $0.isEmpty ? nil : $0 }
        if let phone, phone.wholeMatch(of: /09\d{8}/) == nil {
            throw CustomerImportError(field: "mobile", message: LocalizedText(en: "The mobile number must be 09 and eight digits.",
                                                                               zhTW: "行動電話須為 09 開頭共 10 位數字。"))
        }
        let mail = email?.trimmingCharacters(in: .whitespaces).lowercased().nilIfEmpty
        if let mail, mail.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) == nil {
            throw CustomerImportError(field: "email", message: LocalizedText(en: "The e-mail address is not valid.", zhTW: "電子郵件格式不正確。"))
        }
        guard phone != nil || mail != nil else {
            throw CustomerImportError(field: "mobile", message: LocalizedText(en: "A mobile number or an e-mail address is needed for one-time codes.",
                                                                               zhTW: "需有行動電話或電子郵件以接收驗證碼。"))
        }
        var parsedAccounts: [SecuritiesAccount] = []
        for text in accounts where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do { parsedAccounts.append(try SecuritiesAccount(text)) } catch {
                throw CustomerImportError(field: "accounts", message: error.summary)
            }
        }
        guard !parsedAccounts.isEmpty else {
            throw CustomerImportError(field: "accounts", message: LocalizedText(en: "At least one securities account is needed.", zhTW: "至少需有一個證券帳號。"))
        }
        guard (6...64).contains(password.count) else {
            throw CustomerImportError(field: "password", message: LocalizedText(en: "The e-trading password must have 6 to 64 characters.",
                                                                                 zhTW: "電子交易密碼須為 6 至 64 個字元。"))
        }
        return CustomerRecord(id: customerID, name: trimmedName, birthDate: date, mobile: phone, email: mail, accounts: parsedAccounts,
                              passwordHash: try PasswordHasher.hash(password, iterations: passwordIterations))
    }
}

/// A customer that cannot be imported, with the line (CSV, counting the header as 1) or the
/// position in the JSON array (from 1).
public struct CustomerImportError: Error, Sendable, Hashable, UserFacingError, CustomStringConvertible {
    public var line: Int?
    public var field: String
    public var message: LocalizedText

    public init(line: Int? = nil, field: String, message: LocalizedText) {
        self.line = line
        self.field = field
        self.message = message
    }

    /// A row that breaks a rule: bad input.
    public var category: ErrorCategory { .badInput }

    public var summary: LocalizedText {
        guard let line else { return LocalizedText(en: "\(field): \(message.english)", zhTW: "\(field)：\(message.traditionalChinese)") }
        return LocalizedText(en: "Record \(line), \(field): \(message.english)", zhTW: "第 \(line) 筆，\(field)：\(message.traditionalChinese)")
    }

    public var remedy: LocalizedText? {
        LocalizedText(en: "Correct the file; nothing was imported.", zhTW: "請修正檔案後重新匯入；本次未匯入任何資料。")
    }

    public var description: String { summary.english }
}

/// Reads customer files: CSV (RFC 4180, UTF-8, a header row) or JSON (an array of `CustomerInput`).
public enum CustomerImport {
    /// Parses a JSON array.
    public static func parseJSON(_ data: Data) throws -> [CustomerInput] {
        do { return try JSONDecoder().decode([CustomerInput].self, from: data) } catch {
            throw CustomerImportError(field: "json", message: LocalizedText(en: "The file is not a JSON array of customers (\(error)).",
                                                                            zhTW: "檔案不是客戶資料的 JSON 陣列。"))
        }
    }

    /// Parses CSV with a header naming the columns (any order): id, name, birth_date, mobile, email,
    /// accounts, password.
    public static func parseCSV(_ text: String) throws -> [(line: Int, input: CustomerInput)] {
        let rows = try csvRows(text)
        guard let header = rows.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "") }
        func column(_ name: String) throws -> Int {
            guard let index = names.firstIndex(of: name.lowercased()) else {
                throw CustomerImportError(line: 1, field: name, message: LocalizedText(en: "The header has no \(name) column.", zhTW: "標題列缺少 \(name) 欄位。"))
            }
            return index
        }
        let id = try column("id"), name = try column("name"), birth = try column("birthdate"), accounts = try column("accounts"),
            password = try column("password")
        let mobile = names.firstIndex(of: "mobile"), email = names.firstIndex(of: "email")
        return try rows.dropFirst().filter { !$0.fields.allSatisfy(\.isEmpty) }.map { row in
            guard row.fields.count == names.count else {
                throw CustomerImportError(line: row.line, field: "csv", message: LocalizedText(
                    en: "Expected \(names.count) fields, found \(row.fields.count).", zhTW: "應有 \(names.count) 個欄位，實有 \(row.fields.count) 個。"))
            }
            let f = row.fields
            return (row.line, CustomerInput(id: f[id], name: f[name], birthDate: f[birth], mobile: mobile.map { f[$0] }, email: email.map { f[$0] },
                                           accounts: f[accounts].split(separator: ";").map { String($0) }, password: f[password]))
        }
    }

    /// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
    static func csvRows(_ text: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = [], field = "", quoted = false, afterQuote = false
        var line = 1, rowLine = 1
        var chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": fields.append(field); field = ""; afterQuote = false
            case "\n":
                fields.append(field)
                rows.append((rowLine, fields))
                fields = []; field = ""; afterQuote = false
                line += 1; rowLine = line
            default:
                guard !afterQuote else {
                    throw CustomerImportError(line: line, field: "csv", message: LocalizedText(en: "Text after a closing quote.", zhTW: "引號後有多餘文字。"))
                }
                field.append(c)
            }
        }
        guard !quoted else {
            throw CustomerImportError(line: rowLine, field: "csv", message: LocalizedText(en: "A quote is never closed.", zhTW: "引號未結束。"))
        }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); rows.append((rowLine, fields)) }
        return rows
    }

    /// Validates every customer and stores them all in one transaction — all or none. Passwords are
    /// hashed on every core (each hash is deliberately slow); the first bad record by line is reported.
    /// - Returns: how many were stored.
    @discardableResult
    public static func store(_ inputs: [(line: Int, input: CustomerInput)], into repository: any RARepository,
                             passwordIterations: Int, replace: Bool = false) async throws -> Int {
        let results = await withTaskGroup(of: (Int, Result<CustomerRecord, CustomerImportError>).self) { group in
            for (index, item) in inputs.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try item.input.record(passwordIterations: passwordIterations)))
                    } catch var error as CustomerImportError {
                        error.line = item.line
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(CustomerImportError(line: item.line, field: "password",
                                                                    message: LocalizedText(en: "\(error)", zhTW: "\(error)"))))
                    }
                }
            }
            var all = [Result<CustomerRecord, CustomerImportError>?](repeating: nil, count: inputs.count)
            for await (index, result) in group { all[index] = result }
            return all.compactMap { $0 }
        }
        var records: [CustomerRecord] = []
        var seen: Set<String> = []
        for (result, item) in zip(results, inputs) {
            let record = try result.get()
            guard seen.insert(record.id.value).inserted else {
                throw CustomerImportError(line: item.line, field: "id",
                                          message: LocalizedText(en: "\(record.id.masked) appears twice.", zhTW: "\(record.id.masked) 重複出現。"))
            }
            records.append(record)
        }
        try await repository.addCustomers(records, replace: replace)
        return records.count
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
