"""Benchmark the growth fitter on real Hub series (Bhandari et al. 2025) against the paper's
fitter and naive linear extrapolation.

Usage: python bench/growth_bench.py [PATH] [--ablation] [--jobs N] [--paper-sample N]
  PATH defaults to ../shared/data/bhandari2025 (reads finetune/*.csv).

Reports, in one run: fit success and in-sample error on the full series, fits per second,
a speed table (CPU ms per fit: the fitter now, the fitter before issue 16 kept here as
``LegacyWSBFitter``, the paper's curve_fit; and how far apart the old and new optima are),
and a backtest (fit on the first k = 6 and 12 months, forecast the next 6) with the median
absolute percentage error of the last forecast month, the share of series beating naive
linear extrapolation, the coverage of 80% intervals on held-out months and their mean
interval score on the log(1 + count) scale, on all series and on active ones (at least 10
derivatives at the origin).

Forecasters: ``paper`` (Bhandari et al.'s fitter), ``naive-linear`` (last three months
extrapolated) and ``naive-linear-eq`` (the same with intervals from the empirical quantiles
of its errors on the training half), ``ours`` (WSBFitter, empirical prior and calibration
learned on the training half), ``wsb-hub-calibration`` (the library default ``WSBFitter()``,
whose shipped HUB_CALIBRATION was learned on all these series: IN-SAMPLE),
``wsb-default-xfit`` (the same fitter with a calibration learned exactly as the shipped one
is, by :func:`growth.backtest.learn_calibration` on raw backtests from origins 6, 12, 18, 24,
but on the training half only: its cross-fitted counterpart), and ``pooled``
(:class:`growth.pooled.PooledForecaster`, learned on the training half; organisation =
the data's ``company``; release-history features from every series, each cut at the
forecast origin's calendar month).

Honesty: anything learned from the data (the empirical-Bayes prior from full-series fits,
the forecast calibration from a backtest) is learned on one half of the series (split by a
hash of the model id) and scored on the other half, both ways. The tables' ``learned``
column says, per forecaster, whether what it learned is cross-fitted or in-sample. The
band table counts forecasts whose point lies outside its own interval (lower <= point <=
upper must hold on every row).

The paper's fitter takes 5-25 s on each series where it fails or walks its ridge, so it
runs on a fixed pseudo-random sample of 400 series with at least one derivative
(``--paper-sample 0`` for all: hours); the last tables compare everyone on those series,
counting the paper's failed fits as infinite errors, then only where its fit succeeded.
A full run takes about 8 minutes on two cores (most of it the paper fitter).
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
from scipy import optimize, special

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
from growth.models import WSB  # noqa: E402
from growth.pooled import PooledForecaster  # noqa: E402
from growth.prior import HUB_CALIBRATION, learn_prior  # noqa: E402

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
            vals = (
                vals[: np.flatnonzero(np.isfinite(vals))[-1] + 1]
                if np.isfinite(vals).any()
                else vals[:0]
            )
            out.append((row["model"], np.arange(vals.size, dtype=float), vals))
    return out


def read_meta(path: Path) -> pd.DataFrame:
    """model -> organisation (the data's ``company``) and release month (YYYY-MM)."""
    parts = [
        pd.read_csv(f, usecols=["model", "company", "created_at"])
        for f in sorted((path / "finetune").glob("*.csv"))
    ]
    meta = pd.concat(parts).drop_duplicates("model").set_index("model")
    created = pd.to_datetime(meta["created_at"], utc=True)
    return pd.DataFrame(
        {
            "organisation": meta["company"].astype(str),
            "release": created.dt.year * 12 + created.dt.month - 1,
        }
    )


def pooled_frame(series, meta: pd.DataFrame, *, lag: int = 0) -> pd.DataFrame:
    """The long curve frame PooledForecaster reads: calendar months and organisations.

    ``lag`` months later than observed (age and month shifted, for the release history):
    the data's month k is a count k months after each model's own release day, so at an
    origin in calendar month M another series' count labelled M may have been taken up to
    a month later; with ``lag=1`` the history only holds counts labelled M - 1 or earlier.
    """
    frame = _frame(series)
    frame["age_months"] = frame["age_months"] + lag
    months = meta["release"].reindex(frame["model"]).to_numpy() + frame["age_months"].to_numpy()
    frame["month"] = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months.astype(int)]
    frame["organisation"] = meta["organisation"].reindex(frame["model"]).to_numpy()
    return frame


def pooled_rows(train, test, history, meta, origins=(6, 12), horizon=6, **options) -> pd.DataFrame:
    """Backtest rows of PooledForecaster learned on ``train`` only (release-history
    features from ``history``, cut at each origin's month), forecasting ``test``."""
    if "origins_train" in options:
        options["origins"] = options.pop("origins_train")
    pf = PooledForecaster(horizon=horizon, time_offset=TIME_OFFSET, **options)
    pf.fit(pooled_frame(train, meta), history=history)
    out = []
    for k in origins:
        cut = [(n, a[a <= k], c[a <= k]) for n, a, c in test if a.size and a[-1] >= k + horizon]
        if not cut:
            continue
        fc = pf.predict(pooled_frame(cut, meta), history=history)
        actual = {n: c for n, _, c in test}
        fc["actual"] = [actual[m][k + h] for m, h in zip(fc["model"], fc["h"], strict=True)]
        out.append(
            pd.DataFrame(
                {
                    "series": fc["model"],
                    "origin": k,
                    "forecaster": "pooled",
                    "origin_count": fc["origin_count"],
                    "h": fc["h"],
                    "actual": fc["actual"],
                    "mean": fc["mean"],
                    "lower": fc["lower"],
                    "upper": fc["upper"],
                }
            )
        )
    rows = pd.concat(out, ignore_index=True)
    rows.attrs["forecaster"] = pf
    return rows


def naive_quantile_rows(train_rows, test_rows, interval=0.8, active_min=10.0) -> pd.DataFrame:
    """Naive linear with empirical-quantile intervals: the quantiles of log(1 + actual
    growth) - log(1 + naive growth) on the training rows, by horizon and active/small."""
    q = (0.5 - interval / 2, 0.5 + interval / 2)

    def parts(rows):
        r = rows[rows["forecaster"] == "naive-linear"]
        c0 = r["origin_count"].to_numpy(float)
        return r, c0, np.log1p(np.maximum(r["mean"].to_numpy(float) - c0, 0.0))

    tr, c0, g = parts(train_rows)
    resid = np.log1p(np.maximum(tr["actual"].to_numpy(float) - c0, 0.0)) - g
    te, c1, g1 = parts(test_rows)
    lo, hi = np.empty(len(te)), np.empty(len(te))
    for (h, act), idx in te.groupby([te["h"], c1 >= active_min]).indices.items():
        e = resid[(tr["h"].to_numpy() == h) & ((c0 >= active_min) == act)]
        lo[idx], hi[idx] = np.quantile(e, q)
    out = te.copy()
    out["forecaster"] = "naive-linear-eq"
    out["lower"] = c1 + np.expm1(np.maximum(g1 + lo, 0.0))
    out["upper"] = np.maximum(c1 + np.expm1(np.maximum(g1 + hi, 0.0)), out["mean"])
    out["lower"] = np.minimum(out["lower"], out["mean"])
    return out


def interval_scores(rows: pd.DataFrame, interval=0.8, active_min=10.0, horizon=6):
    """Mean interval score (Gneiting and Raftery 2007) of the central ``interval`` on the
    log(1 + count) scale, over every held-out month of the series ``score`` uses (positive
    actual at the last month); lower is better. A proper score: it rewards honest bands."""
    alpha = 1 - interval
    keep = rows[(rows["h"] == horizon) & (rows["actual"] > 0)][["series", "origin"]]
    r = rows.merge(keep.drop_duplicates(), on=["series", "origin"]).dropna(subset=["lower"])
    y, lo, hi = (np.log1p(r[c].to_numpy(float)) for c in ("actual", "lower", "upper"))
    s_ = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    r = r.assign(interval_score=s_)
    out = []
    for subset in ("all", "active"):
        rr = r if subset == "all" else r[r["origin_count"] >= active_min]
        for (f, k), g in rr.groupby(["forecaster", "origin"]):
            out.append(
                {
                    "forecaster": f,
                    "origin": k,
                    "subset": subset,
                    "interval_score": g["interval_score"].mean(),
                }
            )
    return pd.DataFrame(out)


