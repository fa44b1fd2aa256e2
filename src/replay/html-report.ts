/**
 * The benchmark as one self-contained HTML file (no network): cumulative dollars per call and context size per
 * call for each strategy on a chosen session, a scatter of saving against recall per strategy, and the totals.
 * Charts are SVG drawn by a small inline script from the embedded data.
 *
 * @module
 */
import { type BenchReport, byEffectiveCost } from "./bench.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Renders the report. */
export function renderHtmlReport(report: BenchReport): string {
  const data = {
    priceModel: report.priceModel,
    cache: report.cache,
    summary: report.summary,
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
  const rows = byEffectiveCost(report.summary)
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.strategy)}</td><td>$${row.costUsd.toFixed(4)}</td><td>$${row.baselineCostUsd.toFixed(4)}</td><td>${(row.savingRatio * 100).toFixed(1)}%</td><td>${(row.effectiveSavingRatio * 100).toFixed(1)}%</td><td>${row.recall === null ? "-" : row.recall.toFixed(3)}</td><td>${row.sessionsCheaper}/${row.sessions}</td><td>${row.compactions}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>compactor bench</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}
table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.chart{margin:1em 0}.legend span{margin-right:1em}
svg text{font-size:11px;fill:#444}.note{color:#666;max-width:720px}
</style></head><body>
<h1>compactor bench</h1>
<p>Prices: ${escapeHtml(report.priceModel)} · cache: ${escapeHtml(report.cache)} · ${data.sessions.length} sessions</p>
<h2>Totals</h2>
<table><thead><tr><th>strategy</th><th>cost</th><th>no compaction</th><th>saving</th><th>effective saving</th><th>recall</th><th>cheaper</th><th>compactions</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Saving against recall</h2>
<p class="note">Each strategy over all sessions: saving is the share of the no-compaction cost it saved (negative: it cost more); recall is the mean share of the facts the model went on to use from earlier tool output that the strategy still sent. Top right is best.</p>
<div class="chart" id="scatter"></div>
<h2>Per call</h2>
<p class="note">One session at a time (the longest first): cumulative dollars, summarizer included, and the prompt tokens sent at each call.</p>
<label>Session <select id="session"></select></label>
<div class="legend" id="legend"></div>
<div class="chart" id="cost"></div>
<div class="chart" id="context"></div>
<script id="data" type="application/json">${json}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var colors = ["#1f77b4","#ff7f0e","#2ca02c","#d62728","#9467bd","#8c564b","#e377c2","#7f7f7f","#bcbd22","#17becf","#393b79","#637939"];
  var strategies = data.summary.map(function (row) { return row.strategy; });
  function color(name) { return colors[strategies.indexOf(name) % colors.length]; }
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function frame(container, title, xLabel, yLabel) {
    container.innerHTML = "";
    var svg = el("svg", { width: 720, height: 300, viewBox: "0 0 720 300", role: "img", "aria-label": title }, null);
    container.appendChild(svg);
    el("text", { x: 360, y: 16, "text-anchor": "middle" }, svg).textContent = title;
    el("text", { x: 360, y: 295, "text-anchor": "middle" }, svg).textContent = xLabel;
    el("text", { x: 12, y: 150, transform: "rotate(-90 12 150)", "text-anchor": "middle" }, svg).textContent = yLabel;
    el("line", { x1: 60, y1: 260, x2: 700, y2: 260, stroke: "#999" }, svg);
    el("line", { x1: 60, y1: 30, x2: 60, y2: 260, stroke: "#999" }, svg);
    return svg;
  }
  function lines(container, title, yLabel, pick, session) {
    var rows = data.series.filter(function (row) { return row.transcript === session; });
    var svg = frame(container, title, "call", yLabel);
    var maxX = 1, maxY = 0;
    rows.forEach(function (row) { var values = pick(row); maxX = Math.max(maxX, values.length - 1); values.forEach(function (v) { maxY = Math.max(maxY, v); }); });
    if (maxY === 0) maxY = 1;
    function fmt(v) { return maxY >= 100 ? Math.round(v).toLocaleString() : "$" + v.toFixed(v >= 10 ? 1 : 2); }
    [0, 0.25, 0.5, 0.75, 1].forEach(function (share) {
      var ty = 260 - share * 230;
      el("line", { x1: 60, y1: ty, x2: 700, y2: ty, stroke: "#eee" }, svg);
      el("text", { x: 56, y: ty + 4, "text-anchor": "end" }, svg).textContent = fmt(maxY * share);
    });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (share) {
      var tx = 60 + share * 640;
      el("text", { x: tx, y: 274, "text-anchor": "middle" }, svg).textContent = String(Math.round(maxX * share) + 1);
    });
    rows.forEach(function (row) {
      var values = pick(row);
      if (values.length === 0) return;
      var d = values.map(function (v, i) { return (i ? "L" : "M") + (60 + (i / maxX) * 640).toFixed(1) + " " + (260 - (v / maxY) * 230).toFixed(1); }).join(" ");
      el("path", { d: d, fill: "none", stroke: color(row.strategy), "stroke-width": 1.5, "data-strategy": row.strategy }, svg);
    });
  }
  function scatter() {
    var svg = frame(document.getElementById("scatter"), "Saving vs recall, per strategy", "recall", "saving against no compaction");
    var savings = data.summary.map(function (row) { return row.savingRatio; });
    var minY = Math.min(0, Math.min.apply(null, savings)), maxY = Math.max(0.01, Math.max.apply(null, savings));
    var minX = Math.min(0.5, Math.min.apply(null, data.summary.map(function (row) { return row.recall === null ? 1 : row.recall; })));
    function y(v) { return 260 - ((v - minY) / (maxY - minY)) * 230; }
    function x(v) { return 60 + ((v - minX) / (1 - minX || 1)) * 600; }
    el("line", { x1: 60, y1: y(0), x2: 700, y2: y(0), stroke: "#ccc", "stroke-dasharray": "4 3" }, svg);
    [0, 0.25, 0.5, 0.75, 1].forEach(function (share) {
      var v = minY + (maxY - minY) * share, ty = y(v);
      el("text", { x: 56, y: ty + 4, "text-anchor": "end" }, svg).textContent = (v * 100).toFixed(0) + "%";
      var r = minX + (1 - minX) * share;
      el("text", { x: x(r), y: 274, "text-anchor": "middle" }, svg).textContent = r.toFixed(2);
    });
    // Labels: right of the point, or left near the right edge; moved down when they would overlap.
    var placed = [];
    data.summary
      .map(function (row) { return { row: row, cx: x(row.recall === null ? 1 : row.recall), cy: y(row.savingRatio) }; })
      .sort(function (a, b) { return a.cy - b.cy; })
      .forEach(function (point) {
        var row = point.row, left = point.cx > 520, ly = point.cy + 4;
        placed.forEach(function (other) { if (other.left === left && Math.abs(other.x - point.cx) < 160 && Math.abs(other.y - ly) < 13) ly = other.y + 13; });
        placed.push({ x: point.cx, y: ly, left: left });
        el("circle", { cx: point.cx, cy: point.cy, r: 6, fill: color(row.strategy), "fill-opacity": 0.85, "data-strategy": row.strategy }, svg);
        el("text", { x: left ? point.cx - 9 : point.cx + 9, y: ly, "text-anchor": left ? "end" : "start", fill: color(row.strategy) }, svg).textContent =
          row.strategy + " (" + (row.savingRatio >= 0 ? "saves " : "costs ") + Math.abs(row.savingRatio * 100).toFixed(1) + "%)";
      });
  }
  var select = document.getElementById("session");
  var longest = data.sessions[0], longestCalls = -1;
  data.sessions.forEach(function (name) {
    var option = document.createElement("option"); option.value = name; option.textContent = name; select.appendChild(option);
    var row = data.series.find(function (r) { return r.transcript === name; });
    if (row && row.cost.length > longestCalls) { longestCalls = row.cost.length; longest = name; }
  });
  select.value = longest;
  document.getElementById("legend").innerHTML = strategies.map(function (name) { return '<span style="color:' + color(name) + '">&#9632; ' + name.replace(/</g, "&lt;") + "</span>"; }).join("");
  function draw() {
    lines(document.getElementById("cost"), "Cumulative dollars per call", "dollars", function (row) { return row.cost; }, select.value);
    lines(document.getElementById("context"), "Context sent per call", "prompt tokens", function (row) { return row.context; }, select.value);
  }
  select.addEventListener("change", draw);
  scatter();
  draw();
  document.body.setAttribute("data-charts-drawn", "true");
})();
</script>
</body></html>
`;
}
