#!/usr/bin/env python3
"""Drives `tokencert ui` in headless Chromium (Debian's chromium + chromium-driver, selenium from
Debian) through the customer's screens, like a person at the keyboard and mouse. Called by
Tests/TokenCertCLITests/UITests.swift with a live RA; exits non-zero (with the reason) when a
screen does not show what it must. Screenshots of every screen go to --artefacts.

Scenarios:
  token     log in, apply (PIN typed in the page), both tables show the same serial, sign-and-verify
            test, backup refused with its remedy (token keys stay on the token), revoke
  software  log in, apply with one wrong birth date first (its message shown), both tables, sign test,
            backup to the removable drive, announcements, FAQ, environment check, English switch,
            revoke, log out
  expired   log in, apply, let the code expire, type it: the expiry message is shown
  import    on a second "computer": log in, import the backup the software scenario wrote (file and
            password), both tables show its serial, sign test, revoke, log out
"""
import argparse, glob, os, re, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

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


def shot(name):
    shot_no[0] += 1
    driver.save_screenshot(os.path.join(args.artefacts, "%02d-%s.png" % (shot_no[0], name)))


def fail(why):
    shot("failure")
    print("UI TEST FAILED: " + why, file=sys.stderr)
    print(driver.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
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


def body():
    return driver.find_element(By.TAG_NAME, "body").text


def identity(birth_first=None):
    """Agreement, birth date (optionally a wrong one first), account and channel, code."""
    find("#agreement")
    shot("agreement")
    click("#agree")
    if birth_first:
        type_into("#birth-date", birth_first, "#birth-submit")
        WebDriverWait(driver, 30).until(lambda d: "出生日期" in body() and ("錯誤" in body() or "不符" in body()))
        shot("birth-date-wrong")
    find("#birth-date")
    shot("birth-date")
    type_into("#birth-date", args.birth, "#birth-submit")
    find("#dest-submit")
    shot("code-destination")
    click("#channel-sms")
    click("#dest-submit")
    ident = find("#code-identifier").text.strip()
    if not re.fullmatch(r"[A-Za-z]{4}", ident):
        fail("identifier not shown: %r" % ident)
    countdown = find("#countdown").text
    # With a code that lives 2 s (the expiry test) a loaded machine may show it expired already.
    if not re.search(r"\d+:\d\d", countdown) and not (args.code_wait and ("逾時" in countdown or "expired" in countdown)):
        fail("no countdown: %r" % countdown)
    if find("#code-resend").is_enabled():
        fail("resend is possible at once")
    shot("one-time-code")
    code = code_for(ident)
    if args.code_wait:
        time.sleep(args.code_wait)
    type_into("#code", code, "#code-submit")
    return ident


def answer_secrets_until(done_css):
    """Types the PIN / store password whenever the page asks, until done_css shows."""
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
                shot("pin")
                # Typed and sent with Enter on this very field, so a screen that changes meanwhile is not answered blindly.
                pins[0].send_keys(args.secret + Keys.ENTER)
                time.sleep(0.3)
        except StaleElementReferenceException:
            # The page moved on to the next question (a new passphrase is asked twice) meanwhile: look again.
            continue
        if driver.find_elements(By.CSS_SELECTOR, "#progress"):
            shot_name = "progress"
            if shot_no[0] < 40:
                shot(shot_name)
        if driver.find_elements(By.CSS_SELECTOR, "#error"):
            fail("error shown: " + driver.find_element(By.CSS_SELECTOR, "#error").text)
        time.sleep(0.2)
    fail("did not reach " + done_css)


def serials():
    client = [e.text.strip().upper() for e in driver.find_elements(By.CSS_SELECTOR, "#client-table td.serial")]
    host = [e.text.strip().upper() for e in driver.find_elements(By.CSS_SELECTOR, "#host-table td.serial")]
    return client, host


driver.get(args.url)
find("#login-id")
shot("login")
type_into("#login-id", args.id)
type_into("#login-password", password)
click("#login-submit")
find("#client-table")
shot("status-empty")
if args.scenario == "import":
    click("#menu-2")
    find("#import-file").send_keys(args.pfx)
    type_into("#import-password", backup_password)
    shot("import")
    click("#import-submit")
    answer_secrets_until("#result")
    find("#client-table")
    shot("status-imported")
    client, host = serials()
    if not client or client[0] not in host:
        fail("tables differ after import: client %s host %s" % (client, host))
    serial = client[0]
    print("imported", serial)
elif driver.find_elements(By.CSS_SELECTOR, "#btn-pin"):
    # A token: its PIN is typed in the page before the keys can be read.
    click("#btn-pin")
    answer_secrets_until("#btn-apply")
    shot("status-pin-entered")
if args.scenario != "import":
    click("#btn-apply")

if args.scenario == "expired":
    identity()
    # The RA's refusal, shown above the code screen (not the page's own countdown text).
    WebDriverWait(driver, 30).until(lambda d: "一次性驗證碼已逾時失效" in body())
    shot("code-expired")
    print("expired code message shown")
    driver.quit()
    sys.exit(0)

if args.scenario != "import":
    identity(birth_first="50/1/1" if args.scenario == "software" else None)
    answer_secrets_until("#result")
    find("#client-table")
    shot("status-applied")
    client, host = serials()
    if not client or client[0] not in host:
        fail("tables differ: client %s host %s" % (client, host))
    serial = client[0]
    print("applied", serial)

# 8 sign-and-verify test
click("#menu-8")
click("#signtest-run")
answer_secrets_until("#signtest-verdict")
if find("#signtest-serial").text.strip().upper() != serial:
    fail("sign test serial differs")
if "通過" not in find("#signtest-verdict").text:
    fail("sign test did not pass: " + body())
shot("sign-test")

# 3 backup
if args.scenario != "import":
    click("#menu-3")
if args.scenario == "import":
    pass
elif args.scenario == "token":
    # Token keys cannot be exported: the screen says why and what to do instead of a form.
    err = find("#error")
    if "處理方式" not in err.text:
        fail("the refusal has no remedy: " + err.text)
    shot("backup-refused")
else:
    find("#backup-file-name")
    name = find("#backup-file-name").text
    if not re.fullmatch(r"%s-[A-Z0-9]+\(\d{4}-\d\d-\d\d\)\.pfx" % args.id, name):
        fail("backup file name not preset by the rule: " + name)
    type_into("#backup-password", backup_password)
    type_into("#backup-password2", backup_password + "x")
    click("#show-password")
    if find("#backup-password").get_attribute("type") != "text":
        fail("show password does not show it")
    click("#backup-submit")
    find("#error")
    shot("backup-mismatch")
    type_into("#backup-password2", backup_password)
    shot("backup-form")
    click("#backup-submit")
    # The birth date is asked to check the password against it.
    type_into("#birth-date", args.birth, "#birth-submit")
    answer_secrets_until("#result")
    shot("backup-done")
    if ".pfx" not in find("#result").text:
        fail("no backup file named")

    # 6 announcements, 7 FAQ, 5 environment check, English
    click("#menu-6")
    find("#announcements .card")
    shot("announcements")
    click("#menu-7")
    find("#faq .card")
    shot("faq")
    click("#menu-5")
    click("#doctor-run")
    find("#doctor-table", timeout=120)
    shot("doctor")
    click("#lang-switch")
    WebDriverWait(driver, 10).until(lambda d: "Environment check" in body())
    shot("english")
    click("#lang-switch")

if args.scenario == "software":
    # The certificate stays: the import scenario restores its backup on a second computer and revokes it there.
    click("#menu-9")
    find("#login-id")
    shot("logged-out")
    print("scenario software passed")
    driver.quit()
    sys.exit(0)

# 4 revoke
click("#menu-4")
left = find("#revoke-left").text.strip()
if left not in ("1", "2"):
    fail("revocations left not shown: %r" % left)
shot("revoke")
Select(find("#revoke-reason")).select_by_value("keyCompromise")
click("#revoke-submit")
find("#confirm-yes")
shot("revoke-confirm")
click("#confirm-yes")
identity()
answer_secrets_until("#result")
shot("revoked")
WebDriverWait(driver, 30).until(lambda d: "已廢止" in body())

# 9 log out
click("#menu-9")
find("#login-id")
shot("logged-out")
print("scenario %s passed" % args.scenario)
driver.quit()
