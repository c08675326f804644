"""The snapshot store: one SQLite file (stdlib ``sqlite3``, WAL) with models, edges and crawl state.

Layout (schema version :data:`SCHEMA_VERSION`, ``PRAGMA application_id`` :data:`APPLICATION_ID`,
both checked on open: a newer, foreign or corrupt file is an error, never rewritten):

- ``models``: one row per listed model and *generation*; keyed by the Hub's ``_id`` so a
  renamed model replaces its old row.
- ``edges``: (child ``_id``, parent reference as written, its lower-case form, relation,
  source). Parents are resolved case-insensitively to listed ids at read time, because a
  newest-first listing meets children before their parents (and an index on lower-case ids
  would make every page's inserts slower).
- ``rejected``: references that are not edges (self-loops, strings that are no Hub id).
- ``runs``: one row per crawl (started, finished, endpoint, mode, models seen, status) holding
  the resume cursor (phase + next-page URL) of an unfinished crawl.
- ``meta``: the live generation. The live generation and its runs make
  :meth:`Store.snapshot_stamp`, the key of the graph cache the crawl leaves beside the file
  at commit (:mod:`lineage.graph.cache`).

A full crawl writes a new generation; the live one stays readable until the new one is
complete, then one transaction swaps them. Each page is committed in one transaction
together with the cursor, so an interrupted crawl resumes from its last committed page.

Example:
    >>> import tempfile, pathlib
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
    ...     st.info()["models"]
    0
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lineage.errors import (
    CrawlStateError,
    ForeignStoreError,
    StoreCorruptError,
    StoreMissingError,
    StoreReadOnlyError,
)

if TYPE_CHECKING:
    import pandas as pd

    from lineage.hub.client import ParsedPage

SCHEMA_VERSION = 1
APPLICATION_ID = 0x48464C47  # "HFLG"
DEFAULT_DB = pathlib.Path("~/.cache/hf-lineage/hub.db")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE models (
    gen INTEGER NOT NULL, oid TEXT NOT NULL, id TEXT NOT NULL, id_lower TEXT NOT NULL,
    created_at TEXT, last_modified TEXT, author TEXT, downloads INTEGER, likes INTEGER,
    pipeline_tag TEXT, library_name TEXT,
    PRIMARY KEY (gen, oid)) WITHOUT ROWID;
CREATE TABLE edges (
    gen INTEGER NOT NULL, child_oid TEXT NOT NULL, parent_ref TEXT NOT NULL,
    parent_lower TEXT NOT NULL, relation TEXT NOT NULL, source TEXT NOT NULL);
CREATE INDEX edges_child ON edges (gen, child_oid);
CREATE TABLE rejected (
    gen INTEGER NOT NULL, child_oid TEXT NOT NULL, ref TEXT NOT NULL, relation TEXT NOT NULL,
    source TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX rejected_child ON rejected (gen, child_oid);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, endpoint TEXT NOT NULL,
    mode TEXT NOT NULL, status TEXT NOT NULL, gen INTEGER NOT NULL, phase TEXT,
    next_url TEXT, hub_mark TEXT, cutoff TEXT, max_models INTEGER,
    models_seen INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 0);
"""

MODEL_COLUMNS = [
    "id", "created_at", "last_modified", "author", "downloads", "likes",
    "pipeline_tag", "library_name", "missing",
]
EDGE_COLUMNS = ["child", "parent", "relation", "source"]


def resolve_db_path(db: str | os.PathLike | None = None) -> pathlib.Path:
    """The snapshot path: ``db``, else ``$HF_LINEAGE_DB``, else ``~/.cache/hf-lineage/hub.db``.

    Example:
        >>> resolve_db_path("/tmp/x.db")
        PosixPath('/tmp/x.db')
    """
    chosen = db if db is not None else os.environ.get("HF_LINEAGE_DB") or DEFAULT_DB
    return pathlib.Path(chosen).expanduser()


