"""hf-lineage: the Hugging Face model derivative graph, crawled, counted and forecast.

The main names are importable from here (loaded on first use, so ``import lineage`` stays
light)::

    >>> import lineage
    >>> sorted(lineage.__all__)[:3]
    ['CrawlProgress', 'LineageGraph', 'LocalHub']

Layers, data flowing one way: :mod:`lineage.hub` (client, crawl, store) ->
:mod:`lineage.graph` (graph, counts) -> :mod:`growth` (fits) -> :mod:`lineage.ranking`,
:mod:`lineage.viz` (pages) and ``cli.py``. :mod:`lineage.sim` simulates and serves a Hub.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "LineageGraph": "lineage.graph",
    "crawl": "lineage.hub.crawl",
    "CrawlProgress": "lineage.hub.crawl",
    "Store": "lineage.hub.store",
    "lineage_html": "lineage.viz",
    "rank_models": "lineage.ranking",
    "fit_model": "lineage.ranking",
    "simulate_frames": "lineage.sim.simulate",
    "simulate_hub": "lineage.sim.simulate",
    "LocalHub": "lineage.sim.hubserver",
    "Progress": "lineage.progress",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lineage' has no attribute {name!r}")
