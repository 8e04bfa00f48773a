// The verification relay's workbench for the handlers of a unit (GET /workbench).
//
// Built on the public API only, with the handler's own token: the inbox, the outbox, the
// commitment checks due, and each request's trail, checked here in the browser against the
// keys of the directory the federation's anchor signed (itself checked against the anchor keys
// this stage pins), so a handler need not trust what the stage has stored.
//
// The token lives in this module's memory only: never in localStorage, sessionStorage or a
// cookie. A reload signs the handler out. Only the PKCE verifier, state and nonce of a sign-in
// under way wait in sessionStorage for the identity provider's redirect back.
//
// Every text is put in with textContent, never as HTML.

const config = JSON.parse(document.getElementById("workbench-config").textContent);
const REFRESH_MS = 30_000;
const OPEN = new Set(["pending", "accepted", "overdue"]);
const PKCE_KEY = "workbench.sign-in";
const SIGN_IN_ERRORS = new Set([
  "access_denied", "invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope",
  "server_error", "temporarily_unavailable", "login_required", "consent_required", "interaction_required",
]);

const STATUS = {
  pending: "待受理 Pending",
  accepted: "已受理 Accepted",
  overdue: "已逾期 Overdue",
  completed: "已办结 Completed",
  rejected: "已退回 Rejected",
  cancelled: "已撤销 Cancelled",
};
const OUTCOME = { confirmed: "属实 Confirmed", not_confirmed: "不属实 Not confirmed" };
const REASONS = {
  wrong_unit: "非本单位职责 Not this unit's records",
  insufficient_information: "信息不足 Not enough information",
  no_record: "无相关记录 No record",
  other: "其他 Other",
};

const session = { token: null, claims: null, timer: null, names: new Map() };

