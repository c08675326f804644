"""The ``hf-lineage`` command line: crawl the Hub, count derivatives, fit and forecast growth.

Only this module imports click, prints or exits; everything below raises
:class:`lineage.errors.HfLineageError`, turned here into a one-line message and an exit code.
"""

from __future__ import annotations

import sys

import click

from lineage import __version__
from lineage.errors import HfLineageError


class _Group(click.Group):
    """A click group that turns hf-lineage errors into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HfLineageError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Snapshot file (default: $HF_LINEAGE_DB, else ~/.cache/hf-lineage/hub.db).",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hf-lineage")
def main() -> None:
    """Crawl, count and forecast the Hugging Face model derivative graph.

    Example: hf-lineage crawl && hf-lineage curves meta-llama/Llama-2-7b-hf
    """


if __name__ == "__main__":
    main()
