"""The lineage graph in memory: :class:`LineageGraph` and the counting kernels behind it.

- :mod:`lineage.graph.lineage_graph`: the graph (compact arrays, relation filters,
  navigation, curves, networkx / igraph interop);
- :mod:`lineage.graph.counts`: direct and transitive derivative counts, every model at once;
- :mod:`lineage.graph.cache`: the graph of a snapshot, cached beside it at crawl commit.

The names below load on first use, so that importing a submodule stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LineageGraph": "lineage.graph.lineage_graph",
    "MonthlyCounts": "lineage.graph.curves",
    "month_label": "lineage.graph.calendar",
    "month_number": "lineage.graph.calendar",
}

__all__ = ["LineageGraph", "MonthlyCounts", "month_label", "month_number"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lineage.graph' has no attribute {name!r}")