// ---------------------------------------------------------------------------------------------
// Small helpers

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function b64url(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function jsonOf(bytes) {
  return JSON.parse(new TextDecoder().decode(bytes));
}

function randomText(bytes = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

// China's date of a UTC time (UTC+8, no daylight saving), as YYYY-MM-DD.
function chinaDate(moment) {
  return new Date(Date.parse(moment) + 8 * 3600_000).toISOString().slice(0, 10);
}

function chinaDateTime(moment) {
  const shifted = new Date(Date.parse(moment) + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

// Working days between two China dates by the official calendar this stage counts deadlines
// with (holidays, weekend working days, the stage's closures: config.calendar). Positive when
// `to` is later.
function workingDaysBetween(from, to) {
  const off = new Set(config.calendar.days_off);
  const on = new Set(config.calendar.working_weekend_days);
  const step = from <= to ? 1 : -1;
  let count = 0;
  const day = new Date(`${from}T00:00:00Z`);
  while (day.toISOString().slice(0, 10) !== to) {
    day.setUTCDate(day.getUTCDate() + step);
    const text = day.toISOString().slice(0, 10);
    const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
    if (on.has(text) || (!weekend && !off.has(text))) count += step;
  }
  return count;
}

function notice(message, kind = "error") {
  const box = $("notice");
  box.replaceChildren(message ? el("p", { class: kind, role: kind === "error" ? "alert" : false, text: message }) : "");
}

// ---------------------------------------------------------------------------------------------
// The API, with the handler's token

class Refusal extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
  get text() {
    // The API's own Chinese and English messages, as it gave them.
    const zh = this.body.message_zh || "请求未被接受";
    const en = this.body.message || `The request was refused (HTTP ${this.status})`;
    return `${zh} ${en}`;
  }
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(new URL(path, location.href), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Refusal(answer.status, data);
  return data;
}

async function everyPage(path, pages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < pages; page += 1) {
    const separator = path.includes("?") ? "&" : "?";
    const url = cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path;
    const data = await api(url);
    items.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return items;
}

// A unit's or a proof item's name, read once: a handler knows 湖州市公安局, not hz-gaj.
async function nameOf(kind, id) {
  const key = `${kind}/${id}`;
  if (!session.names.has(key)) {
    session.names.set(
      key,
      api(`${kind}/${encodeURIComponent(id)}`).then(
        (found) => found.name || id,
        () => id,
      ),
    );
  }
  return session.names.get(key);
}

// ---------------------------------------------------------------------------------------------
// Sign-in: OpenID Connect authorization code with PKCE, or a development token under make run

async function providerEndpoints() {
  const oidc = config.oidc;
  if (oidc.authorization_endpoint && oidc.token_endpoint) return oidc;
  const found = await fetch(new URL(".well-known/openid-configuration", oidc.issuer.replace(/\/?$/, "/")));
  if (!found.ok) throw new Error("discovery");
  const discovered = await found.json();
  return {
    authorization_endpoint: oidc.authorization_endpoint || discovered.authorization_endpoint,
    token_endpoint: oidc.token_endpoint || discovered.token_endpoint,
  };
}

function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

async function signInWithProvider() {
  try {
    const endpoints = await providerEndpoints();
    const pending = { verifier: randomText(), state: randomText(16), nonce: randomText(16) };
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pending.verifier));
    sessionStorage.setItem(PKCE_KEY, JSON.stringify(pending));
    const target = new URL(endpoints.authorization_endpoint);
    target.search = new URLSearchParams({
      response_type: "code",
      client_id: config.oidc.client_id,
      redirect_uri: redirectUri(),
      scope: config.oidc.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: b64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
    }).toString();
    location.assign(target.toString());
  } catch {
    notice("无法连接统一身份认证平台 The identity provider cannot be reached");
  }
}

async function finishProviderSignIn(params) {
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", location.pathname); // the code leaves the address bar and history
  if (!pending || pending.state !== params.get("state")) {
    notice("登录状态不符，请重新登录 The sign-in does not match the one started here: sign in again");
    return;
  }
  if (params.get("error")) {
    // Only the codes of RFC 6749 §4.1.2.1 and OpenID Connect are shown, never free text from the
    // address, which anyone could have written into a link.
    const code = params.get("error");
    notice(`登录未完成 Sign-in did not complete (${SIGN_IN_ERRORS.has(code) ? code : "error"})`);
    return;
  }
  try {
    const endpoints = await providerEndpoints();
    const answer = await fetch(endpoints.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: redirectUri(),
        client_id: config.oidc.client_id,
        code_verifier: pending.verifier,
      }),
    });
    const tokens = await answer.json();
    if (!answer.ok || !tokens.id_token) throw new Error(tokens.error || "token");
    const claims = jsonOf(unb64url(tokens.id_token.split(".")[1]));
    if (claims.nonce !== pending.nonce) throw new Error("nonce");
    // The ID token is the bearer: its audience is the workbench's client id, which the stage's
    // AUTH_AUDIENCE names. The API verifies it (issuer, audience, signature); the page only
    // reads who it names.
    signedIn(tokens.id_token);
  } catch {
    notice("登录未完成 Sign-in did not complete: the identity provider's answer was not accepted");
  }
}

function signInWithToken(event) {
  event.preventDefault();
  const field = $("dev-token");
  const token = field.value.trim();
  field.value = "";
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    notice("这不是令牌 This is not a token: paste what make token printed");
    return;
  }
  signedIn(token);
}

function signedIn(token) {
  let claims;
  try {
    claims = jsonOf(unb64url(token.split(".")[1]));
  } catch {
    notice("这不是令牌 This is not a token");
    return;
  }
  if (claims.role !== "agency" || !claims.unit_id) {
    notice("工作台供单位经办人使用 The workbench is for a unit's handlers (role agency, with a unit)");
    return;
  }
  session.token = token;
  session.claims = claims;
  notice("");
  $("sign-in").hidden = true;
  for (const id of ["work", "sign-out"]) $(id).hidden = false;
  $("who").textContent = `经办单位 Unit: ${claims.unit_id}`;
  nameOf("units", claims.unit_id).then((name) => {
    if (session.token === token) $("who").textContent = `经办单位 Unit: ${name} (${claims.unit_id})`;
  });
  refresh();
  session.timer = setInterval(refresh, REFRESH_MS);
  $("inbox-title").focus();
}

