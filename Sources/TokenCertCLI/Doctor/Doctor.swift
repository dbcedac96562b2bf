import CertificateKit
public import Foundation
import KeyStores
import Localization
import PCSC
import PKCS11
public import RemovableMedia

/// `tokencert doctor`'s checks, in order: pcscd, polkit, readers and cards, USB devices with no reader,
/// PKCS#11 modules, PIN state, our udev rules, OpenSSL, backup drives. Each reads the running system
/// through what `Doctor.Options` points at, so tests can point it at a fake sysfs, a staging prefix,
/// a missing pcscd socket or a module that does not exist.
/// Then the RA (reachable, clock skew; with `--ra`), certificates on the tokens (expiry, renewal
/// window) and backups of software certificates (a `.pfx` named by the rule on a removable drive).
public struct Doctor: Sendable {
    /// What the checks look at.
    public struct Options: Sendable {
        /// PKCS#11 modules to load (name, path); empty = every module registered with p11-kit.
        public var modules: [ModuleChoice]
        /// Where `/etc` is for our udev rules and module files (`/`, or a staging prefix).
        public var prefix: String
        /// The devices table and the Drivers folder; nil when not found (device checks say so).
        public var drivers: (folder: String, table: String)?
        /// Whose sysfs is scanned for USB devices (`<sysfs>/bus/usb/devices/*`).
        public var usbRoot: SystemRoot
        /// Where removable drives are looked for.
        public var drivesRoot: SystemRoot
        /// The software certificate store to check for backups (default `$XDG_DATA_HOME/tokencert/store`).
        public var softwareStore: URL?
        /// polkit's actions folder (pcsc-lite's policy `org.debian.pcsc-lite.policy` is looked for there).
        public var polkitActions: String
        /// libccid's supported-readers list; missing means the CCID driver package is not installed.
        public var ccidDriverList: String
        /// The RA to probe (`GET <ra>/health`), nil to skip the RA and clock checks.
        public var raURL: URL?
        /// Days before expiry when renewal opens (DESIGN: 30).
        public var renewalWindowDays: Int = 30
        /// Where the TPM device nodes are looked for (`/dev/tpmrm0`, `/dev/tpm0`).
        public var devRoot: String = "/dev"
        /// tpm2-pkcs11's module.
        public var tpmModule: String = TPMKeyStore.modulePath

        public init(modules: [ModuleChoice] = [], prefix: String = "/", drivers: (folder: String, table: String)? = nil,
                    usbRoot: SystemRoot = .live, drivesRoot: SystemRoot = .live,
                    polkitActions: String = "/usr/share/polkit-1/actions",
                    ccidDriverList: String = "/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist") {
            self.modules = modules
            self.prefix = prefix
            self.drivers = drivers
            self.usbRoot = usbRoot
            self.drivesRoot = drivesRoot
            self.polkitActions = polkitActions
            self.ccidDriverList = ccidDriverList
        }
    }

    /// A module to check: its registry name if any, and path.
    public struct ModuleChoice: Sendable {
        public var name: String?
        public var path: String
        public init(name: String?, path: String) { self.name = name; self.path = path }
    }

    public var options: Options
    public init(options: Options) { self.options = options }

    /// Runs every check.
    public func run() async -> DoctorReport {
        var checks: [DoctorCheck] = []
        let table: DeviceTable?
        var tableProblem: LocalizedText?
        if let drivers = options.drivers {
            do { table = try DeviceTable.loadValidated(path: drivers.table) } catch {
                table = nil
                tableProblem = error.summary
            }
        } else {
            table = nil
            tableProblem = LocalizedText(en: "no Drivers/devices.json found", zhTW: "找不到 Drivers/devices.json")
        }

        let (pcscCheck, context) = checkPCSCD()
        checks.append(pcscCheck)
        checks.append(checkPolkit())
        let (readersCheck, readerNames) = checkReaders(context: context, table: table)
        checks.append(readersCheck)
        let rulesStates = ruleStates(table: table)
        checks.append(checkUSBDevices(table: table, tableProblem: tableProblem, pcscUp: context != nil,
                                      readerNames: readerNames, rulesStates: rulesStates))
        let inventory = await TokenInventory.collectForDoctor(modules: options.modules)
        checks.append(checkModules(inventory))
        checks.append(checkPINs(inventory))
        checks.append(checkTokenCapabilities(inventory))
        checks.append(checkTPM(await TPMKeyStore.probe(devRoot: options.devRoot, modulePath: options.tpmModule)))
        checks.append(checkUdevRules(rulesStates, tableProblem: tableProblem))
        checks.append(checkOpenSSL())
        checks.append(checkDrives())
        let probe: RAProbe? = if let ra = options.raURL { await Self.probe(ra) } else { nil }
        let now = Date()
        checks.append(contentsOf: checkRA(probe, now: now))
        checks.append(checkCertificates(inventory, now: now))
        checks.append(await checkBackup())
        return DoctorReport(checks: checks)
    }

