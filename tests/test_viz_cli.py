"""The `html` command on a snapshot crawled from a local Hub."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from conftest import hub_model
from test_viz import models_on, page_data

from cli import main
from lineage.crawl import crawl


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.fixture
def db(tmp_path, local_hub):
    """base <- ft (finetune) <- q (quantized); base <- ad (adapter); ft + other <- mg (merge);
    base derives from gone/origin, which the Hub never lists."""
    models = [
        hub_model(0, "org/base", day(2023, 1, 5), ["gone/origin"], "finetune"),
        hub_model(1, "other/base", day(2022, 12, 1)),
        hub_model(2, "a/ft", day(2023, 1, 20), ["org/base"], "finetune"),
        hub_model(3, "b/q", day(2023, 3, 2), ["a/ft"], "quantized"),
        hub_model(4, "c/ad", day(2023, 3, 9), ["org/base"], "adapter"),
        hub_model(5, "d/mg", day(2023, 4, 1), ["a/ft", "other/base"], "merge"),
    ]
    path = tmp_path / "hub.db"
    crawl(path, endpoint=local_hub(models).endpoint)
    return str(path)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


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
    assert shown["c/ad"]["relation"] == "adapter" and shown["a/ft"]["transitive"] == 2
    text = out.read_text(encoding="utf-8")
    assert "Lineage of org/base" in text and "snapshot 20" in text


def test_html_up_force_and_filters(db, tmp_path):
    out = tmp_path / "up.html"
    res = run("html", "D/MG", "--db", db, "--direction", "up", "--layout", "force",
              "-o", str(out))
    assert res.exit_code == 0, res.output
    shown = models_on(page_data(out))
    assert set(shown) == {"d/mg", "a/ft", "other/base", "org/base", "gone/origin"}
    assert shown["gone/origin"]["missing"] is True
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
