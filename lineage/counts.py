"""Exact derivative counts for every model at once: numpy kernels on plain index arrays.

Nodes are ``0..n-1``; an edge is ``(child, parent)``. The kernels import nothing from the rest
of hf-lineage: :class:`lineage.graph.LineageGraph` feeds them its arrays and wraps the results
in pandas objects (``descendant_counts``, ``growth_curve``, ``growth_curves``).

How the transitive (distinct descendant) counts stay exact and linear-ish:

1. Every node keeps one *primary* parent (its lowest-index parent); the primary edges form a
   forest, numbered in pre-order so that each primary subtree is one interval ``[tin, tin+size)``.
2. The other parents of a node are *non-primary* edges. The descendants of ``v`` (with ``v``)
   are the union of the subtree intervals of ``v`` and of every non-primary edge target
   reachable from ``v`` (cut any path at its last non-primary edge).
3. Only ancestors of non-primary edge sources need more than their own interval. For them,
   bottom-up in topological rounds, we keep the *external* intervals: the maximal
   target intervals reachable from ``v`` that lie outside ``v``'s subtree. Forest intervals
   are nested or disjoint, so after dropping nested ones they are disjoint and their sizes
   add up to exactly the nodes they cover.

Monthly histograms follow the same decomposition: one (ancestor, month) cell per node and
primary ancestor (depth is small on the Hub), plus the histograms of the external intervals
(one sparse matrix product); a derivative dated before its ancestor lands in the ancestor's
release month as the cells are summed. All results are sparse (CSR) by model and month.

>>> import numpy as np
>>> child, parent = np.array([1, 2, 3, 3]), np.array([0, 0, 1, 2])  # a diamond
>>> index = count_index(4, child, parent)
>>> index.transitive.tolist(), index.direct.tolist()
([3, 1, 1, 0], [2, 1, 1, 0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

Progress = Callable[[str, int, int], None]
"""Progress callback: ``progress(stage, done, total)``."""


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: faster than ``np.unique`` on large int arrays)."""
    s = np.sort(a)
    return s[_heads(s)]


def _runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``a`` and how often each occurs.

    >>> [x.tolist() for x in _runs(np.array([3, 1, 3]))]
    [[1, 3], [1, 2]]
    """
    s = np.sort(a)
    heads = _heads(s)
    return s[heads], np.diff(np.append(heads, len(s)))


def _heads(a: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in ``a``."""
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], a[1:] != a[:-1]]))


