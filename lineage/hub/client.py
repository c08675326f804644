"""Talking to the Hub: listing pages of ``/api/models`` and the lineage edges they declare.

The requests go through huggingface_hub's own client machinery: the shared ``httpx2`` session
behind :func:`huggingface_hub.utils.http_backoff` (retries on 408/5xx and network errors),
:func:`~huggingface_hub.utils.hf_raise_for_status` and
:func:`~huggingface_hub.utils.build_hf_headers` (token, user agent naming hf-lineage), at the
endpoint :class:`huggingface_hub.HfApi` would use. We do not call ``HfApi.list_models``: it
wraps ``_paginate_pages``, which never exposes the ``Link: <...>; rel="next"`` URL, and that
URL (the keyset cursor) is the resume point a crawl commits with each page. So
:class:`HubClient` requests the same URL ``list_models`` builds, then follows the ``Link``
header page by page, exactly as ``_paginate_pages`` does, with three differences that keep a
crawl safe: the token only ever goes to the endpoint's own origin (a next-page, redirect or
stored URL elsewhere is refused, :class:`~lineage.errors.ForeignOriginError`), redirects are
followed by hand for that reason, and a 429 is waited out only up to ``max_wait`` seconds
(:class:`~lineage.errors.RateLimitWaitError` beyond; http_backoff would sleep whatever the
Hub asks, up to a day). Items stay raw JSON dicts, each field validated (see
:func:`parse_page`): building a ``ModelInfo`` per model costs more than the rest of the
ingest together (see ``bench/crawl_bench.py``).

Lineage is the Hub's own view: the ``base_model:<relation>:<id>`` tags, else bare
``base_model:<id>`` tags. The card's ``base_model`` is only read when the listing carries
``cardData`` (``crawl --card-refs``) and the model has no such tag; those references are
kept apart (:attr:`ParsedPage.card_refs`), because the Hub rejected them.

Example:
    >>> page = parse_page([{"_id": "a1", "id": "me/tuned", "tags": [
    ...     "base_model:finetune:Org/Base", "base_model:Org/Base"]}])
    >>> page.edges
    [('a1', 'Org/Base', 'org/base', 'finetune', 'relation_tag')]
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2
from huggingface_hub import constants
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import (
    build_hf_headers,
    hf_raise_for_status,
    http_backoff,
    parse_ratelimit_headers,
)

from lineage import __version__
from lineage.errors import (
    ForeignOriginError,
    HubHTTPError,
    HubUnreachableError,
    MalformedPageError,
    RateLimitWaitError,
    UsageError,
)
from lineage.hub.relations import (  # noqa: F401 (re-exported: the wire's words)
    CARD_SOURCE,
    RELATIONS,
    TAG_SOURCES,
    UNKNOWN_RELATION,
    edge_sources,
)

#: Listing fields a crawl asks for (``expand``): the Hub's lineage is in ``tags``.
EXPAND = (
    "author",
    "createdAt",
    "downloads",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "private",
    "tags",
)
#: ... and with ``crawl --card-refs`` (cardData triples the bytes of a page).
CARD_EXPAND = (*EXPAND, "cardData")
#: The largest page the Hub serves.
PAGE_LIMIT = 1000
#: ``createdAt`` of every model older than the Hub's records: both instants occur.
HUB_DATE_FLOOR = ("2022-03-02T23:29:04.000Z", "2022-03-02T23:29:05.000Z")
#: Longest id accepted (real legacy ids reach about 250 characters).
MAX_ID_LENGTH = 1024
#: Seconds a crawl waits for a rate-limit reset before it stops (``crawl --max-wait``).
DEFAULT_MAX_WAIT = 300.0

# huggingface_hub's REPO_ID_REGEX without its 96-character bound (the Hub lists longer legacy
# ids), anchored, plus its "--" / ".." rules.
_REPO_ID = re.compile(r"(?:\b[\w\-.]+\b/)?\b[\w\-.]+\b")
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/", re.IGNORECASE)
_RELATION_WORD = re.compile(r"[A-Za-z_-]{1,64}")
_BAD_ID_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f]")
_INT64_MAX = 2**63 - 1
# A valid instant as the Hub writes it, days 29-31 left to the full check (months differ).
_CANONICAL_TIME = re.compile(
    r"(?:19[7-9]\d|2[01]\d\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z"
)
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5


@dataclass
class ParsedPage:
    """Rows ready for the store, from one listing page (:func:`parse_page`).

    Parameters
    ----------
    models : list of tuple
        (oid, id, id_lower, created_at, last_modified, author, downloads, likes,
        pipeline_tag, library_name).
    edges : list of tuple
        (child_oid, parent_ref, parent_lower, relation, source).
    rejected : list of tuple
        (child_oid, ref, relation, source, reason "self-loop" or "invalid").
    card_refs : list of tuple
        (child_oid, ref, ref_lower, relation): the card's references of a model without
        ``base_model:`` tags.
    skipped : list of tuple
        Items not stored: (key, reason, detail).
    repaired : list of tuple
        Fields of stored items that were coerced or dropped: (oid, field, what).

    Examples
    --------
    >>> page = parse_page([{"_id": "1", "id": "you/tuned", "tags": ["base_model:org/base"]}])
    >>> page.edges
    [('1', 'org/base', 'org/base', 'unknown', 'base_model_tag')]
    """

    models: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)
    rejected: list[tuple] = field(default_factory=list)
    card_refs: list[tuple] = field(default_factory=list)
    skipped: list[tuple] = field(default_factory=list)
    repaired: list[tuple] = field(default_factory=list)


@dataclass
class RawPage:
    """One fetched listing page: its JSON items, the ``rel="next"`` URL, the rate-limit state.

    Parameters
    ----------
    items : list
        The decoded JSON array.
    next_url : str or None
        The ``Link: rel="next"`` URL (None on the last page).
    ratelimit_remaining : int, optional
        Requests left in the window, from the ``RateLimit`` header.
    n_bytes : int
        Size of the body.

    Examples
    --------
    See :meth:`HubClient.fetch`.
    """

    items: list
    next_url: str | None
    ratelimit_remaining: int | None = None
    n_bytes: int = 0


def is_hub_id(ref: str) -> bool:
    """Whether ``ref`` can be a Hub model id (``name`` or ``org/name``), not a path or URL.

    Parameters
    ----------
    ref : str
        A reference as written in a tag or card.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_hub_id("meta-llama/Llama-2-7b-hf"), is_hub_id("/workspace/out"), is_hub_id("./x")
    (True, False, False)
    >>> is_hub_id("espnet/" + "x" * 200)  # legacy ids are longer than 96 characters
    True
    """
    return (
        len(ref) <= MAX_ID_LENGTH
        and _REPO_ID.fullmatch(ref) is not None
        and "--" not in ref
        and ".." not in ref
    )


def _refs_from_tags(tags: list) -> tuple[list[tuple[str, str]], list[str]]:
    """(relation, ref) pairs of ``base_model:<relation>:<ref>`` tags, and bare refs."""
    related: list[tuple[str, str]] = []
    bare: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.startswith("base_model:"):
            continue
        rest = tag[11:]
        word, sep, ref = rest.partition(":")
        if sep and _RELATION_WORD.fullmatch(word):
            related.append((word.lower(), ref))
        else:
            bare.append(rest)
    return related, bare


def declared_parents(item: dict) -> tuple[list[tuple[str, str]], str]:
    """The (relation, reference) pairs a model declares, and where they came from.

    Relation tags (source ``relation_tag``), else bare ``base_model:`` tags (relation
    ``unknown``, source ``base_model_tag``), else, only when the item carries ``cardData``,
    the card's ``base_model`` (source ``card``; relation the card's ``base_model_relation`` if
    it is a word, else ``unknown``: the Hub does not make every two-parent card a merge).
    References are returned as written.

    Parameters
    ----------
    item : dict
        A Hub JSON model object.

    Returns
    -------
    tuple
        ``([(relation, reference), ...], source)``, source one of ``relation_tag``,
        ``base_model_tag``, ``card`` (``card`` with an empty list when nothing is declared).

    Examples
    --------
    >>> declared_parents({"cardData": {"base_model": ["a/x", "b/y"]}})
    ([('unknown', 'a/x'), ('unknown', 'b/y')], 'card')
    >>> declared_parents({"tags": ["base_model:a/x"], "cardData": {"base_model": "b/y"}})
    ([('unknown', 'a/x')], 'base_model_tag')
    """
    tags = item.get("tags")
    related, bare = _refs_from_tags(tags if isinstance(tags, list) else [])
    if related:
        return related, TAG_SOURCES[0]
    if bare:
        return [(UNKNOWN_RELATION, ref) for ref in bare], TAG_SOURCES[1]
    card = item.get("cardData")
    card = card if isinstance(card, dict) else {}
    base = card.get("base_model")
    refs = [base] if isinstance(base, str) else base if isinstance(base, list) else []
    refs = [ref if isinstance(ref, str) else "" for ref in refs]
    word = card.get("base_model_relation")
    word = word.strip().lower() if isinstance(word, str) else ""
    relation = word if _RELATION_WORD.fullmatch(word) else UNKNOWN_RELATION
    return [(relation, ref) for ref in refs], CARD_SOURCE


def is_floor_date(created_at: Any) -> bool:
    """Whether a ``createdAt`` is the Hub's floor (``…23:29:04.000Z`` or ``…:05.000Z``): the
    model was created then or earlier, its true date unknown.

    Parameters
    ----------
    created_at : str
        A ``createdAt`` value.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_floor_date("2022-03-02T23:29:05.000Z"), is_floor_date("2022-03-02T23:29:06.000Z")
    (True, False)
    """
    return created_at in HUB_DATE_FLOOR


def _timestamp(value: Any) -> str | None:
    """An ISO 8601 instant as the Hub writes it (``2024-01-02T03:04:05.000Z``), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    if not 1970 <= t.year <= 2200:  # pandas' datetime64[ns] reads 1677..2262
        return None
    if len(value) == 24 and value[19] == "." and value[23] == "Z":
        return value
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _count(value: Any) -> int | None:
    """A non-negative integer count (downloads, likes), coerced from 12.0 or "12"; else None."""
    if type(value) is int:
        return value if 0 <= value <= _INT64_MAX else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return _count(int(value))
    if isinstance(value, str) and value.strip().isdigit():
        return _count(int(value.strip()))
    return None


