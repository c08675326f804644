"""The one progress protocol of hf-lineage: long work calls ``progress(Progress(...))``.

Crawls, counts, fits and pages all report through a callback that takes one
:class:`Progress` record (crawls send :class:`lineage.hub.crawl.CrawlProgress`, a
:class:`Progress` with the crawl's own fields). Nothing below ``cli.py`` prints: the CLI
renders the records on stderr. (:func:`growth.fit.fit_many`, which never imports
``lineage``, calls ``progress(done, total)``; :func:`lineage.ranking.rank_models` turns
that into records with stage ``"fit"``.)

Example:
    >>> seen = []
    >>> report(seen.append, "months", 1, 2)
    >>> seen[0].stage, seen[0].finished
    ('months', False)
    >>> report(None, "months", 2, 2)  # no callback: nothing happens
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One step of long work.

    Parameters
    ----------
    stage : str
        What is running: ``"crawl"``, ``"forest"``, ``"merges"``, ``"months"`` (counts),
        ``"fit"``, ``"page"``, or a demo step.
    done : int
        Units done so far (pages, models, series, steps).
    total : int or None
        Units in all, ``None`` when unknown (a crawl's listing).
    message : str
        A one-line summary for people, may be empty.

    Examples
    --------
    >>> Progress("fit", 64, 128).finished, Progress("crawl", 5, None).finished
    (False, False)
    """

    stage: str
    done: int
    total: int | None
    message: str = ""

    @property
    def finished(self) -> bool:
        """Whether this is the stage's last report (``done`` reached ``total``).

        Examples
        --------
        >>> Progress("fit", 3, 3).finished, Progress("fit", 2, 3).finished
        (True, False)
        """
        return self.total is not None and self.done >= self.total


ProgressCallback = Callable[[Progress], None]
"""A ``progress`` argument: called with a :class:`Progress` after each step."""


def report(
    progress: ProgressCallback | None,
    stage: str,
    done: int,
    total: int | None,
    message: str = "",
) -> None:
    """Send ``Progress(stage, done, total, message)`` to ``progress`` if there is one.

    Parameters
    ----------
    progress : callable or None
        The receiver (``None``: nothing is sent).
    stage, done, total, message
        As in :class:`Progress`.

    Returns
    -------
    None

    Examples
    --------
    >>> seen = []
    >>> report(seen.append, "fit", 3, 10)
    >>> report(None, "fit", 4, 10)
    >>> seen
    [Progress(stage='fit', done=3, total=10, message='')]
    """
    if progress is not None:
        progress(Progress(stage, done, total, message))
