/// The customer's window: one HTML document with its style and script inline (no CDN, no fonts from
/// the network). `{{KEY}}` is the launch secret the script sends as `X-TokenCert-Key`; `{{STORE}}`
/// says where keys live (token or software).
enum UIPage {
    static let html = #"""
<!doctype html>
<html lang="zh-TW">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tokencert-key" content="{{KEY}}">
<meta name="tokencert-store" content="{{STORE}}">
<title>TokenCert 憑證管理</title>
<style>
  :root { --fg:#1b1f23; --muted:#586069; --accent:#0b5cad; --bad:#b00020; --ok:#16794c; --bg:#f6f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font: 16px/1.5 "Noto Sans CJK TC","Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif; color:var(--fg); background:var(--bg); }
  header { display:flex; align-items:center; justify-content:space-between; padding:.6rem 1rem; background:var(--accent); color:#fff; }
  header h1 { font-size:1.15rem; margin:0; }
  header button { background:#fff; color:var(--accent); }
  .layout { display:flex; min-height:calc(100vh - 3rem); }
  nav { width:14rem; padding:.8rem; background:#fff; border-right:1px solid #d0d7de; }
  nav button { display:block; width:100%; text-align:left; margin:.2rem 0; background:none; color:var(--fg); border:1px solid transparent; }
  nav button[aria-current="page"] { border-color:var(--accent); font-weight:bold; }
  main { flex:1; padding:1rem 1.5rem; max-width:60rem; }
  button { font:inherit; padding:.4rem .9rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
  button.secondary { background:#fff; color:var(--accent); }
  button:disabled { opacity:.5; cursor:not-allowed; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline:3px solid #f9a825; outline-offset:2px; }
  input, select { font:inherit; padding:.35rem .5rem; border:1px solid #8c959f; border-radius:4px; min-width:16rem; }
  label { display:block; margin:.6rem 0 .2rem; }
  table { border-collapse:collapse; width:100%; background:#fff; margin:.4rem 0 1rem; }
  th, td { border:1px solid #d0d7de; padding:.35rem .5rem; text-align:left; font-size:.95rem; }
  th { background:#eaeef2; }
  td.status { white-space:nowrap; }
  .agreement { white-space:pre-wrap; background:#fff; border:1px solid #d0d7de; padding:1rem; max-height:22rem; overflow:auto; }
  .error { color:var(--bad); border-left:4px solid var(--bad); padding:.4rem .8rem; background:#fff; margin:.6rem 0; }
  .ok { color:var(--ok); border-left:4px solid var(--ok); padding:.4rem .8rem; background:#fff; margin:.6rem 0; }
  .muted { color:var(--muted); }
  .identifier { font-size:1.6rem; font-weight:bold; letter-spacing:.2rem; }
  .bar { height:1rem; background:#d0d7de; border-radius:4px; overflow:hidden; width:24rem; max-width:100%; }
  .bar > div { height:100%; background:var(--accent); width:0; transition:width .3s; }
  .row { display:flex; gap:.6rem; align-items:center; flex-wrap:wrap; margin-top:.8rem; }
  .card { background:#fff; border:1px solid #d0d7de; border-radius:6px; padding:.8rem 1rem; margin:.6rem 0; }
</style>
</head>
<body>
<header>
  <h1 id="title">TokenCert</h1>
  <div class="row" style="margin:0">
    <span id="who" class="muted" style="color:#fff"></span>
    <button id="lang-switch" type="button" aria-label="Language">English</button>
  </div>
</header>
<div class="layout">
  <nav id="menu" aria-label="menu" hidden></nav>
  <main id="main" tabindex="-1" aria-live="polite"></main>
</div>
<script>
"use strict";
const KEY = document.querySelector('meta[name="tokencert-key"]').content;
const STORE = document.querySelector('meta[name="tokencert-store"]').content;
let lang = "zh-TW";
let current = "login";
let poller = null, countdown = null;
let loggedIn = null;

const T = {
  "title": ["TokenCert 憑證管理", "TokenCert certificates"],
  "m1": ["1 憑證查詢/申請", "1 Status and apply"], "m2": ["2 憑證匯入", "2 Import"], "m3": ["3 匯出備份", "3 Export backup"],
  "m4": ["4 憑證廢止", "4 Revoke"], "m5": ["5 環境檢測", "5 Environment check"], "m6": ["6 公告", "6 Announcements"],
  "m7": ["7 常見問題", "7 FAQ"], "m8": ["8 簽驗章測試", "8 Sign-and-verify test"], "m9": ["9 登出", "9 Log out"],
  "login": ["登入", "Log in"], "id": ["身分證字號／統一編號", "National ID / unified business number"],
  "password": ["電子交易密碼", "E-trading password"], "client": ["用戶端憑證（本機）", "Client-side certificate (this computer)"],
  "host": ["主機端憑證（券商）", "Host-side certificate (broker)"], "serial": ["憑證序號", "Serial"], "from": ["生效日", "Valid from"],
  "until": ["到期日", "Valid until"], "where": ["金鑰位置", "Where the key lives"], "state": ["狀態", "State"],
  "renewOpens": ["可展期日", "Renewal opens"], "tries": ["PIN 剩餘次數", "PIN tries left"], "revokedDone": ["已廢止", "Revoked"], "none": ["尚無憑證", "No certificate"],
  "apply": ["申請憑證", "Apply"], "renew": ["憑證展期", "Renew"], "verdict": ["判定", "Verdict"], "next": ["下一步", "Next step"],
  "left": ["本年度剩餘線上廢止次數", "Online revocations left this year"], "agree": ["我同意", "I agree"], "disagree": ["不同意", "I do not agree"],
  "birth": ["出生日期（民國 yyy/mm/dd，例如 44/2/1）", "Birth date (ROC yyy/mm/dd, e.g. 44/2/1, or yyyy-mm-dd)"],
  "birthCorp": ["公司設立登記日期（民國 yyy/mm/dd）", "Company registration date (ROC yyy/mm/dd)"],
  "step1": ["身分驗證一：出生日期", "Identity step 1: birth date"], "step2": ["身分驗證二：一次性密碼", "Identity step 2: one-time code"],
  "account": ["證券帳號", "Securities account"], "channel": ["傳送方式", "Send by"], "send": ["傳送一次性密碼", "Send the code"],
  "identifier": ["識別碼", "Identifier"], "code": ["一次性密碼（6 位數字）", "One-time code (6 digits)"], "resend": ["重新傳送", "Send again"],
  "timeLeft": ["剩餘時間", "Time left"], "expired": ["已逾時，請重新傳送", "Expired — send a new code"], "submit": ["確定", "OK"],
  "cancel": ["取消", "Cancel"], "enterPin": ["輸入 PIN 碼", "Enter the PIN"], "secretLabel": ["密碼", "Password"], "pin": ["PIN 碼", "PIN"], "yes": ["是", "Yes"], "no": ["否", "No"],
  "working": ["處理中…", "Working…"], "done": ["完成", "Done"], "failed": ["未完成", "Not done"], "remedy": ["處理方式", "What to do"],
  "backupTitle": ["匯出憑證備份", "Export a certificate backup"], "fileName": ["備份檔名", "Backup file name"],
  "bpw": ["備份密碼（4–12 位英數字，不可含身分證字號或生日）", "Backup password (4–12 letters or digits, not your ID or birth date)"],
  "bpw2": ["再輸入一次備份密碼", "Type the backup password again"], "show": ["顯示密碼", "Show password"],
  "drive": ["存放位置（卸除式磁碟）", "Save to (removable drive)"], "noDrive": ["找不到隨身碟：請插入隨身碟後按「重新整理」。", "No USB drive found: insert one, then Refresh."],
  "refresh": ["重新整理", "Refresh"], "export": ["匯出", "Export"], "mismatch": ["兩次輸入的密碼不同。", "The two passwords differ."],
  "mismatchRemedy": ["請在兩個欄位輸入相同的備份密碼。", "Type the same backup password in both fields."],
  "importTitle": ["匯入憑證備份", "Import a certificate backup"], "file": ["備份檔（.pfx）", "Backup file (.pfx)"],
  "import": ["匯入", "Import"], "revokeTitle": ["憑證廢止", "Revoke the certificate"], "reason": ["廢止原因", "Reason"],
  "revoke": ["廢止憑證", "Revoke"], "doctorTitle": ["環境檢測", "Environment check"], "check": ["開始檢測", "Run the check"], "checkAgain": ["重新檢測", "Check again"],
  "checkItem": ["檢測項目", "Check"], "found": ["檢測結果", "What was found"],
  "overall-pass": ["所有檢測項目皆正常。", "Everything checked is fine."],
  "overall-skip": ["所有檢測項目皆正常。", "Everything checked is fine."],
  "overall-warn": ["可以使用，但請依「處理方式」處理標示「注意」的項目。", "Usable: see “What to do” for the items marked Warning."],
  "overall-fail": ["有問題需要處理：請依「處理方式」處理標示「失敗」的項目。", "Something is broken: see “What to do” for the items marked Failed."],
  "signTitle": ["下單簽驗章測試", "Order sign-and-verify test"], "signRun": ["開始測試", "Run the test"],
  "local": ["本機驗章", "Local check"], "hostCheck": ["主機驗章", "Host check"], "passed": ["測試通過", "Test passed"],
  "notPassed": ["測試未通過", "Test failed"], "loggedOut": ["已登出。", "Logged out."], "tokenHint": ["金鑰存放於載具", "Keys live on the token"],
  "softHint": ["金鑰存放於本機（軟體憑證）", "Keys live on this computer (software certificate)"],
  "tpmHint": ["金鑰存放於本機 TPM 2.0：無法複製出這台電腦，也因此無法備份", "Keys live in this computer's TPM 2.0: they cannot be copied off this computer, so they cannot be backed up"],
  "pass": ["正常", "OK"], "warn": ["注意", "Warning"], "fail": ["失敗", "Failed"], "skip": ["略過", "Skipped"],
};
const CLIENT_STATES = { empty:["尚無憑證","No certificate"], "token-missing":["找不到載具或晶片卡","Token or card not found"],
  "pin-needed":["需要 PIN 碼才能讀取載具","The token needs its PIN"], "pin-locked":["PIN 碼已鎖定","The PIN is blocked"] };
const STATES = { pending:["待確認","Pending"], active:["有效","Active"], revoked:["已廢止","Revoked"], superseded:["已展期汰換","Superseded"], expired:["已過期","Expired"] };
const REASONS = [["keyCompromise","金鑰洩漏或遺失","Key compromise (lost or exposed)"],["affiliationChanged","身分資料變更","Affiliation changed"],
                 ["superseded","已由新憑證取代","Superseded"],["cessationOfOperation","停止使用","Cessation of operation"]];

function t(k) { const v = T[k]; return v ? (lang === "en" ? v[1] : v[0]) : k; }
function L(obj) { if (!obj) return ""; return lang === "en" ? (obj.en || "") : (obj["zh-TW"] || obj.en || ""); }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    // A text given as a function is worded again in the other language when the switch is pressed.
    if (k === "text" && typeof v === "function") { e.__text = v; e.setAttribute("data-tr", ""); e.textContent = v(); }
    else if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, ""); else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid != null) e.append(kid);
  return e;
}
// The language switch rewords what is on the screen in place: typed values, errors and results stay.
function relabel() { document.querySelectorAll("[data-tr]").forEach(e => { e.textContent = e.__text(); }); }
function tr(f, attrs) { return el("span", Object.assign({ text: f }, attrs || {})); }
function colon() { return lang === "en" ? ": " : "："; }
function paren(s) { return lang === "en" ? " (" + s + ")" : "（" + s + "）"; }
function taipei(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  return new Intl.DateTimeFormat("sv-SE", { timeZone:"Asia/Taipei", year:"numeric", month:"2-digit", day:"2-digit",
    hour:"2-digit", minute:"2-digit", second:"2-digit", hour12:false }).format(d);
}
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { "X-TokenCert-Key": KEY, "Content-Type": "application/json" },
                                body: body ? JSON.stringify(body) : undefined, cache: "no-store", credentials: "same-origin" });
  let data = {};
  try { data = await r.json(); } catch (_) {}
  if (!r.ok) { const e = new Error(L(data.summary) || r.statusText); e.data = data; throw e; }
  return data;
}
function main() { return document.getElementById("main"); }
function show(...nodes) {
  stopTimers();
  const m = main(); m.replaceChildren(...nodes.filter(Boolean));
  const first = m.querySelector("input:not([type=hidden]):not([disabled]), select, textarea, button:not([disabled])");
  if (first) first.focus(); else m.focus();
}
function stopTimers() { if (countdown) { clearInterval(countdown); countdown = null; } }
function errorBox(e) {
  const d = e && e.data ? e.data : e;
  const box = el("div", { class:"error", role:"alert", id:"error" }, el("div", { class:"summary", text: () => d && d.summary ? L(d.summary) : String(e && e.message || e)}));
  if (d && d.remedy) box.append(el("div", { class:"remedy", text: () => t("remedy") + colon() + L(d.remedy)}));
  return box;
}

function renderMenu() {
  const nav = document.getElementById("menu");
  nav.hidden = !loggedIn;
  const items = [["status","m1"],["import","m2"],["backup","m3"],["revoke","m4"],["doctor","m5"],["announcements","m6"],["faq","m7"],["signTest","m8"],["logout","m9"]];
  nav.replaceChildren(...items.map(([id, k], i) => el("button", { type:"button", id:"menu-" + (i + 1), accesskey: String(i + 1),
    "aria-current": current === id ? "page" : false, text: () => t(k), onclick: () => go(id) })));
  document.getElementById("title").textContent = t("title");
  document.getElementById("lang-switch").textContent = lang === "en" ? "中文" : "English";
  document.getElementById("who").textContent = loggedIn || "";
  document.documentElement.lang = lang === "en" ? "en" : "zh-TW";
}
function go(screen) {
  current = screen; renderMenu();
  ({ login:loginScreen, status:statusScreen, import:importScreen, backup:backupScreen, revoke:revokeScreen, doctor:doctorScreen,
     announcements:() => noticesScreen("announcements"), faq:() => noticesScreen("faq"), signTest:signTestScreen, logout:logout })[screen]();
}

// 登入
function loginScreen(err) {
  loggedIn = null; renderMenu();
  const id = el("input", { id:"login-id", autocomplete:"username", required:true });
  const pw = el("input", { id:"login-password", type:"password", autocomplete:"current-password", required:true });
  const form = el("form", { onsubmit: async (ev) => { ev.preventDefault();
      try { const r = await api("POST", "/api/login", { id: id.value, password: pw.value }); pw.value = ""; loggedIn = r.customer; go("status"); }
      catch (e) { pw.value = ""; loginScreen(e); } } },
    el("h2", { text: () => t("login")}), el("p", { class:"muted", text: () => STORE === "token" ? t("tokenHint") : STORE === "tpm" ? t("tpmHint") : t("softHint")}),
    el("label", { for:"login-id", text: () => t("id")}), id, el("label", { for:"login-password", text: () => t("password")}), pw,
    el("div", { class:"row" }, el("button", { id:"login-submit", type:"submit", text: () => t("login")})));
  show(err ? errorBox(err) : null, form);
}
async function logout() {
  try { await api("POST", "/api/logout"); } catch (_) {}
  loggedIn = null; current = "login"; loginScreen(); main().prepend(el("div", { class:"ok", text: () => t("loggedOut")}));
}

// 1 查詢/申請：用戶端與主機端憑證
async function statusScreen(note) {
  let s;
  try { s = await api("GET", "/api/status"); } catch (e) { return show(errorBox(e)); }
  const st = s.status, c = st.client, cert = c.certificate;
  const client = el("table", { id:"client-table" }, el("tr", {}, ...["serial","from","until","where","tries"].map(k => el("th", { text: () => t(k)}))));
  if (cert) client.append(el("tr", {}, el("td", { class:"serial", text: cert.serial }), el("td", { text: taipei(cert.notBefore) }),
    el("td", { text: taipei(cert.notAfter) }), el("td", { class:"where", text: () => L(cert.keyLocation).split(" (")[0].split("（")[0] || "-", title: L(cert.keyLocation) }), el("td", { text: c.pinTriesLeft != null ? String(c.pinTriesLeft) : "-" })));
  else client.append(el("tr", {}, el("td", { colspan:"5", id:"client-state",
    text: () => (CLIENT_STATES[c.state] ? CLIENT_STATES[c.state][lang === "en" ? 1 : 0] : c.state) + (c.pinTriesLeft != null ? paren(t("tries") + " " + c.pinTriesLeft) : "")})));
  const host = el("table", { id:"host-table" }, el("tr", {}, ...["serial","state","from","until","renewOpens"].map(k => el("th", { text: () => t(k)}))));
  const hc = st.host ? st.host.certificates : [];
  for (const h of hc) host.append(el("tr", {}, el("td", { class:"serial", text: h.serial.toUpperCase() }),
    el("td", { class:"state", text: () => (STATES[h.state] ? STATES[h.state][lang === "en" ? 1 : 0] : h.state)
                                          + (h.revocationReasonLabel ? paren(L(h.revocationReasonLabel)) : "") }),
    el("td", { text: taipei(h.notBefore) }), el("td", { text: taipei(h.notAfter) }), el("td", { text: taipei(h.renewalOpensAt) })));
  if (!hc.length) host.append(el("tr", {}, el("td", { colspan:"5", text: () => st.host ? t("none") : L(st.hostError)})));
  const actions = el("div", { class:"row" });
  if (st.verdict.action === "apply" || st.verdict.action === "removeThenApply") actions.append(el("button", { id:"btn-apply", type:"button", text: () => t("apply"), onclick: () => runJob({ kind:"apply" }) }));
  if (st.verdict.action === "enterPIN") actions.append(el("button", { id:"btn-pin", type:"button", text: () => t("enterPin"), onclick: () => runJob({ kind:"unlockStore" }) }));
  if (st.verdict.action === "renew" || st.verdict.action === "finishRenewal") actions.append(el("button", { id:"btn-renew", type:"button", text: () => t("renew"), onclick: () => runJob({ kind:"renew" }) }));
  show(note || null, el("h2", { text: () => t("client")}), client, el("h2", { text: () => t("host")}), host,
    st.host ? el("p", {}, tr(() => t("left") + colon()), el("strong", { id:"revocations-left", text: String(st.host.onlineRevocationsLeftThisYear) })) : null,
    el("div", { class:"card", id:"verdict" }, el("div", {}, el("strong", { text: () => t("verdict") + colon()}), tr(() => L(s.verdictLabel), { id:"verdict-label" })),
      el("div", {}, el("strong", { text: () => t("next") + colon()}), tr(() => L(s.nextStep), { id:"next-step" }))), actions);
}

// 作業：輪詢並顯示問題、進度、結果
async function runJob(body, onDone) {
  try { await api("POST", "/api/jobs", body); } catch (e) { return show(errorBox(e)); }
  poll(onDone);
}
function poll(onDone) {
  let lastQuestion = null, lastShown = "";
  const tick = async () => {
    let job;
    try { job = await api("GET", "/api/job"); } catch (e) { clearInterval(poller); poller = null; return show(errorBox(e)); }
    if (job.state === "question" && job.question) {
      if (job.question.id !== lastQuestion) { lastQuestion = job.question.id; show(...messages(job), questionScreen(job.question)); }
      return;
    }
    lastQuestion = null;
    if (job.state === "running") {
      const key = JSON.stringify([job.progress, job.fraction, job.messages.length]);
      if (key !== lastShown) { lastShown = key; showProgress(job); }
      return;
    }
    clearInterval(poller); poller = null;
    if (job.state === "failed") return show(...messages(job), errorBox(job.error), el("div", { class:"row" }, el("button", { type:"button", id:"back", text: () => t("m1"), onclick: () => go("status") })));
    if (onDone) return onDone(job);
    statusScreen(el("div", { class:"ok", id:"result", role:"status", text: () => doneText(job) }));
  };
  if (poller) clearInterval(poller);
  poller = setInterval(tick, 400); tick();
}
// A finished operation in words; a revocation says its reason and the year's online revocations left.
function doneText(job) {
  const r = job.result || {};
  if (r.revocation) return t("revokedDone") + colon() + r.serial + paren(L(r.revocation.reasonLabel)) + (lang === "en" ? ". " : "；")
    + t("left") + colon() + r.revocation.onlineRevocationsLeftThisYear;
  return t("done") + (r.serial ? colon() + r.serial : "");
}
function messages(job) {
  const recent = job.messages.slice(-3);
  return recent.length ? [el("div", { id:"messages", class: "card" }, ...recent.map(m => el("div", { text: () => L(m)})))] : [];
}
function showProgress(job) {
  const pct = job.fraction != null ? Math.round(job.fraction * 100) : null;
  const bar = el("div", { class:"bar", role:"progressbar", "aria-valuemin":"0", "aria-valuemax":"100", "aria-valuenow": pct != null ? String(pct) : false },
                 el("div", { style: "width:" + (pct != null ? pct : 15) + "%" }));
  const m = main(); stopTimers();
  m.replaceChildren(...messages(job), el("h2", { id:"progress", text: () => job.progress ? L(job.progress) : t("working")}), bar);
}
// An answered question's fields and buttons are disabled at once, so a second Enter or click cannot
// answer it again while the next question is on its way.
function answer(q, body) {
  main().querySelectorAll("input, button, select").forEach(e => { e.disabled = true; });
  return api("POST", "/api/answer", Object.assign({ question: q.id }, body)).catch(e => show(errorBox(e)));
}
function cancelButton(q) { return el("button", { type:"button", class:"secondary", id:"cancel", text: () => t("cancel"), onclick: () => answer(q, { cancel:true }) }); }

function questionScreen(q) {
  switch (q.kind) {
  case "agreement":
    return el("div", {}, el("h2", { text: () => (lang === "en" ? "Agreement, version " : "憑證約定條款，版本 ") + q.version}),
      el("div", { class:"agreement", id:"agreement", tabindex:"0", text: () => L(q.agreement)}),
      el("div", { class:"row" }, el("button", { type:"button", id:"agree", text: () => t("agree"), onclick: () => answer(q, { agree:true }) }),
        el("button", { type:"button", class:"secondary", id:"disagree", text: () => t("disagree"), onclick: () => answer(q, { agree:false }) })));
  case "birthDate": {
    const input = el("input", { id:"birth-date", inputmode:"numeric", autocomplete:"bday", placeholder:"044/02/01" });
    return el("form", { onsubmit: (ev) => { ev.preventDefault(); answer(q, { value: input.value }); } }, el("h2", { text: () => t("step1")}),
      el("label", { for:"birth-date", text: () => q.corporate ? t("birthCorp") : t("birth")}), input,
      el("div", { class:"row" }, el("button", { type:"submit", id:"birth-submit", text: () => t("submit")}), cancelButton(q)));
  }
  case "codeDestination": {
    const acct = el("select", { id:"account" }, ...q.accounts.map(a => el("option", { value:a.id, text: () => L(a.label)})));
    const radios = q.channels.map((c, i) => el("label", {}, el("input", { type:"radio", name:"channel", id:"channel-" + c.id, value:c.id, checked: i === 0 }), tr(() => " " + L(c.label))));
    return el("form", { onsubmit: (ev) => { ev.preventDefault(); const ch = document.querySelector('input[name="channel"]:checked');
        answer(q, { account: acct.value, channel: ch ? ch.value : "sms" }); } }, el("h2", { text: () => t("step2")}),
      el("label", { for:"account", text: () => t("account")}), acct, el("fieldset", {}, el("legend", { text: () => t("channel")}), ...radios),
      el("div", { class:"row" }, el("button", { type:"submit", id:"dest-submit", text: () => t("send")}), cancelButton(q)));
  }
  case "oneTimeCode": {
    const input = el("input", { id:"code", inputmode:"numeric", autocomplete:"one-time-code", maxlength:"6", pattern:"[0-9]{6}" });
    const left = el("span", { id:"countdown" });
    const resend = el("button", { type:"button", class:"secondary", id:"code-resend", text: () => t("resend"), disabled: true, onclick: () => answer(q, { resend:true }) });
    const form = el("form", { onsubmit: (ev) => { ev.preventDefault(); answer(q, { code: input.value }); } }, el("h2", { text: () => t("step2")}),
      el("p", { id:"code-sent-to", text: () => (lang === "en" ? "Sent to " : "已傳送至 ") + q.destination + (lang === "en" ? " for account " : "，帳號 ") + q.account }),
      el("p", {}, tr(() => t("identifier") + colon()), el("span", { class:"identifier", id:"code-identifier", text: q.identifier })),
      el("p", {}, tr(() => t("timeLeft") + colon()), left),
      el("label", { for:"code", text: () => t("code")}), input,
      el("div", { class:"row" }, el("button", { type:"submit", id:"code-submit", text: () => t("submit")}), resend, cancelButton(q)));
    const update = () => {
      const now = Date.now(), s = Math.max(0, Math.round((new Date(q.expiresAt) - now) / 1000));
      left.textContent = s > 0 ? Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") : t("expired");
      left.setAttribute("data-expired", s > 0 ? "false" : "true");
      resend.disabled = now < new Date(q.resendAfter).getTime();
    };
    setTimeout(() => { update(); countdown = setInterval(update, 500); }, 0);
    return form;
  }
  case "pin": case "secret": {
    const input = el("input", { id:"pin", type:"password", autocomplete:"off" });
    return el("form", { onsubmit: (ev) => { ev.preventDefault(); const v = input.value; input.value = ""; answer(q, { secret: v }); } },
      el("h2", { text: () => L(q.question) || t("pin")}), q.triesLeft != null ? el("p", { class:"muted", text: () => (lang === "en" ? "Tries left: " : "剩餘次數：") + q.triesLeft}) : null,
      el("label", { for:"pin", text: () => q.kind === "pin" ? t("pin") : t("secretLabel")}), input,
      el("div", { class:"row" }, el("button", { type:"submit", id:"pin-submit", text: () => t("submit")}), cancelButton(q)));
  }
  case "confirm":
    return el("div", {}, el("h2", { id:"confirm-question", text: () => L(q.question)}),
      el("div", { class:"row" }, el("button", { type:"button", id:"confirm-yes", text: () => t("yes"), onclick: () => answer(q, { yes:true }) }),
        el("button", { type:"button", class:"secondary", id:"confirm-no", text: () => t("no"), onclick: () => answer(q, { yes:false }) })));
  case "choose": {
    const sel = el("select", { id:"choice" }, ...q.choices.map(c => el("option", { value:c.id, text: () => L(c.label)})));
    return el("form", { onsubmit: (ev) => { ev.preventDefault(); answer(q, { choice: sel.value }); } }, el("h2", { text: () => L(q.question)}), sel,
      el("div", { class:"row" }, el("button", { type:"submit", id:"choice-submit", text: () => t("submit")}), cancelButton(q)));
  }
  default: {
    const input = el("input", { id:"text" });
    return el("form", { onsubmit: (ev) => { ev.preventDefault(); answer(q, { value: input.value }); } }, el("h2", { text: () => L(q.question)}), input,
      el("div", { class:"row" }, el("button", { type:"submit", id:"text-submit", text: () => t("submit")}), cancelButton(q)));
  }
  }
}

// 2 匯入
function importScreen() {
  const file = el("input", { id:"import-file", type:"file", accept:".pfx,.p12,application/x-pkcs12" });
  const pw = el("input", { id:"import-password", type:"password", autocomplete:"off" });
  show(el("form", { onsubmit: async (ev) => { ev.preventDefault();
      const f = file.files[0]; if (!f) return;
      const bytes = new Uint8Array(await f.arrayBuffer()); let bin = ""; for (const b of bytes) bin += String.fromCharCode(b);
      const password = pw.value; pw.value = "";
      runJob({ kind:"restore", file: btoa(bin), fileName: f.name, password }); } },
    el("h2", { text: () => t("importTitle")}), el("label", { for:"import-file", text: () => t("file")}), file,
    el("label", { for:"import-password", text: () => t("bpw").split("（")[0].split(" (")[0]}), pw,
    el("div", { class:"row" }, el("button", { type:"submit", id:"import-submit", text: () => t("import")}))));
}

// 3 匯出備份
async function backupScreen() {
  let d;
  try { d = await api("GET", "/api/drives"); } catch (e) { return show(errorBox(e)); }
  if (d.refusal) return show(el("h2", { text: () => t("backupTitle")}), errorBox(d.refusal));
  // A mismatch banner goes as soon as the two fields agree: it must not stand beside matching passwords.
  const problem = el("div", {});
  const agreed = () => { if (pw.value === pw2.value) problem.replaceChildren(); };
  const pw = el("input", { id:"backup-password", type:"password", autocomplete:"new-password", maxlength:"12", oninput: agreed });
  const pw2 = el("input", { id:"backup-password2", type:"password", autocomplete:"new-password", maxlength:"12", oninput: agreed });
  const showPw = el("input", { id:"show-password", type:"checkbox", onchange: () => { pw.type = pw2.type = showPw.checked ? "text" : "password"; } });
  const drive = el("select", { id:"backup-drive" }, ...d.drives.map(x => el("option", { value:x.mountPoint, text: x.label + " (" + x.mountPoint + ")" })));
  show(el("form", { onsubmit: (ev) => { ev.preventDefault();
      if (pw.value !== pw2.value) { problem.replaceChildren(errorBox({ summary: { en: T.mismatch[1], "zh-TW": T.mismatch[0] },
                                                                      remedy: { en: T.mismatchRemedy[1], "zh-TW": T.mismatchRemedy[0] } })); return; }
      const password = pw.value; pw.value = pw2.value = "";
      runJob({ kind:"backup", password, target: drive.value }, (job) => statusScreen(el("div", { class:"ok", id:"result", role:"status",
        text: () => t("done") + colon() + job.result.file}))); } },
    el("h2", { text: () => t("backupTitle")}), problem,
    el("label", { text: () => t("fileName")}), el("div", { id:"backup-file-name", class:"card", text: d.fileName || "-" }),
    el("label", { for:"backup-password", text: () => t("bpw")}), pw, el("label", { for:"backup-password2", text: () => t("bpw2")}), pw2,
    el("label", {}, showPw, tr(() => " " + t("show"))),
    el("label", { for:"backup-drive", text: () => t("drive")}), d.drives.length ? drive : el("div", { class:"error", id:"no-drive", text: () => t("noDrive")}),
    el("div", { class:"row" }, el("button", { type:"submit", id:"backup-submit", text: () => t("export"), disabled: !d.drives.length }),
      el("button", { type:"button", class:"secondary", text: () => t("refresh"), onclick: backupScreen }))));
}

// 4 廢止
async function revokeScreen() {
  let s; try { s = await api("GET", "/api/status"); } catch (e) { return show(errorBox(e)); }
  const host = s.status.host;
  const reason = el("select", { id:"revoke-reason" }, ...REASONS.map(r => el("option", { value:r[0], text: () => lang === "en" ? r[2] : r[1]})));
  show(el("form", { onsubmit: (ev) => { ev.preventDefault(); runJob({ kind:"revoke", reason: reason.value }); } },
    el("h2", { text: () => t("revokeTitle")}),
    el("p", {}, tr(() => t("left") + colon()), el("strong", { id:"revoke-left", text: host ? String(host.onlineRevocationsLeftThisYear) : "-" })),
    el("label", { for:"revoke-reason", text: () => t("reason")}), reason,
    el("div", { class:"row" }, el("button", { type:"submit", id:"revoke-submit", text: () => t("revoke")}))));
}

// 5 環境檢測: each check by its name, what was found, and what to do for every warning and failure.
let lastDoctor = null;
function doctorTable(r) {
  const table = el("table", { id:"doctor-table" }, el("tr", {}, ...["state","checkItem","found","remedy"].map(k => el("th", { text: () => t(k) }))));
  for (const c of r.checks) table.append(el("tr", { id:"doctor-" + c.id, class:"check-" + c.status },
    el("td", { class:"status", text: () => t(c.status) }), el("td", { class:"title", text: () => L(c.title) }),
    el("td", { class:"summary", text: () => L(c.summary) }),
    el("td", { class:"remedy", text: () => c.status === "warn" || c.status === "fail" ? L(c.remedy) : "" })));
  return table;
}
function doctorScreen() {
  const run = el("button", { type:"button", id:"doctor-run", text: () => t(lastDoctor ? "checkAgain" : "check"), onclick: async () => {
    main().append(el("p", { id:"doctor-working", text: () => t("working")}));
    try { lastDoctor = await api("GET", "/api/doctor"); } catch (e) { document.getElementById("doctor-working").remove(); return main().append(errorBox(e)); }
    if (current === "doctor") doctorScreen();
  } });
  show(el("h2", { text: () => t("doctorTitle")}), el("div", { class:"row" }, run),
    lastDoctor ? el("p", { id:"doctor-overall", class: lastDoctor.worst === "fail" ? "error" : lastDoctor.worst === "warn" ? "muted" : "ok", text: () => t("overall-" + lastDoctor.worst) }) : null,
    lastDoctor ? doctorTable(lastDoctor) : null);
}

// 6 公告、7 常見問題
async function noticesScreen(kind) {
  let list; try { list = await api("GET", "/api/notices/" + kind); } catch (e) { return show(errorBox(e)); }
  show(el("h2", { text: () => t(kind === "faq" ? "m7" : "m6").replace(/^\d /, "")}),
    el("div", { id: kind }, ...list.map(n => el("div", { class:"card" }, el("h3", { text: () => (n.date ? n.date + (lang === "en" ? " — " : "　") : "") + L(n.title)}), el("p", { text: () => L(n.body)})))));
}

// 8 簽驗章測試
function signTestScreen() {
  show(el("h2", { text: () => t("signTitle")}), el("div", { class:"row" }, el("button", { type:"button", id:"signtest-run", text: () => t("signRun"),
    onclick: () => runJob({ kind:"signTest" }, (job) => {
      const r = (job.result || {}).signTest || { local: {} };
      show(el("h2", { text: () => t("signTitle")}), el("div", { class: r.passed ? "ok" : "error", id:"signtest-verdict", text: () => r.passed ? t("passed") : t("notPassed")}),
        el("table", {}, el("tr", {}, el("th", { text: () => t("serial")}), el("td", { id:"signtest-serial", text: r.serial || "" })),
          el("tr", {}, el("th", { text: () => t("local")}), el("td", { id:"signtest-local", text: () => L(r.local.message) })),
          el("tr", {}, el("th", { text: () => t("hostCheck")}), el("td", { id:"signtest-host", text: () => r.host ? L(r.host.message) : "-" }))));
    }) })));
}

// The switch rewords the screen in place (menu, headings, tables, questions, errors): nothing typed or shown is lost.
document.getElementById("lang-switch").addEventListener("click", () => { lang = lang === "en" ? "zh-TW" : "en"; renderMenu(); relabel(); });
api("GET", "/api/status").then(s => { loggedIn = s.loggedIn || null; go(loggedIn ? "status" : "login"); }).catch(() => go("login"));
</script>
</body>
</html>
"""#
}
