"""Rank a snapshot's models by fitted influence: graph counts in, growth fits out.

This module sits at the surface of the data flow (beside ``lineage.viz``): it joins the
graph layer (which models, which curves) with ``growth`` (the fits).

Example:
    >>> from lineage.graph import LineageGraph
    >>> from lineage.sim.simulate import simulate_frames
    >>> models, edges, _ = simulate_frames(3_000, seed=0)
    >>> table = rank_models(LineageGraph.from_frames(models, edges), min_derivatives=20, top=3)
    >>> list(table["rank"]), "lambda" in table
    ([1, 2, 3], True)
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from growth.fit import fit_many
from growth.prior import HUB_CALIBRATION, ForecastCalibration
from lineage.graph import LineageGraph
from lineage.progress import ProgressCallback, report

#: ``by`` choices and the ``fit_many`` column each ranks on.
RANK_COLUMNS = {"fitness": "lambda", "ultimate": "ultimate", "growth-12m": "growth_12m"}
#: Columns of a ranking table.
RANK_TABLE = ["rank", "model", "derivatives", "status", "lambda", "mu", "sigma", "ultimate",
              "ultimate_lower", "ultimate_upper", "growth_12m"]


def rank_models(
    graph: LineageGraph,
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    by: str = "fitness",
    min_derivatives: int = 10,
    top: int | None = 20,
    calibration: ForecastCalibration | None = HUB_CALIBRATION,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Fit every model with at least ``min_derivatives`` derivatives on its complete months
    (:meth:`LineageGraph.complete_months`), with a population prior learned from them all,
    and rank them (``hf-lineage rank``).

    Returns :data:`RANK_TABLE` columns, best first (ties by id), at most ``top`` rows; models
    whose series never grew are left out. ``by``: a key of :data:`RANK_COLUMNS`;
    ``calibration`` corrects the ``growth_12m`` forecast (None: the raw WSB forecast).
    """
    if by not in RANK_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(RANK_COLUMNS)}, got {by!r}")
    rel = list(relations) if relations else None
    counts = graph.descendant_counts(scope, rel, progress=progress)
    chosen = counts[counts >= min_derivatives].index.tolist()
    if not chosen:
        return pd.DataFrame(columns=RANK_TABLE)
    curves = graph.growth_curves(chosen, scope=scope, relations=rel, progress=progress)
    def fitted(done: int, total: int) -> None:
        report(progress, "fit", done, total)

    fits = fit_many(graph.complete_months(curves), prior="empirical", progress=fitted,
                    calibration=calibration)
    fits = fits[fits["status"] != "no-growth"]
    fits = fits.assign(derivatives=fits["last_count"].astype(int))
    fits = fits.sort_values([RANK_COLUMNS[by], "model"], ascending=[False, True],
                            kind="stable")
    if top is not None:
        fits = fits.head(top)
    fits.insert(0, "rank", range(1, len(fits) + 1))
    return fits[RANK_TABLE].reset_index(drop=True)
