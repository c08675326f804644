"""Every script in examples/ runs as documented (small sizes) and says what it should."""

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from lineage.hub.store import Store
from lineage.sim.hubserver import LocalHub
from lineage.sim.simulate import simulate_hub

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bhandari2025"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=120
    )


def test_every_example_is_tested():
    tested = {"network_science.py", "fit_growth.py", "reproduce_paper.py", "crawl_hub.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_network_science_session_agrees_with_igraph():
    proc = run("network_science.py", "--models", "3000", "--seed", "2")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("3,000 models")
    ours, igraph = re.search(
        r": ([\d,]+) transitive derivatives \(igraph subcomponent: "
        r"([\d,]+)\)",
        out,
    ).groups()
    assert ours == igraph and int(ours.replace(",", "")) > 10
    for heading in (
        "Largest families",
        "Depth",
        "Out-degree",
        "Relations",
        "Organisations",
        "a year ago",
    ):
        assert heading in out
    assert re.search(r"Export round trip: 3,0\d\d nodes .* unchanged: True", out)
    relations = out.split("Relations:")[1]
    assert {"adapter", "finetune", "quantized", "merge"} <= set(relations.split())


def test_fit_growth_on_the_builtin_series_and_a_users_csv(tmp_path):
    png = tmp_path / "fit.png"
    proc = run("fit_growth.py", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "status: ok" in proc.stdout
    assert matplotlib.image.imread(png).shape[0] > 200
    # The built-in series is WSB(lambda=2, mu=1.5, sigma=0.8): the fit finds it.
    lam = float(re.search(r"^lambda\s+([\d.]+)", proc.stdout, re.M).group(1))
    assert abs(lam - 2.0) < 0.4
    # A user's CSV: an S-shaped series.
    series = tmp_path / "mine.csv"
    pd.DataFrame(
        {"age_months": range(10), "cumulative": [0, 1, 3, 8, 15, 22, 27, 30, 31, 32]}
    ).to_csv(series, index=False)
    proc = run("fit_growth.py", "--csv", str(series), "--horizon", "3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("10 months, 32 in all")
    assert "Forecast, next 3 months" in proc.stdout


@pytest.mark.skipif(not (REAL / "finetune").is_dir(), reason="needs ../shared/data/bhandari2025")
def test_reproduce_paper_on_the_real_series():
    proc = run("reproduce_paper.py", str(REAL), "--top", "3")
    assert proc.returncode == 0, proc.stderr
    reproduced = int(re.search(r"t in years\): (\d+) of 3", proc.stdout).group(1))
    assert reproduced >= 2
    assert "finite parameters: 3 of 3" in proc.stdout
    assert "google/gemma-2b" in proc.stdout


def test_reproduce_paper_without_data_says_what_to_pass(tmp_path):
    proc = run("reproduce_paper.py", str(tmp_path))
    assert proc.returncode == 2
    assert "pass the bhandari2025 data folder" in proc.stderr


def test_crawl_example_full_then_incremental(tmp_path):
    hub = simulate_hub(2_400, seed=4)
    db = tmp_path / "hub.db"
    with LocalHub(hub.models[:2_000]) as server:
        first = run("crawl_hub.py", "--db", str(db), "--endpoint", server.endpoint)
        assert first.returncode == 0, first.stderr
        assert "full crawl finished: 2,000 models" in first.stdout
        server.models = hub.models  # 400 models published since
        second = run("crawl_hub.py", "--db", str(db), "--endpoint", server.endpoint)
    assert second.returncode == 0, second.stderr
    assert "incremental crawl finished" in second.stdout
    assert "2,400 models" in second.stdout
    with Store(db, readonly=True) as store:
        assert store.info()["models"] == 2_400
    assert "Most derived-from models" in second.stdout
