/**
 * The dashboard page: one self-contained HTML document (inline CSS and script, no network but its own
 * `/api/summary`). The document carries no data: the script fetches the summary and builds every element
 * with `textContent`, so session ids and model names (which clients choose) are always text, never markup.
 *
 * @module
 */
import { createHash } from "node:crypto";

const style = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#16191d;--muted:#5d6670;--faint:#8a939c;--line:#e3e6ea;--accent:#2f5fd0;
--good:#11804a;--good-bg:#e6f4ec;--bad:#b42318;--bad-bg:#fdecea;--warn:#9a5b00;--warn-bg:#fff3dc;--bar:#e9ecf0;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#181c22;--ink:#e8ebef;--muted:#a2abb5;--faint:#76808a;
--line:#2a3038;--accent:#7aa2ff;--good:#4cc38a;--good-bg:#13291e;--bad:#ff7b6e;--bad-bg:#33191a;--warn:#f0b44c;
--warn-bg:#30260f;--bar:#262c34}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font-size:15px;line-height:1.45}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 16px;margin-bottom:18px}
h1{font-size:20px;margin:0;font-weight:650;letter-spacing:-.01em}
h1 span{color:var(--muted);font-weight:500}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 10px;font-weight:600}
.mode{font-size:12px;font-weight:600;color:var(--warn);background:var(--warn-bg);padding:2px 9px;border-radius:8px}
.status{display:flex;align-items:center;gap:8px;color:var(--muted);font-size:13px;margin-left:auto}
.dot{width:9px;height:9px;border-radius:50%;background:var(--faint);flex:none}
.dot.live{background:var(--good);box-shadow:0 0 0 3px var(--good-bg)}
.dot.down{background:var(--bad);box-shadow:0 0 0 3px var(--bad-bg)}
.banner{display:none;padding:10px 14px;border-radius:8px;background:var(--bad-bg);color:var(--bad);margin-bottom:16px;font-size:14px}
.banner.shown{display:block}
.hero{display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1.6fr) minmax(0,.9fr) minmax(0,.9fr);gap:14px;margin-bottom:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;min-width:0}
.label{font-size:13px;color:var(--muted);font-weight:600}
.value{font-size:40px;font-weight:700;letter-spacing:-.02em;line-height:1.1;margin:6px 0 4px;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card:not(.big) .value{font-size:30px}
.value.good{color:var(--good)}.value.bad{color:var(--bad)}
.sub{font-size:13px;color:var(--muted);overflow-wrap:anywhere}
.sub b{color:var(--ink);font-weight:600;font-variant-numeric:tabular-nums}
.formula{margin-top:10px;padding-top:10px;border-top:1px dashed var(--line);font-size:13px;color:var(--muted);
display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline;font-variant-numeric:tabular-nums}
.formula b{color:var(--ink);font-weight:600}
details{margin:0 0 22px;font-size:13px;color:var(--muted)}
summary{cursor:pointer;color:var(--accent);font-weight:500}
details dl{margin:8px 0 0;display:grid;grid-template-columns:max-content 1fr;gap:6px 14px}
details dt{font-weight:600;color:var(--ink)}details dd{margin:0}
section{margin-bottom:22px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;overflow-x:auto}
.head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px;justify-content:space-between}
.head .sub{margin-bottom:10px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;text-align:right;
padding:10px 12px;border-bottom:1px solid var(--line);white-space:nowrap;background:var(--card)}
td{padding:10px 12px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap;vertical-align:top}
tr:last-child td{border-bottom:0}
th:first-child,td:first-child,th.l,td.l{text-align:left}
td.id{min-width:200px;max-width:320px;white-space:normal}
td.model{max-width:220px;white-space:normal;overflow-wrap:anywhere}
.sid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere;word-break:break-all}
.agent{display:block;font-size:12px;color:var(--muted);margin-top:2px}
.pill{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:999px;background:var(--bar);color:var(--muted);margin-left:6px;vertical-align:1px}
.pill.on{background:var(--good-bg);color:var(--good)}
.neg{color:var(--bad)}.pos{color:var(--good)}.dim{color:var(--faint)}
.empty{padding:28px 20px;text-align:center;color:var(--muted)}
.empty strong{display:block;color:var(--ink);font-size:16px;margin-bottom:6px}
.empty code{display:inline-block;margin:3px 0;font-size:13px;background:var(--bar);padding:2px 8px;border-radius:6px;color:var(--ink);overflow-wrap:anywhere}
.budgets{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px}
.budget .top{display:flex;justify-content:space-between;gap:8px;align-items:baseline}
.budget .name{font-weight:600;overflow-wrap:anywhere;min-width:0}
.state{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:2px 8px;border-radius:999px;flex:none}
.state.ok,.state.tracking{background:var(--good-bg);color:var(--good)}
.state.warn,.state.compact,.state.downgrade{background:var(--warn-bg);color:var(--warn)}
.state.refuse{background:var(--bad-bg);color:var(--bad)}
.meter{height:8px;background:var(--bar);border-radius:999px;margin:12px 0 8px;overflow:hidden;display:flex}
.meter i{display:block;height:100%}
.meter .spent{background:var(--accent)}.meter .reserved{background:var(--warn)}
.budget dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0;font-size:13px}
.limits{margin-top:8px}.slimit{padding:6px 0}.slimit .line{display:flex;gap:8px;align-items:baseline;font-size:13px}
.slimit .lid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.slimit .used{font-variant-numeric:tabular-nums;color:var(--muted)}.slimit .meter{margin:4px 0 0;height:5px}
.sessions-limits .top .sub{flex:none}
.budget dt{color:var(--muted)}.budget dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
footer{font-size:12px;color:var(--faint);display:flex;flex-wrap:wrap;gap:4px 16px}
footer a{color:var(--accent)}
@media (max-width:1100px){.hero{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:640px){
main{padding:14px 12px 36px}
.hero{grid-template-columns:minmax(0,1fr)}
.value{font-size:34px}.card:not(.big) .value{font-size:26px}
.status{margin-left:0;width:100%}
details dl{grid-template-columns:1fr}
.panel{background:transparent;border:0;overflow:visible}
table,tbody,tr,td{display:block;width:100%}
thead{display:none}
tr{background:var(--card);border:1px solid var(--line);border-radius:12px;margin-bottom:10px;padding:4px 14px 10px;display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr) minmax(0,1fr);gap:2px 10px}
td{display:block;width:auto;padding:4px 0;border:0;white-space:normal;text-align:left;overflow-wrap:anywhere;min-width:0;font-size:15px}
td.model{max-width:none;grid-column:1/-1}
.empty{background:var(--card);border:1px solid var(--line);border-radius:12px}
td::before{content:attr(data-label);display:block;color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}
td.id{grid-column:1/-1;max-width:none;min-width:0;padding:8px 0 6px;border-bottom:1px solid var(--line);margin-bottom:4px}
td.model::before{display:inline;margin-right:8px}
td.id::before{content:none}
}
`;

const script = `
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var refreshMs = 2000;
  var last = null;
  var lastOk = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function usd(value) {
    var abs = Math.abs(value);
    // Whole cents (a limit, nothing spent) in cents; small spend to the hundredth of a cent.
    var digits = abs >= 1000 ? 0 : abs >= 1 || Math.abs(abs * 100 - Math.round(abs * 100)) < 1e-9 ? 2 : 4;
    var text = abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return (value < 0 && Number(text.replace(/,/g, "")) !== 0 ? "\\u2212$" : "$") + text;
  }
  function pct(ratio) {
    var value = ratio * 100;
    var text = Math.abs(value).toFixed(1);
    return (value < 0 && Number(text) !== 0 ? "\\u2212" : "") + text + "%";
  }
  function tokens(count) {
    if (count >= 1e6) return (count / 1e6).toFixed(count >= 1e7 ? 0 : 1) + "M";
    if (count >= 1e3) return (count / 1e3).toFixed(count >= 1e4 ? 0 : 1) + "k";
    return String(count);
  }
  function integer(count) { return count.toLocaleString("en-US"); }
  function ago(time, now) {
    var seconds = Math.max(0, Math.round((now - time) / 1000));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return Math.floor(seconds / 86400) + " d ago";
  }
  /** Writes a figure: its text, and the exact number it shows in data-raw. */
  function figure(node, raw, text) {
    node.textContent = text;
    node.setAttribute("data-raw", String(raw));
    return node;
  }
  function set(id, raw, text) { return figure($(id), raw, text); }

  var apis = { "anthropic": "Anthropic Messages", "openai-chat": "OpenAI Chat", "openai-responses": "OpenAI Responses" };
  var agents = { "claude-code": "Claude Code", "codex": "Codex CLI", "header": "x-compactor-session", "hash": "first-message hash", "response-chain": "Responses chain" };
  var states = { tracking: "tracking", ok: "ok", warn: "warning", compact: "compacting harder", downgrade: "downgrading", refuse: "refusing" };

  function renderTotals(data) {
    var t = data.totals;
    set("spent", t.costUsd, usd(t.costUsd));
    set("calls", t.calls, integer(t.calls));
    set("sessions", t.sessions, integer(t.sessions));
    var unpriced = $("unpriced");
    unpriced.textContent = "";
    if (t.unpricedCalls > 0) {
      unpriced.append(" \\u00b7 ");
      unpriced.append(figure(el("b"), t.unpricedCalls, integer(t.unpricedCalls)));
      unpriced.append(" unpriced (not in $)");
    }
    var saving = set("saving", t.realisedSavingUsd, usd(t.realisedSavingUsd));
    saving.className = "value" + (t.realisedSavingUsd > 0 ? " good" : t.realisedSavingUsd < 0 ? " bad" : "");
    set("saving-ratio", t.realisedSavingRatio, pct(t.realisedSavingRatio));
    set("uncompacted", t.uncompactedCostUsd, usd(t.uncompactedCostUsd));
    set("f-uncompacted", t.uncompactedCostUsd, usd(t.uncompactedCostUsd));
    set("f-spent", t.costUsd, usd(t.costUsd));
    set("f-summarizer", t.summarizerCostUsd, usd(t.summarizerCostUsd));
    set("f-saving", t.realisedSavingUsd, usd(t.realisedSavingUsd));
    set("hit", t.cacheHitRatio, t.promptTokens > 0 ? pct(t.cacheHitRatio) : "\u2014");
    set("cache-read", t.cacheReadTokens, tokens(t.cacheReadTokens));
    set("prompt", t.promptTokens, tokens(t.promptTokens));
    set("compactions", t.compactions, integer(t.compactions));
    var active = 0;
    data.sessions.forEach(function (s) { if (s.compacted) active++; });
    set("compacted-sessions", active, integer(active));
    var defs = data.definitions;
    $("def-uncompacted").textContent = defs.uncompacted;
    $("def-saving").textContent = defs.saving + "; as a share: " + defs.ratio;
    $("def-cost").textContent = defs.cost;
  }

  function cell(row, label, cls, raw, text) {
    var td = el("td", cls);
    td.setAttribute("data-label", label);
    if (raw === null) td.textContent = text;
    else figure(td, raw, text);
    row.append(td);
    return td;
  }

  function renderSessions(data) {
    var body = $("rows");
    body.textContent = "";
    var now = data.generatedAt;
    var t = data.totals;
    $("sessions-note").textContent = data.sessions.length < t.sessions
      ? "the " + data.sessions.length + " most recently active of " + t.sessions + " (totals count all)"
      : data.sessions.length === 0 ? "" : "most recently active first";
    $("empty").hidden = data.sessions.length !== 0 || data.sessionsSkipped > 0;
    $("table").hidden = data.sessions.length === 0;
    data.sessions.forEach(function (s) {
      var r = s.report;
      var row = el("tr");
      row.setAttribute("data-session", s.id);
      var first = el("td", "id");
      first.setAttribute("data-label", "Session");
      first.append(el("span", "sid", s.id));
      if (s.compacted) first.append(el("span", "pill on", "compacted"));
      first.append(el("span", "agent", (agents[s.source] || s.source) + (s.api ? " \\u00b7 " + (apis[s.api] || s.api) : "")));
      row.append(first);
      cell(row, "Model", "l model", null, r.model || "\\u2014");
      cell(row, "Calls", "calls", r.calls, integer(r.calls));
      var context = cell(row, "Context", "context", s.contextTokens, s.contextTokens ? tokens(s.contextTokens) : "\\u2014");
      context.title = s.contextTokens + " prompt tokens on the last call; " + r.historyMessages + " messages of history kept";
      var spentCell = cell(row, "Spent", "spent", r.costUsd, r.calls > 0 && r.unpricedCalls === r.calls ? "unpriced" : usd(r.costUsd));
      if (r.unpricedCalls > 0) spentCell.title = r.unpricedCalls + " call(s) of a model without a known price, left out of the dollars";
      var saved = cell(row, "Saved", "saved", r.realisedSavingUsd, usd(r.realisedSavingUsd));
      saved.className += r.realisedSavingUsd < 0 ? " neg" : r.realisedSavingUsd > 0 ? " pos" : " dim";
      saved.title = r.verdict;
      cell(row, "Cache hit", "hit", s.cacheHitRatio, r.promptTokens ? pct(s.cacheHitRatio) : "\\u2014");
      cell(row, "Compactions", "compactions", r.compactions, integer(r.compactions));
      var when = cell(row, "Last activity", "last", null, ago(s.lastActivityAt, now));
      when.title = new Date(s.lastActivityAt).toISOString();
      body.append(row);
    });
  }

  function renderBudgets(data) {
    var b = data.budgets;
    var box = $("budgets");
    box.textContent = "";
    var note = $("budgets-note");
    note.textContent = b.mode === "ledger"
      ? "ledger: " + b.ledger + (b.degraded ? " \\u2014 unreachable, counting in memory" : "") +
        (b.pendingReplays ? " \\u00b7 " + b.pendingReplays + " settlements to replay" : "")
      : "";
    if (b.mode !== "ledger" || b.limits.length === 0) {
      var empty = el("div", "card empty");
      empty.append(el("strong", "", b.mode === "gate" ? "Budgets are enforced by a custom gate" : b.mode === "none" ? "No budget on this proxy" : "No limits to show yet"));
      empty.append(el("span", "", b.error ? "The ledger did not answer: " + b.error
        : b.mode === "gate" ? "Its ledger is not visible here; read it with compactor budget."
        : b.mode === "none" ? "Spend is tracked above but nothing is capped. Start the proxy with a budget to cap sessions or the team."
        : "Session limits appear after a session's first call."));
      box.append(empty);
      return;
    }
    function meterOf(l, useTokens, max) {
      var meter = el("div", "meter");
      if (max) {
        var spent = el("i", "spent"); spent.style.width = Math.min(100, 100 * (useTokens ? l.spentTokens : l.spentUsd) / max) + "%";
        var held = el("i", "reserved"); held.style.width = Math.min(100, 100 * (useTokens ? l.reservedTokens : l.reservedUsd) / max) + "%";
        meter.append(spent, held);
      }
      return meter;
    }
    function limitText(l) {
      return l.limitUsd !== null ? usd(l.limitUsd) + (l.limitTokens !== null ? " / " + tokens(l.limitTokens) + " tok" : "")
        : l.limitTokens !== null ? tokens(l.limitTokens) + " tokens" : "none (tracking)";
    }
    var sessionLimits = [];
    b.limits.forEach(function (l) {
      var useTokens = l.limitUsd === null && l.limitTokens !== null;
      var max = useTokens ? l.limitTokens : l.limitUsd;
      if (l.scope === "session") { sessionLimits.push(l); return; }
      var card = el("div", "card budget");
      card.setAttribute("data-limit", l.limitId);
      var top = el("div", "top");
      top.append(el("span", "name", l.limitId));
      top.append(el("span", "state " + l.state, states[l.state] || l.state));
      card.append(top);
      card.append(meterOf(l, useTokens, max));
      var dl = el("dl");
      function row(label, cls, raw, text) { dl.append(el("dt", "", label)); dl.append(figure(el("dd", cls), raw, text)); }
      row("Limit", "limit", l.limitUsd === null ? (l.limitTokens === null ? "" : l.limitTokens) : l.limitUsd, limitText(l));
      row("Spent", "spent", l.spentUsd, usd(l.spentUsd) + " \u00b7 " + tokens(l.spentTokens) + " tok");
      row("Reserved", "reserved", l.reservedUsd, usd(l.reservedUsd));
      row("Remaining", "remaining", l.remainingUsd === null ? "" : l.remainingUsd, l.remainingUsd === null ? "\u2014" : usd(l.remainingUsd));
      row("Used", "share", l.share, max ? pct(l.share) : "\u2014");
      row("Window", "window", l.windowEnd === null ? "" : l.windowEnd, l.windowEnd === null ? "all time" : "until " + new Date(l.windowEnd).toISOString().slice(11, 16) + " UTC");
      card.append(dl);
      box.append(card);
    });
    if (sessionLimits.length > 0) {
      sessionLimits.sort(function (x, y) { return y.share - x.share; });
      var card = el("div", "card budget sessions-limits");
      var top = el("div", "top");
      top.append(el("span", "name", "Per-session limit"));
      top.append(el("span", "sub", limitText(sessionLimits[0]) + " each"));
      card.append(top);
      var list = el("div", "limits");
      sessionLimits.slice(0, 6).forEach(function (l) {
        var useTokens = l.limitUsd === null && l.limitTokens !== null;
        var max = useTokens ? l.limitTokens : l.limitUsd;
        var item = el("div", "slimit");
        item.setAttribute("data-limit", l.limitId);
        var line = el("div", "line");
        line.append(el("span", "lid", l.limitId.replace(/^session:/, "")));
        line.append(figure(el("span", "used"), l.share, max ? pct(l.share) : "\u2014"));
        line.append(el("span", "state " + l.state, states[l.state] || l.state));
        item.append(line, meterOf(l, useTokens, max));
        list.append(item);
      });
      card.append(list);
      var hidden = sessionLimits.length - 6 + b.limitsOmitted;
      if (hidden > 0) card.append(el("div", "sub", "+ " + hidden + " more sessions, less used"));
      box.append(card);
    }
  }

  function render(data) {
    last = data;
    renderTotals(data);
    renderSessions(data);
    renderBudgets(data);
    var up = Math.round((data.generatedAt - data.startedAt) / 1000);
    $("uptime").textContent = up < 3600 ? Math.floor(up / 60) + " min" : Math.floor(up / 3600) + " h " + Math.floor((up % 3600) / 60) + " min";
    $("generated").setAttribute("data-raw", String(data.generatedAt));
    var mode = $("mode");
    mode.hidden = data.mode === "compacting";
    mode.textContent = data.mode === "shadow" ? "shadow mode: measuring only, requests go out unchanged (saving stays $0)"
      : data.mode === "record-only" ? "record only: calls are priced, never compacted" : "";
    document.body.setAttribute("data-state", "ready");
    document.body.setAttribute("data-overflow", String(document.documentElement.scrollWidth > window.innerWidth));
  }

  function status(ok, text) {
    $("dot").className = "dot " + (ok ? "live" : "down");
    $("generated").textContent = text;
  }

  function load() {
    var headers = { accept: "application/json" };
    if (token) headers["x-compactor-token"] = token;
    fetch("/api/summary", { headers: headers, cache: "no-store" }).then(function (response) {
      if (response.status === 401) throw new Error("the proxy token is missing or wrong: open this page as /?token=\\u2026");
      if (!response.ok) throw new Error("the proxy answered " + response.status);
      return response.json();
    }).then(function (data) {
      lastOk = Date.now();
      $("banner").className = "banner";
      render(data);
      status(true, "live \\u00b7 updated " + new Date(data.generatedAt).toLocaleTimeString());
    }).catch(function (error) {
      var banner = $("banner");
      banner.textContent = "Cannot refresh: " + error.message + (last ? " (showing the last figures, from " + new Date(lastOk).toLocaleTimeString() + ")" : "");
      banner.className = "banner shown";
      status(false, "not updating");
      document.body.setAttribute("data-state", last ? "stale" : "error");
    }).then(function () { setTimeout(load, refreshMs); });
  }

  $("origin-anthropic").textContent = "ANTHROPIC_BASE_URL=" + location.origin;
  $("origin-openai").textContent = "OPENAI_BASE_URL=" + location.origin + "/v1";
  $("metrics").href = "/metrics";
  load();
})();
`;

const body = `<main>
<header>
<h1>compactor <span>proxy</span></h1><span class="mode" id="mode" hidden></span>
<div class="status"><span class="dot" id="dot"></span><span id="generated">loading\u2026</span><span>\u00b7 up <span id="uptime">\u2014</span></span></div>
</header>
<div class="banner" id="banner" role="alert"></div>
<div class="hero">
<div class="card big"><div class="label">Spent</div><div class="value" id="spent">\u2014</div>
<div class="sub"><b id="calls">0</b> calls in <b id="sessions">0</b> sessions<span id="unpriced"></span>, at list prices</div></div>
<div class="card big"><div class="label">Realised saving</div><div class="value" id="saving">\u2014</div>
<div class="sub"><b id="saving-ratio">0%</b> of <b id="uncompacted">$0</b>, what the same calls would have cost without compaction</div>
<div class="formula"><span><b id="f-uncompacted">$0</b> uncompacted</span><span>\u2212 <b id="f-spent">$0</b> spent</span><span>\u2212 <b id="f-summarizer">$0</b> summarizer</span><span>= <b id="f-saving">$0</b></span></div></div>
<div class="card"><div class="label">Cache hit rate</div><div class="value" id="hit">\u2014</div>
<div class="sub"><b id="cache-read">0</b> of <b id="prompt">0</b> prompt tokens read from the provider\u2019s cache</div></div>
<div class="card"><div class="label">Compactions</div><div class="value" id="compactions">\u2014</div>
<div class="sub"><b id="compacted-sessions">0</b> listed sessions sending a compacted view now</div></div>
</div>
<details><summary>How the saving is measured</summary><dl>
<dt>Uncompacted cost</dt><dd id="def-uncompacted"></dd>
<dt>Saving</dt><dd id="def-saving"></dd>
<dt>Spent</dt><dd id="def-cost"></dd>
<dt>Source</dt><dd>Each session\u2019s report (the figures of <code>sessionReport</code> and <code>proxy.report(id)</code>); the totals are their sums. Cache hit rate: cache-read prompt tokens / all prompt tokens.</dd>
</dl></details>
<section>
<div class="head"><h2>Sessions</h2><div class="sub" id="sessions-note"></div></div>
<div class="panel">
<div class="empty" id="empty"><strong>No calls yet</strong>Point an agent or SDK at this proxy:<br><code id="origin-anthropic"></code><br><code id="origin-openai"></code></div>
<table id="table" hidden><thead><tr><th title="The session id, where it came from, and its API">Session</th><th class="l">Model</th><th>Calls</th><th title="Prompt tokens of the last call, as the provider reported them">Context</th><th title="List-price dollars of the calls (costUsd of the session report)">Spent</th><th title="Realised saving of the session report: uncompacted − spent − summarizer">Saved</th><th title="Cache-read prompt tokens / all prompt tokens">Cache hit</th><th>Compactions</th><th>Last activity</th></tr></thead>
<tbody id="rows"></tbody></table>
</div>
</section>
<section>
<div class="head"><h2>Budgets</h2><div class="sub" id="budgets-note"></div></div>
<div class="budgets" id="budgets"></div>
</section>
<footer><span>Refreshes every 2 s from <code>/api/summary</code></span><a id="metrics">Prometheus /metrics</a></footer>
</main>`;

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The dashboard document. */
export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>compactor proxy</title><meta name="color-scheme" content="light dark">
<style>${style}</style></head>
<body data-state="loading">
${body}
<script>${script}</script>
</body></html>
`;

