"""Lineage pages (lineage.viz): content, folding, escaping, charts, and a real browser.

Browser tests open the pages in headless Chromium (Debian ``chromium`` + ``chromium-driver``)
and skip when it is missing. The first view is measured there for families of 26, 500,
5,000 and 100,000 descendants in each layout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lineage.errors import HfLineageError, UsageError
from lineage.graph import LineageGraph
from lineage.ranking import fit_model
from lineage.testing import chromium, chromium_available, family_frames, first_view, open_page
from lineage.viz import lineage_html
from lineage.viz import network as viz
from lineage.viz.select import cut, folds, lineage_family

SNAPSHOT = pd.Timestamp("2026-10-31 12:00", tz="UTC")


def known_family() -> LineageGraph:
    """base -> ft1 (finetune), ft2 (adapter); ft1 -> q1 (quantized); ft1 + ft2 -> m1 (merge);
    base is itself a finetune of ghost/origin, referenced but never listed."""
    ids = ["org/base", "org/ft1", "alice/ft2", "bob/q1", "carol/m1", "ghost/origin"]
    created = pd.to_datetime(
        ["2024-01-10", "2024-02-03", "2024-03-15", "2024-04-01", "2024-06-20", None], utc=True
    )
    models = pd.DataFrame(
        {
            "id": ids,
            "created_at": created,
            "last_modified": created,
            "author": [i.split("/")[0] for i in ids],
            "downloads": [100, 10, 5, 1, 0, 0],
            "likes": [5, 1, 0, 0, 0, 0],
            "pipeline_tag": "text-generation",
            "library_name": "transformers",
            "missing": [False] * 5 + [True],
        }
    )
    edges = pd.DataFrame(
        [
            ("org/ft1", "org/base", "finetune"),
            ("alice/ft2", "org/base", "adapter"),
            ("bob/q1", "org/ft1", "quantized"),
            ("carol/m1", "org/ft1", "merge"),
            ("carol/m1", "alice/ft2", "merge"),
            ("org/base", "ghost/origin", "finetune"),
        ],
        columns=["child", "parent", "relation"],
    ).assign(source="cardData")
    return LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)


def page_data(path: Path) -> dict:
    """The columnar network data embedded in a page."""
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r"var HFL = (.*?);\n", text).group(1))


def page_json(path: Path, name: str):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(rf"var {name} = (.*?);\n", text).group(1))


def shown(data: dict) -> dict[str, int]:
    """Models of the first view, by id: their index in the page's arrays."""
    return {m: i for i, m in enumerate(data["models"][: data["shown"]])}


def tree_edges(data: dict) -> set[tuple[str, str, str]]:
    """(parent, child, relation) of every drawn edge among the first view's models."""
    m, out = data["models"], set()
    first = range(data["shown"])
    for i in first[1:]:
        j = data["via"][i]
        pair = (m[i], m[j]) if data["level"][i] < 0 else (m[j], m[i])
        out.add((*pair, data["relation"][i]))
    for a, b, r in data["extra"]:
        if a < data["shown"] and b < data["shown"]:
            out.add((m[a], m[b], r))
    return out


def graph_of(n: int, seed: int = 0) -> LineageGraph:
    models, edges = family_frames(n, seed=seed)
    return LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)


@pytest.fixture(scope="module")
def family() -> LineageGraph:
    return known_family()


def test_page_is_one_offline_file(family, tmp_path):
    out = lineage_html(family, "org/base", path=tmp_path / "p.html")
    text = out.read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == [out]
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "default-src 'none'" in text  # the browser may load nothing from anywhere
    assert "vis.Network" in text and "sourceMappingURL=vis" not in text
    assert (
        "Plotly.newPlot" in text
        and len(
            re.search(
                r'<script type="text/plain" id="plotly-src">(.*?)</script>', text, re.S
            ).group(1)
        )
        > 10**6
    )
    assert "<title>Lineage of org/base</title>" in text
    assert "snapshot 2026-10-31" in text


def test_known_family_down(family, tmp_path):
    data = page_data(lineage_html(family, "ORG/BASE", path=tmp_path / "p.html"))
    on = shown(data)
    assert set(on) == {"org/base", "org/ft1", "alice/ft2", "bob/q1", "carol/m1"}
    assert tree_edges(data) == {
        ("org/base", "org/ft1", "finetune"),
        ("org/base", "alice/ft2", "adapter"),
        ("org/ft1", "bob/q1", "quantized"),
        ("org/ft1", "carol/m1", "merge"),
        ("alice/ft2", "carol/m1", "merge"),
    }  # both merge parents are drawn
    trans, direct = data["transitive"], data["direct"]
    base, ft1, q1 = on["org/base"], on["org/ft1"], on["bob/q1"]
    assert (trans[base], direct[base], trans[ft1], trans[q1]) == (4, 2, 2, 0)
    assert data["font"][ft1] > data["font"][q1]  # grows with all derivatives (log)
    assert (data["author"][ft1], data["created"][ft1]) == ("org", "2024-02-03")
    assert data["shown"] == data["carried"] == 5 and data["folds"] == {}
    assert data["layout"] == "tree" and data["direction"] == "down"


def test_up_shows_missing_parent_and_names_the_childs_relation(family, tmp_path):
    out = lineage_html(family, "carol/m1", direction="up", path=tmp_path / "p.html")
    data = page_data(out)
    on = shown(data)
    assert set(on) == {"carol/m1", "org/ft1", "alice/ft2", "org/base", "ghost/origin"}
    assert len(tree_edges(data)) == 5
    ghost = on["ghost/origin"]
    assert data["missing"][ghost] is True and data["created"][ghost] is None
    # the relation shown on an ancestor is its child's relation to it, named as such
    assert data["relation"][on["org/ft1"]] == "merge"
    assert data["relation"][on["ghost/origin"]] == "finetune"
    assert data["models"][data["via"][on["ghost/origin"]]] == "org/base"
    text = out.read_text(encoding="utf-8")
    assert "Relation of the child to its parent" in text
    assert '"Relation of its child to it"' in text


def test_both_directions_and_depth(family, tmp_path):
    data = page_data(lineage_html(family, "org/ft1", direction="both", path=tmp_path / "b.html"))
    assert set(shown(data)) == {"org/ft1", "org/base", "ghost/origin", "bob/q1", "carol/m1"}
    assert len(tree_edges(data)) == 4
    near = page_data(
        lineage_html(family, "org/ft1", direction="both", depth=1, path=tmp_path / "d.html")
    )
    assert set(shown(near)) == {"org/ft1", "org/base", "bob/q1", "carol/m1"}
    assert near["x"][shown(near)["org/base"]] < near["x"][0] < near["x"][shown(near)["bob/q1"]]


def test_a_pair_declared_with_two_relations_is_one_edge(tmp_path):
    models = pd.DataFrame(
        {
            "id": ["org/base", "org/ft"],
            "created_at": pd.to_datetime(["2024-01-10", "2024-02-03"], utc=True),
        }
    )
    edges = pd.DataFrame(
        {
            "child": ["org/ft", "org/ft"],
            "parent": ["org/base", "org/base"],
            "relation": ["adapter", "finetune"],
        }
    )
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    data = page_data(lineage_html(graph, "org/base", path=tmp_path / "p.html"))
    assert tree_edges(data) == {("org/base", "org/ft", "finetune+adapter")}
    assert data["extra"] == []


def test_pairs_declared_with_several_relations_join_in_legend_order(tmp_path):
    """base -> a (finetune, adapter), base -> b (quantized), a -> c (merge, distill,
    adapter), a -> m (merge), b -> m (merge, finetune: not the tree's edge), c -> d
    (unknown, finetune). Named relations join in legend order, others after them."""
    ids = ["org/base", "org/a", "org/b", "org/c", "org/d", "org/m"]
    models = pd.DataFrame({"id": ids, "created_at": pd.to_datetime("2024-01-10", utc=True)})
    declared = [
        ("org/a", "org/base", "adapter"),
        ("org/a", "org/base", "finetune"),
        ("org/b", "org/base", "quantized"),
        ("org/c", "org/a", "merge"),
        ("org/c", "org/a", "distill"),
        ("org/c", "org/a", "adapter"),
        ("org/m", "org/a", "merge"),
        ("org/m", "org/b", "merge"),
        ("org/m", "org/b", "finetune"),
        ("org/d", "org/c", "unknown"),
        ("org/d", "org/c", "finetune"),
    ]
    edges = pd.DataFrame(declared, columns=["child", "parent", "relation"])
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    # the pairs among all six models, by parent then child (graph order)
    parent, child, relation = viz._pairs(graph, np.arange(graph.n_models), None)
    assert list(zip(graph.ids[parent], graph.ids[child], relation.tolist(), strict=True)) == [
        ("org/base", "org/a", "finetune+adapter"),
        ("org/base", "org/b", "quantized"),
        ("org/a", "org/c", "adapter+merge+distill"),
        ("org/a", "org/m", "merge"),
        ("org/b", "org/m", "finetune+merge"),
        ("org/c", "org/d", "finetune+unknown"),
    ]
    # among some models only, of some relations only
    some = np.array([graph.index_of(m) for m in ("org/a", "org/c", "org/m", "org/b")])
    parent, child, relation = viz._pairs(graph, some, ["merge", "adapter"])
    assert list(zip(graph.ids[parent], graph.ids[child], relation.tolist(), strict=True)) == [
        ("org/a", "org/c", "adapter+merge"),
        ("org/a", "org/m", "merge"),
        ("org/b", "org/m", "merge"),
    ]
    # the page: the tree's edges carry their joined relations, the other pair is an extra
    data = page_data(lineage_html(graph, "org/base", path=tmp_path / "p.html"))
    assert tree_edges(data) == {
        ("org/base", "org/a", "finetune+adapter"),
        ("org/base", "org/b", "quantized"),
        ("org/a", "org/c", "adapter+merge+distill"),
        ("org/a", "org/m", "merge"),
        ("org/b", "org/m", "finetune+merge"),
        ("org/c", "org/d", "finetune+unknown"),
    }
    at = {m: i for i, m in enumerate(data["models"])}
    assert data["extra"] == [[at["org/b"], at["org/m"], "finetune+merge"]]
    legend = (tmp_path / "p.html").read_text()
    assert 'data-relation="distill"' not in legend  # a joined edge shows its first relation
    filtered = page_data(
        lineage_html(graph, "org/base", relations=["merge", "adapter"], path=tmp_path / "f.html")
    )
    assert tree_edges(filtered) == {
        ("org/base", "org/a", "adapter"),
        ("org/a", "org/c", "adapter+merge"),
        ("org/a", "org/m", "merge"),
    }
    assert filtered["extra"] == []


def test_relation_filter(family, tmp_path):
    data = page_data(
        lineage_html(
            family, "org/base", relations=["finetune", "quantized"], path=tmp_path / "p.html"
        )
    )
    assert set(shown(data)) == {"org/base", "org/ft1", "bob/q1"}
    text = (tmp_path / "p.html").read_text()
    assert "relations: finetune, quantized" in text
    assert 'data-relation="adapter"' not in text and 'data-relation="quantized"' in text


def test_fits_fill_tooltips(family, tmp_path):
    fits = pd.DataFrame(
        {
            "model": ["org/ft1", "org/ft1"],
            "scope": ["direct", "transitive"],
            "lambda": [9.0, 1.25],
            "mu": [0.5, 2.5],
            "sigma": [1.0, 0.75],
            "ultimate": [3.0, 4.0],
            "status": ["ok", "not-yet-saturating"],
        }
    )
    data = page_data(lineage_html(family, "org/base", fits=fits, path=tmp_path / "p.html"))
    assert data["fit"][str(shown(data)["org/ft1"])] == {
        "lambda": 1.25,
        "mu": 2.5,
        "sigma": 0.75,
        "ultimate": None,  # an ultimate count only for saturating fits
        "status": "not-yet-saturating",
        "on": "transitive derivatives",
    }


