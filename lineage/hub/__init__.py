"""From the Hub to a snapshot: the listing client, the crawler and the SQLite store.

- :mod:`lineage.hub.client`: ``/api/models`` pages through huggingface_hub's HTTP layer,
  parsed into typed records and lineage edges;
- :mod:`lineage.hub.crawl`: full, incremental and resumed crawls;
- :mod:`lineage.hub.store`: the schema-versioned snapshot;
- :mod:`lineage.hub.resolve`: which model a reference names.

The names below load on first use (reading a snapshot needs no HTTP client).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "HubClient": "lineage.hub.client",
    "ParsedPage": "lineage.hub.client",
    "declared_parents": "lineage.hub.client",
    "parse_page": "lineage.hub.client",
    "CrawlProgress": "lineage.hub.crawl",
    "CrawlResult": "lineage.hub.crawl",
    "Completeness": "lineage.hub.store",
    "Store": "lineage.hub.store",
    "resolve_db_path": "lineage.hub.store",
    "resolve_references": "lineage.hub.resolve",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lineage.hub' has no attribute {name!r}")