def _text(value: Any) -> str | None:
    """A short printable string field (author, pipeline_tag, library_name), or None."""
    if type(value) is str and len(value) <= MAX_ID_LENGTH and value.isprintable():
        return value
    return None


def _model_row(item: dict, mid: str, oid: str, repaired: list[tuple]) -> tuple:
    """The store row of one item, each field validated; coerced or dropped fields logged."""
    get = item.get
    created, modified, author = get("createdAt"), get("lastModified"), get("author")
    downloads, likes = get("downloads"), get("likes")
    pipeline, library = get("pipeline_tag"), get("library_name")
    if (  # the fast path: every field already as the Hub writes it
        (created is None or (type(created) is str and _CANONICAL_TIME.fullmatch(created)))
        and (modified is None or (type(modified) is str and _CANONICAL_TIME.fullmatch(modified)))
        and (downloads is None or (type(downloads) is int and 0 <= downloads <= _INT64_MAX))
        and (likes is None or (type(likes) is int and 0 <= likes <= _INT64_MAX))
        and (author is None or _text(author) is not None)
        and (pipeline is None or _text(pipeline) is not None)
        and (library is None or _text(library) is not None)
    ):
        return (
            oid,
            mid,
            mid.lower(),
            created,
            modified,
            author,
            downloads,
            likes,
            pipeline,
            library,
        )
    row: list[Any] = [oid, mid, mid.lower()]
    for key, convert in (
        ("createdAt", _timestamp),
        ("lastModified", _timestamp),
        ("author", _text),
        ("downloads", _count),
        ("likes", _count),
        ("pipeline_tag", _text),
        ("library_name", _text),
    ):
        raw = item.get(key)
        value = None if raw is None else convert(raw)
        if raw is not None and (value != raw or type(value) is not type(raw)):
            if value is None and key == "author" and "/" in mid:
                value = mid.split("/", 1)[0]
            repaired.append((oid, key, "dropped" if value is None else "coerced"))
        row.append(value)
    return tuple(row)


