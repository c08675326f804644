"""A whole-snapshot static site: vital signs, the largest families, search, family pages.

:func:`write_site` writes into a folder (``hf-lineage site DIR``):

- ``index.html``: the snapshot's vital signs (models, missing parents, edges by relation,
  snapshot time and completeness), Plotly charts of new edges by relation per month, the
  growth of the graph, the depth and family-size distributions, a sortable table of the
  largest families with their fitted growth status, and a search over every model with
  derivatives;
- ``families/*.html``: one :func:`lineage.viz.lineage_html` page per listed family, each with
  a link back to the index;
- ``assets/plotly.min.js`` (the Plotly bundled with the ``plotly`` package),
  ``assets/vis-network.min.js`` and ``.css`` (shared by every family page: one copy, not
  6 MB inlined in each) and ``assets/search-index.js`` (every model with derivatives,
  sorted by lower-case id);
- ``.hf-lineage-site.json``: the files the site owns. A later run overwrites those only: a
  file of the same name it does not own is an error, never overwritten.

Nothing is loaded from the network: every page references local files only (a
Content-Security-Policy forbids any other origin), so the site works from ``file://``.

Example:
    >>> import tempfile, pathlib
    >>> from lineage.graph import LineageGraph
    >>> from lineage.sim.simulate import simulate_frames
    >>> models, edges, _ = simulate_frames(2_000, seed=1)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "site"
    >>> site = write_site(LineageGraph.from_frames(models, edges), out, top=3)
    >>> len(site.families), sorted(p.name for p in out.iterdir())[:3]
    (3, ['.hf-lineage-site.json', 'assets', 'families'])
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.calendar import month_label, month_number
from lineage.progress import ProgressCallback, report
from lineage.viz import page
from lineage.viz.network import RELATION_COLORS, lineage_html

MANIFEST = ".hf-lineage-site.json"
GENERATOR = "hf-lineage site"
ASSETS = "assets"
PLOTLY_JS = f"{ASSETS}/{page.PLOTLY_JS}"
VIS_JS = f"{ASSETS}/{page.VIS_JS}"
VIS_CSS = f"{ASSETS}/{page.VIS_CSS}"
SEARCH_JS = "assets/search-index.js"
FAMILY_DIR = "families"
OTHER_RELATION_COLOR = "#5b8def"
_CSP = (
    "default-src 'self' file: data: blob: 'unsafe-inline'; "
    "connect-src 'none'; frame-src 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class SnapshotStatus:
    """When a snapshot was taken and whether it holds the whole listing.

    ``complete`` is None when unknown (a graph built from frames has no crawl record).
    """

    time: pd.Timestamp | None
    complete: bool | None
    note: str
    path: Path | None = None


@dataclass
class SiteResult:
    """What :func:`write_site` wrote."""

    out: Path
    index: Path
    families: list[str]
    pages: dict[str, Path]
    files: list[Path]


def snapshot_status(db: str | os.PathLike | None = None) -> SnapshotStatus:
    """How complete the snapshot at ``db`` is: :meth:`lineage.hub.store.Store.completeness`,
    with the time of its last finished crawl and a word on an unfinished newer full crawl
    (the snapshot shown is then the last complete one).

    Example:
        >>> import tempfile, pathlib
        >>> from lineage.hub.store import Store
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
        >>> Store(db).close()
        >>> snapshot_status(db).complete
        False
    """
    from lineage.hub.store import Store

    with Store(db, readonly=True) as store:
        state = store.completeness()
        last = store.last_complete_run()
        pending = store.pending_run()
        path = store.path
    tail = ""
    if pending is not None and pending.mode == "full" and state.state != "partial":
        tail = (
            f"; a newer full crawl is unfinished ({pending.models_seen:,} models so far): "
            "run `hf-lineage crawl` to resume it"
        )
    time = pd.Timestamp(last.finished) if last is not None and last.finished else None
    note = (
        f"complete snapshot ({last.mode} crawl of {last.endpoint})"
        if state.complete and last is not None
        else state.message
    )
    return SnapshotStatus(time, state.complete, note + tail, path)


# -- what the index shows -----------------------------------------------------------------------
def lineage_depths(graph: LineageGraph) -> pd.Series:
    """Generations above every model: 0 for a model without parents, else one more than its
    deepest parent (the longest chain of declared bases), as a Series indexed by id.

    Example:
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q", "m"], "created_at": ["2024-01"] * 4}),
        ...     pd.DataFrame({"child": ["f", "q", "m", "m"], "parent": ["b", "f", "b", "q"]}))
        >>> lineage_depths(g).tolist()
        [0, 1, 2, 3]
    """
    edges = graph.edges
    index = pd.Index(graph.ids)
    child = index.get_indexer(edges["child"])
    parent = index.get_indexer(edges["parent"])
    depth = np.zeros(graph.n_models, dtype=np.int64)
    for _ in range(graph.n_models + 1):  # cycles are broken on construction: this ends
        deeper = depth.copy()
        np.maximum.at(deeper, child, depth[parent] + 1)
        if (deeper == depth).all():
            break
        depth = deeper
    return pd.Series(depth, index=graph.ids, name="depth")


def largest_families(
    graph: LineageGraph, top: int = 50, *, progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """The ``top`` models with the most transitive derivatives (ties: more direct ones, then
    id): ``model, direct, transitive, released, missing``.

    Example:
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"], "created_at": ["2024-01"] * 3}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"]}))
        >>> largest_families(g, 5)[["model", "direct", "transitive"]].values.tolist()
        [['b', 1, 2], ['f', 1, 1]]
    """
    counts = pd.DataFrame(
        {
            "model": graph.ids,
            "direct": graph.descendant_counts("direct", progress=progress, as_frame=False),
            "transitive": graph.descendant_counts("transitive", progress=progress, as_frame=False),
            "released": graph.release_months.to_numpy(),
            "missing": graph.models["missing"].to_numpy(dtype=bool),
        }
    )
    counts = counts[counts["transitive"] > 0]
    counts = counts.sort_values(
        ["transitive", "direct", "model"], ascending=[False, False, True], kind="stable"
    )
    return counts.head(top).reset_index(drop=True)


def family_fits(
    graph: LineageGraph, models: list[str], *, progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """Growth fits of ``models``' transitive and direct curves on complete months, exactly as
    ``hf-lineage fit`` and ``rank`` fit them (:func:`lineage.ranking.fit_models`: the weak
    prior and the Hub forecast calibration).

    Returns one row per model and scope; ``attrs["label"]`` says what they were fitted on.
    """
    from lineage.ranking import fit_models

    if not models:
        return pd.DataFrame(columns=["model", "scope", "status"])
    parts = [
        fit_models(graph, models, scope=scope, progress=progress)
        for scope in ("transitive", "direct")
    ]
    fits = pd.concat(parts, ignore_index=True)
    fits.attrs["label"] = parts[0].attrs.get("label", "")
    fits.attrs["prior"] = parts[0].attrs.get("prior", "weak")
    return fits


def _log_bins(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Counts of positive ``values`` in bins 1, 2-3, 4-7, ... (powers of two)."""
    values = values[values > 0]
    if not len(values):
        return [], np.zeros(0, dtype=np.int64)
    k = np.floor(np.log2(values)).astype(np.int64)
    counts = np.bincount(k)
    labels = [
        f"{2**i:,}" if i == 0 else f"{2**i:,}–{2 ** (i + 1) - 1:,}" for i in range(len(counts))
    ]
    return labels, counts


# -- charts ---------------------------------------------------------------------------------
def _layout(**extra) -> dict:
    layout = {
        "template": "plotly_white",
        "height": 340,
        "margin": {"l": 60, "r": 20, "t": 56, "b": 50},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "font": {"family": "system-ui, sans-serif", "size": 12},
    }
    layout.update(extra)
    return layout


def _chart(fig, div_id: str) -> str:
    import plotly.io as pio

    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True, "displayModeBar": False},
    )


def _relation_color(relation: str) -> str:
    return RELATION_COLORS.get(relation, OTHER_RELATION_COLOR)


@dataclass(frozen=True)
class _Months:
    """The index charts' shared month axis, from the first listed model to the snapshot."""

    release: pd.Series  # each model's release month
    listed: pd.Series  # release months of the models still listed
    labels: list[str]  # every month on the axis
    opacity: list[float]  # bar opacity per month: the unfinished month is faded


def _months(graph: LineageGraph) -> _Months:
    """The month axis of ``graph``'s snapshot, the running (unfinished) month faded."""
    running = graph.snapshot_month if graph.snapshot_month != graph.last_complete_month else None
    release = graph.release_months
    listed = release[~graph.models["missing"].to_numpy(dtype=bool)]
    first = month_number(listed.min() if len(listed) else graph.snapshot_month)
    labels = [month_label(m) for m in range(first, month_number(graph.snapshot_month) + 1)]
    opacity = [0.4 if m == running else 1.0 for m in labels]
    return _Months(release, listed, labels, opacity)


def _edges_chart(graph: LineageGraph, months: _Months) -> str:
    """New lineage edges per month (the later of child's and parent's release), by relation."""
    import plotly.graph_objects as go

    edges = graph.edges
    child_month = months.release.reindex(edges["child"]).to_numpy(dtype=str)
    parent_month = months.release.reindex(edges["parent"]).to_numpy(dtype=str)
    month = np.where(child_month >= parent_month, child_month, parent_month)
    table = pd.crosstab(month, edges["relation"].to_numpy()).reindex(months.labels, fill_value=0)
    fig = go.Figure(layout=_layout(barmode="stack", yaxis_title="new edges per month"))
    order = sorted(table.columns, key=lambda r: (-int(table[r].sum()), r))
    for relation in order:
        fig.add_bar(
            x=months.labels,
            y=table[relation].tolist(),
            name=relation,
            marker={"color": _relation_color(relation), "opacity": months.opacity},
        )
    return _chart(fig, "chart-edges")


def _models_chart(months: _Months) -> str:
    """New listed models per month (bars) and the running total (line, right axis)."""
    from plotly.subplots import make_subplots

    per_month = months.listed.value_counts().reindex(months.labels, fill_value=0)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(**_layout())
    fig.add_bar(
        x=months.labels,
        y=per_month.tolist(),
        name="new models per month",
        marker={"color": "#9ab8d8", "opacity": months.opacity},
        secondary_y=False,
    )
    total = np.cumsum(per_month.to_numpy())
    fig.add_scatter(
        x=months.labels,
        y=total.tolist(),
        name="models in all",
        mode="lines",
        line={"color": "#264653", "width": 2.5},
        secondary_y=True,
    )
    fig.update_yaxes(title_text="new models per month", secondary_y=False)
    fig.update_yaxes(  # the whole line inside the plot, its last month included
        title_text="models in all",
        secondary_y=True,
        range=[0, float(total[-1]) * 1.05 if len(total) else 1],
        showgrid=False,
    )
    return _chart(fig, "chart-growth")


def _depth_chart(depths: pd.Series, direct: pd.Series) -> str:
    """Models in a lineage by generations above them (log scale), bases at 0."""
    import plotly.graph_objects as go

    in_lineage = (direct.to_numpy() > 0) | (depths.to_numpy() > 0)
    by_depth = np.bincount(depths.to_numpy()[in_lineage]) if in_lineage.any() else np.zeros(1)
    labels = ["0 (bases)"] + [str(d) for d in range(1, len(by_depth))]
    fig = go.Figure(
        layout=_layout(
            yaxis={"type": "log", "dtick": 1, "title": "models"},
            xaxis_title="generations above the model",
            bargap=0.15,
        )
    )
    fig.add_bar(
        x=labels,
        y=by_depth.tolist(),
        name="models",
        marker={"color": "#2a9d8f"},
        text=[f"{v:,}" for v in by_depth],
        textposition="outside",
        cliponaxis=False,
    )
    return _chart(fig, "chart-depth")


def _sizes_chart(direct: pd.Series, transitive: pd.Series) -> str:
    """Models by derivative count in log bins, transitive and direct side by side."""
    import plotly.graph_objects as go

    fig = go.Figure(
        layout=_layout(
            yaxis={"type": "log", "dtick": 1, "title": "models"},
            xaxis_title="derivatives (log bins)",
            barmode="group",
        )
    )
    for name, values, color in (
        ("transitive (whole subtree)", transitive, "#264653"),
        ("direct (children)", direct, "#e9c46a"),
    ):
        labels, counts = _log_bins(values.to_numpy())
        fig.add_bar(x=labels, y=counts.tolist(), name=name, marker={"color": color})
    return _chart(fig, "chart-sizes")


def _charts(
    graph: LineageGraph, depths: pd.Series, direct: pd.Series, transitive: pd.Series
) -> dict[str, str]:
    """The index's four charts as HTML fragments (they need ``assets/plotly.min.js``)."""
    months = _months(graph)
    return {
        "edges": _edges_chart(graph, months),
        "growth": _models_chart(months),
        "depth": _depth_chart(depths, direct),
        "sizes": _sizes_chart(direct, transitive),
    }


# -- files ------------------------------------------------------------------------------------
def _slugs(models: list[str]) -> dict[str, str]:
    """A distinct, file-safe page name per model (case-insensitively distinct)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for m in models:
        base = re.sub(r"[^A-Za-z0-9._-]+", "--", m).strip("-.")[:150] or "model"
        slug, k = base, 1
        while slug.lower() in taken:
            k += 1
            slug = f"{base}-{k}"
        taken.add(slug.lower())
        out[m] = f"{FAMILY_DIR}/{slug}.html"
    return out


def _owned(out: Path) -> set[str]:
    """Files a previous run of the site wrote into ``out`` (relative paths); a manifest file
    that is not the site's is an error (it would be overwritten)."""
    manifest = out / MANIFEST
    if not manifest.exists():
        return set()
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR:
        raise UsageError(
            f"{manifest} exists and was not written by `hf-lineage site`; "
            "move it or give another folder"
        )
    return {str(f) for f in data.get("files", []) if isinstance(f, str)}


def check_site_dir(out: str | os.PathLike, *, snapshot: str | os.PathLike | None = None) -> Path:
    """``out`` as a folder the site can be written into (created if needed), else a
    :class:`UsageError` naming the problem: a file, the snapshot, or not writable.
    """
    path = Path(out).expanduser()
    snap = Path(snapshot).expanduser().resolve() if snapshot is not None else None
    if snap is not None and path.resolve() == snap:
        raise UsageError(f"{path} is the snapshot file; give a folder for the site")
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path} is a file, not a folder; give a new or existing folder for the site"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the folder {path}: {exc.strerror}; choose another folder"
        ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"the folder {path} is not writable; choose another folder")
    return path


def _check_targets(out: Path, targets: list[str], snapshot: Path | None) -> set[str]:
    """The files of a previous site run, after checking no target would overwrite a file the
    site does not own (or the snapshot)."""
    owned = _owned(out)
    for folder in sorted({(out / rel).parent for rel in targets}):
        if folder.exists() and not folder.is_dir():
            raise UsageError(
                f"{folder} is a file, but the site writes a folder there; move it "
                "or give another folder"
            )
    for rel in targets:
        target = out / rel
        if snapshot is not None and target.resolve() == snapshot:
            raise UsageError(
                f"the site would overwrite the snapshot {snapshot}; give another folder"
            )
        if target.exists() and (rel not in owned or not target.is_file()):
            raise UsageError(
                f"{target} exists and was not written by `hf-lineage site`; "
                "move it or give another folder"
            )
    return owned


def _write(path: Path, data: str) -> None:
    """Write ``path`` through a temporary file, so an interrupted run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror}; choose another folder") from exc


def _back_link(page: str, depth_label: str) -> str:
    """A family page with a bar linking back to the site's index."""
    nav = (
        '<nav class="hfl-site-nav" style="padding:6px 16px;background:#264653;'
        'font:13px/1.4 system-ui,sans-serif"><a href="../index.html" style="color:#fff">'
        '&larr; Snapshot overview</a> <span style="color:#cfe">&middot; '
        f'{html.escape(depth_label)}</span> <a href="../index.html#families" '
        'style="color:#fff;margin-left:12px">All largest families</a></nav>'
    )
    match = re.search(r"<body[^>]*>", page)
    if match is None:
        return nav + page
    return page[: match.end()] + "\n" + nav + page[match.end() :]


# -- the index page -------------------------------------------------------------------------
_SEARCH_JS = r"""
(function () {
  var S = window.HFL_SEARCH, n = S.ids.length, low = new Array(n);
  for (var i = 0; i < n; i++) low[i] = S.ids[i].toLowerCase();
  function lowerBound(q) {
    var lo = 0, hi = n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (low[mid] < q) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function bySize(a, b) { return S.transitive[b] - S.transitive[a] || (a - b); }
  // Prefix matches (a range of the sorted ids) first, then every other id containing q.
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return {hits: [], total: 0};
    var start = lowerBound(q), end = start;
    while (end < n && low[end].lastIndexOf(q, 0) === 0) end++;
    var prefix = [], inner = [];
    for (var j = start; j < end; j++) prefix.push(j);
    for (var k = 0; k < n; k++) {
      if ((k < start || k >= end) && low[k].indexOf(q) >= 0) inner.push(k);
    }
    prefix.sort(bySize); inner.sort(bySize);
    var exact = prefix.length && low[start] === q ? [start] : [];
    var hits = exact.concat(prefix.filter(function (x) { return x !== start || !exact.length; }),
                            inner);
    return {hits: hits.slice(0, 50), total: hits.length};
  }
  window.hflSearch = function (q) { return search(q).hits.map(function (i) { return S.ids[i]; }); };
  var box = document.getElementById("search"), list = document.getElementById("results"),
      info = document.getElementById("search-info"), timer = null;
  function fmt(v) { return v.toLocaleString("en-US"); }
  function show() {
    var r = search(box.value);
    list.textContent = "";
    info.textContent = box.value.trim() ? (r.total ? "showing " + r.hits.length + " of " +
      fmt(r.total) + " models" : "no model with derivatives matches") : "";
    r.hits.forEach(function (i) {
      var li = document.createElement("li"), page = S.page[i], name;
      if (page) {
        name = document.createElement("a"); name.href = page;
      } else {
        name = document.createElement("span");
      }
      name.className = "model"; name.textContent = S.ids[i];
      li.appendChild(name);
      var counts = document.createElement("span");
      counts.className = "counts";
      counts.textContent = " " + fmt(S.transitive[i]) +
        (S.transitive[i] === 1 ? " derivative (" : " derivatives (") + fmt(S.direct[i]) +
        " direct)" + (page ? " · family page" : " · hf-lineage html " + S.ids[i]);
      li.appendChild(counts);
      list.appendChild(li);
    });
  }
  box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(show, 80); });
  box.addEventListener("keydown", function (e) {  // Enter opens the first result's page
    if (e.key !== "Enter") return;
    clearTimeout(timer);
    show();
    var first = list.querySelector("a.model");
    if (first) window.location.href = first.href;
  });
  document.getElementById("search-count").textContent = fmt(n);
})();
(function () {  // sortable table: click a header
  var table = document.getElementById("families");
  var heads = table.querySelectorAll("th");
  heads.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var now = th.getAttribute("aria-sort");  // numbers: largest first; text: A first
      var asc = now ? now === "descending" : th.dataset.type !== "num";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v, c;
        if (th.dataset.type === "num") c = parseFloat(x) - parseFloat(y);
        else c = x < y ? -1 : x > y ? 1 : 0;
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
window.hflSiteReady = true;
"""

