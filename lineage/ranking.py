"""Fit and rank a snapshot's models: graph counts in, growth fits out.

This module sits at the surface of the data flow (beside ``lineage.viz``): it joins the
graph layer (which models, which curves) with ``growth`` (the fits). It is the one place that
fits a model of a snapshot: :func:`fit_model` (one model, with its fitter) and
:func:`fit_models` (many, in parallel) fit the same months (the snapshot's complete ones)
with the same settings, so ``hf-lineage fit``, ``rank``, the lineage page and the demo show
the same numbers for the same (model, scope, relations, prior, calibration).

The prior is the same for every model whatever the ranking's filters: by default the weak
prior :data:`growth.prior.WEAK_WSB_PRIOR` (shipped; mu ~ N(2, 2.5^2) log-months, log sigma ~
N(0, 1), flat in log lambda). A population prior may be passed instead (a
:class:`growth.prior.GaussianPrior`, e.g. from :func:`population_prior`, learned from every
model of the snapshot with a fixed number of derivatives, whatever ``--min-derivatives``).

Example:
    >>> from lineage.graph import LineageGraph
    >>> from lineage.sim.simulate import simulate_frames
    >>> models, edges, _ = simulate_frames(3_000, seed=0)
    >>> graph = LineageGraph.from_frames(models, edges)
    >>> table = rank_models(graph, min_derivatives=20, top=3)
    >>> list(table["rank"]), "lambda" in table
    ([1, 2, 3], True)
    >>> one = fit_model(graph, table["model"][0])
    >>> bool(abs(one.fitter.params_.loc["lambda", "estimate"] - table["lambda"][0]) < 1e-9)
    True
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from growth.fit import WSBFitter, fit_many
from growth.prior import (
    HUB_CALIBRATION,
    WEAK_WSB_PRIOR,
    ForecastCalibration,
    GaussianPrior,
    learn_prior,
)
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.table import Table
from lineage.progress import Progress, ProgressCallback, report

if TYPE_CHECKING:  # pandas loads where a frame is made: one model's fit needs numpy alone
    import pandas as pd

#: ``by`` choices and the column each ranks on: what the data support (the lower end of the
#: ultimate count's interval, not its estimate, which a short series leaves near its cap).
#: The column each ``--by`` ranks on: what the data supports, the lower end of the 80%
#: interval for fitness and ultimate count (a wide interval does not lead a ranking), the
#: median forecast for growth.
RANK_COLUMNS = {
    "fitness": "lambda_lower",
    "ultimate": "ultimate_lower",
    "growth-12m": "growth_12m",
}
#: Columns of a ranking table (more follow them: see :func:`rank_models`).
RANK_TABLE = [
    "rank",
    "model",
    "derivatives",
    "status",
    "lambda",
    "mu",
    "sigma",
    "ultimate",
    "ultimate_lower",
    "ultimate_upper",
    "growth_12m",
]
#: The columns after :data:`RANK_TABLE`.
RANK_EXTRA = [
    "pinned",
    "lambda_lower",
    "lambda_upper",
    "scope",
    "relations",
    "prior",
    "calibration",
]
#: Derivatives a model needs to enter :func:`population_prior`'s population.
POPULATION_MIN_DERIVATIVES = 10


@dataclass(frozen=True)
class ModelFit:
    """One model's growth fit (:func:`fit_model`) and what it was fitted on.

    Parameters
    ----------
    model, scope, relations
        The model id, ``transitive`` or ``direct``, and the relation filter (None: all).
    table : Table
        The months fitted (complete months), as numpy columns: ``model, scope, month,
        age_months, count, cumulative, complete`` (:attr:`curve` is its DataFrame).
    fitter : growth.WSBFitter
        The fitted model.
    prior, calibration
        The prior and forecast calibration used (None: flat, raw).

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f"], "created_at": ["2024-01-09", "2024-02-02"]}),
    ...     pd.DataFrame({"child": ["f"], "parent": ["b"]}), snapshot_time="2024-03-20")
    >>> fit = fit_model(g, "b", scope="direct")
    >>> fit.model, fit.scope, fit.curve["cumulative"].tolist()
    ('b', 'direct', [0, 1])
    """

    model: str
    scope: str
    relations: tuple[str, ...] | None
    table: Table
    fitter: WSBFitter
    prior: GaussianPrior | None
    calibration: ForecastCalibration | None

    @cached_property
    def curve(self) -> pd.DataFrame:
        """The months fitted, as a DataFrame (see :attr:`table`).

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f"], "created_at": ["2024-01-09", "2024-02-02"]}),
        ...     pd.DataFrame({"child": ["f"], "parent": ["b"]}), snapshot_time="2024-03-20")
        >>> list(fit_model(g, "b").curve.columns)
        ['model', 'scope', 'month', 'age_months', 'count', 'cumulative', 'complete']
        """
        return self.table.to_frame()

    @property
    def label(self) -> str:
        """Scope, relation filter, prior and calibration in words, for titles and captions.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f"], "created_at": ["2024-01-09", "2024-02-02"]}),
        ...     pd.DataFrame({"child": ["f"], "parent": ["b"]}), snapshot_time="2024-03-20")
        >>> fit_model(g, "b", scope="direct").label
        'direct derivatives, relations: all, weak prior, hub calibration'
        """
        return describe_fit(
            scope=self.scope,
            relations=self.relations,
            prior=self.prior,
            calibration=self.calibration,
        )


def _prior(prior: GaussianPrior | str | None) -> GaussianPrior | None:
    if isinstance(prior, str):
        if prior != "weak":
            raise UsageError(f"prior must be 'weak', None or a GaussianPrior, got {prior!r}")
        return WEAK_WSB_PRIOR
    return prior


def prior_name(prior: GaussianPrior | str | None) -> str:
    """``weak``, ``flat`` or ``population`` (any other :class:`GaussianPrior`).

    Parameters
    ----------
    prior : GaussianPrior, str or None
        As given to :func:`fit_model`.

    Returns
    -------
    str

    Examples
    --------
    >>> prior_name("weak"), prior_name(None)
    ('weak', 'flat')
    """
    prior = _prior(prior)
    if prior is None:
        return "flat"
    return "weak" if prior is WEAK_WSB_PRIOR else "population"


def calibration_name(calibration: ForecastCalibration | None) -> str:
    """``hub`` (:data:`growth.prior.HUB_CALIBRATION`), ``none`` or ``custom``.

    Parameters
    ----------
    calibration : ForecastCalibration or None
        As given to :func:`fit_model`.

    Returns
    -------
    str

    Examples
    --------
    >>> calibration_name(HUB_CALIBRATION), calibration_name(None)
    ('hub', 'none')
    """
    if calibration is None:
        return "none"
    return "hub" if calibration == HUB_CALIBRATION else "custom"


def relations_name(relations: Iterable[str] | None) -> str:
    """The relation filter in words: ``all`` or the relations joined by ``+``.

    Parameters
    ----------
    relations : iterable of str or None
        A relation filter.

    Returns
    -------
    str

    Examples
    --------
    >>> relations_name(None), relations_name(["finetune", "adapter"])
    ('all', 'adapter+finetune')
    """
    return "+".join(sorted(relations)) if relations else "all"


def describe_fit(
    *,
    scope: str,
    relations: Iterable[str] | None,
    prior: GaussianPrior | str | None,
    calibration: ForecastCalibration | None,
) -> str:
    """One line saying what a fit was fitted on, for table titles, plots and tooltips.

    Parameters
    ----------
    scope, relations, prior, calibration
        As given to :func:`fit_model`.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_fit(scope="direct", relations=["finetune"], prior="weak",
    ...              calibration=HUB_CALIBRATION)
    'direct derivatives, relations: finetune, weak prior, hub calibration'
    """
    return (
        f"{scope} derivatives, relations: {relations_name(relations)}, "
        f"{prior_name(prior)} prior, {calibration_name(calibration)} calibration"
    )


def _relations(relations: Iterable[str] | None) -> tuple[str, ...] | None:
    return tuple(sorted(set(relations))) if relations else None


def fit_model(
    graph: LineageGraph,
    model: str,
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    prior: GaussianPrior | str | None = "weak",
    calibration: ForecastCalibration | None = HUB_CALIBRATION,
    m: float = 30.0,
) -> ModelFit:
    """Fit the WSB model to one model's growth curve (its complete months).

    The one fit of a snapshot's model: ``hf-lineage fit``, ``rank`` (through
    :func:`fit_models`, which fits every series exactly so), the lineage page and the demo
    all use it, so the same (model, scope, relations, prior, calibration) gives the same
    numbers everywhere.

    Parameters
    ----------
    graph
        The snapshot.
    model
        A model id (resolved as :meth:`LineageGraph.index_of` does).
    scope, relations
        ``transitive`` or ``direct`` derivatives, of these relations (None: all).
    prior
        "weak" (default, :data:`growth.prior.WEAK_WSB_PRIOR`), None (flat) or a
        :class:`growth.prior.GaussianPrior` (e.g. :func:`population_prior`).
    calibration
        Forecast corrections (default :data:`growth.prior.HUB_CALIBRATION`; None: raw).
    m
        The WSB scale.

    Returns
    -------
    ModelFit
        The fitter, the curve it was fitted on, the prior and calibration used.

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f", "q"],
    ...                   "created_at": ["2024-01-09", "2024-02-02", "2024-03-05"]}),
    ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"]}),
    ...     snapshot_time="2024-03-20")
    >>> fit = fit_model(g, "b")
    >>> fit.curve["month"].tolist(), fit.fitter.status_
    (['2024-01', '2024-02'], 'too-short')
    >>> fit.label
    'transitive derivatives, relations: all, weak prior, hub calibration'
    """
    rel = _relations(relations)
    used = _prior(prior)
    name = str(graph.ids[graph.index_of(model)])
    table = graph.growth_curves([name], scope=scope, relations=rel, as_frame=False)
    fitter = WSBFitter(m=m, prior=used, calibration=calibration).fit(
        table["age_months"].astype(float), table["cumulative"].astype(float)
    )
    return ModelFit(name, scope, rel, table, fitter, used, calibration)


def fit_models(
    graph: LineageGraph,
    models: Iterable[str],
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    prior: GaussianPrior | str | None = "weak",
    calibration: ForecastCalibration | None = HUB_CALIBRATION,
    m: float = 30.0,
    interval: float = 0.8,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Fit many models as :func:`fit_model` fits each one, in parallel.

    Parameters
    ----------
    graph, scope, relations, prior, calibration, m
        As in :func:`fit_model`.
    models : iterable of str
        The model ids.
    interval : float
        Central probability of the reported intervals.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records (counting, then fitting).
    executor, n_jobs
        As in :func:`growth.fit.fit_many`.

    Returns
    -------
    pandas.DataFrame
        One row per model (:func:`growth.fit.fit_row` columns); ``attrs`` hold ``scope``,
        ``relations``, ``prior`` and ``calibration`` (names) and ``label``
        (:func:`describe_fit`).

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f", "q"],
    ...                   "created_at": ["2024-01-09", "2024-02-02", "2024-03-05"]}),
    ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"]}),
    ...     snapshot_time="2024-03-20")
    >>> fit_models(g, ["b"])[["model", "last_count", "status"]].values.tolist()
    [['b', 1.0, 'too-short']]
    """
    rel = _relations(relations)
    used = _prior(prior)
    curves = graph.growth_curves(list(models), scope=scope, relations=rel, progress=progress)
    fitting = None if progress is None else eta_progress(progress)
    fits = fit_many(
        curves,
        m=m,
        prior=used,
        interval=interval,
        calibration=calibration,
        progress=None
        if fitting is None
        else (lambda stage, done, total: report(fitting, stage, done, total)),
        executor=executor,
        n_jobs=n_jobs,
        chunk_size=16,
    )
    fits.attrs.update(
        scope=scope,
        relations=relations_name(rel),
        prior=prior_name(used),
        calibration=calibration_name(calibration),
        label=describe_fit(scope=scope, relations=rel, prior=used, calibration=calibration),
    )
    return fits


