"""LocalHub: a local stand-in for the Hub's model listing, for tests, demos and benchmarks.

It speaks the wire protocol huggingface_hub 2.4.0 uses (see ``../shared/docs/hf_api.md``):
``GET /api/models`` with ``search``, ``author``, ``filter`` (repeated, tags such as
``base_model:finetune:ORG/NAME``), ``pipeline_tag``, ``sort`` (createdAt, lastModified,
downloads, likes, trendingScore; always descending), ``limit`` (capped at ``max_limit``,
1,000 like the Hub), ``expand`` / ``expand[]`` (repeated), ``full``, ``cardData``, and an
opaque ``cursor``: a keyset on (sort value, ``_id``) carried in
``Link: <absolute next URL>; rel="next"``. Every response has ``RateLimit`` and
``RateLimit-Policy`` headers. ``GET /api/models/{id}`` answers one model (307 for a renamed
id, 404 with ``X-Error-Code: RepoNotFound`` otherwise).

Faults are queued with :meth:`LocalHub.fail` and served to the next listing requests: HTTP
429 (``RateLimit: "api";r=0;t=N``), 503, a malformed JSON body, a delay, or a ``Link`` that
points back at the page just served (a pagination loop) or to another origin. ``hub.models``
may be edited between crawls (call :meth:`LocalHub.touch` after in-place edits);
:meth:`LocalHub.rename` and :meth:`LocalHub.reupload` stage what the Hub does on a rename
(children's tags rewritten, ``lastModified`` untouched, the old id answering 307) and on a
deletion and re-creation under the same id (a new ``_id`` and ``createdAt``).
:func:`load_items` reads real listing rows (the hub-stats sample's format) to serve.

Example:
    >>> import json, urllib.request
    >>> with LocalHub([{"_id": "1", "id": "a/b", "createdAt": "2024-01-01T00:00:00.000Z"}]) as hub:
    ...     body = urllib.request.urlopen(hub.endpoint + "/api/models?limit=5").read()
    >>> [m["id"] for m in json.loads(body)]
    ['a/b']

Run ``python -m lineage.sim.hubserver --models 20000 --seed 0`` to serve a simulated Hub, or
``python -m lineage.hubserver --items items.json.gz`` to serve real listing rows.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import gzip
import hashlib
import json
import re
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

SORT_KEYS = ("createdAt", "lastModified", "downloads", "likes", "trendingScore")
#: Fields of a listing item when neither ``expand`` nor ``full`` is asked for.
DEFAULT_FIELDS = (
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
)


#: Fields the Hub serves for one model only, never in listings.
SINGLE_MODEL_FIELDS = ("baseModels", "childrenModelCount")


@dataclass
class Fault:
    """One injected answer of a :class:`LocalHub` (see :meth:`LocalHub.fail`).

    Parameters
    ----------
    kind : int or str
        429, 503, "malformed", "delay", "loop" (the ``Link`` names the page just served),
        "foreign-link" (the ``Link`` names ``location``'s origin) or "redirect" (a 307 to
        ``location``).
    reset : int
        The ``RateLimit`` reset (seconds) sent with a 429.
    seconds : float
        How long a "delay" sleeps.
    location : str
        The URL of a "foreign-link" or "redirect".

    Examples
    --------
    >>> Fault(429, reset=2).kind, Fault("delay", seconds=0.5).seconds
    (429, 0.5)
    """

    kind: int | str
    reset: int = 0
    seconds: float = 0.0
    location: str = ""


def oid_of(model_id: str, salt: str = "") -> str:
    """A stable 24-hex ``_id`` for a model id (and a re-upload ``salt``).

    Parameters
    ----------
    model_id : str
        The model id.
    salt : str
        Changes the ``_id`` (a deleted and re-uploaded model).

    Returns
    -------
    str

    Examples
    --------
    >>> oid_of("gpt2")
    'b533ba679e743a63dbbea670'
    """
    return hashlib.sha1(f"{model_id}{salt}".encode()).hexdigest()[:24]


def load_items(path: str) -> list[dict]:
    """Listing items from a JSON (or ``.gz``) file holding a list of Hub model objects, as
    the Hub would serve them: an ``_id`` (:func:`oid_of` the id) and ``private: false`` are
    added where missing; ``baseModels`` stays for ``GET /api/models/{id}`` only.

    Parameters
    ----------
    path : str
        A ``.json`` or ``.json.gz`` file.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "items.json"
    >>> _ = path.write_text(json.dumps([{"id": "gpt2"}]))
    >>> load_items(str(path))
    [{'_id': 'b533ba679e743a63dbbea670', 'private': False, 'id': 'gpt2'}]
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        items = json.load(handle)
    if not isinstance(items, list):
        raise ValueError(f"{path} does not hold a JSON list of model objects")
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            item = {"_id": oid_of(item["id"]), "private": False, **item}
        out.append(item)
    return out


