"""Fit growth curves to cumulative derivative counts: never fails, honest intervals.

A negative binomial likelihood of the monthly increments, weak priors (or a population prior)
on the WSB parameters, and Monte Carlo forecasts anchored on the last count; the design and
the benchmark numbers behind each choice are in ``docs/growth-fitting.md``.

Forecasts (:meth:`CurveFitter.predict`) come from one predictive distribution per month: its
``median`` is the point forecast and ``lower``/``upper`` its central quantiles, so a point
forecast always lies inside its own band. By default :class:`WSBFitter` and
:func:`fit_many` apply :data:`growth.prior.HUB_CALIBRATION` (learned on real Hub series: the
distribution is moved towards the recent linear trend and its 80% band widened to its
measured coverage); ``calibration=None`` gives the raw WSB model.

Statuses: ``no-growth`` (no derivative ever: parameters NaN), ``too-short`` (fewer than
three observed months: a finite, prior-driven fit), ``not-yet-saturating`` (less than half
of the fitted ultimate count observed, or its interval spans more than a factor of 10, or a
parameter at a bound), and ``ok``. A decreasing cumulative (deleted derivatives) is
replaced by its running maximum and counted in ``n_decreases_``.

>>> import numpy as np
>>> ages = np.arange(0, 24)
>>> from growth.models import WSB
>>> truth = WSB(m=30.0).cumulative(ages + 1.0, WSB().from_natural(2.5, 1.5, 0.8))
>>> f = WSBFitter().fit(ages, np.round(truth))
>>> f.status_, round(float(f.params_.loc["lambda", "estimate"]), 1)
('ok', 2.5)
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, NamedTuple, Self

import numpy as np
from scipy import special

from growth.models import WSB, Curve, make_curve
from growth.prior import (
    HUB_CALIBRATION,
    WEAK_WSB_PRIOR,
    ForecastCalibration,
    GaussianPrior,
    learn_prior,
)

if TYPE_CHECKING:  # pandas loads where a frame is made: fitting a series needs numpy
    import pandas as pd

STATUSES = ("ok", "not-yet-saturating", "too-short", "no-growth")
#: Months forecast after the last observed month by default, in the CLI's ``fit`` table and
#: PNG and in the HTML pages' growth charts: one horizon everywhere. The forecast
#: calibration was learned at 6 and 12 months ahead; beyond a year the bands are wide and
#: untested.
DEFAULT_HORIZON = 12
_MU_FLOOR = 1e-9
_LOG_R_BOUNDS = (np.log(0.05), np.log(1e4))
#: Prior (mean, sd) on log r, the NB dispersion: Hub series are overdispersed (Pearson
#: dispersion of Poisson WSB fits: median 3.7 on active series; NB r median 1.5), and with
#: a few months of data the maximum-likelihood r runs off to its Poisson bound.
DISPERSION_PRIOR = (np.log(2.0), 1.0)


def clean_series(age_months, cumulative) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted, finite, non-decreasing (age, cumulative) arrays and the number of decreases.

    Parameters
    ----------
    age_months, cumulative : array-like
        A series, in any order, possibly with NaNs and decreases.

    Returns
    -------
    tuple
        ``(age, cumulative, n_decreases)``: NaN rows dropped, sorted by age, a decrease
        held at the running maximum (and counted).

    Examples
    --------
    >>> clean_series([2, 0, 1, 3], [5, 0, 6, float("nan")])
    (array([0., 1., 2.]), array([0., 6., 6.]), 1)
    """
    a = np.asarray(age_months, dtype=float).ravel()
    c = np.asarray(cumulative, dtype=float).ravel()
    n = min(a.size, c.size)
    a, c = a[:n], c[:n]
    ok = np.isfinite(a) & np.isfinite(c) & (a >= 0)
    a, c = a[ok], np.maximum(c[ok], 0.0)
    order = np.argsort(a, kind="stable")
    a, c = a[order], c[order]
    if a.size:
        last = np.r_[a[1:] != a[:-1], True]
        a, c = a[last], c[last]
    run = np.maximum.accumulate(c) if c.size else c
    n_dec = int(np.sum(np.diff(c) < 0)) if c.size > 1 else 0
    return a, run, n_dec


class NotFittedError(ValueError, AttributeError):
    """A fitter's results were asked for before :meth:`CurveFitter.fit` was called.

    Both a :class:`ValueError` and an :class:`AttributeError`, like scikit-learn's.

    Examples
    --------
    >>> WSBFitter().predict([3])
    Traceback (most recent call last):
    ...
    growth.fit.NotFittedError: this WSBFitter is not fitted yet: call fit(...) before predict()
    """


def _require_fit(fitter: CurveFitter, method: str, attribute: str = "status_") -> None:
    """Raise :class:`NotFittedError` naming ``method`` unless ``fitter`` was fitted."""
    if not hasattr(fitter, attribute):
        raise NotFittedError(
            f"this {type(fitter).__name__} is not fitted yet: call fit(...) before {method}()"
        )


def _band(interval: float) -> tuple[float, float]:
    """The lower and upper quantile levels of a central ``interval``."""
    return 0.5 - interval / 2, 0.5 + interval / 2