def fold_of(name: str) -> int:
    return zlib.crc32(name.encode()) % 2


def _paper_chunk(chunk):
    out = []
    for name, age, cum in chunk:
        t0 = time.process_time()
        p, ok = paper_fit(age, cum)
        seconds = time.process_time() - t0
        fitted = paper_model(age, *p) if ok else np.full(age.size, np.nan)
        out.append((name, ok, *p, fitted, seconds))
    return out


# ------------------------------------------------------------------ the fitter before #16
# The objective, Jacobian, starts and restarts of growth.fit as they were before issue 16
# (kept here only, to time them and check the new path reaches the same optima).
class _LegacyWSB(WSB):
    def _parts(self, t, theta):
        lam, mu, sig = np.exp(theta[0]), theta[1], np.exp(theta[2])
        with np.errstate(divide="ignore"):
            z = (np.log(np.asarray(t, dtype=float)) - mu) / sig
        return lam, sig, z, np.exp(lam * 0.5 * special.erfc(-z / np.sqrt(2.0)))

    def jacobian(self, t, theta):
        lam, sig, z, e = self._parts(t, theta)
        zf = np.where(np.isfinite(z), z, 0.0)
        pdf = np.where(np.isfinite(z), np.exp(-0.5 * zf * zf) / np.sqrt(2 * np.pi), 0.0)
        me = self.m * e * lam
        return np.column_stack(
            [me * 0.5 * special.erfc(-z / np.sqrt(2.0)), -me * pdf / sig, -me * pdf * zf]
        )

    def starts(self, t, c):
        c_last = float(c[-1])
        lo, hi = self.bounds(c_last)[0]
        keep = (t > 0) & (c > 0)
        out = []
        for mult in (1.05, 1.3, 2.0, 4.0, 10.0, 40.0):
            th = np.clip(np.log(np.log1p(mult * c_last / self.m)), lo, hi)
            frac = np.log1p(c[keep] / self.m) / np.exp(th)
            ok = (frac > 0) & (frac < 1)
            if ok.sum() >= 2 and np.ptp(np.log(t[keep][ok])) > 0:
                slope, icpt = np.polyfit(np.log(t[keep][ok]), special.ndtri(frac[ok]), 1)
                if slope > 0:
                    out.append(np.array([th, -icpt / slope, -np.log(slope)]))
                    continue
            out.append(np.array([th, np.log(max(t[-1], 1.0)), 0.0]))
        return out


def _legacy_nb_terms(y, mu, log_r):
    r = np.exp(log_r)
    lrm = np.log(r + mu)
    ll = (
        special.gammaln(y + r)
        - special.gammaln(r)
        - special.gammaln(y + 1.0)
        + r * (log_r - lrm)
        + special.xlogy(y, mu)
        - y * lrm
    )
    dmu = y / mu - (y + r) / (r + mu)
    dr = special.digamma(y + r) - special.digamma(r) + log_r - lrm + 1.0 - (y + r) / (r + mu)
    return ll, dmu, dr * r


