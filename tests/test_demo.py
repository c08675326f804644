"""The offline demo end to end: simulate, serve, crawl, count, fit, rank, draw."""

import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from lineage.demo import run_demo, truth_summary
from lineage.graph import LineageGraph
from lineage.hub.crawl import CrawlProgress
from lineage.sim.simulate import simulate_frames

CURVE_COLUMNS = ["model", "scope", "month", "age_months", "count", "cumulative", "complete"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    records = []  # one progress protocol: the demo's steps and its crawl's pages
    result = run_demo(
        out,
        n_models=4_000,
        seed=5,
        n_families=3,
        end="2026-10-31T23:59:59Z",
        progress=records.append,
    )
    return result, records


def test_writes_every_output(demo_run):
    result, records = demo_run
    steps = [p.stage for p in records if not isinstance(p, CrawlProgress)]
    assert steps == ["simulate", "crawl", "commit", "count", "fit", "write"]
    crawled = [p for p in records if isinstance(p, CrawlProgress)]
    assert crawled[-1].finished and crawled[-1].models == 4_000
    assert not any(p.finished for p in crawled[:-1])
    names = sorted(p.name for p in result.files)
    assert names == [
        "curves.csv",
        "families.png",
        "fits.csv",
        "hub.db",
        "lineage.html",
        "rank.csv",
        "truth.csv",
    ]
    assert all(p.stat().st_size > 0 for p in result.files)


def test_snapshot_holds_the_simulated_hub(demo_run):
    result, _ = demo_run
    models, edges, _ = simulate_frames(4_000, seed=5)
    graph = LineageGraph.from_db(result.out / "hub.db")
    listed = graph.models[~graph.models["missing"]]
    assert len(listed) == 4_000
    assert set(listed["id"]) == set(models["id"])
    # Stale (deleted) references become missing nodes; the rest are the generator's edges.
    resolved = graph.edges[
        ~graph.edges["parent"].isin(graph.models.loc[graph.models["missing"], "id"])
    ]
    expected = {(c, p) for c, p in zip(edges["child"], edges["parent"], strict=True)}
    got = set(zip(resolved["child"], resolved["parent"], strict=True))
    assert got <= expected and len(got) >= 0.97 * len(expected)


def test_curves_fits_and_rank_are_consistent(demo_run):
    result, _ = demo_run
    curves = pd.read_csv(result.out / "curves.csv")
    assert list(curves.columns) == CURVE_COLUMNS
    assert set(curves["scope"]) == {"direct", "transitive"}
    # Curves end in the simulated Hub's last (complete) month.
    assert curves["month"].max() == result.snapshot_time.strftime("%Y-%m")
    last = curves.groupby(["model", "scope"])["cumulative"].last().unstack()
    assert (last["transitive"] >= last["direct"]).all()
    fits = pd.read_csv(result.out / "fits.csv")
    assert set(fits["model"]) == set(curves["model"])
    assert fits["status"].isin(["ok", "not-yet-saturating", "too-short", "no-growth"]).all()
    rank = pd.read_csv(result.out / "rank.csv")
    assert list(rank["rank"]) == list(range(1, len(rank) + 1))
    # fits pinned at a bound come after the others; each group by the lower end of lambda
    assert rank["pinned"].is_monotonic_increasing
    for _, group in rank.groupby("pinned"):
        assert group["lambda_lower"].is_monotonic_decreasing
    assert (rank["derivatives"] >= 10).all()
    # the same model has the same fit in fits.csv and rank.csv
    both = rank.merge(fits[fits["scope"] == "transitive"], on="model", suffixes=("", "_fits"))
    assert len(both) > 0
    assert (both["lambda"] - both["lambda_fits"]).abs().max() < 1e-9


def test_fits_recover_the_generators_parameters(demo_run):
    result, _ = demo_run
    truth = result.truth
    assert len(truth) >= 3 and (truth["status"] != "no-growth").all()
    summary = truth_summary(truth).set_index("parameter")
    assert summary.loc["lambda", "median_abs_error"] < 0.35
    assert summary.loc["mu", "median_abs_error"] < 0.5
    assert summary.loc["sigma", "median_abs_error"] < 0.35


def test_plot_and_page_are_real(demo_run):
    result, _ = demo_run
    image = matplotlib.image.imread(result.out / "families.png")
    assert image.shape[0] > 600 and image.shape[1] > 600
    assert image[..., :3].std() > 0.05  # not a blank canvas
    html = (result.out / "lineage.html").read_text()
    assert result.families[0] in html
    assert '<script src="http' not in html  # self-contained


def test_cli_demo_prints_what_it_wrote(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "demo", "--models", "2000", "--seed", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Fitted vs true WSB parameters" in proc.stdout
    assert str(out / "lineage.html") in proc.stdout
    assert "crawl" in proc.stderr and "fit" in proc.stderr  # progress on stderr


def test_cli_demo_refuses_a_file_as_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "demo", "--out", str(blocker)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert blocker.read_text() == "keep me"


def test_readme_quickstart_runs_on_the_demo_snapshot(demo_run, tmp_path, monkeypatch):
    result, _ = demo_run
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = readme.split("## Library quickstart")[1].split("```python")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo-out").symlink_to(result.out)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "family.html").stat().st_size > 10_000
