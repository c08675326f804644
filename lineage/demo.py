"""The offline end-to-end demo: simulate a Hub, serve it, crawl it, count, fit, draw.

Every step is the real one: the synthetic Hub (:mod:`lineage.sim.simulate`) is served on
127.0.0.1 by :class:`lineage.sim.hubserver.LocalHub`, crawled through huggingface_hub's client
(:func:`lineage.hub.crawl.crawl`) into a fresh snapshot, read back as a
:class:`lineage.graph.LineageGraph`, counted, fitted with :mod:`growth`, ranked
(:func:`lineage.ranking.rank_models`) and drawn (:func:`lineage.viz.lineage_html`). Like
``viz``, this module sits at the surface of the data flow: it uses every layer.

Example:
    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), n_models=3_000, seed=1, n_families=2)
    >>> sorted(p.name for p in result.files)[:3]
    ['curves.csv', 'families.png', 'fits.csv']
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from growth.fit import DEFAULT_HORIZON
from growth.plot import Panel, describe_method, describe_result, fits_figure, save_png
from lineage.graph import LineageGraph
from lineage.hub.crawl import crawl
from lineage.hub.store import Store
from lineage.progress import ProgressCallback, report
from lineage.ranking import fit_model, fit_models, rank_models
from lineage.sim.hubserver import LocalHub
from lineage.sim.simulate import simulate_hub
from lineage.viz import lineage_html


@dataclass
class DemoResult:
    """What :func:`run_demo` wrote and measured.

    Parameters
    ----------
    out : pathlib.Path
        The output folder.
    files : list of pathlib.Path
        The files written there.
    n_models, n_edges : int
        The crawled snapshot's size.
    families : list of str
        The largest families' base models, largest first.
    truth : pandas.DataFrame
        The WSB bases' fits beside the generator's parameters.
    snapshot_time : pandas.Timestamp
        When the simulated Hub stopped.
    timings : dict
        Seconds per step.

    Examples
    --------
    See the module docstring.
    """

    out: Path
    files: list[Path]
    n_models: int
    n_edges: int
    families: list[str]
    truth: pd.DataFrame
    snapshot_time: pd.Timestamp
    timings: dict[str, float] = field(default_factory=dict)


def _largest_bases(graph: LineageGraph, n: int) -> list[str]:
    """The ``n`` base models (no parent) with the most distinct descendants."""
    counts = graph.descendant_counts("transitive")
    has_parent = graph.edges["child"].unique()
    counts = counts.drop(index=has_parent, errors="ignore")
    return counts.sort_values(ascending=False, kind="stable").head(n).index.tolist()


def compare_with_truth(
    graph: LineageGraph, truth: pd.DataFrame, interval: float = 0.8
) -> pd.DataFrame:
    """Fit each WSB-driven base's direct curve (:func:`lineage.ranking.fit_model`, complete
    months) with the generator's ``m``; truth beside fit.

    Parameters
    ----------
    graph : LineageGraph
        The crawled simulated Hub.
    truth : pandas.DataFrame
        :attr:`lineage.sim.simulate.SyntheticHub.truth`.
    interval : float
        Central probability of the intervals.

    Returns
    -------
    pandas.DataFrame
        ``model, n_months, derivatives, status`` and for each of lambda, mu, sigma the true
        value, the estimate, its interval and whether the interval holds the truth.

    Examples
    --------
    See the module docstring (:attr:`DemoResult.truth` is this frame).
    """
    rows = []
    for row in truth.to_dict("records"):
        fit = fit_model(graph, row["model"], scope="direct", m=row["m"])
        curve, fitter = fit.curve, fit.fitter
        table = fitter.params_table(interval)
        record = {
            "model": row["model"],
            "n_months": len(curve),
            "derivatives": int(curve["cumulative"].iloc[-1]),
            "status": fitter.status_,
        }
        for name in ("lambda", "mu", "sigma"):
            true = row[name]
            est, lo, hi = table.loc[name, ["estimate", "lower", "upper"]]
            record |= {
                f"{name}_true": true,
                f"{name}_fit": est,
                f"{name}_lower": lo,
                f"{name}_upper": hi,
                f"{name}_covered": bool(lo <= true <= hi),
            }
        rows.append(record)
    return pd.DataFrame(rows)


def _plot_families(
    graph: LineageGraph,
    families: list[str],
    path: Path,
    horizon: int = DEFAULT_HORIZON,
    interval: float = 0.8,
) -> None:
    """A row per family: direct derivatives (left) and whole subtree (right), each with its
    fit (:func:`lineage.ranking.fit_model`), median forecast and band (:mod:`growth.plot`)."""
    panels = []
    for model in families:
        row = []
        for scope in ("direct", "transitive"):
            fit = fit_model(graph, model, scope=scope)
            row.append(
                Panel(
                    fit.fitter,
                    f"{model}: {fit.label}\n{describe_result(fit.fitter, interval=interval)}",
                )
            )
        panels.append(row)
    method = describe_method(panels[0][0].fitter)
    fig = fits_figure(
        panels,
        horizon=horizon,
        interval=interval,
        log_y=True,
        title=f"Largest families: direct derivatives and whole subtree; {method}, "
        f"{horizon}-month forecast",
        panel_size=(5.5, 3.0),
    )
    save_png(fig, path, dpi=100)


class _Stopwatch:
    """Seconds per step: each :meth:`lap` closes the step that ran since the last one."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Record the seconds since the last lap as ``stage``'s."""
        now = time.perf_counter()
        self.timings[stage] = now - self._clock
        self._clock = now


def _fresh_snapshot_path(out: Path) -> Path:
    """Create ``out`` and remove any old snapshot there (its WAL and graph cache too)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("hub.db*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return out / "hub.db"


def _end_of_last_complete_month() -> pd.Timestamp:
    """The last second of the month before the running one (UTC)."""
    return pd.Timestamp.now(tz="UTC").floor("D").replace(day=1) - pd.Timedelta(seconds=1)


def _crawled_graph(db: Path, snapshot_time: pd.Timestamp) -> LineageGraph:
    """The crawled snapshot as a graph dated by the simulated Hub's clock.

    The simulated Hub's clock stopped at its snapshot time; the crawl ran later. Dated by
    the crawl, every curve would end in months nobody could fill.
    """
    with Store(db, readonly=True) as store:
        return LineageGraph.from_frames(store.models_frame(), store.edges_frame(), snapshot_time)


def _both_scopes(count: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """``count(scope)`` for the direct and the transitive scope, stacked."""
    return pd.concat([count(scope) for scope in ("direct", "transitive")], ignore_index=True)


def _write_outputs(
    out: Path, graph: LineageGraph, families: list[str], tables: dict[str, pd.DataFrame]
) -> list[Path]:
    """Write the ``tables`` as CSV files, the families' plot and the largest family's page."""
    files = []
    for name, frame in tables.items():
        files.append(out / f"{name}.csv")
        frame.to_csv(files[-1], index=False)
    if families:
        files.append(out / "families.png")
        _plot_families(graph, families, files[-1])
        files.append(
            lineage_html(
                graph, families[0], path=out / "lineage.html", fits=tables["fits"], fit_top=20
            )
        )
    return files


def run_demo(
    out: str | os.PathLike,
    *,
    n_models: int = 30_000,
    seed: int = 0,
    n_families: int = 6,
    progress: ProgressCallback | None = None,
    end: str | pd.Timestamp | None = None,
) -> DemoResult:
    """Run the whole pipeline offline and write its outputs into ``out``.

    The simulated Hub runs until ``end`` (default: the end of the last complete month, so
    that commands run later on ``out/hub.db`` see complete months up to their running one).

    Writes ``curves.csv`` (direct and transitive curves of the largest families and of the
    generator's WSB bases, complete months), ``fits.csv``, ``rank.csv``, ``truth.csv`` (fits
    of the WSB bases beside the generator's parameters), ``families.png`` and
    ``lineage.html`` (the largest family), and ``hub.db``, the crawled snapshot. Every fit is
    :func:`lineage.ranking.fit_model`'s (weak prior, Hub calibration), so ``fits.csv``,
    ``rank.csv``, the plot, the page and ``hf-lineage fit`` agree.

    Parameters
    ----------
    out : path
        The output folder (created).
    n_models, seed : int
        Size and seed of the simulated Hub (:func:`lineage.sim.simulate_hub`).
    n_families : int
        How many of the largest families are fitted and plotted.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records.
    end : str or pandas.Timestamp, optional
        When the simulated Hub stops.

    Returns
    -------
    DemoResult
        The files written, the snapshot's size and the fitted-vs-true table.

    Examples
    --------
    ``hf-lineage demo`` runs it; the module docstring has a (small) run from Python.
    """

    def say(stage: str, detail: str) -> None:
        report(progress, stage, 0, None, detail)

    out = Path(out)
    db = _fresh_snapshot_path(out)
    stopwatch = _Stopwatch()

    say("simulate", f"{n_models:,} models, seed {seed}")
    hub = simulate_hub(n_models, seed, end=_end_of_last_complete_month() if end is None else end)
    stopwatch.lap("simulate")
    with LocalHub(hub.models) as server:
        say("crawl", f"{server.endpoint} -> {db}")
        crawl(db, endpoint=server.endpoint, progress=progress)
    stopwatch.lap("crawl")

    graph = _crawled_graph(db, hub.snapshot_time)
    families = _largest_bases(graph, n_families)
    say(
        "count",
        f"{graph.n_models:,} models, {len(graph.edges):,} edges; largest family {families[0]}"
        if families
        else "no families",
    )
    wanted = list(dict.fromkeys(families + hub.truth["model"].tolist()))
    curves = _both_scopes(lambda scope: graph.growth_curves(wanted, scope=scope))
    stopwatch.lap("count")

    say("fit", f"{curves.groupby(['model', 'scope']).ngroups} series")
    tables = {
        "curves": curves,
        "fits": _both_scopes(lambda scope: fit_models(graph, wanted, scope=scope)),
        "rank": rank_models(graph, scope="transitive", min_derivatives=10, top=100),
        "truth": compare_with_truth(graph, hub.truth),
    }
    stopwatch.lap("fit")

    say("write", str(out))
    files = [*_write_outputs(out, graph, families, tables), db]
    stopwatch.lap("write")
    return DemoResult(
        out,
        files,
        graph.n_models,
        len(graph.edges),
        families,
        tables["truth"],
        hub.snapshot_time,
        stopwatch.timings,
    )


def truth_summary(truth: pd.DataFrame) -> pd.DataFrame:
    """Median absolute error and interval coverage of lambda, mu, sigma over the WSB bases.

    Parameters
    ----------
    truth : pandas.DataFrame
        :func:`compare_with_truth`'s frame.

    Returns
    -------
    pandas.DataFrame
        ``parameter, median_true, median_abs_error, interval_coverage``.

    Examples
    --------
    >>> truth = pd.DataFrame({f"{p}_{k}": v for p in ("lambda", "mu", "sigma")
    ...                       for k, v in (("true", [1.0, 2.0]), ("fit", [1.5, 2.0]),
    ...                                    ("covered", [True, False]))})
    >>> truth_summary(truth).to_dict("records")[0]["median_abs_error"]
    0.25
    """
    rows = []
    for name in ("lambda", "mu", "sigma"):
        err = np.abs(truth[f"{name}_fit"] - truth[f"{name}_true"])
        rows.append(
            {
                "parameter": name,
                "median_true": truth[f"{name}_true"].median(),
                "median_abs_error": err.median(),
                "interval_coverage": truth[f"{name}_covered"].mean(),
            }
        )
    return pd.DataFrame(rows)
