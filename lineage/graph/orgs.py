"""Organisations: the models an author released and the derivatives they received.

An author is the Hub's ``author`` of a model, else its id's namespace (``org`` in
``org/name``; a never-listed parent has only that). For each author, over all of its models
at once:

- ``direct``: the distinct models that name one of its models as a parent;
- ``transitive``: the distinct models downstream of any of its models;

each derivative counted once even when it descends from several of the author's models, and
split into those made by other authors (``*_by_others``) and by the author itself
(``*_by_self``: one of its models derived from another of its models).

The transitive sets are unions of the count kernels' pre-order intervals
(:mod:`lineage.graph.counts`): a model's descendants are its primary subtree and its external
intervals, all intervals of the forest are nested or disjoint, so the union over an author's
models is the sum of its outermost intervals, for every author in one sort.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lineage.errors import UsageError
from lineage.graph import counts as _counts
from lineage.graph.calendar import month_label
from lineage.graph.curves import MonthlyCounts, check_scope
from lineage.progress import ProgressCallback

if TYPE_CHECKING:
    from lineage.graph.lineage_graph import LineageGraph

ORG_COLUMNS = [
    "author",
    "models",
    "direct",
    "direct_by_others",
    "direct_by_self",
    "transitive",
    "transitive_by_others",
    "transitive_by_self",
]
ORG_ORDER = ("transitive", "direct", "models", "transitive_by_others", "direct_by_others")


def model_authors(graph: LineageGraph, rows: np.ndarray | None = None) -> np.ndarray:
    """The author of every model (or of the nodes ``rows``): the ``author`` column where set,
    else the id's namespace (the part before ``/``; empty for an id without one).

    Parameters
    ----------
    graph : LineageGraph
        The snapshot.
    rows : numpy.ndarray, optional
        Node rows (default: all).

    Returns
    -------
    numpy.ndarray
        Of object dtype, one author per node.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["org/a", "gpt2"], "created_at": [None] * 2}),
    ...     pd.DataFrame({"child": [], "parent": []}))
    >>> model_authors(g).tolist(), model_authors(g, np.array([1])).tolist()
    (['org', ''], [''])
    """
    picked: slice | np.ndarray = slice(None) if rows is None else rows
    ids = graph.ids[picked]
    if "author" in graph.models:
        given = graph.models["author"].iloc[picked].to_numpy(dtype=object, na_value=None).copy()
        unset = np.flatnonzero([a is None or a == "" for a in given.tolist()])
    else:
        given, unset = np.empty(len(ids), dtype=object), np.arange(len(ids))
    given[unset] = [_namespace(i) for i in ids[unset].tolist()]
    return given


def _namespace(model_id: str) -> str:
    head, slash, _ = model_id.partition("/")
    return head if slash else ""


def org_table(
    graph: LineageGraph,
    *,
    relations: Iterable[str] | None = None,
    by: str = "transitive",
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """One row per author: ``author, models`` (listed models it released), ``direct``,
    ``direct_by_others``, ``direct_by_self``, ``transitive``, ``transitive_by_others``,
    ``transitive_by_self`` (distinct derivatives of its models, see the module docstring),
    following only ``relations`` (all when None), sorted by ``by`` (one of
    :data:`ORG_ORDER`; ties by the author).

    Parameters
    ----------
    graph : LineageGraph
    relations : iterable of str, optional
        Count only edges of these relations.
    by : str
        The column to sort by, largest first.
    progress : callable, optional
        called with :class:`lineage.progress.Progress` records while the counts are built.

    Returns
    -------
    pandas.DataFrame
        :data:`ORG_COLUMNS`, one row per author (never-listed parents' namespaces too).

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["meta/base", "meta/chat", "x/ft", "y/q"],
    ...                   "created_at": ["2024-01-02"] * 4}),
    ...     pd.DataFrame({"child": ["meta/chat", "x/ft", "x/ft", "y/q"],
    ...                   "parent": ["meta/base", "meta/base", "meta/chat", "x/ft"]}))
    >>> meta = org_table(g).iloc[0]  # x/ft descends from both meta models: counted once
    >>> meta["author"], meta[["models", "direct", "direct_by_self"]].astype(int).tolist()
    ('meta', [2, 2, 1])
    >>> meta[["transitive", "transitive_by_others", "transitive_by_self"]].astype(int).tolist()
    [3, 2, 1]
    """
    if by not in ORG_ORDER:
        raise UsageError(f"by must be one of {', '.join(ORG_ORDER)}, got {by!r}")
    code, names = _author_codes(graph)
    k = len(names)
    index = graph._index(relations, progress)
    listed = ~graph.models["missing"].to_numpy(dtype=bool)
    released = np.bincount(code[listed], minlength=k)
    every = np.bincount(code, minlength=k)
    owner, child = _direct_pairs(index, code)
    direct = np.bincount(owner, minlength=k)
    direct_self = np.bincount(owner[code[child] == owner], minlength=k)
    iv = _intervals(index, code)
    union = np.bincount(iv.author[iv.outer], weights=(iv.end - iv.start)[iv.outer], minlength=k)
    tops = np.bincount(iv.author[iv.outer & iv.own], minlength=k)  # models not derived in-house
    transitive = union.astype(np.int64) - tops
    transitive_self = every - tops
    table = pd.DataFrame(
        {
            "author": names,
            "models": released,
            "direct": direct,
            "direct_by_others": direct - direct_self,
            "direct_by_self": direct_self,
            "transitive": transitive,
            "transitive_by_others": transitive - transitive_self,
            "transitive_by_self": transitive_self,
        },
        columns=ORG_COLUMNS,
    )
    return table.sort_values(
        [by, "author"], ascending=[False, True], kind="stable", ignore_index=True
    )


def org_curves(
    graph: LineageGraph,
    authors: Iterable[str],
    *,
    scope: str = "transitive",
    relations: Iterable[str] | None = None,
    running_month: bool = False,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Monthly derivatives of each author's models as one series per author, in the long
    curve frame ``model, scope, month, age_months, count, cumulative, complete`` (``model`` =
    the author), so that ``growth.fit_many`` and ``fit`` fit an organisation like a model.
    Like :meth:`LineageGraph.growth_curves`, the curves end at the last complete month
    unless ``running_month`` is set.

    Each distinct derivative counts once, in its release month; month 0 is the author's first
    release month, and a derivative dated before it counts in it (``frame.attrs["moved"]``
    says how many). Authors match case-insensitively; an unknown one is a
    :class:`~lineage.errors.UsageError`.

    Parameters
    ----------
    graph : LineageGraph
    authors : iterable of str
    scope : str
        ``transitive`` (every distinct model downstream) or ``direct`` (distinct children).
    relations : iterable of str, optional
        Follow only edges of these relations.
    progress : callable, optional
        called with :class:`lineage.progress.Progress` records while the counts are built.

    Returns
    -------
    pandas.DataFrame
        One row per author and month, from its first release month to the snapshot month.

    Examples
    --------
    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["meta/base", "meta/chat", "x/ft"],
    ...                   "created_at": ["2024-01-02", "2024-02-01", "2024-03-05"]}),
    ...     pd.DataFrame({"child": ["meta/chat", "x/ft", "x/ft"],
    ...                   "parent": ["meta/base", "meta/base", "meta/chat"]}))
    >>> org_curves(g, ["meta"], running_month=True)[["month", "cumulative"]].values.tolist()
    [['2024-01', 0], ['2024-02', 1], ['2024-03', 2]]
    """
    check_scope(scope)
    code, names = _author_codes(graph)
    lookup = {name.lower(): i for i, name in reversed(list(enumerate(names.tolist())))}
    wanted: list[str] = []
    unknown: list[str] = []
    for author in authors:
        (unknown if str(author).lower() not in lookup else wanted).append(str(author))
    if unknown:
        raise UsageError(
            f"no model by author(s) {', '.join(unknown)} in this snapshot; "
            "check the spelling (hf-lineage orgs lists them)"
        )
    rows = np.asarray([lookup[a.lower()] for a in wanted], dtype=np.int64)
    row_of = np.full(len(names), -1, dtype=np.int64)
    row_of[rows] = np.arange(len(rows))
    index = graph._index(relations, progress)
    col = graph._col
    if scope == "direct":
        owner, node = _direct_pairs(index, code)
        row = row_of[owner]
        row, node = row[row >= 0], node[row >= 0]
    else:
        iv = _intervals(index, code)
        pick = iv.outer & (row_of[iv.author] >= 0)
        # an outermost interval of the author's own model starts with that model: not counted
        start = iv.start[pick] + iv.own[pick]
        size = iv.end[pick] - start
        row = np.repeat(row_of[iv.author[pick]], size)
        node = index.forest.order[_counts.concat_ranges(start.astype(np.int64), size)]
    first = np.full(len(names), np.iinfo(np.int64).max)
    np.minimum.at(first, code, col)
    release = first[rows]
    month = col[node]
    moved = int(np.count_nonzero(month < release[row]))
    n_cols = graph._n_cols
    matrix = sp.csr_matrix(
        (np.ones(len(row), dtype=np.int64), (row, np.maximum(month, release[row]))),
        shape=(len(rows), n_cols),
    )
    months = [month_label(graph._month0 + m) for m in range(n_cols)]
    monthly = MonthlyCounts(
        scope, np.asarray(wanted, dtype=object), months, matrix, release.astype(np.int64), moved
    )
    frame = monthly.curves(last_complete=graph.last_complete_month, running_month=running_month)
    frame.attrs["moved"] = moved
    return frame


