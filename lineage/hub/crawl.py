"""Crawls: full, incremental and resumed, from Hub listing pages into the snapshot store.

- First crawl, or ``full=True``: one listing of ``/api/models?sort=createdAt`` into a new
  store generation; the old snapshot stays readable until the new one commits.
- A re-run after a complete crawl is incremental: phase ``new`` lists newest-first until a
  page holds a model the store already has; phase ``modified`` lists ``sort=lastModified``
  until it passes the previous crawl's *hub mark* (the newest ``lastModified`` on the Hub when
  that crawl started), catching edited lineage on old models. A re-listed model's edges are
  replaced, so edges it no longer declares disappear. Then phase ``lookups`` asks
  ``GET /api/models/{id}`` about each parent reference of those pages that names no model of
  the snapshot: a known ``_id`` under a new id is a rename (the Hub rewrites children's tags
  without touching their ``lastModified``, so a listing alone never sees it), a new ``_id``
  is added, a 404 is remembered.
- Every page is committed with the next-page URL; an unfinished crawl is resumed from there by
  the next call, whatever stopped it (Ctrl-C and errors mark the run *interrupted*). One crawl
  at a time per file (an advisory lock, taken before the file is even created).
- ``max_models`` stops this call at the end of the page that reaches that many models; the
  crawl stays resumable. On a new
  file that is a *first look*: its models are readable at once, flagged partial, and the next
  plain call continues the listing to the end.
- Models deleted from the Hub leave the snapshot only with a full crawl.

Example:
    >>> from lineage.sim.hubserver import LocalHub
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
    >>> models = [{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}]
    >>> with LocalHub(models) as hub:
    ...     crawl(db, endpoint=hub.endpoint).models
    1
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lineage.errors import (
    CrawlStateError,
    ForeignOriginError,
    HfLineageError,
    PaginationLoopError,
)
from lineage.hub.client import (
    CARD_EXPAND,
    DEFAULT_MAX_WAIT,
    EXPAND,
    HubClient,
    ParsedPage,
    parse_page,
)
from lineage.hub.store import CrawlRun, Store, crawl_lock
from lineage.progress import Progress, ProgressCallback, report

#: Most ``GET /api/models/{id}`` lookups one call makes (each is one request of the quota).
MAX_LOOKUPS = 500


@dataclass(frozen=True)
class CrawlProgress(Progress):
    """A crawl's :class:`~lineage.progress.Progress` (stage ``"crawl"``, ``done`` = models
    listed so far), reported after each committed page and once at the end (``complete``).

    Parameters
    ----------
    stage, done, total, message
        As in :class:`~lineage.progress.Progress`.
    mode, phase
        ``full`` or ``incremental``, and the listing phase.
    pages, elapsed, rate
        Pages committed, seconds, models per second (this call).
    complete : bool
        The listing reached its end.
    ratelimit_remaining : int, optional
        Requests left in the Hub's rate-limit window.
    waiting : float, optional
        Seconds about to be waited for the rate limit.

    Examples
    --------
    >>> CrawlProgress("crawl", 2000, None, mode="full", pages=2).models
    2000
    """

    mode: str = "full"
    phase: str | None = None
    pages: int = 0
    elapsed: float = 0.0
    rate: float = 0.0
    complete: bool = False
    ratelimit_remaining: int | None = None
    waiting: float | None = None
    """Seconds the crawl is about to wait for the Hub's rate limit (then nothing else new)."""

    @property
    def models(self) -> int:
        """Models listed so far (``done``).

        Examples
        --------
        >>> CrawlProgress("crawl", 2_000, None, "").models
        2000
        """
        return self.done

    @property
    def finished(self) -> bool:
        """Whether the crawl is over.

        Examples
        --------
        >>> CrawlProgress("crawl", 2_000, None, "", complete=True).finished
        True
        """
        return self.complete


def _crawl_progress(
    run: CrawlRun,
    phase: str | None,
    models: int,
    elapsed: float,
    *,
    complete: bool = False,
    ratelimit: int | None = None,
    waiting: float | None = None,
) -> CrawlProgress:
    rate = models / elapsed if elapsed else 0.0
    quota = "" if ratelimit is None else f", {ratelimit} requests left"
    where = f" [{phase}]" if phase else ""
    message = (
        f"{run.mode} crawl{where}: {run.pages:,} pages, {run.models_seen:,} models, "
        f"{rate:,.0f} models/s, {elapsed:,.1f} s elapsed{quota}"
    )
    return CrawlProgress(
        "crawl",
        run.models_seen,
        run.max_models,
        message,
        mode=run.mode,
        phase=phase,
        pages=run.pages,
        elapsed=elapsed,
        rate=rate,
        complete=complete,
        ratelimit_remaining=ratelimit,
        waiting=waiting,
    )


