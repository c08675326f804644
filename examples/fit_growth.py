"""Fit Wang-Song-Barabasi growth to your own pandas series (no snapshot needed).

``growth`` fits any cumulative monthly series: derivatives of a model, citations of a
paper, stars of a repository. Give it a CSV with ``age_months,cumulative`` columns (one
series) or run it as is on a built-in example series.

Usage:
    python examples/fit_growth.py                      # a built-in series
    python examples/fit_growth.py --csv my_series.csv --plot fit.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from growth import WSB, WSBFitter, compare_curves, fit_many  # noqa: E402


def example_series(months: int = 24, seed: int = 0) -> pd.Series:
    """Cumulative monthly counts from WSB(lambda=2, mu=1.5, sigma=0.8, m=30) plus Poisson
    noise, indexed by age in months (0 = release month)."""
    curve = WSB(m=30.0)
    t = np.arange(months) + 1.0  # the fitter's time convention: t = age_months + 1
    expected = curve.cumulative(t, curve.from_natural(2.0, 1.5, 0.8))
    counts = np.random.default_rng(seed).poisson(np.diff(expected, prepend=0.0))
    return pd.Series(
        np.cumsum(counts), index=pd.RangeIndex(months, name="age_months"), name="cumulative"
    )


def read_series(path: str) -> pd.Series:
    """A ``age_months,cumulative`` CSV as a Series indexed by age."""
    frame = pd.read_csv(path)
    return frame.set_index("age_months")["cumulative"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", help="CSV with age_months,cumulative (default: built-in)")
    parser.add_argument("--horizon", type=int, default=12, help="months to forecast")
    parser.add_argument("--plot", help="write a PNG of data, fit, forecast and band")
    args = parser.parse_args(argv)

    series = read_series(args.csv) if args.csv else example_series()
    print(f"{len(series)} months, {series.iloc[-1]:.0f} in all")

    # One series: scikit-learn style.
    fitter = WSBFitter(m=30).fit(series.index, series.to_numpy())
    print(
        f"\nstatus: {fitter.status_}; ultimate count c_inf = {fitter.ultimate_:.0f} "
        f"(80% interval {fitter.ultimate_interval(0.8)[0]:.0f}"
        f"-{fitter.ultimate_interval(0.8)[1]:.0f})"
    )
    print(fitter.summary().to_string(float_format=lambda v: f"{v:.3f}"))
    ahead = np.arange(series.index[-1] + 1, series.index[-1] + 1 + args.horizon)
    print(f"\nForecast, next {args.horizon} months (80% band):")
    print(fitter.predict(ahead, interval=0.8).round(1).to_string(index=False))

    # Which curve describes it best? Maximum likelihood and AIC over the alternatives.
    print("\nCurves by AIC:")
    print(
        compare_curves(series.index, series.to_numpy()).to_string(
            index=False, float_format=lambda v: f"{v:.2f}"
        )
    )

    # Many series at once: the long frame the graph layer and `hf-lineage curves` produce.
    long = pd.concat(
        [
            pd.DataFrame({"model": "yours", "age_months": series.index, "cumulative": series}),
            pd.DataFrame(
                {
                    "model": "half of it",
                    "age_months": series.index,
                    "cumulative": series.to_numpy() // 2,
                }
            ),
        ]
    )
    print("\nfit_many:")
    print(
        fit_many(long, n_jobs=1)[
            ["model", "status", "lambda", "mu", "sigma", "ultimate"]
        ].to_string(index=False, float_format=lambda v: f"{v:.2f}")
    )

    if args.plot:
        # A figure of its own (no pyplot, no backend switch): ax.figure.savefig writes it.
        ax = fitter.plot(horizon=args.horizon, interval=0.8, title="WSB fit and forecast")
        ax.figure.savefig(args.plot, dpi=100)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
