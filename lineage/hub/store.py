"""The snapshot store: one SQLite file (stdlib ``sqlite3``, WAL) with models, edges and crawl state.

Layout (schema version :data:`SCHEMA_VERSION`, ``PRAGMA application_id`` :data:`APPLICATION_ID`,
both checked on open: a newer, foreign or corrupt file is an error, never rewritten):

- ``models``: one row per listed model and *generation*; keyed by the Hub's ``_id`` so a
  renamed model replaces its old row, and one id is one model: a model re-uploaded under the
  same id (a new ``_id``) replaces the old one.
- ``edges``: (child ``_id``, parent reference as written, its lower-case form, relation,
  source), from the Hub's ``base_model:`` tags. Parents are resolved case-insensitively to
  listed ids at read time, because a newest-first listing meets children before their parents.
- ``card_refs``: the card's ``base_model`` references of models without such tags (only with
  ``crawl --card-refs``); they resolve to listed models only, and count only when asked.
- ``rejected``: references that are not edges (self-loops, strings that are no Hub id).
- ``skipped`` / ``repaired``: listing items not stored (no usable id, private, repeated) and
  fields stored as NULL or coerced, so ``info`` can report what the wire sent.
- ``aliases``: old id -> new id of renamed models (same ``_id``), as the Hub redirects them;
  ``lookups``: parent references a crawl asked ``GET /api/models/{id}`` about, and the answer.
- ``runs``: one row per crawl (started, finished, endpoint, mode, models seen, status: running,
  interrupted, done or abandoned, and a note on why it stopped) holding the resume cursor
  (phase + next-page URL) of an unfinished crawl.
- ``meta``: the live generation. The live generation and its runs make
  :meth:`Store.snapshot_stamp`, the key of the graph cache the crawl leaves beside the file
  at commit (:mod:`lineage.graph.cache`).

A full crawl writes a new generation; the live one stays readable until the new one is
complete, then one transaction swaps them. A first look (``crawl --max-models N`` on an empty
file) publishes its generation as a *partial* snapshot (:meth:`Store.completeness`) and stays
resumable: the next plain crawl continues the listing to the end. Each page is committed in
one transaction together with the cursor, so an interrupted crawl resumes from its last
committed page.

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
import time
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

SCHEMA_VERSION = 2
APPLICATION_ID = 0x48464C47  # "HFLG"
DEFAULT_DB = pathlib.Path("~/.cache/hf-lineage/hub.db")

# The tables of schema 1 ...
_SCHEMA_V1 = """
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
# ... and what schema 2 adds (a new file runs both; _migrate_1_to_2 runs the second).
_SCHEMA_V2 = """
ALTER TABLE runs ADD COLUMN card_refs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN note TEXT;
CREATE INDEX models_lower ON models (gen, id_lower);
CREATE TABLE card_refs (
    gen INTEGER NOT NULL, child_oid TEXT NOT NULL, parent_ref TEXT NOT NULL,
    parent_lower TEXT NOT NULL, relation TEXT NOT NULL);
CREATE INDEX card_refs_child ON card_refs (gen, child_oid);
CREATE TABLE skipped (
    gen INTEGER NOT NULL, item_key TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
    UNIQUE (gen, item_key, reason, detail));
CREATE TABLE repaired (
    gen INTEGER NOT NULL, oid TEXT NOT NULL, field TEXT NOT NULL, what TEXT NOT NULL,
    PRIMARY KEY (gen, oid, field)) WITHOUT ROWID;
CREATE TABLE aliases (
    old_lower TEXT PRIMARY KEY, old_id TEXT NOT NULL, new_id TEXT NOT NULL, oid TEXT,
    seen TEXT NOT NULL);
CREATE TABLE lookups (
    ref_lower TEXT PRIMARY KEY, ref TEXT NOT NULL, status TEXT NOT NULL, oid TEXT, id TEXT,
    checked TEXT);
"""

MODEL_COLUMNS = [
    "id",
    "created_at",
    "last_modified",
    "author",
    "downloads",
    "likes",
    "pipeline_tag",
    "library_name",
    "missing",
]
EDGE_COLUMNS = ["child", "parent", "relation", "source"]


def resolve_db_path(db: str | os.PathLike | None = None) -> pathlib.Path:
    """The snapshot path: ``db``, else ``$HF_LINEAGE_DB``, else ``~/.cache/hf-lineage/hub.db``.

    Parameters
    ----------
    db : path, optional
        The path given, if any.

    Returns
    -------
    pathlib.Path
        With ``~`` expanded.

    Examples
    --------
    >>> resolve_db_path("/tmp/x.db")
    PosixPath('/tmp/x.db')
    """
    chosen = db if db is not None else os.environ.get("HF_LINEAGE_DB") or DEFAULT_DB
    return pathlib.Path(chosen).expanduser()


