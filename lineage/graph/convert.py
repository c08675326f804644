"""The graph in networkx and igraph: conversions both ways, node and edge attributes kept.

Attributes are plain Python values that the libraries' own GraphML and GEXF writers accept
(``nx.write_graphml``, ``nx.write_gexf``, igraph's ``write_graphml``), so nothing is dropped
or refused on the way out:

- timestamps (``created_at``, ``last_modified``) are ISO 8601 strings in UTC,
  ``2023-08-01T12:00:00.000Z``;
- a missing value is :data:`MISSING_TEXT` (the empty string) in text and timestamp columns
  and NaN in numeric ones; booleans and integers stay booleans and integers;
- the graph attribute ``snapshot_time`` is an ISO string too (empty when unknown).

:meth:`LineageGraph.from_networkx` reads the stand-ins back (empty text is a missing value).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lineage.graph.lineage_graph import LineageGraph

MISSING_TEXT = ""
"""The stand-in for a missing text or timestamp attribute in every export format."""


def frames_from_networkx(graph) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """``(models, edges, snapshot_time)`` of a networkx DiGraph with edges parent -> child.

    Empty strings (:data:`MISSING_TEXT`) read as missing values.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes named by model id, with any attributes; edges with an optional ``relation``.

    Returns
    -------
    tuple
        The frames :meth:`LineageGraph.from_frames` takes, and the graph's ``snapshot_time``
        attribute (None when absent).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph(snapshot_time="2024-03-01T00:00:00.000Z")
    >>> G.add_node("b", created_at="2024-01-02T00:00:00.000Z")
    >>> G.add_edge("a", "b", relation="finetune")
    >>> models, edges, snapshot_time = frames_from_networkx(G)
    >>> models["id"].tolist(), edges.values.tolist(), snapshot_time
    (['b', 'a'], [['b', 'a', 'finetune']], '2024-03-01T00:00:00.000Z')
    """
    rows = [
        {"id": str(node)} | {k: None if v == MISSING_TEXT else v for k, v in data.items()}
        for node, data in graph.nodes(data=True)
    ]
    models = pd.DataFrame(
        rows,
        columns=["id", "created_at"] + sorted({k for r in rows for k in r} - {"id", "created_at"}),
    )
    edges = pd.DataFrame(
        [(str(v), str(u), d.get("relation", "unknown")) for u, v, d in graph.edges(data=True)],
        columns=["child", "parent", "relation"],
    )
    snapshot_time = graph.graph.get("snapshot_time") or None
    return models, edges, snapshot_time


def iso_times(times: pd.Series) -> np.ndarray:
    """UTC timestamps as ISO 8601 strings with milliseconds and ``Z`` (the Hub's own format);
    :data:`MISSING_TEXT` for NaT.

    Parameters
    ----------
    times : pandas.Series
        Timestamps (naive ones are taken as UTC).

    Returns
    -------
    numpy.ndarray
        Of object dtype.

    Examples
    --------
    >>> iso_times(pd.Series(pd.to_datetime(["2023-08-01 12:00", None], utc=True))).tolist()
    ['2023-08-01T12:00:00.000Z', '']
    """
    values = pd.to_datetime(times, utc=True).dt.tz_localize(None).to_numpy("datetime64[ms]")
    text = np.datetime_as_string(values, unit="ms", timezone="UTC").astype(object)
    text[np.isnat(values)] = MISSING_TEXT
    return text


def writable_values(series: pd.Series) -> list:
    """A column as plain Python values that GraphML and GEXF writers accept: ISO strings for
    timestamps, ``bool``/``int``/``float`` for those dtypes (NaN for a missing number),
    ``str`` otherwise, :data:`MISSING_TEXT` for a missing text value.

    Parameters
    ----------
    series : pandas.Series
        A model column.

    Returns
    -------
    list

    Examples
    --------
    >>> writable_values(pd.Series(["a", None, 3]))
    ['a', '', '3']
    >>> writable_values(pd.Series([1, None]))
    [1.0, nan]
    """
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return iso_times(series).tolist()
    if pd.api.types.is_bool_dtype(dtype) and not series.isna().any():
        return series.astype(bool).tolist()
    if pd.api.types.is_numeric_dtype(dtype):
        if series.isna().any() or pd.api.types.is_float_dtype(dtype):
            return series.astype(float).tolist()
        return series.astype(np.int64).tolist()
    return [
        MISSING_TEXT if _isna(v) else v if isinstance(v, str) else str(v) for v in series.tolist()
    ]


def node_records(graph: LineageGraph) -> tuple[list[str], dict[str, list]]:
    """Model columns other than ``id`` and their writable values per node.

    Parameters
    ----------
    graph : LineageGraph
        The graph.

    Returns
    -------
    tuple
        ``(columns, {column: values})``, values as :func:`writable_values` gives them.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"]}),
    ...                              pd.DataFrame(columns=["child", "parent"]))
    >>> node_records(g)
    (['created_at', 'missing'], {'created_at': ['2024-01-02T00:00:00.000Z'], 'missing': [False]})
    """
    columns = [c for c in graph.models.columns if c != "id"]
    return columns, {col: writable_values(graph.models[col]) for col in columns}


def snapshot_text(graph: LineageGraph) -> str:
    """The graph's snapshot time as an ISO string, :data:`MISSING_TEXT` when unknown.

    Parameters
    ----------
    graph : LineageGraph
        The graph.

    Returns
    -------
    str

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"]}),
    ...                              pd.DataFrame(columns=["child", "parent"]),
    ...                              snapshot_time="2024-03-01")
    >>> snapshot_text(g)
    '2024-03-01T00:00:00.000Z'
    """
    if graph.snapshot_time is None:
        return MISSING_TEXT
    return iso_times(pd.Series([graph.snapshot_time]))[0]


def to_networkx(graph: LineageGraph, *, relations: Iterable[str] | None = None):
    """networkx DiGraph of ``graph``: :meth:`LineageGraph.to_networkx` documents it.

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    relations : iterable of str, optional
        Only edges of these relations (default: all).

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    See :meth:`LineageGraph.to_networkx`.
    """
    import networkx as nx

    out = nx.DiGraph(snapshot_time=snapshot_text(graph))
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


def to_igraph(graph: LineageGraph, *, relations: Iterable[str] | None = None):
    """python-igraph Graph of ``graph``: :meth:`LineageGraph.to_igraph` documents it.

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    relations : iterable of str, optional
        Only edges of these relations (default: all).

    Returns
    -------
    igraph.Graph

    Examples
    --------
    See :meth:`LineageGraph.to_igraph`.
    """
    import igraph as ig

    # the graph's own edge arrays (node positions), not its ids looked up again
    mask = graph._mask(relations)
    parent, child = graph._parent[mask], graph._child[mask]
    relation = np.asarray(graph._rel_names, dtype=object)[graph._rel[mask]]
    out = ig.Graph(n=graph.n_models, edges=np.column_stack([parent, child]).tolist(), directed=True)
    out.vs["name"] = graph.ids.tolist()
    columns, values = node_records(graph)
    for col in columns:
        out.vs[col] = values[col]
    out.es["relation"] = relation.tolist()
    out["snapshot_time"] = snapshot_text(graph)
    return out


def _isna(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT
