"""The `html` command on a snapshot crawled from a local Hub (the graph CLI tests' family:
base <- ft (finetune) <- q (quantized); base <- ad (adapter); ft + other <- mg (merge))."""

from __future__ import annotations

import pytest
import test_graph_cli
from click.testing import CliRunner
from test_viz import page_data, shown, tree_edges

from cli import main

db = test_graph_cli.db  # the fixture: that family crawled from a local Hub into a snapshot
run = test_graph_cli.run


def test_html_writes_the_page(db, tmp_path):
    out = tmp_path / "base.html"
    res = run("html", "org/base", "--db", db, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    data = page_data(out)
    on = shown(data)
    assert set(on) == {"org/base", "a/ft", "b/q", "c/ad", "d/mg"}
    assert len(tree_edges(data)) == 4
    fit = data["fit"]
    assert fit[str(on["org/base"])]["status"]  # the root is fitted for its chart and tooltip
    assert fit[str(on["a/ft"])]["status"] and str(on["b/q"]) not in fit  # --fit-top: a/ft
    assert data["relation"][on["c/ad"]] == "adapter" and data["transitive"][on["a/ft"]] == 2
    text = out.read_text(encoding="utf-8")
    assert "Lineage of org/base" in text and "snapshot 20" in text


def test_html_up_force_and_filters(db, tmp_path):
    out = tmp_path / "up.html"
    res = run("html", "D/MG", "--db", db, "--direction", "up", "--layout", "force", "-o", str(out))
    assert res.exit_code == 0, res.output
    data = page_data(out)
    on = shown(data)
    assert set(on) == {"d/mg", "a/ft", "other/base", "org/base"}
    assert data["relation"][on["d/mg"]] == "" and data["relation"][on["a/ft"]] == "merge"
    assert data["layout"] == "force" and data["direction"] == "up"
    out2 = tmp_path / "ft.html"
    res = run(
        "html",
        "org/base",
        "--db",
        db,
        "--relation",
        "finetune",
        "--relation",
        "quantized",
        "--depth",
        "1",
        "--fit-top",
        "0",
        "-o",
        str(out2),
    )
    assert res.exit_code == 0, res.output
    assert set(shown(page_data(out2))) == {"org/base", "a/ft"}
    out3 = tmp_path / "small.html"
    res = run("html", "org/base", "--db", db, "--max-nodes", "2", "--carry", "1", "-o", str(out3))
    assert res.exit_code == 0, res.output
    data = page_data(out3)
    assert (data["shown"], data["carried"], len(data["folds"])) == (1, 2, 1)


def test_html_bad_input_exits_2(db, tmp_path):
    res = CliRunner().invoke(main, ["html", "org/bsae", "--db", db, "-o", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "org/base" in res.stderr  # suggests the close id
    res = CliRunner().invoke(main, ["html", "org/base", "--db", db, "--relation", "bogus"])
    assert res.exit_code == 2 and "bogus" in res.stderr
    res = CliRunner().invoke(main, ["html", "org/base", "--db", db, "--max-nodes", "1"])
    assert res.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_html_assets_links_shared_scripts_that_load(db, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    inline = tmp_path / "inline.html"
    assert run("html", "org/base", "--db", db, "-o", str(inline)).exit_code == 0
    out = pages / "base.html"
    res = run("html", "org/base", "--db", db, "-o", str(out), "--assets", str(tmp_path / "js"))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "js").iterdir()) == [
        "plotly.min.js",
        "vis-network.css",
        "vis-network.min.js",
    ]
    text = out.read_text(encoding="utf-8")
    assert 'src="../js/vis-network.min.js"' in text and "../js/plotly.min.js" in text
    assert out.stat().st_size * 10 < inline.stat().st_size  # the scripts are not inlined
    assert page_data(out) == page_data(inline)  # the same page otherwise
    bad = tmp_path / "file"
    bad.write_text("x")
    res = run("html", "org/base", "--db", db, "-o", str(out), "--assets", str(bad))
    assert res.exit_code != 0 and "Error:" in res.output and len(res.output.splitlines()) == 1


@pytest.mark.browser
def test_an_html_page_with_assets_draws_in_the_browser(db, tmp_path):
    from lineage.testing import chromium, chromium_available, open_page

    if not chromium_available():
        pytest.skip("headless Chromium is not installed (make browser)")
    out = tmp_path / "pages" / "base.html"
    out.parent.mkdir()
    res = run("html", "org/base", "--db", db, "-o", str(out), "--assets", str(tmp_path / "js"))
    assert res.exit_code == 0, res.output
    with chromium() as driver:
        report = open_page(driver, out)
    assert report.errors == [] and report.nodes == 5 and report.edges >= 4
