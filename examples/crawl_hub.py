"""Crawl the real Hugging Face Hub (or any endpoint speaking its API) and look at the result.

The first run lists every model once (about 3,000 pages of 1,000 models: roughly 15 minutes
with a token, 30 without; the Hub allows 1,000 requests per 5 minutes with a free token,
500 anonymously). Run it again later and it is incremental: it lists only what is new or
modified since. Interrupt it any way you like: the next run resumes from the last page it
committed.

Usage:
    export HF_TOKEN=hf_...             # optional, doubles the rate limit; never stored
    python examples/crawl_hub.py --db hub.db --max-models 20000   # a first look
    python examples/crawl_hub.py --db hub.db                      # everything (resumes)
    python examples/crawl_hub.py --db hub.db --endpoint http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lineage.errors import HfLineageError  # noqa: E402
from lineage.graph import LineageGraph  # noqa: E402
from lineage.hub.crawl import CrawlProgress, crawl  # noqa: E402
from lineage.hub.store import Store, resolve_db_path  # noqa: E402
from lineage.progress import Progress  # noqa: E402


def report(progress: Progress) -> None:
    """Print a progress line every tenth page and at the end (and the commit's note)."""
    if not isinstance(progress, CrawlProgress):
        print(f"  {progress.message}", flush=True)
    elif progress.finished or progress.pages % 10 == 0:
        left = (
            ""
            if progress.ratelimit_remaining is None
            else f", {progress.ratelimit_remaining} requests left in the window"
        )
        print(
            f"  {progress.mode} [{progress.phase or 'done'}]: {progress.pages:,} pages, "
            f"{progress.models:,} models, {progress.rate:,.0f} models/s{left}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="snapshot file (default: $HF_LINEAGE_DB, else ~/.cache/hf-lineage/hub.db)"
    )
    parser.add_argument("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else hf.co)")
    parser.add_argument("--max-models", type=int, help="stop the listing after N models")
    args = parser.parse_args(argv)
    db = resolve_db_path(args.db)

    try:
        result = crawl(
            db,
            endpoint=args.endpoint,
            token=os.environ.get("HF_TOKEN"),
            max_models=args.max_models,
            progress=report,
        )
        how = "resumed and finished" if result.resumed else "finished"
        print(
            f"{result.mode} crawl {how}: {result.models:,} models listed in "
            f"{result.pages:,} pages, {result.elapsed:.1f} s"
        )

        with Store(db, readonly=True) as store:
            info = store.info()
        print(
            f"\nsnapshot {info['path']} ({info['endpoint']}, {info['snapshot_time']}): "
            f"{info['models']:,} models, {info['edges']:,} edges, "
            f"{info['missing_parents']:,} parents never listed"
        )
        print(
            "edges by relation: "
            + ", ".join(f"{k} {v:,}" for k, v in info["edges_by_relation"].items())
        )

        graph = LineageGraph.from_db(db)
    except HfLineageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code

    counts = graph.descendant_counts("transitive").rename("transitive").to_frame()
    counts["direct"] = graph.descendant_counts("direct")
    top = counts.sort_values(["transitive", "direct"], ascending=False).head(10)
    print("\nMost derived-from models (distinct descendants, direct children):")
    print(top.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
