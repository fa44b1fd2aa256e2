/**
 * The benchmark as one self-contained HTML file (no network): the totals ranked by effective cost, a scatter
 * of effective saving against recall per strategy, and per-call charts (cumulative dollars, context size) of
 * any session. Charts are SVG drawn by a small inline script from the embedded data: axis ticks at round
 * values, labels kept apart, a hover read-out of every point, strategies shown or hidden from the legend, and
 * a layout that fits a phone's width (the SVGs scale to their container; wide tables scroll inside their box).
 *
 * @module
 */
import { type BenchReport, byEffectiveCost } from "./bench.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function percent(value: number): string {
  const rounded = Math.abs(value) < 0.0005 ? 0 : value;
  return `${(rounded * 100).toFixed(1)}%`;
}

/** Renders the report. */
export function renderHtmlReport(report: BenchReport): string {
  const ranked = byEffectiveCost(report.summary);
  const data = {
    priceModel: report.priceModel,
    cache: report.cache,
    summary: ranked.map((row) => ({
      strategy: row.strategy,
      costUsd: row.costUsd,
      effectiveCostUsd: row.effectiveCostUsd,
      savingRatio: row.savingRatio,
      effectiveSavingRatio: row.effectiveSavingRatio,
      recall: row.recall,
      recallCalls: row.recallCalls,
      sessionsDearer: row.sessionsDearer,
      sessions: row.sessions,
      compactions: row.compactions,
      worstStop: row.worstStopRegret?.excessRatio ?? null,
    })),
    sessions: [...new Set(report.results.map((row) => row.transcript))],
    series: report.results.map((row) => ({
      transcript: row.transcript,
      strategy: row.strategy,
      cost: row.series?.cumulativeCostUsd ?? [],
      context: row.series?.contextTokens ?? [],
    })),
  };
  // JSON inside <script>: escape "<" so no "</script>" can close the tag early.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const rows = ranked
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.strategy)}</td><td>$${row.effectiveCostUsd.toFixed(2)}</td><td>$${row.costUsd.toFixed(2)}</td><td>$${row.baselineCostUsd.toFixed(2)}</td><td>${percent(row.savingRatio)}</td><td>${percent(row.effectiveSavingRatio)}</td><td>${row.recall === null ? "–" : row.recall.toFixed(3)}</td><td>${row.sessionsDearer}/${row.sessions}</td><td>${row.worstStopRegret ? `${row.worstStopRegret.excessRatio > 0 ? "+" : ""}${percent(row.worstStopRegret.excessRatio)}` : "–"}</td><td>${row.compactions}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>compactor bench</title>
<style>
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1.5em;max-width:1000px;color:#1d232b;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .4em}
.meta{color:#555;margin:.2em 0 1em}.note{color:#555;max-width:760px;font-size:.92em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid #e3e6ea;border-radius:6px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.92em}
td,th{padding:.35em .7em;border-bottom:1px solid #eceef1;text-align:right;white-space:nowrap}
th{background:#f6f7f9;font-weight:600}td:first-child,th:first-child{text-align:left;position:sticky;left:0;background:inherit}
tbody tr:nth-child(odd){background:#fbfbfc}tbody tr{background:#fff}
.chart{position:relative;margin:.6em 0 1.2em}.chart svg{display:block;width:100%;height:auto;overflow:visible}
svg text{font-size:12px;fill:#3b434d}svg .title{font-size:14px;font-weight:600;fill:#1d232b}
svg .grid{stroke:#e8eaee}svg .axis{stroke:#9aa3ad}svg .zero{stroke:#9aa3ad;stroke-dasharray:4 3}
.legend{display:flex;flex-wrap:wrap;gap:.3em .5em;margin:.5em 0}
.legend button{font:inherit;font-size:.88em;border:1px solid #d5d9de;background:#fff;border-radius:999px;padding:.15em .7em;cursor:pointer;color:#1d232b}
.legend button[aria-pressed="false"]{opacity:.4;text-decoration:line-through}
.legend i{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.35em;vertical-align:-.05em}
.tip{position:absolute;pointer-events:none;background:rgba(29,35,43,.94);color:#fff;font-size:12px;line-height:1.35;padding:.45em .6em;border-radius:5px;max-width:260px;display:none;z-index:2;white-space:nowrap}
.tip b{font-weight:600}
.key{list-style:none;padding:0;margin:-.4em 0 1em;columns:2 150px;font-size:.88em}.key li{margin:.15em 0}
.key i{display:inline-block;width:.75em;height:.75em;border-radius:50%;margin-right:.4em;vertical-align:-.05em}
select{font:inherit;max-width:100%}
@media (max-width:600px){body{padding:.8em;font-size:14px}svg text{font-size:13px}}
</style></head><body>
<h1>compactor bench</h1>
<p class="meta">Prices: ${escapeHtml(report.priceModel)} · cache: ${escapeHtml(report.cache)} · ${data.sessions.length} sessions</p>
<h2>Totals, ranked by effective cost</h2>
<p class="note">Effective cost adds the recovery of what the strategy made the agent forget: per fact used that is gone from the view, one extra call re-reading the output that held it, which then rides in the prompt until the next compaction. Recall counts only the calls that used something a compaction removed. Worst stop: the largest excess over no compaction had the session ended after the first compaction.</p>
<div class="scroll"><table><thead><tr><th>strategy</th><th>effective</th><th>cost</th><th>no compaction</th><th>saving</th><th>effective saving</th><th>recall</th><th>dearer</th><th>worst stop</th><th>compactions</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
<h2>Effective saving against recall</h2>
<p class="note">One point per strategy over all sessions. Up is cheaper than no compaction once forgetting is paid for (below the dashed line: dearer); right is more of what was removed still in view. Hollow points removed nothing the agent used again (no recall to measure). Hover a point for its figures.</p>
<div class="chart" id="scatter"></div>
<ul class="key" id="scatter-key"></ul>
<h2>Per call</h2>
<p class="note">One session at a time (the longest first): cumulative dollars (summaries included) and the prompt tokens sent at each call. Hover for the values at a call; click a strategy to show or hide it.</p>
<label>Session <select id="session"></select></label>
<div class="legend" id="legend"></div>
<div class="chart" id="cost"></div>
<div class="chart" id="context"></div>
<script id="data" type="application/json">${json}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var colors = ["#2563eb","#ea580c","#16a34a","#dc2626","#7c3aed","#92400e","#db2777","#4b5563","#a16207","#0891b2","#1e3a8a","#4d7c0f"];
  var strategies = data.summary.map(function (row) { return row.strategy; });
  var hidden = {};
  function color(name) { var i = strategies.indexOf(name); return colors[(i < 0 ? 0 : i) % colors.length]; }
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  // Round ticks: steps of 1, 2 or 5 times a power of ten covering [min, max] in about \`count\` steps.
  function ticks(min, max, count) {
    if (!(max > min)) { max = min + 1; }
    var raw = (max - min) / count, power = Math.pow(10, Math.floor(Math.log10(raw))), step = power;
    [1, 2, 2.5, 5, 10].some(function (m) { step = m * power; return raw <= step; });
    var start = Math.floor(min / step + 1e-9) * step, end = Math.ceil(max / step - 1e-9) * step, out = [];
    for (var v = start; v <= end + step / 2; v += step) out.push(Math.abs(v) < step / 1e6 ? 0 : v);
    return { values: out, step: step, min: start, max: end };
  }
  function decimals(step) { return Math.max(0, -Math.floor(Math.log10(step) + 1e-9)); }
  function fmtPercent(v, step) { return (v * 100).toFixed(decimals(step * 100)) + "%"; }
  function fmtUsd(v, step) { return "$" + v.toFixed(Math.min(4, decimals(step))); }
  function fmtTokens(v) { return v >= 1000 ? (v / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 }) + "k" : String(Math.round(v)); }
  // The drawing is as wide as its box, so text keeps its size on a phone.
  var W = 760, H = 330, L = 64, R = 16, T = 30, B = 46, narrow = false;
  function frame(container, title, xLabel, yLabel) {
    W = Math.max(300, Math.min(960, container.clientWidth || 760));
    narrow = W < 560;
    H = narrow ? 280 : 330; L = narrow ? 52 : 64;
    container.innerHTML = "";
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title, preserveAspectRatio: "xMidYMid meet" }, null);
    container.appendChild(svg);
    el("text", { x: L, y: 18, class: "title" }, svg).textContent = title;
    el("text", { x: L + (W - L - R) / 2, y: H - 6, "text-anchor": "middle" }, svg).textContent = xLabel;
    el("text", { x: 14, y: T + (H - T - B) / 2, transform: "rotate(-90 14 " + (T + (H - T - B) / 2) + ")", "text-anchor": "middle" }, svg).textContent = yLabel;
    var tip = document.createElement("div"); tip.className = "tip"; container.appendChild(tip);
    return { svg: svg, tip: tip };
  }
  function axes(svg, xs, ys, x, y, fx, fy) {
    ys.values.forEach(function (v) {
      el("line", { x1: L, y1: y(v), x2: W - R, y2: y(v), class: "grid" }, svg);
      el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, svg).textContent = fy(v, ys.step);
    });
    xs.values.forEach(function (v) {
      el("line", { x1: x(v), y1: H - B, x2: x(v), y2: H - B + 4, class: "axis" }, svg);
      el("text", { x: x(v), y: H - B + 17, "text-anchor": "middle" }, svg).textContent = fx(v, xs.step);
    });
    el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }, svg);
    el("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }, svg);
  }
  function showTip(chart, html, px, py) {
    var tip = chart.tip, box = chart.svg.getBoundingClientRect(), scale = box.width / W;
    tip.innerHTML = html; tip.style.display = "block";
    var left = px * scale + 12, top = py * scale - 10;
    if (left + tip.offsetWidth > box.width) left = Math.max(0, px * scale - tip.offsetWidth - 12);
    tip.style.left = left + "px"; tip.style.top = Math.max(0, top) + "px";
  }
  function esc(text) { return String(text).replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function scatter() {
    var chart = frame(document.getElementById("scatter"), "Effective saving against recall, per strategy", "recall (share of removed facts still in view)", "effective saving");
    var svg = chart.svg, rows = data.summary;
    var savings = rows.map(function (row) { return row.effectiveSavingRatio; });
    var recalls = rows.filter(function (row) { return row.recall !== null; }).map(function (row) { return row.recall; });
    var ys = ticks(Math.min(0, Math.min.apply(null, savings)), Math.max(0.05, Math.max.apply(null, savings)), 6);
    var xs = ticks(Math.min(0.5, recalls.length ? Math.min.apply(null, recalls) : 1), 1, 5);
    var labelRoom = narrow ? 0 : 190;
    function x(v) { return L + ((v - xs.min) / (xs.max - xs.min)) * (W - L - R - labelRoom); }
    function y(v) { return T + (1 - (v - ys.min) / (ys.max - ys.min)) * (H - T - B); }
    axes(svg, xs, ys, x, y, function (v) { return v.toFixed(decimals(xs.step)); }, fmtPercent);
    el("line", { x1: L, y1: y(0), x2: W - R, y2: y(0), class: "zero" }, svg);
    // Labels on the right of their point, pushed apart vertically so none overlap.
    var points = rows.map(function (row) { return { row: row, cx: x(row.recall === null ? xs.max : row.recall), cy: y(row.effectiveSavingRatio) }; });
    var labels = points.slice().sort(function (a, b) { return a.cy - b.cy; });
    var last = -Infinity;
    labels.forEach(function (p) { p.ly = Math.max(p.cy + 4, last + 15); last = p.ly; });
    var overflow = last - (H - B + 4);
    if (overflow > 0) labels.forEach(function (p) { p.ly -= overflow; });
    for (var i = 1; i < labels.length; i++) if (labels[i].ly < labels[i - 1].ly + 15) labels[i].ly = labels[i - 1].ly + 15;
    var key = document.getElementById("scatter-key");
    key.innerHTML = "";
    points.forEach(function (p) {
      var row = p.row, lx = Math.max(p.cx, W - R - labelRoom) + 10;
      if (narrow) {
        var item = document.createElement("li");
        item.innerHTML = '<i style="background:' + (row.recall === null ? "#fff" : color(row.strategy)) + ";border:2px solid " + color(row.strategy) + '"></i>' + esc(row.strategy) + " " + (row.effectiveSavingRatio * 100).toFixed(1) + "%" + (row.recall === null ? "" : ", recall " + row.recall.toFixed(2));
        key.appendChild(item);
      } else el("line", { x1: p.cx, y1: p.cy, x2: lx - 3, y2: p.ly - 4, stroke: color(row.strategy), "stroke-opacity": 0.35 }, svg);
      var dot = el("circle", { cx: p.cx, cy: p.cy, r: 6, fill: row.recall === null ? "#fff" : color(row.strategy), stroke: color(row.strategy), "stroke-width": 2, "data-strategy": row.strategy, tabindex: 0 }, svg);
      el("title", {}, dot).textContent = row.strategy;
      if (!narrow) el("text", { x: lx, y: p.ly, fill: color(row.strategy) }, svg).textContent = row.strategy + " " + (row.effectiveSavingRatio * 100).toFixed(1) + "%";
      function over() {
        showTip(chart, "<b>" + esc(row.strategy) + "</b><br>effective saving " + (row.effectiveSavingRatio * 100).toFixed(1) + "% (saving " + (row.savingRatio * 100).toFixed(1) + "%)<br>recall " + (row.recall === null ? "– (nothing removed was used)" : row.recall.toFixed(3) + " over " + row.recallCalls + " calls") + "<br>dearer on " + row.sessionsDearer + "/" + row.sessions + " sessions · " + row.compactions + " compactions" + (row.worstStop === null ? "" : "<br>worst stop " + (row.worstStop > 0 ? "+" : "") + (row.worstStop * 100).toFixed(1) + "%"), p.cx, p.cy);
      }
      dot.addEventListener("mouseenter", over); dot.addEventListener("focus", over);
      dot.addEventListener("mouseleave", function () { chart.tip.style.display = "none"; });
      dot.addEventListener("blur", function () { chart.tip.style.display = "none"; });
    });
  }
  function lines(container, title, yLabel, pick, session, fy) {
    var rows = data.series.filter(function (row) { return row.transcript === session; });
    var shown = rows.filter(function (row) { return !hidden[row.strategy]; });
    var chart = frame(container, title, "call", yLabel), svg = chart.svg;
    var maxX = 1, maxY = 0;
    rows.forEach(function (row) { var values = pick(row); maxX = Math.max(maxX, values.length); });
    shown.forEach(function (row) { pick(row).forEach(function (v) { maxY = Math.max(maxY, v); }); });
    var xs = ticks(1, maxX, 8), ys = ticks(0, maxY || 1, 5);
    function x(v) { return L + ((v - xs.min) / (xs.max - xs.min)) * (W - L - R); }
    function y(v) { return T + (1 - (v - ys.min) / (ys.max - ys.min)) * (H - T - B); }
    axes(svg, { values: xs.values.filter(function (v) { return v >= 1; }), step: xs.step }, ys, x, y, function (v) { return String(Math.round(v)); }, fy);
    rows.forEach(function (row) {
      var values = pick(row);
      if (values.length === 0) return;
      var d = values.map(function (v, i) { return (i ? "L" : "M") + x(i + 1).toFixed(1) + " " + y(v).toFixed(1); }).join(" ");
      var emphasis = row.strategy === "none" || row.strategy === "default";
      el("path", { d: d, fill: "none", stroke: color(row.strategy), "stroke-width": emphasis ? 2.6 : 1.6, "stroke-dasharray": row.strategy === "none" ? "6 3" : "", "data-strategy": row.strategy, visibility: hidden[row.strategy] ? "hidden" : "visible" }, svg);
    });
    var cursor = el("line", { x1: 0, y1: T, x2: 0, y2: H - B, stroke: "#1d232b", "stroke-opacity": 0.35, visibility: "hidden" }, svg);
    var hit = el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "transparent" }, svg);
    function move(event) {
      var box = svg.getBoundingClientRect(), px = ((event.clientX - box.left) / box.width) * W;
      var call = Math.min(maxX, Math.max(1, Math.round(xs.min + ((px - L) / (W - L - R)) * (xs.max - xs.min))));
      cursor.setAttribute("x1", x(call)); cursor.setAttribute("x2", x(call)); cursor.setAttribute("visibility", "visible");
      var items = shown.map(function (row) { var v = pick(row)[call - 1]; return { name: row.strategy, v: v }; })
        .filter(function (item) { return item.v !== undefined; })
        .sort(function (a, b) { return b.v - a.v; });
      showTip(chart, "<b>call " + call + "</b><br>" + items.map(function (item) { return '<span style="color:' + color(item.name) + '">&#9679;</span> ' + esc(item.name) + " " + fy(item.v, ys.step / 100); }).join("<br>"), x(call), T + 10);
    }
    hit.addEventListener("mousemove", move);
    hit.addEventListener("mouseleave", function () { chart.tip.style.display = "none"; cursor.setAttribute("visibility", "hidden"); });
  }
  var select = document.getElementById("session");
  var longest = data.sessions[0], longestCalls = -1;
  data.sessions.forEach(function (name) {
    var option = document.createElement("option"); option.value = name; option.textContent = name; select.appendChild(option);
    var row = data.series.find(function (r) { return r.transcript === name; });
    if (row && row.cost.length > longestCalls) { longestCalls = row.cost.length; longest = name; }
  });
  select.value = longest;
  var legend = document.getElementById("legend");
  strategies.forEach(function (name) {
    var button = document.createElement("button");
    button.type = "button"; button.setAttribute("aria-pressed", "true"); button.setAttribute("data-strategy", name);
    button.innerHTML = '<i style="background:' + color(name) + '"></i>' + esc(name);
    button.addEventListener("click", function () { hidden[name] = !hidden[name]; button.setAttribute("aria-pressed", hidden[name] ? "false" : "true"); draw(); });
    legend.appendChild(button);
  });
  function draw() {
    lines(document.getElementById("cost"), "Cumulative dollars", "dollars", function (row) { return row.cost; }, select.value, fmtUsd);
    lines(document.getElementById("context"), "Context sent per call", "prompt tokens", function (row) { return row.context; }, select.value, function (v) { return fmtTokens(v); });
  }
  select.addEventListener("change", draw);
  scatter();
  draw();
  var width = window.innerWidth;
  window.addEventListener("resize", function () { if (window.innerWidth !== width) { width = window.innerWidth; scatter(); draw(); } });
  // For checks in a headless browser: the page must not scroll sideways at any width.
  document.body.setAttribute("data-overflow", String(document.documentElement.scrollWidth > window.innerWidth));
  document.body.setAttribute("data-charts-drawn", "true");
})();
</script>
</body></html>
`;
}
