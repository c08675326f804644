"""The self-contained lineage page: vis-network graph, Plotly charts, folds that open.

The page inlines the vis-network script and style that ship with pyvis and the plotly.js
bundle that ships with plotly (no CDN, works offline; a Content-Security-Policy forbids any
remote load), escapes every piece of user data (ids and authors go into the DOM as text,
never as HTML) and builds the network in the browser from the columnar data of
:func:`lineage.viz.network.lineage_html`: the first view's models at their precomputed
positions, every other carried model folded into "+N more" nodes that open on click (and a
"− fold back" node that closes them again), relation switches, a search that reveals folded
models, a sunburst that opens the branch clicked. It records when the first view is drawn
and fitted (``window.hflStable``, ms since navigation start; null until then) and exposes
``window.hflNetwork`` (the vis Network), ``window.hflNodes`` / ``window.hflEdges`` (its
DataSets) and ``window.hflPage`` (open, close, reveal, switch a relation) for tests.
plotly.js is compiled only once the network is on screen (``window.hflCharts`` is true
when the charts are drawn), so a reader sees the network first. With ``assets`` (as the
site's family pages do) the page loads vis-network and plotly.js from a shared folder
(:func:`write_assets`) instead of inlining them; the default stays one self-contained file.

Example:
    >>> html = render_page(title="t", subtitle="s", data={"models": []}, legend=[],
    ...                    legend_title="l", chart=None, chart_caption="", sunburst=None,
    ...                    generations=None, notes=[])
    >>> "<script src" in html, "<link" in html, "vis.Network" in html, "Plotly" in html
    (False, False, True, True)
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import escape

from lineage.viz.charts import PLOTLY_CONFIG, plotly_js_bytes

#: File names of the shared scripts (:func:`write_assets`).
VIS_JS = "vis-network.min.js"
VIS_CSS = "vis-network.css"
PLOTLY_JS = "plotly.min.js"


@functools.cache
def _vis_dir() -> Path:
    """pyvis's bundled vis-network folder, found without importing pyvis (which imports
    networkx and IPython: 0.4 s of a page)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or spec.origin is None:
        raise ImportError("pyvis is not installed: pip install pyvis")
    return Path(spec.origin).parent / "templates" / "lib" / "vis-9.1.2"


@functools.cache
def vis_assets() -> tuple[str, str]:
    """The vis-network script and stylesheet bundled with pyvis, ready to inline."""
    folder = _vis_dir()
    js = (folder / VIS_JS).read_text(encoding="utf-8")
    css = (folder / VIS_CSS).read_text(encoding="utf-8")
    js = js.replace("//# sourceMappingURL=vis-network.min.js.map", "")
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
@@policy@@<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@title@@</title>
@@vis_style@@
<style>
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 6px 16px; border-bottom: 1px solid #ddd; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 1px 0; color: #555; font-size: 13px; }
#fold-note { color: #8a4b00; }
main { flex: 1; display: flex; min-height: 0; }
#network { flex: 1; min-width: 0; background: #fff; }
aside { width: 360px; padding: 6px 12px; border-left: 1px solid #ddd; overflow-y: auto;
  overflow-x: hidden; }
