"""The graph in networkx and igraph: conversions both ways, node and edge attributes kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lineage.graph.lineage_graph import LineageGraph


def frames_from_networkx(graph) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """``(models, edges, snapshot_time)`` of a networkx DiGraph with edges parent -> child."""
    rows = [{"id": str(node), **data} for node, data in graph.nodes(data=True)]
    models = pd.DataFrame(rows, columns=["id", "created_at"] + sorted(
        {k for r in rows for k in r} - {"id", "created_at"}))
    edges = pd.DataFrame(
        [(str(v), str(u), d.get("relation", "unknown")) for u, v, d in graph.edges(data=True)],
        columns=["child", "parent", "relation"],
    )
    return models, edges, graph.graph.get("snapshot_time")


def node_records(graph: LineageGraph) -> tuple[list[str], dict[str, list]]:
    """Model columns other than ``id`` and their values per node, missing values as None."""
    columns = [c for c in graph.models.columns if c != "id"]
    values = {}
    for col in columns:
        series = graph.models[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            values[col] = [None if pd.isna(t) else t for t in series]
        else:
            values[col] = [None if _isna(v) else v for v in series.tolist()]
    return columns, values


def to_networkx(graph: LineageGraph, relations: Iterable[str] | None = None):
    """networkx DiGraph of ``graph`` (see :meth:`LineageGraph.to_networkx`)."""
    import networkx as nx

    out = nx.DiGraph(snapshot_time=graph.snapshot_time)
    columns, values = node_records(graph)
    out.add_nodes_from(
        (node, {c: values[c][i] for c in columns}) for i, node in enumerate(graph.ids)
    )
    edges = graph.edges_with(relations)
    out.add_edges_from(
        (p, c, {"relation": r})
        for c, p, r in zip(edges["child"], edges["parent"], edges["relation"], strict=True)
    )
    return out


def to_igraph(graph: LineageGraph, relations: Iterable[str] | None = None):
    """python-igraph Graph of ``graph`` (see :meth:`LineageGraph.to_igraph`)."""
    import igraph as ig

    edges = graph.edges_with(relations)
    index = pd.Index(graph.ids)
    parent, child = index.get_indexer(edges["parent"]), index.get_indexer(edges["child"])
    out = ig.Graph(
        n=graph.n_models, edges=np.column_stack([parent, child]).tolist(), directed=True
    )
    out.vs["name"] = graph.ids.tolist()
    columns, values = node_records(graph)
    for col in columns:
        out.vs[col] = values[col]
    out.es["relation"] = edges["relation"].tolist()
    out["snapshot_time"] = graph.snapshot_time
    return out


def _isna(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT
