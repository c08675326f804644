"""What a lineage page shows: a model's lineage as arrays, cut to a node budget.

:func:`lineage_family` walks the lineage graph from one model (down to its derivatives, up
to its bases, or both) breadth-first, vectorised level by level over the graph's arrays, and
returns the breadth-first tree as a :class:`Family` of numpy arrays: every member's tree
parent, hops, relation edge and subtree size, and a *priority* order (heaviest branches
first, every model after the one it was reached from). A page draws a prefix of that order
and folds the rest: :func:`cut` finds the longest prefix that fits a node budget once every
shown model with hidden branches gets one "+N more" node, and :func:`folds` says what each
of those nodes hides. Nothing here loops over members in Python: the cost is a few array
passes over the family plus what is drawn.

Example:
    >>> import pandas as pd
    >>> from lineage.graph import LineageGraph
    >>> edges = pd.DataFrame({"parent": ["a", "a", "a", "b", "b"],
    ...                       "child": ["b", "c", "e", "d", "f"]})
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": list("abcdef"), "created_at": None}),
    ...                              edges)
    >>> fam = lineage_family(g, "a")
    >>> g.ids[fam.node].tolist(), fam.subtree.tolist()
    (['a', 'b', 'c', 'e', 'd', 'f'], [6, 3, 1, 1, 1, 1])
    >>> k = cut(fam, 4)
    >>> g.ids[fam.node[fam.priority[:k]]].tolist()
    ['a', 'b']
    >>> [(g.ids[fam.node[f.anchor]], f.models, f.branches) for f in folds(fam, k)]
    [('a', 2, 2), ('b', 2, 2)]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lineage.graph import LineageGraph


#: A branch one hop further out counts this much less in the priority order, so a first
#: view shows the model's generations near it before the depths of its heaviest branch.
#: (Any factor at most 1 keeps every model after the one it was reached from: a parent's
#: subtree is larger than its child's.)
DEPTH_DECAY = 0.3


@dataclass(frozen=True)
class Fold:
    """Branches of a shown model left off the first view: drawn as one "+N more" node."""

    anchor: int  # member position (in the family's arrays) of the shown model they hang from
    models: int  # hidden models in those branches
    branches: int  # hidden neighbours of the anchor (roots of the hidden branches)
    side: str  # "down" (hidden derivatives) or "up" (hidden bases)


@dataclass
class Family:
    """A model's lineage tree in breadth-first order, as arrays (one entry per member).

    Position 0 is the model itself; below it come its derivatives (``level`` > 0) and then
    its bases (``level`` < 0), each side in breadth-first order.
    """

    node: np.ndarray  # graph node index of each member
    via: np.ndarray  # member position of the model it was first reached from (-1: the root)
    level: np.ndarray  # hops from the root: positive below it, negative above it
    edge: np.ndarray  # graph edge index of the tree edge to ``via`` (-1: the root)
    subtree: np.ndarray  # members at or below each one in the tree (itself included)
    priority: np.ndarray  # member positions, heaviest (depth-discounted) branch first,
    # each after its ``via``

    def __len__(self) -> int:
        return len(self.node)

    @functools.cached_property
    def rank(self) -> np.ndarray:
        """Position of each member in :attr:`priority` (computed once: a page's first view
        cuts the family a dozen times)."""
        rank = np.empty(len(self), dtype=np.int64)
        rank[self.priority] = np.arange(len(self))
        return rank

    @functools.cached_property
    def group(self) -> np.ndarray:
        """Fold group of each member: ``2 * via`` below its tree parent, ``+ 1`` above it."""
        return 2 * np.maximum(self.via, 0) + (self.level < 0)

    @functools.cached_property
    def hanging(self) -> tuple[np.ndarray, np.ndarray]:
        """Every member but the root, in priority order of the member it hangs from (its
        ``via``), and that member's rank: the members hanging from the first ``k`` members
        of :attr:`priority` are a prefix."""
        kids = np.arange(1, len(self))
        via_rank = self.rank[self.via[kids]]
        order = np.argsort(via_rank, kind="stable")
        return kids[order], via_rank[order]

    @functools.cached_property
    def boxes(self) -> np.ndarray:
        """Boxes a view of the first ``k`` members of :attr:`priority` draws, each shown
        member's "+N more" nodes included, at entry ``k`` (``k`` = 0 .. n)."""
        n = len(self)
        rank, kids = self.rank, np.arange(1, n)
        # per fold group with members: its anchor's rank and its members' largest rank
        last = np.full(2 * n, -1, dtype=np.int64)
        np.maximum.at(last, self.group[kids], rank[kids])
        groups = np.flatnonzero(last >= 0)
        anchor, last = rank[groups // 2], last[groups]
        # a group's fold is drawn for k in [anchor + 1, last]: +1 at anchor + 1, -1 at last + 1
        delta = (
            np.bincount(anchor + 1, minlength=n + 2)[: n + 2]
            - np.bincount(last + 1, minlength=n + 2)[: n + 2]
        )
        return np.arange(n + 1) + np.cumsum(delta)[: n + 1]


def _walk(graph: LineageGraph, start: int, down: bool, relations, depth: int | None):
    walk = graph._bfs(start, down, relations).upto(depth)
    return walk.node, walk.depth, walk.via, walk.edge


def subtree_sizes(via: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Members at or below each one in the tree given by ``via`` (one pass per level).

    Example:
        >>> subtree_sizes(np.array([-1, 0, 0, 1]), np.array([0, 1, 1, 2])).tolist()
        [4, 2, 1, 1]
    """
    size = np.ones(len(via), dtype=np.int64)
    hops = np.abs(level)
    for h in range(int(hops.max(initial=0)), 0, -1):
        at = np.flatnonzero(hops == h)
        size += np.bincount(via[at], weights=size[at], minlength=len(via)).astype(np.int64)
    return size


def lineage_family(
    graph: LineageGraph,
    model: str,
    *,
    direction: str = "down",
    depth: int | None = None,
    relations: list[str] | None = None,
) -> Family:
    """The breadth-first lineage tree of ``model`` as a :class:`Family`.

    Parameters
    ----------
    graph
        The lineage graph.
    model
        The root (any case).
    direction
        "down" (derivatives), "up" (bases) or "both".
    depth
        At most this many hops from ``model`` (None: all).
    relations
        Follow only these edge relations (None: all).

    Returns
    -------
    Family
        See the module example.
    """
    root = graph.index_of(model)
    parts = []
    for side, down in (("down", True), ("up", False)):
        if direction in (side, "both"):
            parts.append((_walk(graph, root, down, relations, depth), 1 if down else -1))
    if not parts:
        raise ValueError(f"direction must be down, up or both, not {direction!r}")
    nodes = [np.array([root])]
    levels = [np.array([0])]
    vias = [np.array([-1])]
    edges = [np.array([-1])]
    for (node, hops, via, edge), sign in parts:
        nodes.append(node[1:])
        levels.append(sign * hops[1:])
        vias.append(via[1:])
        edges.append(edge[1:])
    node = np.concatenate(nodes).astype(np.int64)
    position = np.full(graph.n_models, -1, dtype=np.int64)
    position[node] = np.arange(len(node))
    via_node = np.concatenate(vias).astype(np.int64)
    via = np.where(via_node >= 0, position[np.maximum(via_node, 0)], -1)
    level = np.concatenate(levels).astype(np.int64)
    subtree = subtree_sizes(via, level)
    priority = np.lexsort((np.arange(len(node)), -subtree * DEPTH_DECAY ** np.abs(level)))
    return Family(node, via, level, np.concatenate(edges).astype(np.int64), subtree, priority)


def cut(family: Family, budget: int) -> int:
    """The longest prefix of ``family.priority`` that fits ``budget`` nodes with its folds.

    Every shown member with hidden members below (or above) it takes one more node, its
    "+N more"; at least the root is shown.

    Example:
        >>> fam = Family(np.arange(4), np.array([-1, 0, 0, 0]), np.array([0, 1, 1, 1]),
        ...              np.full(4, -1), np.array([4, 1, 1, 1]), np.arange(4))
        >>> [cut(fam, b) for b in (1, 2, 3, 4, 5)]
        [1, 1, 2, 4, 4]
    """
    if budget >= len(family):
        return len(family)
    fits = np.flatnonzero(family.boxes[1:] <= budget)
    return int(fits[-1]) + 1 if len(fits) else 1


def folds(family: Family, k: int) -> list[Fold]:
    """The "+N more" nodes of the first ``k`` members of ``family.priority``.

    One per shown member and side with hidden members, in priority order of the anchor.
    """
    rank = family.rank
    kids, via_rank = family.hanging
    end = np.searchsorted(via_rank, k)  # members hanging from a shown one
    hidden = rank[kids[:end]] >= k  # the roots of hidden branches
    top, anchor_rank = kids[:end][hidden], via_rank[:end][hidden]
    # fold slots in the order of the list: by anchor rank, then down before up
    slot = 2 * anchor_rank + (family.level[top] < 0)
    models = np.bincount(slot, weights=family.subtree[top], minlength=2 * k)
    branches = np.bincount(slot, minlength=2 * k)
    anchors = family.priority[:k]
    return [
        Fold(int(anchors[s // 2]), int(models[s]), int(branches[s]), "up" if s % 2 else "down")
        for s in np.flatnonzero(branches).tolist()
    ]
