"""One fit per model: fit, curves | fit --from-csv, the README's library path, rank, the page
and the demo agree; rankings independent of their filters, pinned fits last, progress."""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import hub_model

from cli import main
from growth import WSBFitter
from growth.prior import WEAK_WSB_PRIOR, GaussianPrior
from lineage.graph import LineageGraph
from lineage.hub.crawl import crawl
from lineage.ranking import (
    RANK_EXTRA,
    RANK_TABLE,
    fit_model,
    fit_models,
    population_prior,
    rank_models,
)
from lineage.sim.simulate import simulate_frames
from lineage.viz import lineage_html


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _lambda(table: pd.DataFrame, model: str) -> float:
    rows = table[(table["model"] == model) & (table["quantity"] == "lambda")]
    return float(rows["estimate"].iloc[0])


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, request):
    """A Hub crawled now, so that its month is still running: big/base has fine-tunes in
    every month of the last year and several in the running month; small/base a few."""
    from lineage.sim.hubserver import LocalHub

    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    models = [
        hub_model(0, "big/base", month_start - timedelta(days=400)),
        hub_model(1, "small/base", month_start - timedelta(days=200)),
    ]
    i = 2
    for back in range(12, 0, -1):
        when = month_start - timedelta(days=30 * back - 3)
        for _ in range(3 + (12 - back) // 2):
            models.append(hub_model(i, f"u{i}/ft", when, ["big/base"], "finetune"))
            i += 1
    for _ in range(6):  # the running month: counted in no fit
        models.append(
            hub_model(
                i, f"u{i}/ft", month_start + (now - month_start) / 2, ["big/base"], "finetune"
            )
        )
        i += 1
    for back in (5, 4, 3):
        models.append(
            hub_model(
                i, f"s{i}/ft", month_start - timedelta(days=30 * back), ["small/base"], "adapter"
            )
        )
        i += 1
    path = tmp_path_factory.mktemp("snap") / "hub.db"
    with LocalHub(models) as hub:
        crawl(path, endpoint=hub.endpoint)
    return str(path)


def test_every_path_fits_the_same_months_and_gives_the_same_lambda(snapshot, tmp_path):
    graph = LineageGraph.from_db(snapshot)
    assert graph.last_complete_month < graph.snapshot_month  # a running month exists
    # the library path of the README: growth_curve -> WSBFitter
    curve = graph.growth_curve("big/base")
    assert curve["month"].iloc[-1] == graph.last_complete_month and curve["complete"].all()
    readme = WSBFitter().fit(curve["age_months"], curve["cumulative"])
    lam = readme.params_.loc["lambda", "estimate"]
    assert readme.c_last_ == 3 * 12 + sum((12 - b) // 2 for b in range(12, 0, -1))
    # fit_model, the one function behind fit, rank, the page and the demo
    one = fit_model(graph, "big/base")
    assert one.fitter.params_.loc["lambda", "estimate"] == lam
    assert one.label == "transitive derivatives, relations: all, weak prior, hub calibration"
    # hf-lineage fit MODEL
    fitted = pd.read_csv(
        io.StringIO(run("fit", "big/base", "--db", snapshot, "--format", "csv").stdout)
    )
    assert abs(_lambda(fitted, "big/base") - lam) < 1e-9
    assert set(fitted["fitted_on"]) == {one.label}
    # hf-lineage curves MODEL | hf-lineage fit --from-csv, with and without the running month
    for extra in ((), ("--running-month",)):
        csv = tmp_path / f"curves{len(extra)}.csv"
        csv.write_text(run("curves", "big/base", "--db", snapshot, *extra).stdout)
        from_csv = pd.read_csv(
            io.StringIO(run("fit", "--from-csv", str(csv), "--format", "csv").stdout)
        )
        assert abs(_lambda(from_csv, "big/base") - lam) < 1e-9, extra
    assert (
        pd.read_csv(csv)["complete"].tolist()[-1] is False
        or str(pd.read_csv(csv)["complete"].tolist()[-1]) == "False"
    )
    # hf-lineage rank
    ranked = pd.read_csv(
        io.StringIO(
            run("rank", "--db", snapshot, "--min-derivatives", "2", "--format", "csv").stdout
        )
    )
    assert abs(ranked.set_index("model").loc["big/base", "lambda"] - lam) < 1e-9
    assert ranked["prior"].eq("weak").all() and ranked["relations"].eq("all").all()
    # the page: tooltip (4 significant digits) and chart caption
    page = lineage_html(graph, "big/base", path=tmp_path / "p.html").read_text()
    data = json.loads(re.search(r"var HFL = (.*?);\n", page).group(1))
    assert data["models"][0] == "big/base"  # the page's model is its node 0
    assert data["fit"]["0"]["lambda"] == float(f"{lam:.4g}")
    assert one.label in page


def test_rank_fits_do_not_depend_on_min_derivatives():
    models, edges, _ = simulate_frames(6_000, seed=3)
    graph = LineageGraph.from_frames(models, edges, "2026-10-31T23:59:59Z")
    five = rank_models(graph, min_derivatives=5, top=None).set_index("model")
    twenty = rank_models(graph, min_derivatives=20, top=None).set_index("model")
    both = five.index.intersection(twenty.index)
    assert len(both) >= 10 and len(five) > len(twenty)
    for col in ("lambda", "mu", "sigma", "ultimate", "growth_12m"):
        assert np.allclose(five.loc[both, col], twenty.loc[both, col], rtol=0, atol=1e-9), col
    # a population prior learned from the snapshot (fixed threshold) is also filter-free
    prior = population_prior(graph, min_derivatives=5)
    assert isinstance(prior, GaussianPrior) and prior is not WEAK_WSB_PRIOR
    a = rank_models(graph, min_derivatives=5, top=None, prior=prior).set_index("model")
    b = rank_models(graph, min_derivatives=20, top=None, prior=prior).set_index("model")
    assert np.allclose(a.loc[both, "lambda"], b.loc[both, "lambda"], rtol=0, atol=1e-9)
    assert set(a["prior"]) == {"population"}
    single = fit_model(graph, both[0], prior=prior).fitter.params_.loc["lambda", "estimate"]
    assert abs(single - a.loc[both[0], "lambda"]) < 1e-9


def _pinned_graph() -> LineageGraph:
    """old/base saturated long ago (40 derivatives); young/base is 3 months old and growing
    fast (its ultimate is bounded only by the cap); mid/base in between."""
    rows, edges = (
        [("old/base", "2022-01-10"), ("young/base", "2024-04-02"), ("mid/base", "2023-01-05")],
        [],
    )
    k = 0

    def add(parent: str, months: list[str], counts: list[int]) -> None:
        nonlocal k
        for month, n in zip(months, counts, strict=True):
            for _ in range(n):
                rows.append((f"d/{k}", f"{month}-15"))
                edges.append((f"d/{k}", parent))
                k += 1

    add("old/base", [f"2022-{m:02d}" for m in range(1, 13)], [12, 10, 7, 5, 3, 2, 1, 0, 0, 0, 0, 0])
    add("young/base", ["2024-04", "2024-05", "2024-06"], [2, 9, 30])
    add(
        "mid/base",
        [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-0{m}" for m in range(1, 7)],
        [2, 3, 4, 4, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1],
    )
    models = pd.DataFrame(rows, columns=["id", "created_at"])
    return LineageGraph.from_frames(
        models, pd.DataFrame(edges, columns=["child", "parent"]), "2024-06-30T23:59:59Z"
    )


@pytest.mark.parametrize("by", ["fitness", "ultimate", "growth-12m"])
def test_pinned_fits_never_lead(by):
    graph = _pinned_graph()
    table = rank_models(graph, min_derivatives=10, by=by, top=None)
    assert list(table.columns)[: len(RANK_TABLE)] == RANK_TABLE
    assert list(table.columns) == RANK_TABLE + RANK_EXTRA
    pinned = table.set_index("model")["pinned"]
    assert pinned["young/base"] and not pinned["old/base"]
    young = fit_model(graph, "young/base").fitter
    assert young.pinned_ and young.status_ == "not-yet-saturating"
    assert young.ultimate_ == pytest.approx(200 * 41, rel=1e-6)  # at the cap
    assert table["pinned"].is_monotonic_increasing and table["model"].iloc[-1] == "young/base"
    key = {"fitness": "lambda_lower", "ultimate": "ultimate_lower", "growth-12m": "growth_12m"}[by]
    free = table[~table["pinned"]]
    assert free[key].is_monotonic_decreasing and list(free["rank"]) == [1, 2]


def test_empty_ranking_says_why_in_one_line(snapshot):
    graph = LineageGraph.from_db(snapshot)
    table = rank_models(graph, min_derivatives=10_000)
    assert table.empty and list(table.columns) == RANK_TABLE + RANK_EXTRA
    reason = table.attrs["empty_reason"]
    assert reason.startswith("no model has 10000+ derivatives in scope transitive")
    assert graph.last_complete_month in reason and "\n" not in reason
    result = run("rank", "--db", snapshot, "--min-derivatives", "10000")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == reason and "Empty DataFrame" not in result.output
    assert "fitting" not in result.stderr


def test_rank_progress_counts_with_an_eta_and_runs_on_any_executor():
    models, edges, _ = simulate_frames(4_000, seed=1)
    graph = LineageGraph.from_frames(models, edges, "2026-10-31T23:59:59Z")
    calls = []
    with ThreadPoolExecutor(2) as pool:
        table = rank_models(
            graph, min_derivatives=5, top=None, progress=calls.append, executor=pool
        )
    serial = rank_models(graph, min_derivatives=5, top=None, n_jobs=1)
    pd.testing.assert_frame_equal(table, serial)
    fitting = [c for c in calls if c.stage == "fit"]
    total = fitting[-1].total
    assert (fitting[-1].done, total) == (total, total) and total >= len(table)
    assert any(re.search(r"\(ETA [\d,]+ s\)$", c.message) for c in fitting[:-1])
    assert [c.done for c in fitting] == sorted(c.done for c in fitting)


def test_fit_models_matches_fit_model_for_each_model_and_says_what_it_fitted():
    graph = _pinned_graph()
    many = fit_models(graph, ["old/base", "mid/base"], scope="direct", n_jobs=1)
    for model in ("old/base", "mid/base"):
        one = fit_model(graph, model, scope="direct").fitter
        row = many.set_index("model").loc[model]
        assert row["lambda"] == one.params_.loc["lambda", "estimate"]
        assert row["growth_12m"] == one.predict([one.age_[-1] + 12])["median"].iloc[0] - one.c_last_
    assert many.attrs["label"] == (
        "direct derivatives, relations: all, weak prior, hub calibration"
    )


def test_many_models_take_the_same_complete_months_as_one():
    """Above 200 models growth_curves counts the whole graph at once: same months, same
    curves as one model at a time, the running month left out (or marked) alike."""
    models, edges, _ = simulate_frames(3_000, seed=2)
    graph = LineageGraph.from_frames(models, edges, "2026-10-15T12:00:00Z")
    assert graph.last_complete_month == "2026-09"
    wanted = graph.descendant_counts().sort_values(kind="stable").index[-250:].tolist()
    released = graph.release_months[wanted]
    for running in (False, True):
        many = graph.growth_curves(wanted, running_month=running)
        # a model released in the running month has no complete month yet
        listed = [m for m in wanted if running or released[m] <= "2026-09"]
        assert many["model"].unique().tolist() == listed and len(listed) > 50
        for model in wanted[-3:] + wanted[:2]:
            one = graph.growth_curve(model, running_month=running)
            rows = many[many["model"] == model].reset_index(drop=True)
            pd.testing.assert_frame_equal(rows[one.columns], one, check_dtype=False)
        assert (many["month"] == "2026-10").any() == running
        assert many.loc[many["month"] == "2026-10", "complete"].eq(False).all()