def _nb_terms(y, log_y_factorial, mu, log_r):
    """NB log-likelihood terms and d/dmu, d/dlog r, for n parameter vectors at once.

    ``y`` (T,) increments, ``log_y_factorial`` their ``gammaln(y + 1)``, ``mu`` (n, T)
    means, ``log_r`` (n, 1) log dispersions or None (Poisson). Returns (n, T) arrays
    (d/dlog r None for Poisson).
    """
    log_mu = np.log(mu)
    if log_r is None:
        return y * log_mu - mu - log_y_factorial, y / mu - 1.0, None
    r = np.exp(log_r)
    r_mu = r + mu
    log_r_mu = np.log(r_mu)
    y_r = y + r
    ratio = y_r / r_mu
    ll = (
        special.gammaln(y_r)
        - special.gammaln(r)
        - log_y_factorial
        + r * log_r
        + y * log_mu
        - y_r * log_r_mu
    )
    d_log_r = r * (special.digamma(y_r) - special.digamma(r) + log_r - log_r_mu + 1.0 - ratio)
    return ll, y / mu - ratio, d_log_r


def _spread(y: np.ndarray, q: np.ndarray, level: float) -> np.ndarray:
    """Spread draws ``y`` (one column per horizon) away from their median by rank: the draw at
    quantile level ``level`` (and beyond) moves up by ``q``, the one at ``1 - level`` (and
    below) down by ``q``, those between in proportion to their level's distance from 0.5.
    Ranks, not values, set the move, so draws tied with the median (small discrete counts)
    spread too and the band's edge moves by exactly ``q``; the order of the draws is kept.

    >>> _spread(np.arange(11.0)[:, None], np.array([1.0]), 0.9).ravel().round(1).tolist()
    [-1.0, 0.0, 1.3, 2.6, 3.9, 5.0, 6.1, 7.4, 8.7, 10.0, 11.0]
    >>> _spread(np.array([[0.0], [1.0], [1.0], [1.0], [2.0]]), np.array([0.5]), 0.75).ravel()
    array([-0.5,  0.5,  1. ,  1.5,  2.5])
    """
    n = y.shape[0]
    order = np.argsort(y, axis=0, kind="stable")
    ys = np.take_along_axis(y, order, axis=0)
    level_of = (np.arange(n) / max(n - 1, 1))[:, None]
    half_step = 0.5 / max(n - 1, 1)  # the middle draw(s), whose value is the median, stay
    away = np.maximum(np.abs(level_of - 0.5) - half_step, 0.0) / (level - 0.5 - half_step)
    frac = np.sign(level_of - 0.5) * np.minimum(away, 1.0)
    mid = np.median(ys, axis=0)
    moved = ys + q * frac
    # a narrowing (q < 0) never carries a draw across the median, nor out of order
    moved = np.where(level_of < 0.5, np.minimum(moved, mid), np.maximum(moved, mid))
    moved = np.maximum.accumulate(moved, axis=0)
    out = np.empty_like(ys)
    np.put_along_axis(out, order, moved, axis=0)
    return out


class ParamInterval(NamedTuple):
    """A fitted parameter with its interval (a row of :meth:`CurveFitter.params_table`)."""

    estimate: float
    lower: float
    upper: float


class Forecast(NamedTuple):
    """Point forecast and band at some ages (:meth:`CurveFitter.predict`'s columns)."""

    age_months: np.ndarray
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class _NewtonRun(NamedTuple):
    """One projected-Newton run: the point reached, its objective, iterations, converged
    (scipy.optimize's OptimizeResult fields, without importing scipy.optimize: 0.3 s)."""

    x: np.ndarray
    fun: float
    nit: int
    success: bool


