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


# -- crawl, info (crawler) ---------------------------------------------------------------------
def _crawl_progress_printer():
    """Render crawl progress on stderr: one rewritten line on a terminal, else every ~2 s."""
    tty = sys.stderr.isatty()
    last = [-float("inf")]

    def show(p) -> None:
        if not (tty or (p.elapsed - last[0] >= 2.0 and not p.done)):
            return
        last[0] = p.elapsed
        quota = "" if p.ratelimit_remaining is None else f", {p.ratelimit_remaining} requests left"
        phase = f" [{p.phase}]" if p.phase else ""
        line = (
            f"{p.mode} crawl{phase}: {p.pages:,} pages, {p.models:,} models, "
            f"{p.rate:,.0f} models/s, {p.elapsed:,.1f} s elapsed{quota}"
        )
        click.echo(("\r" + line.ljust(100)) if tty else line, err=True, nl=not tty or p.done)

    return show


@main.command()
@db_option
@click.option("--endpoint", default=None, help="Hub endpoint (default: $HF_ENDPOINT, else hf.co).")
@click.option("--token", default=None, help="Hub token (default: $HF_TOKEN); never stored.")
@click.option("--full", is_flag=True, help="Re-crawl all; the old snapshot stays until it is done.")
@click.option("--max-models", type=click.IntRange(min=1), default=None,
              help="Stop the listing after this many models.")
def crawl(db, endpoint, token, full, max_models) -> None:
    """Crawl the Hub's model listing and lineage into the snapshot (resumes if interrupted).

    Example: hf-lineage crawl --db hub.db --max-models 5000
    """
    from lineage.crawl import crawl as run_crawl

    result = run_crawl(
        db, endpoint=endpoint, token=token, full=full, max_models=max_models,
        progress=_crawl_progress_printer(),
    )
    how = "resumed and finished" if result.resumed else "finished"
    click.echo(
        f"{result.mode} crawl {how}: {result.models:,} models in {result.pages:,} pages "
        f"({result.elapsed:,.1f} s, {result.models / max(result.elapsed, 1e-9):,.0f} models/s)",
        err=True,
    )


@main.command()
@db_option
def info(db) -> None:
    """Print what the snapshot holds: models, edges by relation, anomalies, crawl state.

    Example: hf-lineage info --db hub.db
    """
    from lineage.store import Store

    with Store(db, readonly=True) as store:
        facts = store.info()
    rel = ", ".join(f"{k} {v:,}" for k, v in facts["edges_by_relation"].items()) or "none"
    created = (
        f"{facts['created_min']:%Y-%m-%d} .. {facts['created_max']:%Y-%m-%d}"
        if facts["created_min"] is not None and facts["created_min"] == facts["created_min"]
        else "-"
    )
    snap = facts["snapshot_time"]
    rows = [
        ("Snapshot", f"{facts['path']} (schema {facts['schema_version']})"),
        ("Models", f"{facts['models']:,} listed"),
        ("Missing parents", f"{facts['missing_parents']:,} (referenced, never listed)"),
        ("Edges", f"{facts['edges']:,} ({rel})"),
        ("Self-loops", f"{facts['self_loops']:,} dropped"),
        ("Invalid refs", f"{facts['invalid_refs']:,} (not Hub ids, dropped)"),
        ("Cycles", f"{facts['cycles']:,} ({facts['models_in_cycles']:,} models)"),
        ("Created", created),
        ("Complete crawl", f"{snap:%Y-%m-%d %H:%M:%S} UTC from {facts['endpoint']}"
         if snap is not None else "none yet"),
    ]
    pending = facts["pending"]
    if pending:
        rows.append(("Crawl state", (
            f"unfinished {pending['mode']} crawl of {pending['endpoint']} ({pending['phase']}: "
            f"{pending['pages']:,} pages, {pending['models_seen']:,} models); "
            "run `hf-lineage crawl` to resume")))
    else:
        rows.append(("Crawl state", "complete" if snap is not None else "never crawled"))
    for key, value in rows:
        click.echo(f"{key:<16}{value}")
    click.echo("Runs:")
    for run in facts["runs"][-5:]:
        click.echo(
            f"  #{run['id']} {run['mode']:<11} {run['status']:<9} {run['started']} -> "
            f"{run['finished'] or '...'}  {run['models_seen']:,} models  {run['endpoint']}"
        )


