"""Exact derivative counts for every model at once: numpy kernels on plain index arrays.

Nodes are ``0..n-1``; an edge is ``(child, parent)``. The kernels import nothing from the rest
of hf-lineage but its progress protocol (:mod:`lineage.progress`):
:class:`lineage.graph.LineageGraph` feeds them its arrays and wraps the results in pandas
objects (``descendant_counts``, ``growth_curve``, ``growth_curves``).

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

Monthly histograms read the same decomposition: the descendants of a model are the
pre-order positions of its own subtree and of its external intervals, so one gather of the
months at those positions and one sort of (model, month) cells count them all; the work is
the sum of the transitive counts (about the sum of depths, small on the Hub). A derivative
dated before its ancestor lands in the ancestor's release month as the cells are summed.
All results are sparse (CSR) by model and month.

>>> import numpy as np
>>> child, parent = np.array([1, 2, 3, 3]), np.array([0, 0, 1, 2])  # a diamond
>>> index = count_index(4, child, parent)
>>> index.transitive.tolist(), index.direct.tolist()
([3, 1, 1, 0], [2, 1, 1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lineage.progress import ProgressCallback, report

if TYPE_CHECKING:  # scipy loads where it is used: a one-model command never needs it
    import scipy.sparse as sp


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: faster than ``np.unique`` on large int arrays)."""
    s = np.sort(a)
    return s[run_starts(s)]


def _runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``a`` and how often each occurs.

    >>> [x.tolist() for x in _runs(np.array([3, 1, 3]))]
    [[1, 3], [1, 2]]
    """
    s = np.sort(a)
    heads = run_starts(s)
    return s[heads], np.diff(np.append(heads, len(s)))


def run_starts(a: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in ``a``.

    Parameters
    ----------
    a : numpy.ndarray
        Any 1-d array.

    Returns
    -------
    numpy.ndarray
        Positions where a run begins (0 first, when ``a`` is not empty).

    Examples
    --------
    >>> run_starts(np.array([4, 4, 1, 4])).tolist()
    [0, 2, 3]
    """
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], a[1:] != a[:-1]]))


