"""The graph as files and tables: GraphML, GEXF, edge lists, CSV and Parquet, written in
chunks with bounded memory, and the largest families by counts.

Every format carries the same node attributes (:data:`NODE_ATTRIBUTES`, then any other
model column): ``id``, ``author`` (the Hub's, else the id's namespace), ``created_at`` (ISO
8601, UTC), ``downloads``, ``likes``, ``pipeline_tag``, ``library_name``, ``missing`` (never
listed: a deleted, private or misspelled parent) and ``direct`` and ``transitive`` derivative
counts (in the whole graph, under the relation filter); and the same edge attributes,
``relation`` and ``source`` (where the lineage was declared: the store's ``relation_tag``,
``base_model_tag`` or ``card``; ``unknown`` for a graph built from frames without a
``source`` column). Edges point from parent to child.

- ``graphml`` and ``gexf``: one XML file, node ids are the model ids; a missing text value is
  written as the empty string (:data:`lineage.graph.convert.MISSING_TEXT`), a missing number
  as NaN. networkx ``read_graphml``/``read_gexf`` and igraph ``Graph.Read_GraphML`` read them
  back (as multigraphs where a pair is declared with several relations). (igraph's reader
  leaves ``&`` in an XML attribute as ``&#38;``; Hub ids never contain one.)
- ``edgelist``: tab-separated ``parent child relation source`` lines after a ``#`` header
  (``nx.read_edgelist(path, delimiter="\\t", data=[("relation", str), ("source", str)])``);
  nodes without edges are not in it.
- ``csv`` and ``parquet``: ``nodes.csv``/``edges.csv`` or ``nodes.parquet``/``edges.parquet``
  in the directory PATH (missing values empty or null); edges ``child, parent, relation,
  source`` like :attr:`LineageGraph.edges`.

The XML is streamed row chunk by row chunk (no networkx graph is built), so a whole Hub
snapshot exports in minutes with memory bounded by the graph itself
(``bench/export_bench.py``).

>>> import tempfile, pathlib, networkx as nx
>>> from lineage.graph import LineageGraph
>>> g = LineageGraph.from_frames(
...     pd.DataFrame({"id": ["org/base", "a/ft"], "created_at": ["2024-01-02", "2024-03-04"]}),
...     pd.DataFrame({"child": ["a/ft"], "parent": ["org/base"], "relation": ["finetune"]}))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
>>> result = export_graph(g, path, format="graphml")
>>> G = nx.read_graphml(path)
>>> base = G.nodes["org/base"]
>>> base["created_at"], base["transitive"], G.edges["org/base", "a/ft"]
('2024-01-02T00:00:00.000Z', 1, {'relation': 'finetune', 'source': 'unknown'})
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from lineage.errors import UsageError
from lineage.graph.convert import MISSING_TEXT, iso_times, snapshot_text
from lineage.graph.orgs import model_authors
from lineage.progress import ProgressCallback, report

if TYPE_CHECKING:
    from lineage.graph.lineage_graph import LineageGraph

EXPORT_FORMATS = ("graphml", "gexf", "edgelist", "csv", "parquet")
NODE_ATTRIBUTES = [
    "id",
    "author",
    "created_at",
    "downloads",
    "likes",
    "pipeline_tag",
    "library_name",
    "missing",
    "direct",
    "transitive",
]
EDGE_ATTRIBUTES = ["child", "parent", "relation", "source"]
TOP_COLUMNS = ["rank", "model", "author", "created_at", "direct", "transitive"]
_KIND_OF = {
    "author": "string",
    "created_at": "string",
    "downloads": "long",
    "likes": "long",
    "pipeline_tag": "string",
    "library_name": "string",
    "missing": "boolean",
    "direct": "long",
    "transitive": "long",
}
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


@dataclass
class ExportResult:
    """What :func:`export_graph` wrote: the format, the files, and how many nodes and edges.

    Parameters
    ----------
    format : str
        One of :data:`EXPORT_FORMATS`.
    paths : list of pathlib.Path
        The files written.
    nodes, edges : int
        How many were written.

    Examples
    --------
    See :func:`export_graph`.
    """

    format: str
    paths: list[pathlib.Path] = field(default_factory=list)
    nodes: int = 0
    edges: int = 0


# -- what to export -----------------------------------------------------------------------------
def family_nodes(
    graph: LineageGraph,
    model: str,
    *,
    direction: str = "down",
    depth: int | None = None,
    relations: Iterable[str] | None = None,
) -> np.ndarray:
    """Node indices of ``model`` and its derivatives (``down``), ancestors (``up``) or both,
    at most ``depth`` hops away, following only ``relations`` (all when None); sorted.

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    model : str
        A model id.
    direction : {"down", "up", "both"}
        Derivatives, ancestors or both.
    depth : int, optional
        Most hops (default: all).
    relations : iterable of str, optional
        Follow only these relations (default: all).

    Returns
    -------
    numpy.ndarray
        Sorted node rows.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": list("abc"), "created_at": [None] * 3}),
    ...                              pd.DataFrame({"child": ["b", "c"], "parent": ["a", "b"]}))
    >>> g.ids[family_nodes(g, "b", direction="both")].tolist(), family_nodes(g, "a", depth=1)
    (['a', 'b', 'c'], array([0, 1]))
    """
    if direction not in ("down", "up", "both"):
        raise UsageError(f"direction must be 'down', 'up' or 'both', got {direction!r}")
    start = graph.index_of(model)
    parts = []
    for down in {"down": (True,), "up": (False,), "both": (True, False)}[direction]:
        parts.append(graph._bfs(start, down, relations).upto(depth).node)
    return np.unique(np.concatenate(parts))


def edge_positions(
    graph: LineageGraph,
    *,
    nodes: np.ndarray | None = None,
    relations: Iterable[str] | None = None,
) -> np.ndarray:
    """Positions (rows of :attr:`LineageGraph.edges`) of the edges of ``relations`` between
    ``nodes`` (all nodes when None).

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    nodes : numpy.ndarray, optional
        Node rows (default: all).
    relations : iterable of str, optional
        Only these relations (default: all).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": list("abc"), "created_at": [None] * 3}),
    ...     pd.DataFrame({"child": ["b", "c"], "parent": ["a", "b"],
    ...                   "relation": ["finetune", "adapter"]}))
    >>> edge_positions(g, relations=["adapter"]).tolist(), edge_positions(g, nodes=[0, 1]).tolist()
    ([1], [0])
    """
    mask = np.ones(len(graph._child), dtype=bool)
    codes = graph._codes(relations)
    if len(codes) < len(graph._rel_names):
        mask &= np.isin(graph._rel, codes)
    if nodes is not None:
        inside = np.zeros(graph.n_models, dtype=bool)
        inside[nodes] = True
        mask &= inside[graph._child] & inside[graph._parent]
    return np.flatnonzero(mask)


def node_kinds(graph: LineageGraph) -> dict[str, str]:
    """Every exported node attribute but ``id`` and its type (``string``, ``long``,
    ``double`` or ``boolean``): :data:`NODE_ATTRIBUTES`, then the graph's other model
    columns (timestamps as ISO strings; numbers with missing values as doubles).

    Parameters
    ----------
    graph : LineageGraph
        The graph.

    Returns
    -------
    dict
        Attribute -> type.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": list("abc"), "created_at": [None] * 3}),
    ...     pd.DataFrame({"child": ["b", "c"], "parent": ["a", "b"],
    ...                   "relation": ["finetune", "adapter"]}))
    >>> kinds = node_kinds(g)
    >>> kinds["created_at"], kinds["missing"], kinds["transitive"]
    ('string', 'boolean', 'long')
    """
    kinds = dict(_KIND_OF)
    models = graph.models
    for col in ("downloads", "likes"):
        if col not in models or models[col].isna().any():
            kinds[col] = "double"
    for col in models.columns:
        if col in kinds or col == "id":
            continue
        series = models[col]
        if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
            kinds[col] = "boolean"
        elif pd.api.types.is_integer_dtype(series.dtype) and not series.isna().any():
            kinds[col] = "long"
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            kinds[col] = "double"
        else:
            kinds[col] = "string"
    return kinds


def node_chunks(
    graph: LineageGraph,
    *,
    nodes: np.ndarray | None = None,
    relations: Iterable[str] | None = None,
    chunk_size: int = 100_000,
    progress: ProgressCallback | None = None,
) -> Iterator[pd.DataFrame]:
    """The node table (``id`` then :func:`node_kinds`' columns) in chunks of ``chunk_size``
    rows: text as str or None, numbers as int64/float64, booleans as bool.

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    nodes : numpy.ndarray, optional
        Node rows (default: all).
    relations : iterable of str, optional
        Count only these relations (default: all).
    chunk_size : int
        Rows per chunk.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records (stage ``nodes``).

    Yields
    ------
    pandas.DataFrame

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": list("abc"), "created_at": [None] * 3}),
    ...     pd.DataFrame({"child": ["b", "c"], "parent": ["a", "b"],
    ...                   "relation": ["finetune", "adapter"]}))
    >>> [len(chunk) for chunk in node_chunks(g, chunk_size=2)]
    [2, 1]
    """
    kinds = node_kinds(graph)
    nodes = np.arange(graph.n_models) if nodes is None else np.asarray(nodes)
    direct = graph.descendant_counts("direct", relations=relations, as_frame=False)
    transitive = graph.descendant_counts("transitive", relations=relations, as_frame=False)
    models = graph.models
    for start in range(0, max(len(nodes), 1), chunk_size):
        rows = nodes[start : start + chunk_size]
        part = models.iloc[rows]
        out = {"id": graph.ids[rows]}
        for col, kind in kinds.items():
            if col == "author":
                authors = model_authors(graph, rows)
                values = np.where(authors == "", None, authors)  # type: ignore[call-overload]
            elif col == "direct":
                values = direct[rows]
            elif col == "transitive":
                values = transitive[rows]
            elif col not in part:
                values = np.full(len(rows), np.nan if kind == "double" else None, dtype=object)
            else:
                values = part[col]
            out[col] = _typed(values, kind)
        yield pd.DataFrame(out, columns=["id", *kinds])
        report(progress, "nodes", min(start + chunk_size, len(nodes)), len(nodes))


def edge_chunks(
    graph: LineageGraph,
    positions: np.ndarray,
    *,
    chunk_size: int = 100_000,
    progress: ProgressCallback | None = None,
) -> Iterator[pd.DataFrame]:
    """The edge table ``child, parent, relation, source`` of the edges at ``positions``, in
    chunks of ``chunk_size`` rows.

    Parameters
    ----------
    graph : LineageGraph
        The graph.
    positions : numpy.ndarray
        Edge positions (:func:`edge_positions`).
    chunk_size : int
        Rows per chunk.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records (stage ``edges``).

    Yields
    ------
    pandas.DataFrame

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": list("abc"), "created_at": [None] * 3}),
    ...     pd.DataFrame({"child": ["b", "c"], "parent": ["a", "b"],
    ...                   "relation": ["finetune", "adapter"]}))
    >>> next(edge_chunks(g, edge_positions(g))).values.tolist()
    [['b', 'a', 'finetune', 'unknown'], ['c', 'b', 'adapter', 'unknown']]
    """
    names = np.asarray(graph._rel_names, dtype=object)
    sources = graph.edge_sources()
    for start in range(0, max(len(positions), 1), chunk_size):
        pos = positions[start : start + chunk_size]
        yield pd.DataFrame(
            {
                "child": graph.ids[graph._child[pos]],
                "parent": graph.ids[graph._parent[pos]],
                "relation": names[graph._rel[pos]],
                "source": sources[pos],
            },
            columns=EDGE_ATTRIBUTES,
        )
        report(progress, "edges", min(start + chunk_size, len(positions)), len(positions))


def node_table(graph: LineageGraph, *, relations: Iterable[str] | None = None) -> pd.DataFrame:
    """Every node with the exported attributes (see the module docstring), one frame.

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    relations : iterable of str, optional
        Count only edges of these relations (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per node: ``id, author, created_at, downloads, likes, pipeline_tag,
        library_name, missing, direct, transitive``.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["org/a"], "created_at": ["2024-05-01"]}),
    ...                              pd.DataFrame({"child": ["org/a"], "parent": ["x/gone"]}))
    >>> table = node_table(g)
    >>> table[["id", "author", "missing", "direct"]].to_dict("records")[1]
    {'id': 'x/gone', 'author': 'x', 'missing': True, 'direct': 1}
    >>> table["created_at"].tolist()[0], bool(pd.isna(table["created_at"][1]))
    ('2024-05-01T00:00:00.000Z', True)
    """
    return pd.concat(list(node_chunks(graph, relations=relations)), ignore_index=True)


def _typed(values, kind: str):
    """A column of one chunk in its export type (see :func:`node_chunks`)."""
    if isinstance(values, pd.Series) and (
        isinstance(values.dtype, pd.DatetimeTZDtype)
        or pd.api.types.is_datetime64_dtype(values.dtype)
    ):
        text = iso_times(values)
        text[text == MISSING_TEXT] = None
        return text
    if kind == "boolean":
        return np.asarray(values, dtype=bool)
    if kind == "long":
        return np.asarray(values, dtype=np.int64)
    if kind == "double":
        return pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(
            dtype=float
        )
    return np.asarray(
        [
            v if isinstance(v, str) else None if _isna(v) else str(v)
            for v in np.asarray(values, dtype=object).tolist()
        ],
        dtype=object,
    )


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- the largest families -------------------------------------------------------------------------
def top_models(
    graph: LineageGraph,
    *,
    by: str = "transitive",
    relations: Iterable[str] | None = None,
    author: str | None = None,
    top: int | None = 20,
) -> pd.DataFrame:
    """The models with the most derivatives, counted without fitting.

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    by : {"transitive", "direct"}
        The count ranked by; ties go to the other count, then to the id.
    relations : iterable of str, optional
        Count only edges of these relations (default: all).
    author : str, optional
        Only this author's models (case-insensitive).
    top : int or None
        How many rows (all when None).

    Returns
    -------
    pandas.DataFrame
        ``rank, model, author, created_at, direct, transitive``; ``created_at`` is ISO 8601,
        empty for a model that was never listed.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["o/b", "a/f", "a/q"], "created_at": ["2024-01-02"] * 3}),
    ...     pd.DataFrame({"child": ["a/f", "a/q"], "parent": ["o/b", "a/f"]}))
    >>> top_models(g, top=2)[["rank", "model", "direct", "transitive"]].values.tolist()
    [[1, 'o/b', 1, 2], [2, 'a/f', 1, 1]]
    """
    if by not in ("direct", "transitive"):
        raise UsageError(f"by must be 'direct' or 'transitive', got {by!r}")
    direct = graph.descendant_counts("direct", relations=relations, as_frame=False)
    transitive = graph.descendant_counts("transitive", relations=relations, as_frame=False)
    authors = model_authors(graph)
    rows = np.arange(graph.n_models)
    if author is not None:
        rows = rows[pd.Series(authors).str.lower().to_numpy() == author.lower()]
    first, second = (transitive, direct) if by == "transitive" else (direct, transitive)
    if top is not None and top < len(rows):  # only those tied with the top-th or better
        best = rows[np.lexsort((-second[rows], -first[rows]))[top - 1]]
        rows = rows[
            (first[rows] > first[best])
            | ((first[rows] == first[best]) & (second[rows] >= second[best]))
        ]
    ranked = pd.DataFrame(
        {"first": first[rows], "second": second[rows], "id": graph.ids[rows], "row": rows}
    )
    ranked = ranked.sort_values(
        ["first", "second", "id"], ascending=[False, False, True], kind="stable"
    )
    rows = ranked["row"].to_numpy()[:top]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(rows) + 1),
            "model": graph.ids[rows],
            "author": authors[rows],
            "created_at": iso_times(graph.models["created_at"].iloc[rows]),
            "direct": direct[rows],
            "transitive": transitive[rows],
        },
        columns=TOP_COLUMNS,
    )


# -- writers ------------------------------------------------------------------------------------
def export_graph(
    graph: LineageGraph,
    path: str | os.PathLike,
    *,
    format: str,
    model: str | None = None,
    direction: str = "down",
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    chunk_size: int = 100_000,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Write the whole graph, or ``model``'s family, to ``path`` in ``format``.

    Parameters
    ----------
    graph : LineageGraph
    path : path
        The file (``graphml``, ``gexf``, ``edgelist``) or directory (``csv``, ``parquet``:
        created if needed; ``nodes.*`` and ``edges.*`` in it) to write.
    format : str
        One of :data:`EXPORT_FORMATS`.
    model : str, optional
        Export only this model's family (see :func:`family_nodes`): ``direction`` ``down``
        (derivatives), ``up`` (ancestors) or ``both``, at most ``depth`` hops.
    relations : iterable of str, optional
        Keep only edges of these relations (all when None); counts follow the same filter.
    chunk_size : int
        Rows per write (memory stays bounded by it).
    progress : callable, optional
        called with :class:`lineage.progress.Progress` records, stages ``nodes`` and ``edges``.

    Returns
    -------
    ExportResult
        The files written and how many nodes and edges they hold.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["b", "f"], "created_at": [None] * 2}),
    ...                              pd.DataFrame({"child": ["f"], "parent": ["b"]}))
    >>> out = export_graph(g, pathlib.Path(tempfile.mkdtemp()) / "t", format="csv")
    >>> [p.name for p in out.paths], out.nodes, out.edges
    (['nodes.csv', 'edges.csv'], 2, 1)
    """
    if format not in EXPORT_FORMATS:
        raise UsageError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {format!r}")
    if model is None and (direction != "down" or depth is not None):
        raise UsageError(
            "direction and depth need a model; without one the whole graph is exported"
        )
    graph._codes(relations)  # an unknown relation is an error before anything is written
    nodes = (
        None
        if model is None
        else family_nodes(graph, model, direction=direction, depth=depth, relations=relations)
    )
    positions = edge_positions(graph, nodes=nodes, relations=relations)
    n_nodes = graph.n_models if nodes is None else len(nodes)
    path = pathlib.Path(path)
    result = ExportResult(format, nodes=n_nodes, edges=len(positions))
    nodes_iter = node_chunks(
        graph, nodes=nodes, relations=relations, chunk_size=chunk_size, progress=progress
    )
    edges_iter = edge_chunks(graph, positions, chunk_size=chunk_size, progress=progress)
    kinds = node_kinds(graph)
    if format in ("csv", "parquet"):
        _prepare_dir(path)
        node_path, edge_path = path / f"nodes.{format}", path / f"edges.{format}"
        write = _write_csv if format == "csv" else _write_parquet
        write(node_path, nodes_iter, _arrow_types(kinds))
        write(edge_path, edges_iter, dict.fromkeys(EDGE_ATTRIBUTES, "string"))
        result.paths = [node_path, edge_path]
        return result
    _prepare_file(path)
    with _replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        if format == "graphml":
            _write_graphml(fh, kinds, nodes_iter, edges_iter, snapshot_text(graph))
        elif format == "gexf":
            _write_gexf(fh, kinds, nodes_iter, edges_iter, snapshot_text(graph))
        else:
            fh.write("# parent\tchild\trelation\tsource\n")
            for chunk in edges_iter:
                cols = [_plain(chunk[c]) for c in ("parent", "child", "relation", "source")]
                fh.write("".join(map("{}\t{}\t{}\t{}\n".format, *cols)))
    result.paths = [path]
    return result


@contextlib.contextmanager
def _replacing(path: pathlib.Path) -> Iterator[pathlib.Path]:
    """A temporary file that replaces ``path`` once written; removed if writing fails, so
    an interrupted export leaves any earlier file as it was."""
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _prepare_file(path: pathlib.Path) -> None:
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name for this format")
    if not path.parent.is_dir():
        raise UsageError(f"the folder {path.parent} does not exist; create it first")


def _prepare_dir(path: pathlib.Path) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"{path} is a file; csv and parquet exports write nodes and edges "
            "tables into a directory: give a directory path"
        )
    path.mkdir(parents=True, exist_ok=True)


def _text(values) -> list[str]:
    """Strings safe inside XML text and attributes; missing values as MISSING_TEXT."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques.tolist()]
    if _SPECIAL.search("".join(texts)):  # Hub ids and tags never need it: one scan
        texts = [_escape(t) for t in texts]
    table = np.asarray([*texts, MISSING_TEXT], dtype=object)
    return table[codes].tolist()  # the sentinel -1 picks MISSING_TEXT


def _plain(values) -> list[str]:
    """Strings safe in a tab-separated line (whitespace runs become one space)."""
    text = pd.Series(values, dtype=object).fillna(MISSING_TEXT).astype(str)
    return text.str.replace(r"\s+", " ", regex=True).tolist()


def _escape(text: str) -> str:
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _formatted(chunk: pd.DataFrame, kinds: dict[str, str]) -> list[list[str]]:
    """The chunk's attribute columns as XML-ready strings (booleans ``true``/``false``)."""
    cols = []
    for col, kind in kinds.items():
        values = chunk[col]
        if kind == "boolean":
            cols.append(np.where(values.to_numpy(bool), "true", "false").tolist())
        elif kind == "long":
            cols.append(list(map(str, values.to_numpy(np.int64).tolist())))
        elif kind == "double":
            cols.append(list(map(repr, values.to_numpy(float).tolist())))
        else:
            cols.append(_text(values))
    return cols