def utc_now() -> str:
    """The current UTC time as the store writes it (ISO 8601, milliseconds, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class CrawlRun:
    """One crawl as recorded in the ``runs`` table (an unfinished one holds the cursor)."""

    id: int
    started: str
    finished: str | None
    endpoint: str
    mode: str
    status: str
    gen: int
    phase: str | None
    next_url: str | None
    hub_mark: str | None
    cutoff: str | None
    max_models: int | None
    models_seen: int
    pages: int


_RUN_FIELDS = list(CrawlRun.__dataclass_fields__)


class Store:
    """A snapshot file; use as a context manager.

    ``readonly=True`` opens an existing file for reading only (missing file: an error).

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
        >>> with Store(path) as st:
        ...     list(st.edges_frame().columns)
        ['child', 'parent', 'relation', 'source']
    """

    def __init__(self, path: str | os.PathLike | None = None, readonly: bool = False):
        self.path = resolve_db_path(path)
        self.readonly = readonly
        self._cache: tuple[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] | None = None
        self._con = self._open()

    # -- opening and checking -------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        path = self.path
        if self.readonly and not path.exists():
            raise StoreMissingError(
                f"no snapshot at {path}; run `hf-lineage crawl` first or pass --db"
            )
        if not self.readonly:
            self._check_writable(path)
        try:
            if self.readonly:
                con = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
                )
            else:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreReadOnlyError(
                        f"cannot create folder {path.parent} ({exc.strerror}); pass another --db"
                    ) from None
                con = sqlite3.connect(path, isolation_level=None)
            con.execute("PRAGMA busy_timeout = 10000")
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            version = con.execute("PRAGMA user_version").fetchone()[0]
            n_tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreCorruptError(
                f"{path} is not a readable hf-lineage snapshot ({exc}); move it away or pass "
                "another --db"
            ) from None
        if app_id == 0 and n_tables == 0 and version == 0:
            if self.readonly:
                con.close()
                raise StoreMissingError(f"{path} is an empty file; run `hf-lineage crawl` first")
            self._init_schema(con)
            return con
        if app_id != APPLICATION_ID:
            con.close()
            raise ForeignStoreError(
                f"{path} is an SQLite file of another program (application id {app_id:#x}); "
                "pass a different --db"
            )
        if version > SCHEMA_VERSION:
            con.close()
            raise ForeignStoreError(
                f"{path} has snapshot schema {version}, newer than this hf-lineage's "
                f"{SCHEMA_VERSION}; upgrade hf-lineage or pass another --db"
            )
        if not self.readonly:
            self._pragma(con)
        return con

    @staticmethod
    def _check_writable(path: pathlib.Path) -> None:
        folder = path.parent if path.parent.exists() else None
        if path.exists() and (path.stat().st_mode & 0o222 == 0 or not os.access(path, os.W_OK)):
            raise StoreReadOnlyError(
                f"{path} is read-only; make it writable or pass another --db"
            )
        if folder is not None and not os.access(folder, os.W_OK):
            raise StoreReadOnlyError(
                f"folder {folder} is not writable (SQLite needs its journal there); "
                "pass another --db"
            )

    @staticmethod
    def _pragma(con: sqlite3.Connection) -> None:
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            con.execute("PRAGMA cache_size = -65536")  # 64 MiB: the indexes of a big crawl
            con.execute("PRAGMA wal_autocheckpoint = 16384")  # fewer, larger checkpoints
        except sqlite3.OperationalError as exc:
            raise StoreReadOnlyError(
                f"cannot write the snapshot ({exc}); pass another --db"
            ) from None

    def _init_schema(self, con: sqlite3.Connection) -> None:
        self._pragma(con)
        con.executescript(
            f"BEGIN; PRAGMA application_id = {APPLICATION_ID};"
            f" PRAGMA user_version = {SCHEMA_VERSION}; {_SCHEMA} COMMIT;"
        )

    @contextlib.contextmanager
    def crawl_lock(self) -> Iterator[None]:
        """Hold the file's crawl lock (an advisory ``flock``): one crawl per snapshot at a time."""
        with open(self.path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise CrawlStateError(
                    f"another crawl is writing {self.path}; wait for it or pass another --db"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the file (a finished writer folds the WAL back into it)."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- generations and runs ---------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def live_gen(self) -> int | None:
        """The generation readers see (``None`` before the first complete crawl)."""
        value = self._meta("live_gen")
        return int(value) if value is not None else None

    def _runs(self, where: str, args: tuple = ()) -> list[CrawlRun]:
        rows = self._con.execute(
            f"SELECT {', '.join(_RUN_FIELDS)} FROM runs {where}", args
        ).fetchall()
        return [CrawlRun(*row) for row in rows]

    def runs(self) -> list[CrawlRun]:
        """Every crawl run, oldest first."""
        return self._runs("ORDER BY id")

    def pending_run(self) -> CrawlRun | None:
        """The unfinished crawl to resume, if any."""
        runs = self._runs("WHERE status = 'running' ORDER BY id DESC LIMIT 1")
        return runs[0] if runs else None

    def last_complete_run(self) -> CrawlRun | None:
        """The last crawl that finished."""
        runs = self._runs("WHERE status = 'done' ORDER BY id DESC LIMIT 1")
        return runs[0] if runs else None

    def start_run(
        self,
        *,
        mode: str,
        endpoint: str,
        phase: str,
        next_url: str,
        hub_mark: str | None,
        cutoff: str | None = None,
        max_models: int | None = None,
    ) -> CrawlRun:
        """Record a new crawl (``mode`` "full" builds a new generation) and its first cursor.

        Any other unfinished run is marked abandoned, and rows of an abandoned generation
        are dropped, in the same transaction.
        """
        with self._write() as con:
            live = self.live_gen()
            gen = (live or 0) + 1 if mode == "full" else live
            if gen is None:
                raise ValueError("an incremental crawl needs a complete snapshot")
            con.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'")
            if mode == "full":
                for table in ("models", "edges", "rejected"):
                    con.execute(f"DELETE FROM {table} WHERE gen = ?", (gen,))
            cur = con.execute(
                "INSERT INTO runs (started, endpoint, mode, status, gen, phase, next_url,"
                " hub_mark, cutoff, max_models) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                (utc_now(), endpoint, mode, gen, phase, next_url, hub_mark, cutoff, max_models),
            )
            run_id = cur.lastrowid
        return self._runs("WHERE id = ?", (run_id,))[0]

    def known_ids(self, oids: Iterable[str]) -> set[str]:
        """Which of these Hub ``_id`` values the live generation already holds."""
        live = self.live_gen()
        return set() if live is None else self._present(live, list(oids))

    def _present(self, gen: int, oids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(oids), 900):  # SQLite's bound-parameter limit
            chunk = oids[i:i + 900]
            rows = self._con.execute(
                f"SELECT oid FROM models WHERE gen = ? AND oid IN ({','.join('?' * len(chunk))})",
                (gen, *chunk),
            )
            found.update(row[0] for row in rows)
        return found

    def commit_page(
        self, run: CrawlRun, page: ParsedPage, *, phase: str | None, next_url: str | None
    ) -> None:
        """Store one parsed page and the cursor after it in one transaction.

        A re-listed model replaces its row, its edges and its rejected references.
        ``run`` is updated in place (pages, models seen, cursor).
        """
        gen = run.gen
        with self._write() as con:
            relisted = [(gen, oid) for oid in self._present(gen, [row[0] for row in page.models])]
            con.executemany("DELETE FROM edges WHERE gen = ? AND child_oid = ?", relisted)
            con.executemany("DELETE FROM rejected WHERE gen = ? AND child_oid = ?", relisted)
            con.executemany(
                "INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(gen, *row) for row in page.models],
            )
            con.executemany(
                "INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?)", [(gen, *e) for e in page.edges]
            )
            con.executemany(
                "INSERT INTO rejected VALUES (?, ?, ?, ?, ?, ?)",
                [(gen, *r) for r in page.rejected],
            )
            con.execute(
                "UPDATE runs SET phase = ?, next_url = ?, pages = pages + 1,"
                " models_seen = models_seen + ? WHERE id = ?",
                (phase, next_url, len(page.models), run.id),
            )
        run.phase, run.next_url = phase, next_url
        run.pages += 1
        run.models_seen += len(page.models)

    def finish_run(self, run: CrawlRun) -> None:
        """Mark ``run`` complete; a full run's generation replaces the live one atomically."""
        with self._write() as con:
            if run.mode == "full":
                for table in ("models", "edges", "rejected"):
                    con.execute(f"DELETE FROM {table} WHERE gen != ?", (run.gen,))
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('live_gen', ?)", (str(run.gen),)
                )
            run.finished = utc_now()
            con.execute(
                "UPDATE runs SET status = 'done', finished = ?, phase = NULL, next_url = NULL"
                " WHERE id = ?",
                (run.finished, run.id),
            )
        run.status, run.phase, run.next_url = "done", None, None
        self._publish_graph()

    def _publish_graph(self) -> None:
        """Write the graph cache of the snapshot just committed, so that readers start at once
        (:mod:`lineage.graph.cache`, the store's derived read model; the one call from the
        store into the graph layer)."""
        from lineage.graph.cache import write_cache

        write_cache(self)

    def _write(self) -> sqlite3.Connection:
        if self.readonly:
            raise StoreReadOnlyError(f"{self.path} was opened read-only")
        return _WriteTx(self._con, self.path)  # type: ignore[return-value]

    # -- reading ----------------------------------------------------------------------------
    def snapshot_stamp(self) -> str:
        """A text that changes whenever what readers see changes: a new live generation, or a
        page committed into the live one (an incremental crawl), or a crawl of it finishing.

        Every page is committed together with its run's page count, so the live generation's
        runs sum up every change to its rows. Pages of a full crawl go into the next
        generation and leave the stamp alone until that crawl commits. Derived data (the graph
        cache of :mod:`lineage.graph.cache`) is keyed by it, so it is never used for a
        snapshot that has changed since.

        Example:
            >>> import tempfile, pathlib
            >>> from lineage.hub.client import ParsedPage
            >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
            ...     before = st.snapshot_stamp()
            ...     run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u",
            ...                        hub_mark=None)
            ...     st.commit_page(run, ParsedPage(), phase="full", next_url=None)
            ...     unchanged = st.snapshot_stamp() == before  # a page of the next generation
            ...     st.finish_run(run)
            ...     unchanged, st.snapshot_stamp() == before
            (True, False)
        """
        live = self.live_gen()
        runs = self._con.execute(
            "SELECT count(*), max(id), total(pages), total(models_seen), max(started),"
            " max(finished) FROM runs WHERE gen = ?",
            (-1 if live is None else live,),
        ).fetchone()
        return ":".join(str(x) for x in (live, *runs))

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: everything read inside sees the same committed snapshot."""
        if self._con.in_transaction:
            yield
            return
        self._con.execute("BEGIN")
        try:
            yield
        finally:
            self._con.execute("COMMIT")

    def _resolved(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(models, edges) of the live generation, cached until the file changes."""
        stamp = (
            self._con.execute("PRAGMA data_version").fetchone()[0], self._con.total_changes
        )
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._resolve())
        models, edges = self._cache[1]
        return models.copy(), edges.copy()

    def _resolve(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        import numpy as np
        import pandas as pd

        from lineage.hub.resolve import resolve_references

        with self.reading():
            gen = self.live_gen()
            args = (-1 if gen is None else gen,)
            listed = pd.read_sql_query(
                "SELECT oid, id, created_at, last_modified, author, downloads, likes,"
                " pipeline_tag, library_name FROM models WHERE gen = ?",
                self._con,
                params=args,
            )
            raw = pd.read_sql_query(
                "SELECT child_oid, parent_ref, relation, source FROM edges WHERE gen = ?",
                self._con,
                params=args,
            )
        for col in ("created_at", "last_modified"):
            listed[col] = pd.to_datetime(listed[col], utc=True, format="ISO8601").astype(
                "datetime64[ns, UTC]"
            )
        # oldest first, ties by id: the order of the frame and of case-insensitive matches
        listed = listed.sort_values(["created_at", "id"], kind="stable", na_position="last")
        ids = listed["id"].to_numpy(dtype=object)
        child = pd.Index(listed["oid"]).get_indexer(raw["child_oid"])
        raw["child"] = ids[child]
        # a missing parent is named as its earliest-created child first wrote it: the children
        # come oldest first, each one's references in text order
        naming = (
            raw.assign(child_pos=child)
            .sort_values(["child_pos", "parent_ref"], kind="stable").index.to_numpy()
        )
        found = resolve_references(ids, raw["parent_ref"].to_numpy(dtype=object)[naming])
        parent = np.empty(len(raw), dtype=object)
        parent[naming] = np.concatenate([ids, found.missing])[found.position]
        raw["parent"] = parent
        edges = (
            raw[EDGE_COLUMNS].sort_values(["child", "parent"], kind="stable").reset_index(drop=True)
        )
        listed = listed.drop(columns=["oid"])
        listed["missing"] = False
        ghosts = pd.DataFrame({"id": np.sort(found.missing), "missing": True})
        ghosts[["downloads", "likes"]] = 0
        for col in ("created_at", "last_modified"):
            ghosts[col] = pd.Series(pd.NaT, index=ghosts.index, dtype="datetime64[ns, UTC]")
        models = pd.concat([listed, ghosts], ignore_index=True) if len(ghosts) else listed
        models["downloads"] = models["downloads"].fillna(0).astype("int64")
        models["likes"] = models["likes"].fillna(0).astype("int64")
        models["missing"] = models["missing"].astype(bool)
        for col in ("author", "pipeline_tag", "library_name"):
            models[col] = models[col].astype(object).where(models[col].notna(), None)
        return models[MODEL_COLUMNS].reset_index(drop=True), edges

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(models_frame(), edges_frame())`` read once and not kept (half the memory of the
        two calls, for one-shot readers such as the graph cache's builder)."""
        with self.reading():
            return self._resolve()

    def models_frame(self) -> pd.DataFrame:
        """Listed models (oldest first, ties by id), then never-listed referenced parents
        flagged ``missing`` (by id); references resolve by
        :func:`lineage.hub.resolve.resolve_references`.

        Columns: id, created_at, last_modified (datetime64[ns, UTC]), author, downloads,
        likes, pipeline_tag, library_name, missing.
        """
        return self._resolved()[0]

    def edges_frame(self) -> pd.DataFrame:
        """Lineage edges ``child, parent, relation, source``, parents resolved to listed ids.

        Self-loops are not here (see :meth:`info`); cycles are.
        """
        return self._resolved()[1]

    def snapshot_time(self) -> pd.Timestamp | None:
        """When the last complete crawl finished (UTC), ``None`` before the first one."""
        import pandas as pd

        run = self.last_complete_run()
        return pd.Timestamp(run.finished) if run and run.finished else None

    def info(self) -> dict[str, Any]:
        """Counts and crawl state, for ``hf-lineage info``.

        Keys: path, schema_version, models, missing_parents, edges, edges_by_relation,
        self_loops, invalid_refs, cycles, models_in_cycles, created_min, created_max,
        snapshot_time, endpoint, pending (dict or None), runs (list of dicts). The graph's
        counts come from the snapshot's graph cache (:func:`lineage.graph.cache.graph_summary`),
        built once per snapshot, so this reads no table whole.
        """
        from lineage.graph.cache import graph_summary

        summary = graph_summary(self)
        gen = self.live_gen()
        rejected = dict(
            self._con.execute(
                "SELECT reason, count(*) FROM rejected WHERE gen = ? GROUP BY reason",
                (-1 if gen is None else gen,),
            ).fetchall()
        )
        last = self.last_complete_run()
        pending = self.pending_run()
        return {
            "path": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "models": summary["models"],
            "missing_parents": summary["missing_parents"],
            "edges": summary["edges"],
            "edges_by_relation": summary["edges_by_relation"],
            "self_loops": int(rejected.get("self-loop", 0)),
            "invalid_refs": int(rejected.get("invalid", 0)),
            "cycles": summary["cycles"],
            "models_in_cycles": summary["models_in_cycles"],
            "created_min": _utc_time(summary["created_min"]),
            "created_max": _utc_time(summary["created_max"]),
            "snapshot_time": _utc_time(last.finished if last else None),
            "endpoint": last.endpoint if last else None,
            "pending": vars(pending) if pending else None,
            "runs": [vars(run) for run in self.runs()],
        }


def _utc_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (``None`` stays ``None``)."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


class _WriteTx:
    """``with`` block = one transaction; SQLite write failures become one-line store errors."""

    def __init__(self, con: sqlite3.Connection, path: pathlib.Path):
        self.con, self.path = con, path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _write_error(exc, self.path) from None
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.con.commit()
                return
            except sqlite3.DatabaseError as err:
                self.con.rollback()
                raise _write_error(err, self.path) from None
        self.con.rollback()
        if isinstance(exc, sqlite3.DatabaseError):
            raise _write_error(exc, self.path) from None


def _write_error(exc: Exception, path: pathlib.Path) -> Exception:
    if "readonly" in str(exc):
        return StoreReadOnlyError(f"{path} is read-only ({exc}); pass another --db")
    return StoreCorruptError(f"cannot write {path} ({exc}); check the disk and rerun")
