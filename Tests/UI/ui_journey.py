#!/usr/bin/env python3
"""Drives `tokencert ui` in headless Chromium (Debian's chromium + chromium-driver, selenium from
Debian) through the customer's screens, like a person at the keyboard and mouse. Called by
Tests/TokenCertCLITests/UITests.swift with a live RA; exits non-zero (with the reason) when a
screen does not show what it must. Screenshots of every screen go to --artefacts.

Every screen is read, not only found: its headings, table cells, questions, messages, errors and
remedies are asserted in zh-TW, then the language switch is pressed and the same screen is asserted
in English (and switched back). Every answer of the window's API the page received is checked against
its schema in docs/schemas (Tests/Schemas/check_json.py: python3-jsonschema and the {"en", "zh-TW"}
text shape).

Scenarios:
  token     log in, apply (PIN typed in the page), both tables, sign-and-verify test, backup refused
            with its remedy (token keys stay on the token), revoke with the yearly count, log out
  software  a wrong password first (its error, then gone), apply with one wrong birth date first (its
            message on the birth-date screen only), both tables, sign test, backup (a mismatch error,
            then gone) to the removable drive, announcements, FAQ, the environment check with a failure
            (no pcscd) and a warning (udev rules missing) — every check in words with a remedy for every
            warning and failure — log out
  expired   log in, apply, let the code expire, type it: the expiry message is shown
  import    on a second "computer": log in, import the backup the software scenario wrote (file and
            password), both tables show its serial, sign test, revoke with the yearly count, log out
"""
import argparse, glob, json, os, re, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Schemas"))
import check_json  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--outbox", required=True)
p.add_argument("--artefacts", required=True)
p.add_argument("--scenario", required=True, choices=["token", "software", "expired", "import"])
p.add_argument("--pfx", help="import: the backup file to import", default=None)
p.add_argument("--id", required=True)
p.add_argument("--birth", required=True)
p.add_argument("--secret", help="PIN or store password typed in the page", default=None)
p.add_argument("--code-wait", type=float, default=0)
args = p.parse_args()
# The e-trading password comes by environment, not argv.
password = os.environ["UI_TEST_PASSWORD"]
backup_password = os.environ.get("UI_TEST_BACKUP_PASSWORD", "Bk2026ab")

os.makedirs(args.artefacts, exist_ok=True)
opts = Options()
for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-TW"]:
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
wait = WebDriverWait(driver, 60)
shot_no = [0]

# Every answer of the window's API, as the page received it (method, path, status, body).
driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
window.__api = [];
(function () {
  const original = window.fetch;
  window.fetch = async function (input, init) {
    const r = await original.apply(this, arguments);
    try {
      const path = typeof input === "string" ? input : input.url;
      window.__api.push({ method: (init && init.method) || "GET", path: path, status: r.status, body: await r.clone().text() });
    } catch (e) {}
    return r;
  };
})();
"""})
api_log = []
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def shot(name):
    shot_no[0] += 1
    driver.save_screenshot(os.path.join(args.artefacts, "%02d-%s.png" % (shot_no[0], name)))


def fail(why):
    shot("failure")
    print("UI TEST FAILED: " + why, file=sys.stderr)
    try:
        print(driver.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
    except Exception:
        pass
    driver.quit()
    sys.exit(1)


def find(css, timeout=60):
    try:
        return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
    except Exception:
        fail("no %s on screen" % css)


def retrying(action):
    """Runs action again when the page replaced the element meanwhile (it re-renders on each new step)."""
    for attempt in range(5):
        try:
            return action()
        except StaleElementReferenceException:
            time.sleep(0.2)
    fail("the page kept replacing the element")


def click(css):
    find(css)
    retrying(lambda: WebDriverWait(driver, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, css))).click())


def type_into(css, text, submit=None):
    def act():
        e = find(css)
        e.clear()
        e.send_keys(text)
    retrying(act)
    if submit:
        click(submit)


def body():
    for attempt in range(5):
        try:
            return driver.find_element(By.TAG_NAME, "body").text
        except StaleElementReferenceException:
            time.sleep(0.1)
    return ""


def text_of(css):
    return retrying(lambda: find(css).text.strip())


def expect(texts, what, timeout=20):
    """Waits until every one of texts is visible on the screen."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: all(t in body() for t in texts))
    except TimeoutException:
        fail("%s: not on screen: %s" % (what, [t for t in texts if t not in body()]))