def argsort_stable(a: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative integers below 2**32 (two 16-bit radix passes).

    >>> argsort_stable(np.array([70000, 3, 70000, 1])).tolist()
    [3, 1, 0, 2]
    """
    a = np.asarray(a)
    if len(a) == 0 or int(a.max()) < 1 << 16:
        return np.argsort(a.astype(np.uint16), kind="stable")
    low = np.argsort((a & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((a[low] >> 16).astype(np.uint16), kind="stable")]


def csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency ``src -> dst`` as ``(indptr, indices)``, neighbours in input order.

    >>> csr(3, np.array([0, 2, 0]), np.array([2, 1, 1]))[1].tolist()
    [2, 1, 1]
    """
    src = np.asarray(src, dtype=np.int64)
    if len(src) and np.all(src[1:] >= src[:-1]):
        order = slice(None)
    else:
        order = argsort_stable(src)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, np.asarray(dst)[order]


def gather(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray):
    """Neighbours of every node in ``nodes``: ``(owner, neighbour)`` arrays.

    >>> ptr, idx = csr(3, np.array([0, 0, 2]), np.array([2, 1, 1]))
    >>> [a.tolist() for a in gather(ptr, idx, np.array([0, 2]))]
    [[0, 0, 2], [2, 1, 1]]
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    return np.repeat(nodes, lens), indices[_ranges(starts, lens)]


def _ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for each start and length."""
    total = int(lens.sum())
    return np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(total)


def sorted_edges(child: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Positions of the distinct ``(child, parent)`` pairs (first occurrence), in pair order.

    >>> sorted_edges(np.array([2, 1, 1]), np.array([0, 0, 0]), 3).tolist()
    [1, 0]
    """
    key = np.asarray(child, dtype=np.int64) * n + parent
    if np.all(key[1:] >= key[:-1]):
        return _heads(key)
    order = np.argsort(key, kind="stable")
    return order[_heads(key[order])]


def cycle_edges(n: int, child: np.ndarray, parent: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Mask of the edges to drop so that the graph has no cycle, chosen deterministically.

    ``rank`` orders the nodes (oldest first, ties by id). Inside each strongly connected
    component every edge whose parent ranks after its child (the parent is newer) is
    dropped; the kept edges all point from older to newer, so no cycle survives.

    >>> cycle_edges(3, np.array([1, 0, 2]), np.array([0, 1, 1]), np.array([0, 1, 2])).tolist()
    [False, True, False]
    """
    if len(child) == 0:
        return np.zeros(0, dtype=bool)
    g = sp.csr_matrix((np.ones(len(child), dtype=np.int8), (parent, child)), shape=(n, n))
    _, label = connected_components(g, directed=True, connection="strong")
    same = label[child] == label[parent]
    return same & (rank[parent] > rank[child])


@dataclass
class Forest:
    """The primary-parent forest in pre-order: subtree of ``v`` = positions ``tin[v]..+size``.

    ``levels[k]`` are the nodes at depth ``k``; for ``k >= 1`` they are the children of
    ``parents[k]`` (nodes of level ``k - 1``), ``fanout[k]`` of each, in that order.
    """

    ppar: np.ndarray  # primary parent or -1
    tin: np.ndarray  # pre-order position
    size: np.ndarray  # subtree size, the node included
    order: np.ndarray  # node at each position
    levels: list[np.ndarray]
    parents: list[np.ndarray]
    fanout: list[np.ndarray]

    @property
    def depth(self) -> np.ndarray:
        """Depth of every node (0 for roots)."""
        depth = np.zeros(len(self.ppar), dtype=np.int64)
        for k, nodes in enumerate(self.levels):
            depth[nodes] = k
        return depth


def primary_forest(n: int, child: np.ndarray, parent: np.ndarray, by_parent: np.ndarray) -> Forest:
    """Primary parent of every node (its lowest-index parent) and the forest's pre-order.

    The edges must come sorted by ``(child, parent)`` (see :func:`sorted_edges`);
    ``by_parent`` orders them by parent.

    >>> c, p = np.array([1, 2, 3, 3]), np.array([0, 0, 1, 2])
    >>> f = primary_forest(4, c, p, np.argsort(p, kind="stable"))
    >>> f.ppar.tolist(), f.tin.tolist(), f.size.tolist(), f.depth.tolist()
    ([-1, 0, 0, 1], [0, 1, 3, 2], [4, 2, 1, 1], [0, 1, 1, 2])
    """
    i32 = np.int32  # node numbers: half the memory traffic of int64
    ppar = np.full(n, -1, dtype=i32)
    first = _heads(child)
    ppar[child[first]] = parent[first]
    pc, pp = child[by_parent].astype(i32), parent[by_parent].astype(i32)
    primary = ppar[pc] == pp
    kids = pc[primary]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pp[primary], minlength=n), out=ptr[1:])
    n_kids = (ptr[1:] - ptr[:-1]).astype(i32)
    roots = np.flatnonzero(ppar < 0).astype(i32)
    frontier = roots[n_kids[roots] > 0]
    levels, parents, fanout = [roots], [roots[:0]], [roots[:0]]
    while len(frontier):
        lens = n_kids[frontier]
        par, lens = frontier[lens > 0], lens[lens > 0]
        if len(par) == 0:
            break
        frontier = kids[_ranges(ptr[par], lens)]
        levels.append(frontier)
        parents.append(par)
        fanout.append(lens)
    size = np.ones(n, dtype=i32)
    for k in range(len(levels) - 1, 0, -1):
        starts = np.cumsum(fanout[k]) - fanout[k]
        size[parents[k]] += np.add.reduceat(size[levels[k]], starts)
    tin = np.zeros(n, dtype=i32)
    tin[roots] = np.cumsum(size[roots]) - size[roots]
    for k in range(1, len(levels)):
        nodes, lens = levels[k], fanout[k]
        sz = size[nodes]
        before = np.cumsum(sz) - sz
        starts = np.cumsum(lens) - lens
        tin[nodes] = np.repeat(tin[parents[k]] + 1 - before[starts], lens) + before
    order = np.empty(n, dtype=i32)
    order[tin] = np.arange(n, dtype=i32)
    return Forest(ppar, tin, size, order, levels, parents, fanout)


class _Buffer:
    """A growable int64 array."""

    def __init__(self) -> None:
        self.data = np.empty(1024, dtype=np.int64)
        self.used = 0

    def append(self, values: np.ndarray) -> int:
        start = self.used
        need = start + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)), dtype=np.int64)
            grown[:start] = self.data[:start]
            self.data = grown
        self.data[start:need] = values
        self.used = need
        return start