# -- html (html) -------------------------------------------------------------------------------
@main.command("html")
@click.argument("model")
@db_option
@click.option("--direction", type=click.Choice(["down", "up", "both"]), default="down",
              show_default=True, help="Derivatives (down), base models (up) or both.")
@click.option("--depth", type=click.IntRange(min=0), default=None,
              help="Show at most this many hops from MODEL (default: all).")
@click.option("--max-nodes", type=click.IntRange(min=2), default=1500, show_default=True,
              help="Above this many nodes, fold the lightest branches into '+N more' nodes.")
@click.option("--relation", "relations", multiple=True,
              help="Follow only this relation (repeatable): finetune, adapter, quantized, ...")
@click.option("--layout", type=click.Choice(["tree", "radial", "force"]), default="tree",
              show_default=True,
              help="tree: top-down (rings when a generation is too wide); force: physics.")
@click.option("--fit-top", type=click.IntRange(min=0), default=20, show_default=True,
              help="Fit the growth of this many of the largest shown models for the tooltips.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Page to write (default: MODEL.lineage.html here).")
def html_page(model, db, direction, depth, max_nodes, relations, layout, fit_top, output) -> None:
    """Write MODEL's lineage as one self-contained interactive HTML page (works offline).

    Example: hf-lineage html meta-llama/Llama-2-7b-hf --depth 3 -o llama.html
    """
    from lineage.graph import LineageGraph
    from lineage.viz import lineage_html

    graph = LineageGraph.from_db(db)
    path = lineage_html(
        graph, model, direction=direction, depth=depth, max_nodes=max_nodes,
        relations=list(relations) or None, path=output, layout=layout, fit_top=fit_top,
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(str(path))

# -- curves, family (graph) -------------------------------------------------------------------
def _graph_progress():
    """Render whole-graph counting progress on stderr: a line per stage (rewritten on a tty)."""
    tty = sys.stderr.isatty()
    seen: set[str] = set()

    def show(stage: str, done: int, total: int) -> None:
        finished = done >= total
        if tty:
            line = f"\rcounting {stage}: {done:,}/{total:,}".ljust(60)
            click.echo(line, err=True, nl=finished)
        elif finished and stage not in seen:
            seen.add(stage)
            click.echo(f"counting {stage}: done", err=True)

    return show


def _emit(frame, fmt: str, output: str | None) -> None:
    """Write ``frame`` as csv, json (records) or a text table to ``output`` or stdout."""
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records") + "\n"
    else:
        text = frame.to_string(index=False) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {len(frame):,} rows to {output}", err=True)
    else:
        click.echo(text, nl=False)


_relation_option = click.option(
    "--relation", "relations", multiple=True,
    help="Count only this relation (repeatable): finetune, adapter, quantized, merge, unknown.",
)


@main.command()
@click.argument("models", nargs=-1, required=True)
@db_option
@click.option("--scope", type=click.Choice(["direct", "transitive"]), default="transitive",
              show_default=True, help="Children only, or all distinct descendants.")
@_relation_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: stdout).")
def curves(models, db, scope, relations, fmt, output) -> None:
    """Monthly derivative counts of MODELS from release to snapshot month (long format:
    model,scope,month,age_months,count,cumulative).

    Example: hf-lineage curves meta-llama/Llama-2-7b-hf --scope direct --relation finetune
    """
    from lineage.graph import LineageGraph

    graph = LineageGraph.from_db(db)
    frame = graph.growth_curves(
        list(models), scope=scope, relations=list(relations) or None, progress=_graph_progress()
    )
    if frame.attrs.get("moved"):
        click.echo(
            f"note: {frame.attrs['moved']:,} derivatives dated before their base model were "
            "counted in its release month",
            err=True,
        )
    _emit(frame, fmt, output)


@main.command()
@click.argument("model")
@db_option
@click.option("--up", is_flag=True, help="List the ancestors instead of the derivatives.")
@_relation_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: stdout).")
def family(model, db, up, relations, fmt, output) -> None:
    """List MODEL's derivatives (or, with --up, its ancestors) with depth, parent and relation.

    Example: hf-lineage family meta-llama/Llama-2-7b-hf --relation adapter --format csv
    """
    from lineage.graph import LineageGraph

    graph = LineageGraph.from_db(db)
    table = graph.lineage_table(
        model, direction="up" if up else "down", relations=list(relations) or None
    )
    _emit(table, fmt, output)


if __name__ == "__main__":
    main()