def absent(texts, what):
    shown = [t for t in texts if t in body()]
    if shown:
        fail("%s: still on screen: %s" % (what, shown))


def no_error(what):
    if [e for e in driver.find_elements(By.CSS_SELECTOR, "#error") if e.is_displayed()]:
        fail("%s: an error banner stays on screen: %s" % (what, driver.find_element(By.CSS_SELECTOR, "#error").text))


def page_lang():
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def switch_language(to):
    click("#lang-switch")
    WebDriverWait(driver, 10).until(lambda d: page_lang() == to)


def both(name, zh, en, check=None):
    """The screen shows zh in zh-TW and en in English (the switch rewords it in place), then zh again.
    check(lang) asserts more in each language."""
    if page_lang() != "zh-TW":
        fail(name + ": the page is not in zh-TW")
    expect(zh, name + " (zh-TW)")
    if check:
        check("zh-TW")
    shot(name)
    switch_language("en")
    expect(en, name + " (English)")
    absent([t for t in zh if CJK.search(t)], name + " (English, no Chinese left)")
    if check:
        check("en")
    shot(name + "-en")
    switch_language("zh-TW")
    expect(zh, name + " (zh-TW again)")
    drain_api()


def error_both(name, zh, en):
    """An error banner: what happened and what to do, in both languages."""
    find("#error")
    both(name, zh + ["處理方式："], en + ["What to do: "])


def drain_api():
    try:
        api_log.extend(driver.execute_script("const a = window.__api || []; window.__api = []; return a;"))
    except Exception:
        pass


UI_SCHEMAS = {("POST", "/api/login"): "ui-login", ("POST", "/api/logout"): "ui-empty", ("GET", "/api/status"): "ui-status",
              ("GET", "/api/drives"): "ui-drives", ("GET", "/api/doctor"): "doctor", ("POST", "/api/jobs"): "ui-job",
              ("GET", "/api/job"): "ui-job", ("POST", "/api/answer"): "ui-empty", ("POST", "/api/cancel"): "ui-empty"}


def check_api():
    """Every API answer the page received against its schema and the text shape (identical answers once)."""
    drain_api()
    seen, problems, paths = set(), [], set()
    for item in api_log:
        path = item["path"].split("?")[0]
        schema = "ui-error" if item["status"] >= 400 else UI_SCHEMAS.get((item["method"], path)) \
            or ("ra-notices" if path.startswith("/api/notices/") else None)
        if schema is None:
            problems.append("no schema for %s %s" % (item["method"], path))
            continue
        key = (schema, item["body"])
        if key in seen:
            continue
        seen.add(key)
        paths.add("%s %s %d" % (item["method"], path, item["status"]))
        try:
            document = json.loads(item["body"])
        except ValueError:
            problems.append("%s %s: not JSON: %r" % (item["method"], path, item["body"][:200]))
            continue
        problems += check_json.problems(schema, document, "%s %s %d" % (item["method"], path, item["status"]))
    if problems:
        fail("API answers do not follow their schemas:\n" + "\n".join(problems))
    print("API answers checked against docs/schemas: %d distinct (%s)" % (len(seen), ", ".join(sorted(paths))))


def code_for(identifier):
    deadline = time.time() + 20
    while time.time() < deadline:
        files = sorted(glob.glob(os.path.join(args.outbox, "*-%s-*.txt" % identifier)))
        if files:
            m = re.search(r"code (\d{6}), identifier", open(files[-1], encoding="utf-8").read())
            if m:
                return m.group(1)
        time.sleep(0.1)
    fail("no code in the outbox for " + identifier)


WRONG_BIRTH = (["出生日期（或公司設立登記日期）與資料不符", "處理方式："],
               ["The birth date (or registration date) does not match our records", "What to do: "])


def identity(birth_first=None, read=True):
    """Agreement, birth date (optionally a wrong one first), account and channel, code; each screen read
    in both languages when read is set."""
    find("#agreement")
    if read:
        both("agreement", ["憑證約定條款，版本", "我同意", "不同意"], ["Agreement, version", "I agree", "I do not agree"],
             lambda lang: (CJK.search(text_of("#agreement")) if lang == "zh-TW" else not CJK.search(text_of("#agreement")))
             or fail("the agreement text is not in " + lang))
    click("#agree")
    find("#birth-date")
    if read:
        both("birth-date", ["身分驗證一：出生日期", "出生日期（民國 yyy/mm/dd"], ["Identity step 1: birth date", "Birth date (ROC yyy/mm/dd"])
    if birth_first:
        type_into("#birth-date", birth_first, "#birth-submit")
        expect(WRONG_BIRTH[0], "the wrong birth date's message", timeout=30)
        # The message (with what to do) stands above the birth-date question it belongs to.
        both("birth-date-wrong", WRONG_BIRTH[0] + ["身分驗證一：出生日期"], WRONG_BIRTH[1] + ["Identity step 1: birth date"])
    type_into("#birth-date", args.birth, "#birth-submit")
    find("#dest-submit")
    if read:
        both("code-destination", ["身分驗證二：一次性密碼", "證券帳號", "傳送方式", "簡訊：", "傳送一次性密碼"],
             ["Identity step 2: one-time code", "Securities account", "Send by", "SMS to", "Send the code"])
    # An earlier step's message does not stay on a later screen.
    absent(WRONG_BIRTH[0][:1], "the code-destination screen")
    click("#channel-sms")
    click("#dest-submit")
    ident = find("#code-identifier").text.strip()
    if not re.fullmatch(r"[A-Za-z]{4}", ident):
        fail("identifier not shown: %r" % ident)
    countdown = find("#countdown").text
    # With a code that lives 2 s (the expiry test) a loaded machine may show it expired already.
    if not re.search(r"\d+:\d\d", countdown) and not (args.code_wait and ("逾時" in countdown or "expired" in countdown.lower())):
        fail("no countdown: %r" % countdown)
    if find("#code-resend").is_enabled():
        fail("resend is possible at once")
    if read and not args.code_wait:
        both("one-time-code", ["已傳送至", "識別碼：", "剩餘時間：", "一次性密碼（6 位數字）", "重新傳送"],
             ["Sent to", "Identifier: ", "Time left: ", "One-time code (6 digits)", "Send again"])
    else:
        shot("one-time-code")
    # The account keeps its branch part as the manual shows it (1020-XXXXXX), and an earlier step's
    # message (the wrong birth date) is not on this screen.
    sent_to = find("#code-sent-to").text
    if not re.search(r"\d{4}-XXXXXX", sent_to) or "XXXX-XXXXXX" in body():
        fail("the account is not shown as its branch and XXXXXX: %r" % sent_to)
    absent(WRONG_BIRTH[0][:1] + WRONG_BIRTH[1][:1], "the one-time-code screen")
    code = code_for(ident)
    if args.code_wait:
        time.sleep(args.code_wait)
    type_into("#code", code, "#code-submit")
    return ident


read_secret_screen = [True]


def answer_secrets_until(done_css):
    """Types the PIN / store password whenever the page asks, until done_css shows; the first such
    screen is read in both languages."""
    deadline = time.time() + 120
    while time.time() < deadline:
        if driver.find_elements(By.CSS_SELECTOR, done_css):
            return
        pins = driver.find_elements(By.CSS_SELECTOR, "#pin")
        try:
            # A field already answered is disabled until the next question replaces it.
            if pins and pins[0].is_displayed() and pins[0].is_enabled():
                if not args.secret:
                    fail("the page asks for a secret and none was given")
                if read_secret_screen[0]:
                    read_secret_screen[0] = False
                    if args.scenario == "token":
                        both("pin", ["的 PIN 碼", "PIN 碼", "確定", "取消"], ["PIN for token", "PIN", "OK", "Cancel"])
                    else:
                        both("store-password", ["密碼", "確定", "取消"], ["Password", "OK", "Cancel"])
                    pins = driver.find_elements(By.CSS_SELECTOR, "#pin")
                shot("pin")
                # Typed and sent with Enter on this very field, so a screen that changes meanwhile is not answered blindly.
                pins[0].send_keys(args.secret + Keys.ENTER)
                time.sleep(0.3)
        except StaleElementReferenceException:
            # The page moved on to the next question (a new passphrase is asked twice) meanwhile: look again.
            continue
        if driver.find_elements(By.CSS_SELECTOR, "#progress"):
            if shot_no[0] < 60:
                shot("progress")
        if driver.find_elements(By.CSS_SELECTOR, "#error"):
            fail("error shown: " + driver.find_element(By.CSS_SELECTOR, "#error").text)
        time.sleep(0.2)
    fail("did not reach " + done_css)


def serials():
    client = [e.text.strip().upper() for e in driver.find_elements(By.CSS_SELECTOR, "#client-table td.serial")]
    host = [e.text.strip().upper() for e in driver.find_elements(By.CSS_SELECTOR, "#host-table td.serial")]
    return client, host


CLIENT_HEAD = (["用戶端憑證（本機）", "憑證序號", "生效日", "到期日", "金鑰位置", "PIN 剩餘次數"],
               ["Client-side certificate (this computer)", "Serial", "Valid from", "Valid until", "Where the key lives", "PIN tries left"])
HOST_HEAD = (["主機端憑證（券商）", "狀態", "可展期日", "本年度剩餘線上廢止次數："],
             ["Host-side certificate (broker)", "State", "Renewal opens", "Online revocations left this year: "])
MENU = (["1 憑證查詢/申請", "5 環境檢測", "9 登出"], ["1 Status and apply", "5 Environment check", "9 Log out"])
VERDICT = (["判定：", "下一步："], ["Verdict: ", "Next step: "])


def verdict_in(lang):
    for css in ("#verdict-label", "#next-step"):
        t = text_of(css)
        if not t or (lang == "en") == bool(CJK.search(t)):
            fail("%s is not in %s: %r" % (css, lang, t))
        if "tokencert" in t or "--" in t:
            fail("%s tells a customer in the window to run a command: %r" % (css, t))


def status_both(name, zh=(), en=()):
    both(name, MENU[0] + CLIENT_HEAD[0] + HOST_HEAD[0] + VERDICT[0] + list(zh),
         MENU[1] + CLIENT_HEAD[1] + HOST_HEAD[1] + VERDICT[1] + list(en), verdict_in)


def where_label():
    return (["軟體憑證"], ["software"]) if args.scenario in ("software", "import") else (["載具「"], ['token "'])


driver.get(args.url)
find("#login-id")
both("login", ["登入", "身分證字號／統一編號", "電子交易密碼"], ["Log in", "National ID / unified business number", "E-trading password"])
if args.scenario == "software":
    # A malformed ID (the page's own check), then a wrong password (the RA's refusal): each says what to do.
    type_into("#login-id", "A12345")
    type_into("#login-password", password)
    click("#login-submit")
    error_both("login-bad-id", ["身分證字號或統一編號格式不正確。"], ["Not a valid national ID or unified business number."])
    type_into("#login-id", args.id)
    type_into("#login-password", "not-the-password-1")
    click("#login-submit")
    error_both("login-refused", ["身分證字號（統一編號）或電子交易密碼錯誤。"], ["The ID number or the e-trading password is wrong."])
