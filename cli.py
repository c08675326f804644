"""The ``hf-lineage`` command line: crawl the Hub, count derivatives, fit and forecast growth.

Only this module imports click, prints or exits; everything below raises
:class:`lineage.errors.HfLineageError`, turned here into a one-line message and an exit code.
"""

from __future__ import annotations

import sys
import time

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
def _progress_printer(*, timed: bool = False):
    """Render :class:`lineage.progress.Progress` records on stderr: on a terminal one line
    rewritten in place; else crawls every ~2 s, counted work once per finished stage, steps
    described in words as they come (``timed``: with the seconds since the start)."""
    tty = sys.stderr.isatty()
    started = time.monotonic()
    last_crawl = [-float("inf")]
    said: set[str] = set()

    def show(p) -> None:
        elapsed = getattr(p, "elapsed", None)  # a CrawlProgress: a page committed
        if elapsed is not None:
            if not (tty or (elapsed - last_crawl[0] >= 2.0 and not p.finished)):
                return
            last_crawl[0] = elapsed
            line = ("\r" + p.message.ljust(100)) if tty else p.message
            click.echo(line, err=True, nl=not tty or p.finished)
        elif p.total is None:
            stamp = f"[{time.monotonic() - started:5.1f}s] {p.stage}: " if timed else ""
            click.echo(stamp + p.message, err=True)
        else:
            what = "fitting" if p.stage == "fit" else f"counting {p.stage}"
            if tty:
                click.echo(f"\r{what}: {p.done:,}/{p.total:,}".ljust(60), err=True,
                           nl=p.finished)
            elif p.finished and p.stage not in said:
                said.add(p.stage)
                done = f"{p.total:,} series done" if p.stage == "fit" else "done"
                click.echo(f"{what}: {done}", err=True)

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
    from lineage.hub.crawl import crawl as run_crawl

    result = run_crawl(
        db, endpoint=endpoint, token=token, full=full, max_models=max_models,
        progress=_progress_printer(),
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
    from lineage.hub.store import Store

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
        progress=_progress_printer(),
    )
    click.echo(str(path))

# -- curves, family (graph) -------------------------------------------------------------------
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
    help="Only this relation (repeatable): finetune, adapter, quantized, merge, unknown.",
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
        list(models), scope=scope, relations=list(relations) or None, progress=_progress_printer()
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


