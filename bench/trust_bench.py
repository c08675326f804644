"""How far the growth layer's defaults can be trusted (issue 12 sections 1, 2 and 4).

Usage: python bench/trust_bench.py [--real PATH] [--jobs N] [--limit N] [--models N]

Prints, in one run:

1. Library defaults on the real series of Bhandari et al. (2025) (``finetune/*.csv``):
   ``WSBFitter()`` exactly as a library user gets it, fitted on months 0..k and forecasting
   k+1..k+6 from rolling origins k = 6, 12, 18, 24 (:func:`growth.backtest.backtest`), against
   the raw model (``calibration=None``) and naive linear extrapolation: coverage of the 80%
   interval on held-out months and the median absolute percentage error at 6 months
   (:func:`growth.backtest.score`, every (series, origin) pooled; ``n`` counts them), and how
   many forecasts fall outside their own band. Nothing here is learned from these series
   (the shipped calibration was learned on them earlier, so its numbers are in-sample).
2. A simulated Hub (``simulate_frames(N, seed=0)``, the demo's generator): the 120 models
   with the most transitive derivatives, each fitted on its complete months and forecast
   12 months ahead, with the default, the Hub calibration and the raw model: how many
   series have a point forecast outside its own 80% band.
3. Rankings on the same Hub: lambda of every model ranked by both
   ``rank_models(min_derivatives=5)`` and ``(min_derivatives=20)``: how many differ by more
   than 2% (and the largest relative difference).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from growth_bench import read_series  # noqa: E402

from growth.backtest import NaiveLinear, WSBForecaster, backtest, score  # noqa: E402
from growth.fit import WSBFitter  # noqa: E402
from growth.prior import HUB_CALIBRATION  # noqa: E402
from lineage.graph import LineageGraph  # noqa: E402
from lineage.ranking import rank_models  # noqa: E402
from lineage.sim.simulate import simulate_frames  # noqa: E402

ORIGINS = (6, 12, 18, 24)


def _point(pred: pd.DataFrame) -> pd.Series:
    """The point forecast column (``median``; ``mean`` before issue 12)."""
    return pred["median"] if "median" in pred else pred["mean"]


def _chunk(args):
    chunk, forecasters = args
    return backtest(chunk, forecasters, origins=ORIGINS, horizon=6)


def real_defaults(path: Path, jobs: int, limit: int) -> pd.DataFrame:
    series = [s for s in read_series(path) if s[1].size >= ORIGINS[0] + 7]
    if limit:
        series = series[:limit]
    forecasters = {
        "library-default": WSBForecaster(),
        "calibration=None": WSBForecaster(kwargs={"calibration": None}),
        "calibration=HUB": WSBForecaster(kwargs={"calibration": HUB_CALIBRATION}),
        "naive-linear": NaiveLinear(3),
    }
    tasks = [(series[i : i + 40], forecasters) for i in range(0, len(series), 40)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        rows = pd.concat(pool.map(_chunk, tasks), ignore_index=True)
    print(
        f"{len(series)} real series, origins {ORIGINS}, backtested in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    pooled = rows.assign(series=rows["series"] + "@" + rows["origin"].astype(str), origin=0)
    tab = score(pooled).drop(columns="origin")
    outside = (rows["mean"] < rows["lower"] - 1e-9) | (rows["mean"] > rows["upper"] + 1e-9)
    counts = (
        rows.assign(outside=outside)
        .groupby("forecaster")["outside"]
        .agg(point_outside_band="sum", forecasts="size")
    )
    return tab.merge(counts, left_on="forecaster", right_index=True, how="left")


def _graph(n_models: int):
    models, edges, _ = simulate_frames(n_models, seed=0, end="2026-10-31T23:59:59Z")
    return LineageGraph.from_frames(models, edges, "2026-10-31T23:59:59Z")


def demo_bands(graph) -> pd.DataFrame:
    top = graph.descendant_counts("transitive").nlargest(120).index.tolist()
    curves = graph.growth_curves(top, scope="transitive")
    curves = curves[curves["month"] <= graph.last_complete_month]
    variants = {
        "library-default": {},
        "calibration=HUB": {"calibration": HUB_CALIBRATION},
        "calibration=None": {"calibration": None},
    }
    out = []
    for name, kwargs in variants.items():
        bad = edge = 0
        for _, g in curves.groupby("model"):
            f = WSBFitter(**kwargs).fit(g["age_months"], g["cumulative"])
            last = float(f.age_[-1])
            pred = f.predict(np.arange(last + 1, last + 13))
            p = _point(pred)
            bad += bool(((p < pred["lower"] - 1e-9) | (p > pred["upper"] + 1e-9)).any())
            edge += bool(((p >= pred["upper"] - 1e-9) & (pred["upper"] > pred["lower"])).any())
        out.append(
            {
                "fitter": name,
                "series": len(top),
                "point_outside_band": bad,
                "point_at_upper_end": edge,
            }
        )
    return pd.DataFrame(out)


def rank_stability(graph) -> pd.DataFrame:
    a = rank_models(graph, min_derivatives=5, top=None).set_index("model")["lambda"]
    b = rank_models(graph, min_derivatives=20, top=None).set_index("model")["lambda"]
    both = a.index.intersection(b.index)
    rel = (a[both] - b[both]).abs() / b[both].abs()
    return pd.DataFrame(
        [
            {
                "models_in_both": len(both),
                "changed_over_2pct": int((rel > 0.02).sum()),
                "max_rel_diff": float(rel.max()) if len(rel) else np.nan,
            }
        ]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--real",
        type=Path,
        default=Path("/work/shared/data/bhandari2025"),
        help="the bhandari2025 data directory",
    )
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N real series")
    ap.add_argument("--models", type=int, default=30_000, help="size of the simulated Hub")
    ap.add_argument("--skip-real", action="store_true")
    args = ap.parse_args(argv)
    fmt = {"index": False, "float_format": lambda v: f"{v:.3f}"}
    if not args.skip_real and (args.real / "finetune").is_dir():
        print("== 1. Library defaults on real series (6-month forecasts) ==")
        print(real_defaults(args.real, args.jobs, args.limit).to_string(**fmt))
    graph = _graph(args.models)
    print(
        f"\n== 2. Point forecasts outside their 80% band, top 120 of a simulated Hub "
        f"({args.models:,} models) =="
    )
    print(demo_bands(graph).to_string(**fmt))
    print("\n== 3. lambda between rank --min-derivatives 5 and 20 ==")
    t0 = time.perf_counter()
    print(rank_stability(graph).to_string(**fmt))
    print(f"(two rankings in {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
