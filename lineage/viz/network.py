"""Interactive lineage pages: one self-contained HTML file per model (vis-network, Plotly).

``lineage_html`` draws a model's derivatives (or bases, or both) from a
:class:`lineage.graph.LineageGraph`. The first view is readable at any family size: at most
``max_nodes`` boxes, fewer when more would not fit one screen with labels of 8 px or more
(:mod:`lineage.viz.layout`), the heaviest branches first and every other branch folded into
a "+N more" node. The page carries the next ``carry`` models of the family too: a fold opens
on click (and closes again), the search box finds and reveals folded models, relations can
be switched off and on, and a sunburst of the family's branches (sized by subtree) opens a
branch in the network when clicked. The root's growth curve, fit and forecast are a Plotly
chart. Everything is inlined: the page works offline.

Example:
    >>> import pandas as pd
    >>> from lineage.graph import LineageGraph
    >>> models = pd.DataFrame({"id": ["org/base", "org/ft", "org/q"],
    ...     "created_at": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01"], utc=True),
    ...     "author": ["org", "org", "org"], "downloads": [9, 1, 0], "likes": [1, 0, 0],
    ...     "missing": [False, False, False]})
    >>> edges = pd.DataFrame({"child": ["org/ft", "org/q"], "parent": ["org/base", "org/ft"],
    ...     "relation": ["finetune", "quantized"], "source": ["card", "card"]})
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "base.html"
    >>> page = lineage_html(LineageGraph.from_frames(models, edges), "ORG/base", path=out)
    >>> page == out and "org/q" in out.read_text()
    True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from growth.fit import DEFAULT_HORIZON
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.counts import concat_ranges
from lineage.progress import ProgressCallback, report
from lineage.ranking import ModelFit, fit_model
from lineage.viz import layout as _layout
from lineage.viz.charts import growth_figure, sunburst_figure
from lineage.viz.page import render_page_bytes
from lineage.viz.select import Family, Fold, cut, folds, lineage_family

if TYPE_CHECKING:  # pandas loads only with fits passed in (the site's): a page needs numpy
    import pandas as pd

DIRECTIONS = ("down", "up", "both")
LAYOUTS = ("tree", "radial", "force")
LAYOUT_NAMES = {
    "tree": "tree layout (left to right, a column per generation)",
    "radial": "radial layout (one ring per generation)",
    "force": "force layout",
}
#: Default node budget of the first view (boxes, "+N more" nodes included): the page draws
#: fewer when more would not fit one screen with labels of 8 px or more.
MAX_NODES = 200
#: Models the page carries beyond its first view, for folds to open and search to reveal.
CARRY = 5000
#: The sunburst draws at most this many branches, each parent's this many heaviest, each
#: at least 1/SUNBURST_SHARE of the family; lighter ones are grouped by relation.
SUNBURST_SECTORS = 400
SUNBURST_CHILDREN = 12
SUNBURST_SHARE = 500
#: Months the page's growth chart forecasts: the CLI's ``fit`` default too.
FORECAST_MONTHS = DEFAULT_HORIZON
#: Coverage of the forecast band.
INTERVAL = 0.8
RELATION_COLORS = {
    "finetune": "#2a9d8f",
    "adapter": "#e9c46a",
    "quantized": "#8e7cc3",
    "merge": "#e76f51",
    "unknown": "#9aa5b1",
}
OTHER_COLOR = "#5b8def"
ROOT_COLOR = "#264653"
MISSING_COLOR = "#eeeeee"
FOLD_COLOR = "#f2f2f2"
LABEL_CHARS = 30
#: Characters per line of the growth chart's title (the side panel is 340 px wide).
CHART_TITLE_CHARS = 52


def _default_path(model: str) -> Path:
    return Path(re.sub(r"[^A-Za-z0-9._-]+", "--", model).strip("-") + ".lineage.html")


def _relation_order(relation: str) -> tuple[int, str]:
    """Named relations first, in legend order: an edge declared twice (``finetune+adapter``)
    takes the colour of the first."""
    order = list(RELATION_COLORS)
    return (order.index(relation) if relation in order else len(order), relation)


def _relation_color(relation: str) -> str:
    return RELATION_COLORS.get(relation.split("+")[0], OTHER_COLOR)


def short_label(model: str, limit: int = LABEL_CHARS) -> str:
    """A model id cut to ``limit`` characters around an ellipsis (the tooltip has it whole).

    Example:
        >>> short_label("org/model"), short_label("averyverylongorganisation/and-a-long-name", 20)
        ('org/model', 'averyvery…-long-name')
    """
    if len(model) <= limit:
        return model
    head = (limit - 1) // 2
    return model[:head] + "…" + model[-(limit - 1 - head) :]


def _wrap(text: str, width: int) -> str:
    """``text`` broken into Plotly title lines (``<br>``) of at most ``width`` characters."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width, break_on_hyphens=False))


