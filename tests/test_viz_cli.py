"""The `html` command on a snapshot crawled from a local Hub (the graph CLI tests' family:
base <- ft (finetune) <- q (quantized); base <- ad (adapter); ft + other <- mg (merge))."""

from __future__ import annotations

import test_graph_cli
from click.testing import CliRunner
from test_viz import models_on, page_data

from cli import main

db = test_graph_cli.db  # the fixture: that family crawled from a local Hub into a snapshot
run = test_graph_cli.run


def test_html_writes_the_page(db, tmp_path):
    out = tmp_path / "base.html"
    res = run("html", "org/base", "--db", db, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    data = page_data(out)
    shown = models_on(data)
    assert set(shown) == {"org/base", "a/ft", "b/q", "c/ad", "d/mg"}
    assert len(data["edges"]) == 4
    assert shown["org/base"]["fit"]["status"]  # the root is fitted for its chart and tooltip
    assert shown["a/ft"]["fit"]["status"] and "fit" not in shown["b/q"]  # --fit-top: a/ft
    assert shown["c/ad"]["relation"] == "adapter" and shown["a/ft"]["transitive"] == 2
    text = out.read_text(encoding="utf-8")
    assert "Lineage of org/base" in text and "snapshot 20" in text


def test_html_up_force_and_filters(db, tmp_path):
    out = tmp_path / "up.html"
    res = run("html", "D/MG", "--db", db, "--direction", "up", "--layout", "force",
              "-o", str(out))
    assert res.exit_code == 0, res.output
    shown = models_on(page_data(out))
    assert set(shown) == {"d/mg", "a/ft", "other/base", "org/base"}
    assert shown["d/mg"]["relation"] is None and shown["a/ft"]["relation"] == "merge"
    out2 = tmp_path / "ft.html"
    res = run("html", "org/base", "--db", db, "--relation", "finetune", "--relation",
              "quantized", "--depth", "1", "--fit-top", "0", "-o", str(out2))
    assert res.exit_code == 0, res.output
    assert set(models_on(page_data(out2))) == {"org/base", "a/ft"}


def test_html_bad_input_exits_2(db, tmp_path):
    res = CliRunner().invoke(main, ["html", "org/bsae", "--db", db, "-o", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "org/base" in res.stderr  # suggests the close id
    res = CliRunner().invoke(main, ["html", "org/base", "--db", db, "--relation", "bogus"])
    assert res.exit_code == 2 and "bogus" in res.stderr
    res = CliRunner().invoke(main, ["html", "org/base", "--db", db, "--max-nodes", "1"])
    assert res.exit_code == 2
    assert not (tmp_path / "x").exists()