def test_growth_chart_is_plotly_with_fit_forecast_and_band(tmp_path):
    graph = graph_of(300, seed=4)
    out = lineage_html(
        graph, "org/base", relations=["finetune", "adapter"], path=tmp_path / "a.html"
    )
    chart = page_json(out, "CHART")
    names = [t["name"] for t in chart["data"]]
    assert names == ["80% band", "forecast", "fit", "observed"]
    observed = chart["data"][-1]
    n_kept = len(graph.descendants("org/base", relations=["finetune", "adapter"]))
    assert observed["y"][-1] <= n_kept and observed["y"] == sorted(observed["y"])
    band = chart["data"][0]
    assert band["fill"] == "toself" and len(band["x"]) == 2 * (viz.FORECAST_MONTHS + 1)
    lines = chart["layout"]["title"]["text"].split("<br>")
    # every line fits the side panel, and the plot keeps room for all of them
    assert all(len(line) <= viz.CHART_TITLE_CHARS for line in lines)
    assert chart["layout"]["margin"]["t"] >= 16 * len(lines)
    title = " ".join(lines)
    assert "relations: finetune, adapter" in title and "prior" in title
    assert f"{viz.FORECAST_MONTHS}-month forecast" in title
    assert chart["layout"]["legend"]["y"] < 0  # below the plot, never over the data
    assert page_data(out)["fit"]["0"]["status"] in ("ok", "not-yet-saturating")
    # the page's fit is hf-lineage fit's: fit_model, same label, same lambda
    one = fit_model(graph, "org/base", relations=["finetune", "adapter"])
    assert one.label in title and page_data(out)["fit"]["0"]["on"] == one.label
    assert page_data(out)["fit"]["0"]["lambda"] == viz._fmt(
        float(one.fitter.params_.loc["lambda", "estimate"])
    )


def test_a_model_without_derivatives_gets_a_sentence_not_an_empty_chart(family, tmp_path):
    out = lineage_html(family, "carol/m1", direction="up", path=tmp_path / "p.html")
    assert page_json(out, "CHART") is None
    text = out.read_text(encoding="utf-8")
    caption = re.search(r'<p class="caption" id="chart-caption">(.*?)</p>', text).group(1)
    assert caption.startswith("No derivatives yet after ")
    assert 'id="growth-chart"' not in text


def test_shared_assets_instead_of_inlined_scripts(family, tmp_path):
    from lineage.viz.page import write_assets

    written = write_assets(tmp_path / "assets")
    assert sorted(p.name for p in written) == [
        "plotly.min.js",
        "vis-network.css",
        "vis-network.min.js",
    ]
    (tmp_path / "pages").mkdir()
    out = lineage_html(family, "org/base", assets="../assets", path=tmp_path / "pages" / "p.html")
    text = out.read_text(encoding="utf-8")
    assert len(text) < 200_000 and 'id="plotly-src"' not in text
    assert '<script src="../assets/vis-network.min.js"></script>' in text
    assert '<link rel="stylesheet" href="../assets/vis-network.css">' in text
    assert page_json(out, "PLOTLY_SRC") == "../assets/plotly.min.js"
    assert "script-src 'self' file:" in text  # the policy lets the page load its folder
    alone = lineage_html(family, "org/base", path=tmp_path / "alone.html")
    assert page_json(alone, "PLOTLY_SRC") is None  # the default stays self-contained


def test_ultimate_only_for_saturating_fits(tmp_path):
    data = page_data(
        lineage_html(graph_of(300, seed=4), "org/base", fit_top=5, path=tmp_path / "a.html")
    )
    assert data["fit"]
    for row in data["fit"].values():
        assert (row["ultimate"] is not None) == (row["status"] == "ok")


