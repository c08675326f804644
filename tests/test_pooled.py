"""PooledForecaster: organisation pooling, release-history features without look-ahead,
honest intervals, clear errors. Skill on real series is measured in bench/growth_bench.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from growth.models import WSB
from growth.pooled import PooledForecaster, _History, organisation_of, organisation_priors


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _panel(rng, *, orgs=("fast", "slow"), per_org=30, months=22, slow_stop=None):
    """Series of two organisations with WSB dynamics; the slow one's fitness is lower. With
    ``slow_stop``, the slow organisation's series stop growing after that age."""
    wsb = WSB(m=30.0)
    parts = []
    for o, org in enumerate(orgs):
        for i in range(per_org):
            lam = rng.uniform(2.5, 3.5) if o == 0 else rng.uniform(1.0, 1.6)
            theta = wsb.from_natural(lam, rng.uniform(1.0, 2.0), rng.uniform(0.7, 1.1))
            mean = np.diff(wsb.cumulative(np.arange(months + 1.0), theta))
            cum = np.cumsum(rng.negative_binomial(3, 3 / (3 + np.maximum(mean, 1e-9))))
            if slow_stop is not None and o == 1:
                cum[slow_stop:] = cum[slow_stop - 1]
            release = 2022 * 12 + int(rng.integers(0, 12))
            parts.append(
                pd.DataFrame(
                    {
                        "model": f"{org}/m{i}",
                        "age_months": np.arange(months),
                        "month": [_month(release + a) for a in range(months)],
                        "cumulative": cum,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def test_organisation_of_and_priors_move_each_organisation_towards_its_own_fits():
    assert organisation_of(["meta-llama/Llama-2-7b", "gpt2"]).tolist() == ["meta-llama", "gpt2"]
    rng = np.random.default_rng(0)
    lam = np.r_[rng.lognormal(np.log(2.0), 0.2, 40), rng.lognormal(np.log(8.0), 0.2, 40), [20.0]]
    fits = pd.DataFrame({"lambda": lam, "mu": 1.5, "sigma": 1.0, "status": "ok"})
    pop, orgs = organisation_priors(fits, ["a"] * 40 + ["b"] * 40 + ["lone"], prior_strength=10.0)
    got = {o: float(np.exp(p.mean[0])) for o, p in orgs.items()}
    population = float(np.exp(pop.mean[0]))
    assert got["a"] < 2.6 and got["b"] > 6.0  # 80% of the way to their own medians
    # one fit moves its organisation only 1/11 of the way from the population
    assert abs(np.log(got["lone"] / population)) == pytest.approx(
        np.log(20.0 / population) / 11, rel=1e-6
    )


def test_release_history_features_by_hand():
    # org "o": x released in month 0, y in month 3; z of another organisation
    rows = []
    for model, release, incs in (
        ("o/x", 0, [0, 4, 4, 4, 4, 4, 4, 4]),
        ("o/y", 3, [0, 1, 2, 3, 6]),
        ("p/z", 0, [0, 100, 100, 100, 100, 100, 100, 100]),
    ):
        cum = np.cumsum(incs)
        rows.append(
            pd.DataFrame(
                {
                    "model": model,
                    "age_months": np.arange(len(incs)),
                    "month": [_month(24000 + release + a) for a in range(len(incs))],
                    "cumulative": cum,
                }
            )
        )
    hist = _History.build(pd.concat(rows, ignore_index=True))
    # at month 7, x's organisation minus x itself is y: last 3 months (5-7) 2 + 3 + 6 = 11,
    # the 3 before (months 2-4) 0 + 0 + 1 = 1; all of it went to a newer model
    momentum, newer = hist.features("o/x", "o", 24000, 24007)
    assert momentum == pytest.approx(np.log(12.0) - np.log(2.0))
    assert newer == pytest.approx(np.log((11 + 0.5) / (11 + 1.0)))
    # y sees x (older): no newer model, x's 4 a month
    momentum, newer = hist.features("o/y", "o", 24003, 24007)
    assert momentum == pytest.approx(0.0)
    assert newer == pytest.approx(np.log(0.5 / 13.0))
    # two months past the data: months 8 and 9 have no derivatives (not the last ones seen)
    momentum, newer = hist.features("o/x", "o", 24000, 24009)
    assert momentum == pytest.approx(np.log1p(6.0) - np.log1p(6.0))
    assert newer == pytest.approx(np.log(6.5 / 7.0))
    # before the organisation's first data: nothing
    assert hist.features("o/x", "o", 24000, 23990) == (0.0, pytest.approx(np.log(0.5)))


def test_forecasts_use_no_data_after_their_origin():
    rng = np.random.default_rng(1)
    panel = _panel(rng, per_org=12, months=18)
    pf = PooledForecaster(origins=(4, 6, 8)).fit(panel)
    cut = panel[panel["age_months"] <= 8]
    months = pd.Series(cut["month"]).map(lambda m: int(m[:4]) * 12 + int(m[5:]))
    # history truncated at the earliest origin month vs the whole panel: differ only for
    # series whose origin is later; for the one released first both must agree exactly
    first = cut.groupby("model")["month"].max().sort_values().index[0]
    origin = months[cut["model"] == first].max()
    past = panel[panel["month"].map(lambda m: int(m[:4]) * 12 + int(m[5:])) <= origin]
    a = pf.predict(cut[cut["model"] == first], history=panel)
    b = pf.predict(cut[cut["model"] == first], history=past)
    pd.testing.assert_frame_equal(a, b)


def test_organisation_effect_and_intervals_on_a_known_panel():
    rng = np.random.default_rng(2)
    # the slow organisation's series stop growing at month 12: after learning from that,
    # its growth multiplier is below the fast one's
    panel = _panel(rng, per_org=40, months=24, slow_stop=12)
    train = panel[panel["model"].str.endswith(tuple(str(i) for i in range(0, 10, 2)))]
    test = panel[~panel["model"].isin(train["model"])]
    pf = PooledForecaster(origins=(6, 9, 12, 14, 16)).fit(train, history=panel)
    summary = pf.summary().set_index("organisation")
    assert (
        summary.loc["slow", "growth_multiplier_active"]
        < summary.loc["fast", "growth_multiplier_active"]
    )
    assert summary.loc["fast", "lambda"] > summary.loc["slow", "lambda"]
    fc = pf.predict(test[test["age_months"] <= 14], history=panel)
    assert set(fc["h"]) == set(range(1, 7))
    assert (fc["lower"] <= fc["mean"]).all() and (fc["mean"] <= fc["upper"]).all()
    actual = test.set_index(["model", "age_months"])["cumulative"]
    y = actual.reindex(pd.MultiIndex.from_arrays([fc["model"], 14 + fc["h"]])).to_numpy()
    inside = (fc["lower"].to_numpy() <= y) & (y <= fc["upper"].to_numpy())
    assert 0.6 <= inside.mean() <= 0.97
    # the slow organisation's stopped series are forecast to (nearly) stay
    slow = fc[fc["organisation"] == "slow"]
    assert np.median((slow["mean"] - slow["origin_count"]) / slow["origin_count"]) < 0.05


def test_series_without_derivatives_stay_and_bad_frames_fail_clearly():
    rng = np.random.default_rng(3)
    panel = _panel(rng, per_org=10, months=14)
    zero = panel[panel["model"] == "fast/m0"].assign(model="fast/none", cumulative=0)
    pf = PooledForecaster(origins=(4, 6)).fit(panel)
    fc = pf.predict(zero)
    assert (fc["mean"] == 0).all() and (fc["lower"] == 0).all()
    with pytest.raises(ValueError, match="lacks columns \\['month'\\]"):
        pf.predict(panel.drop(columns="month"))
    with pytest.raises(ValueError, match="no series reaches"):
        PooledForecaster(origins=(20,)).fit(panel)


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bhandari2025" / "finetune"


@pytest.mark.realdata
@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/data/bhandari2025")
def test_real_series_learn_and_forecast_inside_their_bands():
    parts = []
    for org in ("Qwen", "Microsoft", "Google"):
        frame = pd.read_csv(REAL / f"{org}.csv").head(25)
        created = pd.to_datetime(frame["created_at"], utc=True)
        start = (created.dt.year * 12 + created.dt.month - 1).to_numpy()
        cols = [c for c in frame.columns if c.endswith("-month")]
        for i, row in frame.iterrows():
            cum = row[cols].to_numpy(dtype=float)
            cum = cum[np.isfinite(cum)]
            parts.append(
                pd.DataFrame(
                    {
                        "model": row["model"],
                        "organisation": org,
                        "age_months": np.arange(cum.size),
                        "month": [_month(start[i] + a) for a in range(cum.size)],
                        "cumulative": cum,
                    }
                )
            )
    panel = pd.concat(parts, ignore_index=True)
    pf = PooledForecaster(time_offset=0.0).fit(panel)
    assert set(pf.summary()["organisation"]) == {"Qwen", "Microsoft", "Google"}
    fc = pf.predict(panel[panel["age_months"] <= 8])
    values = fc[["mean", "lower", "upper"]].to_numpy()
    assert np.isfinite(values).all()
    assert (fc["lower"] <= fc["mean"]).all() and (fc["mean"] <= fc["upper"]).all()
    assert (fc["lower"] >= fc["origin_count"]).all()