def population_prior(
    graph: LineageGraph,
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    min_derivatives: int = POPULATION_MIN_DERIVATIVES,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> GaussianPrior:
    """An empirical-Bayes prior learned from every model of the snapshot with at least
    ``min_derivatives`` derivatives in (scope, relations) (weak-prior fits,
    :func:`growth.prior.learn_prior`): a population fixed by the snapshot, not by a ranking's
    filters. Pass it as ``prior`` to :func:`fit_model`, :func:`fit_models` or
    :func:`rank_models` (the same prior everywhere gives the same numbers everywhere).

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    scope, relations
        As in :func:`fit_model`.
    min_derivatives : int
        Least derivatives of a model in the population.
    progress, executor
        As in :func:`fit_models`.

    Returns
    -------
    GaussianPrior
        Over (log lambda, mu, log sigma); the weak prior when fewer than 20 fits are ok.

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f", "q"],
    ...                   "created_at": ["2024-01-09", "2024-02-02", "2024-03-05"]}),
    ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"]}), snapshot_time="2024-05-20")
    >>> population_prior(g, min_derivatives=1) is WEAK_WSB_PRIOR  # one model: too few fits
    True
    """
    counts = graph.descendant_counts(scope, relations=_relations(relations), progress=progress)
    population = counts[counts >= min_derivatives].index.tolist()
    fits = fit_models(
        graph,
        population,
        scope=scope,
        relations=relations,
        prior="weak",
        calibration=None,
        progress=progress,
        executor=executor,
    )
    return learn_prior(fits) if len(fits) else WEAK_WSB_PRIOR


def eta_progress(
    progress: ProgressCallback | None, clock=time.monotonic
) -> ProgressCallback | None:
    """Wrap ``progress`` so that each record's message carries its stage's count and the
    time left, estimated from the rate so far: ``"fit: 5/10 (ETA 2 s)"``.

    Parameters
    ----------
    progress : callable or None
        Receives the :class:`lineage.progress.Progress` records, with the ETA message.
    clock : callable
        Seconds (default :func:`time.monotonic`).

    Returns
    -------
    callable or None
        A progress callback (None when ``progress`` is None).

    Examples
    --------
    >>> seen, ticks = [], iter([0.0, 2.0, 4.0])
    >>> show = eta_progress(seen.append, clock=lambda: next(ticks))
    >>> report(show, "fit", 0, 10); report(show, "fit", 5, 10)
    >>> seen[-1].message
    'fit: 5/10 (ETA 2 s)'
    """
    if progress is None:
        return None
    started: dict[str, float] = {}

    def show(record: Progress) -> None:
        now = clock()
        start = started.setdefault(record.stage, now)
        done, total = record.done, record.total
        text = record.message or f"{record.stage}: {done:,}" + (
            f"/{total:,}" if total is not None else ""
        )
        if total and 0 < done < total and now > start:
            text += f" (ETA {(now - start) / done * (total - done):,.0f} s)"
        progress(replace(record, message=text))

    return show


def _empty_reason(
    graph: LineageGraph,
    counts: pd.Series,
    min_derivatives: int,
    scope: str,
    relations: tuple[str, ...] | None,
) -> str:
    """Why no model qualified for a ranking, in one line."""
    head = (
        f"no model has {min_derivatives}+ derivatives in scope {scope} (relations: "
        f"{relations_name(relations)}) by {graph.last_complete_month}, the last complete "
        "month"
    )
    reach = int((counts >= min_derivatives).sum())
    if reach:
        return (
            f"{head}; {reach:,} reach it counting the running month "
            f"{graph.snapshot_month}, which fits leave out"
        )
    most = int(counts.max()) if len(counts) else 0
    return f"{head}; the most any model has is {most:,}: try a lower --min-derivatives"


def rank_models(
    graph: LineageGraph,
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    by: str = "fitness",
    min_derivatives: int = 10,
    top: int | None = 20,
    prior: GaussianPrior | str | None = "weak",
    calibration: ForecastCalibration | None = HUB_CALIBRATION,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Rank the models with at least ``min_derivatives`` derivatives by their growth fits.

    What ``hf-lineage rank`` prints.

    Each model is fitted as :func:`fit_model` fits it, with the same ``prior`` for all
    (default: the weak prior), so a model's fit does not depend on ``min_derivatives``,
    ``top`` or ``by``. Models with fewer than ``min_derivatives`` derivatives by the last
    complete month, or whose series never grew, are left out.

    Order: fits not pinned at a bound first, then pinned ones (a parameter at its box bound,
    e.g. the ultimate count at its cap of 200 times the last count: the data do not support
    the number); within each, by ``by`` (a key of :data:`RANK_COLUMNS`: ``fitness`` ranks on
    the lower end of lambda's interval, ``ultimate`` on the lower end of the ultimate count's
    interval, ``growth-12m`` on
    the median forecast growth), best first, ties by id.

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    scope, relations, prior, calibration
        As in :func:`fit_model`.
    by : str
        A key of :data:`RANK_COLUMNS`.
    min_derivatives : int
        Least number of derivatives (of ``scope``) by the last complete month.
    top : int or None
        How many rows (all when None).
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records.
    executor, n_jobs
        As in :func:`growth.fit.fit_many`.

    Returns
    -------
    pandas.DataFrame
        :data:`RANK_TABLE` then :data:`RANK_EXTRA` columns, at most ``top`` rows. When no
        model qualifies it is empty and ``attrs["empty_reason"]`` says why in one line.
        ``attrs["label"]`` says scope, relation filter, prior and calibration.

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["b", "f", "q", "r"],
    ...                   "created_at": ["2024-01-09", "2024-02-02", "2024-03-05", "2024-04-01"]}),
    ...     pd.DataFrame({"child": ["f", "q", "r"], "parent": ["b", "b", "f"]}),
    ...     snapshot_time="2024-05-20")
    >>> rank_models(g, min_derivatives=1)[["rank", "model", "derivatives"]].values.tolist()
    [[1, 'b', 3], [2, 'f', 1]]
    """
    import pandas as pd

    if by not in RANK_COLUMNS:
        raise UsageError(f"by must be one of {', '.join(RANK_COLUMNS)}, got {by!r}")
    rel = _relations(relations)
    counts = graph.descendant_counts(scope, relations=rel, progress=progress)
    chosen = counts[counts >= min_derivatives].index.tolist()
    fits = fit_models(
        graph,
        chosen,
        scope=scope,
        relations=rel,
        prior=prior,
        calibration=calibration,
        progress=progress if chosen else None,
        executor=executor,
        n_jobs=n_jobs,
    )
    attrs = dict(fits.attrs)
    if len(fits):
        fits = fits[(fits["status"] != "no-growth") & (fits["last_count"] >= min_derivatives)]
    if fits.empty:
        table = pd.DataFrame(columns=RANK_TABLE + RANK_EXTRA)
        table.attrs.update(
            attrs, empty_reason=_empty_reason(graph, counts, min_derivatives, scope, rel)
        )
        return table
    fits = fits.assign(
        derivatives=fits["last_count"].astype(int),
        pinned=fits["pinned"].astype(bool),
        relations=attrs["relations"],
        prior=attrs["prior"],
        calibration=attrs["calibration"],
    )
    key = RANK_COLUMNS[by]
    fits = fits.assign(_key=-fits[key].fillna(-np.inf))
    fits = fits.sort_values(["pinned", "_key", "model"], kind="stable")
    if top is not None:
        fits = fits.head(top)
    fits.insert(0, "rank", range(1, len(fits) + 1))
    table = fits[RANK_TABLE + RANK_EXTRA].reset_index(drop=True)
    table.attrs.update(attrs, by=by)
    return table