def test_sunburst_and_generations_aggregate_the_whole_family(tmp_path):
    graph = graph_of(3000, seed=6)
    out = lineage_html(graph, "org/base", carry=500, path=tmp_path / "p.html")
    data = page_data(out)
    sb = page_json(out, "SUNBURST")["data"][0]
    assert sb["type"] == "sunburst" and sb["values"][0] == 3000
    branches = [i for i in sb["ids"] if not i.startswith("g")]
    assert len(branches) <= viz.SUNBURST_SECTORS
    # a sector's value is its model plus its children's (branchvalues "total"), the lighter
    # branches grouped by relation
    value = dict(zip(sb["ids"], sb["values"], strict=True))
    below: dict[str, float] = {}
    for i, p in zip(sb["ids"], sb["parents"], strict=True):
        if p:
            below[p] = below.get(p, 0) + value[i]
    assert all(below[p] == value[p] - 1 for p in below)
    assert all(int(i) < data["carried"] for i in branches)  # a click can reveal them
    groups = [
        (i, label) for i, label in zip(sb["ids"], sb["labels"], strict=True) if i.startswith("g")
    ]
    assert groups and all(label.split()[1] == i.split(":")[1] for i, label in groups)
    fam = lineage_family(graph, "org/base")
    per_relation = {}
    for i, v in zip(sb["ids"], sb["values"], strict=True):
        if i.startswith("g0:"):
            per_relation[i.split(":")[1]] = v
    kids = fam.via == 0
    rel = graph.lineage_table("org/base").set_index("model")["relation"]
    assert (
        sum(per_relation.values())
        + sum(
            value[b]
            for b, p in zip(sb["ids"], sb["parents"], strict=True)
            if p == "0" and not b.startswith("g")
        )
        == 2999
    )
    assert set(per_relation) <= set(rel.dropna()) and kids.sum() > 0
    text = out.read_text(encoding="utf-8")
    table = re.search(r'<table class="gen".*?</table>', text, re.S).group(0)
    rows = {
        int(hops): [int(c.replace(",", "")) for c in re.findall(r"<td>([\d,]+)</td>", rest)]
        for hops, rest in re.findall(r"<tr><td>(-?\d+)</td>(.*?)</tr>", table, re.S)
    }
    assert all(sum(r[:-1]) == r[-1] for r in rows.values())  # relations add up to "all"
    depth = graph.lineage_table("org/base")["depth"]
    assert {h: r[-1] for h, r in rows.items()} == depth[depth > 0].value_counts().to_dict()


def test_folding_keeps_the_heaviest_branches(tmp_path):
    graph = graph_of(2000, seed=6)
    data = page_data(lineage_html(graph, "org/base", max_nodes=100, path=tmp_path / "p.html"))
    on = set(shown(data))
    counts = graph.descendant_counts()
    top = counts[graph.children("org/base")].sort_values(ascending=False, kind="stable")
    assert set(top.index[:3]) <= on
    boxes = data["shown"] + len(data["folds"])
    assert boxes <= 100 and data["folds"]


def test_folding_is_reported(tmp_path):
    graph = graph_of(400, seed=5)
    out = lineage_html(graph, "org/base", max_nodes=60, carry=100, path=tmp_path / "p.html")
    data = page_data(out)
    fam = lineage_family(graph, "org/base")
    k = data["shown"]
    assert k == cut(fam, 60) or k < cut(fam, 60)  # fewer when 60 boxes would not fit
    fs = folds(fam, k)
    assert len(fs) == len(data["folds"]) and k + sum(f.models for f in fs) == 400
    assert data["carried"] == k + 100
    text = out.read_text()
    assert f"First view: {k:,} of 400 models" in text
    assert f"{400 - k:,} are folded into {len(fs):,} &#34;+N more&#34; nodes" in text
    assert f"{400 - k - 100:,} lighter models are left out" in text


