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

from growth.backtest import backtest, score
from growth.fit import (
    DEFAULT_HORIZON,
    CurveFitter,
    NotFittedError,
    WSBFitter,
    compare_curves,
    fit_many,
    fit_row,
)
from growth.models import WSB, Bass, Curve, Gompertz, PowerCutoff, make_curve
from growth.pooled import PooledForecaster, organisation_priors
from growth.prior import (
    HUB_CALIBRATION,
    WEAK_WSB_PRIOR,
    ForecastCalibration,
    GaussianPrior,
    learn_prior,
    load_calibration,
)

__all__ = [
    "DEFAULT_HORIZON",
    "HUB_CALIBRATION",
    "WEAK_WSB_PRIOR",
    "WSB",
    "Bass",
    "Curve",
    "CurveFitter",
    "ForecastCalibration",
    "GaussianPrior",
    "Gompertz",
    "NotFittedError",
    "PooledForecaster",
    "PowerCutoff",
    "WSBFitter",
    "backtest",
    "compare_curves",
    "fit_many",
    "fit_row",
    "learn_prior",
    "load_calibration",
    "make_curve",
    "organisation_priors",
    "score",
]