_INDEX = jinja2.Environment(autoescape=True).from_string(r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="generator" content="{{ generator }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Lineage snapshot {{ snap_label }}</title>
<script src="{{ plotly_js }}"></script>
<style>
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: #222; background: #f6f7f9; }
header { background: #264653; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #d8e6ea; }
header .partial { color: #ffd58a; font-weight: 600; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 24px 40px; }
section { background: #fff; border: 1px solid #e2e5e9; border-radius: 8px; padding: 12px 16px;
          margin: 14px 0; }
h2 { font-size: 17px; margin: 2px 0 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #e2e5e9; border-radius: 8px; padding: 10px 12px; }
.card b { display: block; font-size: 22px; }
.card span { color: #555; font-size: 12px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.grid section { margin: 0; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
.caption { color: #555; font-size: 12px; margin: 4px 0 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eceef1; text-align: left; }
th { cursor: pointer; user-select: none; background: #f3f5f7; position: sticky; top: 0; }
th[aria-sort=ascending]::after { content: " \25B2"; }
th[aria-sort=descending]::after { content: " \25BC"; }
td.num, th.num { text-align: right; }
td.status-ok { color: #1d7a4f; }
td.status-not-yet-saturating, td.status-too-short { color: #8a4b00; }
.missing { color: #777; font-style: italic; }
#search { width: 100%; max-width: 560px; font-size: 15px; padding: 6px 10px; }
#results { list-style: none; padding: 0; margin: 8px 0 0; }
#results li { padding: 3px 0; border-bottom: 1px solid #f0f1f3; }
#results .counts { color: #555; }
a { color: #1f6f8b; }
</style>
</head>
<body>
<header>
<h1>Hugging Face model lineage: snapshot {{ snap_label }}</h1>
<p>{% if status.complete is false %}<span class="partial">{{ status.note }}</span>
{%- else %}{{ status.note }}{% endif %} · data up to {{ snapshot_month }}; the last complete
month is {{ complete_month }}{% if running %} ({{ running }} is still running: drawn lighter and
left out of fits){% endif %}.</p>
</header>
<main>
<div class="cards">
{% for value, label in cards %}<div class="card"><b>{{ value }}</b><span>{{ label }}</span></div>
{% endfor %}</div>

<section>
<h2>Find a model</h2>
<input id="search" type="search" autocomplete="off"
 placeholder="model id or part of it, e.g. llama">
<p class="caption">Searches the <span id="search-count"></span> models with at least one
derivative (ids starting with the query first, then those containing it; largest first).</p>
<p class="caption" id="search-info"></p>
<ul id="results"></ul>
</section>

<div class="grid">
<section><h2>New lineage edges per month, by relation</h2>{{ charts.edges|safe }}
<p class="caption">{{ edges_caption }}</p></section>
<section><h2>Growth of the graph</h2>{{ charts.growth|safe }}
<p class="caption">{{ growth_caption }}</p></section>
<section><h2>Depth: generations above each model</h2>{{ charts.depth|safe }}
<p class="caption">Longest chain of declared bases above each model in the lineage graph (a model
with a parent or a derivative); {{ isolated }} models without either are left out.</p></section>
<section><h2>Family sizes</h2>{{ charts.sizes|safe }}
<p class="caption">Models with at least one derivative, by their number of derivatives (bins
double in width; log scale): the heavy tail of the Hub.</p></section>
</div>

<section id="families-section">
<h2>The {{ rows|length }} largest families</h2>
<p class="caption">By transitive derivatives (every distinct model downstream), then direct ones
(children), up to the snapshot. Fits: WSB on complete months up to {{ complete_month }}
{%- if running %} (so c&infin; can sit just below a count that includes {{ running }})
{%- endif %}, {{ prior }},
forecasts with the Hub calibration
(<code>hf-lineage rank</code> uses the same method). c&infin; is shown only for fits with status
ok.{% if rows|selectattr("missing")|list %} * A missing model (never listed) is dated by its first
derivative.{% endif %} Click a column to sort; click a model for its lineage page.</p>
<table id="families">
<thead><tr><th data-type="num" class="num">#</th><th data-type="text">model</th>
<th data-type="num" class="num">direct</th><th data-type="num" class="num">transitive</th>
<th data-type="text">released</th><th data-type="text">fit (transitive)</th>
<th data-type="num" class="num">+12 months (forecast)</th>
<th data-type="num" class="num">c&infin; (transitive)</th>
<th data-type="text">fit (direct)</th></tr></thead>
<tbody>
{% for r in rows %}<tr><td class="num" data-v="{{ r.rank }}">{{ r.rank }}</td>
<td data-v="{{ r.model_lower }}"><a href="{{ r.href }}">{{ r.model }}</a>{% if r.missing %}
<span class="missing">(missing: never listed)</span>{% endif %}</td>
<td class="num" data-v="{{ r.direct }}">{{ r.direct_text }}</td>
<td class="num" data-v="{{ r.transitive }}">{{ r.transitive_text }}</td>
<td data-v="{{ r.released }}"{% if r.missing %} title="never listed: the month of its first
 derivative"{% endif %}>{{ r.released }}{% if r.missing %}*{% endif %}</td>
<td class="status-{{ r.status_t }}" data-v="{{ r.status_t }}">{{ r.status_t }}</td>
<td class="num" data-v="{{ r.growth_v }}">{{ r.growth }}</td>
<td class="num" data-v="{{ r.ultimate_v }}">{{ r.ultimate }}</td>
<td class="status-{{ r.status_d }}" data-v="{{ r.status_d }}">{{ r.status_d }}</td></tr>
{% endfor %}</tbody>
</table>
</section>
<p class="caption">Written by hf-lineage from {{ source }}. Works offline: every script is in
this folder.</p>
</main>
<script src="{{ search_js }}"></script>
<script>{{ script|safe }}</script>
</body>
</html>
""")


def _prior_text(fits: pd.DataFrame, n_families: int) -> str:
    """How the table's fits were regularised: a learned population prior, or the weak
    default when too few series fitted well to learn one."""
    if fits.attrs.get("prior", "weak") == "weak":
        return "the weak prior (as hf-lineage fit and rank use by default)"
    return f"a population prior learned from these {n_families} families' series"


def _fmt_count(v: float) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:,.0f}"


def _table_rows(families: pd.DataFrame, fits: pd.DataFrame, pages: dict[str, str]) -> list:
    by = {(r["model"], r["scope"]): r for r in fits.to_dict("records")}
    rows = []
    for rank, f in enumerate(families.itertuples(index=False), start=1):
        t = by.get((f.model, "transitive"), {})
        d = by.get((f.model, "direct"), {})
        status_t = str(t.get("status", "not fitted"))
        growth = float(t.get("growth_12m", float("nan")))
        ultimate = float(t.get("ultimate", float("nan"))) if status_t == "ok" else float("nan")
        rows.append(
            {
                "rank": rank,
                "model": f.model,
                "model_lower": f.model.lower(),
                "href": pages[f.model],
                "missing": bool(f.missing),
                "direct": int(f.direct),
                "transitive": int(f.transitive),
                "direct_text": f"{int(f.direct):,}",
                "transitive_text": f"{int(f.transitive):,}",
                "released": f.released,
                "status_t": status_t,
                "status_d": str(d.get("status", "not fitted")),
                "growth": "—" if not math.isfinite(growth) else f"+{growth:,.0f}",
                "growth_v": growth if math.isfinite(growth) else -1,
                "ultimate": _fmt_count(ultimate),
                "ultimate_v": ultimate if math.isfinite(ultimate) else -1,
            }
        )
    return rows


def _search_index(direct: pd.Series, transitive: pd.Series, pages: dict[str, str]) -> str:
    """``window.HFL_SEARCH``: every model with a derivative, sorted by lower-case id."""
    have = direct.to_numpy() > 0
    ids = np.asarray(direct.index, dtype=object)[have]
    frame = pd.DataFrame(
        {
            "id": ids,
            "low": pd.Series(ids, dtype=object).str.lower(),
            "d": direct.to_numpy()[have],
            "t": transitive.to_numpy()[have],
        }
    )
    frame = frame.sort_values(["low", "id"], kind="stable").reset_index(drop=True)
    page = {str(i): pages[m] for i, m in enumerate(frame["id"]) if m in pages}
    data = {
        "ids": frame["id"].tolist(),
        "direct": frame["d"].astype(int).tolist(),
        "transitive": frame["t"].astype(int).tolist(),
        "page": page,
    }
    return "window.HFL_SEARCH = " + json.dumps(data, separators=(",", ":")) + ";\n"


def write_site(
    graph: LineageGraph,
    out: str | os.PathLike,
    *,
    top: int = 50,
    status: SnapshotStatus | None = None,
    progress: ProgressCallback | None = None,
) -> SiteResult:
    """Write the whole-snapshot site for ``graph`` into the folder ``out`` (see the module
    docstring) and return what was written.

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    out : path
        The folder (created if needed). Files of a previous site run are overwritten (and
        family pages no longer listed removed); any other existing file the site would write
        raises :class:`UsageError` before anything is written.
    top : int
        How many of the largest families get a row in the table and a page.
    status : SnapshotStatus, optional
        Completeness of the snapshot (:func:`snapshot_status`); unknown when None.
    progress : callable, optional
        Called with :class:`lineage.progress.Progress` records: counting, fitting, "family pages".

    Returns
    -------
    SiteResult

    Examples
    --------
    See the module docstring.
    """
    if top < 1:
        raise UsageError(f"--top must be at least 1, got {top}")
    status = status or SnapshotStatus(graph.snapshot_time, None, "crawl record unknown")
    snapshot = status.path.resolve() if status.path is not None else None
    out_dir = check_site_dir(out, snapshot=snapshot)
    families = largest_families(graph, top, progress=progress)
    models = families["model"].tolist()
    pages = _slugs(models)
    targets = ["index.html", PLOTLY_JS, VIS_JS, VIS_CSS, SEARCH_JS, *pages.values()]
    previous = _check_targets(out_dir, targets, snapshot)

    fits = family_fits(graph, models, progress=progress)
    direct = graph.descendant_counts("direct")
    transitive = graph.descendant_counts("transitive")
    depths = lineage_depths(graph)

    # claim every file first, so a run interrupted half-way can be re-run over its own files
    _write(
        out_dir / MANIFEST,
        json.dumps({"generator": GENERATOR, "files": sorted(previous | set(targets))}, indent=1),
    )
    page.write_assets(out_dir / ASSETS)  # one copy of each script for every page
    _write(out_dir / SEARCH_JS, _search_index(direct, transitive, pages))
    written = {}
    for k, model in enumerate(models, start=1):
        report(progress, "family pages", k - 1, len(models))
        path = out_dir / pages[model]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            lineage_html(graph, model, path=tmp, fits=fits, assets=f"../{ASSETS}")
            label = f"family {k} of {len(models)} largest"
            _write(path, _back_link(tmp.read_text(encoding="utf-8"), label))
        finally:
            tmp.unlink(missing_ok=True)
        written[model] = path
    report(progress, "family pages", len(models), len(models))

    _write(
        out_dir / "index.html",
        _index_html(graph, status, families, fits, pages, direct, transitive, depths),
    )
    for stale in sorted(previous - set(targets)):
        if stale.startswith(f"{FAMILY_DIR}/"):
            (out_dir / stale).unlink(missing_ok=True)
    _write(out_dir / MANIFEST, json.dumps({"generator": GENERATOR, "files": targets}, indent=1))
    return SiteResult(
        out_dir, out_dir / "index.html", models, written, [out_dir / t for t in targets]
    )


def _index_html(graph, status, families, fits, pages, direct, transitive, depths) -> str:
    missing = graph.models["missing"].to_numpy(dtype=bool)
    edges = graph.edges
    edges_by = edges["relation"].value_counts()
    running = graph.snapshot_month if graph.snapshot_month != graph.last_complete_month else None
    snap = status.time if status.time is not None else graph.snapshot_time
    snap_label = f"{snap:%Y-%m-%d %H:%M} UTC" if snap is not None else graph.snapshot_month
    n_children = int(edges["child"].nunique())
    in_lineage = (direct.to_numpy() > 0) | (depths.to_numpy() > 0)
    cards = [
        (f"{int((~missing).sum()):,}", "models listed"),
        (f"{int(missing.sum()):,}", "missing parents (referenced, never listed)"),
        (
            f"{len(edges):,}",
            "lineage edges: " + ", ".join(f"{r} {v:,}" for r, v in edges_by.items()),
        ),
        (f"{n_children:,}", "models declaring a base model"),
        (f"{int((direct > 0).sum()):,}", "models with derivatives"),
        (f"{int(depths.max()) if len(depths) else 0}", "generations in the deepest lineage"),
        (
            f"{int(transitive.max()) if len(transitive) else 0:,}",
            "derivatives of the largest family",
        ),
    ]
    if len(graph.dropped_cycle_edges):
        cards.append((f"{len(graph.dropped_cycle_edges):,}", "edges dropped to break cycles"))
    floor = (
        " Models created before 2022-03-02 all carry that date (the Hub's floor)."
        if "2022-03" in set(graph.release_months)
        else ""
    )
    lighter = f" The running month {running} is drawn lighter: it is not over." if running else ""
    return _INDEX.render(
        csp=_CSP,
        generator=GENERATOR,
        snap_label=snap_label,
        status=status,
        snapshot_month=graph.snapshot_month,
        complete_month=graph.last_complete_month,
        running=running,
        cards=cards,
        charts=_charts(graph, depths, direct, transitive),
        edges_caption="An edge counts in the month its derivative was created (or its base, "
        "if later)." + lighter,
        growth_caption="Listed models by creation month (bars) and in all (line)."
        + floor
        + lighter,
        isolated=f"{int((~in_lineage).sum()):,}",
        rows=_table_rows(families, fits, pages),
        prior=_prior_text(fits, len(families)),
        source=str(status.path) if status.path is not None else "a graph in memory",
        plotly_js=PLOTLY_JS,
        search_js=SEARCH_JS,
        script=_SEARCH_JS,
    )
