// The organisers' live dashboard: polls the arrivals every few seconds and redraws the chart and table.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var M = JSON.parse(document.getElementById("dash-messages").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var SVG = "http://www.w3.org/2000/svg", lastOk = null;
  var clock = new Intl.DateTimeFormat(root.dataset.locale === "en" ? "en-GB" : "ru-RU",
    { timeZone: root.dataset.timezone, hour: "2-digit", minute: "2-digit" });
  var $ = function (id) { return document.getElementById(id); };
  function fmt(text, values) { return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k]; }); }
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function get(path) {
    return fetch(root.dataset.api + path, { credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf } }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  // Bars of 5-minute buckets, from the first arrival to the last, empty buckets included.
  function drawArrivals(buckets) {
    var box = $("dash-arrivals");
    box.innerHTML = "";
    if (!buckets.length) { var p = document.createElement("p"); p.className = "muted"; p.textContent = M.nobody; box.appendChild(p); return; }
    var step = 5 * 60000, counts = {};
    buckets.forEach(function (b) { counts[Math.floor(Date.parse(b.t) / step)] = b.n; });
    var keys = Object.keys(counts).map(Number).filter(function (k) { return counts[k] > 0; });
    var last = Math.max.apply(null, keys);
    keys = keys.filter(function (k) { return k > last - 288; });   // at most the last day of 5-minute bars
    var first = Math.min.apply(null, keys);
    var n = last - first + 1, max = Math.max.apply(null, keys.map(function (k) { return counts[k]; }));
    // Drawn at the box's own width so the labels stay readable on a phone; at least 12 slots wide.
    var W = Math.max(300, Math.round(box.clientWidth || 960)), H = 220, left = 34, bottom = 26, top = 12;
    var barW = (W - left) / Math.max(n, 12);
    var total = keys.reduce(function (sum, k) { return sum + counts[k]; }, 0);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", class: "dash-chart",
      "aria-label": fmt(M.chart, { n: total, first: clock.format(new Date(first * step)),
                                   last: clock.format(new Date((last + 1) * step)), max: max }) });
    (max >= 4 ? [0, 0.5, 1] : [0, 1]).forEach(function (f) {
      var y = top + (H - top - bottom) * (1 - f), v = Math.round(max * f);
      svg.appendChild(el("line", { x1: left, x2: W, y1: y, y2: y, class: "dash-grid" }));
      svg.appendChild(el("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "dash-axis" }, String(v)));
    });
    var labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((W - left) / 56))));
    for (var i = 0; i < n; i++) {
      var k = first + i, c = counts[k] || 0, h = max ? (H - top - bottom) * c / max : 0;
      var x = left + i * barW, rect = el("rect", { x: x + barW * 0.1, y: H - bottom - h, width: Math.max(1, barW * 0.8), height: h, class: "dash-bar-rect" });
      rect.appendChild(el("title", {}, clock.format(new Date(k * step)) + " — " + c + " " + M.arrived));
      svg.appendChild(rect);
      if (i % labelEvery === 0) svg.appendChild(el("text", { x: x + barW / 2, y: H - 8, "text-anchor": "middle", class: "dash-axis" }, clock.format(new Date(k * step))));
    }
    box.appendChild(svg);
  }

  function drawTable(rows) {
    var body = $("dash-municipalities");
    body.innerHTML = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      [row.municipality, row.checked_in, row.registered].forEach(function (v, i) {
        var td = document.createElement("td"); td.textContent = String(v); if (i) td.className = "num"; tr.appendChild(td);
      });
      var td = document.createElement("td"), bar = document.createElement("span"), fill = document.createElement("span");
      bar.className = "dash-bar";
      fill.style.width = (row.registered ? Math.round(100 * row.checked_in / row.registered) : 0) + "%";
      bar.appendChild(fill); td.appendChild(bar); tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function drawTotals(checked, confirmed) {
    $("dash-checked").textContent = checked;
    $("dash-confirmed").textContent = confirmed;
    $("dash-missing").textContent = Math.max(confirmed - checked, 0);
    $("dash-percent").textContent = (confirmed ? Math.round(100 * checked / confirmed) : 0) + "%";
  }

  function refresh() {
    Promise.all([get("/door/arrivals").catch(function () { return null; }), get("/stats")]).then(function (res) {
      var arrivals = res[0], stats = res[1];
      drawTotals(stats.checked_in, stats.confirmed);
      drawTable(stats.by_municipality);
      if (arrivals) drawArrivals(arrivals.buckets || []);
      lastOk = new Date();
      $("dash-updated").textContent = fmt(M.updated, { time: clock.format(lastOk) });
    }).catch(function () {
      if (lastOk) $("dash-updated").textContent = fmt(M.stale, { time: clock.format(lastOk) });
    });
  }
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, 5000);
})();