#growth-chart, #sunburst { width: 340px; }
aside h2 { font-size: 14px; margin: 10px 0 4px; }
.legend label { display: flex; align-items: center; gap: 6px; cursor: pointer; }
.legend span.sw { width: 14px; height: 10px; border: 2px solid; display: inline-block; }
.legend span.sw.fold { background: #f2f2f2; border: 1px dashed #888; }
.legend span.sw.missing { background: #eee; border: 1px dashed #888; }
#details { overflow-wrap: anywhere; }
#details dl, .tip dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0; }
#details dt, .tip dt { color: #666; }
#details dd, .tip dd { margin: 0; }
.tip { font: 12px/1.35 system-ui, sans-serif; max-width: 360px; overflow-wrap: anywhere; }
.tip b { font-size: 13px; }
#find { width: 100%; box-sizing: border-box; margin-top: 6px; }
#find-msg { color: #8a4b00; font-size: 12px; min-height: 1em; margin: 2px 0; }
table.gen { border-collapse: collapse; font-size: 12px; }
table.gen td, table.gen th { padding: 1px 4px; text-align: right; border-bottom: 1px solid #eee; }
.gen-wrap { overflow-x: auto; max-width: 340px; }
.caption { font-size: 12px; color: #555; margin: 2px 0; }
</style>
@@scripts@@
</head>
<body>
<header>
<h1>@@heading@@</h1>
<p id="subtitle">@@subtitle@@</p>
@@notes@@
</header>
<main>
<div id="network"></div>
<aside>
<div class="tools"><button id="to-root" type="button">Go to the model</button>
<button id="fit-all" type="button">Show everything drawn</button></div>
<input id="find" type="search" placeholder="Find a model (folded ones too)" list="model-ids">
<datalist id="model-ids"></datalist>
<p id="find-msg"></p>
<h2>Selected model</h2>
<div id="details"><p>Hover a box for details, click it to keep them here. Click a
"+N more" box to open it, "− fold back" to close it again.</p></div>
<h2 id="legend-title">@@legend_title@@</h2>
<div class="legend">
<div><span class="sw" style="background:#264653;border-color:#000"></span> the model</div>
@@legend@@<div><span class="sw missing"></span> missing (never listed on the Hub)</div>
<div><span class="sw fold"></span> +N more: folded branches (click to open)</div>
<div class="caption">Untick a relation to hide its edges and what hangs below them.
Font size grows with all derivatives (log).</div>
</div>
@@chart@@
@@sunburst@@
@@generations@@
</aside>
</main>
<script>
"use strict";
var HFL = @@data_json@@;
var CHART = @@chart_json@@;
var SUNBURST = @@sunburst_json@@;
var PLOTLY_CONFIG = @@plotly_config_json@@;
var PLOTLY_SRC = @@plotly_src_json@@;
window.hflStable = null;
(function () {
  var D = HFL, n = D.models.length, STEP = 20, PITCH = 30, REACH = 190, READABLE = 8 / 12;
  var MARGIN = {top: 2, bottom: 2, left: 4, right: 4};
  var open = new Uint8Array(n), initial = new Uint8Array(n), offRel = {};
  var kids = [], pos = {}, i;
  for (i = 0; i < n; i++) kids.push([]);
  for (i = 1; i < n; i++) kids[D.via[i]].push(i);
  for (i = 0; i < D.shown; i++) {
    open[i] = initial[i] = 1;
    pos[i] = {x: D.x[i], y: D.y[i]};
  }
  Object.keys(D.folds).forEach(function (k) {
    pos["f:" + k] = {x: D.folds[k][0], y: D.folds[k][1]};
  });
  function side(i) { return D.level[i] < 0 ? "up" : "down"; }
  function relOn(i) {
    if (i === 0) return true;
    return D.relation[i].split("+").some(function (r) { return !offRel[r]; });
  }
  function shown(i) {
    for (; i > 0; i = D.via[i]) if (!open[i] || !relOn(i)) return false;
    return true;
  }
  function color(r) { return D.colors[r.split("+")[0]] || D.colors.other; }
  function tint(hex) {
    var v = parseInt(hex.slice(1), 16), out = "#";
    [16, 8, 0].forEach(function (s) {
      var c = Math.round(((v >> s) & 255) * 0.35 + 255 * 0.65);
      out += (c < 16 ? "0" : "") + c.toString(16);
    });
    return out;
  }
  function hubUrl(id) {
    return "https://huggingface.co/" + id.split("/").map(encodeURIComponent).join("/");
  }
  var RELATION_ROWS = {
    down: ["Derives from", "Relation to its parent"],
    up: ["Parent of", "Relation of its child to it"]
  };
  function info(i) {
    var s = side(i), rows = [];
    if (D.missing[i]) rows.push(["Status", "referenced as a parent but never listed on the Hub"]);
    if (i > 0) {
      rows.push([RELATION_ROWS[s][0], D.models[D.via[i]]]);
      rows.push([RELATION_ROWS[s][1], D.relation[i]]);
    }
    rows.push(["Author", D.author[i]], ["Created", D.created[i]],
              ["Direct derivatives", D.direct[i]], ["All derivatives", D.transitive[i]]);
    var f = D.fit[i];
    if (f) {
      rows.push(["Fit status", f.status], ["\u03bb (fitness)", f.lambda],
                ["\u03bc (immediacy)", f.mu], ["\u03c3 (longevity)", f.sigma],
                ["Ultimate", f.ultimate], ["Fitted on", f.on]);
    }
    return {head: D.models[i], rows: rows, link: D.models[i]};
  }
  function describe(d, withLink) {
    var box = document.createElement("div");
    box.className = "tip";
    var head = document.createElement("b");
    head.textContent = d.head;
    box.appendChild(head);
    var dl = document.createElement("dl");
    d.rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = r[0]; dd.textContent = String(r[1]);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    box.appendChild(dl);
    if (d.note) {
      var p = document.createElement("p");
      p.textContent = d.note;
      box.appendChild(p);
    }
    if (d.link) {
      var a = document.createElement("a");
      a.href = hubUrl(d.link);
      a.textContent = withLink ? "Open on the Hugging Face Hub" : a.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.appendChild(a);
    }
    return box;
  }
  function modelNode(i) {
    var r = i === 0 ? "root" : D.relation[i], c = i === 0 ? D.colors.root : color(r);
    var node = {
      id: i, label: D.labels[i], shape: "box", margin: MARGIN, x: pos[i].x, y: pos[i].y,
      model: D.models[i], relation: i === 0 ? null : r, direct: D.direct[i],
      transitive: D.transitive[i], font: {size: D.font[i], color: "#1b1b1b"},
      color: {background: tint(c), border: c,
              highlight: {background: tint(c), border: "#000000"},
              hover: {background: tint(c), border: "#000000"}},
      borderWidth: 2, title: describe(info(i), false)
    };
    if (i === 0) {
      node.color = {background: D.colors.root, border: "#000000"};
      node.font = {size: D.font[0], color: "#ffffff", bold: true};
      node.borderWidth = 3;
    }
    if (D.missing[i]) {
      node.missing = true;
      node.color = {background: D.colors.missing, border: "#888888"};
      node.shapeProperties = {borderDashes: [4, 3]};
      node.font = {size: D.font[i], color: "#555555"};
      node.label += " (missing)";
    }
    if (D.fit[i]) node.fit = D.fit[i];
    return node;
  }
  // -- folds ------------------------------------------------------------------------------
  function groups() {
    // visible anchors with folded or re-folding branches, per side
    var out = [];
    for (var a = 0; a < n; a++) {
      if (!open[a] || !shown(a)) continue;
      ["down", "up"].forEach(function (s, k) {
        var total = D.below[a][k];
        if (!total) return;
        var opened = 0, revealed = 0, carriedHidden = 0;
        kids[a].forEach(function (c) {
          if (side(c) !== s) return;
          if (open[c]) { opened += D.subtree[c]; if (!initial[c]) revealed += 1; }
          else carriedHidden += D.subtree[c];
        });
        out.push({anchor: a, side: s, hidden: total - opened, carried: carriedHidden,
                  revealed: revealed});
      });
    }
    return out;
  }
  function direction(a, s) {
    var p = pos[a], q = a === 0 ? null : pos[D.via[a]];
    if (D.layout === "tree" || !q) return {x: s === "up" ? -1 : 1, y: 0};
    var dx = p.x - q.x, dy = p.y - q.y, l = Math.hypot(dx, dy) || 1;
    return {x: dx / l, y: dy / l};
  }
  function foldPos(a, s) {
    var key = "f:" + a + ":" + s;
    if (!pos[key]) {
      var d = direction(a, s);
      pos[key] = {x: pos[a].x + d.x * REACH, y: pos[a].y + d.y * REACH};
    }
    return pos[key];
  }
  function boxes() {
    // the boxes drawn now, in canvas units
    return nodes.getIds().map(function (id) {
      var b = network.getBoundingBox(id);
      return b ? [b.left, b.top, b.right, b.bottom] : null;
    }).filter(Boolean);
  }
  function size(label, font) {
    return {w: label.length * font * 0.58 + 12, h: font * 1.5 + 12};
  }
  function freeSlot(p, box, perp, taken) {
    // the nearest place along perp from p where a box of this size overlaps nothing
    for (var k = 0; k < 400; k++) {
      var off = (k % 2 ? -1 : 1) * Math.ceil(k / 2) * PITCH;
      var q = {x: p.x + perp.x * off, y: p.y + perp.y * off};
      var l = q.x - box.w / 2 - 4, r = q.x + box.w / 2 + 4;
      var t = q.y - box.h / 2 - 3, b = q.y + box.h / 2 + 3;
      var hit = taken.some(function (o) { return l < o[2] && o[0] < r && t < o[3] && o[1] < b; });
      if (!hit) {
        taken.push([l, t, r, b]);
        return q;
      }
    }
    return p;
  }
  function place(a, s, list) {
    // the newly opened models of anchor a in a column at its fold, each in the nearest
    // free place, the fold and "fold back" boxes beside them
    var base = foldPos(a, s), d = direction(a, s), perp = {x: -d.y, y: d.x};
    if (D.layout === "tree") perp = {x: 0, y: 1};
    var taken = network ? boxes() : [], m = list.length;
    list.forEach(function (c, j) {
      var off = (j - (m - 1) / 2) * PITCH;
      var want = {x: base.x + perp.x * off, y: base.y + perp.y * off};
      pos[c] = freeSlot(want, size(D.labels[c], D.font[c]), perp, taken);
    });
    var end = ((m + 1) / 2) * PITCH;
    pos["f:" + a + ":" + s] = freeSlot({x: base.x + perp.x * end, y: base.y + perp.y * end},
                                       size("+00,000 more", 12), perp, taken);
    pos["c:" + a + ":" + s] = freeSlot({x: base.x - perp.x * end, y: base.y - perp.y * end},
                                       size("- fold back", 12), perp, taken);
  }
  function openFold(a, s) {
    var list = kids[a].filter(function (c) { return side(c) === s && !open[c]; });
    list = list.slice(0, STEP);
    list.forEach(function (c) { open[c] = 1; });
    place(a, s, list);
    update();
    if (list.length) {  // bring what opened into view, zooming out only as needed
      network.fit({nodes: list.concat([a]), animation: false,
                   maxZoomLevel: network.getScale()});
      if (network.getScale() < READABLE) {  // never below 8 px labels: "fold back" at the top
        var top = pos["c:" + a + ":" + s] || pos[list[0]];
        var down = (container.clientHeight / 2 - 40) / READABLE;
        network.moveTo({position: {x: top.x, y: top.y + down}, scale: READABLE,
                        animation: false});
      }
    }
    return list.length;
  }
  function closeFold(a, s) {
    var stack = kids[a].filter(function (c) { return side(c) === s && open[c] && !initial[c]; });
    while (stack.length) {
      var c = stack.pop();
      open[c] = 0;
      delete pos[c];
      kids[c].forEach(function (g) { if (open[g]) stack.push(g); });
    }
    delete pos["f:" + a + ":" + s];
    delete pos["c:" + a + ":" + s];
    if (D.folds[a + ":" + s]) pos["f:" + a + ":" + s] = {x: D.folds[a + ":" + s][0],
                                                         y: D.folds[a + ":" + s][1]};
    update();
  }
  function reveal(i) {
    var path = [];
    for (var j = i; j > 0 && !open[j]; j = D.via[j]) path.push(j);
    path.reverse().forEach(function (c) {
      open[c] = 1;
      place(D.via[c], side(c), [c]);
    });
    for (var k = i; k > 0; k = D.via[k]) {
      D.relation[k].split("+").forEach(function (r) { setRelation(r, true, true); });
    }
    update();
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 0.8), animation: false});
    details.replaceChildren(describe(info(i), true));
  }
  function setRelation(r, on, quiet) {
    offRel[r] = !on;
    document.querySelectorAll("input[data-relation]").forEach(function (box) {
      if (box.getAttribute("data-relation") === r) box.checked = on;
    });
    if (!quiet) update();
  }
  // -- the vis DataSets kept in step with the state -----------------------------------------
  var nodes = new vis.DataSet(), edges = new vis.DataSet();
  function update() {
    var wantN = {}, wantE = {}, addN = [], addE = [], i;
    for (i = 0; i < n; i++) {
      if (!open[i] || !shown(i)) continue;
      wantN[i] = true;
      if (!nodes.get(i)) addN.push(modelNode(i));
      if (i > 0) {
        var id = "t" + i, up = side(i) === "up";
        wantE[id] = true;
        if (!edges.get(id)) addE.push({id: id, from: up ? i : D.via[i], to: up ? D.via[i] : i,
                                       color: color(D.relation[i]), relation: D.relation[i]});
      }
    }
    D.extra.forEach(function (e, k) {
      var id = "x" + k;
      if (!wantN[e[0]] || !wantN[e[1]]) return;
      if (!e[2].split("+").some(function (r) { return !offRel[r]; })) return;
      wantE[id] = true;
      if (!edges.get(id)) addE.push({id: id, from: e[0], to: e[1], color: color(e[2]),
                                     relation: e[2]});
    });
    var changed = [];
    groups().forEach(function (g) {
      var key = g.anchor + ":" + g.side, what = g.side === "up" ? "bases" : "derivatives";
      if (g.hidden > 0) {
        var fid = "f:" + key, p = foldPos(g.anchor, g.side);
        var note = g.carried < g.hidden ? (g.hidden - g.carried).toLocaleString("en-US") +
            " of them are not on this page (open this branch's own page)" : "";
        var fold = {id: fid, label: "+" + g.hidden.toLocaleString("en-US") + " more",
          shape: "box", margin: MARGIN, x: p.x, y: p.y, font: {size: 12, color: "#333333"},
          color: {background: D.colors.fold, border: "#888888"},
          shapeProperties: {borderDashes: [4, 3]},
          fold: {models: g.hidden, carried: g.carried, anchor: g.anchor, side: g.side},
          model: g.hidden.toLocaleString("en-US") + " more " + what + " of " +
                 D.models[g.anchor],
          title: describe({head: g.hidden.toLocaleString("en-US") + " more " + what +
                           " of " + D.models[g.anchor],
                           rows: [["Folded models", g.hidden],
                                  ["Opens", g.carried ? "click: up to " + STEP +
                                   " branches at a time" : "nothing more on this page"]],
                           note: note}, false)};
        wantN[fid] = true;
        (nodes.get(fid) ? changed : addN).push(fold);  // moved to p when it was re-placed
        var eid = "e" + fid;
        wantE[eid] = true;
        if (!edges.get(eid)) addE.push({id: eid, from: g.side === "up" ? fid : g.anchor,
                                        to: g.side === "up" ? g.anchor : fid,
                                        color: "#bbbbbb", dashes: true});
      }
      if (g.revealed > 0) {
        var cid = "c:" + key, q = pos[cid] || foldPos(g.anchor, g.side);
        wantN[cid] = true;
        if (!nodes.get(cid)) addN.push({id: cid, label: "\u2212 fold back", shape: "box",
          margin: MARGIN, x: q.x, y: q.y, font: {size: 12, color: "#333333"},
          color: {background: "#ffffff", border: "#888888"},
          shapeProperties: {borderDashes: [2, 2]}, close: {anchor: g.anchor, side: g.side},
          title: describe({head: "Fold these branches of " + D.models[g.anchor] + " back",
                           rows: []}, false)});
        var ceid = "e" + cid;
        wantE[ceid] = true;
        if (!edges.get(ceid)) addE.push({id: ceid, from: g.anchor, to: cid, color: "#dddddd",
                                         dashes: [2, 4], arrows: {to: {enabled: false}}});
      }
    });
    edges.remove(edges.getIds().filter(function (id) { return !wantE[id]; }));
    nodes.remove(nodes.getIds().filter(function (id) { return !wantN[id]; }));
    nodes.update(changed);
    nodes.add(addN);
    edges.add(addE);
  }
  update();
  var container = document.getElementById("network");
  var options = {
    nodes: {shape: "box", margin: MARGIN, font: {size: 12}},
    edges: {arrows: {to: {enabled: true, scaleFactor: 0.5}}, smooth: false, width: 1},
    physics: {enabled: false},
    layout: {improvedLayout: false},
    interaction: {hover: true, tooltipDelay: 150, hideEdgesOnDrag: n > 800}
  };
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  window.hflNetwork = network;
  window.hflNodes = nodes;
  window.hflEdges = edges;
  window.hflPage = {openFold: openFold, closeFold: closeFold, reveal: reveal,
                    setRelation: function (r, on) { setRelation(r, on, false); },
                    data: D};
  if (D.bands && D.bands.length) {  // shade the tree's side-by-side bands
    network.on("beforeDrawing", function (ctx) {
      D.bands.forEach(function (b, k) {
        ctx.fillStyle = k % 2 ? "#eef3f7" : "#f6f8fa";
        ctx.fillRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
      });
    });
  }
  function firstView() { network.fit({animation: false, maxZoomLevel: 1}); }
  firstView();
  network.once("afterDrawing", function () {
    window.hflStable = performance.now();
    document.body.setAttribute("data-stable", "1");
    setTimeout(charts, 0);  // plotly.js is compiled once the network is on screen
  });
  var details = document.getElementById("details");
  document.getElementById("to-root").addEventListener("click", function () {
    network.focus(0, {scale: 1, animation: false});
  });
  document.getElementById("fit-all").addEventListener("click", firstView);
  network.on("click", function (p) {
    if (!p.nodes.length) return;
    var node = nodes.get(p.nodes[0]);
    if (node.fold) openFold(node.fold.anchor, node.fold.side);
    else if (node.close) closeFold(node.close.anchor, node.close.side);
    else details.replaceChildren(describe(info(node.id), true));
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length || typeof p.nodes[0] !== "number") return;
    window.open(hubUrl(D.models[p.nodes[0]]), "_blank", "noopener");
  });
  document.querySelectorAll("input[data-relation]").forEach(function (box) {
    box.addEventListener("change", function () {
      setRelation(box.getAttribute("data-relation"), box.checked, false);
    });
  });
  var byModel = {}, list = document.getElementById("model-ids");
  var frag = document.createDocumentFragment();
  D.models.forEach(function (m, k) {
    byModel[m.toLowerCase()] = k;
    var o = document.createElement("option");
    o.value = m;
    frag.appendChild(o);
  });
  list.appendChild(frag);
  var msg = document.getElementById("find-msg");
  document.getElementById("find").addEventListener("change", function (e) {
    var want = e.target.value.trim().toLowerCase();
    var k = byModel[want];
    msg.textContent = "";
    if (!want) return;
    if (k === undefined) {
      msg.textContent = "Not on this page: it carries the " + n.toLocaleString("en-US") +
        " heaviest of " + D.n_selected.toLocaleString("en-US") + " models.";
      return;
    }
    reveal(k);
  });
  function charts() {
    var src = document.createElement("script");
    if (PLOTLY_SRC) {  // the site's shared copy: draw once it has loaded
      src.src = PLOTLY_SRC;
      src.onload = drawCharts;
      src.onerror = function () { window.hflCharts = true; };
      document.head.appendChild(src);
      return;
    }
    src.textContent = document.getElementById("plotly-src").textContent;
    document.head.appendChild(src);
    drawCharts();
  }
  function drawCharts() {
    if (CHART && window.Plotly) {
      Plotly.newPlot("growth-chart", CHART.data, CHART.layout, PLOTLY_CONFIG);
    }
    if (SUNBURST && window.Plotly) sunburst();
    window.hflCharts = true;
  }
  function sunburst() {
    var sb = document.getElementById("sunburst");
    Plotly.newPlot(sb, SUNBURST.data, SUNBURST.layout, PLOTLY_CONFIG);
    sb.on("plotly_sunburstclick", function (ev) {
      var id = String(ev.points[0].id);
      if (id[0] === "g") {  // lighter branches of a model, by relation: open its fold
        var a = parseInt(id.slice(1), 10);
        if (!open[a]) reveal(a);
        var s = a === 0 ? (D.below[0][0] ? "down" : "up") : side(a);
        openFold(a, s);
      } else {
        reveal(parseInt(id, 10));
      }
    });
  }
})();
</script>
</body>
</html>"""


#: The template's slots: ``@@name@@``, filled by :func:`_fill` (static text never holds one).
_SLOT = re.compile(r"@@(\w+)@@")

_POLICY = {
    "inline": """<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';
 img-src data:; font-src data:">
