"""The `fit` and `rank` commands: on the user's CSV and on a snapshot crawled from a local Hub."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import hub_model

from cli import main
from growth.models import WSB
from lineage.hub.crawl import crawl


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def series_csv(tmp_path):
    wsb = WSB(m=30.0)
    ages = np.arange(15)
    parts = [
        pd.DataFrame(
            {
                "model": name,
                "age_months": ages,
                "cumulative": np.round(wsb.cumulative(ages + 1.0, wsb.from_natural(*p))),
            }
        )
        for name, p in (("org/a", (3.0, 1.5, 0.8)), ("org/b", (1.5, 1.0, 0.6)))
    ]
    parts.append(pd.DataFrame({"model": "org/zero", "age_months": ages, "cumulative": 0}))
    path = tmp_path / "series.csv"
    pd.concat(parts).to_csv(path, index=False)
    return str(path)


def test_fit_from_csv_table_and_plot(series_csv, tmp_path):
    png = tmp_path / "fit.png"
    result = run(
        "fit",
        "--from-csv",
        series_csv,
        "--horizon",
        "3",
        "--plot",
        str(png),
        "--log-y",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == [
        "model",
        "scope",
        "status",
        "quantity",
        "age_months",
        "month",
        "estimate",
        "lower",
        "upper",
        "pinned",
        "fitted_on",
    ]
    assert set(table["fitted_on"]) == {f"series of {series_csv}, weak prior, hub calibration"}
    a = table[table["model"] == "org/a"].set_index("quantity")
    assert a.loc["lambda", "estimate"] == pytest.approx(3.0, rel=0.05)
    assert a.loc["lambda", "lower"] < 3.0 < a.loc["lambda", "upper"]
    assert (a.loc["cumulative", "age_months"].tolist()) == [15, 16, 17]
    zero = table[table["model"] == "org/zero"]
    assert set(zero["status"]) == {"no-growth"}
    assert png.stat().st_size > 5000


def test_fit_from_csv_json_selected_model(series_csv, tmp_path):
    out = tmp_path / "fit.json"
    result = run(
        "fit",
        "org/b",
        "--from-csv",
        series_csv,
        "--horizon",
        "2",
        "--format",
        "json",
        "-o",
        str(out),
        "--interval",
        "0.9",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [d["model"] for d in data] == ["org/b"] and data[0]["status"] == "ok"
    assert set(data[0]["parameters"]) == {"lambda", "mu", "sigma", "ultimate"}
    assert [f["age_months"] for f in data[0]["forecast"]] == [15, 16]


def test_fit_calibration_hub_by_default_or_none(series_csv):
    def band(*extra):
        result = run(
            "fit", "org/a", "--from-csv", series_csv, "--horizon", "6", "--format", "csv", *extra
        )
        assert result.exit_code == 0, result.output
        table = pd.read_csv(io.StringIO(result.stdout))
        last = table[table["quantity"] == "cumulative"].iloc[-1]
        return last["upper"] - last["lower"]

    assert band() > band("--calibration", "none")
    assert band() == band("--calibration", "hub")
    assert run("fit", "--from-csv", series_csv, "--calibration", "bayes").exit_code == 2


@pytest.mark.parametrize(
    "content,needle",
    [
        ("model,age\nx,1\n", "lacks column(s) age_months, cumulative"),
        ("model,age_months,cumulative\nx,1,lots\n", "non-numeric value 'lots'"),
        ("model,age_months,cumulative\n", "no data rows"),
    ],
)
def test_fit_from_bad_csv_is_one_line_exit_2(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = CliRunner().invoke(main, ["fit", "--from-csv", str(path)])
    assert result.exit_code == 2
    assert needle in result.output and result.output.count("\n") == 1


def test_fit_needs_models_or_csv_and_unknown_csv_model(series_csv):
    assert CliRunner().invoke(main, ["fit"]).exit_code == 2
    result = CliRunner().invoke(main, ["fit", "org/nope", "--from-csv", series_csv])
    assert result.exit_code == 2 and "org/nope" in result.output


def day(y: int, m: int, d: int = 10) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.fixture
def db(tmp_path, local_hub):
    """big/base (2023-01) with 45 fine-tunes over 2023; small/base with 3; a/ft has 2 adapters."""
    models = [hub_model(0, "big/base", day(2023, 1, 2)), hub_model(1, "small/base", day(2023, 1))]
    monthly = [8, 10, 8, 6, 5, 3, 2, 1, 1, 1]
    i = 2
    for month, n in enumerate(monthly, start=1):
        for _ in range(n):
            models.append(hub_model(i, f"u{i}/ft", day(2023, month, 15), ["big/base"], "finetune"))
            i += 1
    for k in range(3):
        models.append(hub_model(i + k, f"s{k}/ft", day(2023, 3 + k), ["small/base"], "finetune"))
    models.append(hub_model(90, "a/ad1", day(2023, 6), ["u2/ft"], "adapter"))
    models.append(hub_model(91, "a/ad2", day(2023, 7), ["u2/ft"], "adapter"))
    path = tmp_path / "hub.db"
    crawl(path, endpoint=local_hub(models).endpoint)
    return str(path)


def test_fit_snapshot_model(db, tmp_path):
    png = tmp_path / "big.png"
    result = run(
        "fit",
        "big/base",
        "--db",
        db,
        "--scope",
        "direct",
        "--relation",
        "finetune",
        "--plot",
        str(png),
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    ult = table[table["quantity"] == "ultimate"]["estimate"].iloc[0]
    assert 45 <= ult < 60
    fc = table[table["quantity"] == "cumulative"]
    assert len(fc) == 12 and (fc["lower"] >= 45).all()
    assert png.exists()
    transitive = pd.read_csv(
        io.StringIO(run("fit", "big/base", "--db", db, "--format", "csv").stdout)
    )
    assert transitive[transitive["quantity"] == "ultimate"]["estimate"].iloc[0] > 45


def test_fit_unknown_snapshot_model(db):
    result = CliRunner().invoke(main, ["fit", "big/bse", "--db", db])
    assert result.exit_code == 2 and "big/base" in result.output


def test_rank_by_each_key(db):
    result = run("rank", "--db", db, "--min-derivatives", "3", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["model"].tolist()[0] == "big/base" and table["rank"].tolist()[:2] == [1, 2]
    assert set(table["model"]) == {"big/base", "small/base"}
    for key in ("ultimate", "growth-12m"):
        out = run(
            "rank",
            "--db",
            db,
            "--by",
            key,
            "--min-derivatives",
            "3",
            "--top",
            "1",
            "--format",
            "json",
        )
        rows = json.loads(out.stdout)
        assert len(rows) == 1 and rows[0]["model"] == "big/base"
    empty = run("rank", "--db", db, "--min-derivatives", "1000")
    assert empty.exit_code == 0 and "no model has 1000+" in empty.stderr
