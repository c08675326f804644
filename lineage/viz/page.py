"""The self-contained HTML page around a vis-network graph, and its small growth chart.

The page inlines the vis-network script and style that ship with pyvis (no CDN, works
offline; a Content-Security-Policy forbids any remote load), escapes every piece of user
data (ids and authors go into the DOM as text, never as HTML), freezes the physics once the
layout is stable and records when that happened (``window.hflStable``, in milliseconds since
navigation start) for tests and benchmarks.

Example:
    >>> html = render_page(title="t", subtitle="s", network={"nodes": [], "edges": [],
    ...                    "options": {}}, legend=[], chart_svg="", notes=[])
    >>> "<script src" in html, "<link" in html, "vis.Network" in html
    (False, False, True)
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from pathlib import Path

import jinja2
import pyvis

_VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"


@functools.cache
def vis_assets() -> tuple[str, str]:
    """The vis-network script and stylesheet bundled with pyvis, ready to inline."""
    js = (_VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    css = (_VIS_DIR / "vis-network.css").read_text(encoding="utf-8")
    js = js.replace("//# sourceMappingURL=vis-network.min.js.map", "")
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ vis_css|safe }}</style>
<style>
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 8px 16px; border-bottom: 1px solid #ddd; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 2px 0; color: #555; }
#fold-note { color: #8a4b00; }
main { flex: 1; display: flex; min-height: 0; }
#network { flex: 1; min-width: 0; background: #fff; }
aside { width: 340px; padding: 8px 12px; border-left: 1px solid #ddd; overflow-y: auto; }
aside h2 { font-size: 14px; margin: 10px 0 4px; }
.legend div { display: flex; align-items: center; gap: 6px; }
.legend span.sw { width: 12px; height: 12px; border-radius: 50%; display: inline-block; }
.legend span.sw.missing { background: #eee; border: 2px dashed #888; width: 8px; height: 8px; }
.legend span.sw.fold { border-radius: 2px; background: #f2f2f2; border: 1px dashed #888; }
#details { word-break: break-all; }
#details dl, .tip dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0; }
#details dt, .tip dt { color: #666; }
#details dd, .tip dd { margin: 0; }
.tip { font: 12px/1.35 system-ui, sans-serif; max-width: 360px; word-break: break-all; }
.tip b { font-size: 13px; }
#find { width: 100%; box-sizing: border-box; margin-top: 6px; }
svg text { font: 10px system-ui, sans-serif; fill: #444; }
</style>
<script>{{ vis_js|safe }}</script>
</head>
<body>
<header>
<h1>{{ heading }}</h1>
<p id="subtitle">{{ subtitle }}</p>
{% for note in notes %}<p class="note"{% if note.id %} id="{{ note.id }}"{% endif %}>
{{- note.text }}</p>
{% endfor %}
</header>
<main>
<div id="network"></div>
<aside>
<div class="tools"><button id="to-root" type="button">Go to the model</button>
<button id="fit-all" type="button">Show everything</button></div>
<input id="find" type="search" placeholder="Find a model on the page" list="model-ids">
<datalist id="model-ids"></datalist>
<h2>Selected model</h2>
<div id="details"><p>Hover a node for details; click it to show them here.</p></div>
<h2>Relation to parent</h2>
<div class="legend">
{% for item in legend %}<div><span class="sw {{ item.cls }}"
 style="background:{{ item.color }}"></span>{{ item.label }}</div>
{% endfor %}</div>
{% if chart_svg %}<h2>{{ chart_title }}</h2>
<div id="growth-chart">{{ chart_svg|safe }}</div>{% endif %}
</aside>
</main>
<script>
"use strict";
var HFL = {{ network|tojson }};
window.hflStable = null;
(function () {
  var FIELDS = [["Author", "author"], ["Created", "created"], ["Relation", "relation"],
                ["Direct derivatives", "direct"], ["All derivatives", "transitive"]];
  function hubUrl(id) {
    return "https://huggingface.co/" + id.split("/").map(encodeURIComponent).join("/");
  }
  function describe(n, withLink) {
    var box = document.createElement("div");
    box.className = "tip";
    var head = document.createElement("b");
    head.textContent = n.model || n.label;
    box.appendChild(head);
    var dl = document.createElement("dl");
    function row(k, v) {
      if (v === undefined || v === null || v === "") return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k; dd.textContent = String(v);
      dl.appendChild(dt); dl.appendChild(dd);
    }
    if (n.fold) {
      row("Folded models", n.fold.models);
      row("Folded branches", n.fold.branches);
    }
    if (n.missing) row("Status", "referenced as a parent but never listed on the Hub");
    FIELDS.forEach(function (f) { row(f[0], n[f[1]]); });
    if (n.fit) {
      row("Fit status", n.fit.status);
      row("\u03bb (fitness)", n.fit.lambda);
      row("\u03bc (immediacy)", n.fit.mu);
      row("\u03c3 (longevity)", n.fit.sigma);
      row("Ultimate", n.fit.ultimate);
    }
    box.appendChild(dl);
    if (n.model && !n.fold) {
      var a = document.createElement("a");
      a.href = hubUrl(n.model);
      a.textContent = withLink ? "Open on the Hugging Face Hub" : a.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.appendChild(a);
    }
    return box;
  }
  HFL.nodes.forEach(function (n) { n.title = describe(n, false); });
  var nodes = new vis.DataSet(HFL.nodes);
  var edges = new vis.DataSet(HFL.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, HFL.options);
  window.hflNetwork = network;
  window.hflNodes = nodes;
  window.hflEdges = edges;
  function stable() {
    if (window.hflStable !== null) return;
    network.setOptions({physics: false});
    window.hflStable = performance.now();
    document.body.setAttribute("data-stable", "1");
  }
  function toRoot() {
    if (!nodes.get(HFL.root)) return;
    network.moveTo({position: network.getPosition(HFL.root), scale: 0.7, animation: false});
  }
  if (HFL.options.physics && HFL.options.physics.enabled) {
    network.once("stabilizationIterationsDone", stable);
  } else {
    network.once("afterDrawing", function () {
      stable();
      if (HFL.startAtRoot) toRoot();
    });
  }
  document.getElementById("to-root").addEventListener("click", toRoot);
  document.getElementById("fit-all").addEventListener("click", function () {
    network.fit({animation: false});
  });
  var details = document.getElementById("details");
  network.on("click", function (p) {
    if (!p.nodes.length) return;
    details.replaceChildren(describe(nodes.get(p.nodes[0]), true));
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) return;
    var n = nodes.get(p.nodes[0]);
    if (n.model && !n.fold) window.open(hubUrl(n.model), "_blank", "noopener");
  });
  var byModel = {};
  var list = document.getElementById("model-ids");
  HFL.nodes.forEach(function (n) {
    if (!n.model || n.fold) return;
    byModel[n.model.toLowerCase()] = n.id;
    var o = document.createElement("option");
    o.value = n.model;
    list.appendChild(o);
  });
  document.getElementById("find").addEventListener("change", function (e) {
    var id = byModel[e.target.value.trim().toLowerCase()];
    if (id === undefined) return;
    network.selectNodes([id]);
    network.focus(id, {scale: 1.2, animation: false});
    details.replaceChildren(describe(nodes.get(id), true));
  });
})();
</script>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_page(
    *,
    title: str,
    subtitle: str,
    network: dict,
    legend: Sequence[dict],
    chart_svg: str,
    notes: Sequence[dict | str],
    heading: str | None = None,
    chart_title: str = "Growth of derivatives",
) -> str:
    """The page's HTML: ``network`` holds vis ``nodes``, ``edges`` and ``options``.

    Text arguments are escaped; ``chart_svg`` is trusted markup (build it with
    :func:`growth_chart_svg`); ``legend`` items have ``label``, ``color`` and ``cls``.
    """
    vis_js, vis_css = vis_assets()
    note_items = [n if isinstance(n, dict) else {"text": n, "id": None} for n in notes]
    return _ENV.from_string(_TEMPLATE).render(
        title=title,
        heading=heading if heading is not None else title,
        subtitle=subtitle,
        network=network,
        legend=legend,
        chart_svg=chart_svg,
        chart_title=chart_title,
        notes=note_items,
        vis_js=vis_js,
        vis_css=vis_css,
    )


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About ``n`` round tick values covering ``lo``..``hi``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def growth_chart_svg(
    age: Sequence[float],
    cumulative: Sequence[float],
    forecast: dict[str, Sequence[float]] | None = None,
    *,
    width: int = 316,
    height: int = 200,
    caption: str = "",
) -> str:
    """An inline SVG of a cumulative growth curve and, optionally, a forecast band.

    ``forecast`` has ``age_months``, ``mean``, ``lower`` and ``upper`` (the columns of a
    growth fitter's ``predict``).

    Example:
        >>> svg = growth_chart_svg([0, 1, 2], [0, 3, 5], {"age_months": [2, 3],
        ...     "mean": [5, 6], "lower": [5, 5.5], "upper": [5, 7]})
        >>> svg.startswith("<svg") and "polygon" in svg and svg.count("polyline") == 2
        True
    """
    fc = forecast or {}
    xs = list(age) + list(fc.get("age_months", []))
    ys = list(cumulative) + list(fc.get("upper", []))
    if not xs:
        return ""
    left, right, top, bottom = 42, 8, 8, 28
    x0, x1 = min(xs), max(max(xs), min(xs) + 1)
    y1 = max(max(ys), 1.0)
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - y / y1 * ph

    def pts(xv: Sequence[float], yv: Sequence[float]) -> str:
        return " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xv, yv, strict=True))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="growth chart">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>',
    ]
    for t in _ticks(0, y1):
        parts.append(
            f'<text x="{left - 4}" y="{py(t) + 3:.1f}" text-anchor="end">{t:g}</text>'
            f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" '
            'stroke="#eee"/>'
        )
    for t in _ticks(x0, x1):
        parts.append(f'<text x="{px(t):.1f}" y="{top + ph + 12}" text-anchor="middle">{t:g}</text>')
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 3}" text-anchor="middle">'
        "months since release</text>"
    )
    if fc.get("age_months") is not None and len(fc["age_months"]):
        fx = list(fc["age_months"])
        band = pts(fx, fc["upper"]) + " " + pts(fx[::-1], list(fc["lower"])[::-1])
        parts.append(f'<polygon class="band" points="{band}" fill="#f4a261" opacity="0.3"/>')
        parts.append(
            f'<polyline class="forecast" points="{pts(fx, fc["mean"])}" fill="none" '
            'stroke="#e76f51" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    parts.append(
        f'<polyline class="observed" points="{pts(age, cumulative)}" fill="none" '
        'stroke="#264653" stroke-width="2"/>'
    )
    if caption:
        parts.append(f"<title>{html.escape(caption)}</title>")
    parts.append("</svg>")
    return "".join(parts)