""",
    "assets": """<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'self' file: 'unsafe-inline';
 style-src 'self' file: 'unsafe-inline'; img-src data:; font-src data:">
""",
}
_SUNBURST = """<h2>The family at a glance</h2>
<p class="caption">Branches sized by their models, coloured by relation; click a sector to
open that branch in the network.</p>
<div id="sunburst"></div>"""
_GENERATIONS = """<h2>Generations × relations</h2>
<p class="caption">Models by hops from the model (negative: its bases) and relation to the
model they were reached from, over the whole family.</p>
<div class="gen-wrap"><table class="gen" id="generations"><tr><th>hops</th>
"""


@functools.cache
def _template_parts() -> tuple[list[bytes], list[str]]:
    """The template's static text (UTF-8) around its slots, and the slots' names."""
    pieces = _SLOT.split(_TEMPLATE)
    return [p.encode("utf-8") for p in pieces[0::2]], pieces[1::2]


def _json(value: object) -> str:
    """``value`` as JSON that is safe inside ``<script>`` (keys sorted; ``<``, ``>``,
    ``&`` and ``'`` as unicode escapes)."""
    return (
        json.dumps(value, sort_keys=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def _generations_table(generations: dict) -> str:
    """The generations × relations table (counts with thousands separators)."""
    rows = [
        f"<tr><td>{escape(level)}</td>\n"
        + "".join(f"<td>{c:,}</td>" for c in row)
        + f"\n<td>{sum(row):,}</td></tr>\n"
        for level, row in zip(generations["levels"], generations["counts"], strict=True)
    ]
    heads = "".join(f"<th>{escape(r)}</th>" for r in generations["relations"])
    return f"{_GENERATIONS}{heads}<th>all</th></tr>\n{''.join(rows)}</table></div>"


def _fill(
    *,
    title: str,
    subtitle: str,
    data: dict,
    legend: Sequence[dict],
    legend_title: str,
    chart: dict | None,
    chart_caption: str,
    sunburst: dict | None,
    generations: dict | None,
    notes: Sequence[dict | str],
    heading: str | None,
    assets: str | None,
) -> dict[str, list[str | bytes]]:
    """What each slot of the template holds: escaped text, JSON, or an inlined script."""
    if assets:
        vis_style: list[str | bytes] = [
            f'<link rel="stylesheet" href="{escape(assets)}/{VIS_CSS}">\n'
        ]
        scripts: list[str | bytes] = [f'<script src="{escape(assets)}/{VIS_JS}"></script>\n']
    else:
        vis_css, vis_js, plotly = _inlined_bytes()
        vis_style = ["<style>", vis_css, "</style>"]
        scripts = [
            "<script>",
            vis_js,
            '</script>\n<script type="text/plain" id="plotly-src">',
            plotly,
            "</script>",
        ]
    note_items = [n if isinstance(n, dict) else {"text": n, "id": None} for n in notes]
    caption = f'<p class="caption" id="chart-caption">{escape(chart_caption)}</p>\n'
    return {
        "policy": [_POLICY["assets" if assets else "inline"]],
        "title": [escape(title)],
        "vis_style": vis_style,
        "scripts": scripts,
        "heading": [escape(heading if heading is not None else title)],
        "subtitle": [escape(subtitle)],
        "notes": [
            '<p class="note"'
            + (f' id="{escape(note["id"])}"' if note.get("id") else "")
            + f">{escape(note['text'])}</p>\n"
            for note in note_items
        ],
        "legend_title": [escape(legend_title)],
        "legend": [
            f'<label><input type="checkbox" checked data-relation="{escape(item["relation"])}">\n'
            f'<span class="sw" style="background:{escape(item["color"])}55;'
            f'border-color:{escape(item["color"])}"></span>\n{escape(item["label"])}</label>\n'
            for item in legend
        ],
        "chart": [
            '<h2>Growth of derivatives</h2>\n<div id="growth-chart"></div>' + caption
            if chart
            else "<h2>Growth of derivatives</h2>\n" + caption
            if chart_caption
            else ""
        ],
        "sunburst": [_SUNBURST if sunburst else ""],
        "generations": [
            _generations_table(generations) if generations and generations["levels"] else ""
        ],
        "data_json": [_json(data)],
        "chart_json": [_json(chart)],
        "sunburst_json": [_json(sunburst)],
        "plotly_config_json": [_json(PLOTLY_CONFIG)],
        "plotly_src_json": [_json(f"{assets}/{PLOTLY_JS}" if assets else None)],
    }


def render_page(**page: Any) -> str:
    """:func:`render_page_bytes` as text (the same keyword arguments)."""
    return render_page_bytes(**page).decode("utf-8")


@functools.cache
def _inlined_bytes() -> tuple[bytes, bytes, bytes]:
    """vis-network's stylesheet and script and plotly.js, as a page inlines them, in UTF-8."""
    vis_js, vis_css = vis_assets()
    return vis_css.encode("utf-8"), vis_js.encode("utf-8"), plotly_js_bytes()


def render_page_bytes(
    *,
    title: str,
    subtitle: str,
    data: dict,
    legend: Sequence[dict],
    legend_title: str,
    chart: dict | None,
    chart_caption: str,
    sunburst: dict | None,
    generations: dict | None,
    notes: Sequence[dict | str],
    heading: str | None = None,
    assets: str | None = None,
) -> bytes:
    """The page's HTML around the columnar network ``data`` of ``lineage_html``, in UTF-8 as
    a page file holds it.

    Text arguments are escaped; ``chart`` and ``sunburst`` are Plotly figure dicts
    (:mod:`lineage.viz.charts`), embedded as JSON; ``legend`` items have ``label``,
    ``color`` and ``relation`` (a switch for that relation). With ``assets`` (a URL
    relative to the page, e.g. ``"../assets"``, of a folder :func:`write_assets` filled)
    the page loads vis-network and plotly.js from there instead of inlining them.

    The template's static text is encoded once a process and its slots are filled with
    escaped text, JSON and the inlined scripts' bytes: the 5 MB of vis-network and
    plotly.js are never decoded, copied into a string and encoded again, and no template
    engine is imported or compiled (together half the cost of writing a page).

    Example:
        >>> page = render_page_bytes(title="t", subtitle="s", data={"models": []}, legend=[],
        ...                          legend_title="l", chart=None, chart_caption="",
        ...                          sunburst=None, generations=None, notes=[])
        >>> page.decode("utf-8") == render_page(title="t", subtitle="s", data={"models": []},
        ...     legend=[], legend_title="l", chart=None, chart_caption="", sunburst=None,
        ...     generations=None, notes=[])
        True
    """
    if assets is not None:
        assets = assets.rstrip("/") or "."
    fill = _fill(
        title=title,
        subtitle=subtitle,
        data=data,
        legend=legend,
        legend_title=legend_title,
        chart=chart,
        chart_caption=chart_caption,
        sunburst=sunburst,
        generations=generations,
        notes=notes,
        heading=heading,
        assets=assets,
    )
    static, slots = _template_parts()
    parts = [static[0]]
    for slot, text in zip(slots, static[1:], strict=True):
        parts += [p if isinstance(p, bytes) else p.encode("utf-8") for p in fill[slot]]
        parts.append(text)
    return b"".join(parts)


def write_assets(folder: str | os.PathLike) -> list[Path]:
    """Write the scripts a page made with ``assets`` loads (vis-network's script and style,
    plotly.js) into ``folder`` and return their paths: many pages then share one copy.

    Example:
        >>> import tempfile
        >>> sorted(p.name for p in write_assets(tempfile.mkdtemp()))
        ['plotly.min.js', 'vis-network.css', 'vis-network.min.js']
    """
    from plotly.offline import get_plotlyjs

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        VIS_JS: (_vis_dir() / VIS_JS).read_text(encoding="utf-8"),
        VIS_CSS: (_vis_dir() / VIS_CSS).read_text(encoding="utf-8"),
        PLOTLY_JS: get_plotlyjs(),
    }
    written = []
    for name, text in files.items():
        path = out / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(text.replace("//# sourceMappingURL=vis-network.min.js.map", ""), "utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