type_into("#login-id", args.id)
type_into("#login-password", password)
click("#login-submit")
find("#client-table")
no_error("the status screen after logging in")
status_both("status-empty", ["尚無憑證"], ["No certificate"])
if args.scenario == "import":
    click("#menu-2")
    find("#import-file")
    both("import", ["匯入憑證備份", "備份檔（.pfx）", "備份密碼", "匯入"], ["Import a certificate backup", "Backup file (.pfx)", "Backup password", "Import"])
    find("#import-file").send_keys(args.pfx)
    type_into("#import-password", backup_password)
    click("#import-submit")
    answer_secrets_until("#result")
    find("#client-table")
    client, host = serials()
    if not client or client[0] not in host:
        fail("tables differ after import: client %s host %s" % (client, host))
    serial = client[0]
    where = where_label()
    status_both("status-imported", ["完成：" + serial, "有效"] + where[0], ["Done: " + serial, "Active"] + where[1])
    print("imported", serial)
elif driver.find_elements(By.CSS_SELECTOR, "#btn-pin"):
    # A token: its PIN is typed in the page before the keys can be read.
    both("status-pin-needed", ["需要 PIN 碼才能讀取載具", "輸入 PIN 碼"], ["The token needs its PIN", "Enter the PIN"])
    click("#btn-pin")
    answer_secrets_until("#btn-apply")
    shot("status-pin-entered")
if args.scenario != "import":
    both("status-apply", ["申請憑證"], ["Apply"])
    click("#btn-apply")

if args.scenario == "expired":
    identity(read=False)
    # The RA's refusal, shown above the code screen (not the page's own countdown text).
    both("code-expired", ["一次性驗證碼已逾時失效。", "處理方式："], ["The one-time code has expired.", "What to do: "])
    print("expired code message shown")
    check_api()
    driver.quit()
    sys.exit(0)

if args.scenario != "import":
    identity(birth_first="50/1/1" if args.scenario == "software" else None, read=args.scenario == "software" or args.scenario == "token")
    answer_secrets_until("#result")
    find("#client-table")
    client, host = serials()
    if not client or client[0] not in host:
        fail("tables differ: client %s host %s" % (client, host))
    serial = client[0]
    where = where_label()
    status_both("status-applied", ["完成：" + serial, "有效"] + where[0], ["Done: " + serial, "Active"] + where[1])
    no_error("the status screen after applying")
    print("applied", serial)

# 8 sign-and-verify test
click("#menu-8")
both("sign-test-start", ["下單簽驗章測試", "開始測試"], ["Order sign-and-verify test", "Run the test"])
click("#signtest-run")
answer_secrets_until("#signtest-verdict")
if find("#signtest-serial").text.strip().upper() != serial:
    fail("sign test serial differs")
both("sign-test", ["下單簽驗章測試", "測試通過", "本機驗章", "主機驗章", "驗章成功"],
     ["Order sign-and-verify test", "Test passed", "Local check", "Host check", "Signature verified"])

# 3 backup
if args.scenario == "token":
    click("#menu-3")
    # Token keys cannot be exported: the screen says why and what to do instead of a form.
    find("#error")
    error_both("backup-refused", ["匯出憑證備份"], ["Export a certificate backup"])
