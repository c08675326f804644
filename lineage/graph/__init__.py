"""The lineage graph in memory: :class:`LineageGraph` and the counting kernels behind it.

- :mod:`lineage.graph.lineage_graph`: the graph (compact arrays, relation filters,
  navigation, curves, networkx / igraph interop);
- :mod:`lineage.graph.counts`: direct and transitive derivative counts, every model at once.
"""

from lineage.graph.calendar import month_label, month_number
from lineage.graph.curves import MonthlyCounts
from lineage.graph.lineage_graph import LineageGraph

__all__ = ["LineageGraph", "MonthlyCounts", "month_label", "month_number"]
