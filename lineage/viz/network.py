"""Interactive lineage pages: one self-contained HTML file per model, built with pyvis.

``lineage_html`` draws a model's derivatives (or bases, or both) from a
:class:`lineage.graph.LineageGraph`: nodes sized by their transitive derivatives (log scale)
and coloured by their relation to their parent, missing parents dashed and grey, large
families folded to a node budget ("+N more" nodes), the root's growth curve and fitted
forecast beside the graph. The page needs no network (vis-network is inlined) and stays
responsive: a tree layout by default, physics frozen once the layout is stable.

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

import html
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyvis.network import Network

from growth.fit import WSBFitter, fit_many
from growth.prior import HUB_CALIBRATION
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.progress import ProgressCallback, report
from lineage.viz.page import growth_chart_svg, render_page
from lineage.viz.select import Edge, Selection, radial_layout, select_lineage

DIRECTIONS = ("down", "up", "both")
LAYOUTS = ("tree", "radial", "force")
MAX_TREE_WIDTH = 120
LAYOUT_NAMES = {
    "tree": "tree layout",
    "radial": "radial tree layout (one ring per generation)",
    "force": "force layout",
}
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
FORECAST_MONTHS = 24


def _default_path(model: str) -> Path:
    return Path(re.sub(r"[^A-Za-z0-9._-]+", "--", model).strip("-") + ".lineage.html")


def _edges_around(
    graph: LineageGraph, root: str, direction: str, relations: list[str] | None
) -> tuple[set[str], dict, dict, list[Edge]]:
    """The models in ``root``'s selection, their children and parents as ``(id, relation)``
    lists, and every edge among them."""
    members = {root}
    for side in ("down", "up"):
        if direction in (side, "both"):
            members.update(graph.lineage_table(root, direction=side, relations=relations)["model"])
    edges = graph.edges
    keep = edges["child"].isin(members) & edges["parent"].isin(members)
    if relations is not None:
        keep &= edges["relation"].str.lower().isin({r.lower() for r in relations})
    pairs: dict[tuple[str, str], list[str]] = {}
    for child, parent, relation in edges.loc[keep, ["child", "parent", "relation"]].itertuples(
        index=False
    ):
        pairs.setdefault((parent, child), []).append(relation)
    down: dict[str, list[tuple[str, str]]] = {}
    up: dict[str, list[tuple[str, str]]] = {}
    among = []
    for (parent, child), rels in pairs.items():
        relation = "+".join(sorted(rels, key=_relation_order))
        down.setdefault(parent, []).append((child, relation))
        up.setdefault(child, []).append((parent, relation))
        among.append(Edge(parent, child, relation))
    return members, down, up, among


def _relation_order(relation: str) -> tuple[int, str]:
    """Named relations first, in legend order: an edge declared twice (``finetune+adapter``)
    takes the colour of the first."""
    order = list(RELATION_COLORS)
    return (order.index(relation) if relation in order else len(order), relation)


def _relation_color(relation: str) -> str:
    return RELATION_COLORS.get(relation.split("+")[0], OTHER_COLOR)


def _fit_rows(fits: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Fitted parameters by model (transitive scope preferred) for the tooltips."""
    if fits is None or len(fits) == 0:
        return {}
    frame = fits
    if "scope" in frame.columns:
        frame = frame.assign(_pref=(frame["scope"] != "transitive").astype(int))
        frame = frame.sort_values("_pref", kind="stable")
    out: dict[str, dict[str, Any]] = {}
    for d in frame.drop_duplicates("model").to_dict("records"):
        out[str(d["model"])] = {
            k: _fmt(d.get(k)) for k in ("lambda", "mu", "sigma", "ultimate", "status")
        }
    return out


def _fmt(v: Any) -> Any:
    """A value for the page's JSON: numbers to 4 significant digits, NaN as null."""
    if v is None or isinstance(v, (bool, np.bool_)):
        return v if v is None else bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(f"{float(v):.4g}") if math.isfinite(v) else None
    return str(v)


def _size(n: int) -> float:
    return round(10 + 7 * math.log10(1 + max(n, 0)), 1)


