"""Growth layer: parameter recovery, interval coverage, degenerate input, AIC, fit_many."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from growth.backtest import (
    NaiveLinear,
    PaperForecaster,
    WSBForecaster,
    backtest,
    learn_calibration,
    paper_fit,
    score,
)
from growth.fit import STATUSES, CurveFitter, WSBFitter, clean_series, compare_curves, fit_many
from growth.models import WSB, make_curve
from growth.prior import WEAK_WSB_PRIOR, ForecastCalibration, GaussianPrior, learn_prior


def simulate(curve, theta, months: int, rng, offset: float = 1.0) -> np.ndarray:
    """Cumulative counts at ages 0..months-1 with Poisson monthly increments."""
    mean = np.diff(curve.cumulative(np.r_[0.0, np.arange(months) + offset], theta))
    return np.cumsum(rng.poisson(np.maximum(mean, 0)))


@pytest.mark.parametrize("lam,mu,sigma", [(2.5, 1.5, 0.8), (4.0, 2.5, 1.2), (1.5, 0.8, 0.5)])
def test_recovers_known_parameters(lam, mu, sigma):
    wsb = WSB(m=30.0)
    theta = wsb.from_natural(lam, mu, sigma)
    rng = np.random.default_rng(1)
    hits = {"lambda": 0, "mu": 0, "sigma": 0}
    for _ in range(8):
        cum = simulate(wsb, theta, 36, rng)
        f = WSBFitter(m=30.0, prior=None).fit(np.arange(36), cum)
        assert f.status_ in ("ok", "not-yet-saturating")
        p = f.params_
        for name, true in (("lambda", lam), ("mu", mu), ("sigma", sigma)):
            hits[name] += p.loc[name, "lower"] <= true <= p.loc[name, "upper"]
            assert abs(np.log(p.loc[name, "estimate"] / true) if name != "mu"
                       else p.loc[name, "estimate"] - true) < 0.6
    # 95% intervals: at least 6 of 8 cover the truth for every parameter
    assert min(hits.values()) >= 6, hits


def test_ultimate_interval_contains_truth():
    wsb = WSB(m=30.0)
    theta = wsb.from_natural(3.0, 1.2, 0.7)
    cum = simulate(wsb, theta, 30, np.random.default_rng(5))
    f = WSBFitter().fit(np.arange(30), cum)
    lo, hi = f.ultimate_ci_
    assert lo <= wsb.ultimate(theta) <= hi and (lo, hi) == f.ultimate_interval(0.95)
    s = f.summary()
    assert list(s.index) == ["lambda", "mu", "sigma", "ultimate"]
    assert set(s.columns) >= {"estimate", "lower", "upper", "status", "loglik", "aic"}


def test_forecast_intervals_cover_simulated_future():
    """80% intervals of 6-month forecasts from 12 months cover about 80% of the truth."""
    rng = np.random.default_rng(11)
    inside = total = 0
    for _ in range(40):
        lam, mu, sigma = rng.uniform(1.5, 4.0), rng.uniform(1.0, 2.5), rng.uniform(0.6, 1.2)
        wsb = WSB(m=30.0)
        cum = simulate(wsb, wsb.from_natural(lam, mu, sigma), 18, rng)
        pred = WSBFitter(n_draws=300).fit(np.arange(12), cum[:12]).predict(np.arange(12, 18))
        inside += int(((cum[12:] >= pred["lower"]) & (cum[12:] <= pred["upper"])).sum())
        total += 6
        assert np.all(pred["lower"] <= pred["mean"] + 1e-9)
        assert np.all(pred["mean"] <= pred["upper"] + 1e-9)
    assert 0.7 <= inside / total <= 0.97


@pytest.mark.parametrize("ages,cum,status", [
    ([], [], "no-growth"),
    ([0], [0], "no-growth"),
    ([0], [7], "too-short"),
    ([0, 1], [3, 5], "too-short"),
    (list(range(12)), [0] * 12, "no-growth"),
    (list(range(12)), [4] * 12, None),
    (list(range(10)), [0, 5, 9, 12, 11, 10, 13, 14, 12, 15], None),
    ([0, 1, 2, np.nan, 4], [1, 2, np.nan, 5, 6], None),
])
def test_degenerate_inputs_never_raise(ages, cum, status):
    f = WSBFitter().fit(ages, cum)
    assert f.status_ in STATUSES
    if status:
        assert f.status_ == status
    p = f.params_
    if f.status_ == "no-growth":
        assert p["estimate"].isna().all() and np.isnan(f.ultimate_)
    else:
        assert np.isfinite(p["estimate"]).all() and np.isfinite(f.ultimate_)
        assert f.ultimate_ >= 0
    pred = f.predict([30, 36])
    assert pred["mean"].notna().all() and (pred["upper"] >= pred["lower"]).all()
    last = max([c for c in cum if c == c] or [0])
    assert (pred["lower"] >= last - 1e-9).all()  # forecasts never go below the running max


def test_decreasing_series_uses_running_maximum():
    a, c, n_dec = clean_series([0, 1, 2, 3], [2, 8, 6, 9])
    assert c.tolist() == [2, 8, 8, 9] and n_dec == 1
    f = WSBFitter().fit([0, 1, 2, 3, 4], [2, 8, 6, 5, 9])
    assert f.n_decreases_ == 2 and f.c_last_ == 9


@pytest.mark.parametrize("generator", ["wsb", "gompertz"])
def test_aic_prefers_generating_curve(generator):
    rng = np.random.default_rng(3)
    if generator == "wsb":
        curve = WSB(m=30.0)
        theta = curve.from_natural(5.0, 2.0, 0.5)
    else:
        curve = make_curve("gompertz")
        theta = np.log([3000.0, 6.0, 0.25])
    wins = 0
    for _ in range(3):
        cum = simulate(curve, theta, 30, rng)
        tab = compare_curves(np.arange(30), cum, curves=("wsb", "gompertz", "power-cutoff"),
                             likelihood="poisson")
        wins += tab.loc[0, "curve"] == generator
        assert abs(tab["weight"].sum() - 1) < 1e-9
    assert wins >= 2


@pytest.mark.parametrize("name", ["gompertz", "bass", "power-cutoff"])
def test_alternative_curves_share_the_interface(name):
    curve = make_curve(name)
    f = CurveFitter(curve).fit(np.arange(20), np.round(80 * (1 - np.exp(-0.2 * np.arange(1, 21)))))
    assert f.status_ in STATUSES and np.isfinite(f.loglik_)
    assert curve.cumulative(np.array([0.0]), f.theta_)[0] == pytest.approx(0.0, abs=1e-9)
    num = curve.jacobian(np.arange(1.0, 5.0), f.theta_)
    assert num.shape == (4, 3) and np.all(np.isfinite(num))


def test_wsb_analytic_jacobian_matches_differences():
    wsb = WSB(m=20.0)
    theta = wsb.from_natural(2.0, 1.0, 0.9)
    t = np.array([0.0, 0.5, 1.0, 3.0, 10.0])
    from growth.models import Curve
    num = Curve.jacobian(wsb, t, theta)
    assert np.allclose(wsb.jacobian(t, theta), num, rtol=1e-5, atol=1e-6)


def _long_frame(n_models: int, rng) -> pd.DataFrame:
    wsb = WSB(m=30.0)
    parts = []
    for i in range(n_models):
        months = int(rng.integers(4, 30))
        theta = wsb.from_natural(rng.uniform(1, 4), rng.uniform(0.5, 2.5), rng.uniform(0.5, 1.2))
        cum = simulate(wsb, theta, months, rng) if i % 5 else np.zeros(months)
        for scope, c in (("direct", cum), ("transitive", cum * 2)):
            parts.append(pd.DataFrame({"model": f"org/m{i}", "scope": scope,
                                       "month": "2024-01", "age_months": np.arange(months),
                                       "count": np.diff(np.r_[0, c]), "cumulative": c}))
    return pd.concat(parts, ignore_index=True)


def test_fit_many_on_long_frame_parallel_and_empirical_prior():
    frame = _long_frame(25, np.random.default_rng(7))
    calls = []
    out = fit_many(frame, prior="empirical", n_jobs=2, chunk_size=8,
                   progress=lambda done, total: calls.append((done, total)))
    assert len(out) == 50 and set(out["scope"]) == {"direct", "transitive"}
    assert calls[-1] == (100, 100) and all(d <= t for d, t in calls)
    assert set(out["status"]) <= set(STATUSES)
    assert (out.loc[out["model"].isin([f"org/m{i}" for i in range(0, 25, 5)]), "status"]
            == "no-growth").all()
    good = out[out["status"] != "no-growth"]
    assert np.isfinite(good[["lambda", "mu", "sigma", "ultimate"]].to_numpy()).all()
    assert isinstance(out.attrs["prior"], GaussianPrior)
    direct = frame[(frame["scope"] == "direct") & (frame["model"] < "org/m2")]
    serial = fit_many(direct, n_jobs=1)
    parallel = fit_many(direct, n_jobs=2, chunk_size=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_fit_many_rejects_frames_without_columns():
    with pytest.raises(ValueError, match="cumulative"):
        fit_many(pd.DataFrame({"model": ["a"], "age_months": [0]}))


def test_learn_prior_and_prior_helps_young_series():
    rng = np.random.default_rng(2)
    wsb = WSB(m=30.0)
    fits = []
    for _ in range(30):
        theta = wsb.from_natural(rng.uniform(2.5, 3.5), rng.normal(1.8, 0.2), rng.normal(0.8, 0.05))
        fits.append(wsb.natural(theta) | {"status": "ok"})
    prior = learn_prior(pd.DataFrame(fits))
    assert abs(prior.mean[1] - 1.8) < 0.2 and prior.cov.shape == (3, 3)
    assert learn_prior(pd.DataFrame(fits[:3])) is WEAK_WSB_PRIOR
    theta = wsb.from_natural(3.0, 1.8, 0.8)
    errs = {"weak": [], "prior": []}
    for _ in range(10):
        cum = simulate(wsb, theta, 15, rng)
        for key, pr in (("weak", "weak"), ("prior", prior)):
            m = WSBFitter(prior=pr).fit(np.arange(4), cum[:4]).predict([14])["mean"].iloc[0]
            errs[key].append(abs(m - cum[14]))
    assert np.median(errs["prior"]) < np.median(errs["weak"])


def test_backtest_and_paper_fitter():
    wsb = WSB(m=100.0)
    t = np.arange(20.0)
    truth = wsb.cumulative(t, wsb.from_natural(1.0, 1.5, 0.7))
    p, ok = paper_fit(t, truth)
    assert ok and np.allclose(p, [1.0, 1.5, 0.7], rtol=1e-3)
    rows = backtest([("s", t, np.round(truth))], {"paper": PaperForecaster(),
                                                  "naive-linear": NaiveLinear()},
                    origins=(6, 12), horizon=6)
    assert len(rows) == 2 * 2 * 6
    tab = score(rows)
    assert set(tab["forecaster"]) == {"paper", "naive-linear"}


def test_plot_writes_png(tmp_path):
    cum = simulate(WSB(m=30.0), WSB().from_natural(2.0, 1.5, 0.8), 20, np.random.default_rng(0))
    ax = WSBFitter().fit(np.arange(20), cum).plot(horizon=6, log_y=True)
    out = tmp_path / "fit.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 1000


def test_learned_calibration_widens_overconfident_intervals():
    """Series with bursts (gamma-mixed rates) make Poisson intervals too narrow; the
    conformal calibration learned on half of them restores coverage on the other half."""
    rng = np.random.default_rng(4)
    wsb = WSB(m=30.0)
    series = []
    for i in range(60):
        theta = wsb.from_natural(rng.uniform(3, 5), rng.uniform(1.5, 2.5), rng.uniform(0.8, 1.2))
        mean = np.diff(wsb.cumulative(np.arange(0.0, 21.0), theta))
        burst = rng.gamma(1.0, 1.0, size=mean.size)
        series.append((f"s{i}", np.arange(20.0), np.cumsum(rng.poisson(mean * burst))))
    raw = {"ours": WSBForecaster(kwargs={"likelihood": "poisson", "n_draws": 200}),
           "naive-linear": NaiveLinear()}
    cal = learn_calibration(backtest(series[:30], raw, origins=(12,)), min_rows=5)
    assert 0.0 <= cal.blend <= 0.8 and max(q for _, q in cal.widen) > 0
    fixed = {"ours": WSBForecaster(kwargs={"likelihood": "poisson", "n_draws": 200,
                                           "calibration": cal}),
             "raw": raw["ours"], "naive-linear": NaiveLinear()}
    tab = score(backtest(series[30:], fixed, origins=(12,))).set_index(["forecaster", "subset"])
    assert tab.loc[("ours", "active"), "coverage"] > tab.loc[("raw", "active"), "coverage"]
    assert tab.loc[("ours", "active"), "coverage"] >= 0.6


def test_calibration_widens_only_its_own_coverage_and_ignores_unstarted_series():
    cal = ForecastCalibration(blend=0.5, widen=(((True, False, 1), 0.5), ((True, False, 6), 1.0)))
    assert cal.widening(50, 12, 6) == 1.0 and cal.widening(50, 12, 12) == 1.0
    assert cal.widening(50, 12, 6, interval=0.9) == 0.0
    assert cal.widening(5, 12, 6) == 0.0  # no small-series entries: no correction
    ages, cum = np.arange(14.0), np.array([0, 3, 9, 20, 33, 45, 60, 71, 80, 92, 99, 110, 118, 125])
    raw = WSBFitter().fit(ages, cum)
    fixed = WSBFitter(calibration=cal).fit(ages, cum)
    lin = cum[-1] + 6 * np.mean(np.diff(cum)[-3:])
    p_raw, p80, p90 = raw.predict([19]), fixed.predict([19]), fixed.predict([19], interval=0.9)
    assert p80["mean"].iloc[0] == pytest.approx(0.5 * p_raw["mean"].iloc[0] + 0.5 * lin)
    width = (p80["upper"] - p80["lower"]).iloc[0]
    assert width > (p_raw["upper"] - p_raw["lower"]).iloc[0] * 1.5
    raw90 = raw.predict([19], interval=0.9)
    assert (p90["upper"] - p90["lower"]).iloc[0] == pytest.approx(
        (raw90["upper"] - raw90["lower"]).iloc[0], abs=1.0)
    # rows of a series with no derivative at the origin do not enter the interval correction
    names = [f"z{i}" for i in range(20)] + ["g"]
    rows = pd.DataFrame({"series": np.repeat(names, 2), "origin": 6, "h": 6,
                         "forecaster": ["ours", "naive-linear"] * 21,
                         "origin_count": [0] * 40 + [4, 4], "actual": [0.0] * 40 + [9.0, 9.0],
                         "mean": [0.0] * 40 + [5.0, 5.0],
                         "lower": [0.0, np.nan] * 20 + [4.0, np.nan],
                         "upper": [0.0, np.nan] * 20 + [6.0, np.nan]})
    learned = dict(learn_calibration(rows, min_rows=1).widen)
    assert learned[(False, True, 6)] == pytest.approx(np.log1p(5.0) - np.log1p(2.0))
    padded = dict(learn_calibration(rows, min_rows=1, min_origin_count=0).widen)
    assert padded[(False, True, 6)] == 0.0


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bhandari2025" / "finetune"


@pytest.mark.realdata
@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/data/bhandari2025")
def test_real_series_all_get_finite_fits_with_status():
    frame = pd.read_csv(REAL / "Meta.csv").head(40)
    cols = [c for c in frame.columns if c.endswith("-month")]
    for _, row in frame.iterrows():
        cum = row[cols].to_numpy(dtype=float)
        cum = cum[np.isfinite(cum)]
        f = WSBFitter(time_offset=0.0).fit(np.arange(cum.size), cum)
        assert f.status_ in STATUSES
        pred = f.predict([cum.size + 5])
        assert np.isfinite(pred[["mean", "lower", "upper"]].to_numpy()).all()
        if f.status_ != "no-growth":
            assert np.isfinite(f.theta_).all() and f.ultimate_ >= cum[-1] * 0.5
