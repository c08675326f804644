"""The lineage graph as compact arrays: build, filter by relation, navigate, count, convert.

Nodes are models (index ``0..n-1`` in :attr:`LineageGraph.ids`); an edge ``(child, parent,
relation)`` says the child was derived from the parent. References resolve to model ids
exactly, else case-insensitively; a parent that is not a model becomes a *missing* node.
Cycles are broken on construction (see :func:`lineage.graph.counts.cycle_edges`) and the dropped
edges listed in :attr:`LineageGraph.dropped_cycle_edges`.

Time: calendar months ``YYYY-MM`` (UTC). A model's release month is the month of its
``created_at``; a node without a date (a missing parent) takes the earliest release month of
its direct derivatives (dated the same way if they have no date either), or the snapshot
month if it has none. A derivative dated before an ancestor
counts in the ancestor's release month. The snapshot month is the month of
``snapshot_time`` (or of the latest ``created_at`` when that is later or unknown).

>>> import pandas as pd
>>> models = pd.DataFrame({"id": ["org/base", "a/ft", "b/merge"],
...                        "created_at": ["2023-01-05", "2023-02-01", "2023-04-30"]})
>>> edges = pd.DataFrame({"child": ["a/ft", "b/merge", "b/merge"],
...                       "parent": ["org/base", "org/base", "A/FT"],
...                       "relation": ["finetune", "merge", "merge"]})
>>> g = LineageGraph.from_frames(models, edges)
>>> g.descendant_counts().tolist(), g.descendant_counts("direct").tolist()
([2, 1, 0], [2, 1, 0])
>>> g.growth_curve("org/base", running_month=True)["cumulative"].tolist()
[0, 1, 1, 2]
"""

from __future__ import annotations

import datetime
import difflib
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from lineage.errors import UnknownModelError, UsageError
from lineage.graph import counts as _counts
from lineage.graph.calendar import (
    instant_ns,
    month_label,
    month_number,
    month_start_ns,
    months_of,
)
from lineage.graph.curves import CURVE_COLUMNS, MonthlyCounts, check_scope
from lineage.graph.table import Table
from lineage.progress import ProgressCallback

if TYPE_CHECKING:  # pandas loads where a frame is made: one-model work runs on numpy alone
    import pandas as pd

#: How many distinct :meth:`LineageGraph.index_of` lookups scan the ids before a hash index
#: is built: a scan costs about 1/64 of building the index (3M ids: 15 ms and 1 s), so
#: scanning until the scans have cost one index is never worse than twice the best choice.
_SCANNED_LOOKUPS = 64


def _instants_ns(times: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds (NaT: :data:`~lineage.graph.calendar.NAT_NS`)."""
    import pandas as pd

    values = pd.DatetimeIndex(times)
    values = values.tz_localize("UTC") if values.tz is None else values.tz_convert("UTC")
    return values.as_unit("ns").asi8


class Walk(NamedTuple):
    """A breadth-first walk from one model: per node reached (the model first, at depth 0),
    its graph index, depth, the node it was first reached from and the edge that reached it
    (``-1`` for the model itself)."""

    node: np.ndarray
    depth: np.ndarray
    via: np.ndarray
    edge: np.ndarray

    def upto(self, depth: int | None) -> Walk:
        """The nodes at most ``depth`` steps away (all when None)."""
        if depth is None:
            return self
        keep = self.depth <= depth
        return Walk(self.node[keep], self.depth[keep], self.via[keep], self.edge[keep])


class LineageGraph:
    """Models and their derivation edges as numpy arrays; see the module docstring.

    Build one with :meth:`from_frames`, :meth:`from_db` (a crawled snapshot; or
    :func:`lineage.graph.cache.read_graph`, cached) or :meth:`from_networkx`.

    Parameters
    ----------
    models : pandas.DataFrame or callable
        One row per node (``id``, ``created_at``, ``missing`` and any other columns); or a
        function that builds that frame when :attr:`models` is first read, ``ids`` and
        ``created_ns`` then given (a graph read from its cache decodes the other columns
        only if asked).
    child, parent, relation : numpy.ndarray
        The edges as node rows and relation codes (indices into ``relation_names``).
    relation_names : list of str
        The relation of each code.
    snapshot_time : datetime, pandas.Timestamp or None
        When the snapshot was taken (UTC).
    dropped : pandas.DataFrame or dict
        Edges left out to break cycles (:attr:`dropped_cycle_edges`), or its columns
        ``child, parent, relation`` as lists.
    id_index : pandas.Index, optional
        The index of ``models["id"]``, when the caller has it.
    ids : numpy.ndarray, optional
        The node ids (object array), with a ``models`` function.
    created_ns : numpy.ndarray, optional
        ``created_at`` as int64 UTC nanoseconds (NaT: the int64 minimum), with ``ids``.

    Examples
    --------
    >>> import pandas as pd
    >>> g = LineageGraph.from_frames(
    ...     pd.DataFrame({"id": ["org/base", "you/tuned"],
    ...                   "created_at": ["2024-01-02", "2024-02-03"]}),
    ...     pd.DataFrame({"child": ["you/tuned"], "parent": ["org/base"],
    ...                   "relation": ["finetune"]}))
    >>> g.n_models, g.children("org/base"), g.descendant_counts().tolist()
    (2, ['you/tuned'], [1, 0])
    """

    _declared: tuple[np.ndarray, ...] | None = None  # (child, parent, relation, source)

    def __init__(
        self,
        models: pd.DataFrame | Callable[[], pd.DataFrame],
        child: np.ndarray,
        parent: np.ndarray,
        relation: np.ndarray,
        relation_names: list[str],
        snapshot_time,
        dropped: pd.DataFrame | dict[str, list],
        id_index: pd.Index | None = None,
        *,
        ids: np.ndarray | None = None,
        created_ns: np.ndarray | None = None,
    ) -> None:
        if callable(models):
            if ids is None or created_ns is None:
                raise TypeError("a models function needs ids and created_ns")
            self._models: pd.DataFrame | None = None
            self._build_models: Callable[[], pd.DataFrame] | None = models
        else:
            self._models, self._build_models = models, None
            ids = models["id"].to_numpy(dtype=object)
            created_ns = _instants_ns(models["created_at"])
        self.ids = ids
        self.n_models = len(self.ids)
        self._snapshot_ns = instant_ns(snapshot_time)
        self._dropped = dropped
        self._child = child
        self._parent = parent
        self._rel = relation
        self._rel_names = relation_names
        self._lower: dict[str, int] | None = None
        self.aliases: dict[str, str] = {}  # renamed models: old id (lower case) -> new id
        self._id_index = id_index
        self._cache: dict[tuple[int, ...], _counts.CountIndex] = {}
        self._component: np.ndarray | None = None
        self._adjacent: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._lookups = 0  # index_of scans so far
        self._found: dict[str, int] = {}  # ids index_of resolved, for the next asking
        self._month_setup(months_of(created_ns))

    @property
    def models(self) -> pd.DataFrame:
        """One row per node: ``id``, ``created_at`` (UTC), ``missing`` (a parent named but
        not listed) and the listing's other columns (author, downloads, likes, ...).

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"]}),
        ...                              pd.DataFrame({"child": ["a"], "parent": ["x/y"]}))
        >>> g.models[["id", "missing"]].values.tolist()
        [['a', False], ['x/y', True]]
        """
        if self._models is None:
            assert self._build_models is not None
            self._models, self._build_models = self._build_models(), None
        return self._models

    def model_column(self, name: str, rows: np.ndarray | None = None) -> np.ndarray | None:
        """One column of :attr:`models` at ``rows`` (graph indices; default: all), as numpy:
        times as UTC ``datetime64[ns]`` (NaT: unknown), text as objects (None: missing),
        numbers and flags as they are; None when there is no such column. A graph read from
        its cache answers without making the table (or loading pandas).

        Parameters
        ----------
        name : str
            A column of :attr:`models` (``created_at``, ``author``, ``downloads``, ...).
        rows : numpy.ndarray, optional
            Graph indices.

        Returns
        -------
        numpy.ndarray or None

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"], "author": ["me"]}),
        ...     pd.DataFrame({"child": ["a"], "parent": ["x/y"]}))
        >>> g.model_column("author").tolist(), g.model_column("missing", np.array([1])).tolist()
        (['me', None], [True])
        """
        rows = np.arange(self.n_models) if rows is None else np.asarray(rows)
        column = getattr(self._build_models, "column", None)
        if self._models is None and column is not None:
            return column(name, rows)
        frame = self.models
        if name not in frame.columns:
            return None
        values = frame[name].iloc[rows]
        if values.dtype.kind == "M":
            return _instants_ns(values).view("datetime64[ns]")
        if values.dtype.kind in "biuf" and not values.isna().any():
            return values.to_numpy()
        out = values.to_numpy(dtype=object, copy=True)
        out[values.isna().to_numpy(dtype=bool)] = None
        return out

    @property
    def snapshot_time(self) -> pd.Timestamp | None:
        """When the snapshot was taken (UTC), or None when unknown.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": [None]}),
        ...                              pd.DataFrame(columns=["child", "parent"]),
        ...                              snapshot_time="2024-03-05 10:00")
        >>> str(g.snapshot_time)
        '2024-03-05 10:00:00+00:00'
        """
        if self._snapshot_ns is None:
            return None
        import pandas as pd

        return pd.Timestamp(self._snapshot_ns, tz="UTC")

    @property
    def snapshot_date(self) -> str | None:
        """The UTC day the snapshot was taken, ``YYYY-MM-DD``, or None when unknown.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": [None]}),
        ...                              pd.DataFrame(columns=["child", "parent"]),
        ...                              snapshot_time="2024-03-05 23:00")
        >>> g.snapshot_date
        '2024-03-05'
        """
        if self._snapshot_ns is None:
            return None
        return str(np.datetime64(self._snapshot_ns, "ns").astype("datetime64[D]"))

    @property
    def dropped_cycle_edges(self) -> pd.DataFrame:
        """Edges left out to break cycles: ``child, parent, relation``.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["a", "b"], "created_at": ["2024-01-01", "2024-02-01"]}),
        ...     pd.DataFrame({"child": ["a", "b"], "parent": ["b", "a"]}))
        >>> g.dropped_cycle_edges.values.tolist()
        [['a', 'b', 'unknown']]
        """
        if isinstance(self._dropped, dict):
            import pandas as pd

            self._dropped = pd.DataFrame(  # as the graph builds it, so pandas infers the same
                {c: np.asarray(v, dtype=object) for c, v in self._dropped.items()}
            )
        return self._dropped

    @property
    def _exact(self) -> pd.Index:
        """The ids as a ``pandas.Index`` (hash lookups), built on first use."""
        if self._id_index is None:
            import pandas as pd

            self._id_index = pd.Index(self.ids, name="model")
        return self._id_index

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_frames(
        cls,
        models: pd.DataFrame,
        edges: pd.DataFrame,
        snapshot_time: pd.Timestamp | str | None = None,
    ) -> LineageGraph:
        """Graph of ``models`` (``id``, ``created_at``, any other columns kept) and ``edges``
        (``child``, ``parent``, optional ``relation``, default ``unknown``).

        Parameters
        ----------
        models : pandas.DataFrame
            ``id``, ``created_at`` and any other columns (kept).
        edges : pandas.DataFrame
            ``child``, ``parent``, optional ``relation`` (default ``unknown``) and ``source``.
        snapshot_time : timestamp or str, optional
            When the snapshot was taken (default: unknown; months then run to the newest
            model's month).

        Returns
        -------
        LineageGraph
            Parents named but not listed are added as *missing* nodes; cycles are broken
            (:attr:`dropped_cycle_edges`).

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"]}),
        ...                              pd.DataFrame({"child": ["a"], "parent": ["x/y"]}))
        >>> g.ids.tolist(), g.models["missing"].tolist()
        (['a', 'x/y'], [False, True])
        """
        import pandas as pd

        from lineage.hub.relations import RELATIONS, UNKNOWN_RELATION
        from lineage.hub.resolve import resolve_references

        for frame, name, cols in (
            (models, "models", ("id", "created_at")),
            (edges, "edges", ("child", "parent")),
        ):
            lacking = [c for c in cols if c not in frame.columns]
            if lacking:
                raise UsageError(
                    f"the {name} frame lacks column(s) {', '.join(lacking)}; "
                    f"it needs {', '.join(cols)}"
                )
        models = models.reset_index(drop=True)
        models["id"] = models["id"].astype(str)
        index = pd.Index(models["id"].to_numpy(dtype=object), name="model")
        if not index.is_unique:
            models = models[~index.duplicated()].reset_index(drop=True)
            index = pd.Index(models["id"].to_numpy(dtype=object), name="model")
        models["created_at"] = pd.to_datetime(models["created_at"], utc=True, errors="coerce")
        dtype = models["created_at"].dtype
        models["missing"] = (
            models["missing"].fillna(False).astype(bool) if "missing" in models else False
        )
        child_ref = edges["child"].astype(str).to_numpy(dtype=object)
        parent_ref = edges["parent"].astype(str).to_numpy(dtype=object)
        found = resolve_references(index, np.concatenate([child_ref, parent_ref]))
        pos = found.position
        if len(found.missing):
            extra = pd.DataFrame({"id": found.missing, "missing": True})
            extra["created_at"] = pd.Series(pd.NaT, index=extra.index, dtype=dtype)
            models = pd.concat([models, extra], ignore_index=True)
            index = index.append(pd.Index(found.missing, name="model"))
        n_edges = len(edges)
        child, parent = pos[:n_edges].astype(np.int64), pos[n_edges:].astype(np.int64)
        rel_text = (
            edges["relation"].fillna("unknown").astype(str).to_numpy(dtype=object)
            if "relation" in edges
            else np.full(n_edges, "unknown", dtype=object)
        )
        names = sorted(set(rel_text.tolist()) | set(RELATIONS) | {UNKNOWN_RELATION})
        rel = pd.Index(names).get_indexer(rel_text).astype(np.int16)
        keep = child != parent
        child, parent, rel = child[keep], parent[keep], rel[keep]
        snapshot: pd.Timestamp | None = None
        if snapshot_time is not None:
            snapshot = pd.Timestamp(snapshot_time)
            snapshot = (
                snapshot.tz_localize("UTC")
                if snapshot.tzinfo is None
                else snapshot.tz_convert("UTC")
            )
        graph = cls._assemble(models, child, parent, rel, names, snapshot, index)
        if "source" in edges:  # where each edge was declared (tag, card), for exports
            graph._declared = (child, parent, rel, edges["source"].to_numpy(dtype=object)[keep])
        return graph

    @classmethod
    def _assemble(
        cls, models, child, parent, rel, names, snapshot_time, index=None
    ) -> LineageGraph:
        import pandas as pd

        n = len(models)
        key = (child * n + parent) * len(names) + rel
        order = np.argsort(key, kind="stable")
        order = order[_counts.run_starts(key[order])]  # distinct (child, parent, relation)
        child, parent, rel = child[order], parent[order], rel[order]
        cycles = _counts.find_cycles(n, child, parent)
        dropped = cycles.looped
        if dropped.any():
            nodes = np.unique(np.concatenate([child[dropped], parent[dropped]]))
            created = models["created_at"].iloc[nodes]
            key = pd.DataFrame({"t": created.to_numpy(), "id": models["id"].iloc[nodes].to_numpy()})
            ranked = key.sort_values(["t", "id"], na_position="last").index.to_numpy()
            rank = np.zeros(n, dtype=np.int64)
            rank[nodes[ranked]] = np.arange(len(nodes))
            dropped = _counts.cycle_edges(n, child, parent, rank, cycles=cycles)
        ids = models["id"].to_numpy(dtype=object)
        names_arr = np.asarray(names, dtype=object)
        dropped_frame = pd.DataFrame(
            {
                "child": ids[child[dropped]],
                "parent": ids[parent[dropped]],
                "relation": names_arr[rel[dropped]],
            }
        )
        keep = ~dropped
        return cls(
            models,
            child[keep],
            parent[keep],
            rel[keep],
            names,
            snapshot_time,
            dropped_frame,
            index,
        )

    @classmethod
    def from_db(cls, path: str | os.PathLike | None = None, *, sources=("tags",)) -> LineageGraph:
        """Graph of a crawled snapshot (``path``, else ``$HF_LINEAGE_DB``, else the default).

        ``sources``: which declarations make edges: "tags" (the Hub's ``base_model:`` tags,
        the default), "card" (card references of models without tags, stored by
        ``crawl --card-refs``; only those naming a listed model), or the stored source names
        "relation_tag" / "base_model_tag". Renamed models' old ids resolve as aliases
        (:meth:`index_of`). A missing file raises ``StoreMissingError`` (run
        ``hf-lineage crawl`` first).

        The default graph is read from the snapshot's graph cache (written when the crawl
        commits, see :mod:`lineage.graph.cache`): the same graph as :meth:`from_frames` of
        the store's frames, in a fraction of the time and memory; rebuilt when absent or
        stale. Other ``sources`` are read the slow way.

        Parameters
        ----------
        path : path, optional
            The snapshot.
        sources : iterable of str
            As above.

        Returns
        -------
        LineageGraph

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from lineage.hub.store import Store
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
        >>> Store(db).close()
        >>> LineageGraph.from_db(db).n_models
        0
        """
        from lineage.graph.cache import read_graph
        from lineage.hub.relations import TAG_SOURCES, edge_sources
        from lineage.hub.store import Store

        wanted = edge_sources(sources)
        if set(wanted) == set(TAG_SOURCES):
            graph = read_graph(path)
            with Store(path, readonly=True) as store:
                graph.aliases = {old.lower(): new for old, new in store.aliases().items()}
            return graph
        import pandas as pd

        with Store(path, readonly=True) as store:
            edges = store.edges_frame()
            if "card" in wanted:
                edges = pd.concat([edges, store.card_edges_frame()], ignore_index=True)
            graph = cls.from_frames(
                store.models_frame(), edges[edges["source"].isin(wanted)], store.snapshot_time()
            )
            graph.aliases = {old.lower(): new for old, new in store.aliases().items()}
        return graph

    @classmethod
    def from_networkx(cls, graph) -> LineageGraph:
        """Graph of a networkx DiGraph with edges parent -> child (see :meth:`to_networkx`).

        Parameters
        ----------
        graph : networkx.DiGraph
            Nodes named by id; attributes as :meth:`to_networkx` writes them.

        Returns
        -------
        LineageGraph

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.DiGraph([("base", "ft")])
        >>> LineageGraph.from_networkx(G).children("base")
        ['ft']
        """
        from lineage.graph import convert

        models, edges, snapshot_time = convert.frames_from_networkx(graph)
        return cls.from_frames(models, edges, snapshot_time)

    # -- time -----------------------------------------------------------------------------
    def _month_setup(self, month: np.ndarray) -> None:
        latest = int(month.max()) if (month >= 0).any() else None
        snap = self._snapshot_ns
        snap_month = None if snap is None else int(months_of(np.array([snap]))[0])
        if latest is None and snap_month is None:
            now = instant_ns(datetime.datetime.now(datetime.UTC))
            snap_month = int(months_of(np.array([now]))[0])
        self._snap_month = max(m for m in (latest, snap_month) if m is not None)
        undated = month < 0
        if undated.any():
            # an undated node takes the earliest month of its children, undated ones resolved
            # the same way first
            month = np.where(undated, np.iinfo(np.int64).max, month)
            on = undated[self._parent]
            c, p = self._child[on], self._parent[on]
            while len(p):
                before = month[p].copy()
                np.minimum.at(month, p, month[c])
                if (month[p] == before).all():
                    break
            month[month == np.iinfo(np.int64).max] = self._snap_month
        self._month = month
        self._month0 = int(month.min()) if len(month) else self._snap_month
        self._col = month - self._month0
        self._n_cols = self._snap_month - self._month0 + 1

    @property
    def release_months(self) -> pd.Series:
        """Release month ``YYYY-MM`` of every model (dated as the module docstring says).

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"],
        ...                   "relation": ["finetune", "quantized"]}))
        >>> g.release_months.tolist()
        ['2024-01', '2024-03', '2023-12']
        """
        import pandas as pd

        labels = [month_label(m) for m in range(self._month0, self._snap_month + 1)]
        return pd.Series(np.asarray(labels, dtype=object)[self._col], index=self.ids)

    @property
    def snapshot_month(self) -> str:
        """The last month of every growth curve, ``YYYY-MM``.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"],
        ...                   "relation": ["finetune", "quantized"]}))
        >>> g.snapshot_month
        '2024-03'
        """
        return month_label(self._snap_month)

    @property
    def last_complete_month(self) -> str:
        """The last month whose derivatives are all in, ``YYYY-MM``: the snapshot month when
        the snapshot was taken in its last second, else the month before.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a"], "created_at": ["2024-01-02"]}),
        ...                              pd.DataFrame(columns=["child", "parent", "relation"]),
        ...                              snapshot_time="2024-03-31 23:59:59")
        >>> g.last_complete_month, g.snapshot_month
        ('2024-03', '2024-03')
        """
        snap = self._snapshot_ns
        ends_month = False
        if snap is not None:
            month = int(months_of(np.array([snap]))[0])
            ends_month = month == self._snap_month and snap >= month_start_ns(month + 1) - 10**9
        return month_label(self._snap_month if ends_month else self._snap_month - 1)

    def complete_months(self, curves: pd.DataFrame) -> pd.DataFrame:
        """Rows of a curve frame (a ``month`` column) up to :attr:`last_complete_month`: fits
        and forecasts leave out the running month, whose low count would read as a slowdown.
        Curves leave it out already unless asked for it (``running_month=True``).

        Parameters
        ----------
        curves : pandas.DataFrame
            A curve frame.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> curve = g.growth_curve("b", running_month=True)
        >>> curve["month"].iloc[-1], g.complete_months(curve)["month"].iloc[-1]
        ('2024-06', '2024-05')
        """
        return curves[curves["month"] <= self.last_complete_month]

    # -- edges and filters ----------------------------------------------------------------
    @property
    def relations(self) -> list[str]:
        """Relations present on the graph's edges.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"],
        ...                   "relation": ["finetune", "quantized"]}))
        >>> g.relations
        ['finetune', 'quantized']
        """
        return [self._rel_names[c] for c in np.unique(self._rel)]

    @property
    def edges(self) -> pd.DataFrame:
        """The kept edges: ``child, parent, relation``.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"],
        ...                   "relation": ["finetune", "quantized"]}))
        >>> g.edges.values.tolist()
        [['f', 'b', 'finetune'], ['q', 'b', 'quantized']]
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "child": self.ids[self._child],
                "parent": self.ids[self._parent],
                "relation": np.asarray(self._rel_names, dtype=object)[self._rel],
            }
        )

    def edges_with(self, relations: Iterable[str] | str | None = None) -> pd.DataFrame:
        """The kept edges of the given relations (all when None): ``child, parent, relation``.

        Parameters
        ----------
        relations : str or iterable of str, optional
            The relations (default: all).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> g.edges_with("quantized").values.tolist()
        [['q', 'f', 'quantized']]
        """
        edges = self.edges
        mask = self._mask(relations)
        return edges if isinstance(mask, slice) else edges[mask].reset_index(drop=True)

    def _codes(self, relations: Iterable[str] | str | None) -> tuple[int, ...]:
        if relations is None:
            return tuple(range(len(self._rel_names)))
        if isinstance(relations, str):
            relations = [relations]
        wanted = {r.lower() for r in relations}
        unknown = wanted - {r.lower() for r in self._rel_names}
        if unknown:
            raise UsageError(
                f"relations must be among {', '.join(self._rel_names)}, got unknown "
                f"{', '.join(sorted(unknown))}"
            )
        return tuple(i for i, r in enumerate(self._rel_names) if r.lower() in wanted)

    def _mask(self, relations) -> np.ndarray | slice:
        codes = self._codes(relations)
        if len(codes) == len(self._rel_names):
            return slice(None)
        return np.isin(self._rel, codes)

    def _index(self, relations, progress: ProgressCallback | None = None) -> _counts.CountIndex:
        codes = self._codes(relations)
        if codes not in self._cache:
            mask = self._mask(relations)
            self._cache[codes] = _counts.count_index(
                self.n_models, self._child[mask], self._parent[mask], progress=progress
            )
        return self._cache[codes]

    def clear_cache(self) -> None:
        """Forget the count indexes computed so far (the next count starts from scratch).

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"],
        ...                   "relation": ["finetune", "quantized"]}))
        >>> g.descendant_counts().tolist()
        [2, 0, 0]
        >>> g.clear_cache()  # the next count is computed afresh
        >>> g.descendant_counts().tolist()
        [2, 0, 0]
        """
        self._cache.clear()
        self._adjacent.clear()

    # -- lookup ---------------------------------------------------------------------------
    def index_of(self, model: str) -> int:
        """Node index of ``model``: exact id, else case-insensitive; else
        :class:`UnknownModelError` naming the closest ids.

        Parameters
        ----------
        model : str
            A model id (or a renamed model's old id).

        Returns
        -------
        int

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["Org/Model"], "created_at": [None]}),
        ...                              pd.DataFrame({"child": [], "parent": []}))
        >>> g.index_of("org/model")
        0
        """
        # the first few lookups scan the ids (3M ids: 15 ms), later ones share a hash index
        # (3M ids: 1 s to build): a command about one model never pays for the index
        if model in self._found:
            return self._found[model]
        self._lookups += 1
        if self._lookups <= _SCANNED_LOOKUPS:
            hits = np.flatnonzero(self.ids == model)
            pos = hits[0] if len(hits) else -1
        else:
            pos = self._exact.get_indexer([model])[0]
        if pos >= 0:
            self._found[model] = int(pos)
            return int(pos)
        if self._lower is None:
            lower = [i.lower() for i in self.ids.tolist()]
            self._lower = {k: i for i, k in reversed(list(enumerate(lower)))}
        pos = self._lower.get(str(model).lower())
        if pos is None and str(model).lower() in self.aliases:
            pos = self._lower.get(self.aliases[str(model).lower()].lower())
        if pos is None:
            raise UnknownModelError(str(model), self._suggest(str(model)))
        self._found[model] = pos
        return pos

    def _suggest(self, model: str) -> list[str]:
        import pandas as pd

        assert self._lower is not None
        want = model.lower()
        pool = list(self._lower)
        if len(pool) > 20_000:
            name = want.rsplit("/", 1)[-1]
            org = want.split("/", 1)[0] if "/" in want else ""
            lower = pd.Series(pool)
            near = lower.str.contains(name[:4], regex=False) | (
                lower.str.startswith(org + "/") if org else False
            )
            pool = lower[near].head(20_000).tolist()
        found = difflib.get_close_matches(want, pool, n=3, cutoff=0.6)
        return [str(self.ids[self._lower[f]]) for f in found]

    # -- navigation -----------------------------------------------------------------------
    def _adjacency(self, down: bool, relations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (down, self._codes(relations))  # kept: a page walks from 20 models or more
        if key not in self._adjacent:
            self._adjacent[key] = self._adjacency_of(down, relations)
        return self._adjacent[key]

    def _adjacency_of(self, down: bool, relations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mask = self._mask(relations)
        src = (self._parent if down else self._child)[mask]
        dst = (self._child if down else self._parent)[mask]
        edge = np.arange(len(self._child))[mask]
        order = _counts.argsort_stable(src)
        ptr = np.zeros(self.n_models + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=self.n_models), out=ptr[1:])
        return ptr, dst[order], edge[order]

    def _bfs(self, start: int, down: bool, relations) -> Walk:
        """Breadth-first walk from node ``start`` (down: to derivatives; up: to ancestors)."""
        ptr, nbr, edge = self._adjacency(down, relations)
        seen = np.zeros(self.n_models, dtype=bool)
        seen[start] = True
        parts = [(np.array([start]), 0, np.array([-1]), np.array([-1]))]
        frontier, depth = np.array([start]), 0
        while len(frontier):
            depth += 1
            lens = ptr[frontier + 1] - ptr[frontier]
            pos = _counts.concat_ranges(ptr[frontier], lens)
            src, dst, via = np.repeat(frontier, lens), nbr[pos], edge[pos]
            new = ~seen[dst]
            src, dst, via = src[new], dst[new], via[new]
            dst, first = np.unique(dst, return_index=True)
            seen[dst] = True
            parts.append((dst, depth, src[first], via[first]))
            frontier = dst
        return Walk(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([np.full(len(p[0]), p[1]) for p in parts]),
            np.concatenate([p[2] for p in parts]),
            np.concatenate([p[3] for p in parts]),
        )

    def parents(self, model: str, *, relations: Iterable[str] | None = None) -> list[str]:
        """Ids of the direct parents of ``model`` (optionally only these relations).

        Parameters
        ----------
        model : str
            A model id.
        relations : iterable of str, optional
            Follow only these relations (default: all).

        Returns
        -------
        list of str

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> g.parents("q"), g.children("b"), g.children("f", relations=["finetune"])
        (['f'], ['f'], [])
        """
        return self._neighbours(model, down=False, relations=relations)

    def children(self, model: str, *, relations: Iterable[str] | None = None) -> list[str]:
        """Ids of the direct derivatives of ``model``.

        Parameters
        ----------
        model : str
            A model id.
        relations : iterable of str, optional
            Follow only these relations (default: all).

        Returns
        -------
        list of str

        Examples
        --------
        See :meth:`parents`.
        """
        return self._neighbours(model, down=True, relations=relations)

    def _neighbours(self, model: str, down: bool, relations) -> list[str]:
        i = self.index_of(model)
        mask = self._mask(relations)
        src = (self._parent if down else self._child)[mask]
        dst = (self._child if down else self._parent)[mask]
        return self.ids[np.sort(dst[src == i])].tolist()

    def ancestors(self, model: str, *, relations: Iterable[str] | None = None) -> list[str]:
        """Ids of every model ``model`` derives from, nearest first.

        Parameters
        ----------
        model : str
            A model id.
        relations : iterable of str, optional
            Follow only these relations (default: all).

        Returns
        -------
        list of str

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> g.ancestors("q"), g.roots("q"), g.family("f")
        (['f', 'b'], ['b'], ['b', 'f', 'q'])
        """
        return self.ids[self._bfs(self.index_of(model), False, relations).node[1:]].tolist()

    def descendants(
        self,
        model: str,
        *,
        relations: Iterable[str] | None = None,
        until: str | None = None,
    ) -> list[str]:
        """Ids of the distinct derivatives behind ``model``'s transitive count, nearest first;
        with ``until`` (``YYYY-MM``) only those counted up to that month.

        Parameters
        ----------
        model : str
            A model id.
        relations : iterable of str, optional
            Follow only these relations (default: all).
        until : str, optional
            ``YYYY-MM``: only derivatives counted up to that month.

        Returns
        -------
        list of str

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"]}))
        >>> g.descendants("b"), g.descendants("b", until="2024-04")
        (['f', 'q'], ['f'])
        """
        i = self.index_of(model)
        nodes = self._bfs(i, True, relations).node[1:]
        if until is not None:
            limit = month_number(until)
            release = self._month[i]
            counted = np.maximum(self._month[nodes], release)
            nodes = nodes[counted <= limit]
        return self.ids[nodes].tolist()

    def roots(self, model: str) -> list[str]:
        """The topmost ancestors of ``model`` (those without parents); ``[model]`` if none.

        Parameters
        ----------
        model : str
            A model id.

        Returns
        -------
        list of str

        Examples
        --------
        See :meth:`ancestors`.
        """
        walk = self._bfs(self.index_of(model), False, None).node
        has_parent = np.zeros(self.n_models, dtype=bool)
        has_parent[self._child] = True
        return sorted(self.ids[walk[~has_parent[walk]]].tolist())

    def family(self, model: str) -> list[str]:
        """Every model connected to ``model`` by lineage in any direction (sorted ids).

        Parameters
        ----------
        model : str
            A model id.

        Returns
        -------
        list of str

        Examples
        --------
        See :meth:`ancestors`.
        """
        i = self.index_of(model)
        if self._component is None:
            from scipy.sparse import csr_matrix
            from scipy.sparse.csgraph import connected_components

            n = self.n_models
            g = csr_matrix(
                (np.ones(len(self._child), dtype=np.int8), (self._parent, self._child)),
                shape=(n, n),
            )
            self._component = connected_components(g, directed=True, connection="weak")[1]
        return sorted(self.ids[self._component == self._component[i]].tolist())

    def lineage_table(
        self,
        model: str,
        direction: str = "down",
        *,
        relations: Iterable[str] | None = None,
        as_frame: bool = True,
    ) -> pd.DataFrame | Table:
        """One row per model reached from ``model``: ``model, depth, parent, relation``
        (``model, depth, child, relation`` going up), by depth, then id.

        ``direction="down"`` lists derivatives, ``parent`` being the one a shortest path
        reaches it from; ``"up"`` lists ancestors, ``child`` being the model one step closer
        to ``model`` that derives from it, ``relation`` that child's relation to it. Depth 0
        is ``model`` itself.

        Parameters
        ----------
        model : str
            A model id.
        direction : {"down", "up"}
            Derivatives or ancestors.
        relations : iterable of str, optional
            Follow only edges of these relations (default: all).
        as_frame : bool
            A ``pandas.DataFrame`` (default), or the :class:`~lineage.graph.table.Table` of
            its columns (no pandas needed).

        Returns
        -------
        pandas.DataFrame or Table

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> g.lineage_table("q", "up").values.tolist()
        [['q', 0, None, None], ['f', 1, 'q', 'quantized'], ['b', 2, 'f', 'finetune']]
        >>> g.lineage_table("b", as_frame=False)["parent"].tolist()
        [None, 'b', 'f']
        """
        if direction not in ("down", "up"):
            raise UsageError(f"direction must be 'down' or 'up', got {direction!r}")
        walk = self._bfs(self.index_of(model), direction == "down", relations)
        names = np.asarray(self._rel_names, dtype=object)
        models = self.ids[walk.node]
        by_id = np.argsort(models, kind="stable")
        order = by_id[np.argsort(walk.depth[by_id], kind="stable")]  # by depth, then id
        via, edge = walk.via[order], walk.edge[order]
        table = Table(
            {
                "model": models[order],
                "depth": walk.depth[order],
                "parent" if direction == "down" else "child": np.where(
                    via >= 0, self.ids[np.maximum(via, 0)], None
                ),
                "relation": np.where(edge >= 0, names[self._rel[np.maximum(edge, 0)]], None),
            }
        )
        return table.to_frame() if as_frame else table

    # -- counts ---------------------------------------------------------------------------
    def descendant_counts(
        self,
        scope: str = "transitive",
        *,
        relations: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        as_frame: bool = True,
    ) -> pd.Series | np.ndarray:
        """Derivatives of every model, all at once.

        Parameters
        ----------
        scope : {"transitive", "direct"}
            Distinct descendants, or distinct children.
        relations : iterable of str, optional
            Count only edges of these relations (default: all).
        progress : callable, optional
            Receives :class:`lineage.progress.Progress` records.
        as_frame : bool
            A ``pandas.Series`` (default), or its values as a numpy array in graph order
            (no pandas needed).

        Returns
        -------
        pandas.Series or numpy.ndarray
            Indexed by id, named ``scope``.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> g.descendant_counts().tolist()
        [2, 1, 0]
        >>> g.descendant_counts("direct", relations=["finetune"]).tolist()
        [1, 0, 0]
        """
        check_scope(scope)
        index = self._index(relations, progress)
        values = index.transitive if scope == "transitive" else index.direct
        if not as_frame:
            return values
        import pandas as pd

        return pd.Series(values, index=self._exact, name=scope)

    def monthly_counts(
        self,
        scope: str = "transitive",
        *,
        relations: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> MonthlyCounts:
        """Derivatives per calendar month of every model at once (see :class:`MonthlyCounts`).

        Parameters
        ----------
        scope, relations, progress
            As in :meth:`descendant_counts`.

        Returns
        -------
        MonthlyCounts

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2023-12-30"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"]}))
        >>> m = g.monthly_counts()
        >>> m.models.tolist(), m.months, m.matrix.toarray().tolist(), m.moved
        (['b'], ['2023-12', '2024-01', '2024-02', '2024-03'], [[0, 1, 0, 1]], 1)
        >>> m.by_age().toarray().tolist()
        [[1, 0, 1, 0]]
        """
        check_scope(scope)
        index = self._index(relations, progress)
        hist = _counts.histograms(index, self._col, self._n_cols, scope=scope, progress=progress)
        months = [month_label(m) for m in range(self._month0, self._snap_month + 1)]
        return MonthlyCounts(
            scope, self.ids[hist.rows], months, hist.matrix, hist.release, hist.moved
        )

    def growth_curve(
        self,
        model: str,
        scope: str = "transitive",
        *,
        relations: Iterable[str] | None = None,
        running_month: bool = False,
        as_frame: bool = True,
    ) -> pd.DataFrame | Table:
        """Monthly derivatives of ``model`` from its release month to
        :attr:`last_complete_month`: ``month, age_months, count, cumulative, complete`` (zero
        months included). With ``running_month`` the snapshot's running month follows, with
        ``complete`` False (fits leave it out: its count is still growing).

        ``frame.attrs["moved"]`` is how many derivatives dated before it were counted in its
        release month.

        Parameters
        ----------
        model : str
            A model id.
        scope, relations
            As in :meth:`descendant_counts`.
        running_month : bool
            Add the snapshot's running month (``complete`` False).
        as_frame : bool
            A ``pandas.DataFrame`` (default), or the :class:`~lineage.graph.table.Table` of
            its columns (no pandas needed).

        Returns
        -------
        pandas.DataFrame or Table

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-02-02", "2024-03-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "b"]}),
        ...     snapshot_time="2024-03-20")
        >>> g.growth_curve("b")["cumulative"].tolist()
        [0, 1]
        >>> g.growth_curve("b", running_month=True, as_frame=False)["complete"].tolist()
        [True, True, False]
        """
        check_scope(scope)
        i = self.index_of(model)
        if scope == "direct":
            mask = self._mask(relations)
            nodes = self._child[mask][self._parent[mask] == i]
            nodes = np.unique(nodes)
        else:
            nodes = self._bfs(i, True, relations).node[1:]
        release = self._col[i]
        cols = self._col[nodes]
        moved = int((cols < release).sum())
        count = np.bincount(np.maximum(cols, release) - release, minlength=self._n_cols - release)
        months = np.array(
            [month_label(self._month0 + release + k) for k in range(len(count))], dtype=object
        )
        complete = months <= self.last_complete_month
        table = Table(
            {
                "month": months,
                "age_months": np.arange(len(count), dtype=np.int64),
                "count": count.astype(np.int64),
                "cumulative": np.cumsum(count).astype(np.int64),
                "complete": complete,
            },
            attrs={"moved": moved},
        )
        if not running_month:
            table = table.select(complete)
        return table.to_frame() if as_frame else table

    def growth_curves(
        self,
        models: Iterable[str] | None = None,
        scope: str = "transitive",
        *,
        relations: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        running_month: bool = False,
        as_frame: bool = True,
    ) -> pd.DataFrame | Table:
        """Long growth-curve frame ``model, scope, month, age_months, count, cumulative,
        complete`` of ``models`` (default: every model with at least one derivative in
        ``scope``), to :attr:`last_complete_month` (with ``running_month``: to the snapshot
        month, that month's rows having ``complete`` False; see :meth:`growth_curve`).

        ``frame.attrs["moved"]`` totals the derivatives counted in a later release month.

        Parameters
        ----------
        models : iterable of str, optional
            Model ids (default: every model with a derivative).
        scope, relations, progress
            As in :meth:`descendant_counts`.
        running_month : bool
            Add the snapshot's running month (``complete`` False).
        as_frame : bool
            A ``pandas.DataFrame`` (default), or the :class:`~lineage.graph.table.Table` of
            its columns (no pandas needed for up to 200 named models).

        Returns
        -------
        pandas.DataFrame or Table

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01", "2024-02", "2024-05"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"],
        ...                   "relation": ["finetune", "quantized"]}),
        ...     snapshot_time="2024-06-15")
        >>> curves = g.growth_curves(scope="direct")
        >>> curves.groupby("model")["cumulative"].last().to_dict()
        {'b': 1, 'f': 1}
        >>> g.growth_curves(["f"], as_frame=False)["cumulative"].tolist()
        [0, 0, 0, 1]
        """
        check_scope(scope)
        if models is not None:
            wanted = [str(self.ids[self.index_of(m)]) for m in models]
        if models is not None and len(wanted) <= 200:  # walked one by one: no whole-graph count
            parts = [self._named_curve(m, scope, relations, running_month) for m in wanted]
            table = Table.concat(parts, CURVE_COLUMNS)
            table.attrs["moved"] = sum(part.attrs["moved"] for part in parts)
        else:
            monthly = self.monthly_counts(scope, relations=relations, progress=progress)
            if models is None:
                table = monthly.curves(
                    last_complete=self.last_complete_month,
                    running_month=running_month,
                    as_frame=False,
                )
            else:
                table = self._with_empty(monthly, wanted, scope, relations, running_month)
            table.attrs["moved"] = monthly.moved
        return table.to_frame() if as_frame else table

    def _named_curve(self, model: str, scope: str, relations, running_month: bool) -> Table:
        """:meth:`growth_curve` of ``model`` as rows of the long curve frame."""
        curve = self.growth_curve(
            model, scope, relations=relations, running_month=running_month, as_frame=False
        )
        n = len(curve)
        columns = {
            "model": np.full(n, model, dtype=object),
            "scope": np.full(n, scope, dtype=object),
        }
        columns.update((c, curve[c]) for c in curve.columns)
        return Table({c: columns[c] for c in CURVE_COLUMNS}, curve.attrs)

    def _with_empty(
        self, monthly: MonthlyCounts, wanted: list[str], scope: str, relations, running_month: bool
    ) -> Table:
        """Curves of ``wanted`` in their order, zero curves for those without derivatives."""
        have = set(monthly.models.tolist())
        found = monthly.curves(
            [m for m in wanted if m in have],
            last_complete=self.last_complete_month,
            running_month=running_month,
            as_frame=False,
        )
        names = found["model"]  # each model's rows are consecutive
        starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if len(names) else ()
        ends = np.r_[starts[1:], len(names)] if len(names) else ()
        rows = {names[a]: slice(a, b) for a, b in zip(starts, ends, strict=True)}
        return Table.concat(
            [
                found.select(rows[m])
                if m in rows
                else self._named_curve(m, scope, relations, running_month)
                for m in wanted
            ],
            CURVE_COLUMNS,
        )

    # -- interop --------------------------------------------------------------------------
    def to_networkx(self, *, relations: Iterable[str] | None = None):
        """networkx DiGraph, edges parent -> child with ``relation``; node attributes are
        the model columns (created_at, author, downloads, likes, pipeline_tag, missing...) as
        values ``nx.write_graphml``/``write_gexf`` accept: ISO 8601 times, ``""`` for missing
        text, NaN for a missing number (:mod:`lineage.graph.convert`).

        A DiGraph holds one edge per pair: a pair declared with several relations keeps the
        alphabetically last one here (:attr:`edges` and :meth:`to_igraph` keep them all).

        Parameters
        ----------
        relations : iterable of str, optional
            Only edges of these relations (default: all).

        Returns
        -------
        networkx.DiGraph

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a", "b"], "created_at": [None] * 2}),
        ...                              pd.DataFrame({"child": ["b"], "parent": ["a"]}))
        >>> list(g.to_networkx().edges(data=True))
        [('a', 'b', {'relation': 'unknown'})]
        """
        from lineage.graph import convert

        return convert.to_networkx(self, relations=relations)

    def to_igraph(self, *, relations: Iterable[str] | None = None):
        """python-igraph directed Graph (edges parent -> child), vertex ``name`` = id, the
        model columns as vertex attributes (written as :meth:`to_networkx` writes them, so
        ``write_graphml`` keeps them all) and ``relation`` on the edges.

        Parameters
        ----------
        relations : iterable of str, optional
            Only edges of these relations (default: all).

        Returns
        -------
        igraph.Graph

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["a", "b"], "created_at": [None] * 2}),
        ...                              pd.DataFrame({"child": ["b"], "parent": ["a"]}))
        >>> h = g.to_igraph()
        >>> h.vs["name"], [h.vs[e.source]["name"] for e in h.es], h.es["relation"]
        (['a', 'b'], ['a'], ['unknown'])
        """
        from lineage.graph import convert

        return convert.to_igraph(self, relations=relations)

    # -- edge sources and time travel -------------------------------------------------------
    def edge_sources(self) -> np.ndarray:
        """Where each edge of :attr:`edges` was declared: the ``source`` column of the edges
        frame the graph was built from (a crawled snapshot's ``relation_tag``,
        ``base_model_tag`` or ``card``), else ``unknown``.

        Returns
        -------
        numpy.ndarray of str
            One source per edge.

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f"], "created_at": [None] * 2}),
        ...     pd.DataFrame({"child": ["f"], "parent": ["b"], "source": ["card"]}))
        >>> g.edge_sources().tolist()
        ['card']
        """
        return self._sources_of(self._child, self._parent, self._rel)

    def _sources_of(self, child: np.ndarray, parent: np.ndarray, rel: np.ndarray) -> np.ndarray:
        import pandas as pd

        out = np.full(len(child), "unknown", dtype=object)
        if self._declared is None or not len(self._declared[0]) or not len(child):
            return out
        c, p, r, source = self._declared
        n, k = np.int64(self.n_models), np.int64(len(self._rel_names))
        key = (c.astype(np.int64) * n + p) * k + r
        order = np.argsort(key, kind="stable")
        key = key[order]
        want = (np.asarray(child, dtype=np.int64) * n + parent) * k + rel
        at = np.minimum(np.searchsorted(key, want), len(key) - 1)
        hit = key[at] == want
        found = source[order][at[hit]]
        out[hit] = np.where(pd.isna(found), "unknown", found)
        return out

    def as_of(self, date) -> LineageGraph:
        """The graph as it stood at the end of ``date`` (``YYYY-MM``: the month's end;
        ``YYYY-MM-DD``: the day's; or a timestamp), as a crawl then would have found the
        models that still exist.

        Models created after it are left out, with the edges they declare. A model created
        after it that an earlier model names as its parent is, at that date, another model
        under that name (since deleted, or re-uploaded): it stays as a *missing* node, as a
        crawl then would have kept it, and so do the missing parents the kept models name.
        Cycles are broken anew among what remains; attributes (downloads, likes) are today's,
        since the Hub serves no history. The snapshot time becomes the end of ``date``; a
        date at or after the snapshot gives the graph itself.

        Parameters
        ----------
        date : str or timestamp
            ``YYYY-MM``, ``YYYY-MM-DD`` or a timestamp.

        Returns
        -------
        LineageGraph

        Examples
        --------
        >>> import pandas as pd
        >>> g = LineageGraph.from_frames(
        ...     pd.DataFrame({"id": ["b", "f", "q"],
        ...                   "created_at": ["2024-01-09", "2024-03-02", "2024-06-01"]}),
        ...     pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"]}))
        >>> old = g.as_of("2024-04")
        >>> old.ids.tolist(), old.descendant_counts().tolist(), old.snapshot_month
        (['b', 'f'], [1, 0], '2024-04')
        """
        import pandas as pd

        from lineage.graph.calendar import end_of

        cut = end_of(date)
        created = self.models["created_at"]
        latest = created.max() if self.snapshot_time is None else self.snapshot_time
        if latest is not None and not pd.isna(latest) and cut >= latest:
            return self
        later = (created > cut).to_numpy(dtype=bool)
        dropped = self.dropped_cycle_edges
        names = pd.Index(self._rel_names)
        child = np.concatenate([self._child, self._exact.get_indexer(dropped["child"])])
        parent = np.concatenate([self._parent, self._exact.get_indexer(dropped["parent"])])
        rel = np.concatenate([self._rel, names.get_indexer(dropped["relation"])]).astype(np.int16)
        source = self._sources_of(child, parent, rel)
        keep_edge = ~later[child]
        child, parent, rel, source = (
            child[keep_edge],
            parent[keep_edge],
            rel[keep_edge],
            source[keep_edge],
        )
        missing = self.models["missing"].to_numpy(dtype=bool)
        named = np.zeros(self.n_models, dtype=bool)
        named[parent] = True
        keep = (~later & ~missing) | (named & (missing | later))
        rows = np.flatnonzero(keep)
        models = self.models.iloc[rows].reset_index(drop=True)
        ghost = later[rows]  # named by an earlier model, created after the cut
        if ghost.any():
            for col in models.columns:
                if col == "id":
                    continue
                series = models[col]
                if col == "missing" or pd.api.types.is_bool_dtype(series.dtype):
                    fill = col == "missing"
                elif pd.api.types.is_integer_dtype(series.dtype):
                    fill = 0
                elif pd.api.types.is_float_dtype(series.dtype):
                    fill = np.nan
                elif isinstance(
                    series.dtype, pd.DatetimeTZDtype
                ) or pd.api.types.is_datetime64_dtype(series.dtype):
                    fill = pd.NaT
                else:
                    models[col] = series.astype(object)
                    fill = None
                models.loc[ghost, col] = fill
        edges = pd.DataFrame(
            {
                "child": self.ids[child],
                "parent": self.ids[parent],
                "relation": np.asarray(self._rel_names, dtype=object)[rel],
                "source": source,
            }
        )
        then = LineageGraph.from_frames(models, edges, snapshot_time=cut)
        # a model renamed since keeps its old id as an alias (the Hub redirects it too)
        then.aliases = {old: new for old, new in self.aliases.items() if new in then._exact}
        return then