class LegacyWSBFitter(WSBFitter):
    """WSBFitter (NB likelihood) with the pre-#16 objective, Hessian, starts and restarts."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.curve = _LegacyWSB(m=self.m)

    def _objective(self, x):
        theta, log_r = x[:3], x[3]
        mu = np.maximum(np.diff(self.curve.cumulative(self._tt, theta)), 1e-9)
        ll, dmu, dr = _legacy_nb_terms(self._y, mu, log_r)
        jac = self.curve.jacobian(self._tt, theta)
        g_theta = -(dmu[:, None] * np.diff(jac, axis=0)).sum(axis=0)
        f = -ll.sum()
        grad = np.r_[g_theta, -dr.sum()]
        d = theta - self.prior.mean
        pd_ = self._prec @ d
        f += 0.5 * d @ pd_
        grad[:3] += pd_
        mean_r, sd_r = self.dispersion_prior
        f += 0.5 * ((log_r - mean_r) / sd_r) ** 2
        grad[-1] += (log_r - mean_r) / sd_r**2
        if not np.isfinite(f):
            return 1e300, np.zeros_like(x)
        return f, grad

    def _hessian(self, x):
        p = x.size
        h = np.empty((p, p))
        for j in range(p):
            e = 1e-4 * max(1.0, abs(x[j]))
            up, dn = x.copy(), x.copy()
            up[j] += e
            dn[j] -= e
            h[:, j] = (self._objective(up)[1] - self._objective(dn)[1]) / (2 * e)
        return 0.5 * (h + h.T)

    def _optimise(self, starts):
        vals = [self._objective(s)[0] for s in starts]
        best = None
        for i in np.argsort(vals)[:3]:
            res = optimize.minimize(
                self._objective,
                starts[i],
                jac=True,
                method="SLSQP",
                bounds=self._bounds,
                options={"maxiter": 200},
            )
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
        return best


def speed(series, sample: set[str], paper_seconds: list[float]) -> pd.DataFrame:
    """CPU ms per fit of the new and the pre-#16 fitter (same series, interleaved, one
    process) and of the paper's curve_fit (from the in-sample run), and the agreement of the
    optima: relative difference of the objective at the optimum and of log lambda, on the
    sample's full series and their first 7 and 13 months."""
    cases = [
        (a[:n], c[:n])
        for name, a, c in series
        if name in sample
        for n in (7, 13, a.size)
        if a.size >= n and c[:n][-1] > 0
    ]
    times = {"new": [], "old": []}
    rel_f, d_lam = [], []
    for a, c in cases:
        fits = {}
        for label, cls in (("new", WSBFitter), ("old", LegacyWSBFitter)):
            t0 = time.process_time()
            fits[label] = cls(time_offset=TIME_OFFSET).fit(a, c)
            times[label].append(time.process_time() - t0)
        new, old = fits["new"], fits["old"]
        f_new, f_old = new._terms(new.x_[None])[0][0], old._objective(old.x_)[0]
        rel_f.append((f_new - f_old) / max(abs(f_old), 1.0))
        d_lam.append(abs(new.x_[0] - old.x_[0]))
    rel_f = np.array(rel_f)
    rows = []
    for label, sec in (
        ("ours, before #16 (3 SLSQP runs)", times["old"]),
        ("ours, now", times["new"]),
        ("paper curve_fit", paper_seconds),
    ):
        ms = 1e3 * np.asarray(sec)
        rows.append(
            {
                "fitter": label,
                "fits": ms.size,
                "median_ms": np.median(ms),
                "p90_ms": np.quantile(ms, 0.9),
                "mean_ms": ms.mean(),
            }
        )
    tab = pd.DataFrame(rows)
    tab.attrs["agreement"] = (
        f"{len(cases)} fits: objective at the optimum, new minus old, relative: max "
        f"{rel_f.max():+.1e} (new worse), min {rel_f.min():+.1e} (new better); "
        f"{int(np.sum(rel_f > 1e-6))} worse by more than 1e-6; |log lambda| difference: "
        f"median {np.median(d_lam):.1e}, 99th percentile {np.quantile(d_lam, 0.99):.1e}"
    )
    return tab