# -- fit, rank (growth) ----------------------------------------------------------------------
def _read_curve_csv(path: str, models: tuple[str, ...]):
    """The user's long curve frame (model,age_months,cumulative) or a CurveFileError."""
    import pandas as pd

    from lineage.errors import CurveFileError

    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise CurveFileError(f"cannot read {path}: {exc}; give a CSV file with columns "
                             "model,age_months,cumulative") from exc
    missing = [c for c in ("model", "age_months", "cumulative") if c not in frame.columns]
    if missing:
        raise CurveFileError(f"{path} lacks column(s) {', '.join(missing)}; expected "
                             "model,age_months,cumulative")
    for col in ("age_months", "cumulative"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            raise CurveFileError(f"{path}: column {col} has a non-numeric value "
                                 f"{frame.loc[bad, col].iloc[0]!r} (row {int(bad.idxmax()) + 2})")
        frame[col] = values
    frame["model"] = frame["model"].astype(str)
    if models:
        unknown = sorted(set(models) - set(frame["model"]))
        if unknown:
            raise CurveFileError(f"{path} has no rows for {', '.join(unknown)}; check the ids")
        frame = frame[frame["model"].isin(models)]
    if frame.empty:
        raise CurveFileError(f"{path} has no data rows; give model,age_months,cumulative rows")
    if "scope" not in frame.columns:
        frame["scope"] = "csv"
    return frame


def _calibration(name: str):
    """The forecast calibration a ``--calibration`` choice names."""
    from growth.prior import HUB_CALIBRATION

    return HUB_CALIBRATION if name == "hub" else None


def _fit_records(frame, horizon: int, interval: float, m: float, calibration):
    """Fit each (model, scope) series: fitted objects and a tidy result table."""
    import pandas as pd

    from growth.fit import WSBFitter

    fits, rows = [], []
    for (model, scope), g in frame.groupby(["model", "scope"], sort=False):
        f = WSBFitter(m=m, calibration=calibration).fit(g["age_months"].to_numpy(float),
                                                        g["cumulative"].to_numpy(float))
        fits.append((model, scope, f))
        base = {"model": model, "scope": scope, "status": f.status_}
        tab = f.params_table(interval)
        lo, hi = f.ultimate_interval(interval)
        tab.loc["ultimate"] = (f.ultimate_, lo, hi)
        for name, r in tab.iterrows():
            rows.append(base | {"quantity": name, "age_months": None, "estimate": r["estimate"],
                                "lower": r["lower"], "upper": r["upper"]})
        last = float(f.age_[-1]) if f.age_.size else 0.0
        pred = f.predict(last + 1 + pd.RangeIndex(horizon).to_numpy(float), interval)
        for _, r in pred.iterrows():
            rows.append(base | {"quantity": "cumulative", "age_months": int(r["age_months"]),
                                "estimate": r["mean"], "lower": r["lower"], "upper": r["upper"]})
    table = pd.DataFrame(rows)
    table["age_months"] = table["age_months"].astype("Int64")
    return fits, table


def _fit_json(table) -> str:
    import json

    out = []
    for (model, scope), g in table.groupby(["model", "scope"], sort=False):
        params = g[g["quantity"] != "cumulative"]
        fc = g[g["quantity"] == "cumulative"]
        out.append({
            "model": model, "scope": scope, "status": g["status"].iloc[0],
            "parameters": {r.quantity: {"estimate": r.estimate, "lower": r.lower,
                                        "upper": r.upper} for r in params.itertuples()},
            "forecast": [{"age_months": int(r.age_months), "mean": r.estimate,
                          "lower": r.lower, "upper": r.upper} for r in fc.itertuples()],
        })
    return json.dumps(out, indent=1, allow_nan=True).replace("NaN", "null") + "\n"


def _fit_plot(fits, path: str, horizon: int, interval: float, log_y: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(fits)
    fig, axes = plt.subplots(n, 1, figsize=(7, 3.6 * n), squeeze=False)
    for ax, (model, scope, f) in zip(axes[:, 0], fits, strict=True):
        f.plot(ax, horizon=horizon, interval=interval, log_y=log_y,
               title=f"{model} ({scope}): {f.status_}, ultimate {f.ultimate_:,.0f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@main.command("fit")
@click.argument("models", nargs=-1)
@db_option
@click.option("--from-csv", "from_csv", type=click.Path(dir_okay=False), default=None,
              help="Fit your own series (columns model,age_months,cumulative); no snapshot.")
@click.option("--scope", type=click.Choice(["direct", "transitive"]), default="transitive",
              show_default=True, help="Children only, or all distinct descendants.")
@_relation_option
@click.option("--horizon", type=click.IntRange(1, 240), default=12, show_default=True,
              help="Months to forecast after the last observed month.")
@click.option("--interval", type=click.FloatRange(0.5, 0.99), default=0.8, show_default=True,
              help="Coverage of the parameter and forecast intervals.")
@click.option("--m", "m", type=click.FloatRange(min=0.01), default=30.0, show_default=True,
              help="WSB scale m (ultimate count = m (e^lambda - 1)).")
@click.option("--calibration", type=click.Choice(["hub", "none"]), default="hub",
              show_default=True, help="Forecast corrections learned on real Hub series "
              "(growth.prior.HUB_CALIBRATION: blend with the recent trend, 80% intervals widened "
              "to their measured coverage), or the raw WSB forecast.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: stdout).")
@click.option("--plot", "plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw data, fit, forecast and band to this PNG.")
@click.option("--log-y", is_flag=True, help="Logarithmic y axis in --plot.")
def fit_command(models, db, from_csv, scope, relations, horizon, interval, m, calibration, fmt,
                output, plot, log_y) -> None:
    """Fit the WSB growth model to MODELS' derivative counts and forecast them: parameters
    with intervals, ultimate count, status, and the forecast table (complete months only:
    the snapshot's running month is left out).

    Example: hf-lineage fit meta-llama/Llama-2-7b-hf --horizon 12 --plot llama.png
    """
    from lineage.errors import UsageError

    if from_csv:
        frame = _read_curve_csv(from_csv, models)
    elif not models:
        raise UsageError("give one or more model ids, or --from-csv FILE")
    else:
        from lineage.graph import LineageGraph

        graph = LineageGraph.from_db(db)
        frame = graph.complete_months(graph.growth_curves(list(models), scope=scope,
                                                          relations=list(relations) or None))
    fits, table = _fit_records(frame, horizon, interval, m, _calibration(calibration))
    if fmt == "json":
        text = _fit_json(table)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            click.echo(f"wrote {len(fits):,} fits to {output}", err=True)
        else:
            click.echo(text, nl=False)
    else:
        _emit(table, "csv", output)
    if plot:
        _fit_plot(fits, plot, horizon, interval, log_y)
        click.echo(f"wrote plot to {plot}", err=True)


@main.command()
@db_option
@click.option("--scope", type=click.Choice(["direct", "transitive"]), default="transitive",
              show_default=True, help="Children only, or all distinct descendants.")
@_relation_option
@click.option("--by", "by", type=click.Choice(["fitness", "ultimate", "growth-12m"]),
              default="fitness",
              show_default=True, help="Rank by WSB fitness lambda, ultimate count, or the "
              "forecast growth over the next 12 months.")
@click.option("--min-derivatives", type=click.IntRange(min=1), default=10, show_default=True,
              help="Fit only models with at least this many derivatives.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many models to list.")
@click.option("--calibration", type=click.Choice(["hub", "none"]), default="hub",
              show_default=True, help="Forecast corrections for growth-12m (see fit --help).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: stdout).")
def rank(db, scope, relations, by, min_derivatives, top, calibration, fmt, output) -> None:
    """Rank the snapshot's models by fitted influence (all models with enough derivatives
    are fitted, on both cores, with a population prior learned from them all).

    Example: hf-lineage rank --by growth-12m --min-derivatives 50 --top 10
    """
    from lineage.graph import LineageGraph
    from lineage.ranking import rank_models

    graph = LineageGraph.from_db(db)
    table = rank_models(graph, scope=scope, relations=relations, by=by,
                        min_derivatives=min_derivatives, top=top,
                        calibration=_calibration(calibration),
                        progress=_progress_printer())
    if table.empty:
        click.echo(f"no model has {min_derivatives}+ derivatives in scope {scope}", err=True)
    _emit(table, fmt, output)


# -- demo --------------------------------------------------------------------------------------
@main.command()
@click.option("--models", "n_models", type=click.IntRange(min=1_000), default=30_000,
              show_default=True, help="Size of the simulated Hub.")
@click.option("--seed", type=int, default=0, show_default=True, help="Simulator seed.")
@click.option("--out", "out", type=click.Path(file_okay=False), default="demo-out",
              show_default=True, help="Folder for the outputs.")
def demo(n_models, seed, out) -> None:
    """Run everything offline: simulate a Hub, serve it on 127.0.0.1, crawl it, count,
    fit, rank, and write curves, fits, a plot and a lineage page into OUT.

    Example: hf-lineage demo --models 20000 --seed 1 --out demo-out
    """
    from lineage.demo import run_demo, truth_summary

    started = time.monotonic()
    result = run_demo(out, n_models=n_models, seed=seed, progress=_progress_printer(timed=True))
    click.echo(f"\nCrawled {result.n_models:,} models and {result.n_edges:,} lineage edges "
               f"(simulated up to {result.snapshot_time:%Y-%m-%d}); "
               f"largest families: {', '.join(result.families[:3])}.")
    click.echo("Wrote:")
    for path in result.files:
        click.echo(f"  {path}")
    truth = result.truth
    click.echo(f"\nFitted vs true WSB parameters of the generator's {len(truth)} WSB-driven "
               f"bases (direct derivatives; {(truth['status'] == 'ok').sum()} fits ok):")
    click.echo(truth_summary(truth).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(f"\nOpen {result.out / 'lineage.html'} in a browser; "
               f"hf-lineage info --db {result.out / 'hub.db'} shows the snapshot.")
    click.echo(f"Done in {time.monotonic() - started:.1f} s.")


if __name__ == "__main__":
    main()