def _item_key(item: Any) -> tuple[str | None, str | None, str | None]:
    """(id, oid, why it is unusable) of a listing item."""
    if not isinstance(item, dict):
        return None, None, "not a model object"
    mid = item.get("id")
    if not isinstance(mid, str) or not mid or len(mid) > MAX_ID_LENGTH or _BAD_ID_CHARS.search(mid):
        return None, None, "no usable id"
    oid = item.get("_id")
    if isinstance(oid, int) and not isinstance(oid, bool):
        oid = str(oid)
    if not isinstance(oid, str) or not oid or len(oid) > MAX_ID_LENGTH:
        oid = "id:" + mid.lower()  # no usable _id: the id stands in (renames are then unseen)
    if item.get("private") is True:
        return mid, oid, "private"
    return mid, oid, None


def parse_page(items: list[Any]) -> ParsedPage:
    """Turn one page of Hub JSON model objects into store rows (fast path, no ModelInfo).

    Every field is validated: timestamps must be ISO 8601 (re-written in the Hub's form),
    counts non-negative integers (``12.0`` and ``"12"`` are coerced), text fields strings; a
    field that cannot be coerced is stored as NULL and logged in ``repaired``. An item
    without a usable ``id``, a private one, or a repeat of an item earlier in the page is
    not stored (``skipped``). References that are no Hub id, or name the model itself,
    go to ``rejected``.

    Parameters
    ----------
    items : list
        The decoded JSON array of one listing page.

    Returns
    -------
    ParsedPage
        ``models``, ``edges``, ``card_refs``, ``rejected``, ``repaired`` and ``skipped``.

    Examples
    --------
    >>> p = parse_page([{"_id": "1", "id": "a/b", "downloads": "lots",
    ...                  "tags": ["base_model:A/B", "base_model:./"]}, {"id": ""}])
    >>> len(p.models), len(p.edges), [r[-1] for r in p.rejected]
    (1, 0, ['self-loop', 'invalid'])
    >>> p.repaired, [s[1] for s in p.skipped]
    ([('1', 'downloads', 'dropped')], ['no usable id'])
    """
    page = ParsedPage()
    models, edges, rejected, card_refs = page.models, page.edges, page.rejected, page.card_refs
    seen: set[str] = set()
    for item in items:
        mid, oid, problem = _item_key(item)
        if problem is None and mid is not None and oid is not None:
            low = mid.lower()
            if oid in seen or low in seen:
                problem = "duplicate in page"
        if problem is not None or mid is None or oid is None:
            page.skipped.append((oid or "", problem or "no usable id", repr(item)[:200]))
            continue
        seen.update((oid, low))
        models.append(_model_row(item, mid, oid, page.repaired))
        tags = item.get("tags")
        if tags is not None and not isinstance(tags, list):
            page.repaired.append((oid, "tags", "dropped"))
        card = item.get("cardData")
        has_card = isinstance(card, dict) and "base_model" in card
        if not has_card and "base_model:" not in str(tags):
            continue
        pairs, source = declared_parents(item)
        refs_seen: set[str] = set()
        for relation, raw_ref in pairs:
            ref = _HUB_URL.sub("", raw_ref.strip()).rstrip("/")
            ref_low = ref.lower()
            if ref_low in refs_seen:
                continue
            refs_seen.add(ref_low)
            if not is_hub_id(ref):
                rejected.append((oid, raw_ref[:MAX_ID_LENGTH], relation, source, "invalid"))
            elif ref_low == low:
                rejected.append((oid, raw_ref, relation, source, "self-loop"))
            elif source == CARD_SOURCE:
                card_refs.append((oid, ref, ref_low, relation))
            else:
                edges.append((oid, ref, ref_low, relation, source))
    return page


