// momq's web chat: choose a database and dialect, ask, see the query with its attempts
// and repairs, the result as a table (and as a graph for graph values), edit and re-run
// the query, copy or download the query and the result. Talks only to this server.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {databases: [], session: null, busy: false};

// ------------------------------------------------------------------ HTTP
function headers() {
  const h = {"Content-Type": "application/json"};
  const key = localStorage.getItem("momq.key");
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {headers: headers()}
    : {method: "POST", headers: headers(), body: JSON.stringify(body)});
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${data.error || response.status}: ${data.message || response.statusText}`);
  return data;
}

// POST and read server-sent events; resolves with the final answer
async function stream(path, body, onEvent) {
  const response = await fetch(path, {method: "POST", headers: headers(), body: JSON.stringify(body)});
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    throw new Error(`${data.error || response.status}: ${data.message || response.statusText}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1] || "message";
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
      if (name === "answer") return data;
      if (name === "error") throw new Error(`${data.error}: ${data.message}`);
      onEvent(name, data);
    }
  }
  throw new Error("the stream ended without an answer");
}

// ------------------------------------------------------------- controls
function fillSelect(select, values, chosen) {
  select.replaceChildren(...values.map((v) => {
    const option = document.createElement("option");
    option.value = option.textContent = v;
    return option;
  }));
  if (chosen && values.includes(chosen)) select.value = chosen;
}

function currentDb() { return state.databases.find((d) => d.name === $("database").value); }

function onDatabaseChange() {
  const db = currentDb();
  fillSelect($("dialect"), db ? db.dialects : [], localStorage.getItem("momq.dialect"));
  startConversation();
}

function startConversation() {
  state.session = null;
  $("turns").replaceChildren();
  $("error").textContent = "";
  localStorage.setItem("momq.database", $("database").value);
  localStorage.setItem("momq.dialect", $("dialect").value);
}

async function loadSessions() {
  try {
    const sessions = await api("/api/sessions?limit=30");
    $("sessions").replaceChildren(...sessions.map((s) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const first = s.turns.length ? s.turns[0].question : "(no question yet)";
      button.textContent = `${s.database} (${s.dialect}) · ${first} · ${s.turns.length} turn(s)`;
      button.addEventListener("click", () => openSession(s.id));
      li.appendChild(button);
      return li;
    }));
  } catch (err) { /* the history is an aid; the chat works without it */ }
}

async function openSession(id) {
  try {
    const s = await api(`/api/sessions/${encodeURIComponent(id)}`);
    $("database").value = s.database;
    fillSelect($("dialect"), currentDb() ? currentDb().dialects : [s.dialect], s.dialect);
    $("pipeline").value = "multiturn";
    $("turns").replaceChildren();
    state.session = s.id;
    for (const turn of s.turns) {
      renderTurn({question: turn.question, query: turn.query, status: turn.status, reason: turn.reason,
        database: s.database, dialect: s.dialect, pipeline: "multiturn", model: "", repairs: 0, attempts: [],
        notes: turn.row_count !== null && turn.row_count > turn.preview.length ? [`showing ${turn.preview.length} of ${turn.row_count} rows (saved preview); re-run for all`] : [],
        result: turn.columns.length ? {columns: turn.columns, rows: turn.preview, row_count: turn.preview.length, truncated: false} : null});
    }
  } catch (err) { $("error").textContent = err.message; }
}

// ----------------------------------------------------------------- asking
async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question || state.busy) return;
  state.busy = true;
  $("ask").disabled = true;
  $("error").textContent = "";
  const progress = $("progress");
  progress.textContent = "working…";
  const onEvent = (name, data) => {
    const what = {schema: `schema loaded (${data.elements} elements)`, candidate: `candidate ${data.n} generated`,
      repaired: `repaired candidate ${data.n}`, executed: `executed: ${data.outcome}`}[name] || name;
    progress.textContent = what;
  };
  const pipeline = $("pipeline").value;
  const model = $("model").value || null;
  try {
    let answer;
    if (pipeline === "multiturn") {
      if (!state.session) {
        const s = await api("/api/sessions", {database: $("database").value, dialect: $("dialect").value});
        state.session = s.id;
      }
      answer = await stream(`/api/sessions/${state.session}/turns/stream`, {question, model}, onEvent);
      loadSessions();
    } else {
      answer = await stream("/api/ask/stream", {database: $("database").value, dialect: $("dialect").value,
        question, pipeline, model}, onEvent);
    }
    renderTurn(answer);
    $("question").value = "";
  } catch (err) {
    $("error").textContent = err.message;
  } finally {
    progress.textContent = "";
    state.busy = false;
    $("ask").disabled = false;
  }
}

// --------------------------------------------------------------- rendering
function cellText(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value !== "object") return String(value);
  if (value.kind === "node") return `(${(value.labels || []).map((l) => ":" + l).join("")} ${JSON.stringify(value.properties)})`;
  if (value.kind === "relationship") return `[:${value.type} ${JSON.stringify(value.properties)}]`;
  if (value.kind === "path") {
    let text = `(${MomqGraph.caption(value.nodes[0] || {})})`;
    value.relationships.forEach((r, i) => {
      const forward = r.start === (value.nodes[i] || {}).ref;
      text += `${forward ? "-" : "<-"}[:${r.type}]${forward ? "->" : "-"}(${MomqGraph.caption(value.nodes[i + 1] || {})})`;
    });
    return text;
  }
  return JSON.stringify(value);
}