elif args.scenario == "software":
    click("#menu-3")
    find("#backup-file-name")
    name = find("#backup-file-name").text
    if not re.fullmatch(r"%s-[A-Z0-9]+\(\d{4}-\d\d-\d\d\)\.pfx" % args.id, name):
        fail("backup file name not preset by the rule: " + name)
    both("backup-form", ["匯出憑證備份", "備份檔名", "備份密碼（4–12 位英數字", "再輸入一次備份密碼", "顯示密碼", "存放位置（卸除式磁碟）", "匯出", "重新整理"],
         ["Export a certificate backup", "Backup file name", "Backup password (4–12 letters or digits", "Type the backup password again", "Show password",
          "Save to (removable drive)", "Export", "Refresh"])
    type_into("#backup-password", backup_password)
    type_into("#backup-password2", backup_password + "x")
    click("#show-password")
    if find("#backup-password").get_attribute("type") != "text":
        fail("show password does not show it")
    click("#backup-submit")
    error_both("backup-mismatch", ["兩次輸入的密碼不同。", "請在兩個欄位輸入相同的備份密碼。"],
               ["The two passwords differ.", "Type the same backup password in both fields."])
    # What was typed stays through the language switch.
    if find("#backup-password").get_attribute("value") != backup_password:
        fail("the language switch lost what was typed")
    type_into("#backup-password2", backup_password)
    # Both fields agree now: the mismatch banner is gone before anything is sent.
    absent(["兩次輸入的密碼不同。", "The two passwords differ."], "the backup form once both passwords match")
    no_error("the backup form once both passwords match")
    click("#backup-submit")
    # The birth date is asked to check the password against it.
    type_into("#birth-date", args.birth, "#birth-submit")
    answer_secrets_until("#result")
    if ".pfx" not in find("#result").text:
        fail("no backup file named")
    both("backup-done", ["完成：", ".pfx"], ["Done: ", ".pfx"])
    no_error("the status screen after the backup")
    absent(["兩次輸入的密碼不同。"], "the status screen after the backup")

    # 6 announcements, 7 FAQ
    for menu, kind, zh, en in (("#menu-6", "announcements", "公告", "Announcements"), ("#menu-7", "faq", "常見問題", "FAQ")):
        click(menu)
        find("#%s .card" % kind)

        def cards(lang, kind=kind):
            texts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#%s .card" % kind)]
            if not texts or any((lang == "zh-TW") != bool(CJK.search(t)) for t in texts):
                fail("%s: cards not in %s: %s" % (kind, lang, texts))
        both(kind, [zh], [en], cards)

    # 5 environment check: pcscd is not reachable (a failure) and TokenCert's udev rules are not installed (a warning).
    click("#menu-5")
    both("doctor-start", ["環境檢測", "開始檢測"], ["Environment check", "Run the check"])
    click("#doctor-run")
    find("#doctor-table", timeout=180)
    seen = {}

    def doctor_rows(lang):
        rows = driver.find_elements(By.CSS_SELECTOR, "#doctor-table tr.check-pass, #doctor-table tr.check-warn, #doctor-table tr.check-fail, #doctor-table tr.check-skip")
        if len(rows) < 13:
            fail("the environment check lists %d checks" % len(rows))
        words = {"zh-TW": {"pass": "正常", "warn": "注意", "fail": "失敗", "skip": "略過"},
                 "en": {"pass": "OK", "warn": "Warning", "fail": "Failed", "skip": "Skipped"}}[lang]
        for row in rows:
            status = row.get_attribute("class").replace("check-", "")
            cells = {c: row.find_element(By.CSS_SELECTOR, "td." + c).text.strip() for c in ("status", "title", "summary", "remedy")}
            where = "%s row %s (%s)" % (lang, row.get_attribute("id"), cells)
            if cells["status"] != words[status]:
                fail(where + ": status not in words")
            if not cells["title"] or re.fullmatch(r"[a-z0-9-]+", cells["title"]):
                fail(where + ": no title in words")
            if not cells["summary"]:
                fail(where + ": nothing said")
            if status in ("warn", "fail") and not cells["remedy"]:
                fail(where + ": a warning or failure without what to do")
            for c in ("title", "summary", "remedy"):
                if lang == "en" and CJK.search(cells[c]):
                    fail(where + ": Chinese in the English " + c)
            if lang == "zh-TW" and not (CJK.search(cells["title"]) and CJK.search(cells["summary"])):
                fail(where + ": not in Chinese")
            seen[(lang, row.get_attribute("id"))] = (status, cells)
        statuses = {s for (l, _), (s, _) in seen.items() if l == lang}
        if not {"warn", "fail"} <= statuses:
            fail("the environment check should show a warning and a failure here: %s" % statuses)
    both("doctor", ["環境檢測", "重新檢測", "檢測項目", "檢測結果", "處理方式", "智慧卡服務（pcscd）", "失敗", "注意", "裝置規則（udev）與模組設定檔",
                    "USB 裝置", "有問題需要處理"],
         ["Environment check", "Check again", "Check", "What was found", "What to do", "Smart-card service (pcscd)", "Failed", "Warning",
          "Device rules (udev) and module files", "USB devices", "Something is broken"], doctor_rows)
    pcscd_zh, pcscd_en = seen[("zh-TW", "doctor-pcscd")], seen[("en", "doctor-pcscd")]
    if pcscd_zh[0] != "fail" or "systemctl start pcscd" not in pcscd_zh[1]["remedy"] or "智慧卡服務" not in pcscd_zh[1]["remedy"]:
        fail("pcscd unreachable is not a failure with its remedy: %s" % (pcscd_zh,))
    if "Start the smart-card service" not in pcscd_en[1]["remedy"] and "Install and start" not in pcscd_en[1]["remedy"]:
        fail("pcscd's English remedy: %s" % (pcscd_en,))
    udev_zh, udev_en = seen[("zh-TW", "doctor-udev-rules")], seen[("en", "doctor-udev-rules")]
    if udev_zh[0] != "warn" or "tokencert drivers install" not in udev_zh[1]["remedy"] or "請安裝" not in udev_zh[1]["remedy"]:
        fail("missing udev rules are not a warning with their remedy: %s" % (udev_zh,))
    if "Install them" not in udev_en[1]["remedy"]:
        fail("udev rules' English remedy: %s" % (udev_en,))