function signOut() {
  clearInterval(session.timer);
  Object.assign(session, { token: null, claims: null, timer: null });
  for (const id of ["work", "sign-out"]) $(id).hidden = true;
  for (const id of ["inbox-list", "outbox-list", "checks-list", "trail-body"]) $(id).replaceChildren();
  $("trail").hidden = true;
  $("who").textContent = "";
  $("sign-in").hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Inbox, outbox, commitment checks

async function refresh() {
  if (!session.token) return;
  try {
    // One listing per open status, each to its end: a unit's oldest open requests are the
    // overdue ones, which a listing of every status, newest first, would reach last.
    const [inbox, outbox, checks] = await Promise.all([
      Promise.all([...OPEN].map((status) => everyPage(`verification-requests?box=inbox&status=${status}&limit=100`))),
      everyPage("verification-requests?box=outbox&limit=100", 1),
      everyPage("commitments?status=verification_due&limit=100"),
    ]);
    if (busyWithAnAnswer()) {
      session.postponed = true; // the handler's open form and focus are kept; shown after
    } else {
      showInbox(inbox.flat());
    }
    showOutbox(outbox);
    showChecks(checks);
    $("refreshed").textContent = `更新于 Updated ${chinaDateTime(new Date().toISOString())}`;
  } catch (error) {
    if (error instanceof Refusal && error.status === 401) {
      signOut();
      notice(`请重新登录 Sign in again. ${error.text}`);
    } else {
      notice(error instanceof Refusal ? error.text : "无法连接 Cannot reach the service");
    }
  }
}

// A refresh redraws the inbox: not while the handler is answering (a form open, or the focus
// on one of its requests), which would throw away what they typed and where they were.
function busyWithAnAnswer() {
  return Boolean(document.querySelector("#inbox-list form.answer") || $("inbox-list").contains(document.activeElement));
}

// Overdue first, the latest on top; then by due date.
function byUrgency(requests) {
  const today = chinaDate(new Date().toISOString());
  return requests
    .map((request) => ({ request, left: workingDaysBetween(today, chinaDate(request.due_at)) }))
    .map((entry) => ({ ...entry, late: entry.request.status === "overdue" || entry.left < 0 }))
    .sort((a, b) => (a.late === b.late ? a.request.due_at.localeCompare(b.request.due_at) : a.late ? -1 : 1));
}

function dueText({ request, left, late }) {
  const date = chinaDate(request.due_at);
  if (late && left >= 0) return `已逾期（今日截止） Overdue: due today (截止 due ${date})`;
  if (late) return `已逾期 ${-left} 个工作日 ${-left} working days late (截止 due ${date})`;
  return `剩 ${left} 个工作日 ${left} working days left (截止 due ${date})`;
}

function field(label, value) {
  return el("div", {}, el("dt", { text: label }), el("dd", { text: value ?? "—" }));
}

function showInbox(requests) {
  session.postponed = false;
  const list = $("inbox-list");
  const entries = byUrgency(requests);
  $("inbox-count").textContent = `${entries.length} 件待办 open`;
  list.replaceChildren(
    ...entries.map((entry) => {
      const { request } = entry;
      const details = el(
        "dl",
        {},
        field("申请单位 Requested by", request.requester_unit),
        field("证明事项 Proof", request.proof_id),
        field("当事人 Subject", `${request.subject.name} ${request.subject.id_number}`),
        field("案件编号 Case", request.case_ref),
        field("用途 Purpose", request.purpose),
        field("收到 Received", chinaDateTime(request.created_at)),
      );
      fillName(details.children[0].lastChild, "units", request.requester_unit);
      fillName(details.children[1].lastChild, "proofs", request.proof_id);
      const item = el(
        "li",
        { "data-request-id": request.request_id, class: entry.late ? "late" : "" },
        el("h3", { id: `title-${request.request_id}`, text: `${STATUS[request.status] || request.status} · ${request.case_ref}` }),
        el("p", { class: "due", text: dueText(entry) }),
        details,
        actions(request),
      );
      return item;
    }),
  );
  if (!entries.length) list.append(el("li", { class: "empty", text: "没有待办的协查 Nothing waits for an answer" }));
}

function fillName(node, kind, id) {
  nameOf(kind, id).then((name) => {
    if (name !== id) node.textContent = `${name} (${id})`;
  });
}

// Each button names its request to a screen reader (the item's heading describes it).
function action(id, label, onclick, secondary = false) {
  return el("button", { type: "button", class: secondary ? "secondary" : false, text: label, onclick, "aria-describedby": `title-${id}` });
}

function actions(request) {
  const bar = el("div", { class: "actions" });
  const id = request.request_id;
  if (request.status !== "accepted" && !request.accepted_at) {
    bar.append(action(id, "受理 Accept", (event) => act(id, "accept", {}, event.currentTarget)));
  }
  if (request.status === "accepted" || request.accepted_at) {
    bar.append(action(id, "答复 Respond", () => openForm(bar, respondForm(id))));
  }
  bar.append(
    action(id, "退回 Reject", () => openForm(bar, rejectForm(id)), true),
    action(id, "核验记录 Trail", () => showTrail(id), true),
  );
  return bar;
}

// One form under an item at a time: opening another replaces it; Cancel closes it.
function openForm(bar, form) {
  const open = bar.parentElement.querySelector("form.answer");
  if (open) open.remove();
  form.append(el("button", { type: "button", class: "secondary", text: "取消 Cancel", onclick: () => { form.remove(); bar.querySelector("button").focus(); if (session.postponed) refresh(); } }));
  bar.after(form);
  form.querySelector("input, select").focus();
}

async function act(id, action, body, control) {
  if (control) control.disabled = true; // a second press would be refused as a change of state
  try {
    await api(`verification-requests/${id}/${action}`, { method: "POST", body });
    notice(
      { accept: "已受理 Accepted", respond: "已答复 Answered", reject: "已退回 Rejected" }[action],
      "done",
    );
    document.activeElement?.blur();
    $("inbox-list").querySelector("form.answer")?.remove();
    await refresh();
    $("inbox-title").focus();
  } catch (error) {
    if (control) control.disabled = false;
    notice(error instanceof Refusal ? error.text : "无法连接 Cannot reach the service");
  }
}

function attestationRow(form) {
  const n = form.querySelectorAll(".attestation-row").length + 1;
  return el(
    "div",
    { class: "attestation-row" },
    el("label", { text: `核实项 ${n} Item`, for: `att-key-${n}` }),
    el("input", { id: `att-key-${n}`, name: "key", required: true, maxlength: "100" }),
    el("label", { text: `核实结果 ${n} Finding`, for: `att-value-${n}` }),
    el("input", { id: `att-value-${n}`, name: "value", required: true, maxlength: "500" }),
  );
}

function respondForm(id) {
  const rows = el("div", { class: "rows" });
  const form = el(
    "form",
    { class: "answer", "aria-label": "答复 Respond" },
    el(
      "fieldset",
      {},
      el("legend", { text: "核实结论 Outcome" }),
      ...Object.entries(OUTCOME).map(([value, label]) =>
        el(
          "label",
          { class: "choice" },
          el("input", { type: "radio", name: "outcome", value, required: true }),
          document.createTextNode(` ${label}`),
        ),
      ),
    ),
    el("fieldset", {}, el("legend", { text: "核实内容 Attestation" }), rows,
      el("button", { type: "button", class: "secondary", text: "添加一行 Add a row", onclick: () => rows.append(attestationRow(form)) })),
    el("label", { for: `note-${id}`, text: "备注（可选） Note (optional)" }),
    el("textarea", { id: `note-${id}`, name: "note", maxlength: "1000" }),
    el("button", { type: "submit", text: "提交答复 Send the answer" }),
  );
  rows.append(attestationRow(form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const keys = data.getAll("key");
    const values = data.getAll("value");
    const attestation = Object.fromEntries(keys.map((key, i) => [key.trim(), values[i].trim()]));
    const body = { outcome: data.get("outcome"), attestation };
    if (data.get("note").trim()) body.note = data.get("note").trim();
    act(id, "respond", body, event.submitter);
  });
  return form;
}

function rejectForm(id) {
  const form = el(
    "form",
    { class: "answer", "aria-label": "退回 Reject" },
    el("label", { for: `reason-${id}`, text: "退回原因 Reason" }),
    el(
      "select",
      { id: `reason-${id}`, name: "reason", required: true },
      ...Object.entries(REASONS).map(([value, label]) => el("option", { value, text: label })),
    ),
    el("label", { for: `reject-note-${id}`, text: "说明（可选） Note (optional)" }),
    el("textarea", { id: `reject-note-${id}`, name: "note", maxlength: "1000" }),
    el("button", { type: "submit", text: "确认退回 Reject the request" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { reason: data.get("reason") };
    if (data.get("note").trim()) body.note = data.get("note").trim();
    act(id, "reject", body, event.submitter);
  });
  return form;
}

// What a request the unit sent waits for.
function waitsFor(request) {
  if (request.target_stage && !request.delivered_at && request.status === "pending") {
    return `等待送达 Waiting to reach stage ${request.target_stage}`;
  }
  if (request.status === "pending") return "等待对方受理 Waiting for the unit to accept";
  if (request.status === "accepted") return "等待对方答复 Waiting for the answer";
  if (request.status === "overdue") return "对方已逾期 Past due: waiting for the answer";
  if (request.status === "completed") return `已答复 Answered: ${OUTCOME[request.outcome] || request.outcome}`;
  if (request.status === "rejected") return `已退回 Rejected: ${REASONS[request.reject_reason] || request.reject_reason}`;
  return STATUS[request.status] || request.status;
}

function showOutbox(requests) {
  const list = $("outbox-list");
  list.replaceChildren(
    ...requests.map((request) => {
      const details = el(
        "dl",
        {},
        field("被请求单位 Asked", request.target_unit),
        field("证明事项 Proof", request.proof_id),
        field("截止 Due", chinaDate(request.due_at)),
      );
      fillName(details.children[0].lastChild, "units", request.target_unit);
      const answer = request.attestation
        ? el(
            "div",
            { class: "attestation" },
            el("h4", { text: "核实内容 Attestation" }),
            el("dl", {}, ...Object.entries(request.attestation).map(([k, v]) => field(k, String(v)))),
          )
        : null;
      return el(
        "li",
        { "data-request-id": request.request_id, "data-status": request.status },
        el("h3", { text: `${STATUS[request.status] || request.status} · ${request.case_ref}` }),
        el("p", { class: "waits", text: waitsFor(request) }),
        details,
        answer,
        el("div", { class: "actions" },
          el("button", { type: "button", class: "secondary", text: "核验记录 Trail", onclick: () => showTrail(request.request_id) })),
      );
    }),
  );
  if (!requests.length) list.append(el("li", { class: "empty", text: "本单位尚未发出协查 No requests sent" }));
}

function showChecks(checks) {
  const list = $("checks-list");
  list.replaceChildren(
    ...checks.map((check) => {
      const id = check.commitment_id;
      const applicant = check.applicant || {};
      const details = el(
        "dl",
        {},
        field("证明事项 Proof", check.proof_id),
        field("办理事项 Matter", check.matter_code),
        field("承诺人 Applicant", [applicant.name, applicant.id_number].filter(Boolean).join(" ")),
        field("承诺日期 Committed", chinaDate(check.created_at)),
        field("核查截止 Check by", chinaDate(check.verify_by)),
      );
      fillName(details.children[0].lastChild, "proofs", check.proof_id);
      return el(
        "li",
        { "data-commitment-id": id },
        el("h3", { id: `title-${id}`, text: `告知承诺 Commitment · ${chinaDate(check.created_at)}` }),
        details,
        el(
          "div",
          { class: "actions" },
          action(id, "核实属实 Confirmed", (event) => verifyCommitment(id, "confirmed", event.currentTarget)),
          action(id, "虚假承诺 False commitment", (event) => verifyCommitment(id, "false_commitment", event.currentTarget), true),
        ),
      );
    }),
  );
  if (!checks.length) list.append(el("li", { class: "empty", text: "没有待核查的承诺 No checks due" }));
}

// The check's outcome (POST /commitments/{id}/verification). A false commitment bars the
// applicant from new commitments: the handler confirms it first.
async function verifyCommitment(id, outcome, control) {
  const barring = "认定为虚假承诺将限制承诺人今后以承诺代替证明。确认？ Recording a false commitment bars the applicant from commitments. Go on?";
  if (outcome === "false_commitment" && !window.confirm(barring)) return;
  control.disabled = true;
  try {
    await api(`commitments/${id}/verification`, { method: "POST", body: { outcome } });
    notice(outcome === "confirmed" ? "已核实属实 Confirmed" : "已记录虚假承诺 False commitment recorded", "done");
    await refresh();
    $("checks-title").focus();
  } catch (error) {
    control.disabled = false;
    notice(error instanceof Refusal ? error.text : "无法连接 Cannot reach the service");
  }
}

// ---------------------------------------------------------------------------------------------
// The trail, verified here: the directory against the pinned anchor keys, then every event's
// hash (RFC 8785 JSON, SHA-256), its link to the one before, and its stage's ES256 signature.

// RFC 8785: keys sorted by UTF-16 code units (Array.prototype.sort's default), strings and
// integers as JSON.stringify writes them (hashed records hold no floating-point numbers).
function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
}

async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function es256Verifies(jwk, signature, bytes) {
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, bytes);
  } catch {
    return false;
  }
}