    // MARK: - pcscd

    /// `SCardEstablishContext` through `PCSCContext`.
    func checkPCSCD() -> (DoctorCheck, PCSCContext?) {
        let socket = ProcessInfo.processInfo.environment["PCSCLITE_CSOCK_NAME"] ?? "/run/pcscd/pcscd.comm"
        do {
            let context = try PCSCContext()
            return (DoctorCheck(id: .pcscd, status: .pass,
                                summary: LocalizedText(en: "pcscd answers on \(socket).", zhTW: "pcscd 正常回應（\(socket)）。"),
                                details: ["socket: \(socket)"]), context)
        } catch {
            let installed = FileManager.default.isExecutableFile(atPath: "/usr/sbin/pcscd")
            let remedy = installed
                ? LocalizedText(en: "Start the smart-card service: sudo systemctl start pcscd.socket (it starts pcscd when a program asks).",
                                zhTW: "請啟動智慧卡服務：sudo systemctl start pcscd.socket（有程式使用時會自動啟動 pcscd）。")
                : LocalizedText(en: "Install and start the smart-card service: sudo apt-get install pcscd libccid && sudo systemctl start pcscd.socket",
                                zhTW: "請安裝並啟動智慧卡服務：sudo apt-get install pcscd libccid && sudo systemctl start pcscd.socket")
            return (DoctorCheck(id: .pcscd, status: .fail,
                                summary: LocalizedText(en: "pcscd does not answer on \(socket): \(error.summary.english)",
                                                       zhTW: "pcscd 沒有回應（\(socket)）：\(error.summary.traditionalChinese)"),
                                remedy: remedy, details: ["socket: \(socket)", "error: \(error)"], exitStatus: .tokenMissing), nil)
        }
    }

    // MARK: - polkit

    /// pcsc-lite built with polkit installs `org.debian.pcsc-lite.policy`; then `pkcheck` asks polkit
    /// whether this process may use pcscd. Debian 12's pcscd is built without polkit (no policy file).
    func checkPolkit() -> DoctorCheck {
        let policy = options.polkitActions + "/org.debian.pcsc-lite.policy"
        guard FileManager.default.fileExists(atPath: policy) else {
            return DoctorCheck(id: .polkit, status: .pass,
                               summary: LocalizedText(en: "pcscd has no polkit policy here, so polkit does not limit smart-card access.",
                                                      zhTW: "本機 pcscd 沒有 polkit 政策，polkit 不限制智慧卡存取。"),
                               details: ["no \(policy)"])
        }
        let user = ProcessInfo.processInfo.environment["USER"] ?? String(getuid())
        let rule = "polkit.addRule(function(action, subject) { if ((action.id == \"org.debian.pcsc-lite.access_pcsc\" || action.id == \"org.debian.pcsc-lite.access_card\") && subject.user == \"\(user)\") { return polkit.Result.YES; } });"
        let remedy = LocalizedText(
            en: "Allow this user with a rule in /etc/polkit-1/rules.d/60-tokencert-pcsc.rules: \(rule)",
            zhTW: "請在 /etc/polkit-1/rules.d/60-tokencert-pcsc.rules 加入允許此使用者的規則：\(rule)")
        guard let pkcheck = HostTool.find("pkcheck") else {
            return DoctorCheck(id: .polkit, status: .warn,
                               summary: LocalizedText(en: "pcscd uses polkit, but pkcheck is not installed to ask whether this user is allowed.",
                                                      zhTW: "pcscd 使用 polkit，但未安裝 pkcheck，無法確認此使用者是否獲准。"),
                               remedy: remedy, details: ["policy: \(policy)"])
        }
        var denied: [String] = []
        for action in ["org.debian.pcsc-lite.access_pcsc", "org.debian.pcsc-lite.access_card"] {
            let r = HostTool.run(pkcheck, ["--action-id", action, "--process", String(getpid())])
            if r.status != 0 { denied.append("\(action): pkcheck exit \(r.status) \(r.err.trimmingCharacters(in: .whitespacesAndNewlines))") }
        }
        if denied.isEmpty {
            return DoctorCheck(id: .polkit, status: .pass,
                               summary: LocalizedText(en: "polkit allows this user to use pcscd and cards.", zhTW: "polkit 允許此使用者使用 pcscd 與卡片。"),
                               details: ["policy: \(policy)"])
        }
        return DoctorCheck(id: .polkit, status: .fail,
                           summary: LocalizedText(en: "polkit does not allow this user to use pcscd or cards.", zhTW: "polkit 不允許此使用者使用 pcscd 或卡片。"),
                           remedy: remedy, details: denied, exitStatus: .tokenMissing)
    }

