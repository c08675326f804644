"""`hf-lineage site`: a whole-snapshot static site, built from a simulated Hub crawled through
LocalHub, checked file by file, link by link and in headless Chromium."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from lineage.graph import LineageGraph
from lineage.hub.crawl import crawl
from lineage.hub.store import Store
from lineage.sim.hubserver import LocalHub
from lineage.sim.simulate import simulate_hub
from lineage.testing import chromium, chromium_available
from lineage.viz.site import (
    MANIFEST,
    lineage_depths,
    snapshot_status,
    write_site,
)

TOP = 8
# ../shared/data beside the checkout (or beside the folder of worktrees)
HUBSTATS = next(
    (
        p
        for p in (
            up / "shared" / "data" / "hubstats" / "items.json.gz"
            for up in Path(__file__).resolve().parents[2:4]
        )
        if p.exists()
    ),
    Path("../shared/data/hubstats/items.json.gz"),
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def hub_models():
    return simulate_hub(2_500, seed=3).models


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, hub_models):
    db = tmp_path_factory.mktemp("snap") / "hub.db"
    with LocalHub(hub_models) as hub:
        crawl(db, endpoint=hub.endpoint)
    return db


@pytest.fixture(scope="module")
def built(tmp_path_factory, snapshot):
    out = tmp_path_factory.mktemp("site") / "site"
    result = run("site", str(out), "--top", str(TOP), "--db", str(snapshot))
    assert result.exit_code == 0, result.output
    return out, result


def reference(db: Path) -> tuple[nx.DiGraph, pd.DataFrame]:
    """The snapshot as a networkx graph, and every model's counts, computed independently."""
    with Store(db, readonly=True) as store:
        models, edges = store.models_frame(), store.edges_frame()
    g = nx.DiGraph()
    g.add_nodes_from(models["id"])
    g.add_edges_from(zip(edges["parent"], edges["child"], strict=True))
    assert nx.is_directed_acyclic_graph(g)  # so descendant sets need no cycle breaking
    counts = pd.DataFrame(
        {
            "model": list(g.nodes),
            "direct": [g.out_degree(m) for m in g.nodes],
            "transitive": [len(nx.descendants(g, m)) for m in g.nodes],
        }
    )
    return g, counts