def utc_now() -> str:
    """The current UTC time as the store writes it (ISO 8601, milliseconds, ``Z``).

    Returns
    -------
    str

    Examples
    --------
    >>> stamp = utc_now()
    >>> len(stamp), stamp[10], stamp[-5], stamp[-1]
    (24, 'T', '.', 'Z')
    """
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class CrawlRun:
    """One crawl as recorded in the ``runs`` table (an unfinished one holds the cursor).

    Parameters
    ----------
    id, started, finished, endpoint, mode, status, gen
        The run, its times (ISO 8601), the Hub crawled, ``full`` or ``incremental``, its
        status (``running``, ``interrupted``, ``done``, ``abandoned``) and the generation it
        writes.
    phase, next_url, hub_mark, cutoff
        Where an unfinished crawl resumes: its phase, the next listing URL, the Hub's
        newest model when it started, and the previous run's mark (incremental crawls).
    max_models, models_seen, pages
        The cap asked for and the progress so far.
    card_refs : int
        1 when the crawl keeps card references.
    note : str, optional
        Why it stopped, when it did.

    Examples
    --------
    See :meth:`Store.start_run`.
    """

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
    card_refs: int = 0
    note: str | None = None


_RUN_FIELDS = list(CrawlRun.__dataclass_fields__)
#: Tables with rows per generation, and those rows' model key.
_GEN_TABLES = ("models", "edges", "card_refs", "rejected", "skipped", "repaired")
_CHILD_TABLES = (
    ("edges", "child_oid"),
    ("card_refs", "child_oid"),
    ("rejected", "child_oid"),
    ("repaired", "oid"),
    ("skipped", "item_key"),
)
#: Run statuses a later ``crawl`` resumes.
RESUMABLE = ("running", "interrupted")


@dataclass
class Completeness:
    """Whether the snapshot readers see is whole (:meth:`Store.completeness`).

    Parameters
    ----------
    complete : bool
        ``state == "complete"``.
    state : str
        "complete", "partial" (a first look, ``crawl --max-models``, not yet continued),
        "updating" (an incremental crawl stopped part way) or "empty".
    message : str
        One line saying what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
    ...     st.completeness().state
    'empty'
    """

    complete: bool
    state: str
    message: str


