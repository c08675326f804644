"""Reproduce Bhandari et al. (2025)'s fine-tune fits and compare them with ours.

Reads the paper's real series (``finetune/*.csv``: monthly cumulative fine-tunes of Hub
base models, with the authors' own fitted lambda, mu, sigma), reproduces the published
parameters of the largest ones with the paper's fitter (scipy ``curve_fit`` from
(0.5, 2.0, 0.5), bounds (0, inf); the published numbers come out with m = 1 and t in years),
shows where those fits failed or stuck at a bound, and fits the same series with
:class:`growth.WSBFitter`, which gives every series a finite fit with a status.

Usage:
    python examples/reproduce_paper.py [PATH] [--top 50]
PATH defaults to ../shared/data/bhandari2025 (the folder holding finetune/).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from growth import WSBFitter  # noqa: E402
from growth.backtest import paper_fit, paper_model  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "bhandari2025"
PAPER_START = (0.5, 2.0, 0.5)
#: The published parameters come from m = 1 and t in years (see ../shared/docs/growth-notes.md).
PUBLISHED_M = 1.0


def read_finetune(path: Path) -> pd.DataFrame:
    """One row per base model: ``model, age_months`` and ``cumulative`` (arrays) and the
    authors' ``lambda_i, mu_i, sigma_i``, largest series first."""
    rows, seen = [], set()
    for csv in sorted((path / "finetune").glob("*.csv")):
        frame = pd.read_csv(csv)
        months = [c for c in frame.columns if c.endswith("-month")]
        for record in frame.to_dict("records"):
            if record["model"] in seen:
                continue
            seen.add(record["model"])
            values = np.array([record[c] for c in months], dtype=float)
            values = (
                values[: np.flatnonzero(np.isfinite(values))[-1] + 1]
                if np.isfinite(values).any()
                else values[:0]
            )
            rows.append(
                {
                    "model": record["model"],
                    "age_months": np.arange(values.size),
                    "cumulative": values,
                    "last": values[-1] if values.size else 0.0,
                    **{k: record[k] for k in ("lambda_i", "mu_i", "sigma_i")},
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sort_values(["last", "model"], ascending=[False, True], kind="stable")


def paper_verdict(params: np.ndarray, ok: bool) -> str:
    """How a fit of the paper's ended: failed, stuck at its start guess, at a bound, fine."""
    if not ok:
        return "failed"
    if np.allclose(params, PAPER_START):
        return "stuck at start"
    if params[1] < 1e-6 or params[2] < 1e-6:
        return "mu or sigma at bound 0"
    if params[0] > 1_000:
        return "runaway lambda"
    return "fine"


def refit(series: pd.DataFrame) -> pd.DataFrame:
    """The published fit reproduced and ours, for every series, with in-sample errors."""
    rows = []
    for s in series.itertuples():
        years = s.age_months / 12.0
        clock = time.perf_counter()
        p, ok = paper_fit(years, s.cumulative, m=PUBLISHED_M)
        paper_seconds = time.perf_counter() - clock
        published = np.array([s.lambda_i, s.mu_i, s.sigma_i])
        ours = WSBFitter().fit(s.age_months, s.cumulative)
        ours_seconds = time.perf_counter() - clock - paper_seconds
        fitted = ours.predict(s.age_months)["median"].to_numpy()
        nat = ours.params_table().loc[["lambda", "mu", "sigma"], "estimate"]
        rows.append(
            {
                "model": s.model,
                "months": len(s.cumulative),
                "last": int(s.last),
                "published_lambda": s.lambda_i,
                "published_mu": s.mu_i,
                "published_sigma": s.sigma_i,
                "reproduced": bool(ok and np.allclose(p, published, rtol=1e-3, atol=1e-6)),
                "published": paper_verdict(published, bool(np.isfinite(published).all())),
                "ours_status": ours.status_,
                "ours_lambda": nat["lambda"],
                "ours_mu": nat["mu"],
                "ours_sigma": nat["sigma"],
                "ours_ultimate": ours.ultimate_,
                "published_rmse": _rmse(
                    paper_model(years, *published, m=PUBLISHED_M), s.cumulative
                ),
                "ours_rmse": _rmse(fitted, s.cumulative),
                "paper_seconds": paper_seconds,
                "ours_seconds": ours_seconds,
            }
        )
    return pd.DataFrame(rows)


def _rmse(fitted: np.ndarray, observed: np.ndarray) -> float:
    return float(np.sqrt(np.mean((fitted - observed) ** 2)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        default=str(DEFAULT),
        help="the bhandari2025 data folder (holds finetune/)",
    )
    parser.add_argument("--top", type=int, default=50, help="largest series to refit")
    args = parser.parse_args(argv)
    path = Path(args.path)
    if not (path / "finetune").is_dir():
        print(
            f"no finetune/ folder under {path}: pass the bhandari2025 data folder", file=sys.stderr
        )
        return 2

    series = read_finetune(path)
    table = refit(series.head(args.top))
    n = len(table)
    print(f"{len(series):,} series in {path}; refitting the {n} largest")
    print(
        f"\nPublished parameters reproduced (curve_fit from {PAPER_START}, m = 1, t in "
        f"years): {table['reproduced'].sum()} of {n}"
    )
    others = table.loc[~table["reproduced"], "published"].value_counts()
    if len(others):
        print(
            "  not reproduced: "
            + ", ".join(f"{v} {k}" for k, v in others.items())
            + " (a runaway fit walks the lambda-mu ridge and stops wherever its budget ends)"
        )
    print("How the published fits ended:")
    print(table["published"].value_counts().to_string())
    print("\nOur fitter (WSBFitter defaults: m = 30, t = age_months + 1), statuses:")
    print(table["ours_status"].value_counts().to_string())
    finite = np.isfinite(table[["ours_lambda", "ours_mu", "ours_sigma"]]).all(axis=1)
    better = (table["ours_rmse"] < table["published_rmse"]).sum()
    print(
        f"finite parameters: {finite.sum()} of {n}; in-sample RMSE below the published "
        f"curve's on {better} of {n} (median ours {table['ours_rmse'].median():.1f}, "
        f"published {table['published_rmse'].median():.1f})"
    )
    print(
        f"time: the paper's fitter {table['paper_seconds'].sum():.1f} s, "
        f"ours {table['ours_seconds'].sum():.1f} s"
    )

    print("\nThe largest (lambda is not comparable across m and time units; c_inf is):")
    cols = [
        "model",
        "last",
        "published",
        "published_lambda",
        "published_mu",
        "ours_status",
        "ours_lambda",
        "ours_mu",
        "ours_sigma",
        "ours_ultimate",
    ]
    print(table[cols].head(10).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