def external_intervals(
    n: int,
    child: np.ndarray,
    parent: np.ndarray,
    by_parent: np.ndarray,
    forest: Forest,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For every node ``v``, the nodes ``t`` whose subtrees are ``v``'s external intervals.

    Returns ``(owner, target)`` sorted by owner: the subtrees of the targets are disjoint,
    outside ``v``'s own subtree, and with it cover exactly ``v`` and its descendants.
    The edges must be acyclic, distinct and sorted by ``(child, parent)``; ``by_parent``
    orders them by parent.

    >>> c, p, bp = np.array([1, 3, 3]), np.array([0, 0, 2]), np.array([0, 1, 2])
    >>> [a.tolist() for a in external_intervals(4, c, p, bp, primary_forest(4, c, p, bp))]
    [[2], [3]]
    """
    ppar, tin, size, order = forest.ppar, forest.tin, forest.size, forest.order
    np_src = parent[ppar[child] != parent]
    empty = np.empty(0, dtype=np.int64)
    if len(np_src) == 0:
        return empty, empty
    up_ptr, up_idx = csr(n, child, parent)
    # the nodes that reach a non-primary edge: the ancestors of its sources
    relevant = np.zeros(n, dtype=bool)
    frontier = _unique(np_src)
    while len(frontier):
        relevant[frontier] = True
        _, up = gather(up_ptr, up_idx, frontier)
        frontier = _unique(up[~relevant[up]])
    inner = by_parent[relevant[parent[by_parent]]]
    down_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent[inner], minlength=n), out=down_ptr[1:])
    down_idx = child[inner]
    pending = np.bincount(parent[inner[relevant[down_idx]]], minlength=n)
    nodes = np.flatnonzero(relevant)
    e_start = np.zeros(n, dtype=np.int64)
    e_len = np.zeros(n, dtype=np.int32)
    buf = _Buffer()
    frontier = nodes[pending[nodes] == 0]
    done, total = 0, len(nodes)
    big = np.int64(n + 1)
    while len(frontier):
        v, c = gather(down_ptr, down_idx, frontier)
        extra = ppar[c] != v
        has = e_len[c] > 0
        lens = e_len[c[has]]
        cv = np.concatenate([v[extra], np.repeat(v[has], lens)])
        ct = np.concatenate([c[extra], buf.data[_ranges(e_start[c[has]], lens)]])
        outside = (tin[ct] < tin[cv]) | (tin[ct] >= tin[cv] + size[cv])
        cv, ct = cv[outside], ct[outside]
        if len(cv):
            key = _unique(cv * n + tin[ct])
            kv, lo = key // n, key % n
            kt = order[lo]
            # drop intervals nested in an earlier one of the same owner
            run = np.maximum.accumulate(kv * big + lo + size[kt])
            prev = np.concatenate([[-1], run[:-1] - kv[1:] * big])
            keep = lo >= prev
            kv, kt = kv[keep], kt[keep]
            at = buf.append(kt)
            heads = _heads(kv)
            e_start[kv[heads]] = at + heads
            e_len[kv[heads]] = np.diff(np.append(heads, len(kv)))
        done += len(frontier)
        _report(progress, "merges", done, total)
        _, ups = gather(up_ptr, up_idx, frontier)
        cand, k = _runs(ups[relevant[ups]])
        pending[cand] -= k
        frontier = cand[pending[cand] == 0]
    owners = np.flatnonzero(e_len)
    lens = e_len[owners]
    return np.repeat(owners, lens), buf.data[_ranges(e_start[owners], lens)]


@dataclass
class CountIndex:
    """Everything the counts need for one relation filter."""

    n: int
    child: np.ndarray  # distinct edges, acyclic, sorted by (child, parent)
    parent: np.ndarray
    by_parent: np.ndarray  # edge positions sorted by parent
    forest: Forest
    ext_owner: np.ndarray
    ext_target: np.ndarray
    direct: np.ndarray  # distinct children per node
    transitive: np.ndarray  # distinct descendants per node


def count_index(
    n: int, child: np.ndarray, parent: np.ndarray, progress: Progress | None = None
) -> CountIndex:
    """Direct and transitive descendant totals of every node (edges acyclic, maybe repeated).

    >>> count_index(3, np.array([1, 2]), np.array([0, 1])).transitive.tolist()
    [2, 1, 0]
    """
    keep = sorted_edges(child, parent, n)
    child = np.asarray(child)[keep].astype(np.int32)
    parent = np.asarray(parent)[keep].astype(np.int32)
    by_parent = argsort_stable(parent)
    _report(progress, "forest", 0, 1)
    forest = primary_forest(n, child, parent, by_parent)
    _report(progress, "forest", 1, 1)
    owner, target = external_intervals(n, child, parent, by_parent, forest, progress)
    transitive = forest.size.astype(np.int64) - 1
    heads = _heads(owner)
    if len(heads):
        transitive[owner[heads]] += np.add.reduceat(forest.size[target].astype(np.int64), heads)
    direct = np.bincount(parent, minlength=n).astype(np.int64)
    return CountIndex(n, child, parent, by_parent, forest, owner, target, direct, transitive)


@dataclass
class Histograms:
    """Per-month derivative counts of the ``rows`` nodes (all others have none).

    ``matrix`` (sparse CSR, ``len(rows) x n_months``): ``matrix[i, j]`` counts derivatives of
    ``rows[i]`` in month ``j`` (0 = the earliest month of the graph); derivatives dated before
    the model's ``release`` month are counted in it, and ``moved`` says how many (model,
    derivative) pairs were.
    """

    rows: np.ndarray
    matrix: sp.csr_matrix
    release: np.ndarray
    moved: int


def _cells(
    row: np.ndarray, col: np.ndarray, weight: np.ndarray | None, release: np.ndarray, n_cols: int
) -> tuple[sp.csr_matrix, int]:
    """Sum ``weight`` (default 1) per (row, col) cell after moving columns before each row's
    ``release`` to it; the CSR matrix and the total weight moved."""
    early = col < release[row]
    moved = int(early.sum() if weight is None else weight[early].sum())
    key = row * n_cols + np.maximum(col, release[row])
    if weight is None:
        cells, data = _runs(key)
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        heads = _heads(key)
        cells = key[heads]
        data = np.add.reduceat(weight[order], heads) if len(heads) else weight[:0]
    return _csr(cells, data, len(release), n_cols), moved


def histograms(
    index: CountIndex,
    month: np.ndarray,
    n_months: int,
    scope: str = "transitive",
    progress: Progress | None = None,
) -> Histograms:
    """Monthly derivative counts of every model with at least one derivative in ``scope``.

    ``month[v]`` is the column of ``v``'s release month (``0..n_months-1``); rows come in
    node order.

    >>> idx = count_index(3, np.array([1, 2]), np.array([0, 1]))
    >>> h = histograms(idx, np.array([1, 0, 2]), 3)
    >>> h.rows.tolist(), h.matrix.toarray().tolist(), h.moved
    ([0, 1], [[0, 1, 1], [0, 0, 1]], 1)
    """
    month = np.asarray(month, dtype=np.int32)
    rows = np.flatnonzero(index.direct)
    row_of = np.full(index.n, -1, dtype=np.int64)
    row_of[rows] = np.arange(len(rows))
    release = month[rows].astype(np.int64)
    if scope == "direct":
        bp = index.by_parent
        matrix, moved = _cells(
            row_of[index.parent[bp]], month[index.child[bp]], None, release, n_months
        )
    else:
        matrix, moved = _transitive_cells(index, month, n_months, row_of, release, progress)
    return Histograms(rows, matrix, release, moved)


def _csr(cells: np.ndarray, data: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """CSR matrix from sorted distinct flat cell numbers and their values."""
    indptr = np.searchsorted(cells, np.arange(n_rows + 1) * n_cols)
    return sp.csr_matrix((data.astype(np.int64), cells % n_cols, indptr), shape=(n_rows, n_cols))


def _transitive_cells(
    index: CountIndex,
    month: np.ndarray,
    n_months: int,
    row_of: np.ndarray,
    release: np.ndarray,
    progress: Progress | None,
) -> tuple[sp.csr_matrix, int]:
    ppar = index.forest.ppar
    n_rows = len(release)
    owner, target = index.ext_owner, index.ext_target
    inner = row_of[target] >= 0  # external intervals with a subtree below their root
    is_target = np.zeros(index.n, dtype=bool)
    is_target[target[inner]] = True
    # primary subtrees: one (ancestor, month) cell per pair, moved to the ancestor's release
    # month (``folded``), and kept as is for the roots of external intervals (``raw``)
    x = np.flatnonzero(ppar >= 0)
    anc, mx = ppar[x], month[x]
    folded, raw = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    moved = 0
    row_base = row_of * n_months
    while len(anc):
        base = row_base[anc]
        ma = month[anc]
        moved += int((mx < ma).sum())
        folded.append(base + np.maximum(mx, ma))
        hit = is_target[anc]
        raw.append(base[hit] + mx[hit])
        above = ppar[anc]
        up = above >= 0
        anc, mx = above[up], mx[up]
        _report(progress, "months", len(folded) - 1, len(index.forest.levels) - 1)
    main = _csr(*_runs(np.concatenate(folded)), n_rows, n_months)
    if not len(owner):
        return main, moved
    sub = _csr(*_runs(np.concatenate(raw)), n_rows, n_months)
    ext = sp.csr_matrix(
        (np.ones(int(inner.sum()), dtype=np.int64), (row_of[owner[inner]], row_of[target[inner]])),
        shape=(n_rows, n_rows),
    )
    extra = (ext @ sub).tocoo()
    row = np.concatenate([extra.row, row_of[owner]]).astype(np.int64)
    col = np.concatenate([extra.col, month[target]]).astype(np.int64)
    weight = np.concatenate([extra.data, np.ones(len(owner), dtype=np.int64)])
    more, more_moved = _cells(row, col, weight, release, n_months)
    return main + more, moved + more_moved