function table(result) {
  const box = document.createElement("div");
  const t = document.createElement("table");
  t.dataset.testid = "result-table";
  const head = t.createTHead().insertRow();
  for (const column of result.columns) {
    const th = document.createElement("th");
    th.textContent = column;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of result.rows) {
    const tr = body.insertRow();
    for (const value of row) {
      const td = tr.insertCell();
      td.textContent = cellText(value);
      if (value === null) td.className = "null";
    }
  }
  const note = document.createElement("p");
  note.className = "rows";
  note.textContent = `${result.row_count} row(s)` + (result.truncated ? " (truncated)" : "") +
    (result.elapsed_ms ? ` in ${result.elapsed_ms} ms` : "");
  box.append(t, note);
  return box;
}

function csv(result) {
  const quote = (v) => {
    const text = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [result.columns, ...result.rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {  // no clipboard API: the old way
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1200);
}

function showResult(article, answer) {
  const q = article.querySelector(".query code");
  q.innerHTML = MomqHighlight.html(answer.query || "");
  article.querySelector(".query").hidden = !answer.query;
  const status = article.querySelector(".status");
  status.textContent = answer.status;
  status.className = `status status-${answer.status}`;
  status.dataset.testid = "status";
  article.querySelector(".reason").textContent = answer.reason || "";
  const graphBox = article.querySelector(".graph-box");
  const tableBox = article.querySelector(".table-box");
  graphBox.replaceChildren();
  tableBox.replaceChildren();
  if (answer.result) {
    const svg = MomqGraph.draw(answer.result.rows);
    if (svg) graphBox.appendChild(svg);
    tableBox.appendChild(table(answer.result));
  }
  for (const cls of ["copy-json", "download-csv", "download-json"]) {
    article.querySelector(`.${cls}`).disabled = !answer.result;
  }
}

function renderTurn(answer) {
  const article = $("turn-template").content.firstElementChild.cloneNode(true);
  article.dataset.testid = "turn";
  article.querySelector(".question").textContent = answer.question;
  const how = [answer.pipeline && `pipeline ${answer.pipeline}`, answer.model && `model ${answer.model}`,
    `${answer.repairs} repair(s)`].filter(Boolean).join(", ");
  article.querySelector(".how").textContent = how;
  const list = article.querySelector(".attempts ol");
  for (const a of answer.attempts || []) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.innerHTML = MomqHighlight.html(a.query || "(no query)");
    li.append(`${a.stage} ${a.round}: ${a.outcome}${a.message && a.outcome !== "ok" ? " — " + a.message : ""} `, code);
    list.appendChild(li);
  }
  article.querySelector(".attempts").hidden = !(answer.attempts || []).length;
  const notes = article.querySelector(".notes");
  for (const n of answer.notes || []) {
    const li = document.createElement("li");
    li.textContent = n;
    notes.appendChild(li);
  }
  let current = answer;
  showResult(article, current);
  const edit = article.querySelector(".edit");
  const text = article.querySelector(".edit-text");
  article.querySelector(".edit-query").addEventListener("click", () => {
    text.value = current.query || "";
    edit.hidden = false;
    text.focus();
  });
  article.querySelector(".cancel-edit").addEventListener("click", () => { edit.hidden = true; });
  article.querySelector(".run-edit").addEventListener("click", async () => {
    $("error").textContent = "";
    try {
      const ran = await api("/api/query", {database: answer.database, dialect: answer.dialect, query: text.value});
      current = {...current, query: ran.query, status: ran.status, reason: ran.message ? `${ran.error}: ${ran.message}` : "edited and re-run",
        result: ran.result || null};
      showResult(article, current);
      edit.hidden = true;
    } catch (err) { $("error").textContent = err.message; }
  });
  article.querySelector(".copy-query").addEventListener("click", (e) => copy(current.query || "", e.target));
  article.querySelector(".copy-json").addEventListener("click", (e) => copy(JSON.stringify(current.result, null, 1), e.target));
  article.querySelector(".download-csv").addEventListener("click", () => download("momq-result.csv", "text/csv", csv(current.result)));
  article.querySelector(".download-json").addEventListener("click", () =>
    download("momq-result.json", "application/json", JSON.stringify({query: current.query, result: current.result}, null, 1)));
  $("turns").appendChild(article);
  article.scrollIntoView({block: "end"});
}

// ------------------------------------------------------------------- start
async function init() {
  $("api-key").value = localStorage.getItem("momq.key") || "";
  $("api-key").addEventListener("change", () => { localStorage.setItem("momq.key", $("api-key").value); init(); });
  try {
    state.databases = await api("/api/databases");
    const models = await api("/v1/models");
    fillSelect($("database"), state.databases.map((d) => d.name), localStorage.getItem("momq.database"));
    fillSelect($("model"), models.data.map((m) => m.id), null);
    onDatabaseChange();
    loadSessions();
  } catch (err) {
    $("error").textContent = err.message;
  }
}

$("database").addEventListener("change", onDatabaseChange);
$("dialect").addEventListener("change", startConversation);
$("new-chat").addEventListener("click", startConversation);
$("ask-form").addEventListener("submit", ask);
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask-form").requestSubmit(); }
});
document.body.dataset.ready = "false";
init().then(() => { document.body.dataset.ready = "true"; });
