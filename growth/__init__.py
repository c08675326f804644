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

The names below load on first use: fitting one series never loads the backtests' optimiser
(``scipy.optimize``) or the pooled forecaster.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "backtest": "growth.backtest",
    "score": "growth.backtest",
    "DEFAULT_HORIZON": "growth.fit",
    "CurveFitter": "growth.fit",
    "NotFittedError": "growth.fit",
    "WSBFitter": "growth.fit",
    "compare_curves": "growth.fit",
    "fit_many": "growth.fit",
    "fit_row": "growth.fit",
    "WSB": "growth.models",
    "Bass": "growth.models",
    "Curve": "growth.models",
    "Gompertz": "growth.models",
    "PowerCutoff": "growth.models",
    "make_curve": "growth.models",
    "PooledForecaster": "growth.pooled",
    "organisation_priors": "growth.pooled",
    "HUB_CALIBRATION": "growth.prior",
    "WEAK_WSB_PRIOR": "growth.prior",
    "ForecastCalibration": "growth.prior",
    "GaussianPrior": "growth.prior",
    "learn_prior": "growth.prior",
    "load_calibration": "growth.prior",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'growth' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
