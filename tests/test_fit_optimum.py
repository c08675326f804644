"""The fitter's vectorised objective and Newton search: right gradients, true optima.

Speed is measured in ``bench/growth_bench.py`` (never asserted here); these tests check that
the fast path computes the same objective and reaches optima no general-purpose optimiser
can improve on.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from growth.fit import CurveFitter, WSBFitter
from growth.models import WSB, Curve, make_curve


def _series(lam, mu, sigma, months, seed):
    wsb = WSB(m=30.0)
    mean = np.diff(wsb.cumulative(np.arange(months + 1.0), wsb.from_natural(lam, mu, sigma)))
    return np.arange(months), np.cumsum(np.random.default_rng(seed).poisson(mean))


def test_batched_value_and_jacobian_match_one_at_a_time():
    wsb = WSB(m=30.0)
    thetas = np.array([wsb.from_natural(2.0, 1.0, 0.9), wsb.from_natural(5.0, 3.0, 2.0)])
    t = np.array([0.0, 1.0, 2.5, 10.0, 30.0])
    values, jac = wsb.value_and_jacobian(wsb.prepare(t), thetas)
    assert values.shape == (2, 5) and jac.shape == (3, 2, 5)
    for i, theta in enumerate(thetas):
        assert np.allclose(values[i], wsb.cumulative(t, theta), rtol=1e-12)
        assert np.allclose(jac[:, i].T, Curve.jacobian(wsb, t, theta), rtol=1e-5, atol=1e-6)
    assert values[0, 0] == 0.0 and np.all(jac[:, :, 0] == 0.0)  # t = 0: C and C' vanish


@pytest.mark.parametrize("likelihood,half_life", [("nb", None), ("poisson", None), ("nb", 6.0)])
def test_gradient_matches_differences_of_the_objective(likelihood, half_life):
    age, cum = _series(3.0, 1.5, 0.9, 20, 3)
    f = WSBFitter(likelihood=likelihood, half_life=half_life).fit(age, cum)
    x = f.x_ + 0.05
    value, grad, _ = f._terms(x[None])
    num = np.empty(x.size)
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1e-6
        num[j] = (f._terms((x + e)[None])[0][0] - f._terms((x - e)[None])[0][0]) / 2e-6
    assert np.allclose(grad[0], num, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "case",
    [(3.0, 1.5, 0.9, 24, 1), (1.5, 0.5, 0.6, 8, 2), (6.0, 3.5, 1.5, 14, 5), (2.0, 1.0, 0.8, 5, 7)],
)
def test_newton_optimum_cannot_be_improved_by_lbfgsb(case):
    *params, months, seed = case
    age, cum = _series(*params, months, seed)
    f = WSBFitter().fit(age, cum)
    best = f._terms(f.x_[None])[0][0]

    def objective(x):
        value, grad, _ = f._terms(x[None])
        return value[0], grad[0]

    for start in (f.x_, f.x_ + 0.3, f.x_ - 0.3):
        res = optimize.minimize(
            objective,
            np.clip(start, *f._bounds.T),
            jac=True,
            method="L-BFGS-B",
            bounds=f._bounds,
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000},
        )
        assert best <= res.fun + 1e-6 * max(1.0, abs(res.fun))


def test_newton_holds_parameters_at_their_bounds():
    # still growing fast at the end: the ultimate count runs into its cap (200x the last count)
    age = np.arange(8)
    cum = np.array([0, 1, 3, 7, 15, 31, 63, 127])
    f = WSBFitter(prior=None, dispersion_prior=None).fit(age, cum)
    assert f.at_bound_
    lo, hi = f._bounds.T
    grad = f._terms(f.x_[None])[1][0]
    at_lo, at_hi = np.isclose(f.x_, lo), np.isclose(f.x_, hi)
    free = ~(at_lo | at_hi)
    # KKT: zero gradient in the free directions, pointing out of the box at the bounds
    assert np.all(np.abs(grad[free]) < 1e-3)
    assert np.all(grad[at_lo] >= -1e-6) and np.all(grad[at_hi] <= 1e-6)


def test_other_curves_fit_through_the_generic_jacobian():
    age, cum = _series(3.0, 1.5, 0.9, 24, 1)
    for name in ("gompertz", "bass", "power-cutoff"):
        f = CurveFitter(make_curve(name), prior=None).fit(age, cum)
        assert np.all(np.isfinite(f.x_)) and np.isfinite(f.loglik_)
        # the fitted curve tracks the data: last count within 25%
        fitted = float(f.curve.cumulative(age[-1] + f.time_offset, f.theta_))
        assert abs(fitted / cum[-1] - 1) < 0.25, name
