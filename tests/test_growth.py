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
            assert (
                abs(
                    np.log(p.loc[name, "estimate"] / true)
                    if name != "mu"
                    else p.loc[name, "estimate"] - true
                )
                < 0.6
            )
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
        assert np.all(pred["lower"] <= pred["median"]) and np.all(pred["median"] <= pred["upper"])
    assert 0.7 <= inside / total <= 0.97


@pytest.mark.parametrize(
    "ages,cum,status",
    [
        ([], [], "no-growth"),
        ([0], [0], "no-growth"),
        ([0], [7], "too-short"),
        ([0, 1], [3, 5], "too-short"),
        (list(range(12)), [0] * 12, "no-growth"),
        (list(range(12)), [4] * 12, None),
        (list(range(10)), [0, 5, 9, 12, 11, 10, 13, 14, 12, 15], None),
        ([0, 1, 2, np.nan, 4], [1, 2, np.nan, 5, 6], None),
    ],
)
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
    assert pred["median"].notna().all() and (pred["upper"] >= pred["lower"]).all()
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
        tab = compare_curves(
            np.arange(30), cum, curves=("wsb", "gompertz", "power-cutoff"), likelihood="poisson"
        )
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
            parts.append(
                pd.DataFrame(
                    {
                        "model": f"org/m{i}",
                        "scope": scope,
                        "month": "2024-01",
                        "age_months": np.arange(months),
                        "count": np.diff(np.r_[0, c]),
                        "cumulative": c,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def test_fit_many_on_long_frame_parallel_and_empirical_prior():
    frame = _long_frame(25, np.random.default_rng(7))
    calls = []
    out = fit_many(
        frame,
        prior="empirical",
        n_jobs=2,
        chunk_size=8,
        progress=lambda stage, done, total: calls.append((done, total)),
    )
    assert len(out) == 50 and set(out["scope"]) == {"direct", "transitive"}
    assert calls[-1] == (100, 100) and all(d <= t for d, t in calls)
    assert set(out["status"]) <= set(STATUSES)
    assert (
        out.loc[out["model"].isin([f"org/m{i}" for i in range(0, 25, 5)]), "status"] == "no-growth"
    ).all()
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
            fitter = WSBFitter(prior=pr, calibration=None).fit(np.arange(4), cum[:4])
            m = fitter.predict([14])["median"].iloc[0]
            errs[key].append(abs(m - cum[14]))
    assert np.median(errs["prior"]) < np.median(errs["weak"])


def test_backtest_and_paper_fitter():
    wsb = WSB(m=100.0)
    t = np.arange(20.0)
    truth = wsb.cumulative(t, wsb.from_natural(1.0, 1.5, 0.7))
    p, ok = paper_fit(t, truth)
    assert ok and np.allclose(p, [1.0, 1.5, 0.7], rtol=1e-3)
    rows = backtest(
        [("s", t, np.round(truth))],
        {"paper": PaperForecaster(), "naive-linear": NaiveLinear()},
        origins=(6, 12),
        horizon=6,
    )
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
    raw = {
        "ours": WSBForecaster(
            kwargs={"likelihood": "poisson", "n_draws": 200, "calibration": None}
        ),
        "naive-linear": NaiveLinear(),
    }
    cal = learn_calibration(backtest(series[:30], raw, origins=(12,)), min_rows=5)
    assert 0.0 <= cal.blend <= 0.8 and max(q for _, q in cal.widen) > 0
    fixed = {
        "ours": WSBForecaster(kwargs={"likelihood": "poisson", "n_draws": 200, "calibration": cal}),
        "raw": raw["ours"],
        "naive-linear": NaiveLinear(),
    }
    tab = score(backtest(series[30:], fixed, origins=(12,))).set_index(["forecaster", "subset"])
    assert tab.loc[("ours", "active"), "coverage"] > tab.loc[("raw", "active"), "coverage"]
    assert tab.loc[("ours", "active"), "coverage"] >= 0.6


def test_calibration_transforms_the_predictive_distribution_and_ignores_unstarted_series():
    cal = ForecastCalibration(blend=0.5, widen=(((True, False, 1), 0.5), ((True, False, 6), 1.0)))
    assert cal.widening(50, 12, 6) == 1.0 and cal.widening(50, 12, 12) == 1.0
    assert cal.widening(50, 12, 6, interval=0.9) == 0.0
    assert cal.widening(5, 12, 6) == 0.0  # no small-series entries: no correction
    ages, cum = np.arange(14.0), np.array([0, 3, 9, 20, 33, 45, 60, 71, 80, 92, 99, 110, 118, 125])
    raw = WSBFitter(calibration=None).fit(ages, cum)
    fixed = WSBFitter(calibration=cal).fit(ages, cum)
    lin = cum[-1] + 6 * np.mean(np.diff(cum)[-3:])
    p_raw, p80, p90 = raw.predict([19]), fixed.predict([19]), fixed.predict([19], interval=0.9)
    # the blend moves the whole distribution: its median is the blended point forecast
    assert p80["median"].iloc[0] == pytest.approx(0.5 * p_raw["median"].iloc[0] + 0.5 * lin)
    assert p90["median"].iloc[0] == p80["median"].iloc[0]
    width = (p80["upper"] - p80["lower"]).iloc[0]
    assert width > (p_raw["upper"] - p_raw["lower"]).iloc[0] * 1.5
    # one calibrated distribution: the 90% band is the same distribution's, wider than 80%
    raw90 = raw.predict([19], interval=0.9)
    assert (p90["upper"] - p90["lower"]).iloc[0] > (raw90["upper"] - raw90["lower"]).iloc[0]
    assert (p90["lower"] <= p80["lower"]).all() and (p80["upper"] <= p90["upper"]).all()
    # rows of a series with no derivative at the origin do not enter the interval correction
    names = [f"z{i}" for i in range(20)] + ["g"]
    rows = pd.DataFrame(
        {
            "series": np.repeat(names, 2),
            "origin": 6,
            "h": 6,
            "forecaster": ["ours", "naive-linear"] * 21,
            "origin_count": [0] * 40 + [4, 4],
            "actual": [0.0] * 40 + [9.0, 9.0],
            "mean": [0.0] * 40 + [5.0, 5.0],
            "lower": [0.0, np.nan] * 20 + [4.0, np.nan],
            "upper": [0.0, np.nan] * 20 + [6.0, np.nan],
        }
    )
    learned = dict(learn_calibration(rows, min_rows=1).widen)
    assert learned[(False, True, 6)] == pytest.approx(np.log1p(5.0) - np.log1p(2.0))
    padded = dict(learn_calibration(rows, min_rows=1, min_origin_count=0).widen)
    assert padded[(False, True, 6)] == 0.0


REAL = next(
    (
        p / "shared" / "data" / "bhandari2025" / "finetune"
        for p in Path(__file__).resolve().parents[1:4]
        if (p / "shared" / "data" / "bhandari2025" / "finetune").is_dir()
    ),
    Path("/nonexistent"),
)


def _real_series(limit: int, min_months: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``limit`` real series of at least ``min_months`` months, from several companies."""
    out = []
    for path in sorted(REAL.glob("*.csv")):
        frame = pd.read_csv(path).head(limit // 4)
        values = frame[[c for c in frame.columns if c.endswith("-month")]].to_numpy(float)
        for model, cum in zip(frame["model"], values, strict=True):
            cum = cum[np.isfinite(cum)]
            if cum.size >= min_months:
                out.append((model, np.arange(cum.size, dtype=float), cum))
        if len(out) >= limit:
            break
    return out[:limit]


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
        assert np.isfinite(pred[["median", "lower", "upper"]].to_numpy()).all()
        if f.status_ != "no-growth":
            assert np.isfinite(f.theta_).all() and f.ultimate_ >= cum[-1] * 0.5


def _inside_everywhere(rows: pd.DataFrame) -> None:
    """lower <= point <= upper on every row of a backtest (exactly: no tolerance)."""
    bad = rows[(rows["lower"] > rows["mean"]) | (rows["mean"] > rows["upper"])]
    assert bad.empty, bad.head()
    assert rows[["mean", "lower", "upper"]].notna().all().all()


def test_point_forecast_inside_its_band_on_every_backtest_forecast():
    """Point and band come from one predictive distribution: across a backtest of many
    simulated WSB series (overdispersed, young and old, large and tiny), with the default
    calibration, the raw model and a narrowing calibration, no point leaves its band."""
    rng = np.random.default_rng(12)
    wsb = WSB(m=30.0)
    series = []
    for i in range(60):
        theta = wsb.from_natural(
            rng.uniform(0.3, 6.0), rng.uniform(-0.5, 3.5), rng.uniform(0.3, 2.0)
        )
        mean = np.diff(wsb.cumulative(np.arange(0.0, 27.0), theta))
        series.append(
            (
                f"s{i}",
                np.arange(26.0),
                np.cumsum(rng.poisson(mean * rng.gamma(0.7, 1 / 0.7, size=mean.size))),
            )
        )
    narrowing = ForecastCalibration(
        blend=0.5, widen=(((True, False, 3), -0.4), ((False, True, 3), -0.4))
    )
    forecasters = {
        f"ours-{name}": WSBForecaster(kwargs={"n_draws": 200} | kw)
        for name, kw in (
            ("default", {}),
            ("raw", {"calibration": None}),
            ("narrowing", {"calibration": narrowing}),
            ("young", {"calibration": None, "prior": None}),
        )
    }
    rows = backtest(series, forecasters, origins=(3, 6, 12), horizon=12)
    assert rows["forecaster"].nunique() == 4 and len(rows) == 4 * 60 * 3 * 12
    _inside_everywhere(rows)


@pytest.mark.realdata
@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/data/bhandari2025")
def test_point_forecast_inside_its_band_on_real_series():
    series = _real_series(80, 13)
    assert len(series) == 80
    rows = backtest(
        series,
        {
            "default": WSBForecaster(kwargs={"n_draws": 200}),
            "raw": WSBForecaster(kwargs={"n_draws": 200, "calibration": None}),
        },
        origins=(3, 6, 12),
        horizon=6,
    )
    assert len(rows) > 1000
    _inside_everywhere(rows)


def test_calibrated_forecast_is_the_default_and_ships_as_a_data_file(tmp_path):
    from growth.prior import HUB_CALIBRATION, HUB_CALIBRATION_FILE, load_calibration

    assert HUB_CALIBRATION_FILE.name == "hub_calibration.json"
    assert load_calibration() == HUB_CALIBRATION and HUB_CALIBRATION.blend > 0
    assert WSBFitter().calibration is HUB_CALIBRATION
    assert CurveFitter(make_curve("bass")).calibration is None
    ages, cum = np.arange(10), np.array([0, 3, 9, 20, 33, 45, 60, 71, 80, 92])
    default = WSBFitter().fit(ages, cum).predict([12])
    hub = WSBFitter(calibration=HUB_CALIBRATION).fit(ages, cum).predict([12])
    raw = WSBFitter(calibration=None).fit(ages, cum).predict([12])
    pd.testing.assert_frame_equal(default, hub)
    assert (default["upper"] - default["lower"]).iloc[0] > (raw["upper"] - raw["lower"]).iloc[0]
    frame = pd.DataFrame({"model": "a", "age_months": ages, "cumulative": cum})
    many = fit_many(frame, n_jobs=1)
    raw_many = fit_many(frame, n_jobs=1, calibration=None)
    assert many["growth_12m"].iloc[0] != raw_many["growth_12m"].iloc[0]
    one = WSBFitter().fit(ages, cum)
    assert many["growth_12m"].iloc[0] == one.predict([21])["median"].iloc[0] - cum[-1]
    # a calibration round-trips through its file format
    path = tmp_path / "cal.json"
    path.write_text(HUB_CALIBRATION.to_json("test"))
    assert load_calibration(path) == HUB_CALIBRATION


def test_fit_many_leaves_out_incomplete_rows():
    ages, cum = np.arange(10), np.array([0, 3, 9, 20, 33, 45, 60, 71, 80, 92])
    frame = pd.DataFrame(
        {
            "model": "a",
            "age_months": np.r_[ages, 10],
            "cumulative": np.r_[cum, 93],
            "complete": [True] * 10 + [False],
        }
    )
    fitted = fit_many(frame, n_jobs=1)
    alone = WSBFitter().fit(ages, cum)
    assert fitted["n_months"].iloc[0] == 10
    assert fitted["lambda"].iloc[0] == alone.params_.loc["lambda", "estimate"]
    as_text = frame.assign(complete=frame["complete"].map({True: "True", False: "False"}))
    pd.testing.assert_frame_equal(fit_many(as_text, n_jobs=1), fitted)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_fit_many_runs_on_any_executor(kind):
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    frame = _long_frame(12, np.random.default_rng(3))
    serial = fit_many(frame, n_jobs=1)
    calls = []
    pool_type = ThreadPoolExecutor if kind == "thread" else ProcessPoolExecutor
    with pool_type(max_workers=2) as pool:
        out = fit_many(
            frame,
            executor=pool,
            chunk_size=5,
            progress=lambda stage, done, total: calls.append((stage, done, total)),
        )
        # the caller's executor is not shut down: it still runs work
        assert pool.submit(sum, [1, 2]).result() == 3
    pd.testing.assert_frame_equal(out, serial)
    assert calls[0] == ("fit", 0, 24) and calls[-1] == ("fit", 24, 24) and len(calls) == 6
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)
