"""From the Hub to a snapshot: the listing client, the crawler and the SQLite store.

- :mod:`lineage.hub.client`: ``/api/models`` pages through huggingface_hub's HTTP layer,
  parsed into typed records and lineage edges;
- :mod:`lineage.hub.crawl`: full, incremental and resumed crawls;
- :mod:`lineage.hub.store`: the schema-versioned snapshot.
"""

from lineage.hub.client import HubClient, ParsedPage, declared_parents, parse_page
from lineage.hub.crawl import CrawlProgress, CrawlResult
from lineage.hub.store import Completeness, Store, resolve_db_path

__all__ = ["Completeness", "CrawlProgress", "CrawlResult", "HubClient", "ParsedPage", "Store",
           "declared_parents", "parse_page", "resolve_db_path"]
