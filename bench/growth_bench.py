"""Benchmark the growth fitter on real Hub series (Bhandari et al. 2025) against the paper's
fitter and naive linear extrapolation.

Usage: python bench/growth_bench.py [PATH] [--ablation] [--jobs N] [--paper-sample N]
  PATH defaults to ../shared/data/bhandari2025 (reads finetune/*.csv).

Reports, in one run: fit success and in-sample error on the full series, fits per second,
and a backtest (fit on the first k = 6 and 12 months, forecast the next 6) with the median
absolute percentage error of the last forecast month, the share of series beating naive
linear extrapolation, and the coverage of 80% intervals on held-out months, on all series
and on active ones (at least 10 derivatives at the origin).

Honesty: anything learned from the data (the empirical-Bayes prior from full-series fits,
the forecast calibration from a backtest) is learned on one half of the series (split by a
hash of the model id) and scored on the other half, both ways.

The paper's fitter takes 5-25 s on each series where it fails or walks its ridge, so it
runs on a fixed pseudo-random sample of 400 series with at least one derivative
(``--paper-sample 0`` for all: hours); the last table compares everyone on those series.
A full run takes about 13 minutes on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from growth.backtest import (  # noqa: E402
    NaiveLinear,
    PaperForecaster,
    WSBForecaster,
    backtest,
    learn_calibration,
    paper_fit,
    paper_model,
    score,
)
from growth.fit import WSBFitter, fit_many  # noqa: E402
from growth.prior import learn_prior  # noqa: E402

TIME_OFFSET = 0.0  # the data's month 0 is the count at release (always 0): t = age


def read_series(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(model, age_months, cumulative) per base model, from finetune/*.csv."""
    seen, out = set(), []
    for f in sorted((path / "finetune").glob("*.csv")):
        df = pd.read_csv(f)
        cols = [c for c in df.columns if c.endswith("-month")]
        for _, row in df.iterrows():
            if row["model"] in seen:
                continue
            seen.add(row["model"])
            vals = row[cols].to_numpy(dtype=float)
            vals = vals[: np.flatnonzero(np.isfinite(vals))[-1] + 1] if np.isfinite(vals).any() \
                else vals[:0]
            out.append((row["model"], np.arange(vals.size, dtype=float), vals))
    return out


def fold_of(name: str) -> int:
    return zlib.crc32(name.encode()) % 2


def _paper_chunk(chunk):
    out = []
    for name, age, cum in chunk:
        p, ok = paper_fit(age, cum)
        fitted = paper_model(age, *p) if ok else np.full(age.size, np.nan)
        out.append((name, ok, *p, fitted))
    return out


def _chunks(items, n):
    return [items[i:i + n] for i in range(0, len(items), n)]


def _backtest_chunk(args):
    chunk, forecasters = args
    return backtest(chunk, forecasters, origins=(6, 12), horizon=6)


def run_parallel(fn, tasks, jobs):
    if jobs == 1:
        return [fn(t) for t in tasks]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(fn, tasks))


def rel_mae(fitted, cum):
    return float(np.mean(np.abs(fitted - cum)) / max(cum[-1], 1.0))


def paper_sample(series, n: int) -> set[str]:
    """A fixed pseudo-random subset of ``n`` series with at least one derivative for the
    (slow) paper fitter; 0 = all series."""
    if n <= 0:
        return {name for name, *_ in series}
    names = [name for name, _, c in series if c.size and c[-1] > 0]
    if n >= len(names):
        return set(names)
    return set(sorted(names, key=lambda m: zlib.crc32(f"paper:{m}".encode()))[:n])


def _frame(series):
    return pd.concat([pd.DataFrame({"model": n, "scope": "direct", "age_months": a,
                                    "cumulative": c}) for n, a, c in series if a.size])


def in_sample(series, sample: set[str], jobs):
    """Full-series fits: ours (fit_many, all series) and the paper's (the sample); success,
    in-sample error and speed (both timed on the sample)."""
    ours = fit_many(_frame(series), time_offset=TIME_OFFSET, n_jobs=jobs)
    sub = [s for s in series if s[0] in sample]
    t0 = time.perf_counter()
    fit_many(_frame(sub), time_offset=TIME_OFFSET, n_jobs=jobs)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    paper = [r for part in run_parallel(_paper_chunk, _chunks(sub, 5), jobs) for r in part]
    t_paper = time.perf_counter() - t0
    by_name = {n: (a, c) for n, a, c in series}
    errs_ours, errs_paper = [], []
    for name, ok, *_, fitted in paper:
        a, c = by_name[name]
        if c.size and c[-1] >= 10:
            errs_paper.append(rel_mae(fitted, c) if ok else np.nan)
            f = WSBFitter(time_offset=TIME_OFFSET).fit(a, c)
            errs_ours.append(rel_mae(f.predict(a)["median"].to_numpy(), c))
    finite = ours[["lambda", "mu", "sigma"]].notna().all(axis=1) | (ours["status"] == "no-growth")
    paper_ok = np.array([r[1] for r in paper])
    paper_p = np.array([r[2:5] for r in paper], dtype=float)
    stuck = paper_ok & (np.isclose(paper_p, [0.5, 2.0, 0.5]).all(axis=1)
                        | (paper_p[:, 1] < 1e-6) | (paper_p[:, 0] > 1e3))
    rows = [
        {"fitter": "ours (WSB, NB)", "series": len(ours), "finite_fit": int(finite.sum()),
         "failures": int((~finite).sum()), "stuck_or_absurd": np.nan,
         "rel_mae_active": np.nanmedian(errs_ours), "fits_per_s": len(sub) / t_ours},
        {"fitter": "paper (curve_fit)", "series": len(paper), "finite_fit": int(paper_ok.sum()),
         "failures": int((~paper_ok).sum()), "stuck_or_absurd": int(stuck.sum()),
         "rel_mae_active": np.nanmedian(errs_paper), "fits_per_s": len(paper) / t_paper},
    ]
    return pd.DataFrame(rows), ours


