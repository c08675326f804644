"""Every error hf-lineage raises on purpose.

Each message is one line that names the problem and what to do about it; the CLI prints it
as is and exits non-zero (``exit_code``).
"""


class HfLineageError(Exception):
    """Base class of hf-lineage's own errors."""

    exit_code = 1


class UsageError(HfLineageError, ValueError):
    """Bad input from the user: an option, a file or an id that cannot be used.

    Also a :class:`ValueError`, so library callers can catch it as one.
    """

    exit_code = 2


class StoreError(HfLineageError):
    """The snapshot file cannot be opened or written as asked."""


class StoreMissingError(StoreError):
    """No snapshot file at the given path."""

    exit_code = 2


class StoreReadOnlyError(StoreError):
    """The snapshot file (or its folder) is not writable."""


class StoreCorruptError(StoreError):
    """The snapshot file is not a readable SQLite database."""


class ForeignStoreError(StoreError):
    """The file is an SQLite database of another program, or of a newer hf-lineage."""

    exit_code = 2


class HubError(HfLineageError):
    """The Hub (or the endpoint given) did not answer a listing page usably."""


class HubUnreachableError(HubError):
    """No connection to the endpoint, after the client's retries."""


class HubHTTPError(HubError):
    """The endpoint answered an HTTP error, after the client's retries."""


class MalformedPageError(HubError):
    """A listing page was not the JSON array of model objects the Hub sends."""


class ForeignOriginError(HubError):
    """A next-page, redirect or stored resume URL leads off the endpoint's own origin.

    Nothing is sent there (in particular not the token).
    """

    exit_code = 2


class PaginationLoopError(HubError):
    """A ``Link: rel="next"`` header repeats a page the crawl has already read."""


class RateLimitWaitError(HubHTTPError):
    """The Hub asks for a longer rate-limit wait than the crawl's ``max_wait`` allows."""


class CrawlStateError(HfLineageError):
    """A crawl cannot start or resume as asked (e.g. another endpoint's crawl is pending)."""

    exit_code = 2


class UnknownModelError(UsageError):
    """A model id that is not in the graph; the message suggests the closest known ids."""

    def __init__(self, model: str, suggestions: list[str] | None = None):
        self.model = model
        self.suggestions = list(suggestions or [])
        hint = (
            f"did you mean {', '.join(self.suggestions)}?"
            if self.suggestions
            else "check the spelling or crawl again"
        )
        super().__init__(f"unknown model {model!r} in this snapshot; {hint}")


class CurveFileError(UsageError):
    """A growth-curve CSV given to ``fit --from-csv`` that cannot be read or lacks columns."""