const loginStyle = `${style}
.login{max-width:420px;margin:12vh auto;padding:24px}.login form{display:flex;gap:8px;margin-top:14px}
.login input{flex:1;min-width:0;font:inherit;padding:8px 10px;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--ink)}
.login button{font:inherit;padding:8px 14px;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}`;

/** The page a browser gets at `/` without the proxy token: a form asking for it, and nothing else. */
export const loginHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>compactor proxy: token required</title><meta name="color-scheme" content="light dark">
<style>${loginStyle}</style></head>
<body data-state="token-required"><main><div class="card login"><h1>compactor <span>proxy</span></h1>
<p class="sub">This proxy requires its token (<code>--token</code> or <code>COMPACTOR_PROXY_TOKEN</code>).</p>
<form method="get" action="/"><input type="password" name="token" autocomplete="current-password" placeholder="proxy token" aria-label="proxy token" required><button type="submit">Open</button></form>
</div></main></body></html>
`;

/**
 * Content-Security-Policy of the dashboard: only its own inline script and style (by hash), requests to its own
 * origin only, no frames, no plugins, no external anything.
 */
export const dashboardCsp = [
  "default-src 'none'",
  `script-src ${sha256(script)}`,
  `style-src ${sha256(style)} ${sha256(loginStyle)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
