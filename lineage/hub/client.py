"""Talking to the Hub: listing pages of ``/api/models`` and the lineage edges they declare.

The requests go through huggingface_hub's own client machinery: the shared ``httpx2`` session
behind :func:`huggingface_hub.utils.http_backoff` (retries on 408/429/5xx and network errors,
waiting out a 429's ``RateLimit`` reset), :func:`~huggingface_hub.utils.hf_raise_for_status`
and :func:`~huggingface_hub.utils.build_hf_headers` (token, user agent naming hf-lineage), at
the endpoint :class:`huggingface_hub.HfApi` would use. We do not call ``HfApi.list_models``:
it wraps ``_paginate_pages``, which never exposes the ``Link: <...>; rel="next"`` URL, and that
URL (the keyset cursor) is the resume point a crawl commits with each page. So :class:`HubClient`
requests the same URL ``list_models`` builds, then follows the ``Link`` header page by page,
exactly as ``_paginate_pages`` does. Items stay raw JSON dicts: building a ``ModelInfo`` per
model costs more than the rest of the ingest together (see ``bench/crawl_bench.py``).

Example:
    >>> page = parse_page([{"_id": "a1", "id": "me/tuned", "tags": [
    ...     "base_model:finetune:Org/Base", "base_model:Org/Base"]}])
    >>> page.edges
    [('a1', 'Org/Base', 'org/base', 'finetune', 'relation_tag')]
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
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
from lineage.errors import HubHTTPError, HubUnreachableError, MalformedPageError

#: Listing fields a crawl asks for (``expand``); ``baseModels`` is not served in listings.
EXPAND = (
    "author", "cardData", "createdAt", "downloads", "lastModified", "library_name", "likes",
    "pipeline_tag", "private", "tags",
)
#: The largest page the Hub serves.
PAGE_LIMIT = 1000
#: Relations the Hub derives; any other word it emits is kept verbatim.
RELATIONS = ("finetune", "adapter", "quantized", "merge")
#: The relation of an edge whose declaration states none.
UNKNOWN_RELATION = "unknown"

# huggingface_hub's REPO_ID_REGEX, anchored, plus its "--" / ".." rules.
_REPO_ID = re.compile(r"(?:\b[\w\-.]+\b/)?\b[\w\-.]{1,96}\b")
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/", re.IGNORECASE)
_RELATION_WORD = re.compile(r"[A-Za-z_-]+")


@dataclass
class ParsedPage:
    """Rows ready for the store, from one listing page.

    ``models``: (oid, id, id_lower, created_at, last_modified, author, downloads, likes,
    pipeline_tag, library_name); ``edges``: (child_oid, parent_ref, parent_lower, relation,
    source); ``rejected``: (child_oid, ref, relation, source, reason "self-loop"|"invalid").
    """

    models: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)
    rejected: list[tuple] = field(default_factory=list)


@dataclass
class RawPage:
    """One fetched listing page: its JSON items, the ``rel="next"`` URL, the rate-limit state."""

    items: list[dict]
    next_url: str | None
    ratelimit_remaining: int | None = None


def is_hub_id(ref: str) -> bool:
    """Whether ``ref`` can be a Hub model id (``name`` or ``org/name``), not a path or URL.

    Example:
        >>> is_hub_id("meta-llama/Llama-2-7b-hf"), is_hub_id("/workspace/out"), is_hub_id("./x")
        (True, False, False)
    """
    return (
        _REPO_ID.fullmatch(ref) is not None and "--" not in ref and ".." not in ref
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

    Relation tags first, else bare ``base_model:`` tags (relation ``unknown``), else
    ``cardData.base_model`` (a list of two or more is a ``merge``); the card's
    ``base_model_relation`` overrides the relation. References are returned as written.

    Example:
        >>> declared_parents({"cardData": {"base_model": ["a/x", "b/y"]}})
        ([('merge', 'a/x'), ('merge', 'b/y')], 'card')
    """
    related, bare = _refs_from_tags(item.get("tags") or ())
    card = item.get("cardData")
    card = card if isinstance(card, dict) else {}
    if related:
        pairs, source = related, "relation_tag"
    elif bare:
        pairs, source = [("unknown", ref) for ref in bare], "base_model_tag"
    else:
        base = card.get("base_model")
        refs = [base] if isinstance(base, str) else base if isinstance(base, list) else []
        refs = [ref if isinstance(ref, str) else "" for ref in refs]
        relation = "merge" if len({r.strip().lower() for r in refs}) >= 2 else "unknown"
        pairs, source = [(relation, ref) for ref in refs], "card"
    override = card.get("base_model_relation")
    if pairs and isinstance(override, str) and override.strip():
        word = override.strip().lower()
        pairs = [(word, ref) for _, ref in pairs]
    return pairs, source


