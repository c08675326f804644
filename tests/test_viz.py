"""Lineage pages (lineage.viz): content, folding, escaping, the CLI, and a real browser.

Browser tests open the pages in headless Chromium (Debian ``chromium`` + ``chromium-driver``)
and skip when it is missing.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from lineage.errors import HfLineageError, UsageError
from lineage.graph import LineageGraph
from lineage.testing import chromium, chromium_available, family_frames, open_page
from lineage.viz import lineage_html
from lineage.viz import network as viz

SNAPSHOT = pd.Timestamp("2026-10-31 12:00", tz="UTC")


def known_family() -> LineageGraph:
    """base -> ft1 (finetune), ft2 (adapter); ft1 -> q1 (quantized); ft1 + ft2 -> m1 (merge);
    base is itself a finetune of ghost/origin, referenced but never listed."""
    ids = ["org/base", "org/ft1", "alice/ft2", "bob/q1", "carol/m1", "ghost/origin"]
    created = pd.to_datetime(
        ["2024-01-10", "2024-02-03", "2024-03-15", "2024-04-01", "2024-06-20", None], utc=True
    )
    models = pd.DataFrame({
        "id": ids, "created_at": created, "last_modified": created,
        "author": [i.split("/")[0] for i in ids], "downloads": [100, 10, 5, 1, 0, 0],
        "likes": [5, 1, 0, 0, 0, 0], "pipeline_tag": "text-generation",
        "library_name": "transformers", "missing": [False] * 5 + [True],
    })
    edges = pd.DataFrame(
        [("org/ft1", "org/base", "finetune"), ("alice/ft2", "org/base", "adapter"),
         ("bob/q1", "org/ft1", "quantized"), ("carol/m1", "org/ft1", "merge"),
         ("carol/m1", "alice/ft2", "merge"), ("org/base", "ghost/origin", "finetune")],
        columns=["child", "parent", "relation"],
    ).assign(source="cardData")
    return LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)


def page_data(path: Path) -> dict:
    """The nodes, edges and options embedded in a page."""
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r"var HFL = (.*?);\n", text).group(1))


def models_on(data: dict) -> dict[str, dict]:
    return {n["model"]: n for n in data["nodes"] if "fold" not in n}


@pytest.fixture(scope="module")
def family() -> LineageGraph:
    return known_family()


@pytest.fixture(scope="module")
def big_page(tmp_path_factory) -> tuple[Path, float]:
    """The page of a 100,000-derivative family, and the seconds it took to write."""
    models, edges = family_frames(100_001, seed=3)
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    t0 = time.perf_counter()
    out = lineage_html(graph, "org/base", path=tmp_path_factory.mktemp("big") / "big.html")
    return out, time.perf_counter() - t0


def test_page_is_one_offline_file(family, tmp_path):
    out = lineage_html(family, "org/base", path=tmp_path / "p.html")
    text = out.read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == [out]
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text)
    assert "default-src 'none'" in text  # the browser may load nothing from anywhere
    assert "vis.Network" in text and "sourceMappingURL" not in text
    assert "<title>Lineage of org/base</title>" in text
    assert "snapshot 2026-10-31" in text


def test_known_family_down(family, tmp_path):
    data = page_data(lineage_html(family, "ORG/BASE", path=tmp_path / "p.html"))
    shown = models_on(data)
    assert set(shown) == {"org/base", "org/ft1", "alice/ft2", "bob/q1", "carol/m1"}
    assert len(data["edges"]) == 5  # both merge parents are drawn
    base, ft1, q1 = shown["org/base"], shown["org/ft1"], shown["bob/q1"]
    assert (base["transitive"], base["direct"], ft1["transitive"], q1["transitive"]) == (4, 2, 2, 0)
    assert base["size"] > ft1["size"] > q1["size"]  # log-scaled by transitive derivatives
    assert (ft1["relation"], q1["relation"], shown["carol/m1"]["relation"]) == (
        "finetune", "quantized", "merge")
    assert ft1["color"]["background"] != q1["color"]["background"]
    assert (ft1["author"], ft1["created"]) == ("org", "2024-02-03")
    assert data["options"]["layout"]["hierarchical"]["enabled"] is True
    assert data["options"]["physics"]["enabled"] is False


def test_up_shows_missing_parent(family, tmp_path):
    data = page_data(lineage_html(family, "carol/m1", direction="up", path=tmp_path / "p.html"))
    shown = models_on(data)
    assert set(shown) == {"carol/m1", "org/ft1", "alice/ft2", "org/base", "ghost/origin"}
    assert len(data["edges"]) == 5
    ghost = shown["ghost/origin"]
    assert ghost["missing"] is True and ghost["shapeProperties"]["borderDashes"]
    assert ghost["label"].endswith("(missing)") and ghost["created"] is None


def test_both_directions_and_depth(family, tmp_path):
    data = page_data(lineage_html(family, "org/ft1", direction="both", path=tmp_path / "b.html"))
    assert set(models_on(data)) == {"org/ft1", "org/base", "ghost/origin", "bob/q1", "carol/m1"}
    assert len(data["edges"]) == 4
    near = page_data(lineage_html(family, "org/ft1", direction="both", depth=1,
                                  path=tmp_path / "d.html"))
    assert set(models_on(near)) == {"org/ft1", "org/base", "bob/q1", "carol/m1"}


def test_a_pair_declared_with_two_relations_is_one_edge(tmp_path):
    models = pd.DataFrame({"id": ["org/base", "org/ft"],
                           "created_at": pd.to_datetime(["2024-01-10", "2024-02-03"], utc=True)})
    edges = pd.DataFrame({"child": ["org/ft", "org/ft"], "parent": ["org/base", "org/base"],
                          "relation": ["adapter", "finetune"]})
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    data = page_data(lineage_html(graph, "org/base", path=tmp_path / "p.html"))
    (edge,) = data["edges"]
    assert edge["relation"] == "finetune+adapter"
    assert edge["color"] == viz.RELATION_COLORS["finetune"]
    assert models_on(data)["org/ft"]["relation"] == "finetune+adapter"


def test_relation_filter(family, tmp_path):
    data = page_data(lineage_html(family, "org/base", relations=["finetune", "quantized"],
                                  path=tmp_path / "p.html"))
    assert set(models_on(data)) == {"org/base", "org/ft1", "bob/q1"}
    assert "relations: finetune, quantized" in (tmp_path / "p.html").read_text()


def test_fits_fill_tooltips(family, tmp_path):
    fits = pd.DataFrame({"model": ["org/ft1", "org/ft1"], "scope": ["direct", "transitive"],
                         "lambda": [9.0, 1.25], "mu": [0.5, 2.5], "sigma": [1.0, 0.75],
                         "ultimate": [3.0, 4.0], "status": ["ok", "not-yet-saturating"]})
    data = page_data(lineage_html(family, "org/base", fits=fits, path=tmp_path / "p.html"))
    assert models_on(data)["org/ft1"]["fit"] == {
        "lambda": 1.25, "mu": 2.5, "sigma": 0.75, "ultimate": 4.0, "status": "not-yet-saturating"}


def test_growth_chart_with_and_without_the_growth_layer(tmp_path, monkeypatch):
    models, edges = family_frames(300, seed=4)
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    text = lineage_html(graph, "org/base", path=tmp_path / "a.html").read_text()
    chart = re.search(r'<div id="growth-chart">(.*?)</div>', text, re.S).group(1)
    assert 'class="observed"' in chart and 'class="band"' in chart
    assert 'class="forecast"' in chart and "299 derivatives after" in chart
    assert page_data(tmp_path / "a.html")["nodes"][0]["fit"]["status"] in (
        "ok", "not-yet-saturating")
    monkeypatch.setattr(viz, "fit_model", None)  # as if the growth layer were not installed
    text = lineage_html(graph, "org/base", path=tmp_path / "b.html").read_text()
    chart = re.search(r'<div id="growth-chart">(.*?)</div>', text, re.S).group(1)
    assert 'class="observed"' in chart and 'class="band"' not in chart
    assert "fit" not in page_data(tmp_path / "b.html")["nodes"][0]


def test_folding_keeps_the_largest_branches(tmp_path):
    models, edges = family_frames(2000, seed=6)
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    data = page_data(lineage_html(graph, "org/base", max_nodes=100, path=tmp_path / "p.html"))
    shown = {n["model"] for n in data["nodes"] if "fold" not in n}
    counts = graph.descendant_counts()
    kids = graph.children("org/base")
    top = counts[kids].sort_values(ascending=False, kind="stable").index[:5]
    assert set(top) <= shown


def test_user_data_is_escaped(tmp_path):
    evil = "x/<img src=x onerror=alert(1)>"
    models, edges = family_frames(3, seed=0, root=evil)
    models.loc[1, "author"] = "</script><script>window.pwned=1</script>"
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    text = lineage_html(graph, evil, path=tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<script>window.pwned" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # the title, as text
    assert page_data(tmp_path / "p.html")["nodes"][0]["model"] == evil


def test_folding_is_reported(tmp_path):
    models, edges = family_frames(400, seed=5)
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    out = lineage_html(graph, "org/base", max_nodes=60, path=tmp_path / "p.html")
    data = page_data(out)
    folds = [n for n in data["nodes"] if "fold" in n]
    assert len(data["nodes"]) <= 60 and folds
    hidden = sum(n["fold"]["models"] for n in folds)
    shown = len(data["nodes"]) - len(folds)
    assert hidden + shown == 400
    assert f"{hidden:,} of 400 models folded into {len(folds)} " in out.read_text()


def test_bad_input_is_a_usage_error(family, tmp_path):
    with pytest.raises(UsageError, match="direction"):
        lineage_html(family, "org/base", direction="sideways", path=tmp_path / "p.html")
    with pytest.raises(UsageError, match="max-nodes"):
        lineage_html(family, "org/base", max_nodes=1, path=tmp_path / "p.html")
    with pytest.raises(HfLineageError) as err:
        lineage_html(family, "org/nope", path=tmp_path / "p.html")
    assert err.value.exit_code == 2
    with pytest.raises(UsageError, match="cannot write"):
        lineage_html(family, "org/base", path=tmp_path / "no-dir" / "p.html")


def test_hundred_thousand_descendants(big_page):
    out, elapsed = big_page
    data = page_data(out)
    folds = [n for n in data["nodes"] if "fold" in n]
    assert len(data["nodes"]) <= 1500 and len(folds) > 0
    assert len(data["nodes"]) - len(folds) + sum(n["fold"]["models"] for n in folds) == 100_001
    assert out.stat().st_size < 3_000_000
    print(f"100k family page in {elapsed:.1f} s")


# -- in a real browser ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def driver():
    if not chromium_available():
        pytest.skip("needs chromium, chromedriver and selenium")
    with chromium() as d:
        yield d


def shot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 20_000  # a rendered page, not a blank one
    return path


@pytest.mark.browser
def test_browser_known_family(driver, family, tmp_path):
    page = lineage_html(family, "org/base", path=tmp_path / "p.html")
    rep = open_page(driver, page)
    assert rep.errors == []
    assert (rep.nodes, rep.edges) == (5, 5)
    assert rep.stable_ms is not None
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.wait import WebDriverWait

    # hover org/ft1: vis shows its tooltip; click it: the side panel links to the Hub
    dx, dy = driver.execute_script(
        "var id = window.hflNodes.get({filter: function (x) { return x.model === 'org/ft1'; }})"
        "[0].id, net = window.hflNetwork, p = net.canvasToDOM(net.getPosition(id)),"
        " r = document.getElementById('network').getBoundingClientRect();"
        "return [p.x - r.width / 2, p.y - r.height / 2];")
    area = driver.find_element("id", "network")
    ActionChains(driver).move_to_element_with_offset(area, int(dx), int(dy)).perform()
    tip = WebDriverWait(driver, 5).until(
        lambda d: d.find_element("css selector", "div.vis-tooltip").is_displayed()
        and d.find_element("css selector", "div.vis-tooltip"))
    assert "org/ft1" in tip.text and "https://huggingface.co/org/ft1" in tip.text
    assert "Created\n2024-02-03" in tip.text and "All derivatives\n2" in tip.text
    ActionChains(driver).click().perform()
    link = driver.find_element("css selector", "#details a")
    assert link.get_attribute("href") == "https://huggingface.co/org/ft1"
    shot(driver, tmp_path / "family.png")


@pytest.mark.browser
def test_browser_folded_family(driver, big_page, tmp_path):
    page = big_page[0]
    data = page_data(page)
    rep = open_page(driver, page)
    assert rep.errors == []
    assert (rep.nodes, rep.edges) == (len(data["nodes"]), len(data["edges"]))
    assert rep.stable_ms is not None
    note = driver.find_element("id", "fold-note").text
    assert re.match(r"[\d,]+ of 100,001 models folded into [\d,]+ \"\+N more\" nodes", note)
    assert driver.execute_script("return window.hflNetwork.physics.physicsEnabled;") is False
    shot(driver, tmp_path / "folded.png")


@pytest.mark.browser
def test_browser_force_layout_freezes(driver, tmp_path):
    models, edges = family_frames(300, seed=2)
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    page = lineage_html(graph, "org/base", layout="force", path=tmp_path / "f.html")
    rep = open_page(driver, page)
    assert rep.errors == [] and (rep.nodes, rep.edges) == (300, 299)
    assert rep.stable_ms is not None
    assert driver.execute_script("return window.hflNetwork.physics.physicsEnabled;") is False
    shot(driver, tmp_path / "force.png")


@pytest.mark.browser
def test_browser_escapes_user_data(driver, tmp_path):
    evil = "x/<img src=x onerror=window.pwned=1>"
    models, edges = family_frames(3, seed=0, root=evil)
    models.loc[1, "author"] = "<b onmouseover=window.pwned=2>bold</b>"
    graph = LineageGraph.from_frames(models, edges, snapshot_time=SNAPSHOT)
    rep = open_page(driver, lineage_html(graph, evil, path=tmp_path / "p.html"))
    assert rep.errors == [] and rep.nodes == 3
    assert driver.find_element("tag name", "h1").text == f"Lineage of {evil}"
    driver.execute_script("document.getElementById('details').replaceChildren("
                          "window.hflNodes.get(1).title);")
    assert driver.execute_script("return [window.pwned, document.querySelectorAll("
                                 "'img, b[onmouseover]').length];") == [None, 0]
