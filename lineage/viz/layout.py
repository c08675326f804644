"""Positions for a page's first view: boxes that never overlap and fit one screen.

Every drawn node is a box with its label inside (so a label can never be read as another
node's). Sizes are estimated from the label's length and font size (:func:`box_sizes`,
slightly generous), then one of three layouts places the boxes:

- :func:`tree_layout`: left to right, one column per generation (bases to the left of the
  model, derivatives to its right), leaves on their own rows, each parent centred on its
  children: no two boxes can overlap by construction;
- :func:`radial_layout`: one ring per generation, each branch in its own sector, rings far
  enough apart for the widest box;
- :func:`force_layout`: Fruchterman-Reingold (igraph) on the drawn tree;

and :func:`separate` pushes apart whatever still overlaps. :func:`fits_view` says whether
the result, zoomed out to fit :data:`VIEW` (as vis-network's ``fit`` does), keeps its
smallest label at :data:`MIN_LABEL_PX` or more.

Example:
    >>> via, level = np.array([-1, 0, 0]), np.array([0, 1, 1])
    >>> w, h = box_sizes(["root", "a child", "another"], np.array([14, 12, 12]))
    >>> x, y = tree_layout(via, level, w, h)
    >>> overlaps(x, y, w, h), bool(x[1] > x[0]), bool(y[1] < y[2])
    (0, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The smallest network area (CSS px) the first view is laid out for: a 1400 × 900 window
#: less the browser's own bars, the page's header (two lines of notes, a site's nav bar) and side
#: panel.
VIEW = (960.0, 600.0)
#: No label is drawn smaller than this in the first view (px on screen).
MIN_LABEL_PX = 8.0
#: vis-network's ``fit`` leaves this much room around the drawing.
FIT_SLACK = 1.1
#: Font size (canvas units) of ordinary labels; larger families get larger fonts.
FONT = 12.0
#: Inner margin of a box left and right (canvas units, vis-network's ``margin``; half that
#: above and below) and the gap between boxes.
MARGIN = 4.0
GAP = 6.0
#: Average glyph width as a share of the font size (generous for the usual sans fonts).
CHAR_WIDTH = 0.58


def box_sizes(labels: Sequence[str], font: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Width and height (canvas units) of boxes holding ``labels`` at ``font`` sizes."""
    chars = np.array([len(s) for s in labels], dtype=float)
    font = np.asarray(font, dtype=float)
    return chars * font * CHAR_WIDTH + 2 * MARGIN + 4, font * 1.5 + MARGIN + 8


def overlaps(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, gap: float = 0.0) -> int:
    """Pairs of boxes (centred at ``x``, ``y``) that overlap, with ``gap`` to spare."""
    ox = (w[:, None] + w[None, :]) / 2 + gap - np.abs(x[:, None] - x[None, :])
    oy = (h[:, None] + h[None, :]) / 2 + gap - np.abs(y[:, None] - y[None, :])
    return int(np.triu((ox > 0) & (oy > 0), 1).sum())


def extent(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    """Width and height of the drawing (boxes included)."""
    return (
        float((x + w / 2).max() - (x - w / 2).min()),
        float((y + h / 2).max() - (y - h / 2).min()),
    )


def fits_view(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, min_font: float = FONT
) -> bool:
    """True when fitting the drawing to :data:`VIEW` keeps labels at :data:`MIN_LABEL_PX`."""
    width, height = extent(x, y, w, h)
    scale = min(1.0, VIEW[0] / (FIT_SLACK * width), VIEW[1] / (FIT_SLACK * height))
    return scale * min_font >= MIN_LABEL_PX


def might_fit(w: np.ndarray, h: np.ndarray, density: float = 0.45) -> bool:
    """False when the boxes alone would cover more than ``density`` of the largest drawing
    that :func:`fits_view` accepts (no layout packs them tighter): a cheap first test."""
    scale = MIN_LABEL_PX / FONT
    room = (VIEW[0] / (FIT_SLACK * scale)) * (VIEW[1] / (FIT_SLACK * scale))
    return float((w * h).sum()) <= density * room


def _children(via: np.ndarray) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in via]
    for i, p in enumerate(via.tolist()):
        if p >= 0:
            kids[p].append(i)
    return kids