    // MARK: - Readers

    func checkReaders(context: PCSCContext?, table: DeviceTable?) -> (DoctorCheck, [String]) {
        guard let context else {
            return (DoctorCheck(id: .readers, status: .skip,
                                summary: LocalizedText(en: "Readers not checked: pcscd does not answer.", zhTW: "未檢查讀卡機：pcscd 沒有回應。")), [])
        }
        let states: [ReaderState]
        do { states = try context.readerStates() } catch {
            return (DoctorCheck(id: .readers, status: .fail,
                                summary: LocalizedText(en: "Reader list failed: \(error.summary.english)", zhTW: "無法列出讀卡機：\(error.summary.traditionalChinese)"),
                                remedy: error.remedy ?? Self.restartPCSCD, exitStatus: .tokenMissing), [])
        }
        let seen = states.map { SeenReader(reader: $0.reader, cardPresent: $0.cardPresent, atr: $0.atr) }
        return (Self.evaluateReaders(seen, table: table), seen.map(\.reader))
    }

    /// The remedy of a pcscd that answers but fails.
    static let restartPCSCD = LocalizedText(en: "Restart the smart-card service: sudo systemctl restart pcscd; then unplug and plug in the reader.",
                                            zhTW: "請重新啟動智慧卡服務：sudo systemctl restart pcscd，再拔除並重新插入讀卡機。")

    /// A reader as the readers check sees it (what `SCardGetStatusChange` reported).
    struct SeenReader: Sendable {
        var reader: String
        var cardPresent: Bool
        var atr: [UInt8]
    }

    /// The readers check's verdict on what pcscd reported: no reader warns (with the usb-devices
    /// pointer), readers without a card warn, otherwise each card is identified by the devices table.
    static func evaluateReaders(_ states: [SeenReader], table: DeviceTable?) -> DoctorCheck {
        if states.isEmpty {
            return DoctorCheck(id: .readers, status: .warn,
                               summary: LocalizedText(en: "No smart-card reader or USB token is visible to pcscd.", zhTW: "pcscd 看不到任何讀卡機或 USB 載具。"),
                               remedy: LocalizedText(en: "Plug in the reader or token; if it is plugged in, see the check “\(DoctorCheckID.usbDevices.title.english)”.",
                                                     zhTW: "請接上讀卡機或載具；若已接上，請看「\(DoctorCheckID.usbDevices.title.traditionalChinese)」檢查結果。"),
                               exitStatus: .tokenMissing)
        }
        var details: [String] = []
        var cards = 0
        for s in states {
            let device = table?.device(readerName: s.reader).map { " [\($0.name)]" } ?? " [not in the devices table]"
            if s.cardPresent {
                cards += 1
                let atr = hex(s.atr)
                let known = table?.device(atr: s.atr).map { "\($0.device.name)" + ($0.pattern.label.map { " / \($0)" } ?? "") } ?? "unknown card"
                details.append("\(s.reader)\(device): card ATR \(atr) = \(known)")
            } else {
                details.append("\(s.reader)\(device): no card")
            }
        }
        if cards == 0 {
            return DoctorCheck(id: .readers, status: .warn,
                               summary: LocalizedText(en: "\(states.count) reader(s), but no card in any.", zhTW: "有 \(states.count) 台讀卡機，但都沒有插卡。"),
                               remedy: LocalizedText(en: "Insert the certificate card (chip first, facing up) or plug in the USB token.",
                                                     zhTW: "請插入憑證卡（晶片朝上、先插入）或接上 USB 載具。"),
                               details: details)
        }
        return DoctorCheck(id: .readers, status: .pass,
                           summary: LocalizedText(en: "\(states.count) reader(s), \(cards) with a card.", zhTW: "有 \(states.count) 台讀卡機，其中 \(cards) 台有卡片。"),
                            details: details)
    }