if args.scenario == "software":
    # The certificate stays: the import scenario restores its backup on a second computer and revokes it there.
    click("#menu-9")
    find("#login-id")
    both("logged-out", ["已登出。", "登入"], ["Logged out.", "Log in"])
    check_api()
    print("scenario software passed")
    driver.quit()
    sys.exit(0)

# 4 revoke: the screen says how many online revocations are left this year (2 for a new customer).
click("#menu-4")
if find("#revoke-left").text.strip() != "2":
    fail("revocations left not shown: %r" % find("#revoke-left").text)
both("revoke", ["憑證廢止", "本年度剩餘線上廢止次數：2", "廢止原因", "金鑰洩漏或遺失", "廢止憑證"],
     ["Revoke the certificate", "Online revocations left this year: 2", "Reason", "Key compromise (lost or exposed)", "Revoke"])
Select(find("#revoke-reason")).select_by_value("keyCompromise")
click("#revoke-submit")
find("#confirm-yes")
both("revoke-confirm", ["確定廢止憑證 ", "（金鑰洩漏或遺失）？廢止後無法復原。", "是", "否"],
     ["Revoke certificate ", "(Key Compromise)? This cannot be undone.", "Yes", "No"])
click("#confirm-yes")
identity(read=False)
answer_secrets_until("#result")
WebDriverWait(driver, 30).until(lambda d: "已廢止" in body())
status_both("revoked", ["已廢止：" + serial + "（金鑰洩漏或遺失）", "本年度剩餘線上廢止次數：1", "已廢止（金鑰洩漏或遺失）"],
            ["Revoked: " + serial + " (Key Compromise)", "Online revocations left this year: 1", "Revoked (Key Compromise)"])
if find("#revocations-left").text.strip() != "1":
    fail("the status screen's yearly count after revoking: %r" % find("#revocations-left").text)
click("#menu-4")
both("revoke-after", ["本年度剩餘線上廢止次數：1"], ["Online revocations left this year: 1"])

# 9 log out
click("#menu-9")
find("#login-id")
both("logged-out", ["已登出。", "登入"], ["Logged out.", "Log in"])
check_api()
print("scenario %s passed" % args.scenario)
driver.quit()