def _write_graphml(fh, kinds, nodes_iter, edges_iter, snapshot: str) -> None:
    fh.write(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for i, (col, kind) in enumerate(kinds.items()):
        fh.write(f'  <key id="n{i}" for="node" attr.name={quoteattr(col)} attr.type="{kind}" />\n')
    for i, col in enumerate(("relation", "source")):
        fh.write(f'  <key id="e{i}" for="edge" attr.name="{col}" attr.type="string" />\n')
    fh.write(
        '  <key id="g0" for="graph" attr.name="snapshot_time" attr.type="string" />\n'
        '  <graph edgedefault="directed">\n'
        f'    <data key="g0">{_escape(snapshot)}</data>\n'
    )
    template = (
        '    <node id="{}">'
        + "".join(f'<data key="n{i}">{{}}</data>' for i in range(len(kinds)))
        + "</node>\n"
    )
    for chunk in nodes_iter:
        fh.write("".join(map(template.format, _text(chunk["id"]), *_formatted(chunk, kinds))))
    template = (
        '    <edge source="{}" target="{}"><data key="e0">{}</data>'
        '<data key="e1">{}</data></edge>\n'
    )
    for chunk in edges_iter:
        cols = [_text(chunk[c]) for c in ("parent", "child", "relation", "source")]
        fh.write("".join(map(template.format, *cols)))
    fh.write("  </graph>\n</graphml>\n")


def _write_gexf(fh, kinds, nodes_iter, edges_iter, snapshot: str) -> None:
    fh.write(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<gexf xmlns="http://www.gexf.net/1.2draft" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft '
        'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
        f"  <meta><creator>hf-lineage</creator><description>snapshot_time "
        f"{_escape(snapshot)}</description></meta>\n"
        '  <graph defaultedgetype="directed" mode="static" name="">\n'
        '    <attributes mode="static" class="node">\n'
    )
    gexf_type = {"string": "string", "long": "long", "double": "double", "boolean": "boolean"}
    for i, (col, kind) in enumerate(kinds.items()):
        fh.write(f'      <attribute id="{i}" title={quoteattr(col)} type="{gexf_type[kind]}" />\n')
    fh.write(
        '    </attributes>\n    <attributes mode="static" class="edge">\n'
        '      <attribute id="0" title="relation" type="string" />\n'
        '      <attribute id="1" title="source" type="string" />\n'
        "    </attributes>\n    <nodes>\n"
    )
    template = (
        '      <node id="{0}" label="{0}"><attvalues>'
        + "".join(f'<attvalue for="{i}" value="{{{i + 1}}}" />' for i in range(len(kinds)))
        + "</attvalues></node>\n"
    )
    for chunk in nodes_iter:
        fh.write("".join(map(template.format, _text(chunk["id"]), *_formatted(chunk, kinds))))
    fh.write("    </nodes>\n    <edges>\n")
    template = (
        '      <edge id="{}" source="{}" target="{}"><attvalues>'
        '<attvalue for="0" value="{}" /><attvalue for="1" value="{}" />'
        "</attvalues></edge>\n"
    )
    done = 0
    for chunk in edges_iter:
        cols = [_text(chunk[c]) for c in ("parent", "child", "relation", "source")]
        ids = range(done, done + len(chunk))
        fh.write("".join(map(template.format, ids, *cols)))
        done += len(chunk)
    fh.write("    </edges>\n  </graph>\n</gexf>\n")


def _arrow_types(kinds: dict[str, str]) -> dict[str, str]:
    return {"id": "string", **kinds}


def _arrow_tables(chunks: Iterator[pd.DataFrame], types: dict):
    """The chunks as pyarrow tables of one schema, and that schema."""
    import pyarrow as pa

    arrow = {
        "string": pa.string(),
        "long": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
    }
    schema = pa.schema([(col, arrow[kind]) for col, kind in types.items()])
    tables = (pa.Table.from_pandas(chunk, schema=schema, preserve_index=False) for chunk in chunks)
    return tables, schema


def _write_csv(path: pathlib.Path, chunks: Iterator[pd.DataFrame], types: dict) -> None:
    import pyarrow.csv as pa_csv

    tables, schema = _arrow_tables(chunks, types)
    options = pa_csv.WriteOptions(quoting_style="needed")
    with _replacing(path) as tmp, pa_csv.CSVWriter(tmp, schema, write_options=options) as out:
        for table in tables:
            out.write_table(table)


def _write_parquet(path: pathlib.Path, chunks: Iterator[pd.DataFrame], types: dict) -> None:
    import pyarrow.parquet as pq

    tables, schema = _arrow_tables(chunks, types)
    with _replacing(path) as tmp, pq.ParquetWriter(tmp, schema) as out:
        for table in tables:
            out.write_table(table)