def test_user_data_is_escaped(tmp_path):
    evil = "x/<img src=x onerror=alert(1)>"
    models, edges = family_frames(3, seed=0, root=evil)
    models.loc[1, "author"] = "</script><script>window.pwned=1</script>"
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    text = lineage_html(graph, evil, path=tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<script>window.pwned" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # the title, as text
    assert page_data(tmp_path / "p.html")["models"][0] == evil


def test_bad_input_is_a_usage_error(family, tmp_path):
    with pytest.raises(UsageError, match="direction"):
        lineage_html(family, "org/base", direction="sideways", path=tmp_path / "p.html")
    with pytest.raises(UsageError, match="max-nodes"):
        lineage_html(family, "org/base", max_nodes=1, path=tmp_path / "p.html")
    with pytest.raises(UsageError, match="carry"):
        lineage_html(family, "org/base", carry=-1, path=tmp_path / "p.html")
    with pytest.raises(HfLineageError) as err:
        lineage_html(family, "org/nope", path=tmp_path / "p.html")
    assert err.value.exit_code == 2
    with pytest.raises(UsageError, match="cannot write"):
        lineage_html(family, "org/base", path=tmp_path / "no-dir" / "p.html")


# -- in a real browser ----------------------------------------------------------------------
SIZES = (26, 500, 5000, 100_000)  # descendants


@pytest.fixture(scope="module")
def driver():
    if not chromium_available():
        pytest.skip("needs chromium, chromedriver and selenium")
    with chromium() as d:
        yield d


@pytest.fixture(scope="module")
def graphs() -> dict[int, LineageGraph]:
    return {n: graph_of(n + 1, seed=n % 97) for n in SIZES}


def shot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 20_000  # a rendered page, not a blank one
    return path


@pytest.mark.browser
@pytest.mark.parametrize("layout", ["tree", "radial", "force"])
@pytest.mark.parametrize("size", SIZES)
def test_browser_first_view_is_readable(driver, graphs, size, layout, tmp_path):
    page = lineage_html(graphs[size], "org/base", layout=layout, path=tmp_path / "p.html")
    data = page_data(page)
    rep = open_page(driver, page)
    assert rep.errors == [] and rep.stable_ms is not None
    view = first_view(driver)
    assert view.nodes == data["shown"] + len(data["folds"]) == rep.nodes
    assert view.overlaps == [], f"{len(view.overlaps)} overlapping boxes"
    assert view.outside == [], f"{len(view.outside)} boxes outside the view"
    assert view.min_label_px >= 8.0
    if size == 26:
        assert data["shown"] == 27 and view.nodes == 27  # a small family: all of it
    else:
        assert data["shown"] >= 12 and data["carried"] == min(size + 1, data["shown"] + 5000)


@pytest.fixture(scope="module")
def ancestries() -> dict[int, LineageGraph]:
    """Families of 26, 500 and 5,000 ancestors above one model (``org/base``)."""
    out = {}
    for n in UP_SIZES:
        models, edges = family_frames(n + 1, seed=n % 89, direction="up")
        out[n] = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    return out


UP_SIZES = (26, 500, 5000)  # ancestors


@pytest.mark.browser
@pytest.mark.parametrize("layout", ["tree", "radial", "force"])
@pytest.mark.parametrize("size", UP_SIZES)
def test_browser_up_view_is_readable(driver, ancestries, size, layout, tmp_path):
    graph = ancestries[size]
    assert len(graph.ancestors("org/base")) == size
    page = lineage_html(graph, "org/base", direction="up", layout=layout, path=tmp_path / "u.html")
    data = page_data(page)
    assert max(data["level"]) == 0 and min(data["level"]) < 0  # bases only
    rep = open_page(driver, page)
    assert rep.errors == [] and rep.stable_ms is not None
    view = first_view(driver)
    assert view.nodes == data["shown"] + len(data["folds"]) == rep.nodes
    assert view.overlaps == [], f"{len(view.overlaps)} overlapping boxes"
    assert view.outside == [], f"{len(view.outside)} boxes outside the view"
    assert view.min_label_px >= 8.0
    if size == 26:
        assert data["shown"] == 27  # a small ancestry: all of it
    else:
        assert data["shown"] >= 12 and all(f.split(":")[1] == "up" for f in data["folds"])
    # the legend and tooltips name the child's relation to its parent
    assert "Relation of the child to its parent" in driver.find_element("id", "legend-title").text
    tip = driver.execute_script("return window.hflNodes.get(1).title.textContent;")
    assert "Parent of" in tip and "Relation of its child to it" in tip


@pytest.mark.browser
@pytest.mark.parametrize("layout", ["tree", "radial", "force"])
def test_browser_both_directions_first_view(driver, graphs, layout, tmp_path):
    graph = graphs[5000]
    counts = graph.descendant_counts()
    deep = graph.lineage_table("org/base")
    middle = deep[(deep["depth"] == 3)]["model"]
    model = counts[middle].idxmax()  # bases above it, a branch below it
    page = lineage_html(graph, model, direction="both", layout=layout, path=tmp_path / "b.html")
    data = page_data(page)
    assert min(data["level"]) == -3 and max(data["level"]) > 0
    rep = open_page(driver, page)
    assert rep.errors == []
    view = first_view(driver)
    assert view.overlaps == [] and view.outside == [] and view.min_label_px >= 8.0


def fold_ids(driver) -> list[str]:
    return driver.execute_script(
        "return window.hflNodes.getIds().filter(function (id) {"
        " return String(id).indexOf('f:') === 0; });"
    )


def click_node(driver, node_id) -> None:
    """Click a vis node where it is drawn, as a reader would."""
    from selenium.webdriver.common.action_chains import ActionChains

    dx, dy = driver.execute_script(
        "var net = window.hflNetwork, p = net.canvasToDOM(net.getPosition(arguments[0])),"
        " r = document.getElementById('network').getBoundingClientRect();"
        "return [p.x - r.width / 2, p.y - r.height / 2];",
        node_id,
    )
    area = driver.find_element("id", "network")
    ActionChains(driver).move_to_element_with_offset(area, int(dx), int(dy)).click().perform()


@pytest.mark.browser
def test_browser_fold_opens_and_closes(driver, graphs, tmp_path):
    page = lineage_html(graphs[5000], "org/base", path=tmp_path / "p.html")
    rep = open_page(driver, page)
    assert rep.errors == []
    before = set(driver.execute_script("return window.hflNodes.getIds().map(String);"))
    fold = fold_ids(driver)[0]
    anchor, side = fold.split(":")[1:]
    click_node(driver, fold)
    after = set(driver.execute_script("return window.hflNodes.getIds().map(String);"))
    opened = {i for i in after - before if i.isdigit()}
    assert opened and all(
        driver.execute_script(f"return window.hflPage.data.via[{i}];") == int(anchor)
        for i in opened
    )
    assert f"c:{anchor}:{side}" in after  # "− fold back"
    click_node(driver, f"c:{anchor}:{side}")
    again = set(driver.execute_script("return window.hflNodes.getIds().map(String);"))
    assert again == before
    assert [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.browser
def test_browser_relation_switch_and_search_reveal(driver, graphs, tmp_path):
    page = lineage_html(graphs[5000], "org/base", path=tmp_path / "p.html")
    data = page_data(page)
    assert open_page(driver, page).errors == []
    rel_of = (
        "var r = arguments[0]; return window.hflNodes.get().filter(function (n) {"
        " return typeof n.id === 'number' && n.relation === r; }).length;"
    )
    assert driver.execute_script(rel_of, "adapter") > 0
    n_edges = driver.execute_script("return window.hflEdges.length;")
    box = driver.find_element("css selector", 'input[data-relation="adapter"]')
    box.click()
    assert driver.execute_script(rel_of, "adapter") == 0
    assert driver.execute_script("return window.hflEdges.length;") < n_edges
    box.click()
    assert driver.execute_script(rel_of, "adapter") > 0
    assert driver.execute_script("return window.hflEdges.length;") == n_edges
    # a model folded deep in the family: the search reveals it and the path to it
    target = data["carried"] - 1
    assert target >= data["shown"]
    find = driver.find_element("id", "find")
    find.send_keys(data["models"][target].upper())
    driver.execute_script("arguments[0].dispatchEvent(new Event('change'));", find)
    assert driver.execute_script(f"return window.hflNodes.get({target}) !== null;")
    assert driver.execute_script("return window.hflNetwork.getSelectedNodes();") == [target]
    j = target
    while j > 0:  # every model between it and the root is drawn
        j = data["via"][j]
        assert driver.execute_script(f"return window.hflNodes.get({j}) !== null;")
    assert data["models"][target] in driver.find_element("id", "details").text
    # the sunburst opens the branch clicked
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.hflCharts;"))
    other = data["carried"] - 2
    driver.execute_script(
        "document.getElementById('sunburst').emit('plotly_sunburstclick',"
        " {points: [{id: String(arguments[0])}]});",
        other,
    )
    assert driver.execute_script(f"return window.hflNodes.get({other}) !== null;")
    assert [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.browser
def test_browser_tooltips_up_and_down(driver, family, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.wait import WebDriverWait

    for direction, model, hover, want in (
        ("down", "org/base", "org/ft1", "Relation to its parent\nfinetune"),
        ("up", "carol/m1", "org/ft1", "Relation of its child to it\nmerge"),
    ):
        page = lineage_html(family, model, direction=direction, path=tmp_path / "p.html")
        rep = open_page(driver, page)
        assert rep.errors == [] and (rep.nodes, rep.edges) == (5, 5)
        i = page_data(page)["models"].index(hover)
        dx, dy = driver.execute_script(
            "var net = window.hflNetwork, p = net.canvasToDOM(net.getPosition(arguments[0])),"
            " r = document.getElementById('network').getBoundingClientRect();"
            "return [p.x - r.width / 2, p.y - r.height / 2];",
            i,
        )
        area = driver.find_element("id", "network")
        ActionChains(driver).move_to_element_with_offset(area, int(dx), int(dy)).perform()
        tip = WebDriverWait(driver, 5).until(
            lambda d: (
                d.find_element("css selector", "div.vis-tooltip").is_displayed()
                and d.find_element("css selector", "div.vis-tooltip")
            )
        )
        assert hover in tip.text and want in tip.text
        assert "https://huggingface.co/org/ft1" in tip.text
        ActionChains(driver).click().perform()
        link = driver.find_element("css selector", "#details a")
        assert link.get_attribute("href") == "https://huggingface.co/org/ft1"
        ActionChains(driver).move_by_offset(0, 300).perform()


@pytest.mark.browser
def test_browser_escapes_user_data(driver, tmp_path):
    evil = "x/<img src=x onerror=window.pwned=1>"
    models, edges = family_frames(3, seed=0, root=evil)
    models.loc[1, "author"] = "<b onmouseover=window.pwned=2>bold</b>"
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    rep = open_page(driver, lineage_html(graph, evil, path=tmp_path / "p.html"))
    assert rep.errors == [] and rep.nodes == 3
    assert driver.find_element("tag name", "h1").text == f"Lineage of {evil}"
    driver.execute_script(
        "document.getElementById('details').replaceChildren(window.hflNodes.get(1).title);"
    )
    assert driver.execute_script(
        "return [window.pwned, document.querySelectorAll('img, b[onmouseover]').length];"
    ) == [None, 0]


def test_a_graph_without_edges_draws_its_model_alone(tmp_path):
    graph = LineageGraph.from_frames(
        pd.DataFrame({"id": ["a/x", "b/y"], "created_at": ["2024-01-01", "2024-02-01"]}),
        pd.DataFrame(columns=["child", "parent", "relation"]),
    )
    data = page_data(lineage_html(graph, "a/x", path=tmp_path / "p.html"))
    assert data["models"] == ["a/x"]