class HubClient:
    """Listing pages and single models of one Hub endpoint.

    Parameters
    ----------
    endpoint : str, optional
        The Hub's URL (default ``$HF_ENDPOINT``, else https://huggingface.co).
    token : str, optional
        Default ``$HF_TOKEN`` / the cached login; sent as a header only (never stored) and
        only to the endpoint's own origin.
    max_retries, base_wait_time, max_wait_time
        ``huggingface_hub.utils.http_backoff``'s.
    max_wait : float
        The longest rate-limit wait (seconds) sat out before giving up with
        :class:`~lineage.errors.RateLimitWaitError`.
    timeout : float
        Per request, in seconds.

    Examples
    --------
    >>> HubClient("http://127.0.0.1:9").listing_url("createdAt").split("?")[0]
    'http://127.0.0.1:9/api/models'
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = 5,
        base_wait_time: float = 1.0,
        max_wait_time: float = 8.0,
        timeout: float = 60.0,
        max_wait: float = DEFAULT_MAX_WAIT,
    ):
        chosen = endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
        self.endpoint = chosen.rstrip("/")
        try:
            url = httpx2.URL(self.endpoint)
            self._origin = url.origin
        except (httpx2.InvalidURL, ValueError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise UsageError(
                f"endpoint {chosen!r} is not an http(s) URL; pass --endpoint "
                "https://huggingface.co (or a mirror's URL)"
            )
        self._headers = build_hf_headers(
            token=token or None, library_name="hf-lineage", library_version=__version__
        )
        self.max_retries = max_retries
        self.base_wait_time = base_wait_time
        self.max_wait = max_wait
        #: Called with the seconds about to be slept out for a rate limit (e.g. to show it).
        self.on_wait: Callable[[float], None] | None = None
        self._backoff: dict[str, Any] = {
            "max_retries": max_retries,
            "base_wait_time": base_wait_time,
            "max_wait_time": max_wait_time,
            "timeout": timeout,
            "retry_on_status_codes": (408, 500, 502, 503, 504),  # 429: see _get
            "follow_redirects": False,  # followed by hand, on the endpoint's origin only
        }

    def listing_url(self, sort: str, limit: int = PAGE_LIMIT, expand=EXPAND) -> str:
        """The first-page URL ``HfApi.list_models(sort=..., limit=..., expand=...)`` requests.

        Parameters
        ----------
        sort : str
            The listing order (``createdAt``: newest first; ``lastModified``).
        limit : int
            Models per page.
        expand : iterable of str
            The fields asked for.

        Returns
        -------
        str

        Examples
        --------
        >>> HubClient("http://127.0.0.1:9").listing_url("createdAt", limit=2, expand=["tags"])
        'http://127.0.0.1:9/api/models?sort=createdAt&limit=2&expand=tags'
        """
        params = {"sort": sort, "limit": limit, "expand": list(expand)}
        return str(httpx2.URL(f"{self.endpoint}/api/models", params=params))

    def check_url(self, url: str, what: str = "URL") -> None:
        """Refuse (:class:`ForeignOriginError`) a URL off the endpoint's scheme, host and port.

        Parameters
        ----------
        url : str
            The URL about to be requested.
        what : str
            What it is, for the message.

        Returns
        -------
        None

        Examples
        --------
        >>> from lineage.errors import ForeignOriginError
        >>> try:
        ...     HubClient("https://hf.co").check_url("https://evil.example/api/models")
        ... except ForeignOriginError as exc:
        ...     print(str(exc)[:64])
        refusing a URL on https://evil.example, not the endpoint https:/
        """
        try:
            origin = httpx2.URL(url).origin
        except (httpx2.InvalidURL, TypeError, ValueError):
            origin = None
        if origin != self._origin:
            where = f"{origin.scheme}://{origin.host}" if origin else repr(str(url)[:80])
            if origin and origin.port not in (None, 80, 443):
                where += f":{origin.port}"
            raise ForeignOriginError(
                f"refusing a {what} on {where}, not the endpoint {self.endpoint}: nothing (and "
                "no token) is sent off the endpoint; check --endpoint, or run "
                "`hf-lineage crawl --full` to start over"
            )

    def _get(self, url: str, what: str) -> httpx2.Response:
        """GET ``url`` on the endpoint's origin: retries, capped 429 waits, redirects followed
        on the same origin only."""
        self.check_url(url, what)
        redirects = rate_limited = 0
        sleep = self.base_wait_time
        while True:
            try:
                response = http_backoff("GET", url, headers=self._headers, **self._backoff)
            except HfHubHTTPError as exc:
                raise HubHTTPError(self._http_error(exc.response, what)) from exc
            except (httpx2.TransportError, OfflineModeIsEnabled) as exc:
                raise HubUnreachableError(
                    f"cannot reach {self.endpoint} ({type(exc).__name__}: {exc}); check "
                    "--endpoint and the network, then rerun `hf-lineage crawl` to resume"
                ) from exc
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                redirects += 1
                if redirects > _MAX_REDIRECTS:
                    raise HubHTTPError(
                        f"{self.endpoint} redirected a {what} more than "
                        f"{_MAX_REDIRECTS} times; check --endpoint"
                    )
                url = str(response.url.join(response.headers["location"]))
                self.check_url(url, f"redirect of a {what}")
                continue
            if status != 429:
                return response
            rate_limited += 1
            info = parse_ratelimit_headers(response.headers)
            asked = response.headers.get("retry-after", "")
            wait = (
                float(info.reset_in_seconds) + 1
                if info is not None and info.remaining == 0
                else float(asked) + 1
                if asked.strip().isdigit()
                else sleep
            )
            if wait > self.max_wait:
                raise RateLimitWaitError(
                    f"{self.endpoint} rate-limited the crawl and asks to wait {wait:,.0f} s, more "
                    f"than --max-wait {self.max_wait:,.0f} s: stopped, everything read so far is "
                    "stored; rerun `hf-lineage crawl` later (or with a token) to resume"
                )
            if rate_limited > self.max_retries:
                raise HubHTTPError(self._http_error(response, what))
            if self.on_wait is not None:
                self.on_wait(wait)
            time.sleep(wait)
            sleep *= 2

    def fetch(self, url: str) -> RawPage:
        """GET one listing page with the client's retries; errors become one-line HubErrors.

        Parameters
        ----------
        url : str
            A listing URL on the endpoint (:meth:`listing_url`, or a page's ``next_url``).

        Returns
        -------
        RawPage

        Examples
        --------
        >>> from lineage.sim import LocalHub
        >>> models = [{"_id": "1", "id": "org/base", "lastModified": "2024-03-01T00:00:00.000Z"},
        ...           {"_id": "2", "id": "you/tuned", "lastModified": "2024-02-05T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     client = HubClient(hub.endpoint)
        ...     page = client.fetch(client.listing_url("createdAt"))
        ...     found, gone = client.model("org/base"), client.model("no/such")
        ...     mark = client.hub_mark()
        >>> len(page.items), page.next_url, found["id"], gone, mark
        (2, None, 'org/base', None, '2024-03-01T00:00:00.000Z')
        """
        response = self._get(url, "listing page")
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            raise HubHTTPError(self._http_error(exc.response, "listing page")) from exc
        content = response.content
        try:
            items = json.loads(content.decode("utf-8"))  # str: twice as fast as bytes
        except ValueError as exc:  # UnicodeDecodeError included
            raise MalformedPageError(
                f"{self.endpoint} sent a listing page that is not valid JSON ({exc}); nothing "
                "of it was stored, rerun `hf-lineage crawl` to retry from the last committed page"
            ) from exc
        if not isinstance(items, list):
            raise MalformedPageError(
                f"{self.endpoint} sent a listing page that is not a JSON array; check --endpoint"
            )
        info = parse_ratelimit_headers(response.headers)
        nxt = response.links.get("next", {}).get("url")
        if nxt is not None:
            nxt = str(response.url.join(nxt))
            self.check_url(nxt, "next-page link")
        return RawPage(items, nxt, info.remaining if info else None, len(content))

    def model(self, model_id: str, expand=EXPAND) -> dict | None:
        """``GET /api/models/{model_id}`` (a renamed id redirects to the new one): the model
        object, or None when the Hub has no public model of that id.

        Parameters
        ----------
        model_id : str
            The id looked up.
        expand : iterable of str
            The fields asked for.

        Returns
        -------
        dict or None

        Examples
        --------
        See :meth:`fetch`.
        """
        params = {"expand": list(expand)}
        url = str(httpx2.URL(f"{self.endpoint}/api/models/{model_id}", params=params))
        response = self._get(url, "model lookup")
        if response.status_code in (401, 403, 404, 410):
            return None
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            raise HubHTTPError(self._http_error(exc.response, "model lookup")) from exc
        try:
            item = json.loads(response.content.decode("utf-8"))
        except ValueError:
            item = None
        return item if isinstance(item, dict) else None

    def _http_error(self, response: httpx2.Response | None, what: str = "listing page") -> str:
        status = response.status_code if response is not None else 0
        what = f"{self.endpoint} answered HTTP {status or 'error'} to a {what}"
        if status in (401, 403):
            return f"{what}; check --token / HF_TOKEN (nothing was stored from this page)"
        if status in (400, 404):
            return f"{what}; check --endpoint, it does not serve the Hub's /api/models"
        if response is not None and status == 429:
            info = parse_ratelimit_headers(response.headers)
            wait = f"{info.reset_in_seconds} s" if info else "a few minutes"
            return (
                f"{what}: rate limit still exhausted after {self.max_retries} "
                f"retries; wait {wait} (or use a token) and rerun `hf-lineage crawl` to resume"
            )
        return (
            f"{what} after {self.max_retries} retries; rerun `hf-lineage crawl` "
            "later to resume from the last committed page"
        )

    def hub_mark(self) -> str | None:
        """The newest ``lastModified`` on the Hub now: where a later re-run's pass can stop.

        Returns
        -------
        str or None
            None for an empty Hub.

        Examples
        --------
        See :meth:`fetch`.
        """
        page = self.fetch(self.listing_url("lastModified", limit=1, expand=("lastModified",)))
        item = page.items[0] if page.items else None
        return _timestamp(item.get("lastModified")) if isinstance(item, dict) else None