def _chunks(items, n):
    return [items[i : i + n] for i in range(0, len(items), n)]


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
    return pd.concat(
        [
            pd.DataFrame({"model": n, "scope": "direct", "age_months": a, "cumulative": c})
            for n, a, c in series
            if a.size
        ]
    )


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
    for name, ok, *_, fitted, _ in paper:
        a, c = by_name[name]
        if c.size and c[-1] >= 10:
            errs_paper.append(rel_mae(fitted, c) if ok else np.nan)
            f = WSBFitter(time_offset=TIME_OFFSET).fit(a, c)
            errs_ours.append(rel_mae(f.predict(a)["median"].to_numpy(), c))
    finite = ours[["lambda", "mu", "sigma"]].notna().all(axis=1) | (ours["status"] == "no-growth")
    paper_ok = np.array([r[1] for r in paper])
    paper_p = np.array([r[2:5] for r in paper], dtype=float)
    ours.attrs["paper_seconds"] = [r[-1] for r in paper]
    stuck = paper_ok & (
        np.isclose(paper_p, [0.5, 2.0, 0.5]).all(axis=1)
        | (paper_p[:, 1] < 1e-6)
        | (paper_p[:, 0] > 1e3)
    )
    rows = [
        {
            "fitter": "ours (WSB, NB)",
            "series": len(ours),
            "finite_fit": int(finite.sum()),
            "failures": int((~finite).sum()),
            "stuck_or_absurd": np.nan,
            "rel_mae_active": np.nanmedian(errs_ours),
            "fits_per_s": len(sub) / t_ours,
        },
        {
            "fitter": "paper (curve_fit)",
            "series": len(paper),
            "finite_fit": int(paper_ok.sum()),
            "failures": int((~paper_ok).sum()),
            "stuck_or_absurd": int(stuck.sum()),
            "rel_mae_active": np.nanmedian(errs_paper),
            "fits_per_s": len(paper) / t_paper,
        },
    ]
    return pd.DataFrame(rows), ours


#: What each forecaster learned from the data, and where (shown in every table).
LEARNED = {
    "ours": "cross-fitted",
    "ours-uncalibrated": "cross-fitted prior",
    "ours-weak-prior": "cross-fitted",
    "ours-empirical-prior": "cross-fitted",
    "ours-poisson": "cross-fitted",
    "pooled": "cross-fitted",
    "naive-linear-eq": "cross-fitted",
    "wsb-default-xfit": "cross-fitted",
    "wsb-hub-calibration": "IN-SAMPLE",
    "naive-linear": "nothing",
    "naive-last": "nothing",
    "paper": "nothing",
}

#: Origins the shipped HUB_CALIBRATION is learned from (bench/learn_hub_calibration.py).
CALIBRATION_ORIGINS = (6, 12, 18, 24)


def _calibration_chunk(chunk):
    raw = {"ours": WSBForecaster(kwargs={"calibration": None}), "naive-linear": NaiveLinear(3)}
    return backtest(chunk, raw, origins=CALIBRATION_ORIGINS, horizon=6)


def default_calibration_rows(series, jobs) -> pd.DataFrame:
    """Raw backtests of the library default fitter, ``WSBFitter(calibration=None)``, and
    naive linear from origins 6, 12, 18, 24: what HUB_CALIBRATION is learned from (there on
    every series; here each fold learns from its training half only)."""
    return pd.concat(run_parallel(_calibration_chunk, _chunks(series, 40), jobs))