def parse_page(items: list[Any]) -> ParsedPage:
    """Turn one page of Hub JSON model objects into store rows (fast path, no ModelInfo).

    Raises :class:`MalformedPageError` on an item without a string ``id``.

    Example:
        >>> p = parse_page([{"_id": "1", "id": "a/b", "tags": ["base_model:A/B", "base_model:./"]}])
        >>> len(p.edges), [r[-1] for r in p.rejected]
        (0, ['self-loop', 'invalid'])
    """
    page = ParsedPage()
    models, edges, rejected = page.models, page.edges, page.rejected
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise MalformedPageError(
                f"a listing item is not a model object ({str(item)[:60]!r}); the endpoint is "
                "not serving the Hub's /api/models format, check --endpoint"
            )
        mid = item["id"]
        low = mid.lower()
        oid = item.get("_id") or low
        models.append((
            oid, mid, low, item.get("createdAt"), item.get("lastModified"), item.get("author"),
            item.get("downloads"), item.get("likes"), item.get("pipeline_tag"),
            item.get("library_name"),
        ))
        card = item.get("cardData")
        has_card = isinstance(card, dict) and "base_model" in card
        if not has_card and "base_model:" not in str(item.get("tags")):
            continue
        pairs, source = declared_parents(item)
        seen: set[str] = set()
        for relation, raw_ref in pairs:
            ref = _HUB_URL.sub("", raw_ref.strip()).rstrip("/")
            ref_low = ref.lower()
            if ref_low in seen:
                continue
            seen.add(ref_low)
            if not is_hub_id(ref):
                rejected.append((oid, raw_ref, relation, source, "invalid"))
            elif ref_low == low:
                rejected.append((oid, raw_ref, relation, source, "self-loop"))
            else:
                edges.append((oid, ref, ref_low, relation, source))
    return page


class HubClient:
    """Listing pages of one endpoint (``endpoint``, else ``$HF_ENDPOINT``, else the Hub).

    ``token``: else ``$HF_TOKEN`` / the cached login, sent as a header only (never stored).
    ``max_retries`` / ``base_wait_time`` / ``max_wait_time`` are ``http_backoff``'s.

    Example:
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
    ):
        chosen = endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
        self.endpoint = chosen.rstrip("/")
        self._headers = build_hf_headers(
            token=token or None, library_name="hf-lineage", library_version=__version__
        )
        self._backoff = {
            "max_retries": max_retries,
            "base_wait_time": base_wait_time,
            "max_wait_time": max_wait_time,
            "timeout": timeout,
        }

    def listing_url(self, sort: str, limit: int = PAGE_LIMIT, expand=EXPAND) -> str:
        """The first-page URL ``HfApi.list_models(sort=..., limit=..., expand=...)`` requests."""
        params = {"sort": sort, "limit": limit, "expand": list(expand)}
        return str(httpx2.URL(f"{self.endpoint}/api/models", params=params))

    def fetch(self, url: str) -> RawPage:
        """GET one listing page with the client's retries; errors become one-line HubErrors."""
        try:
            response = http_backoff("GET", url, headers=self._headers, **self._backoff)
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            raise HubHTTPError(self._http_error(exc.response)) from None
        except (httpx2.TransportError, OfflineModeIsEnabled) as exc:
            raise HubUnreachableError(
                f"cannot reach {self.endpoint} ({type(exc).__name__}: {exc}); check --endpoint "
                "and the network, then rerun `hf-lineage crawl` to resume"
            ) from None
        try:
            items = json.loads(response.content.decode("utf-8"))  # str: twice as fast as bytes
        except ValueError as exc:  # UnicodeDecodeError included
            raise MalformedPageError(
                f"{self.endpoint} sent a listing page that is not valid JSON ({exc}); nothing "
                "of it was stored, rerun `hf-lineage crawl` to retry from the last committed page"
            ) from None
        if not isinstance(items, list):
            raise MalformedPageError(
                f"{self.endpoint} sent a listing page that is not a JSON array; check --endpoint"
            )
        info = parse_ratelimit_headers(response.headers)
        nxt = response.links.get("next", {}).get("url")
        return RawPage(items, nxt, info.remaining if info else None)

    def _http_error(self, response: httpx2.Response | None) -> str:
        status = response.status_code if response is not None else 0
        what = f"{self.endpoint} answered HTTP {status or 'error'} to a listing page"
        if status in (401, 403):
            return f"{what}; check --token / HF_TOKEN (nothing was stored from this page)"
        if status in (400, 404):
            return f"{what}; check --endpoint, it does not serve the Hub's /api/models"
        if status == 429:
            info = parse_ratelimit_headers(response.headers)
            wait = f"{info.reset_in_seconds} s" if info else "a few minutes"
            return (
                f"{what}: rate limit still exhausted after {self._backoff['max_retries']} "
                f"retries; wait {wait} (or use a token) and rerun `hf-lineage crawl` to resume"
            )
        return (
            f"{what} after {self._backoff['max_retries']} retries; rerun `hf-lineage crawl` "
            "later to resume from the last committed page"
        )

    def hub_mark(self) -> str | None:
        """The newest ``lastModified`` on the Hub now: where a later re-run's pass can stop."""
        page = self.fetch(self.listing_url("lastModified", limit=1, expand=("lastModified",)))
        return page.items[0].get("lastModified") if page.items else None