class CurveFitter:
    """Fit one :class:`growth.models.Curve` to a cumulative series (see module docstring).

    Parameters
    ----------
    curve : growth.models.Curve
        The curve (e.g. ``make_curve("gompertz")``).
    likelihood : {"nb", "poisson"}
        Of the monthly increments.
    prior : GaussianPrior, optional
        Over the curve's internal parameters (None: flat).
    time_offset : float
        ``t = age_months + time_offset``.
    n_draws, seed : int
        Monte Carlo draws for intervals, and their seed.
    half_life : float, optional
        Months: down-weight older increments (None: all weigh the same).
    calibration : ForecastCalibration, optional
        Applied to forecasts (None here: :data:`growth.prior.HUB_CALIBRATION` was learned
        on WSB forecasts and is the default of :class:`WSBFitter`).
    dispersion_prior : tuple of float, optional
        (mean, sd) of log r, the NB dispersion (None: flat).

    Notes
    -----
    After :meth:`fit`: ``params_`` (natural parameters with 95% intervals), ``ultimate_``
    and ``ultimate_ci_``, ``status_``, ``pinned_`` (a parameter at its box bound, e.g. the
    ultimate count at its cap of 200 times the last count), ``loglik_``, ``aic_``,
    ``dispersion_`` (NB r), ``theta_`` / ``cov_`` (internal scale), ``n_decreases_``.

    Examples
    --------
    >>> f = CurveFitter(make_curve("gompertz")).fit([0, 1, 2, 3, 4, 5], [2, 6, 11, 14, 16, 17])
    >>> f.status_, f.k_, bool(17 <= f.ultimate_ < 30)
    ('ok', 4, True)
    """

    def __init__(
        self,
        curve: Curve,
        *,
        likelihood: str = "nb",
        prior: GaussianPrior | None = None,
        time_offset: float = 1.0,
        n_draws: int = 400,
        seed: int = 0,
        half_life: float | None = None,
        calibration: ForecastCalibration | None = None,
        dispersion_prior: tuple[float, float] | None = DISPERSION_PRIOR,
    ):
        if likelihood not in ("nb", "poisson"):
            raise ValueError(f"likelihood must be 'nb' or 'poisson', got {likelihood!r}")
        self.curve = curve
        self.likelihood = likelihood
        self.prior = prior
        self.time_offset = float(time_offset)
        self.n_draws = int(n_draws)
        self.seed = seed
        self.half_life = half_life
        self.calibration = calibration
        self.dispersion_prior = dispersion_prior

    # ----------------------------------------------------------------- objective
    def _terms(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Negative log posterior, its gradient and the (unweighted) log-likelihood at each
        row of ``xs`` (shape (n, k)), in one vectorised pass."""
        p = self.curve.n_params
        theta = xs[:, :p]
        log_r = xs[:, p:] if self.likelihood == "nb" else None
        cum, jac = self.curve.value_and_jacobian(self._time, theta)
        mu = np.maximum(cum[:, 1:] - cum[:, :-1], _MU_FLOOR)
        ll, dmu, d_log_r = _nb_terms(self._y, self._log_y_factorial, mu, log_r)
        loglik = ll.sum(axis=1)
        if self._w is not None:
            ll, dmu = ll * self._w, dmu * self._w
            d_log_r = d_log_r * self._w if d_log_r is not None else None
        # d/dtheta of sum_i dmu_i (C_{i+1} - C_i) = sum_j C'_j (dmu_{j-1} - dmu_j)
        per_point = np.zeros(cum.shape)
        per_point[:, 1:] = dmu
        per_point[:, :-1] -= dmu
        f = -ll.sum(axis=1) if self._w is not None else -loglik
        grad = np.empty(xs.shape)
        grad[:, :p] = -(jac * per_point).sum(axis=2).T
        if log_r is not None:
            grad[:, p] = -d_log_r.sum(axis=1)
        if self.prior is not None:
            d = theta - self.prior.mean
            pd_ = d @ self._prec
            f = f + 0.5 * (d * pd_).sum(axis=1)
            grad[:, :p] += pd_
        if log_r is not None and self.dispersion_prior is not None:
            mean_r, sd_r = self.dispersion_prior
            dr = (log_r[:, 0] - mean_r) / sd_r
            f = f + 0.5 * dr**2
            grad[:, p] += dr / sd_r
        bad = ~np.isfinite(f)
        if bad.any():
            f[bad], grad[bad] = 1e300, 0.0
        return f, grad, loglik

    def _local_quadratic(self, x):
        """Objective, gradient and Hessian at ``x``: the Hessian by central differences of the
        analytic gradient, all 2k + 1 points in one vectorised pass."""
        p = x.size
        steps = 1e-4 * np.maximum(1.0, np.abs(x))
        points = np.repeat(x[None], 2 * p + 1, axis=0)
        points[1 + np.arange(p), np.arange(p)] += steps
        points[1 + p + np.arange(p), np.arange(p)] -= steps
        f, grads, _ = self._terms(points)
        h = ((grads[1 : p + 1] - grads[p + 1 :]) / (2 * steps)[:, None]).T
        return f[0], grads[0], 0.5 * (h + h.T)

    def _hessian(self, x):
        return self._local_quadratic(x)[2]

    def _newton(self, x, *, max_iter: int = 100) -> _NewtonRun:
        """Projected Newton within the box bounds: variables at a bound that the gradient
        pushes outward are held, the others take a Newton step (Hessian eigenvalues taken
        in absolute value, so saddles are left), with a backtracking (Armijo) line search.
        Every trial point comes with its Hessian in the same pass, so an accepted step costs
        one call. Converged when the predicted decrease is below 1e-10."""
        lo, hi = self._bounds[:, 0], self._bounds[:, 1]
        x = np.clip(x, lo, hi)
        f, g, h = self._local_quadratic(x)
        for it in range(1, max_iter + 1):
            if not f < 1e300:
                break
            free = ~(((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0)))
            w, v = np.linalg.eigh(h[np.ix_(free, free)])
            w = np.maximum(np.abs(w), 1e-8 * max(1.0, float(np.abs(w).max())))
            step = np.zeros_like(x)
            step[free] = -(v @ ((v.T @ g[free]) / w))
            if -(g @ step) < 2e-10:
                return _NewtonRun(x=x, fun=f, nit=it, success=True)
            t = 1.0
            while t > 1e-10:
                cand = np.clip(x + t * step, lo, hi)
                f_c, g_c, h_c = self._local_quadratic(cand)
                if f_c <= f + 1e-4 * (g @ (cand - x)):
                    break
                t *= 0.25
            else:
                return _NewtonRun(x=x, fun=f, nit=it, success=True)
            x, f, g, h = cand, f_c, g_c, h_c
        return _NewtonRun(x=x, fun=f, nit=max_iter, success=False)

    # ----------------------------------------------------------------- fitting
    def fit(self, age_months, cumulative) -> Self:
        """Fit the series; never raises on finite or empty input.

        Parameters
        ----------
        age_months, cumulative : array-like
            The series (cleaned by :func:`clean_series`: sorted, NaNs dropped, decreases held).

        Returns
        -------
        CurveFitter
            ``self``, fitted.

        Examples
        --------
        >>> f = WSBFitter().fit([0, 1, 2, 3, 4, 5], [0, 3, 7, 10, 12, 13])
        >>> f.status_, f.c_last_
        ('ok', 13.0)
        """
        a, c, self.n_decreases_ = clean_series(age_months, cumulative)
        self.age_, self.cum_ = a, c
        t = a + self.time_offset
        self.t_last_ = float(t[-1]) if t.size else float(self.time_offset)
        self.c_last_ = float(c[-1]) if c.size else 0.0
        prepend = not (t.size and t[0] <= 0)
        self._tt = np.r_[0.0, t] if prepend else t
        self._time = self.curve.prepare(self._tt)
        self._y = np.diff(np.r_[0.0, c]) if prepend else np.diff(c)
        self._log_y_factorial = special.gammaln(self._y + 1.0)
        self._w = None
        if self.half_life and self._y.size:
            self._w = 0.5 ** ((self._tt[-1] - self._tt[1:]) / self.half_life)
        self.n_increments_ = int(self._y.size)
        k = self.curve.n_params + (self.likelihood == "nb")
        self.k_ = k
        if self.c_last_ <= 0:
            self._set_degenerate("no-growth")
            return self
        self._prec = self.prior.precision if self.prior is not None else None
        bounds = list(self.curve.bounds(self.c_last_))
        if self.likelihood == "nb":
            bounds.append(_LOG_R_BOUNDS)
        self._bounds = np.array(bounds)
        starts = [
            np.r_[s, np.log(10.0)][:k]
            for s in self.curve.starts(t[t > 0] if t.size else t, c[t > 0] if t.size else c)
        ]
        if self.prior is not None:
            starts.append(np.r_[self.prior.mean, np.log(10.0)][:k])
        starts = np.clip(np.array(starts), self._bounds[:, 0], self._bounds[:, 1])
        best = self._optimise(starts)
        if best is None:
            self._set_degenerate("too-short")
            return self
        self.x_ = best.x
        self.n_iter_ = int(best.nit)
        self._finish()
        return self

    def _optimise(self, starts: np.ndarray):
        """Newton from the best start by objective value; the next best starts (up to three in
        all) only when a run does not converge. On the real series, SLSQP runs from the three
        best starts always reached the same optimum as the first (within 1e-6) at 3x the cost."""
        values = self._terms(starts)[0]
        best = None
        for i in np.argsort(values, kind="stable")[:3]:
            res = self._newton(starts[i])
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
            if res.success and np.isfinite(res.fun):
                break
        return best

    def _finish(self):
        x = self.x_
        theta = x[: self.curve.n_params]
        self.theta_ = theta
        self.dispersion_ = float(np.exp(x[-1])) if self.likelihood == "nb" else np.inf
        self.loglik_ = float(self._terms(x[None])[2][0])
        self.aic_ = 2 * self.k_ - 2 * self.loglik_
        h = self._hessian(x)
        try:
            cov = np.linalg.inv(h)
            if not np.all(np.linalg.eigvalsh(cov) > 0):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            w, v = np.linalg.eigh(h)
            cov = (v / np.maximum(w, 1e-6)) @ v.T
        self.cov_ = cov
        self._draw_cache = None
        self.at_bound_ = bool(
            np.any(np.isclose(theta, self._bounds[: theta.size, 0]))
            or np.any(np.isclose(theta, self._bounds[: theta.size, 1]))
        )
        # a curve that ends below the count already observed still ends at that count
        self.ultimate_ = max(float(self.curve.ultimate(theta)), self.c_last_)
        self.ultimate_ci_ = self.ultimate_interval(0.95)
        self.status_ = self._status()

    def _set_degenerate(self, status: str):
        self.status_ = status
        self.theta_ = np.full(self.curve.n_params, np.nan)
        self.x_ = np.full(self.k_, np.nan)
        self.cov_ = np.full((self.k_, self.k_), np.nan)
        self.dispersion_ = np.nan
        self.loglik_ = 0.0 if status == "no-growth" else np.nan
        self.aic_ = 2 * self.k_ - 2 * self.loglik_
        self.ultimate_ = np.nan
        self.ultimate_ci_ = (np.nan, np.nan)
        self.at_bound_ = False
        self.n_iter_ = 0

    def _status(self) -> str:
        if self.n_increments_ < 3:
            return "too-short"
        lo, hi = self.ultimate_interval(0.8)
        if (
            self.c_last_ < 0.5 * self.ultimate_
            or not np.isfinite(hi)
            or hi > 10 * max(lo, 1e-9)
            or self.at_bound_
        ):
            return "not-yet-saturating"
        return "ok"

    @property
    def pinned_(self) -> bool:
        """Whether a parameter sits at its box bound: the data do not determine it (e.g. the
        ultimate count at its cap of 200 times the last count). Such fits are never ``ok``.

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.pinned_
        False
        """
        return bool(getattr(self, "at_bound_", False))

    # ----------------------------------------------------------------- results
    def _z(self, interval):
        # the normal quantile (scipy.stats.norm.ppf is ndtri; scipy.stats alone costs ~0.5 s
        # of import to every command that fits)
        return special.ndtri(0.5 + interval / 2)

    def ultimate_interval(self, interval: float = 0.8) -> tuple[float, float]:
        """Interval of the ultimate count from parameter draws, never below the last count.

        Parameters
        ----------
        interval : float
            Central probability.

        Returns
        -------
        tuple of float
            ``(lower, upper)``; NaNs when the ultimate count is not finite.

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> low, high = f.ultimate_interval()
        >>> bool(30 <= low < f.ultimate_ < high)  # never below the count observed
        True
        """
        _require_fit(self, "ultimate_interval", "ultimate_")
        if not np.isfinite(self.ultimate_):
            return (np.nan, np.nan)
        ult = self.curve.ultimate(self._draws()[:, : self.curve.n_params].T)
        # an ultimate count below the count already observed is no possible outcome
        low, high = np.quantile(np.maximum(ult, self.c_last_), _band(interval))
        return (float(low), float(high))

    def _draws(self) -> np.ndarray:
        if getattr(self, "_draw_cache", None) is None:
            rng = np.random.default_rng(self.seed)
            x = rng.multivariate_normal(self.x_, self.cov_, size=self.n_draws, method="eigh")
            x[0] = self.x_
            self._draw_cache = np.clip(x, self._bounds[:, 0], self._bounds[:, 1])
        return self._draw_cache

    @property
    def params_(self) -> pd.DataFrame:
        """Natural parameters with 95% Wald intervals (from the internal scale).

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.params_.round(2).loc["mu"].tolist()
        [1.6, 1.27, 1.94]
        """
        return self.params_table(0.95)

    def params_table(self, interval: float = 0.95) -> pd.DataFrame:
        """The natural parameters with Wald intervals (on the internal scale).

        Parameters
        ----------
        interval : float
            Central probability.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter: ``estimate, lower, upper`` (NaN for a failed fit).

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.params_table().round(2).loc["mu"].tolist()
        [1.6, 1.27, 1.94]
        """
        import pandas as pd

        rows = self.param_intervals(interval)
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(ParamInterval._fields))

    def param_intervals(self, interval: float = 0.95) -> dict[str, ParamInterval]:
        """The natural parameters with Wald intervals, as records (:meth:`params_table`'s
        rows, without pandas).

        Parameters
        ----------
        interval : float
            Central probability.

        Returns
        -------
        dict of str to ParamInterval
            ``(estimate, lower, upper)`` by parameter name (NaN for a failed fit).

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> [round(v, 2) for v in f.param_intervals()["mu"]]
        [1.6, 1.27, 1.94]
        """
        _require_fit(self, "param_intervals")
        names = list(self.curve.natural(np.zeros(self.curve.n_params)))
        if not np.all(np.isfinite(self.theta_)):
            return {n: ParamInterval(np.nan, np.nan, np.nan) for n in names}
        z = self._z(interval)
        se = np.sqrt(np.maximum(np.diag(self.cov_)[: self.curve.n_params], 0))
        est = self.curve.natural(self.theta_)
        lo = self.curve.natural(self.theta_ - z * se)
        hi = self.curve.natural(self.theta_ + z * se)
        return {
            n: ParamInterval(float(est[n]), float(min(lo[n], hi[n])), float(max(lo[n], hi[n])))
            for n in names
        }

    def predict(self, age_months, interval: float = 0.8) -> pd.DataFrame:
        """Point forecast and band of the cumulative count at the given ages.

        Returns ``age_months, median, lower, upper``, all from one predictive distribution
        per age (:meth:`predictive_draws`): ``median`` is the point forecast, ``lower`` and
        ``upper`` the central ``interval`` of the distribution (so ``lower <= median <=
        upper`` always). There is no mean column on purpose: the mean of a young series'
        skewed forecast can lie above its band (``predictive_draws(ages).mean(axis=0)`` if
        you need it). Ages after the last observation are forecasts anchored on the last
        count, with :attr:`calibration` applied to the distribution; ages at or before it
        give the fitted curve (parameter uncertainty only).

        Parameters
        ----------
        age_months : array-like
            Ages (months since release).
        interval : float
            Central probability of the band.

        Returns
        -------
        pandas.DataFrame
            ``age_months, median, lower, upper``.

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> p = f.predict([15, 18])
        >>> list(p.columns), bool(((p["lower"] <= p["median"]) & (p["median"] <= p["upper"])).all())
        (['age_months', 'median', 'lower', 'upper'], True)
        """
        import pandas as pd

        return pd.DataFrame(self.forecast(age_months, interval)._asdict())

    def forecast(self, age_months, interval: float = 0.8) -> Forecast:
        """:meth:`predict`'s columns as numpy arrays (no pandas).

        Parameters
        ----------
        age_months, interval
            As in :meth:`predict`.

        Returns
        -------
        Forecast
            ``age_months, median, lower, upper``.

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> p = f.forecast([15, 18])
        >>> bool(((p.lower <= p.median) & (p.median <= p.upper)).all())
        True
        """
        ages = np.atleast_1d(np.asarray(age_months, dtype=float))
        draws = self.predictive_draws(ages)
        lo, hi = _band(interval)
        lower, median, upper = np.quantile(draws, [lo, 0.5, hi], axis=0)
        return Forecast(ages, median, lower, upper)

    def predictive_draws(self, age_months) -> np.ndarray:
        """Draws of the cumulative count at the given ages, shape ``(n_draws, len(ages))``:
        the one predictive distribution behind :meth:`predict`.

        Future ages: parameter draws (Laplace approximation), a gamma rate multiplier with
        the fitted dispersion persistent over the horizon, Poisson counts, anchored on the last
        count, then :attr:`calibration` (see :meth:`_calibrate`). Past ages: the fitted curve
        under parameter draws (the data themselves for degenerate fits).

        Parameters
        ----------
        age_months : array-like
            Ages (months since release).

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.predictive_draws([13, 14]).shape
        (400, 2)
        """
        _require_fit(self, "predict")
        ages = np.atleast_1d(np.asarray(age_months, dtype=float))
        t = ages + self.time_offset
        out = np.empty((self.n_draws, ages.size))
        fut = t > self.t_last_
        past = ~fut
        fitted = self.status_ != "no-growth" and bool(np.all(np.isfinite(self.x_)))
        if past.any():
            if fitted:
                draws = self._draws()[:, : self.curve.n_params]
                out[:, past] = self.curve.cumulative(t[past], draws.T[..., None])
            else:
                known = (
                    np.interp(ages[past], self.age_, self.cum_)
                    if self.age_.size
                    else np.zeros(int(past.sum()))
                )
                out[:, past] = known
        if fut.any():
            order = np.argsort(t[fut], kind="stable")
            tf = t[fut][order]
            sims = self._future_draws(tf, fitted)
            sims = self._calibrate(sims, tf - self.t_last_)
            out[:, np.flatnonzero(fut)[order]] = sims
        return out

    def _future_draws(self, tf: np.ndarray, fitted: bool) -> np.ndarray:
        """Raw simulated cumulative counts at the sorted future times ``tf``."""
        rng = np.random.default_rng(self.seed + 1)
        tt = np.r_[self.t_last_, tf]
        if fitted:
            draws = self._draws()
            k = self.curve.n_params
            inc = np.maximum(np.diff(self.curve.cumulative(tt, draws[:, :k].T[..., None])), 0)
            if self.likelihood == "nb":
                r = np.exp(draws[:, k])
                inc = inc * rng.gamma(r, 1.0 / r)[:, None]
        else:  # degenerate fits: a Jeffreys constant rate over the observed months
            rate = (self.c_last_ + 0.5) / max(self.t_last_, 1.0)
            inc = np.broadcast_to(rate * np.diff(tt), (self.n_draws, tf.size))
        return self.c_last_ + np.cumsum(rng.poisson(np.minimum(inc, 1e12)), axis=1)

    def linear_rate(self, last: int = 3) -> float:
        """Mean monthly increment over the last ``last`` observed months (0 if none).

        Parameters
        ----------
        last : int
            Months averaged.

        Returns
        -------
        float

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.linear_rate()
        1.3333333333333333
        """
        if self.age_.size == 0:
            return 0.0
        tt = (
            np.r_[0.0, self.age_ + self.time_offset]
            if self.age_[0] + self.time_offset > 0
            else self.age_ + self.time_offset
        )
        cc = np.r_[0.0, self.cum_] if tt.size > self.cum_.size else self.cum_
        j = min(last, tt.size - 1)
        return float((cc[-1] - cc[-1 - j]) / (tt[-1] - tt[-1 - j])) if j > 0 else 0.0

    def _calibrate(self, sims: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        """Apply :attr:`calibration` to forecast draws ``(n_draws, len(horizon))``.

        Every draw moves by ``blend`` times the gap between the linear trend and the raw
        median (so the median becomes the blended point forecast). Then, on the
        log(1 + growth) scale, the draws are spread away from the median by rank
        (:func:`_spread`): the edges of the calibration's band (e.g. the 10% and 90%
        quantiles) move out by the learned widening ``q``, draws between them and the median
        in proportion, the median stays (growth stays at least 0). Both steps keep the
        draws' order, so the point forecast stays inside its band.
        """
        cal = self.calibration
        if cal is None:
            return sims
        c0 = self.c_last_
        trend = c0 + self.linear_rate() * horizon
        growth = np.maximum(sims + cal.blend * (trend - np.median(sims, axis=0)) - c0, 0.0)
        age = self.t_last_ - self.time_offset
        q = np.array([cal.widening(c0, age, h) for h in horizon])
        spread = _spread(np.log1p(growth), q, _band(cal.interval)[1])
        return c0 + np.expm1(np.maximum(spread, 0.0))

    def summary(self, interval: float = 0.95) -> pd.DataFrame:
        """One row per parameter plus ``ultimate``, with status, loglik and AIC as columns.

        Parameters
        ----------
        interval : float
            Central probability of the intervals.

        Returns
        -------
        pandas.DataFrame
            ``estimate, lower, upper, status, loglik, aic`` by parameter.

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> f.summary().index.tolist()
        ['lambda', 'mu', 'sigma', 'ultimate']
        """
        _require_fit(self, "summary")
        tab = self.params_table(interval)
        tab.loc["ultimate"] = (self.ultimate_, *self.ultimate_interval(interval))
        tab["status"] = self.status_
        tab["loglik"] = self.loglik_
        tab["aic"] = self.aic_
        tab.index.name = "parameter"
        return tab

    def plot(
        self,
        ax=None,
        *,
        horizon: int = DEFAULT_HORIZON,
        interval: float = 0.8,
        log_y: bool = False,
        title: str | None = None,
    ):
        """Data, fitted curve, anchored forecast and its band on a matplotlib axis.

        Without ``ax`` a new :class:`matplotlib.figure.Figure` is made (``ax.figure``;
        ``ax.figure.savefig("fit.png")`` writes it); matplotlib's backend is never changed.
        See :mod:`growth.plot` for the conventions.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure's).
        horizon : int
            Months forecast after the last observation.
        interval : float
            Central probability of the band.
        log_y : bool
            Logarithmic y axis.
        title : str, optional
            Default: the method and the result in words.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> f = WSBFitter().fit(range(12), [0, 2, 5, 9, 14, 18, 21, 24, 26, 28, 29, 30])
        >>> ax = f.plot(horizon=6)
        >>> type(ax.figure).__name__, bool(ax.get_xlim()[1] >= 17)
        ('Figure', True)
        """
        from growth.plot import describe_fit, draw_fit, new_figure, style_axes

        _require_fit(self, "plot")
        if ax is None:
            ax = new_figure(7.0, 4.2).subplots()
        draw_fit(ax, self, horizon=horizon, interval=interval, log_y=log_y)
        style_axes(ax, log_y=log_y)
        ax.set_title(title or describe_fit(self, interval=interval), fontsize=9, loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        return ax


class WSBFitter(CurveFitter):
    """Wang-Song-Barabasi fitter: ``WSBFitter(m=30).fit(age_months, cumulative)``.

    Parameters
    ----------
    m : float
        The WSB ``m`` (the preferential-attachment offset).
    prior : "weak", GaussianPrior or None
        "weak" (default, :data:`WEAK_WSB_PRIOR`), None (flat) or a :class:`GaussianPrior`
        over (log lambda, mu, log sigma), e.g. from :func:`growth.prior.learn_prior`.
    calibration : ForecastCalibration, optional
        Default :data:`growth.prior.HUB_CALIBRATION`, learned on real Hub series: forecasts
        move towards the linear trend of the last three months and their 80% band widens to
        the coverage measured on held-out months; None gives the raw WSB forecast.
    likelihood, time_offset, n_draws, seed, half_life, dispersion_prior
        As in :class:`CurveFitter`.

    Examples
    --------
    >>> f = WSBFitter(m=30).fit([0, 1, 2, 3], [0, 0, 0, 0])
    >>> f.status_, f.predict([6])["median"].tolist()
    ('no-growth', [0.0])
    """

    def __init__(
        self,
        m: float = 30.0,
        *,
        likelihood: str = "nb",
        prior: GaussianPrior | str | None = "weak",
        time_offset: float = 1.0,
        n_draws: int = 400,
        seed: int = 0,
        half_life: float | None = None,
        calibration: ForecastCalibration | None = HUB_CALIBRATION,
        dispersion_prior: tuple[float, float] | None = DISPERSION_PRIOR,
    ):
        if isinstance(prior, str):
            if prior != "weak":
                raise ValueError(f"prior must be 'weak', None or a GaussianPrior, got {prior!r}")
            prior = WEAK_WSB_PRIOR
        super().__init__(
            WSB(m=m),
            likelihood=likelihood,
            prior=prior,
            time_offset=time_offset,
            n_draws=n_draws,
            seed=seed,
            half_life=half_life,
            calibration=calibration,
            dispersion_prior=dispersion_prior,
        )
        self.m = m


def compare_curves(
    age_months,
    cumulative,
    curves=("wsb", "gompertz", "bass", "power-cutoff"),
    *,
    m: float = 30.0,
    likelihood: str = "nb",
    time_offset: float = 1.0,
) -> pd.DataFrame:
    """Fit several curves by maximum likelihood and rank them by AIC (Akaike weights).

    Parameters
    ----------
    age_months, cumulative : array-like
        The series.
    curves : iterable of str
        Names accepted by :func:`growth.models.make_curve`.
    m, likelihood, time_offset
        As in :class:`WSBFitter` (no prior: maximum likelihood).

    Returns
    -------
    pandas.DataFrame
        ``curve, loglik, k, aic, delta_aic, weight, ultimate, status``, best AIC first.

    Examples
    --------
    >>> t = np.arange(0, 30)
    >>> tab = compare_curves(t, np.round(200 * (1 - np.exp(-0.15 * (t + 1)))))
    >>> tab["curve"].tolist(), round(tab["ultimate"].iloc[0])
    (['power-cutoff', 'bass', 'gompertz', 'wsb'], 200)
    """
    import pandas as pd

    rows = []
    for name in curves:
        f = CurveFitter(
            make_curve(name, m=m), likelihood=likelihood, prior=None, time_offset=time_offset
        ).fit(age_months, cumulative)
        rows.append(
            {
                "curve": name,
                "loglik": f.loglik_,
                "k": f.k_,
                "aic": f.aic_,
                "ultimate": f.ultimate_,
                "status": f.status_,
            }
        )
    tab = pd.DataFrame(rows)
    tab["delta_aic"] = tab["aic"] - tab["aic"].min()
    w = np.exp(-0.5 * tab["delta_aic"].fillna(np.inf))
    tab["weight"] = w / w.sum() if w.sum() > 0 else np.nan
    cols = ["curve", "loglik", "k", "aic", "delta_aic", "weight", "ultimate", "status"]
    return tab[cols].sort_values("aic", kind="stable").reset_index(drop=True)


def fit_row(fitter: CurveFitter, interval: float = 0.8) -> dict:
    """A fitted fitter as one flat record (the columns of :func:`fit_many`).

    Parameters
    ----------
    fitter : CurveFitter
        A fitted fitter.
    interval : float
        Central probability of the intervals (``*_lower``, ``*_upper``).

    Returns
    -------
    dict
        ``n_months, last_count``, each parameter with its interval, ``ultimate`` with its
        interval, ``status, pinned, loglik, aic, dispersion, growth_12m``.

    Examples
    --------
    >>> row = fit_row(WSBFitter().fit([0, 1, 2], [0, 0, 0]))
    >>> row["status"], row["n_months"], row["last_count"]
    ('no-growth', 3, 0.0)
    """
    row: dict = {"n_months": int(fitter.age_.size), "last_count": fitter.c_last_}
    for name, (estimate, lower, upper) in fitter.param_intervals(interval).items():
        row[name] = estimate
        row[f"{name}_lower"] = lower
        row[f"{name}_upper"] = upper
    lo, hi = fitter.ultimate_interval(interval)
    row.update(
        ultimate=fitter.ultimate_,
        ultimate_lower=lo,
        ultimate_upper=hi,
        status=fitter.status_,
        pinned=fitter.pinned_,
        loglik=fitter.loglik_,
        aic=fitter.aic_,
        dispersion=fitter.dispersion_,
    )
    if fitter.age_.size:
        last = float(fitter.age_[-1])
        row["growth_12m"] = float(
            fitter.forecast([last + 12.0], interval).median[0] - fitter.c_last_
        )
    else:
        row["growth_12m"] = 0.0
    return row


def _fit_chunk(args) -> list[dict]:
    series, kwargs, interval = args
    out = []
    for key, age, cum in series:
        f = WSBFitter(**kwargs).fit(age, cum)
        out.append({"model": key[0], "scope": key[1], **fit_row(f, interval)})
    return out


def complete_rows(curves: pd.DataFrame) -> pd.DataFrame:
    """The rows of a curve frame to fit: all but the running month's.

    Parameters
    ----------
    curves : pandas.DataFrame
        A curve frame; rows whose ``complete`` column (when there is one) is False, i.e. a
        snapshot's running month, still being counted, are left out.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age_months": [0, 1, 2], "cumulative": [1, 4, 4],
    ...                       "complete": [True, True, False]})
    >>> len(complete_rows(frame))
    2
    """
    if "complete" not in curves.columns:
        return curves
    flag = curves["complete"]
    if flag.dtype == bool:
        return curves[flag.to_numpy()]
    text = flag.astype(str).str.strip().str.lower()  # as read back from a CSV
    return curves[~text.isin(["false", "0", "0.0"]).to_numpy()]


def fit_many(
    curves: pd.DataFrame,
    *,
    m: float = 30.0,
    prior="weak",
    likelihood: str = "nb",
    time_offset: float = 1.0,
    interval: float = 0.8,
    n_jobs: int | None = None,
    chunk_size: int = 64,
    progress: Callable[[str, int, int], None] | None = None,
    calibration: ForecastCalibration | None = HUB_CALIBRATION,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Fit WSB to every (model, scope) series of a long curve frame.

    Parameters
    ----------
    curves
        ``model, age_months, cumulative`` (and usually ``scope``; other columns are
        ignored), as from ``LineageGraph.growth_curves``. Rows whose ``complete`` column is
        False (a running month) are left out (:func:`complete_rows`).
    m, likelihood, time_offset
        As in :class:`WSBFitter`; every series is fitted exactly as ``WSBFitter(...).fit``
        would fit it alone.
    prior
        "weak" (default), None, a :class:`GaussianPrior`, or "empirical" (fit once, learn a
        population prior from the ``ok`` fits of *this frame* with
        :func:`growth.prior.learn_prior`, refit everything with it: the fits then depend on
        which series the frame holds). The prior used is in ``result.attrs["prior"]``.
    interval
        Coverage of the parameter, ultimate and forecast intervals.
    n_jobs, chunk_size
        Worker processes of the default local process pool (default: all cores; serial for
        inputs under two chunks) and series per task.
    progress
        ``progress("fit", done, total)`` at the start and after each chunk (``growth`` never
        imports ``lineage``; :func:`lineage.ranking.fit_models` turns these calls into
        :class:`lineage.progress.Progress` records).
    calibration
        Forecast corrections for ``growth_12m``: :data:`growth.prior.HUB_CALIBRATION` by
        default, None for the raw WSB forecast.
    executor
        Any :class:`concurrent.futures.Executor` to run the chunks on (a thread or process
        pool, ``dask.distributed.Client(...).get_executor()``, ...); it is not shut down.
        Default: a local process pool of ``n_jobs`` workers.

    Returns
    -------
    pandas.DataFrame
        One row per (model, scope): ``n_months, last_count``, parameters with ``interval``
        bounds, ``ultimate`` (with bounds), ``status``, ``pinned``, ``loglik``, ``aic``,
        ``dispersion``, ``growth_12m`` (median forecast growth over the next 12 months).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"model": ["a"] * 5 + ["b"] * 3, "scope": "direct",
    ...                       "age_months": [0, 1, 2, 3, 4, 0, 1, 2],
    ...                       "cumulative": [1, 4, 9, 12, 13, 0, 0, 0]})
    >>> fit_many(frame, n_jobs=1)[["model", "status"]].values.tolist()
    [['a', 'ok'], ['b', 'no-growth']]
    """
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import pandas as pd

    missing = {"model", "age_months", "cumulative"} - set(curves.columns)
    if missing:
        raise ValueError(f"curve frame lacks columns {sorted(missing)}")
    frame = complete_rows(curves)
    frame = frame if "scope" in frame.columns else frame.assign(scope="")
    series = [
        (key, g["age_months"].to_numpy(float), g["cumulative"].to_numpy(float))
        for key, g in frame.groupby(["model", "scope"], sort=True)
    ]
    n = len(series)
    passes = 2 if isinstance(prior, str) and prior == "empirical" else 1
    jobs = n_jobs or os.cpu_count() or 1
    if executor is None and n < 2 * chunk_size:
        jobs = 1
    done = 0

    def run(pr) -> list[dict]:
        nonlocal done
        kwargs = {
            "m": m,
            "prior": pr,
            "likelihood": likelihood,
            "time_offset": time_offset,
            "calibration": calibration,
        }
        chunks = [(series[i : i + chunk_size], kwargs, interval) for i in range(0, n, chunk_size)]
        results: list[list[dict]] = [[] for _ in chunks]

        def finished(i: int, rows: list[dict]) -> None:
            nonlocal done
            results[i] = rows
            done += len(chunks[i][0])
            if progress is not None:
                progress("fit", done, n * passes)

        if executor is None and jobs == 1:
            for i, chunk in enumerate(chunks):
                finished(i, _fit_chunk(chunk))
        else:
            pool = executor or ProcessPoolExecutor(max_workers=jobs)
            try:
                futures = {pool.submit(_fit_chunk, chunk): i for i, chunk in enumerate(chunks)}
                for future in as_completed(futures):
                    finished(futures[future], future.result())
            finally:
                if executor is None:
                    pool.shutdown()
        return [row for rows in results for row in rows]

    if progress is not None:
        progress("fit", 0, n * passes)
    used = "weak" if passes == 2 else prior
    rows = run(used)
    if passes == 2:
        used = learn_prior(pd.DataFrame(rows)) if rows else WEAK_WSB_PRIOR
        rows = run(used)
    cols = ["model", "scope", "n_months", "last_count"]
    out = pd.DataFrame(rows) if rows else pd.DataFrame(columns=cols + ["status"])
    out.attrs["prior"] = WEAK_WSB_PRIOR if isinstance(used, str) else used
    return out