def band_violations(rows: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster: forecasts with an interval and how many have their point outside it."""
    r = rows.dropna(subset=["lower", "upper"])
    outside = (r["mean"] < r["lower"] - 1e-9) | (r["mean"] > r["upper"] + 1e-9)
    return (
        r.assign(outside=outside)
        .groupby("forecaster")["outside"]
        .agg(forecasts="size", point_outside_band="sum")
        .reset_index()
    )


def fold_rows(train_series, test_series, train_fits, sample, args, default_cal) -> pd.DataFrame:
    """Learn the prior and the calibration on the training half, backtest the test half
    (``default_cal``: the library default fitter's calibration, learned on the training
    half)."""
    kwargs = {"time_offset": TIME_OFFSET, "calibration": None}  # raw: calibration is learned
    if args.prior == "empirical":
        kwargs["prior"] = learn_prior(train_fits)
    raw = {"ours": WSBForecaster(kwargs=kwargs), "naive-linear": NaiveLinear(3)}
    train_rows = pd.concat(
        run_parallel(_backtest_chunk, [(c, raw) for c in _chunks(train_series, 40)], args.jobs)
    )
    cal = learn_calibration(train_rows)
    fcs = {
        "ours": WSBForecaster(kwargs=kwargs | {"calibration": cal}),
        "ours-uncalibrated": raw["ours"],
        "naive-linear": NaiveLinear(3),
        "naive-last": NaiveLinear(1),
        "wsb-hub-calibration": WSBForecaster(kwargs={"calibration": HUB_CALIBRATION}),
        "wsb-default-xfit": WSBForecaster(kwargs={"calibration": default_cal}),
    }
    if args.ablation:
        weak = args.prior == "empirical"
        other = "weak" if weak else learn_prior(train_fits)
        name = "ours-weak-prior" if weak else "ours-empirical-prior"
        fcs[name] = WSBForecaster(kwargs=kwargs | {"prior": other, "calibration": cal})
        fcs["ours-poisson"] = WSBForecaster(
            kwargs=kwargs | {"likelihood": "poisson", "calibration": cal}
        )
    rows = run_parallel(_backtest_chunk, [(c, fcs) for c in _chunks(test_series, 40)], args.jobs)
    rows.append(naive_quantile_rows(train_rows, pd.concat(rows)))
    t0 = time.perf_counter()
    pooled = pooled_rows(train_series, test_series, args.history, args.meta)
    print(
        f"  pooled forecaster: learned and forecast in {time.perf_counter() - t0:.0f} s; "
        "coefficients (learned on the other half):"
    )
    pf = pooled.attrs["forecaster"]
    print(pf.coef_.T.to_string(float_format=lambda v: f"{v:.2f}"))
    print(
        "  weight of the regression against the linear trend, by (h, small 1 / active 2):",
        {k: round(v, 1) for k, v in pf.blend_.items()},
    )
    rows.append(pooled)
    paper_test = [s for s in test_series if s[0] in sample]
    if paper_test and not args.no_paper:
        rows += run_parallel(
            _backtest_chunk,
            [(c, {"paper": PaperForecaster()}) for c in _chunks(paper_test, 5)],
            args.jobs,
        )
    return pd.concat(rows, ignore_index=True), cal


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "path",
        nargs="?",
        default=str(Path(__file__).resolve().parents[2] / "shared/data/bhandari2025"),
    )
    ap.add_argument("--ablation", action="store_true", help="also score variants of ours")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N series")
    ap.add_argument(
        "--prior",
        choices=["weak", "empirical"],
        default="empirical",
        help="prior of the headline fitter (the other one is an ablation)",
    )
    ap.add_argument("--skip-in-sample", action="store_true", help="backtest only")
    ap.add_argument("--no-paper", action="store_true", help="leave the slow paper fitter out")
    ap.add_argument(
        "--rows",
        type=Path,
        default=None,
        help="also write every backtest row (series, origin, forecaster, h, actual, "
        "mean, lower, upper) to this CSV",
    )
    ap.add_argument(
        "--paper-sample",
        type=int,
        default=400,
        help="series the paper fitter runs on (its failed fits take ~10 s each); 0 = all",
    )
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
    args.meta = read_meta(path)
    args.history = pooled_frame(series, args.meta, lag=1)
    if args.skip_in_sample:
        ours = fit_many(_frame(series), time_offset=TIME_OFFSET, n_jobs=args.jobs)
    else:
        fits_tab, ours = in_sample(series, sample, args.jobs)
        print("\n== Full-series fits ==")
        print(fits_tab.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print("our statuses:", ours["status"].value_counts().to_dict())
        tab = speed(series, sample, ours.attrs["paper_seconds"])
        print(
            "\n== Speed: CPU ms per fit (the paper-sample series, whole and cut at 7 and 13 "
            "months; paper: whole series) =="
        )
        print(tab.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(tab.attrs["agreement"])

    rows = []
    long_enough = [s for s in series if s[1].size >= 13]
    t0 = time.perf_counter()
    default_raw = default_calibration_rows(long_enough, args.jobs)
    print(
        f"\nraw backtests of WSBFitter(calibration=None), origins {CALIBRATION_ORIGINS}, for "
        f"the cross-fitted default calibration: {time.perf_counter() - t0:.0f} s"
    )
    for fold in (0, 1):
        train_fits = ours[[fold_of(m) != fold for m in ours["model"]]]
        train = [s for s in long_enough if fold_of(s[0]) != fold]
        test = [s for s in long_enough if fold_of(s[0]) == fold]
        t0 = time.perf_counter()
        default_cal = learn_calibration(
            default_raw[[fold_of(m) != fold for m in default_raw["series"]]]
        )
        fold_r, cal = fold_rows(train, test, train_fits, sample, args, default_cal)
        rows.append(fold_r)
        print(
            f"  library default's calibration learned on the other half: blend "
            f"{default_cal.blend:.1f}, widen "
            + ", ".join(
                f"{'A' if a else 's'}{'y' if y else 'o'}{h}:{q:+.2f}"
                for (a, y, h), q in default_cal.widen
            )
        )
        print(
            f"fold {fold}: {len(test)} series backtested in {time.perf_counter() - t0:.0f} s; "
            f"calibration learned on the other half: blend {cal.blend:.1f}, widen "
            + ", ".join(
                f"{'A' if a else 's'}{'y' if y else 'o'}{h}:{q:+.2f}" for (a, y, h), q in cal.widen
            )
        )
    rows = pd.concat(rows, ignore_index=True)
    if args.rows:
        rows.to_csv(args.rows, index=False)
    every = learn_calibration(rows, forecaster="ours-uncalibrated")
    print(
        f"\ncalibration of ours learned on every backtested series (in-sample; the shipped "
        f"HUB_CALIBRATION is learned by bench/learn_hub_calibration.py for WSBFitter()):\n"
        f"blend={every.blend!r}, widen={every.widen!r}"
    )
    tab = score(rows).merge(
        interval_scores(rows), on=["forecaster", "origin", "subset"], how="left"
    )
    tab.insert(1, "learned", tab["forecaster"].map(LEARNED))
    print("\n== Backtest: fit on months 0..k, forecast k+1..k+6 (2-fold cross-fitted prior) ==")
    fmt = {"float_format": lambda v: f"{v:.3f}", "index": False}
    print(tab.sort_values(["subset", "origin", "forecaster"]).to_string(**fmt))
    if not args.no_paper:
        same = rows[rows["series"].isin(set(rows.loc[rows["forecaster"] == "paper", "series"]))]
        print(f"\n== Same backtest on the paper fitter's {same['series'].nunique()} series ==")
        tab = score(same).merge(
            interval_scores(same), on=["forecaster", "origin", "subset"], how="left"
        )
        tab.insert(1, "learned", tab["forecaster"].map(LEARNED))
        print(tab.sort_values(["subset", "origin", "forecaster"]).to_string(**fmt))
        # the paper's median error above counts its failed fits as infinite errors; here
        # everyone is scored only where its fit succeeded (a kinder comparison for it)
        ok = same[(same["forecaster"] == "paper") & (same["h"] == 6) & same["mean"].notna()]
        fitted = same.merge(ok[["series", "origin"]].drop_duplicates(), on=["series", "origin"])
        print(
            f"\n== Same backtest where the paper's fit succeeded ({len(ok)} series-origins of "
            f"{int(((same['forecaster'] == 'paper') & (same['h'] == 6)).sum())}) =="
        )
        tab = score(fitted).merge(
            interval_scores(fitted), on=["forecaster", "origin", "subset"], how="left"
        )
        tab.insert(1, "learned", tab["forecaster"].map(LEARNED))
        print(tab.sort_values(["subset", "origin", "forecaster"]).to_string(**fmt))
    print("\n== Point forecast inside its own 80% band (every backtest row with a band) ==")
    print(band_violations(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
