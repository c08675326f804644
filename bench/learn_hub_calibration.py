"""Learn the Hub forecast calibration (``growth/data/hub_calibration.json``) from the real series
of Bhandari et al. (2025), for the library's default fitter, and measure it cross-fitted.

Usage: python bench/learn_hub_calibration.py [PATH] [--jobs N] [--write]

The raw forecaster is ``WSBFitter(calibration=None)`` with every other setting at its library
default (weak prior, ``time_offset=1``, NB likelihood): the fitter the calibration is applied
to by default. Backtests fit months 0..k and forecast k+1..k+6 from origins k = 6, 12, 18, 24
on every series that reaches k + 6 months (:func:`growth.backtest.backtest`).

Prints, in one run: the calibration learned on each half of the series (split by a hash of
the id) scored on the other half, pooled over both halves (coverage of 80% bands on
held-out months, median APE at 6 months, share beating naive linear: nothing scored was
learned from); and the calibration learned on every series, which ``--write`` stores as the
shipped ``growth.prior.HUB_CALIBRATION``. A run takes about 4 minutes on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from growth_bench import read_series  # noqa: E402

from growth.backtest import NaiveLinear, WSBForecaster, backtest, learn_calibration, score  # noqa: E402
from growth.prior import HUB_CALIBRATION_FILE, ForecastCalibration  # noqa: E402

ORIGINS = (6, 12, 18, 24)
ABOUT = (
    "Forecast corrections for Hub derivative counts (growth.prior.HUB_CALIBRATION), learned by "
    "bench/learn_hub_calibration.py from backtests (origins 6, 12, 18, 24 months; 6-month "
    "horizon) of the library's default fitter, WSBFitter(calibration=None), on every real "
    "fine-tune series of Bhandari et al. (2025) long enough. blend: weight of the linear "
    "trend of the last three months in the point forecast (the predictive median); widen: "
    "the conformal correction q of the 80% band on the log(1 + growth) scale, by whether the "
    "series has active_min derivatives at the origin (active), whether it is at most "
    "young_months old there (young), and the horizon in months."
)


def _chunk(args):
    chunk, forecasters = args
    return backtest(chunk, forecasters, origins=ORIGINS, horizon=6)


def run_backtest(series, forecasters, jobs: int) -> pd.DataFrame:
    tasks = [(series[i : i + 30], forecasters) for i in range(0, len(series), 30)]
    with ProcessPoolExecutor(jobs) as pool:
        return pd.concat(pool.map(_chunk, tasks), ignore_index=True)


def pooled_score(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`score` over every (series, origin) at once."""
    pooled = rows.assign(series=rows["series"] + "@" + rows["origin"].astype(str), origin=0)
    return score(pooled).drop(columns="origin")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default="/work/shared/data/bhandari2025")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--write",
        action="store_true",
        help="store the calibration learned on every series as growth/data/hub_calibration.json",
    )
    args = ap.parse_args(argv)
    path = Path(args.path)
    if not (path / "finetune").is_dir():
        print(f"no finetune/ under {path}: pass the bhandari2025 data directory", file=sys.stderr)
        return 2
    series = [s for s in read_series(path) if s[1].size >= ORIGINS[0] + 7]
    t0 = time.perf_counter()
    raw = run_backtest(
        series,
        {"ours": WSBForecaster(kwargs={"calibration": None}), "naive-linear": NaiveLinear(3)},
        args.jobs,
    )
    print(
        f"{len(series)} series, origins {ORIGINS}: raw backtest in {time.perf_counter() - t0:.0f} s"
    )
    fold = raw["series"].map(lambda s: zlib.crc32(s.encode()) % 2)
    scored = []
    for k in (0, 1):
        cal = learn_calibration(raw[fold != k])
        test = [s for s in series if zlib.crc32(s[0].encode()) % 2 == k]
        rows = run_backtest(
            test, {"calibrated": WSBForecaster(kwargs={"calibration": cal})}, args.jobs
        )
        held_out = raw[fold == k].replace({"forecaster": {"ours": "raw"}})
        scored.append(pd.concat([rows, held_out], ignore_index=True))
        print(f"fold {k}: blend {cal.blend:.1f}, learned on {int((fold != k).sum())} rows")
    cross = pd.concat(scored, ignore_index=True)
    fmt = {"index": False, "float_format": lambda v: f"{v:.3f}"}
    print("\n== Held-out halves (calibration learned on the other half) ==")
    print(pooled_score(cross).to_string(**fmt))
    every = learn_calibration(raw)
    print(f"\nlearned on every series: blend={every.blend!r}, widen={every.widen!r}")
    if args.write:
        HUB_CALIBRATION_FILE.write_text(every.to_json(ABOUT), encoding="utf-8")
        assert ForecastCalibration.from_json(HUB_CALIBRATION_FILE.read_text()) == every
        print(f"wrote {HUB_CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