def _fmt(v: Any) -> Any:
    """A value for the page's JSON: numbers to 4 significant digits, NaN as null."""
    if v is None or isinstance(v, (bool, np.bool_)):
        return v if v is None else bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(f"{float(v):.4g}") if math.isfinite(v) else None
    return str(v)


def _fit_rows(fits: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Fitted parameters by model (transitive scope preferred) for the tooltips."""
    if fits is None or len(fits) == 0:
        return {}
    frame = fits
    if "scope" in frame.columns:
        frame = frame.assign(_pref=(frame["scope"] != "transitive").astype(int))
        frame = frame.sort_values("_pref", kind="stable")
    label = fits.attrs.get("label")
    out: dict[str, dict[str, Any]] = {}
    for d in frame.drop_duplicates("model").to_dict("records"):
        row = {k: _fmt(d.get(k)) for k in ("lambda", "mu", "sigma", "ultimate", "status")}
        if row["status"] != "ok":  # an ultimate count only for a saturating fit
            row["ultimate"] = None
        out[str(d["model"])] = row | {
            "on": label if label else f"{d.get('scope', 'transitive')} derivatives"
        }
    return out


def _fit_summary(fitter: Any) -> dict[str, Any]:
    """λ, μ, σ, ultimate and status of a fitted growth fitter, for a tooltip."""
    est = {name: p.estimate for name, p in fitter.param_intervals(0.95).items()}
    out = {k: _fmt(float(est[k])) if k in est else None for k in ("lambda", "mu", "sigma")}
    ultimate = _fmt(float(fitter.ultimate_)) if fitter.status_ == "ok" else None
    return out | {"ultimate": ultimate, "status": str(fitter.status_)}


def _fit_shown(
    graph: LineageGraph, models: list[str], relations: list[str] | None
) -> dict[str, ModelFit]:
    """The page's growth fits: :func:`lineage.ranking.fit_model` of each model's transitive
    curve (complete months), the very fit ``hf-lineage fit MODEL`` shows. Models with fewer
    than three complete months or no derivative yet are left out."""
    out = {}
    for model in models:
        fit = fit_model(graph, model, scope="transitive", relations=relations)
        if len(fit.table) >= 3 and fit.table["cumulative"][-1] > 0:
            out[model] = fit
    return out


def _growth_chart(
    graph: LineageGraph, root: str, relations: list[str] | None, fit: ModelFit | None, notes: list
) -> tuple[dict | None, str]:
    """Plotly figure of the root's transitive growth (complete months), its fit and
    forecast (the median and its band), and a one-line caption."""
    curve = (  # the root's fit holds these months already
        fit.table
        if fit is not None
        else graph.growth_curve(root, scope="transitive", relations=relations, as_frame=False)
    )
    if len(curve) == 0:  # released in the running month: no complete month yet
        return None, ""
    age = curve["age_months"].astype(float)
    cum = curve["cumulative"].astype(float)
    rel = ", ".join(relations) if relations else "all"
    if cum[-1] == 0:  # nothing to chart
        return None, f"No derivatives yet after {int(age[-1])} months (relations: {rel})."
    caption = f"{int(cum[-1]):,} derivatives after {int(age[-1])} months"
    title = _wrap(f"All derivatives (transitive), relations: {rel}", CHART_TITLE_CHARS)
    fitted = forecast = None
    if fit is not None:
        fitter = fit.fitter
        try:
            fitted = fitter.forecast(age, INTERVAL).median.tolist()
            ahead = np.arange(age[-1] + 1, age[-1] + FORECAST_MONTHS + 1)
            pred = fitter.forecast(ahead, INTERVAL)._asdict()
            # the forecast starts at the last observed month, so it joins the data
            forecast = {
                column: [float(start)] + pred[column].astype(float).tolist()
                for column, start in (
                    ("age_months", age[-1]),
                    ("median", cum[-1]),
                    ("lower", cum[-1]),
                    ("upper", cum[-1]),
                )
            }
            caption += (
                f"; WSB fit {fitter.status_}, median forecast {FORECAST_MONTHS} "
                f"months ({INTERVAL:.0%} band); {fit.label}"
            )
            title += "<br>" + _wrap(
                f"WSB fit on {fit.label}; {FORECAST_MONTHS}-month forecast", CHART_TITLE_CHARS
            )
        except Exception as exc:  # noqa: BLE001 - a failed fit only removes the forecast
            notes.append(f"Growth forecast unavailable: {exc}".splitlines()[0])
    fig = growth_figure(age, cum, fitted=fitted, forecast=forecast, interval=INTERVAL, title=title)
    return fig, caption


# -- the first view ------------------------------------------------------------------------
@dataclass(frozen=True)
class _FirstView:
    """The members drawn first, their folds, and every box's position (members, then folds)."""

    shown: int
    folds: list[Fold]
    x: np.ndarray
    y: np.ndarray


def _view_nodes(
    fam: Family, k: int, labels: np.ndarray, font: np.ndarray
) -> tuple[list[Fold], np.ndarray, np.ndarray, list[str], np.ndarray]:
    """The first ``k`` members plus their folds as layout input: (folds, via, level,
    labels, fonts), folds after the members."""
    shown = fam.priority[:k]
    local = np.full(len(fam), -1, dtype=np.int64)
    local[shown] = np.arange(k)
    fs = folds(fam, k)
    anchors = np.array([f.anchor for f in fs], dtype=np.int64)
    sides = np.array([1 if f.side == "down" else -1 for f in fs], dtype=np.int64)
    via = np.concatenate(
        [np.where(fam.via[shown] >= 0, local[np.maximum(fam.via[shown], 0)], -1), local[anchors]]
    ).astype(np.int64)
    level = np.concatenate([fam.level[shown], fam.level[anchors] + sides])
    text = labels[:k].tolist() + [f"+{f.models:,} more" for f in fs]
    size = np.concatenate([font[:k], np.full(len(fs), _layout.FONT)])
    return fs, via, level, text, size


def _first_view(
    fam: Family, kind: str, max_nodes: int, labels: np.ndarray, font: np.ndarray
) -> _FirstView:
    """The most members (at most ``max_nodes`` boxes with folds) whose ``kind`` layout fits
    the view with readable labels; their folds and positions (members, then folds)."""

    def attempt(budget: int):
        k = cut(fam, budget)
        fs, via, level, text, size = _view_nodes(fam, k, labels, font)
        w, h = _layout.box_sizes(text, size)
        if not _layout.might_fit(w, h):
            return False, k, fs, None, None
        x, y = _layout.layout(kind, via, level, w, h)
        ok = _layout.fits_view(x, y, w, h) and _layout.overlaps(x, y, w, h) == 0
        return ok, k, fs, x, y

    # double the budget until it no longer fits, then halve the interval
    lo, hi = 2, max(2, max_nodes)
    best = attempt(lo)
    budget = 16
    while budget < hi:
        got = attempt(budget)
        if not got[0]:
            hi = budget
            break
        lo, best = budget, got
        budget *= 2
    else:
        got = attempt(hi)
        if got[0]:
            return _FirstView(*got[1:])
    while hi - lo > 1:
        mid = (lo + hi) // 2
        got = attempt(mid)
        if got[0]:
            lo, best = mid, got
        else:
            hi = mid
    return _FirstView(*best[1:])


def _bands(
    fam: Family,
    k: int,
    fs: list[Fold],
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    font: np.ndarray,
) -> list[list[float]]:
    """The tree layout's side-by-side bands (:func:`lineage.viz.layout.tree_layout` wraps a
    tall first generation): a rectangle ``[left, top, right, bottom]`` around each band's
    boxes, for the page to shade, so a band is not read as the next generation. Empty
    when the first generation is one column."""
    shown = fam.priority[:k]
    level = fam.level
    columns = np.unique(np.round(x[:k][level[shown] == 1]))
    if len(columns) < 2:
        return []
    # each drawn box's first-generation ancestor (a fold: its anchor's), and that one's column
    _, _, _, text, size = _view_nodes(fam, k, labels, font)
    w, h = _layout.box_sizes(text, size)
    member = np.concatenate([shown, np.array([f.anchor for f in fs], dtype=np.int64)])
    top = member.copy()
    while (level[top] > 1).any():
        top = np.where(level[top] > 1, fam.via[np.maximum(top, 0)], top)
    pos = np.full(len(fam), -1, dtype=np.int64)
    pos[shown] = np.arange(k)
    column = np.where(level[top] == 1, np.round(x[np.maximum(pos[top], 0)]), np.round(x))
    out = []
    pad = _layout.GAP * 2
    for c in columns:
        inside = np.flatnonzero((column == c) & (np.arange(len(member)) > 0))
        out.append(
            [
                round(float((x[inside] - w[inside] / 2).min() - pad), 1),
                round(float((y[inside] - h[inside] / 2).min() - pad), 1),
                round(float((x[inside] + w[inside] / 2).max() + pad), 1),
                round(float((y[inside] + h[inside] / 2).max() + pad), 1),
            ]
        )
    return out


# -- the page's data ----------------------------------------------------------------------
def _relation_ranks(names: list[str]) -> np.ndarray:
    """Each relation code's place in legend order (:func:`_relation_order`)."""
    order = sorted(range(len(names)), key=lambda code: _relation_order(names[code]))
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank


def _pairs(
    graph: LineageGraph, nodes: np.ndarray, relations: list[str] | None, down: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lineage edges among ``nodes`` (graph indices) as ``(parent, child, relation)`` arrays,
    one entry per pair, by parent then child; a pair declared with two relations has them
    joined in legend order (``finetune+adapter``).

    The edges are gathered from the ``nodes``' own adjacency lists (``down``: each node's
    children, else its parents; the family's walk built that one already), sorted by pair
    and relation order, and only the rare pairs with two or more relations are joined in
    Python."""
    ptr, neighbour, edge = graph._adjacency(down, relations)
    starts = ptr[nodes]
    lens = ptr[nodes + 1] - starts
    at = concat_ranges(starts, lens)
    near, far, edge = np.repeat(nodes, lens), neighbour[at], edge[at]
    inside = np.isin(far, nodes)
    near, far, rel = near[inside], far[inside], graph._rel[edge[inside]]
    parent, child = (near, far) if down else (far, near)
    order = np.lexsort((_relation_ranks(graph._rel_names)[rel], child, parent))
    parent, child, rel = parent[order], child[order], rel[order]
    first = np.ones(len(rel), dtype=bool)  # each pair's first edge
    first[1:] = (parent[1:] != parent[:-1]) | (child[1:] != child[:-1])
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(rel)]
    names = np.asarray(graph._rel_names, dtype=object)
    relation = names[rel[starts]]
    for k in np.flatnonzero(ends - starts > 1).tolist():
        relation[k] = "+".join(names[rel[starts[k] : ends[k]]])
    return parent[starts], child[starts], relation


def _column(graph: LineageGraph, name: str, index: np.ndarray, default: Any) -> list:
    values = graph.model_column(name, index)
    if values is None:
        return [default] * len(index)
    return [default if v is None else v for v in values.tolist()]


def _release_dates(graph: LineageGraph, index: np.ndarray) -> list[str | None]:
    """``created_at`` of the models at ``index`` as ``YYYY-MM-DD`` (UTC; None: unknown)."""
    when = graph.model_column("created_at", index)
    assert when is not None  # every graph has creation times
    dates = np.datetime_as_string(when, unit="D").astype(object)
    dates[np.isnat(when)] = None
    return dates.tolist()


def _member_relations(graph: LineageGraph, fam: Family, root: int) -> np.ndarray:
    """Each member's relation code to the model one step closer (``root`` for the root)."""
    if len(graph._rel) == 0:  # a graph without edges: the family is its model alone
        return np.full(len(fam.edge), root)
    return np.where(fam.edge >= 0, graph._rel[np.maximum(fam.edge, 0)], root)


def _sunburst(
    fam: Family,
    graph: LineageGraph,
    carried: int,
    labels: list[str],
    relation: list[str],
    models: list[str],
) -> dict:
    """Sunburst of the family: its heaviest branches as sectors sized by subtree, and under
    every such sector the lighter branches grouped by relation ("+N finetune").

    A branch has its own sector when its parent has one, it is among its parent's
    :data:`SUNBURST_CHILDREN` heaviest, holds at least 1/:data:`SUNBURST_SHARE` of the
    family and is carried by the page (so a click can reveal it); at most
    :data:`SUNBURST_SECTORS` sectors. Every count comes from the whole family.
    """
    n = len(fam)
    rank = fam.rank
    kids = np.arange(1, n)
    # each member's place among its siblings, heaviest first
    order = kids[np.lexsort((rank[kids], -fam.subtree[kids], fam.via[kids]))]
    starts = np.r_[0, np.flatnonzero(np.diff(fam.via[order])) + 1]
    sib = np.empty(n, dtype=np.int64)
    sib[0] = 0
    sib[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    own = np.zeros(n, dtype=bool)
    own[0] = True
    eligible = (
        (sib < SUNBURST_CHILDREN)
        & (fam.subtree * SUNBURST_SHARE >= fam.subtree[0])
        & (rank < carried)
    )
    hops = np.abs(fam.level)
    for h in range(1, int(hops.max(initial=0)) + 1):
        at = np.flatnonzero(hops == h)
        own[at] = own[fam.via[at]] & eligible[at]
    sectors = np.flatnonzero(own)
    sectors = sectors[np.argsort(rank[sectors], kind="stable")][:SUNBURST_SECTORS]
    own[:] = False
    own[sectors] = True
    # lighter branches of each sector, by relation: one grouped sector each
    names = np.asarray(graph._rel_names, dtype=object)
    code = _member_relations(graph, fam, 0)
    light = kids[own[fam.via[kids]] & ~own[kids]]
    key = fam.via[light] * len(names) + code[light]
    keys, first = np.unique(key, return_inverse=True)
    models_in = np.bincount(first, weights=fam.subtree[light]).astype(np.int64)
    branches = np.bincount(first).astype(np.int64)
    ci = rank  # members are numbered by their place in the page's arrays (priority order)
    ids = [str(int(ci[m])) for m in sectors]
    parents = [""] + [str(int(ci[fam.via[m]])) for m in sectors[1:]]
    labels_out = [labels[int(ci[m])] for m in sectors]
    values = fam.subtree[sectors].tolist()
    colors = [ROOT_COLOR] + [_relation_color(relation[int(ci[m])]) for m in sectors[1:]]
    hover = [
        f"{models[int(ci[m])]}<br>{int(fam.subtree[m]):,} models in this branch"
        + (f"<br>relation: {relation[int(ci[m])]}" if m else "")
        for m in sectors
    ]
    for k, g in enumerate(keys.tolist()):
        anchor, rel = divmod(g, len(names))
        a = str(int(ci[anchor]))
        ids.append(f"g{a}:{names[rel]}")
        parents.append(a)
        labels_out.append(f"+{int(models_in[k]):,} {names[rel]}")
        values.append(int(models_in[k]))
        colors.append(_relation_color(str(names[rel])) + "99")
        hover.append(
            f"{int(models_in[k]):,} models in {int(branches[k]):,} lighter "
            f"{names[rel]} branches of {models[int(ci[anchor])]}"
        )
    return sunburst_figure(ids, labels_out, parents, values, colors, hover=hover)


def _generations(fam: Family, graph: LineageGraph) -> dict:
    """Members by generation (signed hops) and relation of their tree edge, counted."""
    names = list(graph._rel_names)
    code = _member_relations(graph, fam, -1)[1:]
    level = fam.level[1:]
    if len(level) == 0:
        return {"levels": [], "relations": [], "counts": []}
    lo = int(level.min())
    width = int(level.max()) - lo + 1
    table = np.bincount((level - lo) * len(names) + code, minlength=width * len(names))
    table = table.reshape(width, len(names))
    used = np.flatnonzero(table.sum(axis=0))
    rows = np.flatnonzero(table.sum(axis=1))
    return {
        "levels": [int(r + lo) for r in rows],
        "relations": [names[c] for c in used],
        "counts": table[np.ix_(rows, used)].tolist(),
    }


# -- the page, step by step -----------------------------------------------------------------
@dataclass(frozen=True)
class _Members:
    """Family members the page carries, in priority order, with what each box shows."""

    members: np.ndarray  # family positions
    nodes: np.ndarray  # graph indices
    models: list[str]
    labels: np.ndarray
    transitive: np.ndarray  # all derivatives of each member
    font: np.ndarray  # label size, growing with ``transitive``

    def head(self, count: int) -> _Members:
        """The first ``count`` members."""
        return _Members(
            self.members[:count],
            self.nodes[:count],
            self.models[:count],
            self.labels[:count],
            self.transitive[:count],
            self.font[:count],
        )


@dataclass(frozen=True)
class _TreeEdges:
    """How each carried member hangs in the page's tree, and the lineage edges besides."""

    via: np.ndarray  # page position of each member's tree parent (-1: the root)
    level: np.ndarray  # signed hops from the root
    relation: list[str]  # relation of each member's tree edge ("" for the root)
    extra: list[list]  # [parent, child, relation] of the edges the tree leaves out


_LEGEND_TITLES = {
    "down": "Relation to its parent (how it derives from the model one step closer)",
    "up": "Relation of the child to its parent (how the model one step closer derives from it)",
    "both": "Relation of each child to its parent (the edge towards the model)",
}
_DIRECTION_WHAT = {"down": "derivatives", "up": "base models", "both": "bases and derivatives"}


def _check_options(
    *, direction: str, layout: str, max_nodes: int, depth: int | None, carry: int
) -> None:
    """Raise :class:`UsageError` naming the first option out of range."""
    if direction not in DIRECTIONS:
        raise UsageError(f"unknown direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    if max_nodes < 2:
        raise UsageError(f"--max-nodes must be at least 2, got {max_nodes}")
    if depth is not None and depth < 0:
        raise UsageError(f"--depth must be 0 or more, got {depth}")
    if carry < 0:
        raise UsageError(f"--carry must be 0 or more, got {carry}")


def _candidates(graph: LineageGraph, fam: Family, horizon: int, transitive: np.ndarray) -> _Members:
    """The family's first ``horizon`` members by priority, labelled and sized."""
    members = fam.priority[:horizon]
    nodes = fam.node[members]
    models = graph.ids[nodes].astype(str).tolist()
    labels = np.array([short_label(m) for m in models], dtype=object)
    member_transitive = transitive[nodes]
    font = np.minimum(_layout.FONT + np.log10(1 + member_transitive), 16.0)
    font[0] = 16.0
    return _Members(members, nodes, models, labels, member_transitive, font)


def _page_positions(fam: Family, carried: _Members) -> np.ndarray:
    """Each family member's position in the page's arrays (-1: not carried)."""
    local = np.full(len(fam), -1, dtype=np.int64)
    local[carried.members] = np.arange(len(carried.members))
    return local


def _tree_edges(
    graph: LineageGraph,
    fam: Family,
    carried: _Members,
    local: np.ndarray,
    relations: list[str] | None,
    direction: str,
) -> _TreeEdges:
    """The carried members' tree edges with their (joined) relations, and the other edges
    (gathered along the adjacency the ``direction``'s walk built)."""
    members, nodes = carried.members, carried.nodes
    via = np.where(fam.via[members] >= 0, local[np.maximum(fam.via[members], 0)], -1)
    level = fam.level[members]
    n = len(nodes)
    parent, child, joined = _pairs(graph, nodes, relations, down=direction != "up")
    # page positions of the pairs' ends (a search among the carried nodes: a dense map
    # over every model would cost more, in page faults, than the rest of this function)
    by_node = np.argsort(nodes)
    parent = by_node[np.searchsorted(nodes, parent, sorter=by_node)]
    child = by_node[np.searchsorted(nodes, child, sorter=by_node)]
    pair_key = parent * n + child
    # each member's tree edge as a pair key (up: the member is the parent); -2: no pair
    me = np.arange(n)
    tree_key = np.where(level < 0, me * n + via, via * n + me)[1:]
    tree_key[via[1:] < 0] = -2
    # the tree edges' joined relations, looked up among the sorted pair keys (-1: past them)
    by_key = np.argsort(pair_key)
    at = np.searchsorted(pair_key[by_key], tree_key)
    found = np.append(pair_key[by_key], -1)[at] == tree_key
    names = np.asarray(graph._rel_names, dtype=object)
    own = names[graph._rel[fam.edge[members[1:]]]]  # the tree edge's own relation
    relation = [""] + np.where(found, np.append(joined[by_key], "")[at], own).tolist()
    out = ~np.isin(pair_key, tree_key)
    extra = [
        [a, b, r]
        for a, b, r in zip(
            parent[out].tolist(), child[out].tolist(), joined[out].tolist(), strict=True
        )
    ]
    return _TreeEdges(via, level, relation, extra)


def _below(fam: Family, carried: _Members, local: np.ndarray) -> np.ndarray:
    """Family members hanging under each carried member: ``[down, up]`` counts per row."""
    below = np.zeros((len(carried.members), 2), dtype=np.int64)
    kid = np.arange(1, len(fam))
    anchor = local[fam.via[kid]]
    kid, anchor = kid[anchor >= 0], anchor[anchor >= 0]  # models below a carried one
    np.add.at(below, (anchor, (fam.level[kid] < 0).astype(int)), fam.subtree[kid])
    return below


def _page_fits(
    graph: LineageGraph,
    root: str,
    carried: _Members,
    shown: int,
    *,
    fits: pd.DataFrame | None,
    fit_top: int,
    relations: list[str] | None,
) -> tuple[dict[str, dict[str, Any]], ModelFit | None]:
    """Tooltip fits by model (``fits`` first, then the root and ``fit_top`` largest shown
    models fitted here) and the root's own fit, for its chart."""
    fit_rows = _fit_rows(fits)
    models, transitive = carried.models, carried.transitive
    order = np.argsort(-transitive[:shown], kind="stable")
    wanted = [root] + [
        models[i]
        for i in order[:fit_top].tolist()
        if transitive[i] > 0 and models[i] != root and models[i] not in fit_rows
    ]
    fitted = _fit_shown(graph, wanted, relations)
    for model, fit in fitted.items():
        fit_rows.setdefault(model, _fit_summary(fit.fitter) | {"on": fit.label})
    return fit_rows, fitted.get(root)


def _page_data(
    graph: LineageGraph,
    fam: Family,
    root: str,
    *,
    direction: str,
    layout: str,
    view: _FirstView,
    carried: _Members,
    local: np.ndarray,
    edges: _TreeEdges,
    direct: np.ndarray,
    fit_rows: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The page's JSON record of every carried member, the first view and the colours."""
    nodes, models, shown = carried.nodes, carried.models, view.shown
    missing = _column(graph, "missing", nodes, False)
    return {
        "root": root,
        "direction": direction,
        "layout": layout,
        "shown": int(shown),
        "models": models,
        "labels": carried.labels.tolist(),
        "font": [round(float(f), 1) for f in carried.font],
        "via": edges.via.tolist(),
        "level": edges.level.tolist(),
        "relation": edges.relation,
        "subtree": fam.subtree[carried.members].tolist(),
        "below": _below(fam, carried, local).tolist(),
        "direct": direct[nodes].tolist(),
        "transitive": carried.transitive.tolist(),
        "author": _column(graph, "author", nodes, None),
        "created": _release_dates(graph, nodes),
        "missing": [bool(v) for v in missing],
        "fit": {str(i): fit_rows[m] for i, m in enumerate(models) if m in fit_rows},
        "extra": edges.extra,
        "x": [round(float(v), 1) for v in view.x[:shown]],
        "y": [round(float(v), 1) for v in view.y[:shown]],
        "folds": {
            f"{int(local[fold.anchor])}:{fold.side}": [
                round(float(view.x[shown + j]), 1),
                round(float(view.y[shown + j]), 1),
            ]
            for j, fold in enumerate(view.folds)
        },
        "colors": RELATION_COLORS
        | {"other": OTHER_COLOR, "root": ROOT_COLOR, "missing": MISSING_COLOR, "fold": FOLD_COLOR},
        "n_selected": len(fam),
        "carried": len(carried.models),
    }


def _fold_note(n_selected: int, shown: int, carried: int, n_folds: int, max_nodes: int) -> dict:
    """The note saying how much of the family the first view folds, and how to open it."""
    hidden = n_selected - shown
    beyond = n_selected - carried
    return {
        "id": "fold-note",
        "text": (
            f"First view: {shown:,} of {n_selected:,} models, the heaviest branches (at most "
            f"{max_nodes:,} boxes, as many as fit one screen readably); {hidden:,} are "
            f'folded into {n_folds:,} "+N more" nodes: click one to open it. The page '
            f"carries {carried - shown:,} of them to open or find"
            + (
                f"; {beyond:,} lighter models are left out (open a branch's own page, or "
                f"raise --carry)."
                if beyond
                else "."
            )
        ),
    }


def _subtitle(
    graph: LineageGraph,
    *,
    direction: str,
    depth: int | None,
    relations: list[str] | None,
    shown: int,
    n_selected: int,
    layout: str,
) -> str:
    """The line under the title: snapshot, direction, depth, relations, models shown."""
    snap = graph.snapshot_date
    snap_txt = (
        f"snapshot {snap}"
        if snap is not None
        else f"no crawl time, data up to {graph.snapshot_month}"
    )
    return (
        f"{snap_txt} · {_DIRECTION_WHAT[direction]}"
        f"{'' if depth is None else f' up to {depth} hops'}, "
        f"relations: {', '.join(relations) if relations else 'all'}, "
        f"showing {shown:,} of {n_selected:,} models, {LAYOUT_NAMES[layout]}"
    )


def _legend(relation: list[str]) -> list[dict[str, str]]:
    """One legend entry per relation the tree edges use (the first of a joined one)."""
    used = sorted({r.split("+")[0] for r in relation[1:]}, key=_relation_order)
    return [
        {
            "label": r if r in RELATION_COLORS else f"{r} (other relation)",
            "color": _relation_color(r),
            "relation": r,
        }
        for r in used
    ]


def _write_page(out: Path, html: bytes) -> None:
    """Write the page, turning an unwritable path into a :class:`UsageError`."""
    try:
        out.write_bytes(html)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}; choose another -o path") from exc


def lineage_html(
    graph: LineageGraph,
    model: str,
    *,
    direction: str = "down",
    depth: int | None = None,
    max_nodes: int = MAX_NODES,
    relations: Iterable[str] | None = None,
    path: str | os.PathLike | None = None,
    fits: pd.DataFrame | None = None,
    layout: str = "tree",
    fit_top: int = 0,
    carry: int = CARRY,
    assets: str | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write an interactive lineage page of ``model`` to ``path`` and return the path.

    Parameters
    ----------
    graph, model
        The lineage graph and the page's model (any case).
    direction
        "down" (derivatives), "up" (bases) or "both".
    depth
        At most this many hops from ``model`` (None: all).
    max_nodes
        Boxes in the first view at most ("+N more" nodes included); fewer when more would
        not fit one screen with labels of 8 px or more.
    relations
        Follow only these edge relations (None: all).
    path
        The page to write (default: ``MODEL.lineage.html`` in the working directory).
    fits
        A ``fit_many`` frame whose λ, μ, σ fill the tooltips.
    layout
        "tree" (left to right), "radial" or "force".
    fit_top
        Also fit this many of the largest shown models that ``fits`` lacks (the model
        itself is always fitted, for its chart).
    carry
        Models carried beyond the first view, for folds to open and search to find.
    assets
        None (default): the page inlines its scripts and works alone. Else a URL relative
        to the page of a folder :func:`lineage.viz.page.write_assets` filled: the page
        loads vis-network and plotly.js from there (a site's pages share one copy).
    progress
        Called with :class:`lineage.progress.Progress` records (stage ``page``, a one-line
        message each).

    Returns
    -------
    Path
        The page written. See the module example.
    """
    _check_options(
        direction=direction, layout=layout, max_nodes=max_nodes, depth=depth, carry=carry
    )

    def say(message: str) -> None:
        report(progress, "page", 0, None, message)

    rel = list(relations) if relations is not None else None
    root = str(graph.ids[graph.index_of(model)])
    say(f"selecting the lineage of {root}")
    fam = lineage_family(graph, root, direction=direction, depth=depth, relations=rel)
    n_selected = len(fam)
    transitive = graph.descendant_counts(scope="transitive", relations=rel, as_frame=False)
    direct = graph.descendant_counts(scope="direct", relations=rel, as_frame=False)

    # everything the page carries: the first view and the next ``carry`` members
    candidates = _candidates(graph, fam, min(n_selected, max(max_nodes, 2) + carry), transitive)
    say(f"laying out the first view ({LAYOUT_NAMES[layout]})")
    view = _first_view(fam, layout, max_nodes, candidates.labels, candidates.font)
    shown = view.shown
    carried = candidates.head(min(n_selected, shown + carry))
    local = _page_positions(fam, carried)
    edges = _tree_edges(graph, fam, carried, local, rel, direction)

    say(f"drawing {shown:,} of {n_selected:,} models; carrying {len(carried.models):,}")
    notes: list[Any] = []
    fit_rows, root_fit = _page_fits(
        graph, root, carried, shown, fits=fits, fit_top=fit_top, relations=rel
    )
    chart, caption = _growth_chart(graph, root, rel, root_fit, notes)

    data = _page_data(
        graph,
        fam,
        root,
        direction=direction,
        layout=layout,
        view=view,
        carried=carried,
        local=local,
        edges=edges,
        direct=direct,
        fit_rows=fit_rows,
    )
    if n_selected > shown:
        notes.insert(
            0, _fold_note(n_selected, shown, len(carried.models), len(view.folds), max_nodes)
        )
    subtitle = _subtitle(
        graph,
        direction=direction,
        depth=depth,
        relations=rel,
        shown=shown,
        n_selected=n_selected,
        layout=layout,
    )
    bands = (
        _bands(fam, shown, view.folds, view.x, view.y, carried.labels, carried.font)
        if layout == "tree"
        else []
    )
    if bands:
        subtitle += f"; generation 1 wraps into {len(bands)} shaded side-by-side bands"
    data["bands"] = bands
    html = render_page_bytes(
        title=f"Lineage of {root}",
        subtitle=subtitle,
        data=data,
        legend=_legend(edges.relation),
        legend_title=_LEGEND_TITLES[direction],
        chart=chart,
        chart_caption=caption,
        sunburst=_sunburst(
            fam, graph, len(carried.models), carried.labels.tolist(), edges.relation, carried.models
        ),
        generations=_generations(fam, graph),
        notes=notes,
        assets=assets,
    )
    out = Path(path) if path is not None else _default_path(root)
    _write_page(out, html)
    say(f"wrote {out}")
    return out