const SIGNED_FIELDS = ["anchor", "version", "issued_at", "stages", "anchor_jwks"];

// The directory's stages, once its anchor signature verifies against a pinned key and the copy
// served is exactly what was signed; null otherwise.
async function verifiedDirectory(served) {
  const parts = String(served.signed || "").split(".");
  if (parts.length !== 3) return null;
  const header = jsonOf(unb64url(parts[0]));
  const key = config.anchor_jwks.find((k) => k.kid === header.kid); // trusted by this stage, not retired
  if (header.alg !== "ES256" || !key) return null;
  const signedBytes = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  if (!(await es256Verifies(key, unb64url(parts[2]), signedBytes))) return null;
  const payload = jsonOf(unb64url(parts[1]));
  const same = SIGNED_FIELDS.every((name) => canonical(payload[name]) === canonical(served[name]));
  return same && payload.anchor === config.anchor ? payload : null;
}

async function checkEvent(event, position, previousHash, directory) {
  const { hash, signature, ...content } = event;
  if (event.seq !== position) return `序号不连续 sequence broken (expected ${position})`;
  if ((await sha256Hex(canonical(content))) !== hash) return "内容与哈希不符 content does not match its hash";
  if (event.prev_hash !== previousHash) return "与上一事件不衔接 not linked to the event before";
  const stage = directory.stages.find((s) => s.stage === event.stage);
  const key = stage && signature && stage.jwks.keys.find((k) => k.kid === signature.kid);
  if (!key) return `签名密钥不在目录中 signing key not in the directory (${event.stage})`;
  const ok = await es256Verifies(key, unb64url(String(signature.value || "")), new TextEncoder().encode(hash));
  return ok ? null : "签名无效 signature does not verify";
}

