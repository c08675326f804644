"""Gaussian priors over a curve's internal parameters, and empirical-Bayes learning.

WSB (2013) predicted young papers' citations with a population prior over (lambda, mu,
sigma); :func:`learn_prior` does the same from many fitted series (the output of
:func:`growth.fit.fit_many`), robustly (median and a MAD-scaled covariance).

>>> import pandas as pd
>>> fits = pd.DataFrame({"lambda": [1.0, 2.0, 4.0, 2.0], "mu": [1.0, 2.0, 1.5, 1.2],
...                      "sigma": [1.0, 0.5, 2.0, 1.0], "status": ["ok"] * 4})
>>> p = learn_prior(fits, min_fits=3)
>>> [round(float(v), 2) for v in p.mean]
[0.69, 1.35, 0.0]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas loads where a frame is made: fitting a series needs numpy
    import pandas as pd


@dataclass(frozen=True)
class GaussianPrior:
    """A Gaussian prior over a curve's internal parameters (for WSB: log lambda, mu, log sigma).

    Parameters
    ----------
    mean : numpy.ndarray
        The prior mean, one entry per parameter.
    cov : numpy.ndarray
        Its covariance; a huge variance (1e12) means flat in that direction.

    Examples
    --------
    >>> p = GaussianPrior.diagonal([0.0, 2.0], [np.inf, 0.5])
    >>> np.diag(p.cov).tolist(), np.diag(p.precision).round(6).tolist()
    ([1000000000000.0, 0.25], [0.0, 4.0])
    """

    mean: np.ndarray
    cov: np.ndarray

    @property
    def precision(self) -> np.ndarray:
        """The inverse covariance (a pseudo-inverse: flat directions get 0).

        Examples
        --------
        >>> GaussianPrior.diagonal([0.0, 1.0], [0.5, np.inf]).precision.round(6).tolist()
        [[4.0, 0.0], [0.0, 0.0]]
        """
        return np.linalg.pinv(self.cov, hermitian=True)

    @classmethod
    def diagonal(cls, mean, sd) -> GaussianPrior:
        """A prior with independent parameters.

        Parameters
        ----------
        mean, sd : array-like
            Per parameter; an infinite ``sd`` is flat in that direction.

        Returns
        -------
        GaussianPrior

        Examples
        --------
        See the class docstring.
        """
        sd = np.asarray(sd, dtype=float)
        var = np.where(np.isfinite(sd), sd**2, 1e12)
        return cls(np.asarray(mean, dtype=float), np.diag(var))


@dataclass(frozen=True)
class ForecastCalibration:
    """Population-learned forecast corrections (see :func:`growth.backtest.learn_calibration`).

    ``blend``: weight of the linear extrapolation of the last three increments in the point
    forecast (model averaging: every draw of the predictive distribution moves by ``blend``
    times the gap between the trend and the raw median); ``widen``: pairs ((active, young,
    horizon), q), the conformal correction on the log(1 + growth) scale (q > 0 widens: draws
    below the median move down by q, those above it up by q), by whether the series has
    ``active_min`` derivatives at the origin, whether it is at most ``young_months`` old
    there, and the horizon in months. It was learned for bands of coverage ``interval``;
    bands of other levels come from the same corrected distribution, uncalibrated.

    Parameters
    ----------
    blend : float
        Weight of the linear trend in the point forecast (0: the raw model).
    widen : tuple
        ((active, young, horizon), q) pairs, as above.

    Examples
    --------
    >>> ForecastCalibration().blend, HUB_CALIBRATION.blend > 0
    (0.0, True)
    """

    blend: float = 0.0
    widen: tuple = ()
    active_min: float = 10.0
    young_months: float = 9.0
    interval: float = 0.8

    def widening(
        self, count: float, age: float, horizon: float, interval: float | None = None
    ) -> float:
        """The interval correction q for a series with ``count`` derivatives at ``age``
        months, ``horizon`` months ahead (0 when ``interval`` is given and is not the
        coverage it was learned for).

        Parameters
        ----------
        count, age, horizon : float
            The series at the forecast origin, and how far ahead.
        interval : float, optional
            The band's coverage.

        Returns
        -------
        float

        Examples
        --------
        >>> round(HUB_CALIBRATION.widening(20, 5, 6), 3), HUB_CALIBRATION.widening(20, 5, 6, 0.5)
        (1.036, 0.0)
        """
        if interval is not None and abs(interval - self.interval) > 1e-9:
            return 0.0
        table = dict(self.widen)
        cls = (bool(count >= self.active_min), bool(age <= self.young_months))
        hs = sorted(k[2] for k in table if k[:2] == cls)
        if not hs:
            return 0.0
        h = min(hs, key=lambda v: (abs(v - horizon), v))
        return float(table[(*cls, h)])

    def to_json(self, about: str = "") -> str:
        """The calibration as JSON text (one ``widen`` row a line), read by :meth:`from_json`.

        Parameters
        ----------
        about : str
            How it was learned (kept in the file).

        Returns
        -------
        str

        Examples
        --------
        >>> c = ForecastCalibration(blend=0.5, widen=(((True, False, 6), 0.3),))
        >>> ForecastCalibration.from_json(c.to_json("example")) == c
        True
        """
        head = {
            "about": about,
            "blend": self.blend,
            "active_min": self.active_min,
            "young_months": self.young_months,
            "interval": self.interval,
        }
        rows = [
            json.dumps({"active": a, "young": y, "horizon": h, "q": q})
            for (a, y, h), q in self.widen
        ]
        text = json.dumps(head, indent=1)[:-2]
        return text + ',\n "widen": [\n  ' + ",\n  ".join(rows) + "\n ]\n}\n"

    @classmethod
    def from_json(cls, text: str) -> ForecastCalibration:
        """A calibration from :meth:`to_json` text (the ``about`` field is documentation).

        Parameters
        ----------
        text : str
            JSON written by :meth:`to_json`.

        Returns
        -------
        ForecastCalibration

        Examples
        --------
        See :meth:`to_json`.
        """
        doc = json.loads(text)
        widen = tuple(
            ((bool(r["active"]), bool(r["young"]), int(r["horizon"])), float(r["q"]))
            for r in doc["widen"]
        )
        return cls(
            blend=float(doc["blend"]),
            widen=widen,
            active_min=float(doc["active_min"]),
            young_months=float(doc["young_months"]),
            interval=float(doc["interval"]),
        )


#: Where :data:`HUB_CALIBRATION` is stored (package data, JSON; see
#: :meth:`ForecastCalibration.from_json`).
HUB_CALIBRATION_FILE = Path(__file__).with_name("data") / "hub_calibration.json"


def load_calibration(path: str | os.PathLike = HUB_CALIBRATION_FILE) -> ForecastCalibration:
    """A :class:`ForecastCalibration` from its JSON file (default: the shipped Hub one).

    Parameters
    ----------
    path : path
        A file written by :meth:`ForecastCalibration.to_json`.

    Returns
    -------
    ForecastCalibration

    Examples
    --------
    >>> load_calibration() == HUB_CALIBRATION
    True
    """
    return ForecastCalibration.from_json(Path(path).read_text(encoding="utf-8"))


#: Forecast corrections for Hub derivative counts (``growth/data/hub_calibration.json``, whose
#: ``about`` says how they were learned): backtests of the real fine-tune series of Bhandari
#: et al. (2025), weight on the linear trend of the last three months and the widening of
#: 80% intervals by (active, young, horizon); horizons past 6 months take the 6-month
#: widening. The default of :class:`growth.fit.WSBFitter`, :func:`growth.fit.fit_many`,
#: ``hf-lineage fit`` and ``rank``; ``calibration=None`` gives the raw model.
HUB_CALIBRATION = load_calibration()


#: Weak default prior for WSB: flat in log lambda, mu ~ N(2, 2.5^2), log sigma ~ N(0, 1).
WEAK_WSB_PRIOR = GaussianPrior.diagonal([0.0, 2.0, 0.0], [np.inf, 2.5, 1.0])


def learn_prior(
    fits: pd.DataFrame, *, statuses=("ok",), min_fits: int = 20, inflate: float = 1.0
) -> GaussianPrior:
    """A population prior over (log lambda, mu, log sigma) from fitted series.

    Parameters
    ----------
    fits : pandas.DataFrame
        ``lambda, mu, sigma, status`` columns (as from :func:`growth.fit.fit_many`).
    statuses : iterable of str
        The statuses of the rows used.
    min_fits : int
        Fewer usable rows than this give the weak default prior.
    inflate : float
        Scales the covariance (more than 1: a softer prior).

    Returns
    -------
    GaussianPrior
        Centred on the median, its covariance from the rows within 3 MADs.

    Examples
    --------
    >>> import pandas as pd
    >>> learn_prior(pd.DataFrame({"lambda": [2.0], "mu": [1.0], "sigma": [1.0],
    ...                           "status": ["ok"]})) is WEAK_WSB_PRIOR
    True
    """
    use = fits[fits["status"].isin(statuses)]
    x = np.column_stack(
        [
            np.log(use["lambda"].to_numpy(float)),
            use["mu"].to_numpy(float),
            np.log(use["sigma"].to_numpy(float)),
        ]
    )
    x = x[np.all(np.isfinite(x), axis=1)]
    if len(x) < min_fits:
        return WEAK_WSB_PRIOR
    center = np.median(x, axis=0)
    mad = 1.4826 * np.median(np.abs(x - center), axis=0)
    core = np.all(np.abs(x - center) <= 3 * np.maximum(mad, 1e-6), axis=1)
    cov = np.cov(x[core].T) if core.sum() > 3 else np.diag(np.maximum(mad, 0.1) ** 2)
    cov = cov + np.diag([1e-3] * 3)
    return GaussianPrior(center, cov * inflate)