def argsort_stable(a: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative integers below 2**32 (two 16-bit radix passes).

    Parameters
    ----------
    a : numpy.ndarray
        Non-negative integers below 2**32.

    Returns
    -------
    numpy.ndarray
        The permutation sorting ``a``, ties in input order.

    Examples
    --------
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

    Parameters
    ----------
    n : int
        Number of nodes.
    src, dst : numpy.ndarray
        The edges.

    Returns
    -------
    tuple of numpy.ndarray
        ``indptr`` (length ``n + 1``) and ``indices``.

    Examples
    --------
    >>> csr(3, np.array([0, 2, 0]), np.array([2, 1, 1]))[1].tolist()
    [2, 1, 1]
    """
    src = np.asarray(src, dtype=np.int64)
    order: slice | np.ndarray
    if len(src) and np.all(src[1:] >= src[:-1]):
        order = slice(None)
    else:
        order = argsort_stable(src)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, np.asarray(dst)[order]


def gather(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray):
    """Neighbours of every node in ``nodes``: ``(owner, neighbour)`` arrays.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        An adjacency from :func:`csr`.
    nodes : numpy.ndarray
        The nodes whose neighbours are wanted.

    Returns
    -------
    tuple of numpy.ndarray
        ``(owner, neighbour)``, one pair per neighbour, grouped by owner in ``nodes`` order.

    Examples
    --------
    >>> ptr, idx = csr(3, np.array([0, 0, 2]), np.array([2, 1, 1]))
    >>> [a.tolist() for a in gather(ptr, idx, np.array([0, 2]))]
    [[0, 0, 2], [2, 1, 1]]
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    starts = indptr[nodes]
    lens = indptr[nodes + 1] - starts
    return np.repeat(nodes, lens), indices[concat_ranges(starts, lens)]


def concat_ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for each start and length, in the dtype of
    ``starts`` (int32 halves the memory traffic where positions fit).

    Parameters
    ----------
    starts, lens : numpy.ndarray
        Starts and lengths of the ranges.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> concat_ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    lens = np.asarray(lens, dtype=np.int64)  # cumsum of int32 to int64 is several times slower
    ends = np.cumsum(lens)
    total = int(ends[-1]) if len(ends) else 0
    offset = (starts - (ends - lens)).astype(starts.dtype)
    return np.repeat(offset, lens) + np.arange(total, dtype=starts.dtype)


def sorted_edges(child: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Positions of the distinct ``(child, parent)`` pairs (first occurrence), in pair order.

    Parameters
    ----------
    child, parent : numpy.ndarray
        The edges, as node rows.
    n : int
        Number of nodes.

    Returns
    -------
    numpy.ndarray
        Edge positions.

    Examples
    --------
    >>> sorted_edges(np.array([2, 1, 1]), np.array([0, 0, 0]), 3).tolist()
    [1, 0]
    """
    key = np.asarray(child, dtype=np.int64) * n + parent
    if np.all(key[1:] >= key[:-1]):
        return run_starts(key)
    order = np.argsort(key, kind="stable")
    return order[run_starts(key[order])]


@dataclass
class Cycles:
    """The directed cycles of a graph: its strongly connected components of two or more nodes.

    Parameters
    ----------
    label : numpy.ndarray
        ``label[v]`` is the component of node ``v``.
    looped : numpy.ndarray
        Marks the edges inside a component of two or more nodes (those on a cycle).
    count, models : int
        Components of two or more nodes, and the nodes in them.

    Examples
    --------
    >>> cycles = find_cycles(3, np.array([0, 1, 2]), np.array([1, 0, 0]))
    >>> cycles.count, cycles.models, cycles.looped.tolist()
    (1, 2, [True, True, False])
    """

    label: np.ndarray
    looped: np.ndarray
    count: int  # components of two or more nodes
    models: int  # nodes in them


def find_cycles(n: int, child: np.ndarray, parent: np.ndarray) -> Cycles:
    """The cycles of the graph of edges ``child -> parent`` on nodes ``0..n-1``.

    The one cycle finder of hf-lineage: the store's ``info``, the graph's construction and
    :func:`cycle_edges` all use it.

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        The edges, as node rows.

    Returns
    -------
    Cycles

    Examples
    --------
    >>> c = find_cycles(4, np.array([1, 0, 2, 3]), np.array([0, 1, 1, 3]))
    >>> c.count, c.models, c.looped.tolist()
    (1, 2, [True, True, False, False])
    """
    child, parent = np.asarray(child), np.asarray(parent)
    if len(child) == 0:
        return Cycles(np.arange(n), np.zeros(0, dtype=bool), 0, 0)
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    g = sp.csr_matrix((np.ones(len(child), dtype=np.int8), (parent, child)), shape=(n, n))
    _, label = connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(label)
    looped = (label[child] == label[parent]) & (child != parent)
    return Cycles(label, looped, int((sizes > 1).sum()), int(sizes[sizes > 1].sum()))


def cycle_edges(
    n: int,
    child: np.ndarray,
    parent: np.ndarray,
    rank: np.ndarray,
    *,
    cycles: Cycles | None = None,
) -> np.ndarray:
    """Mask of the edges to drop so that the graph has no cycle, chosen deterministically.

    ``rank`` orders the nodes (oldest first, ties by id; only the ranks of nodes on cycles
    matter). Inside each strongly connected component every edge whose parent ranks after
    its child (the parent is newer) is dropped; the kept edges all point from older to
    newer, so no cycle survives. ``cycles``: :func:`find_cycles` of these edges, if known.

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        The edges, as node rows.
    rank : numpy.ndarray
        Every node's rank (oldest first).
    cycles : Cycles, optional
        :func:`find_cycles` of these edges.

    Returns
    -------
    numpy.ndarray
        Boolean, True for the edges to drop.

    Examples
    --------
    >>> cycle_edges(3, np.array([1, 0, 2]), np.array([0, 1, 1]), np.array([0, 1, 2])).tolist()
    [False, True, False]
    """
    if cycles is None:
        cycles = find_cycles(n, child, parent)
    if len(cycles.looped) == 0:
        return cycles.looped
    return cycles.looped & (rank[parent] > rank[child])


@dataclass
class Forest:
    """The primary-parent forest in pre-order: subtree of ``v`` = positions ``tin[v]..+size``.

    Parameters
    ----------
    ppar : numpy.ndarray
        Every node's primary parent, or -1.
    tin, size : numpy.ndarray
        Every node's pre-order position and subtree size (the node included).
    order : numpy.ndarray
        The node at each position.
    levels : list of numpy.ndarray
        ``levels[k]`` are the nodes at depth ``k``.

    Examples
    --------
    >>> f = primary_forest(3, np.array([1, 2]), np.array([0, 1]))
    >>> f.ppar.tolist(), f.size.tolist(), f.depth.tolist()
    ([-1, 0, 1], [3, 2, 1], [0, 1, 2])
    """

    ppar: np.ndarray  # primary parent or -1
    tin: np.ndarray  # pre-order position
    size: np.ndarray  # subtree size, the node included
    order: np.ndarray  # node at each position
    levels: list[np.ndarray]

    @property
    def depth(self) -> np.ndarray:
        """Depth of every node (0 for roots).

        Examples
        --------
        >>> primary_forest(3, np.array([1, 2]), np.array([0, 1])).depth.tolist()
        [0, 1, 2]
        """
        depth = np.zeros(len(self.ppar), dtype=np.int64)
        for k, nodes in enumerate(self.levels):
            depth[nodes] = k
        return depth


def primary_forest(n: int, child: np.ndarray, parent: np.ndarray) -> Forest:
    """Primary parent of every node (its lowest-index parent) and the forest's pre-order.

    The edges must come sorted by ``(child, parent)`` (see :func:`sorted_edges`).

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        The edges, sorted by ``(child, parent)``.

    Returns
    -------
    Forest

    Examples
    --------
    >>> f = primary_forest(4, np.array([1, 2, 3, 3]), np.array([0, 0, 1, 2]))
    >>> f.ppar.tolist(), f.tin.tolist(), f.size.tolist(), f.depth.tolist()
    ([-1, 0, 0, 1], [0, 1, 3, 2], [4, 2, 1, 1], [0, 1, 1, 2])
    """
    i32 = np.int32  # node numbers: half the memory traffic of int64
    first = run_starts(child)
    ppar = np.full(n, -1, dtype=i32)
    ppar[child[first]] = parent[first]
    # the primary edges grouped by parent, children in node order: one sort of packed pairs
    packed = np.sort(parent[first].astype(np.int64) << 32 | child[first])
    kids, par = (packed & 0xFFFFFFFF).astype(i32), (packed >> 32).astype(i32)
    run_start = run_starts(par).astype(i32)  # the children of par[run_start[r]]: one run each
    run_len = np.diff(np.append(run_start, len(par)))
    run_of = np.full(n, -1, dtype=i32)
    run_of[par[run_start]] = np.arange(len(run_start), dtype=i32)
    roots = np.flatnonzero(ppar < 0).astype(i32)
    levels, at = [roots], []  # at[k]: the positions in ``kids`` of level k + 1
    while True:
        run = run_of[levels[-1]]
        run = run[run >= 0]
        if not len(run):
            break
        at.append(concat_ranges(run_start[run], run_len[run]))
        levels.append(kids[at[-1]])
    size = np.ones(n, dtype=i32)
    for pos, nodes in zip(reversed(at), reversed(levels[1:]), strict=True):
        above = par[pos]
        heads = run_starts(above)
        size[above[heads]] += np.add.reduceat(size[nodes], heads)
    # pre-order: a child starts after its parent and the subtrees of its earlier siblings
    sz = size[kids]
    before = np.cumsum(sz, dtype=i32) - sz
    offset = 1 + before - np.repeat(before[run_start], run_len)
    tin = np.zeros(n, dtype=i32)
    sz = size[roots]
    tin[roots] = np.cumsum(sz, dtype=i32) - sz
    for pos, nodes in zip(at, levels[1:], strict=True):
        tin[nodes] = tin[par[pos]] + offset[pos]
    order = np.empty(n, dtype=i32)
    order[tin] = np.arange(n, dtype=i32)
    return Forest(ppar, tin, size, order, levels)


class _Buffer:
    """A growable int64 array."""

    def __init__(self) -> None:
        self.data = np.empty(1024, dtype=np.int64)
        self.used = 0

    def append(self, values: np.ndarray) -> int:
        """Add ``values`` at the end; return the position of the first."""
        start = self.used
        need = start + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)), dtype=np.int64)
            grown[:start] = self.data[:start]
            self.data = grown
        self.data[start:need] = values
        self.used = need
        return start


def _ancestors_of(sources: np.ndarray, child: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Mask of the ``sources`` and all their ancestors (edges sorted by child)."""
    marked = np.zeros(n, dtype=bool)
    frontier = _unique(sources)
    while len(frontier):
        marked[frontier] = True
        first = np.searchsorted(child, frontier)
        last = np.searchsorted(child, frontier, "right")
        parents = parent[concat_ranges(first, last - first)]
        frontier = _unique(parents[~marked[parents]])
    return marked


@dataclass
class _MergeGraph:
    """The relevant nodes under local numbers, and the edges that can carry an interval.

    Nodes outside ``nodes`` all share the local number ``len(nodes)`` (they have no
    intervals). ``parents_*`` is a CSR from a relevant node to its relevant parents (local);
    ``children_*`` one from a relevant node to its carrying children (node numbers).
    """

    nodes: np.ndarray
    local: np.ndarray
    parents_ptr: np.ndarray
    parents_idx: np.ndarray
    children_ptr: np.ndarray
    children_idx: np.ndarray


def _merge_graph(
    n: int, child: np.ndarray, parent: np.ndarray, nonprimary: np.ndarray, relevant: np.ndarray
) -> _MergeGraph:
    """Number the ``relevant`` nodes locally and index the edges that can carry an interval."""
    nodes = np.flatnonzero(relevant)
    n_relevant = len(nodes)
    local = np.full(n, n_relevant, dtype=np.int64)
    local[nodes] = np.arange(n_relevant)
    # the only edges that can carry an interval: from a relevant node to a relevant one,
    # or non-primary (edges come sorted by child, so the parents CSR keeps each node's order)
    into_relevant = relevant[child]
    carries = relevant[parent] & (into_relevant | nonprimary)
    carry_child, carry_parent = child[carries], local[parent[carries]]
    both_relevant = into_relevant[carries]
    parents_ptr, parents_idx = csr(
        n_relevant + 1, local[carry_child[both_relevant]], carry_parent[both_relevant]
    )
    by_parent = argsort_stable(carry_parent)
    children_ptr, children_idx = csr(
        n_relevant + 1, carry_parent[by_parent], carry_child[by_parent]
    )
    return _MergeGraph(nodes, local, parents_ptr, parents_idx, children_ptr, children_idx)


class _IntervalStore:
    """The external intervals found so far: each local node's run of targets in one buffer."""

    def __init__(self, n_local: int) -> None:
        self.start = np.zeros(n_local, dtype=np.int64)
        self.length = np.zeros(n_local, dtype=np.int32)
        self.targets = _Buffer()

    def of(self, local_nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How many targets each of ``local_nodes`` has, and all of them concatenated."""
        counts = self.length[local_nodes]
        return counts, self.targets.data[concat_ranges(self.start[local_nodes], counts)]

    def store(self, owner_local: np.ndarray, targets: np.ndarray) -> None:
        """Record ``targets``, grouped by their (sorted) local ``owner_local`` nodes."""
        at = self.targets.append(targets)
        heads = run_starts(owner_local)
        owners = owner_local[heads]
        self.start[owners] = at + heads
        self.length[owners] = np.diff(np.append(heads, len(owner_local)))


def _maximal_intervals(
    owner: np.ndarray, target: np.ndarray, forest: Forest, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(owner, target)`` pairs sorted by owner, without subtrees nested in another."""
    key = _unique(owner * n + forest.tin[target])
    owner, position = key // n, key % n
    target = forest.order[position]
    stride = np.int64(n + 1)
    reach = np.maximum.accumulate(owner * stride + position + forest.size[target])
    reach_before = np.concatenate([[-1], reach[:-1] - owner[1:] * stride])
    keep = position >= reach_before
    return owner[keep], target[keep]


def _merge_round(
    frontier: np.ndarray, graph: _MergeGraph, forest: Forest, found: _IntervalStore, n: int
) -> None:
    """Store the external intervals of the ``frontier`` (local numbers; children all done)."""
    owner_local, kid = gather(graph.children_ptr, graph.children_idx, frontier)
    owner = graph.nodes[owner_local]
    kid_local = graph.local[kid]
    # a non-primary child is an interval itself; any child passes on its own intervals
    via_nonprimary = forest.ppar[kid] != owner
    inherits = found.length[kid_local] > 0
    counts, inherited = found.of(kid_local[inherits])
    cand_owner = np.concatenate([owner[via_nonprimary], np.repeat(owner[inherits], counts)])
    cand_target = np.concatenate([kid[via_nonprimary], inherited])
    tin, size = forest.tin, forest.size
    outside = (tin[cand_target] < tin[cand_owner]) | (
        tin[cand_target] >= tin[cand_owner] + size[cand_owner]
    )
    cand_owner, cand_target = cand_owner[outside], cand_target[outside]
    if len(cand_owner):
        owner, target = _maximal_intervals(cand_owner, cand_target, forest, n)
        found.store(graph.local[owner], target)


def external_intervals(
    n: int,
    child: np.ndarray,
    parent: np.ndarray,
    forest: Forest,
    *,
    progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For every node ``v``, the nodes ``t`` whose subtrees are ``v``'s external intervals.

    Returns ``(owner, target)`` sorted by owner: the subtrees of the targets are disjoint,
    outside ``v``'s own subtree, and with it cover exactly ``v`` and its descendants.
    The edges must be acyclic, distinct and sorted by ``(child, parent)``.

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        The edges.
    forest : Forest
        :func:`primary_forest` of the edges.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records.

    Returns
    -------
    tuple of numpy.ndarray
        ``(owner, target)``.

    Examples
    --------
    >>> c, p = np.array([1, 3, 3]), np.array([0, 0, 2])
    >>> [a.tolist() for a in external_intervals(4, c, p, primary_forest(4, c, p))]
    [[2], [3]]
    """
    nonprimary = forest.ppar[child] != parent
    empty = np.empty(0, dtype=np.int64)
    if not nonprimary.any():
        return empty, empty
    # only the nodes that reach a non-primary edge (the ancestors of its sources) get any
    relevant = _ancestors_of(parent[nonprimary], child, parent, n)
    graph = _merge_graph(n, child, parent, nonprimary, relevant)
    n_relevant = len(graph.nodes)
    found = _IntervalStore(n_relevant + 1)
    # bottom-up: a node merges once all its relevant children have
    children_left = np.bincount(graph.parents_idx, minlength=n_relevant + 1)
    frontier = np.flatnonzero(children_left[:n_relevant] == 0)
    done = 0
    while len(frontier):
        _merge_round(frontier, graph, forest, found, n)
        done += len(frontier)
        report(progress, "merges", done, n_relevant)
        _, parents = gather(graph.parents_ptr, graph.parents_idx, frontier)
        candidates, finished_children = _runs(parents)
        children_left[candidates] -= finished_children
        frontier = candidates[children_left[candidates] == 0]
    owners = np.flatnonzero(found.length)
    counts, targets = found.of(owners)
    return np.repeat(graph.nodes[owners], counts), targets


@dataclass
class CountIndex:
    """Everything the counts need for one relation filter (:func:`count_index`).

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        Distinct edges, acyclic, sorted by (child, parent).
    forest : Forest
        The primary-parent forest.
    ext_owner, ext_target : numpy.ndarray
        :func:`external_intervals`.
    direct, transitive : numpy.ndarray
        Distinct children and distinct descendants per node.

    Examples
    --------
    >>> count_index(3, np.array([1, 2]), np.array([0, 1])).transitive.tolist()
    [2, 1, 0]
    """

    n: int
    child: np.ndarray  # distinct edges, acyclic, sorted by (child, parent)
    parent: np.ndarray
    forest: Forest
    ext_owner: np.ndarray
    ext_target: np.ndarray
    direct: np.ndarray  # distinct children per node
    transitive: np.ndarray  # distinct descendants per node


def count_index(
    n: int, child: np.ndarray, parent: np.ndarray, *, progress: ProgressCallback | None = None
) -> CountIndex:
    """Direct and transitive descendant totals of every node (edges acyclic, maybe repeated).

    Parameters
    ----------
    n : int
        Number of nodes.
    child, parent : numpy.ndarray
        The edges, as node rows.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records.

    Returns
    -------
    CountIndex

    Examples
    --------
    >>> count_index(3, np.array([1, 2]), np.array([0, 1])).transitive.tolist()
    [2, 1, 0]
    """
    keep = sorted_edges(child, parent, n)
    if len(keep) < len(child):
        child, parent = np.asarray(child)[keep], np.asarray(parent)[keep]
    child, parent = np.asarray(child, dtype=np.int32), np.asarray(parent, dtype=np.int32)
    report(progress, "forest", 0, 1)
    forest = primary_forest(n, child, parent)
    report(progress, "forest", 1, 1)
    owner, target = external_intervals(n, child, parent, forest, progress=progress)
    transitive = forest.size.astype(np.int64) - 1
    heads = run_starts(owner)
    if len(heads):
        transitive[owner[heads]] += np.add.reduceat(forest.size[target].astype(np.int64), heads)
    direct = np.bincount(parent, minlength=n)
    return CountIndex(n, child, parent, forest, owner, target, direct, transitive)


@dataclass
class Histograms:
    """Per-month derivative counts of the ``rows`` nodes (all others have none).

    ``matrix`` (sparse CSR, ``len(rows) x n_months``): ``matrix[i, j]`` counts derivatives of
    ``rows[i]`` in month ``j`` (0 = the earliest month of the graph); derivatives dated before
    the model's ``release`` month are counted in it, and ``moved`` says how many (model,
    derivative) pairs were.

    Parameters
    ----------
    rows : numpy.ndarray
        The nodes with a derivative.
    matrix : scipy.sparse.csr_matrix
        Counts by row and month.
    release : numpy.ndarray
        Each row's release column.
    moved : int
        Pairs counted in the release month though dated before it.

    Examples
    --------
    See :func:`histograms`.
    """

    rows: np.ndarray
    matrix: sp.csr_matrix
    release: np.ndarray
    moved: int


def _cells(
    key: np.ndarray, floor: np.ndarray, n_rows: int, n_cols: int
) -> tuple[sp.csr_matrix, int]:
    """Count the flat cells ``row * n_cols + col`` after moving each one below its row's
    ``floor`` cell (the row's release month) up to it; the CSR matrix and how many moved."""
    moved = int(np.count_nonzero(key < floor))
    cells, data = _runs(np.maximum(key, floor))
    indptr, cols = csr(n_rows, cells // n_cols, cells % n_cols)
    import scipy.sparse as sp

    return sp.csr_matrix((data, cols, indptr), shape=(n_rows, n_cols)), moved


def histograms(
    index: CountIndex,
    month: np.ndarray,
    n_months: int,
    *,
    scope: str = "transitive",
    progress: ProgressCallback | None = None,
) -> Histograms:
    """Monthly derivative counts of every model with at least one derivative in ``scope``.

    ``month[v]`` is the column of ``v``'s release month (``0..n_months-1``); rows come in
    node order.

    Parameters
    ----------
    index : CountIndex
        From :func:`count_index`.
    month : numpy.ndarray
        Every node's release column.
    n_months : int
        Number of columns.
    scope : {"transitive", "direct"}
        What is counted.
    progress : callable, optional
        Receives :class:`lineage.progress.Progress` records.

    Returns
    -------
    Histograms

    Examples
    --------
    >>> idx = count_index(3, np.array([1, 2]), np.array([0, 1]))
    >>> h = histograms(idx, np.array([1, 0, 2]), 3)
    >>> h.rows.tolist(), h.matrix.toarray().tolist(), h.moved
    ([0, 1], [[0, 1, 1], [0, 0, 1]], 1)
    """
    rows = np.flatnonzero(index.direct > 0)
    # flat cells row * n_months + month, in int32 when they fit (half the sorting work)
    cell = np.int32 if len(rows) * n_months < 2**31 else np.int64
    month = np.asarray(month, dtype=cell)
    release = month[rows]
    first_cell = np.arange(len(rows), dtype=cell) * cell(n_months)  # type: ignore[operator]
    row_base = np.full(index.n, -1, dtype=cell)
    row_base[rows] = first_cell
    report(progress, "months", 0, 1)
    if scope == "direct":
        base = row_base[index.parent]
        key, floor = base + month[index.child], base + month[index.parent]
    else:
        # the descendants of a model are its primary subtree (a pre-order interval after
        # the model itself) and the subtrees of its external intervals, all disjoint
        forest, owner, target = index.forest, index.ext_owner, index.ext_target
        base = np.concatenate([first_cell, row_base[owner]])
        start = np.concatenate([forest.tin[rows] + 1, forest.tin[target]])
        size = np.concatenate([forest.size[rows] - 1, forest.size[target]])
        key = np.repeat(base, size) + month[forest.order][concat_ranges(start, size)]
        floor = np.repeat(base + np.concatenate([release, month[owner]]), size)
    matrix, moved = _cells(key, floor, len(rows), n_months)
    report(progress, "months", 1, 1)
    return Histograms(rows, matrix, release.astype(np.int64), moved)