def fold_rows(train_series, test_series, train_fits, sample, args) -> pd.DataFrame:
    """Learn the prior and the calibration on the training half, backtest the test half."""
    kwargs = {"time_offset": TIME_OFFSET, "calibration": None}  # raw: calibration is learned
    if args.prior == "empirical":
        kwargs["prior"] = learn_prior(train_fits)
    raw = {"ours": WSBForecaster(kwargs=kwargs), "naive-linear": NaiveLinear(3)}
    train_rows = pd.concat(run_parallel(_backtest_chunk, [(c, raw) for c in
                                                          _chunks(train_series, 40)], args.jobs))
    cal = learn_calibration(train_rows)
    fcs = {"ours": WSBForecaster(kwargs=kwargs | {"calibration": cal}),
           "ours-uncalibrated": raw["ours"], "naive-linear": NaiveLinear(3),
           "naive-last": NaiveLinear(1)}
    if args.ablation:
        weak = args.prior == "empirical"
        other = "weak" if weak else learn_prior(train_fits)
        name = "ours-weak-prior" if weak else "ours-empirical-prior"
        fcs[name] = WSBForecaster(kwargs=kwargs | {"prior": other, "calibration": cal})
        fcs["ours-poisson"] = WSBForecaster(kwargs=kwargs | {"likelihood": "poisson",
                                                             "calibration": cal})
    rows = run_parallel(_backtest_chunk, [(c, fcs) for c in _chunks(test_series, 40)], args.jobs)
    paper_test = [s for s in test_series if s[0] in sample]
    if paper_test and not args.no_paper:
        rows += run_parallel(_backtest_chunk, [(c, {"paper": PaperForecaster()})
                                               for c in _chunks(paper_test, 5)], args.jobs)
    return pd.concat(rows, ignore_index=True), cal


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(Path(__file__).resolve().parents[2]
                                                    / "shared/data/bhandari2025"))
    ap.add_argument("--ablation", action="store_true", help="also score variants of ours")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N series")
    ap.add_argument("--prior", choices=["weak", "empirical"], default="empirical",
                    help="prior of the headline fitter (the other one is an ablation)")
    ap.add_argument("--skip-in-sample", action="store_true", help="backtest only")
    ap.add_argument("--no-paper", action="store_true", help="leave the slow paper fitter out")
    ap.add_argument("--rows", type=Path, default=None,
                    help="also write every backtest row (series, origin, forecaster, h, actual, "
                         "mean, lower, upper) to this CSV")
    ap.add_argument("--paper-sample", type=int, default=400,
                    help="series the paper fitter runs on (its failed fits take ~10 s each); "
                         "0 = all")
    args = ap.parse_args(argv)
    path = Path(args.path)
    if not (path / "finetune").is_dir():
        print(f"no finetune/ under {path}: pass the bhandari2025 data directory", file=sys.stderr)
        return 2
    series = read_series(path)
    if args.limit:
        series = series[: args.limit]
    print(f"{len(series)} series from {path}")
    sample = paper_sample(series, args.paper_sample)
    if args.skip_in_sample:
        ours = fit_many(_frame(series), time_offset=TIME_OFFSET, n_jobs=args.jobs)
    else:
        fits_tab, ours = in_sample(series, sample, args.jobs)
        print("\n== Full-series fits ==")
        print(fits_tab.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print("our statuses:", ours["status"].value_counts().to_dict())

    rows = []
    long_enough = [s for s in series if s[1].size >= 13]
    for fold in (0, 1):
        train_fits = ours[[fold_of(m) != fold for m in ours["model"]]]
        train = [s for s in long_enough if fold_of(s[0]) != fold]
        test = [s for s in long_enough if fold_of(s[0]) == fold]
        t0 = time.perf_counter()
        fold_r, cal = fold_rows(train, test, train_fits, sample, args)
        rows.append(fold_r)
        print(f"fold {fold}: {len(test)} series backtested in {time.perf_counter() - t0:.0f} s; "
              f"calibration learned on the other half: blend {cal.blend:.1f}, widen "
              + ", ".join(f"{'A' if a else 's'}{'y' if y else 'o'}{h}:{q:+.2f}"
                         for (a, y, h), q in cal.widen))
    rows = pd.concat(rows, ignore_index=True)
    if args.rows:
        rows.to_csv(args.rows, index=False)
    every = learn_calibration(rows, forecaster="ours-uncalibrated")
    print(f"\ncalibration learned on every backtested series (growth.prior.HUB_CALIBRATION):\n"
          f"blend={every.blend!r}, widen={every.widen!r}")
    tab = score(rows)
    print("\n== Backtest: fit on months 0..k, forecast k+1..k+6 (2-fold cross-fitted prior) ==")
    fmt = {"float_format": lambda v: f"{v:.3f}", "index": False}
    print(tab.sort_values(["subset", "origin", "forecaster"]).to_string(**fmt))
    if not args.no_paper:
        same = rows[rows["series"].isin(set(rows.loc[rows["forecaster"] == "paper", "series"]))]
        print(f"\n== Same backtest on the paper fitter's {same['series'].nunique()} series ==")
        tab = score(same)
        print(tab.sort_values(["subset", "origin", "forecaster"]).to_string(**fmt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
