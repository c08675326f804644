"""Crawls: full, incremental and resumed, from Hub listing pages into the snapshot store.

- First crawl, or ``full=True``: one listing of ``/api/models?sort=createdAt`` into a new
  store generation; the old snapshot stays readable until the new one commits.
- A re-run after a complete crawl is incremental: phase ``new`` lists newest-first until a
  page holds a model the store already has; phase ``modified`` lists ``sort=lastModified``
  until it passes the previous crawl's *hub mark* (the newest ``lastModified`` on the Hub when
  that crawl started), catching edited lineage on old models. A re-listed model's edges are
  replaced, so edges it no longer declares disappear.
- Every page is committed with the next-page URL; an unfinished crawl is resumed from there by
  the next call, whatever stopped it. One crawl at a time per file (an advisory lock).
- Models deleted from the Hub leave the snapshot only with a full crawl; ``max_models`` is for
  trial crawls (an incremental run cut short misses edits beyond the cap).

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
from dataclasses import dataclass

from lineage.errors import CrawlStateError
from lineage.hub.client import HubClient, ParsedPage, parse_page
from lineage.hub.store import CrawlRun, Store
from lineage.progress import Progress, ProgressCallback, report


@dataclass(frozen=True)
class CrawlProgress(Progress):
    """A crawl's :class:`~lineage.progress.Progress` (stage ``"crawl"``, ``done`` = models
    listed so far), reported after each committed page and once at the end (``complete``).
    """

    mode: str = "full"
    phase: str | None = None
    pages: int = 0
    elapsed: float = 0.0
    rate: float = 0.0
    complete: bool = False
    ratelimit_remaining: int | None = None

    @property
    def models(self) -> int:
        """Models listed so far (``done``)."""
        return self.done

    @property
    def finished(self) -> bool:
        """Whether the crawl is over."""
        return self.complete


def _crawl_progress(run: CrawlRun, phase: str | None, models: int, elapsed: float, *,
                    complete: bool = False, ratelimit: int | None = None) -> CrawlProgress:
    rate = models / elapsed if elapsed else 0.0
    quota = "" if ratelimit is None else f", {ratelimit} requests left"
    where = f" [{phase}]" if phase else ""
    message = (f"{run.mode} crawl{where}: {run.pages:,} pages, {run.models_seen:,} models, "
               f"{rate:,.0f} models/s, {elapsed:,.1f} s elapsed{quota}")
    return CrawlProgress(
        "crawl", run.models_seen, run.max_models, message, mode=run.mode, phase=phase,
        pages=run.pages, elapsed=elapsed, rate=rate, complete=complete,
        ratelimit_remaining=ratelimit,
    )


@dataclass
class CrawlResult:
    """What one call of :func:`crawl` did (``pages``/``models`` of this call only)."""

    run_id: int
    mode: str
    resumed: bool
    pages: int
    models: int
    elapsed: float


def crawl(
    db: str | os.PathLike | None = None,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    full: bool = False,
    max_models: int | None = None,
    progress: ProgressCallback | None = None,
    client: HubClient | None = None,
) -> CrawlResult:
    """Crawl (or resume crawling) the Hub's model listing into the snapshot at ``db``.

    ``client`` overrides the :class:`HubClient` built from ``endpoint``/``token`` (e.g. with
    shorter retry waits). ``max_models`` stops the listing after that many models.
    """
    client = client or HubClient(endpoint, token)
    started = time.monotonic()
    with Store(db) as store, store.crawl_lock():
        run, resumed = _start_or_resume(store, client, full=full, max_models=max_models)
        pages = models = 0
        while run.next_url:
            raw = client.fetch(run.next_url)
            fetched_phase = run.phase
            items = raw.items
            cap = run.max_models
            if cap is not None and run.models_seen + len(items) >= cap:
                items = items[: max(0, cap - run.models_seen)]
            parsed = parse_page(items)
            phase, next_url = _next_cursor(store, client, run, parsed, raw.next_url)
            if cap is not None and run.models_seen + len(items) >= cap:
                phase, next_url = run.phase, None
            store.commit_page(run, parsed, phase=phase, next_url=next_url)
            pages += 1
            models += len(items)
            if progress:
                progress(_crawl_progress(run, fetched_phase, models,
                                         time.monotonic() - started,
                                         ratelimit=raw.ratelimit_remaining))
        report(progress, "commit", 0, None,
               f"committing {run.models_seen:,} models and caching their graph for fast reads")
        store.finish_run(run)
        elapsed = time.monotonic() - started
        if progress:
            progress(_crawl_progress(run, None, models, elapsed, complete=True))
        return CrawlResult(run.id, run.mode, resumed, pages, models, elapsed)


def _start_or_resume(
    store: Store, client: HubClient, *, full: bool, max_models: int | None
) -> tuple[CrawlRun, bool]:
    pending = store.pending_run()
    if pending and pending.endpoint != client.endpoint and not full:
        raise CrawlStateError(
            f"an unfinished crawl of {pending.endpoint} is pending in {store.path}; rerun with "
            f"--endpoint {pending.endpoint} to resume it, or --full to start over"
        )
    if pending and (pending.endpoint == client.endpoint) and (pending.mode == "full" or not full):
        return pending, True
    last = store.last_complete_run()
    if not full and last is not None and last.endpoint != client.endpoint:
        raise CrawlStateError(
            f"the snapshot in {store.path} came from {last.endpoint}; pass --full to replace it "
            f"with a crawl of {client.endpoint}, or another --db"
        )
    mark = client.hub_mark()
    if full or last is None:
        run = store.start_run(
            mode="full", endpoint=client.endpoint, phase="full",
            next_url=client.listing_url("createdAt"), hub_mark=mark, max_models=max_models,
        )
    else:
        run = store.start_run(
            mode="incremental", endpoint=client.endpoint, phase="new",
            next_url=client.listing_url("createdAt"), hub_mark=mark, cutoff=last.hub_mark,
            max_models=max_models,
        )
    return run, False


def _next_cursor(
    store: Store, client: HubClient, run: CrawlRun, parsed: ParsedPage, next_url: str | None
) -> tuple[str | None, str | None]:
    """Where an incremental run goes after this page: same phase, next phase, or done."""
    phase = run.phase
    if phase == "new" and store.known_ids(row[0] for row in parsed.models):
        next_url = None
    elif phase == "modified" and any(
        row[4] is not None and row[4] < run.cutoff for row in parsed.models
    ):
        next_url = None
    if phase == "new" and next_url is None and run.cutoff is not None:
        return "modified", client.listing_url("lastModified")
    return phase, next_url