@contextlib.contextmanager
def crawl_lock(path: str | os.PathLike | None) -> Iterator[None]:
    """Hold the snapshot's crawl lock (an advisory ``flock`` on the file, created if needed).

    Taken before the file is opened as a store, so two crawls starting together on a new file
    never race to create its tables: the second gets a one-line :class:`CrawlStateError`.

    Parameters
    ----------
    path : path, optional
        The snapshot (resolved as :func:`resolve_db_path` does).

    Returns
    -------
    context manager

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
    >>> with crawl_lock(db):
    ...     try:
    ...         with crawl_lock(db):
    ...             pass
    ...     except CrawlStateError as exc:
    ...         print(str(exc).split(";")[0].endswith("hub.db"))
    True
    """
    path = resolve_db_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")  # noqa: SIM115 (held for the block)
    except OSError as exc:
        raise StoreReadOnlyError(
            f"cannot create {path} ({exc.strerror}); pass another --db"
        ) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise CrawlStateError(
                f"another crawl is writing {path}; wait for it or pass another --db"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _crawl_active(path: pathlib.Path) -> bool:
    """Whether a crawl holds the file's lock right now (works in a read-only folder)."""
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        pass
    return False


class Store:
    """A snapshot file; use as a context manager.

    Parameters
    ----------
    path : path, optional
        The snapshot (default: ``$HF_LINEAGE_DB``, else ``~/.cache/hf-lineage/hub.db``);
        created with its schema when missing, unless ``readonly``.
    readonly : bool
        Open an existing file for reading only (missing file: an error); this also works
        in a read-only folder, where SQLite cannot create the WAL's ``-shm`` file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
    >>> with Store(path) as st:
    ...     list(st.edges_frame().columns)
    ['child', 'parent', 'relation', 'source']
    """

    def __init__(self, path: str | os.PathLike | None = None, *, readonly: bool = False):
        self.path = resolve_db_path(path)
        self.readonly = readonly
        self._cache: tuple[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]] | None = None
        self._con = self._open()

    # -- opening and checking -------------------------------------------------------------
    def _connect_readonly(self, path: pathlib.Path) -> sqlite3.Connection:
        uri = path.resolve().as_uri()
        con = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            if "unable to open" not in str(exc):
                raise
            # A WAL file in a read-only folder: no -shm can be made; read the file as it is.
            con.close()
            con = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        return con

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
                con = self._connect_readonly(path)
            else:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreReadOnlyError(
                        f"cannot create folder {path.parent} ({exc.strerror}); pass another --db"
                    ) from exc
                con = sqlite3.connect(path, isolation_level=None)
            con.execute("PRAGMA busy_timeout = 10000")
            app_id, version, n_tables = self._stamp(con)
            if app_id == 0 and n_tables == 0 and version == 0 and not self.readonly:
                self._init_schema(con)
                app_id, version, n_tables = self._stamp(con)
        except sqlite3.DatabaseError as exc:
            raise StoreCorruptError(
                f"{path} is not a readable hf-lineage snapshot ({exc}); move it away or pass "
                "another --db"
            ) from exc
        if app_id == 0 and n_tables == 0 and version == 0:
            con.close()
            raise StoreMissingError(f"{path} is an empty file; run `hf-lineage crawl` first")
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
        if version < SCHEMA_VERSION:
            con = self._upgrade(con, version)
        if not self.readonly:
            self._pragma(con)
        return con

    @staticmethod
    def _stamp(con: sqlite3.Connection) -> tuple[int, int, int]:
        """(application id, schema version, tables), read in one statement: one snapshot of a
        file another process may be creating right now."""
        return con.execute(
            "SELECT (SELECT application_id FROM pragma_application_id),"
            " (SELECT user_version FROM pragma_user_version),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()

    def _upgrade(self, con: sqlite3.Connection, version: int) -> sqlite3.Connection:
        """Migrate an older snapshot in place (one transaction), or refuse read-only ones."""
        if self.readonly:
            con.close()
            if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
                raise StoreReadOnlyError(
                    f"{self.path} has snapshot schema {version}; this hf-lineage reads "
                    f"{SCHEMA_VERSION} and upgrades it once in place, which needs write access: "
                    "make it writable (or copy it somewhere writable) and rerun"
                )
            Store(self.path).close()  # upgrades
            return self._connect_readonly(self.path)
        try:
            with _WriteTx(con, self.path):
                if con.execute("PRAGMA user_version").fetchone()[0] == 1:
                    _migrate_1_to_2(con)
        except StoreCorruptError:
            con.close()
            raise
        return con

    @staticmethod
    def _check_writable(path: pathlib.Path) -> None:
        folder = path.parent if path.parent.exists() else None
        if path.exists() and (path.stat().st_mode & 0o222 == 0 or not os.access(path, os.W_OK)):
            raise StoreReadOnlyError(f"{path} is read-only; make it writable or pass another --db")
        if folder is not None and not os.access(folder, os.W_OK):
            raise StoreReadOnlyError(
                f"folder {folder} is not writable (SQLite needs its journal there); "
                "pass another --db"
            )

    @staticmethod
    def _pragma(con: sqlite3.Connection) -> None:
        try:
            for attempt in range(100):  # another process may be creating the file right now
                try:
                    con.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == 99:
                        raise
                    time.sleep(0.05)
            con.execute("PRAGMA synchronous = NORMAL")
            con.execute("PRAGMA cache_size = -65536")  # 64 MiB: the indexes of a big crawl
            con.execute("PRAGMA wal_autocheckpoint = 16384")  # fewer, larger checkpoints
        except sqlite3.OperationalError as exc:
            raise StoreReadOnlyError(
                f"cannot write the snapshot ({exc}); pass another --db"
            ) from exc

    def _init_schema(self, con: sqlite3.Connection) -> None:
        """Create the tables of a new file, unless another process just did (checked under
        the write lock, so two openers of a new file never both create them)."""
        self._pragma(con)
        with _WriteTx(con, self.path):
            if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                return
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in (_SCHEMA_V1 + _SCHEMA_V2).split(";"):
                if statement.strip():
                    con.execute(statement)

    def crawl_lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the file's crawl lock (see the module function :func:`crawl_lock`).

        Returns
        -------
        contextlib.AbstractContextManager
            Holds the lock while entered.

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> with st.crawl_lock():
        ...     st.crawl_active()
        True
        >>> st.close()
        """
        return crawl_lock(self.path)

    def close(self) -> None:
        """Close the file (a finished writer folds the WAL back into it).

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> st.close()
        """
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
        """The generation readers see (``None`` before the first complete crawl).

        Returns
        -------
        int or None

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.live_gen()
        1
        >>> st.close()
        """
        value = self._meta("live_gen")
        return int(value) if value is not None else None

    def _runs(self, where: str, args: tuple = ()) -> list[CrawlRun]:
        rows = self._con.execute(
            f"SELECT {', '.join(_RUN_FIELDS)} FROM runs {where}", args
        ).fetchall()
        return [CrawlRun(*row) for row in rows]

    def runs(self) -> list[CrawlRun]:
        """Every crawl run, oldest first.

        Returns
        -------
        list of CrawlRun

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> [(r.mode, r.status, r.models_seen) for r in st.runs()]
        [('full', 'done', 1)]
        >>> st.close()
        """
        return self._runs("ORDER BY id")

    def pending_run(self) -> CrawlRun | None:
        """The unfinished crawl to resume (running, or interrupted), if any.

        Returns
        -------
        CrawlRun or None

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> st.stop_run(run, "Ctrl-C")
        >>> st.pending_run().status
        'interrupted'
        >>> st.close()
        """
        runs = self._runs("WHERE status IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1")
        return runs[0] if runs else None

    def last_complete_run(self) -> CrawlRun | None:
        """The last crawl that finished.

        Returns
        -------
        CrawlRun or None

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.last_complete_run().id == run.id
        True
        >>> st.close()
        """
        runs = self._runs("WHERE status = 'done' ORDER BY id DESC LIMIT 1")
        return runs[0] if runs else None

    def crawl_active(self) -> bool:
        """Whether a crawl process is writing this file right now.

        Returns
        -------
        bool

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> st.crawl_active()
        False
        >>> st.close()
        """
        return _crawl_active(self.path)

    def card_refs_crawled(self) -> bool:
        """Whether the live snapshot was crawled with card references (``--card-refs``).

        Returns
        -------
        bool

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.card_refs_crawled()
        False
        >>> st.close()
        """
        return self._meta("card_refs") == "1"

    def completeness(self) -> Completeness:
        """Whether the snapshot readers see is whole, and if not, why and what to do.

        Returns
        -------
        Completeness

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
        ...     st.completeness().state
        'empty'
        """
        pending = self.pending_run()
        if self.live_gen() is None:
            return Completeness(False, "empty", "no crawl has finished yet; run `hf-lineage crawl`")
        if self._meta("live_complete") == "0":
            seen = self._con.execute(
                "SELECT count(*) FROM models WHERE gen = ?", (self.live_gen(),)
            ).fetchone()[0]
            return Completeness(
                False,
                "partial",
                (
                    f"partial snapshot: a first look at {seen:,} models (crawl --max-models); run "
                    "`hf-lineage crawl` to continue the listing to the end"
                ),
            )
        if pending is not None and pending.mode == "incremental":
            return Completeness(
                False,
                "updating",
                (
                    "an update of this snapshot stopped part way "
                    f"({pending.note or 'unfinished'}); run `hf-lineage crawl` to finish it"
                ),
            )
        return Completeness(True, "complete", "complete")

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
        card_refs: bool = False,
    ) -> CrawlRun:
        """Record a new crawl (``mode`` "full" builds a new generation) and its first cursor.

        Any other unfinished run is marked abandoned, and rows of an abandoned generation
        are dropped, in the same transaction.

        Parameters
        ----------
        mode : {"full", "incremental"}
            A full run writes a new generation; an incremental one the live generation.
        endpoint : str
            The Hub crawled.
        phase, next_url : str
            The first cursor: listing phase and URL.
        hub_mark : str, optional
            The Hub's newest ``lastModified`` as the run starts.
        cutoff : str, optional
            The previous run's mark (incremental runs).
        max_models : int, optional
            The cap of the call that starts it.
        card_refs : bool
            Whether card references are requested.

        Returns
        -------
        CrawlRun
            The run as recorded (status ``running``).

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> run.mode, run.status, run.gen, run.next_url
        ('full', 'running', 1, 'u')
        >>> st.close()
        """
        with self._write() as con:
            live = self.live_gen()
            gen = (live or 0) + 1 if mode == "full" else live
            if gen is None:
                raise ValueError("an incremental crawl needs a complete snapshot")
            con.execute(
                "UPDATE runs SET status = 'abandoned' WHERE status IN ('running', 'interrupted')"
            )
            if mode == "full":
                for table in _GEN_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE gen = ?", (gen,))
            cur = con.execute(
                "INSERT INTO runs (started, endpoint, mode, status, gen, phase, next_url,"
                " hub_mark, cutoff, max_models, card_refs)"
                " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_now(),
                    endpoint,
                    mode,
                    gen,
                    phase,
                    next_url,
                    hub_mark,
                    cutoff,
                    max_models,
                    int(card_refs),
                ),
            )
            run_id = cur.lastrowid
        return self._runs("WHERE id = ?", (run_id,))[0]

    def mark_running(self, run: CrawlRun) -> None:
        """Record that ``run`` (resumed) is being crawled again.

        Parameters
        ----------
        run : CrawlRun
            The resumed run (updated in place).

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> st.stop_run(run, "Ctrl-C")
        >>> st.mark_running(run)
        >>> run.status, st.pending_run().status
        ('running', 'running')
        >>> st.close()
        """
        with self._write() as con:
            con.execute("UPDATE runs SET status = 'running', note = NULL WHERE id = ?", (run.id,))
        run.status, run.note = "running", None

    def stop_run(self, run: CrawlRun, note: str) -> None:
        """Record that ``run`` stopped before its end (resumable): Ctrl-C, an error, a cap.

        Parameters
        ----------
        run : CrawlRun
            The run (updated in place).
        note : str
            Why it stopped.

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> st.stop_run(run, "interrupted (Ctrl-C)")
        >>> st.pending_run().note
        'interrupted (Ctrl-C)'
        >>> st.close()
        """
        with self._write() as con:
            con.execute(
                "UPDATE runs SET status = 'interrupted', note = ? WHERE id = ?", (note, run.id)
            )
        run.status, run.note = "interrupted", note

    def publish_partial(self, run: CrawlRun) -> None:
        """Make a first look's generation the one readers see, flagged partial.

        Parameters
        ----------
        run : CrawlRun
            The (full, unfinished) run whose generation is published.

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url="u2")
        >>> st.publish_partial(run)
        >>> st.completeness().state, len(st.models_frame())
        ('partial', 1)
        >>> st.close()
        """
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('live_gen', ?)", (str(run.gen),))
            con.execute("INSERT OR REPLACE INTO meta VALUES ('live_complete', '0')")
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('card_refs', ?)",
                (str(int(bool(run.card_refs))),),
            )

    def known_ids(self, oids: Iterable[str]) -> set[str]:
        """Which of these Hub ``_id`` values the live generation already holds.

        Parameters
        ----------
        oids : iterable of str
            Hub ``_id`` values.

        Returns
        -------
        set of str

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.known_ids(["1", "2"])
        {'1'}
        >>> st.close()
        """
        live = self.live_gen()
        return set() if live is None else set(self._by_oid(live, list(oids)))

    def _chunks(self, sql: str, gen: int, keys: list[str]) -> Iterator[tuple]:
        for i in range(0, len(keys), 900):  # SQLite's bound-parameter limit
            chunk = keys[i : i + 900]
            yield from self._con.execute(
                sql.format(marks=",".join("?" * len(chunk))), (gen, *chunk)
            )

    def _by_oid(self, gen: int, oids: list[str]) -> dict[str, str]:
        """_id -> id of these ``oids`` in ``gen``."""
        sql = "SELECT oid, id FROM models WHERE gen = ? AND oid IN ({marks})"
        return dict(self._chunks(sql, gen, oids))

    def _by_lower(self, gen: int, lowers: list[str]) -> list[tuple[str, str]]:
        """(id_lower, _id) of the models of ``gen`` with these lower-case ids."""
        sql = "SELECT id_lower, oid FROM models WHERE gen = ? AND id_lower IN ({marks})"
        return list(self._chunks(sql, gen, lowers))

    def commit_page(
        self, run: CrawlRun, page: ParsedPage, *, phase: str | None, next_url: str | None
    ) -> None:
        """Store one parsed page and the cursor after it in one transaction.

        A re-listed model replaces its row, its edges and its rejected references; a known
        ``_id`` under a new id is a rename (children follow, the old id becomes an alias);
        another ``_id`` under a listed id (a re-upload) replaces that model, so one id is
        always one model. In an incremental run, parent references new to the snapshot that
        name no model are queued for a lookup.
        ``run`` is updated in place (pages, models seen, cursor).

        Parameters
        ----------
        run : CrawlRun
            The run the page belongs to (updated in place).
        page : lineage.hub.client.ParsedPage
            The parsed listing page.
        phase, next_url : str or None
            The cursor after this page (``next_url`` None: the phase is over).

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> run.pages, run.models_seen
        (1, 1)
        >>> st.close()
        """
        with self._write() as con:
            self._store_rows(con, run.gen, page, incremental=run.mode == "incremental")
            con.execute(
                "UPDATE runs SET phase = ?, next_url = ?, pages = pages + 1,"
                " models_seen = models_seen + ? WHERE id = ?",
                (phase, next_url, len(page.models), run.id),
            )
        run.phase, run.next_url = phase, next_url
        run.pages += 1
        run.models_seen += len(page.models)

    def _store_rows(
        self, con: sqlite3.Connection, gen: int, page: ParsedPage, *, incremental: bool
    ) -> None:
        incoming = {row[0]: row for row in page.models}
        seen_before: set[str] = set()
        if incremental and page.edges:  # references the snapshot held before this page
            seen_before = {
                row[0]
                for row in self._chunks(
                    "SELECT DISTINCT parent_lower FROM edges WHERE gen = ? AND parent_lower IN"
                    " ({marks})",
                    gen,
                    list({e[2] for e in page.edges}),
                )
            }
        relisted = self._by_oid(gen, list(incoming))
        for oid, old_id in relisted.items():
            if old_id.lower() != incoming[oid][2]:
                self._rename(con, gen, oid, old_id, incoming[oid][1])
        stale = [
            oid
            for low, oid in self._by_lower(gen, [row[2] for row in page.models])
            if oid not in incoming
        ]
        gone = [(gen, oid) for oid in [*relisted, *stale]]
        for table, key in _CHILD_TABLES:
            con.executemany(f"DELETE FROM {table} WHERE gen = ? AND {key} = ?", gone)
        con.executemany("DELETE FROM models WHERE gen = ? AND oid = ?", [(gen, o) for o in stale])
        aliases = self._alias_map() if incremental else {}
        edges = page.edges
        if aliases:  # a reference to a renamed model's old id names the new one
            edges = [self._aliased(gen, e, aliases) for e in edges]
        con.executemany(
            "INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(gen, *row) for row in page.models],
        )
        con.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?)", [(gen, *e) for e in edges])
        con.executemany(
            "INSERT INTO card_refs VALUES (?, ?, ?, ?, ?)", [(gen, *r) for r in page.card_refs]
        )
        con.executemany(
            "INSERT INTO rejected VALUES (?, ?, ?, ?, ?, ?)", [(gen, *r) for r in page.rejected]
        )
        con.executemany(
            "INSERT OR IGNORE INTO skipped VALUES (?, ?, ?, ?)", [(gen, *r) for r in page.skipped]
        )
        con.executemany(
            "INSERT OR REPLACE INTO repaired VALUES (?, ?, ?, ?)",
            [(gen, *r) for r in page.repaired],
        )
        if incremental and edges:  # new names met: renamed or new models, or never existed
            refs = {e[2]: e[1] for e in edges if e[2] not in seen_before}
            known = {low for low, _ in self._by_lower(gen, list(refs))}
            con.executemany(
                "INSERT OR IGNORE INTO lookups (ref_lower, ref, status) VALUES (?, ?, 'todo')",
                [(low, ref) for low, ref in refs.items() if low not in known],
            )

    def _alias_map(self) -> dict[str, str]:
        return dict(self._con.execute("SELECT old_lower, new_id FROM aliases"))

    def _aliased(self, gen: int, edge: tuple, aliases: dict[str, str]) -> tuple:
        new = aliases.get(edge[2])
        if new is None or self._by_lower(gen, [edge[2]]):
            return edge
        return (edge[0], new, new.lower(), *edge[3:])

    def _rename(
        self, con: sqlite3.Connection, gen: int, oid: str, old_id: str, new_id: str
    ) -> None:
        """``old_id`` is now ``new_id`` (same ``_id``): as the Hub does, children's references
        follow, and the old id becomes an alias."""
        old_low, new_low = old_id.lower(), new_id.lower()
        con.execute(
            "UPDATE models SET id = ?, id_lower = ? WHERE gen = ? AND oid = ?",
            (new_id, new_low, gen, oid),
        )
        for table in ("edges", "card_refs"):
            con.execute(
                f"UPDATE {table} SET parent_ref = ?, parent_lower = ? WHERE gen = ? AND"
                " parent_lower = ?",
                (new_id, new_low, gen, old_low),
            )
        con.execute("DELETE FROM aliases WHERE old_lower = ?", (new_low,))
        con.execute("UPDATE aliases SET new_id = ? WHERE lower(new_id) = ?", (new_id, old_low))
        con.execute(
            "INSERT OR REPLACE INTO aliases VALUES (?, ?, ?, ?, ?)",
            (old_low, old_id, new_id, oid, utc_now()),
        )

    def lookups_due(self, gen: int) -> list[tuple[str, str]]:
        """(ref_lower, ref) of queued references that still name no model of ``gen``.

        Parameters
        ----------
        gen : int
            The generation the references must name no model of.

        Returns
        -------
        list of (str, str)

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.lookups_due(st.live_gen())
        []
        >>> st.close()
        """
        todo = self._con.execute(
            "SELECT ref_lower, ref FROM lookups WHERE status = 'todo' ORDER BY ref_lower"
        ).fetchall()
        listed = {low for low, _ in self._by_lower(gen, [low for low, _ in todo])}
        if listed:
            with self._write() as con:
                con.executemany(
                    "UPDATE lookups SET status = 'listed', checked = ? WHERE ref_lower = ?",
                    [(utc_now(), low) for low in listed],
                )
        return [(low, ref) for low, ref in todo if low not in listed]

    def apply_lookup(self, gen: int, ref_lower: str, page: ParsedPage | None) -> str:
        """Store what ``GET /api/models/{ref}`` answered (``page``: the parsed model, None if
        the Hub has none): a known ``_id`` under a new id is a rename, the reference becomes
        an alias of the id it redirects to, an unknown model is added. Returns the status
        recorded: "absent", "found" or "renamed".

        Parameters
        ----------
        gen : int
            The generation written.
        ref_lower : str
            The reference looked up, lower-case.
        page : lineage.hub.client.ParsedPage or None
            The Hub's answer, parsed.

        Returns
        -------
        str

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.apply_lookup(st.live_gen(), "x/absent", None)
        'absent'
        >>> st.close()
        """
        with self._write() as con:
            if page is None or not page.models:
                status, oid, new_id = "absent", None, None
            else:
                oid, new_id, new_low = page.models[0][:3]
                known = self._by_oid(gen, [oid]).get(oid)
                status = (
                    "renamed"
                    if (known and known.lower() != new_low) or (ref_lower != new_low)
                    else "found"
                )
                self._store_rows(con, gen, page, incremental=False)  # renames a known _id
                if ref_lower != new_low and not self._by_lower(gen, [ref_lower]):
                    old = self._con.execute(
                        "SELECT ref FROM lookups WHERE ref_lower = ?", (ref_lower,)
                    ).fetchone()
                    self._rename(con, gen, oid, old[0] if old else ref_lower, new_id)
            con.execute(
                "UPDATE lookups SET status = ?, oid = ?, id = ?, checked = ? WHERE ref_lower = ?",
                (status, oid, new_id, utc_now(), ref_lower),
            )
        return status

    def aliases(self) -> dict[str, str]:
        """Old id -> current id of every model seen renamed.

        Returns
        -------
        dict of str to str

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db") as st:
        ...     st.aliases()
        {}
        """
        return dict(self._con.execute("SELECT old_id, new_id FROM aliases ORDER BY old_lower"))

    def set_cursor(self, run: CrawlRun, *, phase: str | None, next_url: str | None) -> None:
        """Move an unfinished run to another phase/URL without storing a page.

        Parameters
        ----------
        run : CrawlRun
            The run (updated in place).
        phase, next_url : str or None
            The new cursor.

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> st.set_cursor(run, phase="lookups", next_url=None)
        >>> st.pending_run().phase
        'lookups'
        >>> st.close()
        """
        with self._write() as con:
            con.execute(
                "UPDATE runs SET phase = ?, next_url = ? WHERE id = ?", (phase, next_url, run.id)
            )
        run.phase, run.next_url = phase, next_url

    def finish_run(self, run: CrawlRun) -> None:
        """Mark ``run`` complete; a full run's generation replaces the live one atomically.

        Parameters
        ----------
        run : CrawlRun
            The run (updated in place).

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> run.status, st.completeness().state
        ('done', 'complete')
        >>> st.close()
        """
        with self._write() as con:
            if run.mode == "full":
                for table in _GEN_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE gen != ?", (run.gen,))
                con.execute("INSERT OR REPLACE INTO meta VALUES ('live_gen', ?)", (str(run.gen),))
                con.execute("INSERT OR REPLACE INTO meta VALUES ('live_complete', '1')")
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('card_refs', ?)",
                    (str(int(bool(run.card_refs))),),
                )
            run.finished = utc_now()
            con.execute(
                "UPDATE runs SET status = 'done', finished = ?, phase = NULL, next_url = NULL,"
                " note = NULL WHERE id = ?",
                (run.finished, run.id),
            )
        run.status, run.phase, run.next_url, run.note = "done", None, None, None
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

        Returns
        -------
        str

        Examples
        --------
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
        """One read transaction: everything read inside sees the same committed snapshot.

        Returns
        -------
        contextlib.AbstractContextManager
            The transaction, while entered.

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> with st.reading():
        ...     len(st.models_frame()), len(st.edges_frame())
        (1, 0)
        >>> st.close()
        """
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
        stamp = (self._con.execute("PRAGMA data_version").fetchone()[0], self._con.total_changes)
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
            .sort_values(["child_pos", "parent_ref"], kind="stable")
            .index.to_numpy()
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
        two calls, for one-shot readers such as the graph cache's builder).

        Returns
        -------
        models, edges : pandas.DataFrame

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> [len(frame) for frame in st.frames()]
        [1, 0]
        >>> st.close()
        """
        with self.reading():
            return self._resolve()

    def models_frame(self) -> pd.DataFrame:
        """Listed models (oldest first, ties by id), then never-listed referenced parents
        flagged ``missing`` (by id); references resolve by
        :func:`lineage.hub.resolve.resolve_references`.

        Columns: id, created_at, last_modified (datetime64[ns, UTC]), author, downloads,
        likes, pipeline_tag, library_name, missing.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.models_frame()[["id", "missing"]].to_dict("records")
        [{'id': 'a/b', 'missing': False}]
        >>> st.close()
        """
        return self._resolved()[0]

    def edges_frame(self) -> pd.DataFrame:
        """Lineage edges ``child, parent, relation, source``, parents resolved to listed ids.

        Self-loops are not here (see :meth:`info`); cycles are.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "2", "id": "you/tuned",
        ...                     "createdAt": "2024-02-01T00:00:00.000Z",
        ...                     "tags": ["base_model:finetune:org/base"]}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.edges_frame().iloc[0].tolist()
        ['you/tuned', 'org/base', 'finetune', 'relation_tag']
        >>> st.close()
        """
        return self._resolved()[1]

    def snapshot_time(self) -> pd.Timestamp | None:
        """When the last complete crawl finished (UTC), ``None`` before the first one.

        Returns
        -------
        pandas.Timestamp or None

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> st.snapshot_time() is not None
        True
        >>> st.close()
        """
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

        Returns
        -------
        dict

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> info = st.info()
        >>> info["models"], info["edges"], info["endpoint"]
        (1, 0, 'e')
        >>> st.close()
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

    def card_edges_frame(self) -> pd.DataFrame:
        """Card references (``crawl --card-refs``) as edges ``child, parent, relation, source``
        (source ``card``): only those naming a listed model, matched case-insensitively;
        a card never adds a missing node.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> list(st.card_edges_frame().columns)
        ['child', 'parent', 'relation', 'source']
        >>> st.close()
        """
        import pandas as pd

        gen = self.live_gen()
        return pd.read_sql_query(
            "SELECT c.id AS child, p.id AS parent, r.relation AS relation, 'card' AS source"
            " FROM card_refs r JOIN models c ON c.gen = r.gen AND c.oid = r.child_oid"
            " JOIN models p ON p.gen = r.gen AND p.id_lower = r.parent_lower"
            " WHERE r.gen = ? ORDER BY child, parent",
            self._con,
            params=(-1 if gen is None else gen,),
        )

    def crawl_report(self) -> dict[str, Any]:
        """What the crawls met on the wire, beyond :meth:`info`'s counts.

        Keys: completeness (:class:`Completeness`), crawl_active, card_refs (bool: crawled
        with ``--card-refs``), card_refs_stored, card_refs_listed (those naming a listed
        model), skipped ({reason: items}), repaired ({field: items}), renames ({old: new}),
        lookups ({status: references}), floor_dated (models carrying the Hub's floor date).

        Returns
        -------
        dict

        Examples
        --------
        >>> import tempfile
        >>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "hub.db")
        >>> run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        >>> from lineage.hub.client import parse_page
        >>> page = parse_page([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}])
        >>> st.commit_page(run, page, phase="full", next_url=None)
        >>> st.finish_run(run)
        >>> report = st.crawl_report()
        >>> report["completeness"].state, report["skipped"], report["renames"]
        ('complete', {}, {})
        >>> st.close()
        """
        from lineage.hub.client import HUB_DATE_FLOOR  # the HTTP client: lazily (0.25 s)

        gen = self.live_gen()
        args = (-1 if gen is None else gen,)

        def grouped(sql: str) -> dict[str, int]:
            return {k: int(v) for k, v in self._con.execute(sql, args).fetchall()}

        return {
            "completeness": self.completeness(),
            "crawl_active": self.crawl_active(),
            "card_refs": self.card_refs_crawled(),
            "card_refs_stored": self._con.execute(
                "SELECT count(*) FROM card_refs WHERE gen = ?", args
            ).fetchone()[0],
            "card_refs_listed": self._con.execute(
                "SELECT count(*) FROM card_refs r JOIN models p ON p.gen = r.gen AND"
                " p.id_lower = r.parent_lower WHERE r.gen = ?",
                args,
            ).fetchone()[0],
            "skipped": grouped(
                "SELECT reason, count(*) FROM skipped WHERE gen = ? GROUP BY reason"
            ),
            "repaired": grouped(
                "SELECT field, count(*) FROM repaired WHERE gen = ? GROUP BY field"
            ),
            "renames": self.aliases(),
            "lookups": dict(
                self._con.execute("SELECT status, count(*) FROM lookups GROUP BY status").fetchall()
            ),
            "floor_dated": self._con.execute(
                "SELECT count(*) FROM models WHERE gen = ? AND created_at IN (?, ?)",
                (*args, *HUB_DATE_FLOOR),
            ).fetchone()[0],
        }