class LocalHub:
    """Serve ``models`` (Hub JSON model dicts) on 127.0.0.1 in a background thread.

    Speaks the Hub's ``/api/models`` wire protocol (pagination by ``Link`` headers,
    ``expand[]``, ``RateLimit`` headers), so the crawler is tested through
    huggingface_hub's own client.

    Parameters
    ----------
    models : list of dict
        The Hub's JSON model objects (``_id``, ``id``, ``createdAt``, ``tags`` ...).
    page_delay : float
        Seconds slept before each listing page.
    max_limit : int
        Largest page served.
    quota, window : int
        The ``RateLimit-Policy`` advertised; ``enforce_quota`` answers 429 once the
        window's quota is spent.
    renames : dict, optional
        Old id -> new id (answered with 307 redirects).
    port : int
        Port to listen on (0: any free one).

    Examples
    --------
    >>> import httpx2
    >>> with LocalHub([{"_id": "1", "id": "org/base"}]) as hub:
    ...     [m["id"] for m in httpx2.get(f"{hub.endpoint}/api/models").json()]
    ['org/base']
    """

    def __init__(
        self,
        models: list[dict],
        *,
        page_delay: float = 0.0,
        max_limit: int = 1000,
        quota: int = 1000,
        window: int = 300,
        enforce_quota: bool = False,
        renames: dict[str, str] | None = None,
        port: int = 0,
    ):
        self._models = models
        self.page_delay = page_delay
        self.max_limit = max_limit
        self.quota, self.window, self.enforce_quota = quota, window, enforce_quota
        self.renames = dict(renames or {})
        self.requests: list[dict] = []
        self._faults: deque[Fault | None] = deque()
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, list, list]] = {}
        self._encoded: dict[tuple, dict[int, str]] = {}  # JSON per model and field set
        self._version = 0
        self._window_start = time.monotonic()
        self._window_used = 0
        self._server = _Server(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._connections: set = set()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     hub.endpoint.startswith("http://127.0.0.1:")
        True
        """
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LocalHub:
        """Start serving in a daemon thread.

        Returns
        -------
        LocalHub
            ``self``, serving.

        Examples
        --------
        >>> import httpx2
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> hub = LocalHub(models).start()
        >>> httpx2.get(f"{hub.endpoint}/api/models").status_code
        200
        >>> hub.stop()
        """
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket and every open connection.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> hub = LocalHub(models).start()
        >>> hub.stop()
        """
        self._server.shutdown()
        self._server.server_close()
        for sock in list(self._connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------------
    @property
    def models(self) -> list[dict]:
        """The served model dicts; assigning a new list takes effect at once.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     hub.models = models + [{"_id": "2", "id": "org/other"}]
        ...     len(hub.models)
        2
        """
        return self._models

    @models.setter
    def models(self, models: list[dict]) -> None:
        self._models = models
        self.touch()

    def fail(
        self,
        kind: int | str,
        times: int = 1,
        *,
        after: int = 0,
        reset: int = 0,
        seconds: float = 0.0,
        location: str = "",
    ) -> None:
        """Answer ``times`` listing requests, after ``after`` normal ones, with a fault.

        ``kind``: 429 (its ``RateLimit`` says the window resets in ``reset`` seconds), 503,
        "malformed" (a truncated JSON body), "delay" (``seconds`` before answering), "loop"
        (the page's ``Link`` names the page itself), "foreign-link" (the ``Link`` names the
        same path and query on ``location``, another origin) or "redirect" (307 to
        ``location`` + the request's path and query).

        Parameters
        ----------
        kind : int or str
            429, 503, "malformed", "delay", "loop", "foreign-link" or "redirect".
        times : int
            How many requests get the fault.
        after : int
            Normal answers before the first fault.
        reset : int
            Seconds until the rate-limit window resets (429).
        seconds : float
            The delay ("delay").
        location : str
            The other origin ("foreign-link", "redirect").

        Examples
        --------
        >>> import httpx2
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     hub.fail(503, after=1)
        ...     [httpx2.get(f"{hub.endpoint}/api/models").status_code for _ in range(3)]
        [200, 503, 200]
        """
        with self._lock:
            self._faults.extend([None] * after)
            self._faults.extend(Fault(kind, reset, seconds, location) for _ in range(times))

    def rename(self, old_id: str, new_id: str, *, touch_modified: bool = False) -> dict:
        """Rename a model as the Hub does: same ``_id``, new id; every child's ``base_model:``
        tags rewritten to the new id without changing its ``lastModified``; the old id
        answers 307 to the new one. Returns the renamed model.

        Parameters
        ----------
        old_id, new_id : str
            The model's id and its new one.
        touch_modified : bool
            Also set the renamed model's ``lastModified`` to now.

        Returns
        -------
        dict
            The renamed model dict.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"},
        ...           {"_id": "2", "id": "you/tuned", "tags": ["base_model:org/base"]}]
        >>> with LocalHub(models) as hub:
        ...     renamed = hub.rename("org/base", "org/base-v2")
        >>> renamed["id"], models[1]["tags"], hub.renames
        ('org/base-v2', ['base_model:org/base-v2'], {'org/base': 'org/base-v2'})
        """
        low = old_id.lower()
        model = next(m for m in self._models if m["id"].lower() == low)
        model["id"] = new_id
        if "/" in new_id:
            model["author"] = new_id.split("/")[0]
        if touch_modified:
            model["lastModified"] = _now_iso()
        pattern = re.compile(
            r"^(base_model:(?:[A-Za-z_-]+:)?)" + re.escape(old_id) + "$", re.IGNORECASE
        )
        for m in self._models:
            tags = m.get("tags")
            if isinstance(tags, list):
                m["tags"] = [
                    pattern.sub(lambda g: g.group(1) + new_id, t) if isinstance(t, str) else t
                    for t in tags
                ]
        for old, new in list(self.renames.items()):
            if new.lower() == low:
                self.renames[old] = new_id
        self.renames.pop(new_id, None)
        self.renames[old_id] = new_id
        self.touch()
        return model

    def reupload(self, model_id: str, *, created_at: str | None = None) -> dict:
        """Delete a model and create it again under the same id: a new ``_id``, ``createdAt``
        and ``lastModified`` (``created_at``, default now). Children keep their tags.
        Returns the new model.

        Parameters
        ----------
        model_id : str
            The model re-created.
        created_at : str, optional
            Its new ``createdAt`` (ISO 8601; default now).

        Returns
        -------
        dict
            The new model dict.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     model = hub.reupload("org/base", created_at="2025-01-01T00:00:00.000Z")
        >>> model["_id"] != "1", model["createdAt"]
        (True, '2025-01-01T00:00:00.000Z')
        """
        low = model_id.lower()
        model = next(m for m in self._models if m["id"].lower() == low)
        when = created_at or _now_iso()
        model["_id"] = oid_of(model["id"], salt=f"reupload {when} {model['_id']}")
        model["createdAt"] = model["lastModified"] = when
        self.touch()
        return model

    def touch(self) -> None:
        """Tell the server ``models`` changed in place (drops its sorted indexes).

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     models[0]["likes"] = 3
        ...     hub.touch()  # the next listing sees the edit
        """
        with self._lock:
            self._version += 1
            self._cache.clear()
            self._encoded.clear()

    @property
    def listing_requests(self) -> list[dict]:
        """The logged ``/api/models`` listing requests (path, query, headers).

        Examples
        --------
        >>> import httpx2
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     _ = httpx2.get(f"{hub.endpoint}/api/models?limit=5")
        ...     [r['query'] for r in hub.listing_requests]
        [{'limit': ['5']}]
        """
        return [r for r in self.requests if r["path"] == "/api/models"]

    # -- serving -------------------------------------------------------------------------------
    def _ratelimit(self) -> tuple[dict[str, str], bool]:
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= self.window:
                self._window_start, self._window_used = now, 0
            self._window_used += 1
            remaining = max(0, self.quota - self._window_used)
            reset = max(0, int(self._window_start + self.window - now))
            over = self.enforce_quota and self._window_used > self.quota
        headers = {
            "RateLimit": f'"api";r={remaining};t={reset}',
            "RateLimit-Policy": f'"fixed window";"api";q={self.quota};w={self.window}',
        }
        return headers, over

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _sorted(self, sort: str) -> tuple[list, list]:
        """Models ascending by (sort value, _id), with their keys, cached until edited."""
        with self._lock:
            cached = self._cache.get(sort)
            if cached and cached[0] == self._version and len(cached[2]) == len(self._models):
                return cached[1], cached[2]
            version = self._version
            models = list(self._models)
        default: Any = "" if sort in ("createdAt", "lastModified") else 0
        keyed = (
            sorted(
                ((m.get(sort) if m.get(sort) is not None else default, m.get("_id", "")), m)
                for m in models
            )
            if models
            else []
        )
        keys = [k for k, _ in keyed]
        items = [m for _, m in keyed]
        with self._lock:
            self._cache[sort] = (version, keys, items)
        return keys, items

    def listing(self, query: dict[str, list[str]], base_url: str) -> tuple[int, bytes, dict]:
        """Answer ``/api/models`` for a parsed query: (status, body, extra headers).

        Parameters
        ----------
        query : dict of str to list of str
            The parsed query string (``urllib.parse.parse_qs``).
        base_url : str
            The listing URL, for the next page's ``Link``.

        Returns
        -------
        status, body, headers : int, bytes, dict
            The answer.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models) as hub:
        ...     status, body, headers = hub.listing({"sort": ["createdAt"]}, hub.endpoint)
        >>> import json
        >>> status, [m["id"] for m in json.loads(body)], headers
        (200, ['org/base'], {})
        """
        one = {k: v[-1] for k, v in query.items()}
        expand = query.get("expand", []) + query.get("expand[]", [])
        full = one.get("full", "").lower() in ("true", "1")
        card = one.get("cardData", "").lower() in ("true", "1")
        if expand and (full or card or "config" in one):
            return _error(400, "expand cannot be combined with full, cardData or config")
        sort = one.get("sort", "createdAt")
        if sort not in SORT_KEYS:
            return _error(400, f"invalid sort {sort!r}")
        try:
            limit = min(int(one.get("limit", self.max_limit)), self.max_limit)
        except ValueError:
            return _error(400, "limit must be an integer")
        keys, items = self._sorted(sort)
        end = len(items)
        if "cursor" in one:
            try:
                value, oid = json.loads(base64.urlsafe_b64decode(one["cursor"]))
            except ValueError:
                return _error(400, "invalid cursor")
            end = bisect.bisect_left(keys, (value, oid))
        wanted = _matcher(one, query.get("filter", []))
        page: list[dict] = []
        i = end
        while i > 0 and len(page) < limit:
            i -= 1
            if wanted(items[i]):
                page.append(items[i])
        headers: dict[str, str] = {}
        if page and i > 0 and len(page) == limit:
            token = base64.urlsafe_b64encode(json.dumps(list(keys[i])).encode()).decode()
            rest = [(k, v) for k, v in _pairs(query) if k != "cursor"]
            headers["Link"] = f'<{base_url}?{urlencode(rest + [("cursor", token)])}>; rel="next"'
        fields = _fields(expand, full, card)
        encoded = self._encoded.setdefault((tuple(expand), full, card), {})
        parts = []
        for m in page:
            text = encoded.get(id(m))
            if text is None:
                text = encoded[id(m)] = json.dumps({k: m[k] for k in fields(m)})
            parts.append(text)
        return 200, ("[" + ",".join(parts) + "]").encode(), headers

    def model(
        self, model_id: str, query: dict[str, list[str]] | None = None, raw_query: str = ""
    ) -> tuple[int, bytes, dict]:
        """Answer ``/api/models/{id}``: the model (fields: ``expand`` / ``expand[]`` if
        given, else all but ``cardData``; ``baseModels`` only when expanded), a 307 for a
        renamed id (to the new id, same query), or 404.

        Parameters
        ----------
        model_id : str
            The id asked about (matched case-insensitively).
        query : dict of str to list of str, optional
            The parsed query string.
        raw_query : str
            The query string as sent (kept on a redirect).

        Returns
        -------
        status, body, headers : int, bytes, dict
            The answer.

        Examples
        --------
        >>> models = [{"_id": "1", "id": "org/base", "createdAt": "2024-01-01T00:00:00.000Z"}]
        >>> with LocalHub(models, renames={'old/name': 'org/base'}) as hub:
        ...     [hub.model(name)[0] for name in ("ORG/BASE", "old/name", "no/such")]
        [200, 307, 404]
        """
        query = query or {}
        low = model_id.lower()
        for m in self.models:
            if m["id"].lower() == low:
                expand = query.get("expand", []) + query.get("expand[]", [])
                keys = (
                    ["_id", "id", *expand]
                    if expand
                    else [k for k in m if k not in ("cardData", *SINGLE_MODEL_FIELDS)]
                )
                return 200, json.dumps({k: m[k] for k in keys if k in m}).encode(), {}
        renamed = {k.lower(): v for k, v in self.renames.items()}
        if low in renamed:
            where = f"/api/models/{quote(renamed[low])}" + (f"?{raw_query}" if raw_query else "")
            return 307, b"", {"Location": where}
        return _error(404, "Repository not found", code="RepoNotFound")


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (a killed crawl) is no server error; others are re-raised."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _pairs(query: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in query.items() for v in values]


def _fields(expand: list[str], full: bool, card: bool):
    if expand:
        chosen = ("_id", "id", *expand)
    elif full:
        return lambda m: [
            k for k in m if (k != "cardData" or card) and k not in SINGLE_MODEL_FIELDS
        ]
    else:
        chosen = DEFAULT_FIELDS + (("cardData",) if card else ())
    return lambda m: [k for k in chosen if k in m]


def _matcher(one: dict[str, str], filters: list[str]):
    search = one.get("search", "").lower()
    author = one.get("author", "").lower()
    pipeline = one.get("pipeline_tag")
    wanted_tags = [f.lower() for f in filters]

    def ok(m: dict) -> bool:
        if search and search not in m["id"].lower():
            return False
        if author and m["id"].split("/")[0].lower() != author:
            return False
        if pipeline and m.get("pipeline_tag") != pipeline:
            return False
        if wanted_tags:
            have = {t.lower() for t in m.get("tags") or ()}
            have.update(str(m.get(k, "")).lower() for k in ("pipeline_tag", "library_name"))
            return all(t in have for t in wanted_tags)
        return True

    return ok


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _error(status: int, message: str, code: str | None = None) -> tuple[int, bytes, dict]:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return status, json.dumps({"error": message}).encode(), headers


def _make_handler(hub: LocalHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def setup(self) -> None:
            super().setup()
            hub._connections.add(self.connection)

        def finish(self) -> None:
            hub._connections.discard(self.connection)
            super().finish()

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            hub.requests.append(
                {"path": parts.path, "query": query, "headers": dict(self.headers.items())}
            )
            limits, over = hub._ratelimit()
            if parts.path == "/api/models":
                fault = hub._next_fault()
                if over:
                    fault = Fault(429, reset=int(limits["RateLimit"].rsplit("=", 1)[1]))
                if fault is not None and fault.kind == 429:
                    limits["RateLimit"] = f'"api";r=0;t={fault.reset}'
                    self._send(*_error(429, "rate limited"), limits)
                    return
                if fault is not None and fault.kind == 503:
                    self._send(*_error(503, "Service Unavailable"), limits)
                    return
                if fault is not None and fault.kind == "redirect":
                    self._send(307, b"", {"Location": fault.location + self.path}, limits)
                    return
                if fault is not None and fault.kind == "delay":
                    time.sleep(fault.seconds)
                if hub.page_delay:
                    time.sleep(hub.page_delay)
                host = self.headers.get("Host") or hub.endpoint.split("//", 1)[1]
                status, body, extra = hub.listing(query, f"http://{host}/api/models")
                if fault is not None and fault.kind == "malformed":
                    body = body[: max(1, len(body) // 2)]
                if fault is not None and fault.kind == "loop":
                    extra["Link"] = f'<http://{host}{self.path}>; rel="next"'
                if fault is not None and fault.kind == "foreign-link":
                    extra["Link"] = f'<{fault.location}{self.path}>; rel="next"'
                self._send(status, body, {**extra, **limits})
            elif parts.path.startswith("/api/models/"):
                model_id = unquote(parts.path[len("/api/models/") :])
                self._send(*hub.model(model_id, query, parts.query), limits)
            else:
                self._send(*_error(404, "not found"), limits)

        def _send(self, status: int, body: bytes, extra: dict, limits: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in {**extra, **(limits or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """``python -m lineage.sim.hubserver [--models N --seed S | --items FILE] [--page-delay X]
    [--max-limit L] [--port P]``: serve a simulated Hub, or real listing rows, on 127.0.0.1
    (the endpoint URL is printed on the first line)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--items",
        default=None,
        help="JSON (.gz) list of listing items to serve instead of simulating",
    )
    parser.add_argument("--page-delay", type=float, default=0.0)
    parser.add_argument("--max-limit", type=int, default=1000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.items:
        try:
            models = load_items(args.items)
        except (OSError, ValueError) as exc:
            parser.error(f"cannot read --items {args.items}: {exc}")
    else:
        from lineage.sim.simulate import simulate_hub

        models = simulate_hub(args.models, args.seed).models

    hub = LocalHub(models, page_delay=args.page_delay, max_limit=args.max_limit, port=args.port)
    with hub:
        print(hub.endpoint, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
