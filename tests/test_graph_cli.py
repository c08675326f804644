"""The `curves` and `family` commands on a snapshot crawled from a local Hub."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import hub_model

from cli import main
from lineage.hub.crawl import crawl


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.fixture
def db(tmp_path, local_hub):
    """base (2023-01) <- ft (2023-01), q (2023-03, quantized from ft), ad (adapter, 2023-03),
    mg (merge of ft and other, 2023-04)."""
    models = [
        hub_model(0, "org/base", day(2023, 1, 5)),
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


def test_curves_csv_long_format(db):
    result = run("curves", "org/base", "OTHER/BASE", "--db", db)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame.columns) == [
        "model",
        "scope",
        "month",
        "age_months",
        "count",
        "cumulative",
        "complete",
    ]
    base = frame[frame["model"] == "org/base"]
    # the snapshot was crawled just now: its month is still running and left out
    running = datetime.now(UTC).strftime("%Y-%m")
    assert base["month"].iloc[0] == "2023-01" and base["month"].iloc[-1] < running
    assert frame["complete"].all()
    with_running = pd.read_csv(
        io.StringIO(run("curves", "org/base", "--db", db, "--running-month").stdout)
    )
    assert with_running["month"].iloc[-1] == running
    assert with_running["complete"].tolist() == [True] * len(base) + [False]
    assert base["count"].tolist()[:4] == [1, 0, 2, 1] and base["cumulative"].iloc[-1] == 4
    other = frame[frame["model"] == "other/base"]
    assert other["count"].tolist()[:5] == [0, 0, 0, 0, 1] and set(frame["scope"]) == {"transitive"}


def test_curves_scope_relation_json_and_output_file(db, tmp_path):
    out = tmp_path / "c.json"
    result = run(
        "curves",
        "org/base",
        "--db",
        db,
        "--scope",
        "direct",
        "--relation",
        "finetune",
        "--relation",
        "adapter",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0 and result.stdout == ""
    rows = json.loads(out.read_text())
    assert rows[0] == {
        "model": "org/base",
        "scope": "direct",
        "month": "2023-01",
        "age_months": 0,
        "count": 1,
        "cumulative": 1,
        "complete": True,
    }
    assert rows[-1]["cumulative"] == 2
    quantized = run("curves", "org/base", "--db", db, "--relation", "quantized")
    assert pd.read_csv(io.StringIO(quantized.stdout))["cumulative"].iloc[-1] == 0


def test_family_down_and_up(db):
    result = run("family", "org/base", "--db", db, "--format", "csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table[["model", "depth"]].values.tolist() == [
        ["org/base", 0],
        ["a/ft", 1],
        ["c/ad", 1],
        ["b/q", 2],
        ["d/mg", 2],
    ]
    assert table.set_index("model").loc["c/ad", "relation"] == "adapter"
    up = run("family", "d/mg", "--db", db, "--up")
    assert up.exit_code == 0
    lines = up.stdout.splitlines()
    assert lines[0].split() == ["model", "depth", "child", "relation"]  # child: one step down
    assert [ln.split()[0] for ln in lines[1:]] == ["d/mg", "a/ft", "other/base", "org/base"]
    js = json.loads(run("family", "a/ft", "--db", db, "--format", "json").stdout)
    assert [r["model"] for r in js] == ["a/ft", "b/q", "d/mg"]


def test_unknown_model_is_one_line_with_suggestions_and_exit_2(db):
    result = run("curves", "org/bse", "--db", db)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "org/base" in result.stderr
    assert run("family", "nobody/nothing-like-it", "--db", db).exit_code == 2
    bad = run("curves", "org/base", "--db", db, "--relation", "finetunes")
    assert bad.exit_code == 2 and "--relation must be among" in bad.stderr
    assert "finetunes" in bad.stderr


def test_missing_snapshot_exit_2(tmp_path):
    result = run("family", "org/base", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "crawl" in result.stderr


def test_curves_in_a_real_process(db):
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "curves", "a/ft", "--db", db, "--scope", "direct"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "model,scope,month,age_months,count,cumulative,complete"
    assert proc.stdout.splitlines()[1] == "a/ft,direct,2023-01,0,0,0,True"