def _migrate_1_to_2(con: sqlite3.Connection) -> None:
    """Schema 1 -> 2, inside the caller's transaction.

    Adds the new tables; moves card-derived edges (lineage in schema 1) to ``card_refs``;
    keeps one model per id and generation (the newest created, as a full crawl would have
    it); sets values a reader cannot read to NULL; flags a schema-1 capped crawl (which was
    recorded as complete) as a partial snapshot; records that its crawls read cards.
    """
    for statement in _SCHEMA_V2.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(
        "INSERT INTO card_refs SELECT gen, child_oid, parent_ref, parent_lower,"
        " relation FROM edges WHERE source = 'card'"
    )
    con.execute("DELETE FROM edges WHERE source = 'card'")
    stale = con.execute(
        "SELECT gen, oid FROM (SELECT gen, oid, row_number() OVER (PARTITION BY gen, id_lower"
        " ORDER BY created_at DESC, oid DESC) AS r FROM models) WHERE r > 1"
    ).fetchall()
    for table, key in (*_CHILD_TABLES[:3], ("models", "oid")):
        con.executemany(f"DELETE FROM {table} WHERE gen = ? AND {key} = ?", stale)
    for col in ("downloads", "likes"):
        con.execute(
            f"UPDATE models SET {col} = NULL WHERE {col} IS NOT NULL AND"
            f" (typeof({col}) != 'integer' OR {col} < 0)"
        )
    for col in ("created_at", "last_modified"):
        con.execute(
            f"UPDATE models SET {col} = NULL WHERE {col} IS NOT NULL AND"
            f" (typeof({col}) != 'text' OR julianday({col}) IS NULL"
            f" OR substr({col}, 1, 4) NOT BETWEEN '1970' AND '2200')"
        )
    for col in ("author", "pipeline_tag", "library_name"):
        con.execute(f"UPDATE models SET {col} = NULL WHERE typeof({col}) NOT IN ('text', 'null')")
    live = con.execute("SELECT value FROM meta WHERE key = 'live_gen'").fetchone()
    if live is not None:
        capped = con.execute(
            "SELECT max_models IS NOT NULL AND models_seen >= max_models FROM runs"
            " WHERE status = 'done' AND mode = 'full' AND gen = ? ORDER BY id DESC LIMIT 1",
            (int(live[0]),),
        ).fetchone()
        complete = "0" if capped and capped[0] else "1"
        con.execute("INSERT OR REPLACE INTO meta VALUES ('live_complete', ?)", (complete,))
        # schema-1 crawls always asked for cardData: updates keep doing so (--full to change)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('card_refs', '1')")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


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
            raise _write_error(exc, self.path) from exc
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.con.commit()
                return
            except sqlite3.DatabaseError as err:
                self.con.rollback()
                raise _write_error(err, self.path) from err
        self.con.rollback()
        if isinstance(exc, sqlite3.DatabaseError):
            raise _write_error(exc, self.path) from None


def _write_error(exc: Exception, path: pathlib.Path) -> Exception:
    if "readonly" in str(exc):
        return StoreReadOnlyError(f"{path} is read-only ({exc}); pass another --db")
    return StoreCorruptError(f"cannot write {path} ({exc}); check the disk and rerun")