def _author_codes(graph: LineageGraph) -> tuple[np.ndarray, np.ndarray]:
    """Every node's author as a code, and the authors (codes index them)."""
    code, names = pd.factorize(pd.Series(model_authors(graph), dtype=object))
    return code.astype(np.int64), np.asarray(names, dtype=object)


def _direct_pairs(index: _counts.CountIndex, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (author of the parent, child) pairs of the edges."""
    n = np.int64(index.n)
    pair = np.unique(code[index.parent] * n + index.child)
    return pair // n, pair % n


class _Intervals:
    """Every author's descendant intervals in pre-order positions, sorted, the outermost
    flagged (``outer``): their union is the author's models and everything downstream."""

    def __init__(self, author, start, end, own, outer):
        self.author, self.start, self.end, self.own, self.outer = author, start, end, own, outer


def _intervals(index: _counts.CountIndex, code: np.ndarray) -> _Intervals:
    forest = index.forest
    tin, size = forest.tin.astype(np.int64), forest.size.astype(np.int64)
    nodes = np.arange(index.n)
    target = index.ext_target
    author = np.concatenate([code, code[index.ext_owner]])
    start = np.concatenate([tin, tin[target]])
    end = start + np.concatenate([size, size[target]])
    own = np.concatenate([np.ones(len(nodes), dtype=bool), np.zeros(len(target), dtype=bool)])
    span = np.int64(index.n + 1)
    # by author, then start; an external interval before an identical own one, so that a
    # model reached from another of the author's models is never outermost
    order = np.argsort((author * span + start) * 2 + own, kind="stable")
    author, start, end, own = author[order], start[order], end[order], own[order]
    shifted_end = author * span + end  # authors' position ranges do not overlap
    reach = np.maximum.accumulate(shifted_end)
    before = np.concatenate([[-1], reach[:-1]])
    outer = author * span + start >= before
    return _Intervals(author, start, end, own, outer)
