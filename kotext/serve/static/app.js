// kotext serve's page: plain JavaScript, no build step, nothing fetched but this server's API.
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const fmt = (x) => (x === null || x === undefined) ? "" : Number(x).toFixed(3);
let health = null;

async function apiError(resp) {
  try { const j = await resp.json(); return j.error || JSON.stringify(j); }
  catch (e) { return `${resp.status} ${resp.statusText}`; }
}

// -- one text ---------------------------------------------------------------------------
async function runText(task) {
  const out = $("result");
  const text = $("text").value;
  const buttons = document.querySelectorAll("#task-buttons button");
  buttons.forEach((b) => { b.disabled = true; });
  out.innerHTML = '<span class="muted">…</span>';
  try {
    const resp = await fetch(`/v1/${task}`, {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({text})});
    if (!resp.ok) { out.innerHTML = `<div class="error">${esc(await apiError(resp))}</div>`; return; }
    const r = await resp.json();
    if (r.error) { out.innerHTML = `<div class="error">${esc(r.error)}</div>`; return; }
    out.innerHTML = (RENDER[task] || renderJson)(r);
    out.dataset.task = task;
  } catch (e) {
    out.innerHTML = `<div class="error">${esc(e)}</div>`;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// One colour per label wherever it is drawn: red for a negative one, green for a positive
// one, else by its place among the model's labels.
const PALETTE = ["#0969da", "#8250df", "#bf8700", "#1b7c83", "#bc4c00", "#57606a"];
function labelColor(label) {
  if (label === "(failed)") return "#8c959f";
  if (label === "(empty)") return "#d0d7de";
  if (/^neg|부정/i.test(label)) return "#cf222e";
  if (/^pos|긍정/i.test(label)) return "#2da44e";
  const i = health && health.labels ? health.labels.indexOf(label) : -1;
  return PALETTE[(i >= 0 ? i : label.length) % PALETTE.length];
}

function scoreRows(scores) {
  return Object.entries(scores).map(([lab, p]) =>
    `<tr><td>${esc(lab)}</td><td>${fmt(p)}</td><td><span class="bar" ` +
    `style="width:${Math.round(p * 200)}px;background:${labelColor(lab)}"></span></td></tr>`).join("");
}

function renderClassify(r) {
  return `<div class="label" id="label">${esc(r.label)}</div>` +
    `<table class="scores">${scoreRows(r.scores)}</table>`;
}

function renderExplain(r) {
  // the HTML kotext explain --html draws (escaped by the server)
  return `<div class="explain" id="explain" data-label="${esc(r.label)}">${r.html}</div>`;
}

function renderSummarize(r) {
  const picked = new Map(r.summary_indices.map((i, k) => [i, r.summary_scores[k]]));
  let html = "", pos = 0;
  r.sentences.forEach((s, i) => {
    html += esc(r.text.slice(pos, s.start));
    const body = esc(r.text.slice(s.start, s.end));
    html += picked.has(i) ? `<mark title="sentence ${i}, score ${fmt(picked.get(i))}">${body}` +
      `<sup>${i}</sup></mark>` : body;
    pos = s.end;
  });
  html += esc(r.text.slice(pos));
  return `<p class="muted">${picked.size} of ${r.sentences.length} sentences picked, marked in place</p>` +
    `<div class="summary-text" id="summary" style="white-space:pre-wrap">${html}</div>`;
}

function renderKeywords(r) {
  if (!r.keywords.length) return '<p class="muted">(no keywords)</p>';
  const top = r.keywords[0][1] || 1;
  return '<table id="keywords"><tr><th>keyword</th><th>score</th><th></th></tr>' +
    r.keywords.map(([w, s]) => `<tr><td>${esc(w)}</td><td>${fmt(s)}</td>` +
      `<td><span class="bar" style="width:${Math.round(s / top * 200)}px"></span></td></tr>`).join("") +
    "</table>";
}

function renderTokenize(r) {
  return '<div id="tokens">' + r.tokens.map((t) =>
    `<span class="token" title="${t.start}-${t.end}">${esc(t.form)}<small>${esc(t.tag)}</small></span>`
  ).join("") + "</div>";
}

function renderJson(r) {
  return `<pre>${esc(JSON.stringify(r, null, 2))}</pre>`;
}

const RENDER = {classify: renderClassify, explain: renderExplain, summarize: renderSummarize,
  keywords: renderKeywords, tokenize: renderTokenize, run: renderJson};

// -- files --------------------------------------------------------------------------------
// The rows of a CSV/TSV stream as kotext writes it (quotes open a cell only at its start),
// fed chunk by chunk.
class RowParser {
  constructor(delim, onRow) {
    this.d = delim; this.onRow = onRow; this.field = ""; this.row = [];
    this.inQ = false; this.quote = false; this.start = true;
  }
  push(text) {
    for (const ch of text) {
      if (this.inQ) {
        if (this.quote) {
          this.quote = false;
          if (ch === '"') { this.field += '"'; continue; }
          this.inQ = false;  // the quote closed the cell: ch is read as outside quotes
        } else if (ch === '"') { this.quote = true; continue; }
        else { this.field += ch; continue; }
      }
      if (ch === '"' && this.start) { this.inQ = true; this.start = false; continue; }
      if (ch === this.d) { this.row.push(this.field); this.field = ""; this.start = true; continue; }
      if (ch === "\n") { this.endRow(); continue; }
      if (ch === "\r") continue;
      this.field += ch; this.start = false;
    }
  }
  endRow() {
    this.row.push(this.field); this.onRow(this.row);
    this.row = []; this.field = ""; this.start = true; this.inQ = false; this.quote = false;
  }
  end() { if (this.field || this.row.length) this.endRow(); }
}

class LineParser {
  constructor(onRow) { this.buf = ""; this.onRow = onRow; }
  push(text) {
    this.buf += text;
    let i;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, i); this.buf = this.buf.slice(i + 1);
      if (line.trim()) this.onRow(JSON.parse(line));
    }
  }
  end() { if (this.buf.trim()) this.onRow(JSON.parse(this.buf)); }
}

const fileState = {file: null, info: null};

function uploadQuery(extra) {
  const p = new URLSearchParams({filename: fileState.file.name, ...extra});
  return p.toString();
}

async function inspectFile() {
  const f = $("file").files[0];
  $("file-error").hidden = true; $("download").hidden = true; $("chart").innerHTML = "";
  $("file-progress").hidden = true;
  if (!f) return;
  fileState.file = f;
  $("file-info").textContent = "reading…";
  const resp = await fetch(`/v1/inspect?${uploadQuery({})}`, {method: "POST",
    headers: {"Content-Type": "application/octet-stream"}, body: f});
  if (!resp.ok) { showFileError(await apiError(resp)); $("file-options").hidden = true; return; }
  const info = await resp.json();
  fileState.info = info;
  const sel = $("text-column");
  sel.innerHTML = info.columns.map((c) => `<option>${esc(c)}</option>`).join("");
  if (info.text_column) sel.value = info.text_column;
  $("file-info").textContent = `${info.format}, ${info.columns.length} columns` +
    (info.rows !== null ? `, ${info.rows} rows` : ", pick the text column");
  $("file-options").hidden = false;
}

function showFileError(msg) {
  $("file-error").textContent = msg; $("file-error").hidden = false;
}

async function runFile() {
  const task = $("file-task").value;
  const params = {text_column: $("text-column").value};
  if ($("output-format").value) params.output_format = $("output-format").value;
  $("file-error").hidden = true; $("download").hidden = true; $("chart").innerHTML = "";
  $("run-file").disabled = true;
  try {
    const resp = await fetch(`/v1/file/${task}?${uploadQuery(params)}`, {method: "POST",
      headers: {"Content-Type": "application/octet-stream"}, body: fileState.file});
    if (!resp.ok) { showFileError(await apiError(resp)); return; }
    const total = Number(resp.headers.get("X-Kotext-Rows"));
    const names = JSON.parse(resp.headers.get("X-Kotext-Columns"));
    const ctype = resp.headers.get("Content-Type") || "";
    const fmtOut = ctype.startsWith("application/x-ndjson") ? "jsonl" :
      ctype.startsWith("text/tab-separated-values") ? "tsv" : "csv";
    const disp = resp.headers.get("Content-Disposition") || "";
    const outName = decodeURIComponent((disp.match(/filename\*=UTF-8''(.+)$/) || [])[1] || "kotext-output");
    const counts = new Map();
    let done = 0, failed = 0, header = null;
    // a row without a label and without an error held an empty text: the "(empty)" bar
    const count = (label, error) => {
      done += 1;
      if (error) { failed += 1; return; }
      if (!names.label) return;  // a task without labels draws the failed rows alone
      const key = label === undefined || label === null || label === "" ? "(empty)" : label;
      counts.set(key, (counts.get(key) || 0) + 1);
    };
    const parser = fmtOut === "jsonl" ?
      new LineParser((o) => count(o[names.label], o[names.error])) :
      new RowParser(fmtOut === "tsv" ? "\t" : ",", (row) => {
        if (header === null) { header = row; return; }
        const li = names.label ? header.indexOf(names.label) : -1;
        count(li >= 0 ? row[li] : undefined, row[header.indexOf(names.error)]);
      });
    $("file-progress").hidden = false;
    const bar = $("progress");
    bar.max = Math.max(total, 1); bar.value = 0;
    const reader = resp.body.getReader();
    const decoder = new TextDecoder("utf-8");  // drops a UTF-8 BOM
    const parts = [];
    for (;;) {
      const {done: end, value} = await reader.read();
      if (end) break;
      parts.push(value);
      parser.push(decoder.decode(value, {stream: true}));
      bar.value = done;
      $("progress-text").textContent = `${done} / ${total} rows` + (failed ? `, ${failed} failed` : "");
      drawChart(counts, failed);
    }
    parser.push(decoder.decode());
    parser.end();
    bar.value = done;
    $("progress-text").textContent = `${done} / ${total} rows done` + (failed ? `, ${failed} failed` : "");
    drawChart(counts, failed);
    const blob = new Blob(parts, {type: ctype});
    const a = $("download");
    a.href = URL.createObjectURL(blob);
    a.download = outName;
    a.textContent = `Download ${outName}`;
    a.hidden = false;
  } catch (e) {
    showFileError(`the run stopped: ${e}`);
  } finally {
    $("run-file").disabled = false;
  }
}

// A bar chart of the labels (and failed rows) as inline SVG.
function drawChart(counts, failed) {
  const items = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  if (failed) items.push(["(failed)", failed]);
  if (!items.length) { $("chart").innerHTML = ""; return; }
  const max = Math.max(...items.map((x) => x[1]));
  const rowH = 26, labelW = 110, barW = 360, h = items.length * rowH + 10;
  const bars = items.map(([lab, n], i) => {
    const w = Math.max(1, Math.round(n / max * barW)), y = 5 + i * rowH;
    const color = labelColor(lab);
    return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(lab)}</text>` +
      `<rect class="chart-bar" data-label="${esc(lab)}" data-count="${n}" x="${labelW}" y="${y}" ` +
      `width="${w}" height="${rowH - 6}" fill="${color}" rx="3"></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 17}">${n}</text>`;
  }).join("");
  $("chart").innerHTML = `<svg id="chart-svg" width="${labelW + barW + 80}" height="${h}" ` +
    `role="img" aria-label="labels">${bars}</svg>`;
}

// -- start --------------------------------------------------------------------------------
async function start() {
  try {
    health = await (await fetch("/health")).json();
    $("model").textContent = `model ${health.model} (${health.labels.join(" / ")}) · ` +
      `texts up to ${health.limits.max_text_chars.toLocaleString()} characters`;
    if (health.tasks.includes("run")) $("btn-run").hidden = false;
    $("file-task").innerHTML = health.file_tasks.map((t) => `<option>${t}</option>`).join("");
  } catch (e) {
    $("model").textContent = `cannot reach the server: ${e}`;
  }
  document.querySelectorAll("#task-buttons button").forEach((b) =>
    b.addEventListener("click", () => runText(b.dataset.task)));
  $("file").addEventListener("change", inspectFile);
  $("run-file").addEventListener("click", runFile);
}
start();