// The event each status needs in the trail: a trail cut short before it does not verify.
const STATUS_EVENT = { accepted: "accepted", completed: "completed", rejected: "rejected", overdue: "overdue" };

function trailProblems(id, trail, request) {
  const problems = [];
  if (trail.request_id !== id || request.request_id !== id) problems.push("记录不属于该协查 the trail is another request's");
  if (!trail.events.length || trail.events[0].type !== "created") problems.push("缺少创建事件 no creation event");
  const needed = STATUS_EVENT[request.status];
  if (needed && !trail.events.some((event) => event.type === needed)) {
    problems.push(`记录缺少“${STATUS[request.status]}”事件 the trail lacks the ${needed} event its status says`);
  }
  return problems;
}

async function showTrail(id) {
  const section = $("trail");
  const body = $("trail-body");
  section.hidden = false;
  body.replaceChildren(el("p", { text: "核验中… Checking…" }));
  try {
    const [trail, request, served] = await Promise.all([
      api(`verification-requests/${id}/trail`),
      api(`verification-requests/${id}`),
      api("federation/directory"),
    ]);
    const directory = await verifiedDirectory(served);
    const whole = trailProblems(id, trail, request);
    const rows = [];
    let previous = null;
    let problems = whole.length + (directory ? 0 : 1);
    for (const [index, event] of trail.events.entries()) {
      let problem = "目录未通过核验 directory not verified";
      if (directory) {
        problem = await checkEvent(event, index + 1, previous, directory).catch(() => "无法核验 cannot be checked");
      }
      if (problem) problems += 1;
      previous = event.hash;
      rows.push(
        el(
          "tr",
          { "data-seq": String(event.seq), class: problem ? "bad" : "good" },
          el("td", { text: String(event.seq) }),
          el("td", { text: event.type }),
          el("td", { text: chinaDateTime(event.at) }),
          el("td", { text: event.stage || "" }),
          el("td", { text: problem ? `✗ ${problem}` : "✓ 已核验 Verified" }),
        ),
      );
    }
    const verdict = problems === 0 && trail.events.length > 0;
    body.replaceChildren(
      el("p", {
        id: "trail-verdict",
        class: verdict ? "good" : "bad",
        "data-verified": String(verdict),
        text: verdict
          ? `✓ 已在本页核验：${trail.events.length} 个事件，签名与目录一致 Verified in this page: ${trail.events.length} events, signed by the stages the anchor's directory lists`
          : "✗ 未通过核验：见下表 Not verified: see the events below",
      }),
      ...whole.map((problem) => el("p", { class: "bad", text: `✗ ${problem}` })),
      el("p", {
        class: directory ? "hint" : "bad",
        text: directory
          ? `联邦目录第 ${directory.version} 版，锚点 ${directory.anchor} 签名已核验 Federation directory version ${directory.version}, signed by the anchor ${directory.anchor}: verified`
          : "联邦目录的签名未通过核验 The federation directory's signature did not verify against the anchor keys this stage trusts",
      }),
      el("div", { class: "table-scroll" }, el(
        "table",
        {},
        el("caption", { text: `协查 Request ${id}` }),
        el("thead", {}, el("tr", {}, ...["序号 Seq", "事件 Event", "时间 Time", "平台 Stage", "核验 Check"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, ...rows),
      )),
    );
    $("trail-title").focus();
    section.scrollIntoView({ block: "start" });
  } catch (error) {
    body.replaceChildren(el("p", { class: "bad", text: error instanceof Refusal ? error.text : "无法读取核验记录 Cannot read the trail" }));
  }
}

// ---------------------------------------------------------------------------------------------

function start() {
  $("sign-out").addEventListener("click", signOut);
  $("refresh").addEventListener("click", refresh);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refresh());
  if (config.oidc) {
    $("oidc-sign-in").hidden = false;
    $("oidc-button").addEventListener("click", signInWithProvider);
  }
  if (config.dev_sign_in) {
    $("dev-sign-in").hidden = false;
    $("dev-form").addEventListener("submit", signInWithToken);
  }
  const params = new URLSearchParams(location.search);
  if (config.oidc && (params.has("code") || params.has("error"))) finishProviderSignIn(params);
}

start();
