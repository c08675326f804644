"""Forecasts that pool what a series' organisation and its release history say.

A single growth curve forecasts six months ahead about as well as extrapolating its last
three months (``bench/growth_bench.py``). :class:`PooledForecaster` adds what the rest of the
data knows at the forecast origin, and keeps the WSB parameters as each series'
interpretable summary:

- **organisation-pooled WSB prior** (hierarchical empirical Bayes): the population prior
  over (log lambda, mu, log sigma) (:func:`growth.prior.learn_prior`) with its mean moved
  towards the organisation's median fit, by ``n / (n + prior_strength)`` for an
  organisation with ``n`` fitted series (:func:`organisation_priors`);
- **a median regression of the log growth** ``log(1 + c[k + h] - c[k])`` on the log of the
  linear extrapolation of the last three months, the log of the WSB forecast with the
  organisation's prior, the horizon, the age, the series' own recent dynamics (last month
  against the last three, last three against the three before, count against the current
  rate), and the organisation's release history at the origin's calendar month: how its
  other series' derivative flow changed over the last six months and how much of it goes to
  models the organisation released after this one. Each predictor also enters multiplied by
  h / horizon, so the correction can grow with the horizon. Small and active series get a
  model each, learned from every origin from 3 to 24 months of the training series;
- **an organisation effect**: the median residual of the organisation's series, shrunk
  towards 0 by ``n / (n + effect_strength)`` for ``n`` series;
- **a shrinkage blend with the linear trend** (in log growth), its weight per horizon and
  small / active class chosen on out-of-fold predictions of a 2-fold cross-fit within the
  training series (``blend_``: 1 = the regression alone, 0 = the trend alone);
- **intervals** from the residual quantiles of a 2-fold cross-fit within the training series
  (split conformal on the log scale), by horizon and by whether the series is active
  (``active_min`` derivatives at the origin), small, or has none yet (it is then forecast to
  stay where it is). The point forecast is the predictive median.

Measured (``bench/growth_bench.py``: learned on half the real series of Bhandari et al., by
a hash of the model id, scored on the other half, both ways; 6-month forecasts from k = 6
and 12 months; organisation = the data's ``company``; release history lagged a month): median
APE at the last month 0.290 / 0.167 on active series (k = 6 / 12; naive linear 0.277 /
0.143) and 0.444 / 0.282 on all growing series (naive 0.508 / 0.256); better than naive
linear on 41% / 46% of active series and 50% / 47% of all; 80% intervals cover 71% / 88%
(active) and 68% / 75% (all; the misses are series without a derivative at the origin,
whose honest interval is mostly "stays at 0" while the score keeps only those that grew);
interval score level with naive linear's empirical-quantile intervals on active series and
better on all. Against the paper's fitter on its sample: 0.52x / 0.40x its median APE on
active series and 0.64x / 0.55x on all. So the organisation and release-history signals
available here do not beat linear extrapolation of the last three months at six months:
on 40-100 active series per cell the share beating it moves by +-0.07 between halves and
origins, and the regression's pooled signal is weaker than that noise. What it adds is the
organisation summary (:meth:`PooledForecaster.summary`).

Everything is learned from rows whose whole forecast window lies inside the training curves;
release-history features at an origin only use data dated at or before the origin's month.
``growth`` never imports ``lineage``: the curves are the long curve frame (``model,
age_months, cumulative``, plus ``month`` as YYYY-MM for the release history, and optionally
``organisation``; by default the namespace of the model id).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> frame = pd.concat([pd.DataFrame({"model": f"org{i % 3}/m{i}", "age_months": np.arange(20),
...     "month": [f"{2022 + (i % 12 + a) // 12}-{(i % 12 + a) % 12 + 1:02d}" for a in range(20)],
...     "cumulative": np.cumsum(rng.poisson(3 + i % 5, 20))}) for i in range(60)])
>>> pf = PooledForecaster(horizon=6, origins=(4, 8)).fit(frame)
>>> fc = pf.predict(frame[frame["age_months"] <= 12], history=frame)
>>> list(fc.columns[:6])
['model', 'h', 'mean', 'lower', 'upper', 'origin_count']
>>> bool((fc["lower"] <= fc["median"]).all() and (fc["median"] <= fc["upper"]).all())
True
>>> bool((fc["mean"] == fc["median"]).all())  # the name the column was first published under
True
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from growth.fit import WSBFitter
from growth.prior import GaussianPrior, learn_prior

_CLASSES = {1: "small", 2: "active"}
FEATURES = (
    "log_linear",
    "log_wsb",
    "log_h",
    "log_age",
    "acceleration",
    "trend",
    "maturity",
    "org_momentum",
    "newer_share",
)


def organisation_of(model_ids) -> np.ndarray:
    """The namespace of each Hub model id (``org/name`` -> ``org``; a bare name is its own).

    Parameters
    ----------
    model_ids : iterable of str
        Hub model ids.

    Returns
    -------
    numpy.ndarray
        Of object dtype.

    Examples
    --------
    >>> organisation_of(["meta-llama/Llama-2-7b", "gpt2"]).tolist()
    ['meta-llama', 'gpt2']
    """
    return np.array([str(m).split("/", 1)[0] for m in model_ids], dtype=object)


def organisation_priors(
    fits: pd.DataFrame, organisations, *, prior_strength: float = 10.0, statuses=("ok",)
) -> tuple[GaussianPrior, dict[str, GaussianPrior]]:
    """Population and per-organisation priors over WSB's (log lambda, mu, log sigma).

    ``fits`` has ``lambda, mu, sigma, status`` (as from :func:`growth.fit.fit_many`), one
    row per series, with ``organisations`` its organisation. The population prior is
    :func:`growth.prior.learn_prior`; an organisation's keeps its covariance and moves its
    mean to ``w * org_median + (1 - w) * population_mean`` with ``w = n / (n +
    prior_strength)``, ``n`` the organisation's usable fits.

    Parameters
    ----------
    fits : pandas.DataFrame
        ``lambda, mu, sigma, status``, one row per series.
    organisations : array-like of str
        The organisation of each row.
    prior_strength : float
        Fits an organisation needs to move halfway from the population.
    statuses : iterable of str
        The statuses of the rows used.

    Returns
    -------
    tuple
        The population prior and a dict organisation -> prior.

    Examples
    --------
    >>> fits = pd.DataFrame({"lambda": np.r_[np.full(30, 2.0), np.full(30, 6.0)],
    ...                      "mu": 1.5, "sigma": 1.0, "status": "ok"})
    >>> pop, orgs = organisation_priors(fits, ["a"] * 30 + ["b"] * 30)
    >>> [round(float(np.exp(orgs[o].mean[0])), 2) for o in ("a", "b")]
    [2.29, 5.23]
    """
    population = learn_prior(fits, statuses=statuses)
    orgs = np.asarray(organisations, dtype=object)
    use = fits["status"].isin(statuses).to_numpy().copy()
    x = np.column_stack(
        [
            np.log(fits["lambda"].to_numpy(float)),
            fits["mu"].to_numpy(float),
            np.log(fits["sigma"].to_numpy(float)),
        ]
    )
    use &= np.all(np.isfinite(x), axis=1)
    out = {}
    for org in np.unique(orgs[use]):
        sel = use & (orgs == org)
        w = sel.sum() / (sel.sum() + prior_strength)
        mean = w * np.median(x[sel], axis=0) + (1 - w) * population.mean
        out[str(org)] = GaussianPrior(mean, population.cov)
    return population, out


def _month_index(months) -> np.ndarray:
    """'YYYY-MM' -> months since year 0."""
    m = pd.Series(months, dtype=str)
    return (m.str[:4].astype(int) * 12 + m.str[5:7].astype(int) - 1).to_numpy()


@dataclass
class _History:
    """Monthly derivative increments of every series on a calendar grid, by organisation."""

    increments: np.ndarray  # (series, months) increments at each calendar month
    release: np.ndarray  # calendar column of each series' age 0
    org: np.ndarray  # organisation of each series
    index: dict  # model -> row
    first: int  # calendar month index of column 0

    @classmethod
    def build(cls, frame: pd.DataFrame) -> _History:
        months = _month_index(frame["month"])
        first = int(months.min())
        rows, models = pd.factorize(frame["model"], sort=False)
        inc = np.zeros((len(models), int(months.max()) - first + 1))
        cum = frame["cumulative"].to_numpy(float)
        order = np.lexsort((frame["age_months"].to_numpy(), rows))
        step = np.diff(np.r_[0.0, cum[order]])
        start = np.r_[True, rows[order][1:] != rows[order][:-1]]
        step[start] = cum[order][start]
        np.add.at(inc, (rows[order], months[order] - first), np.maximum(step, 0.0))
        release = np.full(len(models), np.iinfo(np.int64).max)
        np.minimum.at(release, rows, months - frame["age_months"].to_numpy(int) - first)
        orgs = _organisations(frame).groupby(rows).first().to_numpy()
        return cls(inc, release, orgs, {m: i for i, m in enumerate(models)}, first)

    def features(self, model: str, org: str, release: int, month: int) -> tuple[float, float]:
        """(org momentum, newer share) of a series released at calendar month index
        ``release``, at month index ``month``, from data dated at or before it: the log
        ratio of the organisation's other series' derivatives in the last 3 months to the 3
        before, and the log share of those recent derivatives that went to series released
        after this one."""
        col = month - self.first
        same = self.org == org
        me = self.index.get(model)
        if me is not None:
            same = same.copy()
            same[me] = False
        cols = np.arange(col - 5, col + 1)
        inside = (cols >= 0) & (cols < self.increments.shape[1])  # no data: no derivatives
        window = np.zeros((int(same.sum()), cols.size))
        window[:, inside] = self.increments[same][:, cols[inside]]
        recent, earlier = window[:, 3:].sum(), window[:, :3].sum()
        momentum = np.log1p(recent) - np.log1p(earlier)
        newer = self.release[same] > release - self.first
        newer_recent = window[newer, 3:].sum()
        share = (newer_recent + 0.5) / (recent + 1.0)
        return float(momentum), float(np.log(share))


def _check_frame(frame: pd.DataFrame, name: str) -> None:
    missing = {"model", "age_months", "cumulative", "month"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"{name} lacks columns {sorted(missing)}: PooledForecaster needs "
            "model, age_months, cumulative and month (YYYY-MM)"
        )
    if frame.empty:
        raise ValueError(f"{name} has no rows")


def _organisations(frame: pd.DataFrame) -> pd.Series:
    if "organisation" in frame.columns:
        return frame["organisation"].astype(str)
    return pd.Series(organisation_of(frame["model"]), index=frame.index)


def _median_regression(
    x: np.ndarray,
    y: np.ndarray,
    *,
    ridge: float = 1e-3,
    smoothing: float = 0.02,
    iterations: int = 100,
) -> np.ndarray:
    """Least absolute deviations by iteratively reweighted least squares (residuals below
    ``smoothing`` weigh as if they were that large; a tiny ridge off the intercept)."""
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    penalty = ridge * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        w = 1.0 / np.maximum(np.abs(y - x @ beta), smoothing)
        xw = x * w[:, None]
        new = np.linalg.solve(x.T @ xw + penalty * w.sum() / len(w), xw.T @ y)
        if np.max(np.abs(new - beta)) < 1e-6:
            return new
        beta = new
    return beta


def _log_growth(rows: pd.DataFrame) -> np.ndarray:
    return np.log1p(np.maximum(rows["target"].to_numpy(float), 0.0))


@dataclass
class PooledForecaster:
    """Forecast cumulative derivative counts with organisation-pooled signals.

    Parameters
    ----------
    horizon : int
        Longest forecast (months) learned.
    origins : tuple of int
        The ages at which training series are cut to learn from.
    m, time_offset : float
        As in :class:`growth.fit.WSBFitter`.
    prior_strength, effect_strength : float
        How many series an organisation needs to move halfway from the population (WSB
        prior, forecast effect).
    interval : float
        Central coverage of the intervals.
    active_min : float
        The origin count from which a series gets the intervals learned on active series.

    Examples
    --------
    Twelve straight-line series of three organisations, forecast two months ahead:

    >>> curves = pd.DataFrame([
    ...     {"model": f"org{i % 3}/m{i}", "age_months": a, "cumulative": (i + 1) * a,
    ...      "month": f"2024-{a + 1 + i % 4:02d}"} for i in range(12) for a in range(8)])
    >>> f = PooledForecaster(horizon=2, origins=(3, 4)).fit(curves)
    >>> f.predict(curves).query("model == 'org0/m0'")[["h", "mean"]].values.tolist()
    [[1.0, 8.0], [2.0, 9.0]]

    Notes
    -----
    After :meth:`fit`: ``coef_`` (regression coefficients by predictor), ``blend_`` (weight of
    the regression against the linear trend by (horizon, class)), ``org_effect_``
    (log multiplier of the forecast growth by organisation), ``population_prior_`` and
    ``organisation_priors_`` (WSB priors), ``residual_quantiles_``.
    """

    horizon: int = 6
    origins: tuple = tuple(range(3, 25))
    m: float = 30.0
    time_offset: float = 1.0
    prior_strength: float = 10.0
    effect_strength: float = 10.0
    interval: float = 0.8
    active_min: float = 10.0

    # ----------------------------------------------------------------- helpers
    def _series(self, frame: pd.DataFrame):
        orgs = _organisations(frame)
        months = _month_index(frame["month"])
        for model, g in frame.assign(_org=orgs, _m=months).groupby("model", sort=True):
            g = g.sort_values("age_months")
            yield (
                model,
                g["_org"].iloc[0],
                g["age_months"].to_numpy(float),
                g["cumulative"].to_numpy(float),
                int(g["_m"].iloc[0] - g["age_months"].iloc[0]),
            )

    def _wsb(self, org: str, age, cum) -> WSBFitter:
        prior = self.organisation_priors_.get(org, self.population_prior_)
        return WSBFitter(m=self.m, prior=prior, time_offset=self.time_offset).fit(age, cum)

    def _rows(self, model, org, age, cum, release, history, *, with_future: bool):
        """Predictor rows (and targets when the future is known) at each usable origin."""
        out = []
        origins = (
            [a for a in self.origins if a <= age[-1] - self.horizon] if with_future else [age[-1]]
        )
        for k in origins:
            past = age <= k
            a, c = age[past], cum[past]
            fitter = self._wsb(org, a, c)
            momentum, newer = history.features(model, org, release, release + int(k))
            est = fitter.curve.natural(fitter.theta_)
            hs = np.arange(1, self.horizon + 1, dtype=float)
            inc = np.diff(c)
            lin_rate = np.mean(inc[-3:]) if inc.size else 0.0
            last_inc = inc[-1] if inc.size else 0.0
            prev_rate = np.mean(inc[-6:-3]) if inc.size > 3 else lin_rate
            if np.all(np.isfinite(fitter.theta_)):
                t = np.r_[k, k + hs] + self.time_offset
                base = fitter.curve.cumulative(t, fitter.theta_)
                wsb_growth = np.maximum(base[1:] - base[0], 0.0)
            else:
                wsb_growth = np.zeros(hs.size)
            target = (
                (cum[np.searchsorted(age, k + hs)] - c[-1])
                if with_future
                else np.full(hs.size, np.nan)
            )
            for j, h in enumerate(hs):
                out.append(
                    {
                        "model": model,
                        "organisation": org,
                        "origin": k,
                        "h": h,
                        "origin_count": c[-1],
                        "target": target[j],
                        "log_linear": np.log1p(lin_rate * h),
                        "log_wsb": np.log1p(wsb_growth[j]),
                        "log_h": np.log(h),
                        "log_age": np.log1p(k),
                        "acceleration": np.log1p(last_inc) - np.log1p(lin_rate),
                        "trend": np.log1p(lin_rate) - np.log1p(prev_rate),
                        "maturity": np.log1p(c[-1]) - np.log1p(lin_rate),
                        "org_momentum": momentum,
                        "newer_share": newer,
                        "lambda": est["lambda"],
                        "mu": est["mu"],
                        "sigma": est["sigma"],
                        "status": fitter.status_,
                    }
                )
        return out

    def _design(self, rows: pd.DataFrame) -> np.ndarray:
        base = rows[list(FEATURES)].to_numpy(float)
        scale = (rows["h"].to_numpy(float) / self.horizon)[:, None]
        return np.column_stack([np.ones(len(rows)), base, base * scale])

    def _learn(self, rows: pd.DataFrame) -> dict:
        """{class: (coefficients, organisation effects)}, one model for small and one for
        active series (their dynamics differ; small series would dominate a shared fit)."""
        cls = self._class(rows["origin_count"])
        out = {}
        for c in (1, 2):
            part = rows[cls == c].reset_index(drop=True)
            if len(part) < 50:
                part = rows[cls > 0].reset_index(drop=True)
            y = _log_growth(part)
            beta = _median_regression(self._design(part), y)
            resid = y - self._design(part) @ beta
            effects = {}
            for org, g in pd.Series(resid).groupby(part["organisation"].to_numpy()):
                n = part["model"].iloc[g.index].nunique()
                effects[org] = float(n / (n + self.effect_strength) * np.median(g))
            out[c] = (beta, effects)
        return out

    def _predict_log(self, rows: pd.DataFrame, model: dict) -> np.ndarray:
        cls = self._class(rows["origin_count"])
        out = np.zeros(len(rows))
        for c, (beta, effects) in model.items():
            sel = cls == c
            if sel.any():
                part = rows[sel]
                org = part["organisation"].map(effects).fillna(0.0).to_numpy(float)
                out[sel] = self._design(part) @ beta + org
        return out

    # ----------------------------------------------------------------- API
    def fit(
        self, curves: pd.DataFrame, *, history: pd.DataFrame | None = None, progress=None
    ) -> PooledForecaster:
        """Learn from ``curves`` (long frame: ``model, age_months, cumulative, month``, and
        optionally ``organisation``); release-history features come from ``history``
        (default: ``curves``), only up to each origin's month.

        Parameters
        ----------
        curves : pandas.DataFrame
            The training series.
        history : pandas.DataFrame, optional
            Series for the release-history features (default: ``curves``).
        progress : callable, optional
            Called as ``progress("fit", done, total)`` after each series (as
            :func:`growth.fit.fit_many` reports).

        Returns
        -------
        PooledForecaster
            ``self``, fitted.

        Examples
        --------
        See the class docstring.
        """
        history = curves if history is None else history
        _check_frame(curves, "curves")
        _check_frame(history, "history")
        hist = _History.build(history)
        series = list(self._series(curves))
        full = []
        for _, _, age, cum, _ in series:
            f = WSBFitter(m=self.m, time_offset=self.time_offset).fit(age, cum)
            full.append({**f.curve.natural(f.theta_), "status": f.status_})
        self.population_prior_, self.organisation_priors_ = organisation_priors(
            pd.DataFrame(full), [s[1] for s in series], prior_strength=self.prior_strength
        )
        rows = []
        for i, (model, org, age, cum, release) in enumerate(series):
            rows += self._rows(model, org, age, cum, release, hist, with_future=True)
            if progress is not None:
                progress("fit", i + 1, len(series))
        rows = pd.DataFrame(rows)
        if rows.empty:
            raise ValueError(
                f"no series reaches {min(self.origins) + self.horizon} months: "
                "nothing to learn from; pass longer curves"
            )
        # learned on series that have started (a series without any derivative yet is
        # forecast to stay where it is, with its class's empirical interval); residual
        # quantiles from a 2-fold cross-fit within the training series
        started = rows[rows["origin_count"] >= 1].reset_index(drop=True)
        fold = started["model"].map(lambda m: zlib.crc32(str(m).encode()) % 2).to_numpy()
        out_of_fold = np.full(len(started), np.nan)
        for held_out in (0, 1):
            if (fold == held_out).all() or (fold != held_out).all():
                continue
            model = self._learn(started[fold != held_out].reset_index(drop=True))
            out_of_fold[fold == held_out] = self._predict_log(started[fold == held_out], model)
        self.model_ = self._learn(started)
        names = ["intercept", *FEATURES, *(f"{n}_x_h" for n in FEATURES)]
        self.coef_ = pd.DataFrame(
            {_CLASSES[c]: beta for c, (beta, _) in self.model_.items()}, index=names
        )
        self.org_effect_ = pd.DataFrame(
            {_CLASSES[c]: eff for c, (_, eff) in self.model_.items()}
        ).fillna(0.0)
        if np.isnan(out_of_fold).all():
            out_of_fold = self._predict_log(started, self.model_)
        # shrink towards the linear trend by out-of-fold skill, per class and horizon
        y, linear = _log_growth(started), started["log_linear"].to_numpy(float)
        h_started, cls_started = started["h"].to_numpy(), self._class(started["origin_count"])
        self.blend_ = {}
        blended = np.full(len(started), np.nan)
        for h in range(1, self.horizon + 1):
            for c in (1, 2):
                sel = (h_started == h) & (cls_started == c) & np.isfinite(out_of_fold)
                if not sel.any():
                    self.blend_[(h, c)] = 1.0
                    continue
                grid = np.linspace(0.0, 1.0, 11)
                loss = [
                    np.mean(np.abs(y[sel] - w * out_of_fold[sel] - (1 - w) * linear[sel]))
                    for w in grid
                ]
                w = float(grid[int(np.argmin(loss))])
                self.blend_[(h, c)] = w
                blended[sel] = w * out_of_fold[sel] + (1 - w) * linear[sel]
        resid = y - blended
        resid = np.r_[resid, _log_growth(rows[rows["origin_count"] < 1])]
        h_all = np.r_[started["h"], rows.loc[rows["origin_count"] < 1, "h"]]
        cls = self._class(
            np.r_[started["origin_count"], rows.loc[rows["origin_count"] < 1, "origin_count"]]
        )
        q = (0.5 - self.interval / 2, 0.5 + self.interval / 2)
        self.residual_quantiles_ = {}
        for h in range(1, self.horizon + 1):
            for c in range(3):
                sel = (h_all == h) & (cls == c) & np.isfinite(resid)
                e = resid[sel] if sel.sum() >= 20 else resid[(cls == c) & np.isfinite(resid)]
                e = e if e.size else np.zeros(1)
                self.residual_quantiles_[(h, c)] = tuple(np.quantile(e, q))
        self.training_rows_ = rows
        return self

    def _class(self, origin_count) -> np.ndarray:
        """0: no derivative yet, 1: small, 2: active (``active_min`` or more)."""
        c0 = np.asarray(origin_count, dtype=float)
        return np.where(c0 < 1, 0, np.where(c0 >= self.active_min, 2, 1))

    def predict(
        self,
        curves: pd.DataFrame,
        *,
        history: pd.DataFrame | None = None,
        horizon: int | None = None,
    ) -> pd.DataFrame:
        """Forecast every series of ``curves`` from its last observed month.

        ``history`` (default ``curves``): other series for the release-history features,
        used only up to each series' last month. Returns one row per model and horizon:
        ``model, h, mean, lower, upper, origin_count, organisation, lambda, mu, sigma,
        status`` (the WSB fit with the organisation's prior: the interpretable summary),
        ``median``. The point forecast is a median (of a median regression), as
        :meth:`growth.WSBFitter.predict`'s is: ``median`` names it so; ``mean``, the
        name it was first published under, holds the same values.

        Parameters
        ----------
        curves : pandas.DataFrame
            The series to forecast (same columns as for :meth:`fit`).
        history : pandas.DataFrame, optional
            As above.
        horizon : int, optional
            Months ahead (default and at most: the ``horizon`` learned).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        See the class docstring.
        """
        horizon = self.horizon if horizon is None else min(int(horizon), self.horizon)
        history = curves if history is None else history
        _check_frame(curves, "curves")
        _check_frame(history, "history")
        hist = _History.build(history)
        rows = []
        for model, org, age, cum, release in self._series(curves):
            rows += self._rows(model, org, age, cum, release, hist, with_future=False)
        rows = pd.DataFrame(rows)
        rows = rows[rows["h"] <= horizon].reset_index(drop=True)
        c0 = rows["origin_count"].to_numpy(float)
        cls = self._class(c0)
        w = np.array(
            [self.blend_.get((int(h), int(c)), 0.0) for h, c in zip(rows["h"], cls, strict=True)]
        )
        log_growth = w * self._predict_log(rows, self.model_) + (1 - w) * rows[
            "log_linear"
        ].to_numpy(float)
        log_growth = np.where(cls > 0, np.maximum(log_growth, 0.0), 0.0)
        q = np.array(
            [
                self.residual_quantiles_[(int(h), int(c))]
                for h, c in zip(rows["h"], cls, strict=True)
            ]
        )
        mean = c0 + np.expm1(log_growth)
        lower = c0 + np.expm1(np.maximum(log_growth + q[:, 0], 0.0))
        upper = c0 + np.expm1(np.maximum(log_growth + q[:, 1], 0.0))
        out = pd.DataFrame(
            {
                "model": rows["model"],
                "h": rows["h"].astype(int),
                "mean": mean,
                "lower": np.minimum(lower, mean),
                "upper": np.maximum(upper, mean),
                "origin_count": c0,
                "organisation": rows["organisation"],
            }
        )
        for col in ("lambda", "mu", "sigma", "status"):
            out[col] = rows[col]
        out["median"] = out["mean"]  # what the point forecast is: see the docstring
        return out

    def summary(self) -> pd.DataFrame:
        """One row per organisation: series learned from, its WSB prior mean (lambda, mu,
        sigma) and its forecast growth multipliers (exp of the shrunk organisation effect)
        for small and active series.

        Returns
        -------
        pandas.DataFrame
            ``organisation, series, lambda, mu, sigma`` and a ``growth_multiplier_<class>``
            column per series class.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> frame = pd.DataFrame({"model": np.repeat([f"o{i % 2}/m{i}" for i in range(8)], 16),
        ...                       "age_months": np.tile(np.arange(16), 8),
        ...                       "month": np.tile([f"2023-{m:02d}" for m in range(1, 13)]
        ...                                        + [f"2024-{m:02d}" for m in range(1, 5)], 8),
        ...                       "cumulative": np.tile(np.arange(16) * 3, 8)})
        >>> PooledForecaster(origins=(4, 6, 8)).fit(frame).summary()["organisation"].tolist()
        ['o0', 'o1']
        """
        rows = self.training_rows_
        n = rows.groupby("organisation")["model"].nunique()
        out = []
        for org, count in n.items():
            prior = self.organisation_priors_.get(org, self.population_prior_)
            row = {
                "organisation": org,
                "series": int(count),
                "lambda": float(np.exp(prior.mean[0])),
                "mu": float(prior.mean[1]),
                "sigma": float(np.exp(prior.mean[2])),
            }
            for cls in self.org_effect_.columns:
                effect = self.org_effect_[cls].get(org, 0.0)
                row[f"growth_multiplier_{cls}"] = float(np.exp(effect))
            out.append(row)
        return (
            pd.DataFrame(out)
            .sort_values("series", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