def _network(
    sel: Selection,
    attrs: pd.DataFrame,
    direct: pd.Series,
    transitive: pd.Series,
    fit_rows: dict[str, dict[str, Any]],
    layout: str,
) -> Network:
    """The pyvis network for a selection: nodes, edges and options."""
    net = Network(directed=True, cdn_resources="in_line")
    index = {m: i for i, m in enumerate(sel.nodes)}
    low = min(sel.level.values())
    cols = attrs.reindex(index=sel.nodes, columns=["author", "created_at", "missing"])
    authors = cols["author"].astype(object).where(cols["author"].notna(), None).tolist()
    created_at = cols["created_at"].astype(object).where(cols["created_at"].notna(), None)
    days = [None if c is None else str(c)[:10] for c in created_at]
    missings = cols["missing"].fillna(False).astype(bool).tolist()
    n_direct = direct.reindex(sel.nodes).fillna(0).astype(int).tolist()
    n_trans = transitive.reindex(sel.nodes).fillna(0).astype(int).tolist()
    for k, m in enumerate(sel.nodes):
        missing = missings[k]
        relation = sel.relation.get(m, "root" if m == sel.root else "unknown")
        if missing:
            color = {"background": MISSING_COLOR, "border": "#888888"}
        elif m == sel.root:
            color = {"background": ROOT_COLOR, "border": "#000000"}
        else:
            c = _relation_color(relation)
            color = {"background": c, "border": c}
        options: dict[str, Any] = {
            "color": color,
            "size": _size(n_trans[k]),
            "level": sel.level[m] - low,
            "model": m,
            "author": authors[k],
            "created": days[k],
            "relation": None if m == sel.root else relation,
            "direct": n_direct[k],
            "transitive": n_trans[k],
        }
        if missing:
            options.update(missing=True, borderWidth=2, shapeProperties={"borderDashes": [4, 3]})
            options["font"] = {"color": "#777777"}
        if m == sel.root:
            options.update(borderWidth=4, font={"size": 22, "bold": True})
        if m in fit_rows:
            options["fit"] = fit_rows[m]
        net.add_node(index[m], label=m + (" (missing)" if missing else ""), **options)
    for e in sel.edges:
        net.add_edge(index[e.parent], index[e.child], color=_relation_color(e.relation),
                     relation=e.relation)
    for k, f in enumerate(sel.folds):
        fid = len(sel.nodes) + k
        level = sel.level[f.anchor] - low + (1 if f.side == "down" else -1)
        net.add_node(
            fid,
            label=f"+{f.models:,} more",
            shape="box",
            color={"background": FOLD_COLOR, "border": "#888888"},
            shapeProperties={"borderDashes": [4, 3]},
            level=level,
            fold={"models": f.models, "branches": f.branches},
            model=f"{f.models:,} more {'derivatives' if f.side == 'down' else 'bases'} "
            f"of {f.anchor}",
        )
        a, b = (index[f.anchor], fid) if f.side == "down" else (fid, index[f.anchor])
        net.add_edge(a, b, color="#bbbbbb", dashes=True)
    if layout in ("radial", "force"):
        fold_keys = [f"\0fold{k}" for k in range(len(sel.folds))]
        via = dict(sel.via) | {key: f.anchor for key, f in zip(fold_keys, sel.folds, strict=True)}
        pos = radial_layout(sel.root, via, sel.nodes + fold_keys)
        ids = index | {key: len(sel.nodes) + k for k, key in enumerate(fold_keys)}
        for key, (x, y) in pos.items():
            net.node_map[ids[key]].update(x=round(x, 1), y=round(y, 1))
    net.options = _options(layout, net.num_nodes())
    return net


def pick_layout(sel: Selection, layout: str) -> str:
    """The layout a page uses: "tree" becomes "radial" when a level is too wide to read.

    A top-down tree needs one column per node of its widest level; past
    ``MAX_TREE_WIDTH`` nodes it is a thin strip, and rings around the model read better.
    """
    if layout != "tree":
        return layout
    by_level = Counter(sel.level.values())
    for f in sel.folds:
        by_level[sel.level[f.anchor] + (1 if f.side == "down" else -1)] += 1
    return "tree" if max(by_level.values()) <= MAX_TREE_WIDTH else "radial"


def _options(layout: str, n_nodes: int) -> dict[str, Any]:
    """vis-network options: a tree or rings without physics, or forces frozen once stable."""
    opts: dict[str, Any] = {
        "nodes": {"shape": "dot", "font": {"size": 14}, "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False,
                  "width": 1},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": n_nodes > 800},
    }
    if layout == "tree":
        opts["layout"] = {
            "hierarchical": {
                "enabled": True,
                "direction": "UD",
                "levelSeparation": 160,
                "nodeSpacing": 120 if n_nodes <= 300 else 70,
                "treeSpacing": 160,
                "blockShifting": True,
                "edgeMinimization": n_nodes <= 2000,
                "parentCentralization": True,
            }
        }
        opts["physics"] = {"enabled": False}
    elif layout == "radial":
        opts["physics"] = {"enabled": False}
        opts["layout"] = {"improvedLayout": False}
    else:
        opts["layout"] = {"improvedLayout": n_nodes <= 300, "randomSeed": 7}
        opts["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 80},
            "stabilization": {
                "enabled": True,
                "iterations": max(40, min(150, 300_000 // max(n_nodes, 1))),
                "updateInterval": 50,
                "fit": True,
            },
        }
    return opts


def _fit_summary(fitter: Any) -> dict[str, Any]:
    """λ, μ, σ, ultimate and status of a fitted growth fitter, for a tooltip."""
    est = fitter.params_["estimate"]
    out = {k: _fmt(float(est[k])) if k in est.index else None for k in ("lambda", "mu", "sigma")}
    return out | {"ultimate": _fmt(float(fitter.ultimate_)), "status": str(fitter.status_)}


def _fit_shown(
    graph: LineageGraph, models: list[str], relations: list[str] | None, fit_rows: dict,
    say: Callable[[str], None],
) -> None:
    """Fit the growth of ``models`` (those not in ``fit_rows`` yet) for their tooltips."""
    todo = [m for m in models if m not in fit_rows]
    if not todo:
        return
    say(f"fitting the growth of {len(todo)} shown models")
    curves = graph.growth_curves(todo, scope="transitive", relations=relations)
    for m, row in _fit_rows(fit_many(curves)).items():
        fit_rows.setdefault(m, row)


def _growth_chart(
    graph: LineageGraph, root: str, relations: list[str] | None, fit_rows: dict, notes: list
) -> str:
    """SVG of the root's transitive growth curve (complete months) with a calibrated WSB
    forecast (:data:`growth.prior.HUB_CALIBRATION`) when one can be fitted."""
    curve = graph.growth_curve(root, scope="transitive", relations=relations)
    complete = graph.complete_months(curve)
    curve = complete if len(complete) else curve  # a model released this month: its one month
    if len(curve) == 0:
        return ""
    age = curve["age_months"].astype(float).to_numpy()
    cum = curve["cumulative"].astype(float).to_numpy()
    forecast = None
    caption = f"{int(cum[-1]):,} derivatives after {int(age[-1])} months"
    if len(age) >= 3 and cum[-1] > 0:
        try:
            fitter = WSBFitter(calibration=HUB_CALIBRATION).fit(age, cum)
            pred = fitter.predict(np.arange(age[-1] + 1, age[-1] + FORECAST_MONTHS + 1), 0.8)
            forecast = {
                k: [float(start)] + pred[k].astype(float).tolist()
                for k, start in (("age_months", age[-1]), ("mean", cum[-1]),
                                 ("lower", cum[-1]), ("upper", cum[-1]))
            }
            fit_rows.setdefault(root, _fit_summary(fitter))
            caption += (f"; WSB fit {fitter.status_}, forecast {FORECAST_MONTHS} months "
                        "(80% band)")
        except Exception as exc:  # noqa: BLE001 - a failed fit only removes the forecast
            notes.append(f"Growth forecast unavailable: {exc}".splitlines()[0])
    svg = growth_chart_svg(age, cum, forecast, caption=caption)
    return svg + f'<p id="chart-caption">{html.escape(caption)}</p>'


def lineage_html(
    graph: LineageGraph,
    model: str,
    *,
    direction: str = "down",
    depth: int | None = None,
    max_nodes: int = 1500,
    relations: Iterable[str] | None = None,
    path: str | os.PathLike | None = None,
    fits: pd.DataFrame | None = None,
    layout: str = "tree",
    fit_top: int = 0,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write an interactive lineage page of ``model`` to ``path`` and return the path.

    ``direction`` is "down" (derivatives), "up" (bases) or "both"; ``depth`` limits the hops
    from ``model``; ``relations`` keeps only those edge relations; above ``max_nodes`` the
    lightest branches fold into "+N more" nodes; ``fits`` (a ``fit_many`` frame) fills the
    tooltips' λ, μ, σ, and ``fit_top`` > 0 fits that many of the largest shown models
    that ``fits`` lacks (the model itself is always fitted for its chart); ``layout`` is
    "tree" (top-down; radial rings when a level is too wide to read), "radial" or "force".
    See the module example.
    """
    if direction not in DIRECTIONS:
        raise UsageError(f"unknown direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    if max_nodes < 2:
        raise UsageError(f"--max-nodes must be at least 2, got {max_nodes}")
    if depth is not None and depth < 0:
        raise UsageError(f"--depth must be 0 or more, got {depth}")
    def say(message: str) -> None:
        report(progress, "page", 0, None, message)

    rel = list(relations) if relations is not None else None
    root = str(graph.ids[graph.index_of(model)])
    say(f"selecting the lineage of {root}")
    members, down, up, among = _edges_around(graph, root, direction, rel)
    transitive = graph.descendant_counts(scope="transitive", relations=rel)
    direct = graph.descendant_counts(scope="direct", relations=rel)
    sel = select_lineage(
        root,
        down=(lambda m: down.get(m, ())) if direction != "up" else None,
        up=(lambda m: up.get(m, ())) if direction != "down" else None,
        depth=depth,
        max_nodes=max_nodes,
        weight=transitive.reindex(list(members)).fillna(0).to_dict(),
    )
    shown = set(sel.nodes)
    sel.edges = [e for e in among if e.parent in shown and e.child in shown]
    say(f"drawing {len(sel.nodes):,} of {sel.n_selected:,} models")
    notes: list[Any] = []
    fit_rows = _fit_rows(fits)
    chart = _growth_chart(graph, root, rel, fit_rows, notes)
    if fit_top > 0:
        largest = sorted(sel.nodes, key=lambda m: -int(transitive.get(m, 0)))[:fit_top]
        _fit_shown(graph, [m for m in largest if transitive.get(m, 0) > 0], rel, fit_rows, say)
    layout = pick_layout(sel, layout)
    attrs = graph.models.set_index("id", drop=False)
    net = _network(sel, attrs, direct, transitive, fit_rows, layout)
    nodes, edges, _heading, _h, _w, _opts = net.get_network_data()
    if sel.folds:
        notes.insert(0, {"id": "fold-note", "text": (
            f"{sel.n_folded:,} of {sel.n_selected:,} models folded into {len(sel.folds):,} "
            f"\"+N more\" nodes (budget {max_nodes:,} nodes; the heaviest branches are shown)."
        )})
    snap = graph.snapshot_time
    snap_txt = (f"snapshot {snap:%Y-%m-%d}" if snap is not None
                else f"no crawl time, data up to {graph.snapshot_month}")
    what = {"down": "derivatives", "up": "base models", "both": "bases and derivatives"}
    shown = (f"{what[direction]}{'' if depth is None else f' up to {depth} hops'}, "
             f"relations: {', '.join(rel) if rel else 'all'}, "
             f"showing {len(sel.nodes):,} of {sel.n_selected:,} models, "
             f"{LAYOUT_NAMES[layout]}")
    legend = [{"label": "the model (root)", "color": ROOT_COLOR, "cls": ""}]
    legend += [{"label": k, "color": c, "cls": ""} for k, c in RELATION_COLORS.items()]
    legend += [
        {"label": "other relation", "color": OTHER_COLOR, "cls": ""},
        {"label": "missing (never listed)", "color": MISSING_COLOR, "cls": "missing"},
        {"label": "+N more (folded branches)", "color": FOLD_COLOR, "cls": "fold"},
        {"label": "size: log of all derivatives", "color": "transparent", "cls": ""},
    ]
    html_text = render_page(
        title=f"Lineage of {root}",
        subtitle=f"{snap_txt} · {shown}",
        network={"nodes": nodes, "edges": edges, "options": net.options, "root": 0,
                 "startAtRoot": layout == "tree" and len(nodes) > 150},
        legend=legend,
        chart_svg=chart,
        notes=notes,
    )
    out = Path(path) if path is not None else _default_path(root)
    try:
        out.write_text(html_text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}; choose another -o path") from exc
    say(f"wrote {out}")
    return out
