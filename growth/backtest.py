"""Backtests of growth forecasts: fit on the first k months, forecast the next ones.

Forecasters are picklable callables ``f(age, cumulative, target_ages) -> (mean, lower,
upper)`` (bounds may be NaN). Provided: :class:`WSBForecaster` (ours), :class:`PaperForecaster`
(Bhandari et al.'s fitter, reproduced: scipy ``curve_fit`` from (0.5, 2.0, 0.5), bounds
(0, inf), m = 100, t = 0, 1, 2, ..., one retry with ``maxfev=10000``) and
:class:`NaiveLinear` (the mean of the last increments, extrapolated).

>>> series = [("a", np.arange(20.0), np.arange(20.0) * 3)]
>>> rows = backtest(series, {"naive": NaiveLinear()}, origins=(6,), horizon=6)
>>> float(rows["mean"].iloc[-1]), float(rows["actual"].iloc[-1])
(36.0, 36.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from growth.fit import CurveFitter, WSBFitter
from growth.models import make_curve
from growth.prior import ForecastCalibration

Forecaster = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]


def paper_model(t, lam, mu, sigma, m: float = 100.0):
    """The paper's WSB form on t = 0, 1, 2, ... (ln 0 = -inf gives 0).

    Parameters
    ----------
    t : array-like
        Months since release.
    lam, mu, sigma, m : float
        WSB's parameters (the paper fixes ``m = 100``).

    Returns
    -------
    numpy.ndarray
        The cumulative count at ``t``.

    Examples
    --------
    >>> float(paper_model(0.0, 1.0, 1.5, 0.7))
    0.0
    """
    with np.errstate(divide="ignore"):
        z = (np.log(np.asarray(t, dtype=float)) - mu) / sigma
    return m * (np.exp(lam * 0.5 * special.erfc(-z / np.sqrt(2.0))) - 1.0)


def paper_fit(age, cumulative, m: float = 100.0) -> tuple[np.ndarray, bool]:
    """Bhandari et al.'s fit: parameters (lambda, mu, sigma) and whether it succeeded.

    Parameters
    ----------
    age, cumulative : array-like
        The series.
    m : float
        The fixed scale.

    Returns
    -------
    tuple
        ``(array([lambda, mu, sigma]), ok)``; NaNs when the fit fails.

    Examples
    --------
    >>> t = np.arange(15.0)
    >>> p, ok = paper_fit(t, paper_model(t, 1.0, 1.5, 0.7))
    >>> ok, [round(float(v), 2) for v in p]
    (True, [1.0, 1.5, 0.7])
    """
    t = np.asarray(age, dtype=float)
    c = np.asarray(cumulative, dtype=float)

    def f(tt, lam, mu, sigma):
        return paper_model(tt, lam, mu, sigma, m)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for maxfev in (None, 10000):
            try:
                popt, _ = optimize.curve_fit(
                    f, t, c, p0=[0.5, 2.0, 0.5], bounds=(0, np.inf), maxfev=maxfev
                )
                return popt, bool(np.all(np.isfinite(popt)))
            except (RuntimeError, ValueError, optimize.OptimizeWarning):
                continue
    return np.full(3, np.nan), False


@dataclass
class PaperForecaster:
    """The paper's fitter as a forecaster (unanchored curve; NaN when the fit fails).

    Parameters
    ----------
    m : float
        The fixed scale.

    Examples
    --------
    >>> t = np.arange(15.0)
    >>> mean, lower, upper = PaperForecaster()(t[:12], paper_model(t[:12], 1.0, 1.5, 0.7), t[12:])
    >>> mean.round(2), bool(np.isnan(lower).all())
    (array([151.  , 154.95, 158.09]), True)
    """

    m: float = 100.0

    def __call__(self, age, cum, target):
        p, ok = paper_fit(age, cum, self.m)
        mean = paper_model(target, *p, self.m) if ok else np.full(len(target), np.nan)
        nan = np.full(len(target), np.nan)
        return mean, nan, nan


@dataclass
class NaiveLinear:
    """Last count plus the mean of the last ``last`` monthly increments times the horizon.

    Parameters
    ----------
    last : int
        How many increments are averaged.

    Examples
    --------
    >>> NaiveLinear()(np.arange(5.0), np.array([0, 1, 3, 6, 10.0]), np.array([5.0, 6.0]))[0]
    array([13., 16.])
    """

    last: int = 3

    def __call__(self, age, cum, target):
        cum = np.asarray(cum, dtype=float)
        inc = np.diff(cum)[-self.last :] if cum.size > 1 else np.zeros(1)
        rate = float(np.mean(inc)) if inc.size else 0.0
        mean = cum[-1] + rate * (np.asarray(target, dtype=float) - age[-1])
        nan = np.full(len(target), np.nan)
        return mean, nan, nan


@dataclass
class WSBForecaster:
    """Our fitter as a forecaster: the point is the predictive median. Keyword arguments go
    to :class:`growth.fit.WSBFitter` (calibrated by default: pass ``calibration=None`` for
    the raw forecasts :func:`learn_calibration` learns from) or to
    :class:`growth.fit.CurveFitter` for another ``curve``.

    Parameters
    ----------
    interval : float
        Central probability of the bands.
    kwargs : dict
        Fitter options.
    curve : str
        A :func:`growth.models.make_curve` name.

    Examples
    --------
    >>> mean, lower, upper = WSBForecaster()(np.arange(12.0), 3 * np.arange(12.0), np.array([13.0]))
    >>> bool(lower[0] < mean[0] < upper[0]), bool(mean[0] > 33)
    (True, True)
    """

    interval: float = 0.8
    kwargs: dict = field(default_factory=dict)
    curve: str = "wsb"

    def __call__(self, age, cum, target):
        if self.curve == "wsb":
            fitter = WSBFitter(**self.kwargs)
        else:
            fitter = CurveFitter(make_curve(self.curve), **self.kwargs)
        pred = fitter.fit(age, cum).predict(target, self.interval)
        return pred["median"].to_numpy(), pred["lower"].to_numpy(), pred["upper"].to_numpy()


def backtest(
    series: Sequence[tuple[str, np.ndarray, np.ndarray]],
    forecasters: dict[str, Forecaster],
    *,
    origins: Sequence[int] = (6, 12),
    horizon: int = 6,
) -> pd.DataFrame:
    """Fit each series on ages 0..k, forecast ages k+1..k+horizon, for each origin k.

    Parameters
    ----------
    series : sequence of (str, array, array)
        (name, age_months, cumulative) with consecutive ages from 0; a series enters an
        origin only if it reaches age k + horizon.
    forecasters : dict
        Name -> forecaster (``f(age, cumulative, target_ages) -> (mean, lower, upper)``,
        e.g. :class:`NaiveLinear`, :class:`WSBForecaster`).
    origins : sequence of int
        The ages k.
    horizon : int
        Months forecast after each origin.

    Returns
    -------
    pandas.DataFrame
        One row per series, origin, forecaster and held-out month: ``series, origin,
        forecaster, origin_count, h, actual, mean, lower, upper`` (``mean`` holds each
        forecaster's point forecast: the predictive median for :class:`WSBForecaster`).

    Examples
    --------
    >>> rows = backtest([("s", np.arange(10), 2 * np.arange(10))], {"naive": NaiveLinear()},
    ...                 origins=(6,), horizon=2)
    >>> rows[["h", "actual", "mean"]].values.tolist()
    [[1.0, 14.0, 14.0], [2.0, 16.0, 16.0]]
    """
    rows = []
    for name, age, cum in series:
        age = np.asarray(age, dtype=float)
        cum = np.asarray(cum, dtype=float)
        for k in origins:
            if age.size == 0 or age[-1] < k + horizon:
                continue
            train = age <= k
            test = (age > k) & (age <= k + horizon)
            target = age[test]
            for fname, fc in forecasters.items():
                mean, lower, upper = fc(age[train], cum[train], target)
                for j, h in enumerate(target - k):
                    rows.append(
                        (
                            name,
                            k,
                            fname,
                            cum[train][-1],
                            int(h),
                            cum[test][j],
                            mean[j],
                            lower[j],
                            upper[j],
                        )
                    )
    cols = [
        "series",
        "origin",
        "forecaster",
        "origin_count",
        "h",
        "actual",
        "mean",
        "lower",
        "upper",
    ]
    return pd.DataFrame(rows, columns=cols)


def score(
    rows: pd.DataFrame,
    *,
    baseline: str = "naive-linear",
    horizon: int = 6,
    active_min: float = 10.0,
) -> pd.DataFrame:
    """Per forecaster, origin and subset (all / active): median APE at the last held-out
    month (series with a positive actual; a failed fit counts as an infinite error, and
    ``median_ape_fitted`` leaves failures out), share beating ``baseline`` there (ties count
    half), and coverage of the intervals over all held-out months of those same series (a
    series that never gets a derivative is covered by any interval and would only pad it).

    Parameters
    ----------
    rows : pandas.DataFrame
        :func:`backtest` rows.
    baseline : str
        The forecaster compared against.
    horizon : int
        The held-out month scored for APE.
    active_min : float
        Origin count from which a series is in the ``active`` subset.

    Returns
    -------
    pandas.DataFrame
        ``forecaster, origin, subset, n, failed, median_ape, median_ape_fitted,
        beats_baseline, coverage``.

    Examples
    --------
    >>> r = pd.DataFrame({"series": ["a", "a"], "origin": 6, "forecaster": ["x", "naive-linear"],
    ...                   "origin_count": 20, "h": 6, "actual": 30.0, "mean": [29.0, 26.0],
    ...                   "lower": [25.0, np.nan], "upper": [33.0, np.nan]})
    >>> [round(float(v), 3) for v in score(r).loc[0, ["median_ape", "beats_baseline", "coverage"]]]
    [0.033, 1.0, 1.0]
    """
    out = []
    last = rows[rows["h"] == horizon]
    base = last[last["forecaster"] == baseline].set_index(["series", "origin"])["mean"]
    for subset in ("all", "active"):
        r_all = rows if subset == "all" else rows[rows["origin_count"] >= active_min]
        r_last = last if subset == "all" else last[last["origin_count"] >= active_min]
        for (fname, k), g in r_last.groupby(["forecaster", "origin"], sort=False):
            g = g[g["actual"] > 0]
            err = (g["mean"] - g["actual"]).abs()
            ape = (err / g["actual"]).fillna(np.inf)
            b = base.reindex(pd.MultiIndex.from_arrays([g["series"], g["origin"]])).to_numpy()
            berr = np.abs(b - g["actual"].to_numpy())
            e = err.fillna(np.inf).to_numpy()
            beats = np.mean((e < berr) + 0.5 * (e == berr)) if len(g) else np.nan
            cov_rows = r_all[
                (r_all["forecaster"] == fname)
                & (r_all["origin"] == k)
                & r_all["series"].isin(set(g["series"]))
            ]
            cov_rows = cov_rows.dropna(subset=["lower", "upper"])
            inside = (cov_rows["actual"] >= cov_rows["lower"] - 1e-9) & (
                cov_rows["actual"] <= cov_rows["upper"] + 1e-9
            )
            ok = np.isfinite(ape.to_numpy())
            out.append(
                {
                    "forecaster": fname,
                    "origin": k,
                    "subset": subset,
                    "n": len(g),
                    "failed": int((~ok).sum()),
                    "median_ape": float(np.median(ape)) if len(g) else np.nan,
                    "median_ape_fitted": float(np.median(ape[ok])) if ok.any() else np.nan,
                    "beats_baseline": beats if fname != baseline else np.nan,
                    "coverage": float(inside.mean()) if len(cov_rows) else np.nan,
                }
            )
    return pd.DataFrame(out)


def learn_calibration(
    rows: pd.DataFrame,
    *,
    forecaster: str = "ours",
    baseline: str = "naive-linear",
    interval: float = 0.8,
    blends: Sequence[float] = tuple(np.linspace(0.0, 0.8, 9)),
    active_min: float = 10.0,
    young_months: float = 9.0,
    min_rows: int = 30,
    min_origin_count: float = 1.0,
) -> ForecastCalibration:
    """Learn forecast corrections from backtest rows of an uncalibrated ``forecaster``.

    The blend weight with ``baseline`` (linear extrapolation) minimises the mean absolute
    error of log(1 + count); the interval correction is split-conformal (conformalised
    quantile regression on the log(1 + growth) scale), per horizon and for active / small
    series, so that ``interval`` of held-out points fall inside. Learn it on series other
    than the ones it is scored on. Series with fewer than ``min_origin_count`` derivatives at
    the origin are left out of the interval correction: an interval of a series that has no
    derivative yet covers its (mostly zero) future trivially and would shrink the correction
    every growing small series needs.

    Parameters
    ----------
    rows : pandas.DataFrame
        :func:`backtest` rows holding ``forecaster`` and ``baseline``.
    forecaster, baseline : str
        Their names in ``rows``.
    interval : float
        Target coverage of the bands.
    blends : sequence of float
        The blend weights tried.
    active_min, young_months : float
        Where the interval correction splits series (active / small, young / old).
    min_rows : int
        Fewest rows a (class, horizon) cell needs for its own correction.
    min_origin_count : float
        See above.

    Returns
    -------
    ForecastCalibration

    Examples
    --------
    >>> r = backtest([("a", np.arange(20.0), np.arange(20.0) ** 1.5)],
    ...              {"ours": NaiveLinear(1), "naive-linear": NaiveLinear()}, origins=(6,))
    >>> learn_calibration(r, min_rows=1).blend
    0.0
    """
    key = ["series", "origin", "h"]
    a = rows[rows["forecaster"] == forecaster].set_index(key)
    b = rows[rows["forecaster"] == baseline].set_index(key)["mean"].reindex(a.index)
    y = a["actual"].to_numpy(float)
    c0 = a["origin_count"].to_numpy(float)
    m, base = a["mean"].to_numpy(float), b.to_numpy(float)

    def loss(w: float) -> float:
        pred = np.maximum((1 - w) * m + w * base, 0.0)
        return float(np.nanmean(np.abs(np.log1p(pred) - np.log1p(y))))

    w = float(min(blends, key=loss))
    shift = w * (base - m)
    lo = np.log1p(np.maximum(a["lower"].to_numpy(float) + shift, c0) - c0)
    hi = np.log1p(np.maximum(a["upper"].to_numpy(float) + shift, c0) - c0)
    g = np.log1p(np.maximum(y - c0, 0.0))
    score_ = np.where(c0 >= min_origin_count, np.maximum(lo - g, g - hi), np.nan)
    h = a.index.get_level_values("h").to_numpy()
    # the origin's age in months since release (t = age + time_offset; origins are ages here)
    young = a.index.get_level_values("origin").to_numpy() <= young_months
    active = c0 >= active_min
    widen = {}
    for cls in ((x, z) for x in (False, True) for z in (False, True)):
        sel = (active == cls[0]) & (young == cls[1]) & np.isfinite(score_)
        for hh in np.unique(h):
            e = score_[sel & (h == hh)]
            e = e if e.size >= min_rows else score_[sel]
            if e.size:
                level = min(1.0, np.ceil((e.size + 1) * interval) / e.size)
                widen[(*cls, int(hh))] = float(np.quantile(e, level, method="higher"))
    return ForecastCalibration(
        blend=w,
        widen=tuple(sorted(widen.items())),
        active_min=active_min,
        young_months=young_months,
        interval=interval,
    )
