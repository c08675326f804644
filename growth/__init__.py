"""Growth models for cumulative derivative counts: WSB citation dynamics, fits, forecasts.

This package fits any series given as the long curve frame
(``model, scope, month, age_months, count, cumulative``); it never imports ``lineage``.

- :mod:`growth.models`: the WSB curve and alternatives (Gompertz, Bass, power law with
  cutoff), one interface, with the time convention.
- :mod:`growth.fit`: :class:`WSBFitter` / :class:`CurveFitter`, :func:`fit_many`,
  :func:`compare_curves` (AIC).
- :mod:`growth.prior`: population (empirical-Bayes) priors and forecast calibration.
- :mod:`growth.backtest`: backtests, the paper's fitter reproduced, naive baselines.
- :mod:`growth.pooled`: :class:`PooledForecaster`, forecasts that pool organisations and
  their release histories (WSB fits with organisation priors as the summary).
"""

from growth.fit import CurveFitter, WSBFitter, compare_curves, fit_many
from growth.models import WSB, Bass, Gompertz, PowerCutoff, make_curve
from growth.pooled import PooledForecaster
from growth.prior import ForecastCalibration, GaussianPrior, learn_prior

__all__ = [
    "WSB",
    "Bass",
    "CurveFitter",
    "ForecastCalibration",
    "GaussianPrior",
    "Gompertz",
    "PooledForecaster",
    "PowerCutoff",
    "WSBFitter",
    "compare_curves",
    "fit_many",
    "learn_prior",
    "make_curve",
]