@dataclass
class CrawlResult:
    """What one call of :func:`crawl` did (``pages``/``models`` of this call only).

    Parameters
    ----------
    run_id, mode, resumed
        The crawl run (``full`` or ``incremental``) and whether this call resumed it.
    pages, models, elapsed
        Pages and models committed by this call, and its wall time in seconds.
    complete : bool
        The snapshot is whole after it (False after a capped call).
    renames, lookups
        Models found renamed; references looked up one by one.

    Examples
    --------
    See :func:`crawl`.
    """

    run_id: int
    mode: str
    resumed: bool
    pages: int
    models: int
    elapsed: float
    complete: bool = True
    renames: int = 0
    lookups: int = 0


def crawl(
    db: str | os.PathLike | None = None,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    full: bool = False,
    max_models: int | None = None,
    card_refs: bool | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    max_lookups: int = MAX_LOOKUPS,
    progress: ProgressCallback | None = None,
    client: HubClient | None = None,
) -> CrawlResult:
    """Crawl (or resume crawling) the Hub's model listing into the snapshot at ``db``.

    Parameters
    ----------
    db : path, optional
        The snapshot (default: ``$HF_LINEAGE_DB``, else ``~/.cache/hf-lineage/hub.db``).
    endpoint, token : str, optional
        The Hub (default ``$HF_ENDPOINT``, else hf.co) and token (default ``$HF_TOKEN``),
        sent to the endpoint's own origin only, never stored.
    full : bool
        Re-crawl everything into a new generation (the old one stays readable until done).
    max_models : int, optional
        Stop this call after the page that reaches that many models (pages are never split,
        so a resumed crawl re-reads nothing); the crawl stays resumable.
    card_refs : bool, optional
        Also request ``cardData`` and keep the card's ``base_model`` references of models
        without ``base_model:`` tags (apart from the tag lineage). Default: as the snapshot
        was crawled (False for a new one); changing it needs ``full=True``.
    max_wait : float
        Longest rate-limit wait sat out (seconds); beyond it the crawl stops, resumable.
    max_lookups : int
        Most single-model lookups (renames, unknown parents) in this call.
    progress : callable, optional
        Called with a :class:`CrawlProgress` after each committed page.
    client : HubClient, optional
        Overrides the client built from ``endpoint``/``token``/``max_wait``.

    Returns
    -------
    CrawlResult
        What this call did.

    Examples
    --------
    A crawl of a local Hub serving two models:

    >>> import tempfile, pathlib
    >>> from lineage.sim import LocalHub
    >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-02T00:00:00.000Z"},
    ...           {"_id": "2", "id": "you/tuned", "createdAt": "2024-02-03T00:00:00.000Z",
    ...            "tags": ["base_model:finetune:org/base"]}]
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.db"
    >>> with LocalHub(models) as hub:
    ...     result = crawl(db, endpoint=hub.endpoint)
    >>> result.models, result.complete
    (2, True)
    >>> from lineage.graph.cache import read_graph
    >>> read_graph(db).children("org/base")
    ['you/tuned']
    """
    client = client or HubClient(endpoint, token, max_wait=max_wait)
    started = time.monotonic()
    with crawl_lock(db), Store(db) as store:
        run, resumed = _start_or_resume(
            store, client, full=full, card_refs=card_refs, max_models=max_models
        )
        call = _CrawlCall(store, client, run, progress, started)
        client.on_wait = lambda seconds: call.tell(waiting=seconds, phase=run.phase)
        lookups = renames = 0
        try:
            with _resumable_on_error(store, run):
                call.list_pages(max_models)
                if run.next_url:  # capped by max_models
                    call.stop_capped()
                    complete = False
                else:
                    lookups, renames = call.finish(max_lookups)
                    complete = store.completeness().complete
        finally:
            client.on_wait = None
        call.tell(done=True)
        elapsed = time.monotonic() - started
        return CrawlResult(
            run.id, run.mode, resumed, call.pages, call.models, elapsed, complete, renames, lookups
        )


class _CrawlCall:
    """One call of :func:`crawl` on its run: the page loop, its end, and its progress."""

    def __init__(
        self,
        store: Store,
        client: HubClient,
        run: CrawlRun,
        progress: ProgressCallback | None,
        started: float,
    ) -> None:
        self.store, self.client, self.run = store, client, run
        self.progress, self.started = progress, started
        self.pages = self.models = 0  # committed by this call

    def tell(
        self,
        done: bool = False,
        remaining: int | None = None,
        waiting: float | None = None,
        phase: str | None = None,
    ) -> None:
        """Report a :class:`CrawlProgress` (if anyone listens)."""
        if self.progress:
            self.progress(
                _crawl_progress(
                    self.run,
                    phase,
                    self.models,
                    time.monotonic() - self.started,
                    complete=done,
                    ratelimit=remaining,
                    waiting=waiting,
                )
            )

    def list_pages(self, max_models: int | None) -> None:
        """Fetch and commit pages until the listing ends or ``max_models`` are reached."""
        followed: set[str] = set()
        run = self.run
        while run.next_url and (max_models is None or self.models < max_models):
            self._commit_page(run.next_url, followed)

    def _commit_page(self, url: str, followed: set[str]) -> None:
        """Fetch the page at ``url``, commit it with the next cursor, and report progress."""
        client, run = self.client, self.run
        followed.add(url)
        raw = client.fetch(url)
        if raw.next_url is not None and raw.next_url in followed:
            raise PaginationLoopError(
                f"{client.endpoint}'s next-page link repeats a page already read "
                f"({raw.next_url[:120]}); stopped so no model is counted twice, nothing "
                "of that page was stored; rerun later or report the endpoint"
            )
        fetched_phase = run.phase
        parsed = parse_page(raw.items)
        phase, next_url = _next_cursor(self.store, client, run, parsed, raw.next_url)
        self.store.commit_page(run, parsed, phase=phase, next_url=next_url)
        self.pages += 1
        self.models += len(raw.items)
        self.tell(remaining=raw.ratelimit_remaining, phase=fetched_phase)

    def stop_capped(self) -> None:
        """End a call capped by ``max_models``: the run stays resumable (a first look is
        published as a partial snapshot)."""
        store, run = self.store, self.run
        store.stop_run(run, f"stopped after {self.models:,} models (--max-models)")
        if run.mode == "full" and store.live_gen() is None:
            store.publish_partial(run)

    def finish(self, max_lookups: int) -> tuple[int, int]:
        """End a listing that reached its end: lookups (incremental runs), then commit the
        run; return ``(lookups, renames)``."""
        store, run = self.store, self.run
        lookups = renames = 0
        if run.mode == "incremental":
            lookups, renames = _look_up(
                store, self.client, run, max_lookups, lambda: self.tell(phase="lookups")
            )
        report(
            self.progress,
            "commit",
            0,
            None,
            f"committing {run.models_seen:,} models and caching their graph for fast reads",
        )
        store.finish_run(run)
        return lookups, renames


@contextmanager
def _resumable_on_error(store: Store, run: CrawlRun) -> Iterator[None]:
    """Mark ``run`` interrupted (resumable) when Ctrl-C or a crawl error stops it."""
    try:
        yield
    except KeyboardInterrupt:
        _stopped(store, run, "interrupted (Ctrl-C)")
        raise
    except HfLineageError as exc:
        _stopped(store, run, str(exc))
        raise


def _stopped(store: Store, run: CrawlRun, note: str) -> None:
    """Mark ``run`` interrupted (resumable) if the store can still be written."""
    try:
        store.stop_run(run, note[:300])
    except HfLineageError:
        pass


def _start_or_resume(
    store: Store,
    client: HubClient,
    *,
    full: bool,
    card_refs: bool | None,
    max_models: int | None,
) -> tuple[CrawlRun, bool]:
    """The run this call continues, and whether it resumes one (else a new one started)."""
    resumable = _resumable_run(store, client, full=full)
    if resumable is not None:
        _resume(store, client, resumable, card_refs=card_refs)
        return resumable, True
    return _start_run(store, client, full=full, card_refs=card_refs, max_models=max_models), False


