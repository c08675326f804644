"""hf-lineage: the Hugging Face model derivative graph, crawled, counted and forecast.

The main names are importable from here (loaded on first use, so ``import lineage`` stays
light)::

    >>> import lineage
    >>> lineage.rank_models.__module__, "LineageGraph" in lineage.__all__
    ('lineage.ranking', True)

Layers, data flowing one way: :mod:`lineage.hub` (client, crawl, store) ->
:mod:`lineage.graph` (graph, counts) -> :mod:`growth` (fits) -> :mod:`lineage.ranking`,
:mod:`lineage.viz` (pages) and ``cli.py``. :mod:`lineage.sim` simulates and serves a Hub.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # hub: crawl the Hub into a snapshot
    "crawl": "lineage.hub.crawl",
    "CrawlProgress": "lineage.hub.crawl",
    "CrawlResult": "lineage.hub.crawl",
    "HubClient": "lineage.hub.client",
    "Store": "lineage.hub.store",
    # graph: the snapshot in memory, counts, tables
    "LineageGraph": "lineage.graph",
    "MonthlyCounts": "lineage.graph.curves",
    "read_graph": "lineage.graph.cache",
    "export_graph": "lineage.graph.export",
    "top_models": "lineage.graph.export",
    "org_table": "lineage.graph.orgs",
    "org_curves": "lineage.graph.orgs",
    # fits and rankings (growth curves of the graph)
    "ModelFit": "lineage.ranking",
    "fit_model": "lineage.ranking",
    "fit_models": "lineage.ranking",
    "rank_models": "lineage.ranking",
    # pages
    "lineage_html": "lineage.viz",
    "write_site": "lineage.viz.site",
    # simulation and a local Hub
    "simulate_frames": "lineage.sim.simulate",
    "simulate_hub": "lineage.sim.simulate",
    "LocalHub": "lineage.sim.hubserver",
    "run_demo": "lineage.demo",
    # progress records and errors
    "Progress": "lineage.progress",
    "HfLineageError": "lineage.errors",
    "UsageError": "lineage.errors",
    "UnknownModelError": "lineage.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lineage' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