    // MARK: - USB devices

    /// A USB device in sysfs: its folder name and IDs.
    struct USBDevice { var name: String; var id: DeviceTable.USBID }

    /// `<sysfs>/bus/usb/devices/*/idVendor|idProduct` (interfaces have neither and are left out).
    func usbDevices() -> [USBDevice] {
        let dir = options.usbRoot.sysfs + "/bus/usb/devices"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.sorted().compactMap { name in
            func read(_ attr: String) -> String? {
                (try? String(contentsOfFile: dir + "/" + name + "/" + attr, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            }
            guard let v = read("idVendor"), let p = read("idProduct"), let id = DeviceTable.USBID(v + ":" + p) else { return nil }
            return USBDevice(name: name, id: id)
        }
    }

    func checkUSBDevices(table: DeviceTable?, tableProblem: LocalizedText?, pcscUp: Bool, readerNames: [String],
                         rulesStates: [DriversInstaller.FileStatus]) -> DoctorCheck {
        guard let table else {
            return DoctorCheck(id: .usbDevices, status: .warn,
                               summary: LocalizedText(en: "USB devices not identified: the devices table cannot be used (\(tableProblem?.english ?? "")).",
                                                      zhTW: "無法辨識 USB 裝置：裝置表無法使用（\(tableProblem?.traditionalChinese ?? "")）。"),
                               remedy: LocalizedText(en: "Pass --table PATH/devices.json or set TOKENCERT_DRIVERS_DIR.", zhTW: "請以 --table 指定 devices.json，或設定 TOKENCERT_DRIVERS_DIR。"))
        }
        let known = usbDevices().compactMap { usb in table.device(usb: usb.id).map { (usb, $0) } }
        if known.isEmpty {
            return DoctorCheck(id: .usbDevices, status: .pass,
                               summary: LocalizedText(en: "No known USB token or reader is plugged in.", zhTW: "沒有接上已知的 USB 載具或讀卡機。"),
                               details: ["scanned \(options.usbRoot.sysfs)/bus/usb/devices"])
        }
        var details: [String] = []
        var causesEN: [String] = [], causesZH: [String] = []
        func cause(_ en: String, _ zh: String) {
            if !causesEN.contains(en) { causesEN.append(en); causesZH.append(zh) }
        }
        var missing = 0
        let rules = rulesStates.first { $0.kind == "udev-rules" }
        for (usb, device) in known {
            let visible = device.isReader && readerNames.contains { device.matches(readerName: $0) }
            details.append("\(usb.name) \(usb.id) \(device.name): " + (visible ? "visible to pcscd" : "no reader or token visible"))
            guard !visible else { continue }
            missing += 1
            if !pcscUp {
                cause("pcscd is not running: sudo systemctl start pcscd.socket", "pcscd 未執行：sudo systemctl start pcscd.socket")
            }
            if device.needsVendorDriver {
                cause("\(device.name) is not a CCID reader: it needs its maker's PC/SC driver (not in Debian); install that, or use a CCID reader",
                      "\(device.name) 不是 CCID 讀卡機：需要原廠的 PC/SC 驅動程式（Debian 未提供）；請安裝原廠驅動，或改用 CCID 讀卡機")
            } else if device.isReader && !FileManager.default.fileExists(atPath: options.ccidDriverList) {
                cause("the CCID driver is not installed: sudo apt-get install libccid pcscd", "未安裝 CCID 驅動程式：sudo apt-get install libccid pcscd")
            }
            if let state = rules?.state, state == .missing || state == .foreign {
                cause("TokenCert's udev rules are not installed: sudo tokencert drivers install", "尚未安裝 TokenCert 的 udev 規則：sudo tokencert drivers install")
            } else if rules?.state == .outdated {
                cause("TokenCert's udev rules are outdated: sudo tokencert drivers install", "TokenCert 的 udev 規則過舊：sudo tokencert drivers install")
            }
            if let moduleID = device.module, let module = table.module(id: moduleID), !FileManager.default.fileExists(atPath: module.path) {
                cause("its PKCS#11 module is not installed: sudo apt-get install \(module.package)", "未安裝其 PKCS#11 模組：sudo apt-get install \(module.package)")
            }
            if device.module == nil && device.isToken {
                cause("\(device.name) needs its vendor's middleware (no Debian module serves it)", "\(device.name) 需要廠商提供的中介軟體（Debian 沒有可用的模組）")
            }
        }
        if missing == 0 {
            return DoctorCheck(id: .usbDevices, status: .pass,
                               summary: LocalizedText(en: "\(known.count) known USB device(s), each visible to pcscd.", zhTW: "有 \(known.count) 個已知 USB 裝置，pcscd 都看得到。"),
                               details: details)
        }
        if causesEN.isEmpty {
            cause("pcscd has not picked it up: unplug and plug it in again, or sudo systemctl restart pcscd",
                  "pcscd 尚未偵測到：請拔除後重新插入，或執行 sudo systemctl restart pcscd")
        }
        return DoctorCheck(id: .usbDevices, status: .fail,
                           summary: LocalizedText(en: "\(missing) known USB device(s) are plugged in but no reader or token is visible.",
                                                  zhTW: "有 \(missing) 個已知 USB 裝置已接上，但看不到對應的讀卡機或載具。"),
                           remedy: LocalizedText(en: "Likely cause: " + causesEN.joined(separator: "; "), zhTW: "可能原因：" + causesZH.joined(separator: "；")),
                           details: details, exitStatus: .tokenMissing)
    }

    // MARK: - Modules and PINs

    func checkModules(_ inventory: TokenInventory) -> DoctorCheck {
        if inventory.modules.isEmpty {
            return DoctorCheck(id: .modules, status: .fail,
                               summary: LocalizedText(en: "No PKCS#11 module is installed or registered with p11-kit.", zhTW: "沒有安裝或向 p11-kit 登錄任何 PKCS#11 模組。"),
                               remedy: LocalizedText(en: "Install OpenSC's module: sudo apt-get install opensc-pkcs11 (or pass --module PATH).",
                                                     zhTW: "請安裝 OpenSC 模組：sudo apt-get install opensc-pkcs11（或以 --module 指定路徑）。"),
                               exitStatus: .tokenMissing)
        }
        let broken = inventory.modules.filter { $0.error != nil }
        let details = inventory.modules.map { m in
            "\(m.name ?? "-") \(m.path): " + (m.error.map { "cannot load: \($0)" } ?? "\(m.description ?? "") \(m.version ?? ""), \(m.tokens.count) token(s)")
        }
        if let first = broken.first {
            return DoctorCheck(id: .modules, status: .fail,
                               summary: LocalizedText(en: "\(broken.count) PKCS#11 module(s) cannot be used: \(broken.map(\.path).joined(separator: ", ")).",
                                                      zhTW: "有 \(broken.count) 個 PKCS#11 模組無法使用：\(broken.map(\.path).joined(separator: "、"))。"),
                               remedy: first.remedy ?? LocalizedText(en: "Reinstall the module's package.", zhTW: "請重新安裝該模組的套件。"),
                               details: details, exitStatus: .tokenMissing)
        }
        return DoctorCheck(id: .modules, status: .pass,
                           summary: LocalizedText(en: "\(inventory.modules.count) PKCS#11 module(s) load.", zhTW: "\(inventory.modules.count) 個 PKCS#11 模組可正常載入。"),
                           details: details)
    }

    /// What TokenCert can do with each token present (`TokenCapabilities`): a token that cannot take a
    /// customer key (nothing it can generate, read-only, a module that cannot generate on it) warns,
    /// with its reason.
    func checkTokenCapabilities(_ inventory: TokenInventory) -> DoctorCheck {
        let tokens = inventory.modules.flatMap { m in m.tokens.compactMap { t in t.capabilities.map { (m, t, $0) } } }
        guard !tokens.isEmpty else {
            return DoctorCheck(id: .tokenCapabilities, status: .skip,
                               summary: LocalizedText(en: "No initialised token to describe.", zhTW: "沒有可說明的已初始化載具。"))
        }
        let details = tokens.map { (m, t, c) in
            "\(t.label) [\(c.profileName), \(m.path)]: "
                + (c.generates.isEmpty ? "generates no key" : "generates \(c.generates.joined(separator: ", ")) (non-extractable, checked)")
                + (c.signs.isEmpty ? "" : "; signs \(c.signs.joined(separator: ", "))")
                + (c.limitations.isEmpty ? "" : "; " + c.limitations.joined(separator: "; "))
        }
        let unable = tokens.filter { $0.2.generates.isEmpty }
        if !unable.isEmpty {
            let names = unable.map(\.1.label).joined(separator: ", ")
            let piv = unable.contains { $0.2.profile == TokenProfile.openSCPIV.id }
            return DoctorCheck(id: .tokenCapabilities, status: .warn,
                               summary: LocalizedText(en: "TokenCert cannot create a key on \(names) through its module.",
                                                      zhTW: "TokenCert 無法透過模組在 \(names) 上產生金鑰。"),
                               remedy: piv
                                   ? LocalizedText(en: "For a PIV card, apply and renew with --reader (TokenCert's own PIV client); signing works either way.",
                                                   zhTW: "PIV 晶片卡請以 --reader（TokenCert 內建的 PIV 用戶端）申請與更新；簽章兩種方式皆可。")
                                   : LocalizedText(en: "Use another token for a new certificate (the details say why), or ask the broker which tokens are supported.",
                                                   zhTW: "申請新憑證請改用其他載具（原因見詳細資料），或洽券商確認支援的載具。"),
                               details: details)
        }
        return DoctorCheck(id: .tokenCapabilities, status: .pass,
                           summary: LocalizedText(en: "TokenCert can create non-extractable keys on every token present.",
                                                  zhTW: "TokenCert 可在每個載具上產生不可匯出的金鑰。"),
                           details: details)
    }

    /// The computer's TPM 2.0 as a store for customers without a token (see `TPMKeyStore`): skipped
    /// without one, a warning with the set-up when tpm2-pkcs11 or its token is missing.
    func checkTPM(_ availability: TPMKeyStore.Availability) -> DoctorCheck {
        if case .ready(let device, let label, let uri, let holdsKeys) = availability {
            return DoctorCheck(id: .tpm, status: .pass,
                               summary: LocalizedText(en: "TPM 2.0 token \"\(label)\" is ready: `tokencert apply --tpm` keeps the key in this computer's TPM (it cannot be copied off this computer, so it cannot be backed up).",
                                                      zhTW: "TPM 2.0 載具「\(label)」可使用：`tokencert apply --tpm` 會將金鑰存放於此電腦的 TPM（無法複製出這台電腦，因此無法備份）。"),
                               details: [device, uri, holdsKeys ? "holds a key" : "empty"])
        }
        // Every state but `.ready` has a reason.
        let reason = TPMKeyStore.unavailableReason(availability)!
        switch availability {
        case .moduleMissing(let device):
            return DoctorCheck(id: .tpm, status: .warn, summary: reason.summary, remedy: reason.remedy, details: [device])
        case .noToken(let device, let problem):
            return DoctorCheck(id: .tpm, status: .warn, summary: reason.summary, remedy: reason.remedy,
                               details: [device] + (problem.map { [$0] } ?? []))
        default:
            return DoctorCheck(id: .tpm, status: .skip, summary: reason.summary)
        }
    }

    func checkPINs(_ inventory: TokenInventory) -> DoctorCheck {
        let all = inventory.modules.flatMap { m in m.tokens.map { (m, $0) } }
        // A blank slot (SoftHSM's free slot, a token never personalised) has no PIN to judge.
        let tokens = all.filter { $0.1.initialized }
        if tokens.isEmpty {
            return DoctorCheck(id: .pinState, status: .warn,
                               summary: LocalizedText(en: "No personalised token is present in any module.", zhTW: "所有模組都沒有已初始化的載具。"),
                               remedy: LocalizedText(en: "Plug in the USB token or insert the card.", zhTW: "請接上 USB 載具或插入卡片。"),
                               details: all.map { "blank (not initialised) token in \($0.0.path)" })
        }
        var details = all.filter { !$0.1.initialized }.map { "blank (not initialised) token in \($0.0.path)" }
        var worst = DoctorStatus.pass
        var locked: [String] = [], attention: [String] = []
        for (_, t) in tokens {
            details.append("\"\(t.label)\" \(t.uri): user PIN \(t.userPIN.rawValue)")
            switch t.userPIN {
            case .ok: break
            case .locked: worst = .fail; locked.append(t.label)
            case .countLow, .finalTry, .mustChange, .notInitialized:
                if worst == .pass { worst = .warn }
                attention.append("\(t.label) (\(t.userPIN.rawValue))")
            }
        }
        if worst == .fail {
            return DoctorCheck(id: .pinState, status: .fail,
                               summary: LocalizedText(en: "The user PIN is locked on: \(locked.joined(separator: ", ")).", zhTW: "下列載具的使用者 PIN 已鎖定：\(locked.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "Unblock it with the SO PIN / PUK (the card's administrator PIN), or bring the token to a branch counter; after that set a new PIN.",
                                                     zhTW: "請以 SO PIN／PUK（管理者 PIN）解鎖，或攜帶載具至分公司櫃檯辦理；解鎖後請設定新 PIN。"),
                               details: details, exitStatus: .pinProblem)
        }
        if worst == .warn {
            return DoctorCheck(id: .pinState, status: .warn,
                               summary: LocalizedText(en: "PIN needs attention: \(attention.joined(separator: ", ")).", zhTW: "PIN 需要注意：\(attention.joined(separator: "、"))。"),
                               remedy: LocalizedText(en: "A wrong PIN was entered before: type the PIN carefully; one more wrong try on final-try locks it.",
                                                     zhTW: "先前曾輸入錯誤的 PIN：請小心輸入；若顯示最後一次機會，再錯一次即鎖定。"),
                               details: details)
        }
        return DoctorCheck(id: .pinState, status: .pass,
                           summary: LocalizedText(en: "\(tokens.count) token(s), every user PIN ok.", zhTW: "\(tokens.count) 個載具，使用者 PIN 皆正常。"),
                           details: details)
    }

    // MARK: - udev rules

    func ruleStates(table: DeviceTable?) -> [DriversInstaller.FileStatus] {
        guard let table, let drivers = options.drivers else { return [] }
        return (try? DriversInstaller(table: table, driversFolder: drivers.folder, prefix: options.prefix).check()) ?? []
    }

    func checkUdevRules(_ states: [DriversInstaller.FileStatus], tableProblem: LocalizedText?) -> DoctorCheck {
        if states.isEmpty {
            return DoctorCheck(id: .udevRules, status: .warn,
                               summary: LocalizedText(en: "udev rules not checked: the devices table cannot be used (\(tableProblem?.english ?? "")).",
                                                      zhTW: "未檢查 udev 規則：裝置表無法使用（\(tableProblem?.traditionalChinese ?? "")）。"),
                               remedy: LocalizedText(en: "Pass --table PATH/devices.json or set TOKENCERT_DRIVERS_DIR.", zhTW: "請以 --table 指定 devices.json，或設定 TOKENCERT_DRIVERS_DIR。"))
        }
        let details = states.map { "\($0.state.rawValue): \($0.path)" }
        let notCurrent = states.filter { $0.state != .current }
        if notCurrent.isEmpty {
            return DoctorCheck(id: .udevRules, status: .pass,
                               summary: LocalizedText(en: "TokenCert's udev rules and p11-kit module files are installed and current.",
                                                      zhTW: "TokenCert 的 udev 規則與 p11-kit 模組檔已安裝且為最新。"),
                               details: details)
        }
        let edited = notCurrent.contains { $0.state == .modified || $0.state == .foreign }
        return DoctorCheck(id: .udevRules, status: .warn,
                           summary: LocalizedText(en: "TokenCert's udev rules or module files are not all installed and current (\(notCurrent.map { $0.state.rawValue }.joined(separator: ", "))).",
                                                  zhTW: "TokenCert 的 udev 規則或模組檔未全部安裝或不是最新（\(notCurrent.map { $0.state.rawValue }.joined(separator: ", "))）。"),
                           remedy: edited
                            ? LocalizedText(en: "Some were edited locally: compare with `tokencert drivers check`, then `sudo tokencert drivers install --force` to replace them.",
                                            zhTW: "部分檔案曾在本機修改：請用 `tokencert drivers check` 比對，再以 `sudo tokencert drivers install --force` 取代。")
                            : LocalizedText(en: "Install them: sudo tokencert drivers install", zhTW: "請安裝：sudo tokencert drivers install"),
                           details: details)
    }

    // MARK: - OpenSSL

    /// `openssl version`, and whether `-provider legacy` loads (needed to read old RC2-40 `.pfx` files).
    func checkOpenSSL() -> DoctorCheck {
        guard let openssl = HostTool.find("openssl") else {
            return DoctorCheck(id: .openssl, status: .warn,
                               summary: LocalizedText(en: "The openssl command is not installed.", zhTW: "未安裝 openssl 指令。"),
                               remedy: LocalizedText(en: "sudo apt-get install openssl", zhTW: "sudo apt-get install openssl"))
        }
        let version = HostTool.run(openssl, ["version"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let legacy = HostTool.run(openssl, ["list", "-providers", "-provider", "legacy"])
        let loaded = legacy.status == 0 && legacy.out.lowercased().contains("legacy")
        if loaded {
            return DoctorCheck(id: .openssl, status: .pass,
                               summary: LocalizedText(en: "\(version); the legacy provider loads (old .pfx files can be read).",
                                                      zhTW: "\(version)；legacy provider 可載入（可讀取舊式 .pfx）。"),
                               details: [version])
        }
        return DoctorCheck(id: .openssl, status: .warn,
                           summary: LocalizedText(en: "\(version); the legacy provider does not load, so old RC2-40 .pfx backups cannot be read.",
                                                  zhTW: "\(version)；legacy provider 無法載入，無法讀取舊式 RC2-40 .pfx 備份。"),
                           remedy: LocalizedText(en: "Reinstall OpenSSL's library (sudo apt-get install --reinstall libssl3) and check that OPENSSL_MODULES, if set, points at its ossl-modules folder.",
                                                 zhTW: "請重新安裝 OpenSSL 函式庫（sudo apt-get install --reinstall libssl3），並確認若有設定 OPENSSL_MODULES，須指向其 ossl-modules 資料夾。"),
                           details: [version, legacy.err.trimmingCharacters(in: .whitespacesAndNewlines)].filter { !$0.isEmpty })
    }

    // MARK: - Backup drives

    func checkDrives() -> DoctorCheck {
        do {
            let drives = try RemovableDrives(root: options.drivesRoot).removableDrives()
            if drives.isEmpty {
                return DoctorCheck(id: .backupDrives, status: .warn,
                                   summary: LocalizedText(en: "No removable drive is mounted for .pfx backups of a software certificate.",
                                                          zhTW: "沒有掛載可攜式磁碟，無法備份軟體憑證（.pfx）。"),
                                   remedy: LocalizedText(en: "Plug in a USB stick when you back up; token certificates need no backup.",
                                                         zhTW: "備份時請接上 USB 隨身碟；存放於載具的憑證不需備份。"))
            }
            return DoctorCheck(id: .backupDrives, status: .pass,
                               summary: LocalizedText(en: "\(drives.count) removable drive(s) for backups.", zhTW: "有 \(drives.count) 個可攜式磁碟可供備份。"),
                               details: drives.map { "\($0.mountPoint) \($0.device)\($0.isReadOnly ? " (read-only)" : "")" })
        } catch {
            return DoctorCheck(id: .backupDrives, status: .warn,
                               summary: LocalizedText(en: "Drives cannot be listed: \(error.summary.english)", zhTW: "無法列出磁碟：\(error.summary.traditionalChinese)"),
                               remedy: error.remedy ?? LocalizedText(en: "Plug the USB stick in again; if it still is not listed, restart the computer with it plugged in.",
                                                                     zhTW: "請重新插入隨身碟；若仍未列出，請在插著隨身碟的狀態下重新開機。"))
        }
    }
}

extension TokenInventory {
    /// Modules and tokens without logging in; a module that cannot be used is reported in its entry.
    static func collectForDoctor(modules: [Doctor.ModuleChoice]) async -> TokenInventory {
        let list: [(name: String?, path: String)] = modules.isEmpty ? defaultModulePaths() : modules.map { ($0.name, $0.path) }
        return (try? await collect(modules: list, tokenFilter: nil, pin: nil, includeMechanisms: false)) ?? TokenInventory()
    }
}