def _resumable_run(store: Store, client: HubClient, *, full: bool) -> CrawlRun | None:
    """The unfinished run of this endpoint to resume, if any (``full`` resumes only a full
    one whose next page is still on the endpoint)."""
    pending = store.pending_run()
    if pending is None:
        return None
    if pending.endpoint != client.endpoint:
        if not full:
            raise CrawlStateError(
                f"an unfinished crawl of {pending.endpoint} is pending in {store.path}; rerun "
                f"with --endpoint {pending.endpoint} to resume it, or --full to start over"
            )
        return None
    if full and pending.mode != "full":
        return None
    if full and pending.next_url:  # --full starts over from a foreign URL
        try:
            client.check_url(pending.next_url)
        except ForeignOriginError:
            return None
    return pending


def _resume(store: Store, client: HubClient, run: CrawlRun, *, card_refs: bool | None) -> None:
    """Check that ``run`` can go on as it was started, and mark it running."""
    if card_refs is not None and bool(card_refs) != bool(run.card_refs):
        raise CrawlStateError(
            f"the unfinished crawl in {store.path} was started "
            f"{'with' if run.card_refs else 'without'} --card-refs; resume it as it "
            "was, or pass --full to start over"
        )
    if run.next_url:
        client.check_url(run.next_url, "stored resume URL")
    store.mark_running(run)


def _start_run(
    store: Store,
    client: HubClient,
    *,
    full: bool,
    card_refs: bool | None,
    max_models: int | None,
) -> CrawlRun:
    """Start a full run, or an incremental one after a complete crawl of this endpoint."""
    live_cards = store.card_refs_crawled() if store.live_gen() is not None else None
    last = store.last_complete_run()
    if not full and last is not None and last.endpoint != client.endpoint:
        raise CrawlStateError(
            f"the snapshot in {store.path} came from {last.endpoint}; pass --full to replace it "
            f"with a crawl of {client.endpoint}, or another --db"
        )
    incremental = not full and last is not None and store.completeness().state != "partial"
    if incremental and card_refs is not None and bool(card_refs) != live_cards:
        raise CrawlStateError(
            f"the snapshot in {store.path} was crawled {'with' if live_cards else 'without'} "
            "--card-refs; pass --full to re-crawl it the other way"
        )
    cards = bool(live_cards if incremental else card_refs)
    expand = CARD_EXPAND if cards else EXPAND
    mark = client.hub_mark()
    if not incremental or last is None:
        return store.start_run(
            mode="full",
            endpoint=client.endpoint,
            phase="full",
            next_url=client.listing_url("createdAt", expand=expand),
            hub_mark=mark,
            card_refs=cards,
            max_models=max_models,
        )
    return store.start_run(
        mode="incremental",
        endpoint=client.endpoint,
        phase="new",
        next_url=client.listing_url("createdAt", expand=expand),
        hub_mark=mark,
        cutoff=last.hub_mark,
        card_refs=cards,
        max_models=max_models,
    )


def _next_cursor(
    store: Store, client: HubClient, run: CrawlRun, parsed: ParsedPage, next_url: str | None
) -> tuple[str | None, str | None]:
    """Where an incremental run goes after this page: same phase, next phase, or done."""
    phase = run.phase
    if phase == "new" and store.known_ids(row[0] for row in parsed.models):
        next_url = None
    elif phase == "modified" and any(
        row[4] is not None and run.cutoff is not None and row[4] < run.cutoff
        for row in parsed.models
    ):
        next_url = None
    if phase == "new" and next_url is None and run.cutoff is not None:
        expand = CARD_EXPAND if run.card_refs else EXPAND
        return "modified", client.listing_url("lastModified", expand=expand)
    return phase, next_url


def _look_up(
    store: Store, client: HubClient, run: CrawlRun, budget: int, tell: Callable[[], None]
) -> tuple[int, int]:
    """Ask the Hub about references of this run that name no model: (lookups, renames)."""
    store.set_cursor(run, phase="lookups", next_url=None)
    expand = CARD_EXPAND if run.card_refs else EXPAND
    asked = renamed = 0
    for ref_lower, ref in store.lookups_due(run.gen)[:budget]:
        item = client.model(ref, expand=expand)
        page = parse_page([item]) if item is not None else None
        renamed += store.apply_lookup(run.gen, ref_lower, page) == "renamed"
        asked += 1
        tell()
    return asked, renamed