class Links(HTMLParser):
    """Every href and src of a page, and the table rows of ``#families``."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.urls.append((key, attrs[key]))
        if tag == "table" and attrs.get("id") == "families":
            self._in_table = True
        if self._in_table and tag == "tr":
            self.rows.append([])
        if self._in_table and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def local_target(page: Path, url: str) -> Path | None:
    """The file a relative URL points at, None for in-page anchors and scripts."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def search_index(out: Path) -> dict:
    text = (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.HFL_SEARCH = "
    assert text.startswith(prefix)
    return json.loads(text[len(prefix) :].rstrip().rstrip(";"))


def test_site_lists_the_exact_largest_families(built, snapshot):
    out, result = built
    _, counts = reference(snapshot)
    expected = (
        counts[counts["transitive"] > 0]
        .sort_values(["transitive", "direct", "model"], ascending=[False, False, True])
        .head(TOP)
    )
    rows = [r for r in parse(out / "index.html").rows if r]
    names = [r[1].replace(" (missing: never listed)", "") for r in rows]
    assert names == expected["model"].tolist()
    assert [int(r[2].replace(",", "")) for r in rows] == expected["direct"].tolist()
    assert [int(r[3].replace(",", "")) for r in rows] == expected["transitive"].tolist()
    # the table fits as hf-lineage fit and rank do by default: with the weak prior, said so
    assert "the weak prior (as hf-lineage fit and rank use" in (out / "index.html").read_text()
    statuses = {r[5] for r in rows} | {r[8] for r in rows}
    assert statuses <= {"ok", "not-yet-saturating", "too-short", "no-growth"}
    manifest = json.loads((out / MANIFEST).read_text())
    pages = [f for f in manifest["files"] if f.startswith("families/")]
    assert len(pages) == TOP and all((out / f).is_file() for f in manifest["files"])
    assert (out / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert f"family pages: {TOP}/{TOP}" in result.stderr
    assert result.stdout.strip() == str(out / "index.html")


def test_every_link_resolves_and_pages_link_both_ways(built):
    out, _ = built
    pages = [out / "index.html", *sorted((out / "families").glob("*.html"))]
    assert len(pages) == TOP + 1
    linked_from_index = set()
    for page in pages:
        links = parse(page)
        for key, url in links.urls:
            if key == "src":  # nothing is loaded from the network
                assert not urlsplit(url).scheme and not url.startswith("//"), (page, url)
            target = local_target(page, url)
            if target is not None:
                assert target.is_file(), f"{page.name}: {key}={url} does not resolve"
                if page.name == "index.html":
                    linked_from_index.add(target)
        if page.name != "index.html":
            backs = [u for k, u in links.urls if local_target(page, u) == (out / "index.html")]
            assert backs, f"{page.name} has no link back to the index"
    assert set(pages[1:]) <= linked_from_index
    for href in search_index(out)["page"].values():
        assert (out / href).is_file()


def test_family_pages_share_one_copy_of_the_scripts(built):
    out, _ = built
    assets = {p.name: p.stat().st_size for p in (out / "assets").iterdir()}
    assert assets["plotly.min.js"] > 10**6 and assets["vis-network.min.js"] > 10**5
    assert assets["vis-network.css"] > 10**4
    for page in sorted((out / "families").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert len(text) < 10**6, f"{page.name} inlines a script: {len(text):,} bytes"
        assert "vis.Network" in text and 'id="plotly-src"' not in text
        srcs = {u for k, u in parse(page).urls if k in ("src", "href")}
        assert {"../assets/vis-network.min.js", "../assets/vis-network.css"} <= srcs
        plotly_src = json.loads(re.search(r"var PLOTLY_SRC = (.*?);\n", text).group(1))
        assert plotly_src == "../assets/plotly.min.js"
        assert (page.parent / plotly_src).resolve() == (out / "assets" / "plotly.min.js")


def test_the_table_and_the_family_page_show_the_same_fit(built, snapshot):
    """Both go through lineage.ranking (fit_models for the table, fit_model for the page's
    chart): the same status, c-infinity and label for every family, and fit_model's."""
    from lineage.ranking import fit_model

    out, _ = built
    graph = LineageGraph.from_db(snapshot)
    rows = {r[1].split(" (missing")[0]: r for r in parse(out / "index.html").rows if r}
    pages = {
        r[1].split(" (missing")[0]: out / href
        for r, href in zip(
            [r for r in parse(out / "index.html").rows if r],
            [u for k, u in parse(out / "index.html").urls if u.startswith("families/")],
            strict=True,
        )
    }
    checked = 0
    for model, row in rows.items():
        text = pages[model].read_text(encoding="utf-8")
        data = json.loads(re.search(r"var HFL = (.*?);\n", text).group(1))
        assert data["models"][0] == model
        one = fit_model(graph, model, scope="transitive")
        page_fit = data["fit"]["0"]
        assert row[5] == page_fit["status"] == one.fitter.status_
        assert page_fit["on"] == one.label
        lam = float(one.fitter.params_.loc["lambda", "estimate"])
        assert page_fit["lambda"] == float(f"{lam:.4g}")
        if one.fitter.status_ == "ok":
            ultimate = float(one.fitter.ultimate_)
            assert row[7] == f"{ultimate:,.0f}"
            assert page_fit["ultimate"] == float(f"{ultimate:.4g}")
            checked += 1
        else:
            assert row[7] == "—" and page_fit["ultimate"] is None
        chart = json.loads(re.search(r"var CHART = (.*?);\n", text).group(1))
        assert one.label in chart["layout"]["title"]["text"].replace("<br>", " ")
    assert checked >= 1


def test_search_index_holds_exactly_the_models_with_derivatives(built, snapshot):
    out, _ = built
    g, counts = reference(snapshot)
    data = search_index(out)
    with_children = counts[counts["direct"] > 0].set_index("model")
    assert sorted(data["ids"]) == sorted(with_children.index)
    assert data["ids"] == sorted(data["ids"], key=lambda m: (m.lower(), m))
    assert data["transitive"] == with_children.loc[data["ids"], "transitive"].tolist()
    assert data["direct"] == with_children.loc[data["ids"], "direct"].tolist()
    families = {row[1].split(" (missing")[0] for row in parse(out / "index.html").rows if row}
    assert {data["ids"][int(i)] for i in data["page"]} == families


def test_lineage_depths_are_the_longest_chains_of_bases(snapshot):
    g, _ = reference(snapshot)
    depth = {}
    for m in nx.topological_sort(g):
        depth[m] = max((depth[p] + 1 for p in g.predecessors(m)), default=0)
    got = lineage_depths(LineageGraph.from_db(snapshot))
    assert got.to_dict() == depth
    assert max(depth.values()) >= 3


@pytest.mark.browser
def test_site_in_a_browser(built, snapshot):
    if not chromium_available():
        pytest.skip("needs chromium, chromedriver and selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    out, _ = built
    g, counts = reference(snapshot)
    with Store(snapshot, readonly=True) as store:
        facts = store.info()
    top = counts.sort_values(["transitive", "direct", "model"], ascending=[False, False, True])[
        "model"
    ].iloc[0]
    small = counts[(counts["direct"] > 0)].sort_values(["transitive", "model"])["model"].iloc[0]
    with chromium() as d:
        d.set_page_load_timeout(60)
        d.get((out / "index.html").as_uri())
        WebDriverWait(d, 30).until(lambda drv: drv.execute_script("return window.hflSiteReady"))
        errors = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
        assert errors == []
        scripts = d.execute_script("""return [typeof Plotly, typeof HFL_SEARCH,
            [...document.querySelectorAll('[src],link[href]')].map(e => e.src || e.href),
            performance.getEntriesByType('resource').map(e => e.name)]""")
        assert scripts[:2] == ["object", "object"]  # both local scripts loaded
        assert all(u.startswith(("file://", "data:")) for u in scripts[2] + scripts[3]), scripts
        # the charts hold the snapshot's numbers
        charts = d.execute_script("""
            const y = id => document.getElementById(id).data.map(t => t.y);
            return {edges: y('chart-edges'), growth: y('chart-growth'),
                    depth: y('chart-depth')};""")
        assert sum(sum(t) for t in charts["edges"]) == facts["edges"]
        assert charts["growth"][1][-1] == facts["models"]
        assert sum(charts["depth"][0]) == sum(1 for m in g if g.degree(m) > 0)
        # search: type part of the largest family's name, follow the link to its page
        box = d.find_element(By.ID, "search")
        box.send_keys(top.split("/")[1].upper())
        WebDriverWait(d, 10).until(
            lambda drv: drv.find_elements(By.CSS_SELECTOR, "#results li a.model")
        )
        first = d.find_element(By.CSS_SELECTOR, "#results li a.model")
        assert first.text == top
        box.clear()
        box.send_keys(small)
        WebDriverWait(d, 10).until(lambda drv: small in drv.find_element(By.ID, "results").text)
        item = d.find_element(By.CSS_SELECTOR, "#results li")
        assert item.find_elements(By.CSS_SELECTOR, "a") == []  # no page: counts instead
        n_t, n_d = counts.set_index("model").loc[small, ["transitive", "direct"]]
        word = "derivative" if n_t == 1 else "derivatives"
        assert item.text == f"{small} {n_t:,} {word} ({n_d:,} direct) · hf-lineage html {small}"
        # sort the table by direct derivatives: largest first, then smallest first
        header = d.find_elements(By.CSS_SELECTOR, "#families th")[2]

        def direct_column():
            return [
                int(c.text.replace(",", ""))
                for c in d.find_elements(By.CSS_SELECTOR, "#families tbody tr td:nth-child(3)")
            ]

        header.click()
        assert direct_column() == sorted(direct_column(), reverse=True)
        header.click()
        assert direct_column() == sorted(direct_column()) and len(direct_column()) == TOP
        # Enter opens the first result's family page; it has no errors and links back
        box.clear()
        box.send_keys(top + Keys.ENTER)
        WebDriverWait(d, 60).until(
            lambda drv: drv.execute_script("return window.hflStable") is not None
        )
        assert top in d.title
        # its scripts come from the site's assets folder: the charts draw from there
        WebDriverWait(d, 60).until(lambda drv: drv.execute_script("return window.hflCharts"))
        loaded = d.execute_script("""return [typeof Plotly, typeof vis,
            document.querySelectorAll('#growth-chart .main-svg').length,
            [...document.scripts].map(e => e.src).filter(Boolean)]""")
        assert loaded[:2] == ["object", "object"] and loaded[2] > 0
        assert all(u.startswith("file://") and "/assets/" in u for u in loaded[3]), loaded[3]
        assert {u.rsplit("/", 1)[-1] for u in loaded[3]} == {"vis-network.min.js", "plotly.min.js"}
        errors = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]
        assert errors == []
        d.find_element(By.CSS_SELECTOR, "nav.hfl-site-nav a").click()
        WebDriverWait(d, 30).until(lambda drv: drv.execute_script("return window.hflSiteReady"))
        assert d.current_url.endswith("/index.html")


def test_bad_folders_are_one_line_errors_and_nothing_is_lost(tmp_path, snapshot):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    cases = [
        (a_file, "is a file, not a folder"),
        (snapshot, "is the snapshot file"),
        (a_file / "site", "cannot create the folder"),
    ]
    for target, needle in cases:
        result = run("site", str(target), "--db", str(snapshot), "--top", "2")
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], result.stderr
    result = run("site", str(tmp_path / "new"), "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()
    assert a_file.read_text() == "mine"
    with Store(snapshot, readonly=True) as store:
        assert store.info()["models"] > 0
    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>someone else's page</p>")
    result = run("site", str(foreign), "--db", str(snapshot), "--top", "2")
    assert result.exit_code == 2 and "was not written by `hf-lineage site`" in result.stderr
    assert (foreign / "index.html").read_text() == "<p>someone else's page</p>"
    assert sorted(p.name for p in foreign.iterdir()) == ["index.html"]
    (foreign / "index.html").unlink()
    (foreign / MANIFEST).write_text("{}")
    result = run("site", str(foreign), "--db", str(snapshot), "--top", "2")
    assert result.exit_code == 2 and f"{MANIFEST} exists and was not written" in result.stderr
    assert (foreign / MANIFEST).read_text() == "{}"
    (foreign / MANIFEST).unlink()
    (foreign / "families").write_text("a file where the site wants a folder")
    result = run("site", str(foreign), "--db", str(snapshot), "--top", "2")
    assert result.exit_code == 2 and "families is a file" in result.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["families"]


def test_rerun_overwrites_only_its_own_files(tmp_path, snapshot):
    graph = LineageGraph.from_db(snapshot)
    out = tmp_path / "site"
    first = write_site(graph, out, top=4)
    (out / "README.txt").write_text("my notes")
    (out / "families" / "mine.html").write_text("kept")
    second = write_site(graph, out, top=2)
    assert second.families == first.families[:2]
    assert sorted(p.name for p in (out / "families").glob("*.html")) == sorted(
        [p.name for p in second.pages.values()] + ["mine.html"]
    )
    assert (out / "README.txt").read_text() == "my notes"
    assert not list(out.rglob("*.tmp"))


def test_partial_snapshot_is_flagged(tmp_path, hub_models):
    db = tmp_path / "partial.db"
    with LocalHub(hub_models) as hub:
        crawl(db, endpoint=hub.endpoint, max_models=600)
    status = snapshot_status(db)
    assert status.complete is False and re.search(r"a first look at [\d,]+ models", status.note)
    site = write_site(LineageGraph.from_db(db), tmp_path / "site", top=1, status=status)
    text = site.index.read_text(encoding="utf-8")
    assert re.search(r'class="partial">partial snapshot: a first look at [\d,]+ models', text)
    full = tmp_path / "full.db"
    with LocalHub(hub_models[:300]) as hub:
        crawl(full, endpoint=hub.endpoint, max_models=600)
    assert snapshot_status(full).complete is True


def test_site_with_no_families(tmp_path):
    graph = LineageGraph.from_frames(
        pd.DataFrame({"id": ["a/one", "b/two"], "created_at": ["2024-01-02", "2024-02-03"]}),
        pd.DataFrame(columns=["child", "parent", "relation"]),
    )
    site = write_site(graph, tmp_path / "empty")
    assert site.families == [] and site.index.is_file()
    assert search_index(tmp_path / "empty")["ids"] == []


def test_a_missing_base_can_head_a_family(tmp_path):
    models = pd.DataFrame(
        {"id": ["a/ft1", "b/ft2", "c/q"], "created_at": ["2024-01-02", "2024-02-03", "2024-03-04"]}
    )
    edges = pd.DataFrame(
        {
            "child": ["a/ft1", "b/ft2", "c/q"],
            "parent": ["gone/base", "gone/base", "a/ft1"],
            "relation": ["finetune", "finetune", "quantized"],
        }
    )
    site = write_site(LineageGraph.from_frames(models, edges), tmp_path / "s", top=5)
    assert site.families == ["gone/base", "a/ft1"]
    rows = [r for r in parse(site.index).rows if r]
    assert [r[1] for r in rows] == ["gone/base (missing: never listed)", "a/ft1"]
    assert [(r[2], r[3]) for r in rows] == [("2", "3"), ("1", "1")]
    assert "the weak prior (as hf-lineage fit" in site.index.read_text(encoding="utf-8")
    assert "gone/base" in site.pages["gone/base"].read_text(encoding="utf-8")


def test_ids_are_text_never_markup(tmp_path):
    evil = 'o/<img src=x onerror="alert(1)">'
    models = pd.DataFrame({"id": [evil, "a/ft"], "created_at": ["2024-01-02", "2024-02-03"]})
    edges = pd.DataFrame({"child": ["a/ft"], "parent": [evil], "relation": ["finetune"]})
    site = write_site(LineageGraph.from_frames(models, edges), tmp_path / "s", top=1)
    text = site.index.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x" in text
    assert [p.parent.name for p in site.pages.values()] == ["families"]
    assert [r[1] for r in parse(site.index).rows if r] == [evil]
    assert search_index(tmp_path / "s")["ids"] == [evil]


def test_docstring_examples_run():
    import doctest

    import lineage.viz.site

    assert doctest.testmod(lineage.viz.site).failed == 0


def test_unfinished_crawls_are_reported(tmp_path, local_hub):
    from lineage.errors import MalformedPageError

    hub = local_hub(simulate_hub(300, seed=5).models, max_limit=50)
    db = tmp_path / "hub.db"
    hub.fail("malformed", after=3)
    with pytest.raises(MalformedPageError):
        crawl(db, endpoint=hub.endpoint)
    first = snapshot_status(db)
    assert first.complete is False and first.note.startswith("no crawl has finished yet")
    assert "a newer full crawl is unfinished" in first.note
    crawl(db, endpoint=hub.endpoint)
    hub.fail("malformed", after=3)
    with pytest.raises(MalformedPageError):
        crawl(db, endpoint=hub.endpoint, full=True)
    later = snapshot_status(db)
    assert later.complete is True and "a newer full crawl is unfinished" in later.note
    result = run("site", str(tmp_path / "s"), "--db", str(db), "--top", "1")
    assert result.exit_code == 0, result.output
    assert "run `hf-lineage crawl` to resume it" in (tmp_path / "s" / "index.html").read_text()


@pytest.mark.realdata
def test_site_of_real_hub_rows(tmp_path):
    """2,122 real listing rows (leaderboard merges, missing bases, long chains)."""
    if not HUBSTATS.exists():
        pytest.skip(f"needs {HUBSTATS}")
    import gzip
    import hashlib

    rows = json.loads(gzip.decompress(HUBSTATS.read_bytes()))
    for row in rows:
        row["_id"] = hashlib.sha1(row["id"].encode()).hexdigest()[:24]
        row["private"] = False
        row.pop("baseModels", None)
    db = tmp_path / "real.db"
    with LocalHub(rows) as hub:
        crawl(db, endpoint=hub.endpoint)
    result = run("site", str(tmp_path / "site"), "--db", str(db), "--top", "15")
    assert result.exit_code == 0, result.output
    out = tmp_path / "site"
    _, counts = reference(db)
    expected = (
        counts[counts["transitive"] > 0]
        .sort_values(["transitive", "direct", "model"], ascending=[False, False, True])
        .head(15)
    )
    rows = [r for r in parse(out / "index.html").rows if r]
    assert [r[1].split(" (missing")[0] for r in rows] == expected["model"].tolist()
    assert any("(missing: never listed)" in r[1] for r in rows)  # real bases go unlisted
    said = [
        p in (out / "index.html").read_text()
        for p in ("a population prior learned from these 15 families", "the weak prior (as hf")
    ]
    assert sum(said) == 1
    for page in [out / "index.html", *(out / "families").glob("*.html")]:
        for _, url in parse(page).urls:
            target = local_target(page, url)
            assert target is None or target.is_file(), (page.name, url)
    assert sorted(search_index(out)["ids"]) == sorted(counts.loc[counts["direct"] > 0, "model"])


def test_an_interrupted_run_can_be_rerun(tmp_path, snapshot):
    graph = LineageGraph.from_db(snapshot)

    def stop(p):
        if p.stage == "family pages" and p.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_site(graph, tmp_path / "s", top=4, progress=stop)
    assert len(list((tmp_path / "s" / "families").glob("*.html"))) == 2
    assert not list((tmp_path / "s").rglob("*.tmp"))
    site = write_site(graph, tmp_path / "s", top=4)
    assert len(site.pages) == 4 and site.index.is_file()