def tree_layout(
    via: np.ndarray, level: np.ndarray, w: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Left-to-right tidy tree: a column per level, a row per leaf, parents centred.

    ``via`` gives each node's tree parent (-1 for the root, node 0); nodes above the root
    (``level`` < 0) go to its left. Within a column, subtrees take disjoint row ranges, so
    boxes never overlap.
    """
    n = len(via)
    kids = _children(via)
    levels = np.unique(level)
    col_w = {int(v): float(w[level == v].max()) for v in levels}
    x_of: dict[int, float] = {0: 0.0}
    for sign in (1, -1):
        pos = 0.0
        prev = 0
        for v in range(sign, sign * (int(np.abs(levels).max()) + 1), sign):
            if v not in col_w:
                break
            pos += sign * (col_w[prev] / 2 + 3 * GAP + 24 + col_w[v] / 2)
            x_of[v] = pos
            prev = v
    x = np.array([x_of[int(v)] for v in level], dtype=float)
    pitch = float(h.max()) + GAP
    y = np.zeros(n)
    for sign in (1, -1):
        side_roots = [c for c in kids[0] if np.sign(level[c]) == sign]
        if not side_roots:
            continue
        row = 0
        stack: list[tuple[int, bool]] = [(c, False) for c in reversed(side_roots)]
        while stack:
            m, done = stack.pop()
            if done or not kids[m]:
                if kids[m]:
                    y[m] = (y[kids[m][0]] + y[kids[m][-1]]) / 2
                else:
                    y[m] = row * pitch
                    row += 1
                continue
            stack.append((m, True))
            stack.extend((c, False) for c in reversed(kids[m]))
        centre = (y[side_roots[0]] + y[side_roots[-1]]) / 2
        side = np.sign(level) == sign
        y[side] -= centre
    if (level >= 0).all() and len(kids[0]) > 1:
        x, y = _wrap(x, y, w, h, kids, pitch)
    return x, y


def _scale(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> float:
    width, height = extent(x, y, w, h)
    return min(VIEW[0] / (FIT_SLACK * width), VIEW[1] / (FIT_SLACK * height))


def _wrap(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, kids: list[list[int]], pitch: float
) -> tuple[np.ndarray, np.ndarray]:
    """A tall tree's top branches in side-by-side bands, when that zooms the view in.

    The root's branches keep their order and their row ranges (so still no overlap); band
    ``b`` moves right by ``b`` times the width of everything right of the root.
    """
    n = len(x)
    block = np.zeros(n, dtype=np.int64)
    for b, c in enumerate(kids[0]):
        stack = [c]
        while stack:
            m = stack.pop()
            block[m] = b
            stack.extend(kids[m])
    rest = np.arange(1, n)
    top = np.full(len(kids[0]), np.inf)
    np.minimum.at(top, block[rest], y[rest] - h[rest] / 2)
    bottom = np.full(len(kids[0]), -np.inf)
    np.maximum.at(bottom, block[rest], y[rest] + h[rest] / 2)
    band_w = float((x[rest] + w[rest] / 2).max() - (x[rest] - w[rest] / 2).min()) + 2 * GAP
    best = (_scale(x, y, w, h), x, y)
    for bands in range(2, 7):
        height = bottom - top + GAP
        cut_at = np.cumsum(height) / height.sum() * bands
        band = np.minimum(np.floor(cut_at - 1e-9).astype(np.int64), bands - 1)
        # each band's branches (consecutive) move right by b band widths and centre on 0
        first = np.searchsorted(band, np.arange(bands))
        last = np.searchsorted(band, np.arange(bands), side="right") - 1
        used = first <= last
        span = bottom[last[used]] - top[first[used]]
        shift = np.zeros(bands)
        shift[used] = -top[first[used]] - span / 2
        moved = band[block[rest]]
        bx, by = x.copy(), y.copy()
        bx[rest] += moved * band_w
        by[rest] += shift[moved]
        scale = _scale(bx, by, w, h)
        if scale > best[0] * 1.05 and overlaps(bx, by, w, h) == 0:
            best = (scale, bx, by)
    return best[1], best[2]


def radial_layout(
    via: np.ndarray, level: np.ndarray, w: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rings around the root (node 0), one per generation, each branch in its own sector.

    A sector's angle is proportional to the leaves below it; rings are at least the widest
    boxes apart, and far enough out that their boxes have room side by side.
    """
    n = len(via)
    kids = _children(via)
    hops = np.abs(level)
    leaves = np.ones(n)
    for m in np.argsort(-hops, kind="stable"):
        if kids[m]:
            leaves[m] = sum(leaves[c] for c in kids[m])
    radius = [0.0]
    for r in range(1, int(hops.max(initial=0)) + 1):
        ring = hops == r
        inner = hops == r - 1
        step = (w[ring].max() + w[inner].max()) / 2 + 2 * GAP
        room = (np.sqrt(w[ring] * h[ring]).sum() * 1.1 + GAP * ring.sum()) / (2 * np.pi)
        radius.append(max(radius[-1] + step, room))
    x, y = np.zeros(n), np.zeros(n)
    lo = np.zeros(n)
    hi = np.zeros(n)
    hi[0] = 2 * np.pi
    order = np.argsort(hops, kind="stable")
    for m in order:
        start, share = lo[m], (hi[m] - lo[m]) / leaves[m]
        for c in kids[m]:
            width = share * leaves[c]
            lo[c], hi[c] = start, start + width
            mid, rad = start + width / 2, radius[hops[c]]
            x[c], y[c] = rad * np.cos(mid), rad * np.sin(mid)
            start += width
    return x, y


def force_layout(
    via: np.ndarray, w: np.ndarray, h: np.ndarray, *, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Fruchterman-Reingold positions of the tree (igraph), edges about one box wide (so a
    star's leaves have room side by side)."""
    import igraph

    n = len(via)
    if n == 1:
        return np.zeros(1), np.zeros(1)
    kids = np.flatnonzero(via >= 0)
    g = igraph.Graph(n=n, edges=list(zip(via[kids].tolist(), kids.tolist(), strict=True)))
    rng = np.random.default_rng(seed)
    start = rng.normal(size=(n, 2)).tolist()
    coords = np.array(g.layout_fruchterman_reingold(seed=start, niter=200).coords)
    length = np.hypot(*(coords[via[kids]] - coords[kids]).T)
    scale = float(np.median(w)) * 0.9 / max(float(np.median(length)), 1e-9)
    return coords[:, 0] * scale, coords[:, 1] * scale


def separate(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, *, rounds: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Push overlapping boxes apart, each pair along its axis of least overlap (strongly
    weighted towards horizontal: the view is wide and boxes are wider than tall, so pushing
    up and down would stack a star into one tall column), until none overlaps or ``rounds``
    are done."""
    x, y = x.astype(float).copy(), y.astype(float).copy()
    n = len(x)
    if n < 2:
        return x, y
    first, second = np.triu_indices(n, 1)
    half_w, half_h = (w[first] + w[second]) / 2 + GAP, (h[first] + h[second]) / 2 + GAP
    tie = np.where(np.random.default_rng(0).random(len(first)) < 0.5, -1.0, 1.0)
    aspect = VIEW[0] / VIEW[1]
    for _ in range(rounds):
        dx, dy = x[first] - x[second], y[first] - y[second]
        ox, oy = half_w - np.abs(dx), half_h - np.abs(dy)
        hit = np.flatnonzero((ox > 0) & (oy > 0))
        if not len(hit):
            break
        i, j = first[hit], second[hit]
        along_x = ox[hit] <= oy[hit] * aspect * 3
        sx = np.where(dx[hit] == 0, tie[hit], np.sign(dx[hit]))
        sy = np.where(dy[hit] == 0, tie[hit], np.sign(dy[hit]))
        px = np.where(along_x, 0.55 * ox[hit] * sx, 0.0)
        py = np.where(along_x, 0.0, 0.55 * oy[hit] * sy)
        np.add.at(x, i, px)
        np.add.at(x, j, -px)
        np.add.at(y, i, py)
        np.add.at(y, j, -py)
    return x, y


def layout(
    kind: str, via: np.ndarray, level: np.ndarray, w: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``kind`` ("tree", "radial" or "force"), overlaps pushed apart."""
    if kind == "tree":
        return tree_layout(via, level, w, h)
    if kind == "radial":
        x, y = radial_layout(via, level, w, h)
    else:
        x, y = force_layout(via, w, h)
    x, y = separate(x, y, w, h)
    area = np.prod(extent(x, y, w, h))
    for _ in range(3):  # draw it tighter while that leaves no overlap
        tx, ty = separate(x * 0.8, y * 0.8, w, h)
        tighter = np.prod(extent(tx, ty, w, h))
        if tighter >= area * 0.98 or overlaps(tx, ty, w, h):
            break
        x, y, area = tx, ty, tighter
    return x, y
