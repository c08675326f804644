"""The graph cache: a snapshot's resolved graph as arrays beside the file, so readers start at once.

Reading a snapshot the slow way (:meth:`Store.models_frame` and :meth:`Store.edges_frame`,
then :meth:`LineageGraph.from_frames`) parses every row's dates, resolves every reference
and sorts everything: tens of seconds and gigabytes at the Hub's three million models. The
crawl does it once, when it commits (:meth:`Store.finish_run`), and leaves the result in a
folder beside the file, ``<db>-graph/<stamp>/``:

- ``meta.json``: the format, the snapshot stamp it was made from
  (:meth:`Store.snapshot_stamp`, which changes with every change readers could see), the relation
  names, the snapshot time, the edges dropped to break cycles, and ``summary``: the counts
  ``hf-lineage info`` prints;
- one ``.npy`` file per array (memory-mappable): the graph's ``child``, ``parent`` and
  ``relation`` codes, and every column of its model table (ids and other text as UTF-8
  bytes, one value a line; repeated text such as authors as codes into their distinct
  values; times as int64 nanoseconds).

:func:`read_graph` (behind :meth:`LineageGraph.from_db`) and :func:`graph_summary` (behind
``Store.info``) use the cache whose stamp is the snapshot's, and else rebuild it the slow
way (written when the folder is writable; a read-only place just pays the slow path). A
stale cache is never read: its stamp is no longer the snapshot's.

Example:
    >>> import tempfile, pathlib
    >>> from lineage.hub.client import parse_page
    >>> from lineage.hub.store import Store
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
    >>> with Store(db) as st:
    ...     run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u",
    ...                        hub_mark=None)
    ...     st.commit_page(run, parse_page([{"_id": "1", "id": "a/b", "tags": ["base_model:c/d"]}]),
    ...                    phase="full", next_url=None)
    ...     st.finish_run(run)
    >>> [p.name for p in cache_folder(db).iterdir()] != []
    True
    >>> read_graph(db).ids.tolist()
    ['a/b', 'c/d']
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
from typing import TYPE_CHECKING, Any

from lineage.hub.store import Store

if TYPE_CHECKING:
    import numpy as np

    from lineage.graph.lineage_graph import LineageGraph

#: Version of the cache's layout; a cache of another version is rebuilt.
CACHE_FORMAT = 2
_TEXT_SEPARATOR = "\n"


def cache_folder(db: str | os.PathLike) -> pathlib.Path:
    """The folder of the graph caches of the snapshot ``db``: ``<db>-graph``.

    Parameters
    ----------
    db : path
        The snapshot file.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> cache_folder("/data/hub.db")
    PosixPath('/data/hub.db-graph')
    """
    return pathlib.Path(f"{os.fspath(db)}-graph")


def _token(store: Store) -> str:
    stamp = f"{CACHE_FORMAT}:{store.snapshot_stamp()}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:20]


def _meta(folder: pathlib.Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def graph_summary(store: Store) -> dict[str, Any]:
    """The counts of the snapshot's graph that ``hf-lineage info`` prints, from the cache.

    Parameters
    ----------
    store : Store
        An open snapshot.

    Returns
    -------
    dict
        Keys: models (listed), missing_parents, edges, edges_by_relation, cycles,
        models_in_cycles, created_min and created_max (ISO 8601 text or ``None``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from lineage.hub.store import Store
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
    ...     summary = graph_summary(st)
    >>> summary["models"], summary["edges"], summary["created_min"]
    (0, 0, None)
    """
    with store.reading():
        token = _token(store)
        meta = _meta(cache_folder(store.path) / token)
        if meta is None or meta.get("format") != CACHE_FORMAT:
            _, meta = _build(store, token)
    return meta["summary"]


def read_graph(db: str | os.PathLike | None = None) -> LineageGraph:
    """The graph of the snapshot ``db``, read from its cache (built when missing or stale).

    Parameters
    ----------
    db : path, optional
        The snapshot file (default: ``$HF_LINEAGE_DB``, else ``~/.cache/hf-lineage/hub.db``).

    Returns
    -------
    LineageGraph
        The same graph :meth:`LineageGraph.from_db` builds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from lineage.hub.store import Store
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "empty.db"
    >>> Store(db).close()
    >>> read_graph(db).n_models
    0
    """
    with Store(db, readonly=True) as store, store.reading():
        token = _token(store)
        graph = _load(cache_folder(store.path) / token)
        if graph is None:
            graph, _ = _build(store, token)
    return graph


def write_cache(store: Store) -> pathlib.Path | None:
    """Write the graph cache of ``store``'s current snapshot (no-op when it is there).

    Parameters
    ----------
    store : Store
        An open snapshot.

    Returns
    -------
    pathlib.Path or None
        The cache's folder, or None where it cannot be written (a read-only place).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from lineage.hub.store import Store
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
    ...     folder = write_cache(st)
    >>> folder.parent.name
    'hub.db-graph'
    """
    with store.reading():
        token = _token(store)
        folder = cache_folder(store.path) / token
        if _meta(folder) is None:
            _build(store, token)
    return folder if folder.is_dir() else None


# -- building -----------------------------------------------------------------------------
def _build(store: Store, token: str) -> tuple[LineageGraph, dict[str, Any]]:
    """The graph the slow way, its summary, and the cache written where possible."""
    import numpy as np
    import pandas as pd

    from lineage.graph.counts import find_cycles
    from lineage.graph.lineage_graph import LineageGraph

    models, edges = store.frames()
    graph = LineageGraph.from_frames(models, edges, store.snapshot_time())
    listed = models.loc[~models["missing"], "created_at"]
    dropped = graph.dropped_cycle_edges
    names = np.asarray(graph._rel_names, dtype=object)
    exact = graph._exact
    cycles = find_cycles(
        graph.n_models,
        np.concatenate([graph._child, exact.get_indexer(dropped["child"])]),
        np.concatenate([graph._parent, exact.get_indexer(dropped["parent"])]),
    )
    summary = {
        "models": int(len(listed)),
        "missing_parents": int(models["missing"].sum()),
        "edges": int(len(edges)),
        "edges_by_relation": {
            str(k): int(v) for k, v in edges["relation"].value_counts().sort_index().items()
        },
        "cycles": cycles.count,
        "models_in_cycles": cycles.models,
        "created_min": listed.min().isoformat() if listed.notna().any() else None,
        "created_max": listed.max().isoformat() if listed.notna().any() else None,
    }
    meta = {
        "format": CACHE_FORMAT,
        "stamp": store.snapshot_stamp(),
        "summary": summary,
        "relation_names": [str(r) for r in names],
        "snapshot_time": None if graph.snapshot_time is None else graph.snapshot_time.isoformat(),
        "dropped_cycle_edges": {c: dropped[c].astype(str).tolist() for c in dropped.columns},
    }
    arrays = {"child": graph._child, "parent": graph._parent, "relation": graph._rel}
    columns = []
    for name in graph.models.columns:
        encoded = _encode_column(graph.models[name], text=name == "id")
        if encoded is None:  # a column the cache cannot hold: no cache, nothing lost
            return graph, meta
        kind, dtype, parts, texts = encoded
        columns.append({"name": str(name), "kind": kind, "dtype": dtype, "texts": texts})
        arrays.update({f"model.{name}.{part}": value for part, value in parts.items()})
    meta["columns"] = columns
    if graph._declared is not None:  # where each edge was declared, for exports
        c, p, r, source = graph._declared
        codes, distinct = pd.factorize(pd.Series(source, dtype=object))
        blob = _text_blob(np.asarray(distinct, dtype=object))
        if blob is not None:
            arrays.update(
                {
                    "declared.child": c,
                    "declared.parent": p,
                    "declared.relation": r,
                    "declared.source": codes.astype(np.int32),
                    "declared.text": blob,
                }
            )
            meta["declared_sources"] = len(distinct)
    _write(cache_folder(store.path), token, meta, arrays)
    return graph, meta


def _encode_column(values, *, text: bool) -> tuple[str, str, dict[str, np.ndarray], int] | None:
    """(kind, dtype, arrays, number of texts) of one model column, or ``None`` if it has no
    cache form."""
    import numpy as np
    import pandas as pd

    dtype = str(values.dtype)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or dtype.startswith("datetime64"):
        return "time", dtype, {"ns": pd.DatetimeIndex(values).as_unit("ns").asi8}, 0
    if values.dtype.kind in "biuf":
        return "plain", dtype, {"values": values.to_numpy()}, 0
    if dtype != "object" and not isinstance(values.dtype, pd.StringDtype):
        return None
    if text:
        raw = values.to_numpy(dtype=object)
        blob = _text_blob(raw)
        return None if blob is None else ("text", dtype, {"text": blob}, len(raw))
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    blob = _text_blob(np.asarray(distinct, dtype=object))
    if blob is None:
        return None
    return "codes", dtype, {"codes": codes.astype(np.int32), "text": blob}, len(distinct)


def _text_blob(values: np.ndarray) -> np.ndarray | None:
    """The strings ``values`` as UTF-8 bytes, one a line; ``None`` if one is not a
    one-line string."""
    import numpy as np
    import pandas as pd

    if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    joined = _TEXT_SEPARATOR.join(values.tolist())
    if joined.count(_TEXT_SEPARATOR) != max(len(values) - 1, 0):
        return None
    return np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)


def _write(root: pathlib.Path, token: str, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write one cache folder atomically (a temporary folder renamed into place), then
    remove the caches of older snapshots. A place that cannot be written is left alone."""
    import numpy as np

    tmp = root / f"{token}.tmp-{os.getpid()}"
    try:
        root.mkdir(exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(values), allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            tmp.rename(root / token)
        except OSError:  # another process wrote the same cache first
            shutil.rmtree(tmp, ignore_errors=True)
        for old in root.iterdir():
            if old.name != token and not _written_by_a_live_process(old.name):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _written_by_a_live_process(name: str) -> bool:
    _, sep, pid = name.partition(".tmp-")
    if not sep or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- loading ------------------------------------------------------------------------------
def _load(folder: pathlib.Path) -> LineageGraph | None:
    """The cached graph in ``folder``, or ``None`` when there is none (or it is unreadable)."""
    meta = _meta(folder)
    if meta is None or meta.get("format") != CACHE_FORMAT or "columns" not in meta:
        return None
    try:
        return _graph_of(folder, meta)
    except (OSError, ValueError, KeyError):
        return None


def _graph_of(folder: pathlib.Path, meta: dict) -> LineageGraph:
    """The graph from the arrays in ``folder``. Every array is read now (a newer crawl may
    remove the folder later); the model table is made (with pandas) when
    :attr:`LineageGraph.models` is first read."""
    import numpy as np

    from lineage.graph.lineage_graph import LineageGraph

    def array(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", allow_pickle=False)

    kinds = {column["name"]: column for column in meta["columns"]}
    if kinds["id"]["kind"] != "text" or kinds["created_at"]["kind"] != "time":
        raise ValueError("a cache without id texts and creation times")
    model_arrays = {p.stem: np.load(p, allow_pickle=False) for p in folder.glob("model.*.npy")}
    graph = LineageGraph(
        CachedModels(model_arrays, meta),
        array("child"),
        array("parent"),
        array("relation"),
        meta["relation_names"],
        meta["snapshot_time"],
        meta["dropped_cycle_edges"],
        ids=_texts(model_arrays["model.id.text"], kinds["id"]["texts"]),
        created_ns=model_arrays["model.created_at.ns"],
    )
    if "declared_sources" in meta:
        sources = _texts(array("declared.text"), meta["declared_sources"])
        graph._declared = (
            array("declared.child"),
            array("declared.parent"),
            array("declared.relation"),
            sources[array("declared.source")],
        )
    return graph


class CachedModels:
    """The model table of a cache's ``model.*`` arrays: whole as a DataFrame (calling it),
    or one column at some rows without pandas (:meth:`column`)."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self._arrays = arrays
        self._meta = meta
        self._kinds = {column["name"]: column for column in meta["columns"]}

    def __call__(self):
        """The whole table, every column with the dtype it was written from."""
        import pandas as pd

        everything = slice(None)
        columns = {}
        for column in self._meta["columns"]:
            name, kind, dtype = column["name"], column["kind"], column["dtype"]
            if kind == "time":
                values = pd.DatetimeIndex(self.column(name, everything))
                tz = dtype.removesuffix("]").partition(", ")[2]
                values = values.tz_localize("UTC").tz_convert(tz) if tz else values
                columns[name] = pd.Series(values)
            elif kind == "text" and _is_arrow_string(dtype):
                text = self._arrays[f"model.{name}.text"]
                columns[name] = _arrow_texts(text, column["texts"])
            else:
                columns[name] = self.column(name, everything)
            if kind in ("text", "codes"):  # pandas would infer its string dtype for object
                columns[name] = pd.Series(columns[name], dtype=dtype, copy=False)
        return pd.DataFrame(columns, copy=False)

    def column(self, name: str, rows: np.ndarray | slice) -> np.ndarray | None:
        """Column ``name`` at ``rows`` as :meth:`LineageGraph.model_column` gives it, or
        None when the table has no such column."""
        import numpy as np

        column = self._kinds.get(name)
        if column is None:
            return None
        prefix = f"model.{name}."
        if column["kind"] == "time":
            return self._arrays[prefix + "ns"][rows].view("datetime64[ns]")
        if column["kind"] == "plain":
            return self._arrays[prefix + "values"][rows]
        if column["kind"] == "text":
            return _texts(self._arrays[prefix + "text"], column["texts"])[rows]
        texts = _texts(self._arrays[prefix + "text"], column["texts"])
        distinct = np.empty(len(texts) + 1, dtype=object)  # the last one, None: code -1
        distinct[:-1] = texts
        return distinct[self._arrays[prefix + "codes"][rows]]


def _is_arrow_string(dtype: str) -> bool:
    """Whether ``dtype`` names pandas's pyarrow-backed string dtype (pandas 3's ``str``)."""
    import pandas as pd

    try:
        parsed = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return False
    return isinstance(parsed, pd.StringDtype) and parsed.storage == "pyarrow"


def _arrow_texts(blob: np.ndarray, count: int):
    """The ``count`` strings of ``blob`` (UTF-8, one a line) as a pyarrow ``large_string``
    array, built from the bytes without a Python string each (3x faster than pandas
    converting the strings of :func:`_texts`)."""
    import numpy as np
    import pyarrow as pa

    breaks = np.flatnonzero(blob == ord(_TEXT_SEPARATOR))
    if len(breaks) != max(count - 1, 0):
        raise ValueError(f"cache text holds {len(breaks) + 1} lines, not {count}")
    starts = np.empty(count + 1, dtype=np.int64)
    starts[0], starts[-1] = 0, len(blob) + 1
    starts[1:-1] = breaks + 1
    offsets = starts - np.arange(count + 1)  # each earlier separator removed
    data = blob[blob != ord(_TEXT_SEPARATOR)]
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


def _texts(blob: np.ndarray, count: int) -> np.ndarray:
    import numpy as np

    if count == 0:
        return np.empty(0, dtype=object)
    return np.array(blob.tobytes().decode("utf-8").split(_TEXT_SEPARATOR), dtype=object)
