"""The ``hf-lineage`` command line: crawl the Hub, count derivatives, fit and forecast growth.

Only this module imports click, prints or exits; everything below raises
:class:`lineage.errors.HfLineageError`, turned here into a one-line message and an exit code.
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lineage import __version__
from lineage.errors import HfLineageError, UsageError

if TYPE_CHECKING:
    from lineage.graph.table import Table

# The commands' arrays are small or walked in numpy's own loops: BLAS threads would only spin
# at start-up (0.2 CPU s a command). Set before numpy loads; the user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class _Command(click.Command):
    """A command whose output files (options of type :class:`_OutputPath`) are checked
    against its snapshot (``--db``, else ``$HF_LINEAGE_DB``, else the default) before it
    runs: writing over the snapshot is refused."""

    def invoke(self, ctx: click.Context):
        if any(p.name == "db" for p in self.params):
            _refuse_snapshot_outputs(self, ctx)
        return super().invoke(ctx)


class _Group(click.Group):
    """A click group that turns hf-lineage errors into one line on stderr and an exit code."""

    command_class = _Command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} -h')" if exc.ctx is not None else ""
            click.echo(f"Error: {_safe_text(_one_line(exc.format_message()))}{where}", err=True)
            sys.exit(exc.exit_code)
        except HfLineageError as exc:
            message = str(exc)
            if isinstance(exc, UsageError) and ctx.invoked_subcommand is not None:
                message = _with_flags(message, self.get_command(ctx, ctx.invoked_subcommand))
            click.echo(f"Error: {_safe_text(_one_line(message))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their whole first sentence (click cuts it with '...')."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _warn_if_partial(ctx: click.Context, param: click.Parameter, value):
    """``--db`` callback: one stderr line when a reading command's snapshot is not whole
    (a first look, an unfinished update; see ``Store.completeness``)."""
    if ctx.resilient_parsing or ctx.info_name in ("crawl", "info"):
        return value
    from lineage.hub.store import Store, resolve_db_path

    path = resolve_db_path(value)
    if path.is_file():
        try:
            with Store(path, readonly=True) as store:
                state = store.completeness()
        except HfLineageError:
            return value  # the command itself reports it
        if not state.complete and state.state != "empty":
            click.echo(f"warning: {state.message}", err=True)
    return value


db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    callback=_warn_if_partial,
    help="Snapshot file (default: $HF_LINEAGE_DB, else ~/.cache/hf-lineage/hub.db).",
)


as_of_option = click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM[-DD]",
    help="Use the graph as it stood at the end of this month or day: models created later "
    "are left out, as a crawl then would have found the models that still exist.",
)


def _load_graph(db, as_of: str | None = None):
    """The snapshot's graph, as it stood at the end of ``as_of`` when given."""
    from lineage.graph import LineageGraph
    from lineage.graph.calendar import end_of

    if as_of is not None:
        end_of(as_of)  # a bad date fails before the snapshot is read
    graph = LineageGraph.from_db(db)
    return graph if as_of is None else graph.as_of(as_of)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hf-lineage")
def main() -> None:
    """Crawl, count and forecast the Hugging Face model derivative graph.

    \b
    Examples:
      hf-lineage crawl --db hub.db
      hf-lineage curves meta-llama/Llama-2-7b-hf --db hub.db
      hf-lineage fit meta-llama/Llama-2-7b-hf --db hub.db --plot llama.png

    \b
    Environment:
      HF_LINEAGE_DB  snapshot file when --db is not given
                     (else ~/.cache/hf-lineage/hub.db)
      HF_ENDPOINT    Hub endpoint crawled when --endpoint is not given
                     (else https://huggingface.co)
      HF_TOKEN       Hub token when --token is not given; sent to that
                     endpoint only, never stored

    Results go to stdout or -o FILE, progress and notes to stderr.
    """


# -- output layer: every command that prints data writes through these -------------------------
#: Output formats of data commands: an aligned text table, CSV, or JSON records.
FORMATS = ("table", "csv", "json")
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Terminal control characters (C0, DEL, C1) and bidirectional overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_PARAMETER_HEAD = re.compile(r"(\w+)(?: and (\w+))? (?:must|needs?) ")


def _with_flags(message: str, command: click.Command | None) -> str:
    """A library message that starts by naming parameters, with the command's flags instead.

    >>> cmd = click.Command("x", params=[click.Option(["--relation", "relations"]),
    ...                                  click.Argument(["model"])])
    >>> _with_flags("relations must be among finetune, got x", cmd)
    '--relation must be among finetune, got x'
    >>> _with_flags("direction and model need a model", cmd)
    'direction and MODEL need a model'
    """
    head = _PARAMETER_HEAD.match(message)
    if head is None or command is None:
        return message
    flags = {
        p.name: p.opts[0] if isinstance(p, click.Option) else p.human_readable_name
        for p in command.params
    }
    names = [n for n in head.groups() if n is not None]
    start = head.start(1)
    out = message[:start]
    pos = start
    for i, name in enumerate(names, start=1):
        out += message[pos : head.start(i)] + flags.get(name, name)
        pos = head.end(i)
    return out + message[pos:]


def _one_line(text: str) -> str:
    """``text`` on one line: line breaks become spaces."""
    return " ".join(text.split())


def _safe_text(text: str) -> str:
    r"""``text`` without terminal control characters (tabs and line breaks become spaces).

    >>> _safe_text("org/m\x1b[2J\tx\u202e")
    'org/m[2J x'
    """
    return _CONTROL.sub("", re.sub("[\t\n\r]", " ", text))


def format_option(default: str = "table", choices: tuple[str, ...] = FORMATS):
    """The ``--format`` option of a data command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


class _OutputPath(click.Path):
    """A file to write: its folder must exist and the file, if there, be a writable file."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=str)

    def convert(self, value, param, ctx):
        path = Path(value).expanduser()
        if path.is_dir():
            self.fail(f"{value} is a folder; give a file name", param, ctx)
        folder = path.parent
        if not folder.exists():
            self.fail(f"folder {str(folder)!r} does not exist; create it first", param, ctx)
        if not folder.is_dir():
            self.fail(f"{str(folder)!r} is not a folder", param, ctx)
        if path.exists() and not os.access(path, os.W_OK):
            self.fail(f"{value} is not writable; choose another file", param, ctx)
        if not path.exists() and not os.access(folder, os.W_OK):
            self.fail(f"folder {str(folder)!r} is not writable; choose another", param, ctx)
        return str(path)


def output_option(help: str = "File to write (default: stdout).", *names: str):
    """An output-file option (``-o/--output`` unless ``names`` are given): checked before
    the command runs (folder exists, writable, not the snapshot)."""
    return click.option(*(names or ("-o", "--output")), type=_OutputPath(), default=None, help=help)


def _refuse_snapshot_outputs(command: click.Command, ctx: click.Context) -> None:
    """Raise a UsageError when an output option names the snapshot (or its -wal/-shm)."""
    from lineage.hub.store import resolve_db_path

    snapshot = resolve_db_path(ctx.params.get("db")).resolve()
    guarded = {snapshot} | {
        snapshot.with_name(snapshot.name + s) for s in ("-wal", "-shm", "-journal")
    }
    for param in command.params:
        writes = isinstance(param.type, _OutputPath) or param.name == "output"
        value = ctx.params.get(param.name) if writes else None
        if value and Path(value).resolve() in guarded:
            flag = max(param.opts, key=len)
            raise UsageError(
                f"{flag} {value} is the snapshot file {snapshot}; writing there "
                "would destroy it: choose another file"
            )


def _write_text(text: str, output: str | None, *, what: str) -> None:
    """Write ``text`` to ``output`` (saying so on stderr) or to stdout: exactly into a pipe,
    without terminal control characters onto a terminal."""
    if not output:
        if sys.stdout.isatty():
            text = "\n".join(_safe_text(line) for line in text.split("\n"))
        click.echo(text, nl=False, color=True)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}; choose another file"
        ) from exc
    click.echo(f"wrote {what} to {output}", err=True)


def _format_number(value, *, count: bool = False) -> str:
    """A number rounded to its meaningful digits: 3 significant, whole from 100 on; a
    ``count`` (expected or forecast derivatives) whole from 10 on, else 2 significant.

    >>> [_format_number(v) for v in (3.04217, 0.81234, 45.678, 1234.5, 7, float("nan"))]
    ['3.04', '0.812', '45.7', '1,234', '7', '-']
    >>> _format_number(3.0004), _format_number(45.04, count=True), _format_number(0.174, count=True)
    ('3.00', '45', '0.17')
    >>> _format_number(6e-09, count=True)
    '0'
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    value = float(value)
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if count and abs(value) < 0.005:
        return "0"
    if abs(value) >= (10 if count else 100) or value.is_integer():
        return f"{value:,.0f}"
    return f"{value:#.2g}" if count else f"{value:#.3g}"


def _as_table(frame) -> Table:
    """A command's result as a :class:`~lineage.graph.table.Table` (a DataFrame converted)."""
    from lineage.graph.table import Table

    return frame if isinstance(frame, Table) else Table.from_frame(frame)


def _missing(value) -> bool:
    """Whether a cell is missing: None, NaN, or pandas's NA/NaT (only with pandas loaded)."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _table_text(frame, *, counts: tuple[str, ...] = ()) -> str:
    """``frame`` (a Table or DataFrame) as an aligned text table: numbers rounded
    (``counts`` columns as counts, see :func:`_format_number`) and right-aligned, missing
    values as ``-``, control characters stripped."""
    table = _as_table(frame)
    columns = []
    for col in table.columns:
        values = table[col].tolist()
        numeric = table[col].dtype.kind in "iuf" or (
            table[col].dtype == object
            and any(not _missing(v) for v in values)
            and all(_missing(v) or _is_number(v) for v in values)
        )
        cells = [
            "-"
            if _missing(v)
            else _format_number(v, count=col in counts)
            if numeric
            else _safe_text(str(v))
            for v in values
        ]
        header = _safe_text(str(col))
        width = max([len(header), *map(len, cells)])
        align = str.rjust if numeric else str.ljust
        columns.append([align(header, width)] + [align(cell, width) for cell in cells])
    return "".join(" ".join(line).rstrip() + "\n" for line in zip(*columns, strict=True))


def _neutralise(value):
    """A CSV cell a spreadsheet will not run: a string starting like a formula gets a '.

    >>> _neutralise("=HYPERLINK(1)"), _neutralise("-2"), _neutralise(-2), _neutralise("org/m")
    ("'=HYPERLINK(1)", "'-2", -2, 'org/m')
    """
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _csv_text(frame) -> str:
    """``frame`` (a Table or DataFrame) as CSV: missing values empty, string cells that
    would start a formula neutralised (numbers, negative ones included, stay numbers)."""
    import csv
    import io

    table = _as_table(frame)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_neutralise(str(c)) for c in table.columns])
    writer.writerows([None if _missing(v) else _neutralise(v) for v in row] for row in table.rows())
    return out.getvalue()


def _json_ready(value):
    """``value`` made of JSON types only: NaN, infinities, NA and NaT become None."""
    import datetime as dt

    import numpy as np

    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value):
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _json_text(value) -> str:
    import json

    return json.dumps(_json_ready(value), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def _write_table(
    frame, fmt: str, output: str | None, *, empty: str | None = None, counts: tuple[str, ...] = ()
) -> None:
    """Write ``frame`` (a Table or DataFrame) as ``fmt`` (table, csv or json records) to
    ``output`` or stdout.

    The table rounds numbers (``counts``: columns of expected counts, rounded as such); CSV
    and JSON keep every digit. An empty frame in table format prints ``empty`` (why it is
    empty) on stderr instead of a header; CSV keeps its header and JSON is ``[]``.
    """
    table = _as_table(frame)
    if fmt == "table" and not len(table):
        click.echo(empty or "no rows", err=True)
        return
    if fmt == "csv":
        text = _csv_text(table)
    elif fmt == "json":
        text = _json_text([dict(zip(table.columns, row, strict=True)) for row in table.rows()])
    else:
        text = _table_text(table, counts=counts)
    _write_text(text, output, what=f"{len(table):,} rows")


def _write_record(record: dict, fmt: str, output: str | None, *, table: str) -> None:
    """Write one nested record: ``table`` (its text rendering), JSON, or CSV ``field,value``
    rows (nested keys joined with '.')."""
    if fmt == "json":
        text = _json_text(record)
    elif fmt == "csv":
        from lineage.graph.table import Table

        rows: list[tuple[str, object]] = []

        def flatten(prefix: str, value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    flatten(f"{prefix}.{key}" if prefix else str(key), item)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    flatten(f"{prefix}.{i}", item)
            else:
                rows.append((prefix, _json_ready(value)))

        flatten("", record)
        fields = [field for field, _ in rows]
        values = [value for _, value in rows]
        text = _csv_text(Table({"field": fields, "value": values}))
    else:
        text = "".join(_safe_text(line) + "\n" for line in table.splitlines())
    _write_text(text, output, what=fmt)


_relation_option = click.option(
    "--relation",
    "relations",
    multiple=True,
    help="Only this relation (repeatable): finetune, adapter, quantized, merge, unknown.",
)


# -- crawl, info (crawler) ---------------------------------------------------------------------
#: Stages of the whole-graph counts (lineage.graph.counts), printed as "counting <stage>".
_COUNT_STAGES = ("forest", "merges", "months")


def _progress_printer(*, timed: bool = False):
    """Render :class:`lineage.progress.Progress` records on stderr: on a terminal one line
    rewritten in place; else crawls every ~2 s, counted work once per finished stage, steps
    described in words as they come (``timed``: with the seconds since the start)."""
    tty = sys.stderr.isatty()
    started = time.monotonic()
    last_crawl = [-float("inf")]
    last_line: dict[str, float] = {}
    said: set[str] = set()

    def show(p) -> None:
        if getattr(p, "waiting", None):  # a CrawlProgress: the Hub's rate limit
            click.echo(
                ("\n" if tty else "") + "rate-limited by the Hub: waiting "
                f"{p.waiting:,.0f} s (up to --max-wait), then continuing",
                err=True,
            )
            return
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
            what = (
                "fitting"
                if p.stage == "fit"
                else f"counting {p.stage}"
                if p.stage in _COUNT_STAGES
                else p.stage
            )
            line = p.message or f"{what}: {p.done:,}/{p.total:,}"
            now = time.monotonic()
            if tty:
                click.echo(f"\r{line}".ljust(70), err=True, nl=p.finished)
            elif p.finished and p.stage not in said:
                said.add(p.stage)
                click.echo(
                    f"{what}: done"
                    if p.stage in _COUNT_STAGES
                    else f"fitting: {p.total:,} series done"
                    if p.stage == "fit"
                    else line,
                    err=True,
                )
            elif not p.finished and now - last_line.get(p.stage, started) >= 5.0:
                last_line[p.stage] = now
                click.echo(line, err=True)

    return show


@main.command()
@db_option
@click.option("--endpoint", default=None, help="Hub endpoint (default: $HF_ENDPOINT, else hf.co).")
@click.option("--token", default=None, help="Hub token (default: $HF_TOKEN); never stored.")
@click.option("--full", is_flag=True, help="Re-crawl all; the old snapshot stays until it is done.")
@click.option(
    "--max-models",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after about this many models (whole pages: a first look); a plain "
    "crawl continues it.",
)
@click.option(
    "--card-refs",
    "card_refs",
    is_flag=True,
    default=None,
    help="Also keep model cards' base_model references the Hub did not turn into "
    "tags (kept apart; about 3x the bytes per page).",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Longest rate-limit wait (seconds) before the crawl stops (resumable).",
)
def crawl(db, endpoint, token, full, max_models, card_refs, max_wait) -> None:
    """Crawl the Hub's model listing and lineage into the snapshot.

    An interrupted crawl resumes where it stopped; a finished one updates incrementally.

    \b
    Example:
      hf-lineage crawl --db hub.db --max-models 5000
    """
    from lineage.hub.crawl import crawl as run_crawl

    result = run_crawl(
        db,
        endpoint=endpoint,
        token=token,
        full=full,
        max_models=max_models,
        card_refs=card_refs,
        max_wait=max_wait,
        progress=_progress_printer(),
    )
    how = "resumed and finished" if result.resumed else "finished"
    if not result.complete:
        how = "stopped (--max-models)"
    rate = f"{result.models / max(result.elapsed, 1e-9):,.0f} models/s"
    found = (
        f"; {result.renames:,} renamed models found by {result.lookups:,} lookups"
        if result.lookups
        else ""
    )
    click.echo(
        f"{result.mode} crawl {how}: {result.models:,} models in {result.pages:,} pages "
        f"({result.elapsed:,.1f} s, {rate}){found}",
        err=True,
    )
    if not result.complete:
        click.echo(
            "the snapshot is partial: run `hf-lineage crawl` to continue the listing to the end",
            err=True,
        )


@main.command()
@db_option
@format_option()
@output_option()
@as_of_option
def info(db, fmt, output, as_of) -> None:
    """Print what the snapshot holds.

    Models, missing parents, edges by relation, anomalies, date range and crawl state;
    --format json gives every fact as one JSON object.

    \b
    Example:
      hf-lineage info --db hub.db
    """
    if as_of is not None:
        _info_as_of(_load_graph(db, as_of))
        return
    from lineage.hub.store import Store

    with Store(db, readonly=True) as store:
        facts = store.info()
        report = store.crawl_report()
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
        (
            "Complete crawl",
            f"{snap:%Y-%m-%d %H:%M:%S} UTC from {facts['endpoint']}"
            if snap is not None
            else "none yet",
        ),
    ]
    rows += _crawl_report_rows(report)
    pending = facts["pending"]
    if pending:
        how = (
            "running now"
            if report["crawl_active"]
            else f"interrupted: {pending['note']}"
            if pending["note"]
            else "interrupted: the crawl process ended"
        )
        rows.append(
            (
                "Crawl state",
                (
                    f"unfinished {pending['mode']} crawl of {pending['endpoint']}, {how} "
                    f"({pending['phase']}: {pending['pages']:,} pages, {pending['models_seen']:,} "
                    "models); run `hf-lineage crawl` to resume"
                ),
            )
        )
    else:
        rows.append(("Crawl state", "complete" if snap is not None else "never crawled"))
    state = report["completeness"]
    if not state.complete and state.state != "empty":
        rows.append(("Completeness", state.message))
    lines = [f"{key:<16}{value}" for key, value in rows]
    lines.append("Runs:")
    for run in facts["runs"][-5:]:
        note = f"  ({run['note']})" if run["note"] else ""
        lines.append(
            f"  #{run['id']} {run['mode']:<11} {run['status']:<11} {run['started']} -> "
            f"{run['finished'] or '...'}  {run['models_seen']:,} models  {run['endpoint']}{note}"
        )
    import dataclasses

    crawl_facts = {**report, "completeness": dataclasses.asdict(report["completeness"])}
    _write_record({**facts, "crawl": crawl_facts}, fmt, output, table="\n".join(lines))


def _crawl_report_rows(report: dict) -> list[tuple[str, str]]:
    """``info`` lines for what the crawls met on the wire (``Store.crawl_report``)."""

    def counts(d: dict) -> str:
        total = sum(d.values())
        return f"{total:,}" + (
            f" ({', '.join(f'{k} {v:,}' for k, v in sorted(d.items()))})" if d else ""
        )

    renames = report["renames"]
    shown = ", ".join(f"{old} -> {new}" for old, new in list(renames.items())[:3])
    rows = [
        (
            "Card refs",
            (
                f"{report['card_refs_stored']:,} stored, {report['card_refs_listed']:,} name a "
                "listed model (not counted unless asked: LineageGraph.from_db(sources=...))"
                if report["card_refs"]
                else "not crawled (crawl --card-refs; the Hub's tags are the lineage)"
            ),
        ),
        ("Skipped items", f"{counts(report['skipped'])} (not stored)"),
        ("Repaired", f"{counts(report['repaired'])} fields coerced or dropped"),
        (
            "Renames",
            f"{len(renames):,}"
            + (f" ({shown}{', ...' if len(renames) > 3 else ''})" if renames else ""),
        ),
        (
            "Floor-dated",
            f"{report['floor_dated']:,} models carry the Hub's floor date "
            "2022-03-02 (created then or before)",
        ),
    ]
    return rows


def _info_as_of(graph) -> None:
    """``info --as-of``: what the graph held at that date (from the graph, not the store)."""
    models = graph.models
    listed = models[~models["missing"]]
    rel = graph.edges["relation"].value_counts().sort_index()
    rows = [
        ("As of", f"{graph.snapshot_time:%Y-%m-%d %H:%M:%S} UTC (models created later left out)"),
        ("Models", f"{len(listed):,} listed"),
        ("Missing parents", f"{int(models['missing'].sum()):,} (referenced, not listed then)"),
        (
            "Edges",
            f"{len(graph.edges):,} ("
            + (", ".join(f"{k} {v:,}" for k, v in rel.items()) or "none")
            + ")",
        ),
        ("Cycle edges", f"{len(graph.dropped_cycle_edges):,} dropped"),
        (
            "Created",
            f"{listed['created_at'].min():%Y-%m-%d} .. {listed['created_at'].max():%Y-%m-%d}"
            if listed["created_at"].notna().any()
            else "-",
        ),
    ]
    for key, value in rows:
        click.echo(f"{key:<16}{value}")


# -- html (html) -------------------------------------------------------------------------------
@main.command("html")
@click.argument("model")
@db_option
@click.option(
    "--direction",
    type=click.Choice(["down", "up", "both"]),
    default="down",
    show_default=True,
    help="Derivatives (down), base models (up) or both.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="Show at most this many hops from MODEL (default: all).",
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=2),
    default=200,
    show_default=True,
    help="Boxes in the first view at most (fewer when more would not fit one "
    "screen readably); lighter branches fold into '+N more' nodes.",
)
@click.option(
    "--carry",
    type=click.IntRange(min=0),
    default=5000,
    show_default=True,
    help="Folded models the page carries, to open and find in place.",
)
@_relation_option
@click.option(
    "--layout",
    type=click.Choice(["tree", "radial", "force"]),
    default="tree",
    show_default=True,
    help="tree: left to right, a column per generation; radial: rings; force: force-directed.",
)
@click.option(
    "--fit-top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Fit the growth of this many of the largest shown models for the tooltips.",
)
@output_option("Page to write (default: MODEL.lineage.html here).")
@click.option(
    "--assets",
    type=click.Path(file_okay=False),
    default=None,
    help="Write the page's scripts (vis-network and Plotly, about 5 MB) once into this "
    "folder and link them instead of inlining them: pages side by side share one copy. "
    "The page then needs the folder where it was written.",
)
@as_of_option
def html_page(
    model, db, direction, depth, max_nodes, carry, relations, layout, fit_top, output, assets, as_of
) -> None:
    """Write MODEL's lineage as one interactive HTML page.

    The page is self-contained and works offline (with --assets, beside its scripts).

    \b
    Examples:
      hf-lineage html meta-llama/Llama-2-7b-hf --depth 3 -o llama.html
      hf-lineage html org/a -o pages/a.html --assets pages/assets
    """
    from lineage.viz import lineage_html

    graph = _load_graph(db, as_of)
    assets_url = None
    if assets is not None:
        from lineage.viz.page import write_assets

        try:
            write_assets(assets)
        except OSError as exc:
            raise UsageError(
                f"cannot write the page's scripts into {assets}: {exc.strerror or exc}; "
                "choose another folder"
            ) from exc
        page_folder = Path(output).resolve().parent if output else Path.cwd()
        assets_url = Path(os.path.relpath(Path(assets).resolve(), page_folder)).as_posix()
    path = lineage_html(
        graph,
        model,
        direction=direction,
        depth=depth,
        max_nodes=max_nodes,
        relations=list(relations) or None,
        path=output,
        layout=layout,
        fit_top=fit_top,
        carry=carry,
        assets=assets_url,
        progress=_progress_printer(),
    )
    click.echo(str(path))


# -- curves, family (graph) -------------------------------------------------------------------


@main.command()
@click.argument("models", nargs=-1, required=True)
@db_option
@click.option(
    "--scope",
    type=click.Choice(["direct", "transitive"]),
    default="transitive",
    show_default=True,
    help="Children only, or all distinct descendants.",
)
@_relation_option
@click.option(
    "--running-month",
    is_flag=True,
    help="Also list the snapshot's running month (complete=false; fits leave it out).",
)
@format_option("csv")
@output_option()
@as_of_option
def curves(models, db, scope, relations, running_month, fmt, output, as_of) -> None:
    """Print MODELS' monthly derivative counts to the last complete month.

    From each model's release month. Long format, one row per model and month: model,
    scope, month, age_months, count, cumulative, complete. Piped into `fit --from-csv` they
    fit exactly as `fit MODEL` does.

    \b
    Example:
      hf-lineage curves meta-llama/Llama-2-7b-hf --scope direct --relation finetune
    """
    graph = _load_graph(db, as_of)
    frame = graph.growth_curves(
        list(models),
        scope=scope,
        relations=list(relations) or None,
        progress=_progress_printer(),
        running_month=running_month,
        as_frame=False,
    )
    if frame.attrs.get("moved"):
        click.echo(
            f"note: {frame.attrs['moved']:,} derivatives dated before their base model were "
            "counted in its release month",
            err=True,
        )
    _write_table(frame, fmt, output)


@main.command()
@click.argument("model")
@db_option
@click.option("--up", is_flag=True, help="List the ancestors instead of the derivatives.")
@_relation_option
@format_option()
@output_option()
@as_of_option
def family(model, db, up, relations, fmt, output, as_of) -> None:
    """List MODEL's derivatives, or with --up its ancestors.

    One row per model with its depth, parent and relation. With --up the link column is
    `child`: the model one step closer to MODEL that derives from that ancestor, and
    `relation` is that child's relation to it.

    \b
    Example:
      hf-lineage family meta-llama/Llama-2-7b-hf --relation adapter --format csv
    """
    graph = _load_graph(db, as_of)
    table = graph.lineage_table(
        model, direction="up" if up else "down", relations=list(relations) or None, as_frame=False
    )
    _write_table(table, fmt, output)


# -- fit, rank (growth) ----------------------------------------------------------------------
_NAN_TEXT = {"", "nan", "na", "n/a", "null", "none", "<na>"}


def _bad_rows(frame, mask, col: str, what: str, path: str, fix: str) -> None:
    """Raise a CurveFileError naming the first row where ``mask`` (indexed like ``frame``,
    the file's text) holds."""
    from lineage.errors import CurveFileError

    if mask.any():
        first = mask.idxmax()
        raise CurveFileError(
            f"{path}: column {col} has {what} {frame.loc[first, col]!r} "
            f"(row {int(first) + 2}); {fix}"
        )


def _read_curve_csv(path: str, models: tuple[str, ...]):
    """The user's long curve frame (model,age_months,cumulative), checked and repaired.

    Rows with an empty or NaN model, age or count are dropped and the drop is said on
    stderr; non-numeric, infinite or negative values, fractional or duplicated ages are
    one-line :class:`CurveFileError`\\ s; a decreasing cumulative is fitted on its running
    maximum (as :func:`growth.fit.clean_series` does), which is said too.
    """
    import numpy as np
    import pandas as pd

    from lineage.errors import CurveFileError

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CurveFileError(
            f"cannot read {path}: {_one_line(str(exc))}; give a CSV file "
            "with columns model,age_months,cumulative"
        ) from exc
    missing = [c for c in ("model", "age_months", "cumulative") if c not in frame.columns]
    if missing:
        raise CurveFileError(
            f"{path} lacks column(s) {', '.join(missing)}; expected model,age_months,cumulative"
        )
    frame = frame.apply(lambda col: col.str.strip())
    raw = frame.copy()
    empty = (frame["model"] == "") | frame[["age_months", "cumulative"]].apply(
        lambda col: col.str.lower().isin(_NAN_TEXT)
    ).any(axis=1)
    dropped = (
        f"{int(empty.sum()):,} row(s) dropped: empty model, or empty or NaN "
        "age_months or cumulative"
    )
    if empty.all():
        raise CurveFileError(
            f"{path} has no data rows ({dropped}); give model,age_months,cumulative rows"
        )
    if empty.any():
        click.echo(f"note: {path}: {dropped}", err=True)
        frame = frame[~empty]
    for col in ("age_months", "cumulative"):
        values = pd.to_numeric(frame[col], errors="coerce")
        _bad_rows(raw, values.isna(), col, "a non-numeric value", path, "give numbers")
        _bad_rows(raw, ~np.isfinite(values), col, "an infinite value", path, "give finite numbers")
        _bad_rows(raw, values < 0, col, "a negative value", path, "give 0 or more")
        frame[col] = values
    _bad_rows(
        raw,
        frame["age_months"] % 1 != 0,
        "age_months",
        "a fractional value",
        path,
        "give whole months since release (0 = the release month)",
    )
    if "scope" not in frame.columns:
        frame["scope"] = "csv"
    frame["scope"] = frame["scope"].replace("", "csv")
    _bad_rows(
        raw,
        frame.duplicated(["model", "scope", "age_months"]),
        "age_months",
        "a repeated value",
        path,
        "give one row per model and month",
    )
    if models:
        unknown = sorted(set(models) - set(frame["model"]))
        if unknown:
            raise CurveFileError(f"{path} has no rows for {', '.join(unknown)}; check the ids")
        frame = frame[frame["model"].isin(models)]
    if frame.empty:
        raise CurveFileError(f"{path} has no data rows; give model,age_months,cumulative rows")
    frame = frame.sort_values(["model", "scope", "age_months"], kind="stable")
    for (model, _), g in frame.groupby(["model", "scope"], sort=False):
        drops = int((np.diff(g["cumulative"].to_numpy()) < 0).sum())
        if drops:
            click.echo(
                f"note: {_safe_text(model)}: cumulative decreases {drops} time(s) "
                "(deleted derivatives?); its running maximum is fitted",
                err=True,
            )
    return frame


def _calibration(name: str):
    """The forecast calibration a ``--calibration`` choice names."""
    from growth.prior import HUB_CALIBRATION

    return HUB_CALIBRATION if name == "hub" else None


def _release_month(first_month, first_age) -> int | None:
    """The calendar month (absolute number) of age 0 of a series whose first row is month
    ``first_month`` (``YYYY-MM``) at age ``first_age``; None when that is not known."""
    from lineage.graph.calendar import month_number

    if first_month is None or _missing(first_month):
        return None
    try:
        return month_number(str(first_month)) - int(first_age)
    except (UsageError, ValueError, TypeError):
        return None


def _fit_csv_series(frame, m: float, calibration):
    """Fit each (model, scope) series of a curve frame as ``fit_model`` fits a snapshot's
    (same fitter and settings; rows with ``complete`` False left out): ``(model, scope,
    fitter, release month)`` tuples."""
    from growth.fit import WSBFitter, complete_rows

    fits = []
    for (model, scope), g in complete_rows(frame).groupby(["model", "scope"], sort=False):
        f = WSBFitter(m=m, calibration=calibration).fit(
            g["age_months"].to_numpy(float), g["cumulative"].to_numpy(float)
        )
        month = g["month"].iloc[0] if "month" in g.columns else None
        fits.append((model, scope, f, _release_month(month, g["age_months"].iloc[0])))
    return fits


#: Columns of ``fit --format csv``: one row per parameter or forecast month of a series.
FIT_COLUMNS = [
    "model",
    "scope",
    "status",
    "quantity",
    "age_months",
    "month",
    "estimate",
    "lower",
    "upper",
    "pinned",
    "fitted_on",
]


def _fit_series(fit, horizon: int, interval: float) -> tuple[list[dict], list[dict]]:
    """One fitted (model, scope, fitter, release month) series: its parameter rows (the
    ultimate count last) and its forecast rows (``age_months``, calendar ``month``)."""
    import numpy as np

    from lineage.graph.calendar import month_label

    _, _, f, release = fit
    params = [
        {"quantity": name, "estimate": est, "lower": lo, "upper": hi}
        for name, (est, lo, hi) in f.param_intervals(interval).items()
    ]
    lo, hi = f.ultimate_interval(interval)
    params.append({"quantity": "ultimate", "estimate": f.ultimate_, "lower": lo, "upper": hi})
    last = float(f.age_[-1]) if f.age_.size else 0.0
    ahead = f.forecast(last + 1 + np.arange(horizon, dtype=float), interval)
    forecast = [
        {
            "age_months": int(age),
            "month": None if release is None else month_label(release + int(age)),
            "estimate": float(median),
            "lower": float(low),
            "upper": float(high),
        }
        for age, median, low, high in zip(*ahead, strict=True)
    ]
    return params, forecast


def _fit_records(fits, horizon: int, interval: float, label: str) -> Table:
    """A tidy result table of fitted (model, scope, fitter, release month) series
    (:data:`FIT_COLUMNS`): parameters, ultimate and the forecast (its median and band);
    ``fitted_on`` says scope, relations, prior and calibration."""
    from lineage.graph.table import Table

    rows = []
    for fit in fits:
        model, scope, f, _ = fit
        base = {"model": model, "scope": scope, "status": f.status_}
        end = {"pinned": f.pinned_, "fitted_on": label}
        params, forecast = _fit_series(fit, horizon, interval)
        rows += [base | {"age_months": None, "month": None} | r | end for r in params]
        rows += [base | {"quantity": "cumulative"} | r | end for r in forecast]
    return Table({c: [r[c] for r in rows] for c in FIT_COLUMNS})


def _fit_json(fits, horizon: int, interval: float, label: str) -> list[dict]:
    """The fits as one record per series: parameters apart from the forecast."""
    out = []
    for fit in fits:
        model, scope, f, _ = fit
        params, forecast = _fit_series(fit, horizon, interval)
        out.append(
            {
                "model": model,
                "scope": scope,
                "status": f.status_,
                "pinned": bool(f.pinned_),
                "fitted_on": label,
                "parameters": {
                    r["quantity"]: {k: r[k] for k in ("estimate", "lower", "upper")} for r in params
                },
                "forecast": [
                    {
                        "age_months": r["age_months"],
                        "month": r["month"],
                        "median": r["estimate"],
                        "lower": r["lower"],
                        "upper": r["upper"],
                    }
                    for r in forecast
                ],
            }
        )
    return out


def _fit_text(fits, horizon: int, interval: float, describe: Callable[[str], str]) -> str:
    """The fits for people: per series a heading, the parameters, then the forecast."""
    import numpy as np

    from growth.plot import describe_method
    from lineage.graph.table import Table

    band = f"{interval:.0%}"
    blocks = []
    for fit in fits:
        model, scope, fitter, _ = fit
        status = fitter.status_
        params, forecast = _fit_series(fit, horizon, interval)
        lines = [
            f"{_safe_text(model)}  ({describe(scope)})  status: {status}",
            f"{describe_method(fitter)}, m = {fitter.m:g}",
            "",
        ]
        param_table = Table(
            {
                "parameter": [r["quantity"] for r in params],
                "estimate": np.array([r["estimate"] for r in params], dtype=float),
                f"{band} lower": np.array([r["lower"] for r in params], dtype=float),
                f"{band} upper": np.array([r["upper"] for r in params], dtype=float),
            }
        )
        lines.append(_table_text(param_table).rstrip("\n"))
        if status != "ok":
            lines.append(
                "(not saturating: the ultimate count is an extrapolation, not an observed plateau)"
                if status == "not-yet-saturating"
                else f"({status}: no ultimate count)"
                if status == "no-growth"
                else f"({status}: the parameters mostly reflect the prior)"
            )
        months = [r["month"] for r in forecast]
        columns: dict[str, Any] = {} if all(m is None for m in months) else {"month": months}
        columns |= {
            "age": np.array([r["age_months"] for r in forecast], dtype=np.int64),
            "forecast": np.array([r["estimate"] for r in forecast], dtype=float),
            f"{band} lower": np.array([r["lower"] for r in forecast], dtype=float),
            f"{band} upper": np.array([r["upper"] for r in forecast], dtype=float),
        }
        counts = ("forecast", f"{band} lower", f"{band} upper")
        lines += ["", _table_text(Table(columns), counts=counts).rstrip("\n")]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _fit_plot(
    fits,
    path: str,
    *,
    horizon: int,
    interval: float,
    log_y: bool,
    overlay: bool,
    describe: Callable[[str], str],
) -> None:
    """Draw the fits to a PNG: a panel per series, or all in one axes (``overlay``)."""
    from growth.plot import (
        Panel,
        describe_fit,
        describe_method,
        describe_result,
        fits_figure,
        overlay_figure,
        save_png,
    )

    if overlay:
        scopes = list(dict.fromkeys(scope for _, scope, _, _ in fits))
        series = [
            (
                f"{_safe_text(model)}"
                + (f" ({scope})" if len(scopes) > 1 else "")
                + f"\n{describe_result(f, interval=interval)}",
                f,
            )
            for model, scope, f, _ in fits
        ]
        title = (
            f"{'; '.join(describe(s) for s in scopes)}\n{describe_method(fits[0][2])}, "
            f"{horizon}-month forecast"
        )
        fig = overlay_figure(series, horizon=horizon, interval=interval, log_y=log_y, title=title)
    else:
        panels = [
            [
                Panel(
                    f,
                    f"{_safe_text(model)}: {describe(scope)}\n{describe_fit(f, interval=interval)}",
                )
            ]
            for model, scope, f, _ in fits
        ]
        fig = fits_figure(
            panels,
            horizon=horizon,
            interval=interval,
            log_y=log_y,
            title=f"{horizon}-month forecast" if len(panels) > 1 else None,
        )
    try:
        save_png(fig, path)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}; choose another file"
        ) from exc


class _HorizonOption(click.Option):
    """``--horizon``, whose default is :data:`growth.fit.DEFAULT_HORIZON`, imported only when
    a command runs or shows its help (``growth`` takes a while to import)."""

    def get_default(self, ctx: click.Context, call: bool = True):
        from growth.fit import DEFAULT_HORIZON

        return DEFAULT_HORIZON


def _number(low: float, high: float):
    """A click type for a finite float in [low, high] (NaN and infinities refused)."""

    class FiniteFloat(click.ParamType):
        name = "number"

        def convert(self, value, param, ctx):
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number", param, ctx)
            if not math.isfinite(number):
                self.fail(
                    f"{value} is not a finite number; give one from {low:g} to {high:g}", param, ctx
                )
            if not low <= number <= high:
                self.fail(f"{value} is not in the range {low:g} to {high:g}", param, ctx)
            return number

    return FiniteFloat()


@main.command("fit")
@click.argument("models", nargs=-1)
@db_option
@click.option(
    "--from-csv",
    "from_csv",
    type=click.Path(dir_okay=False),
    default=None,
    help="Fit your own series (columns model,age_months,cumulative); no snapshot.",
)
@click.option(
    "--scope",
    type=click.Choice(["direct", "transitive"]),
    default="transitive",
    show_default=True,
    help="Children only, or all distinct descendants.",
)
@_relation_option
@click.option(
    "--horizon",
    cls=_HorizonOption,
    type=click.IntRange(1, 240),
    show_default=True,
    help="Months to forecast after the last observed month (one default for the "
    "PNG, the tables and the HTML pages).",
)
@click.option(
    "--interval",
    type=_number(0.5, 0.99),
    default=0.8,
    show_default=True,
    help="Coverage of the parameter and forecast intervals (0.5 to 0.99).",
)
@click.option(
    "--m",
    "m",
    type=_number(0.01, 1e4),
    default=30.0,
    show_default=True,
    help="WSB scale m (ultimate count = m (e^lambda - 1)), 0.01 to 10,000.",
)
@click.option(
    "--calibration",
    type=click.Choice(["hub", "none"]),
    default="hub",
    show_default=True,
    help="Forecast corrections learned on real Hub series "
    "(growth.prior.HUB_CALIBRATION: blend with the recent trend, 80% intervals widened "
    "to their measured coverage), or the raw WSB forecast.",
)
@format_option()
@output_option()
@output_option("Also draw data, fit, forecast and band to this PNG.", "--plot", "plot")
@click.option("--log-y", is_flag=True, help="Logarithmic y axis in --plot.")
@click.option(
    "--overlay",
    is_flag=True,
    help="In --plot, draw every model in one axes (by age) instead of one panel each.",
)
@click.option(
    "--org", is_flag=True, help="MODELS are authors: fit each organisation's distinct derivatives."
)
@as_of_option
def fit_command(
    models,
    db,
    from_csv,
    scope,
    relations,
    horizon,
    interval,
    m,
    calibration,
    fmt,
    output,
    plot,
    log_y,
    overlay,
    org,
    as_of,
) -> None:
    """Fit and forecast WSB growth of MODELS' derivative counts.

    Prints the parameters with intervals, the ultimate count and the status, then the
    forecast by calendar month. Complete months only: the snapshot's running month is left
    out.

    \b
    Examples:
      hf-lineage fit meta-llama/Llama-2-7b-hf --plot llama.png
      hf-lineage fit org/a org/b --scope direct --overlay --plot ab.png --log-y
      hf-lineage fit --from-csv series.csv --format csv -o fits.csv
    """
    from lineage.ranking import calibration_name

    if (overlay or log_y) and not plot:
        raise UsageError(
            f"{'--overlay' if overlay else '--log-y'} draws in --plot FILE.png; give --plot too"
        )
    cal = _calibration(calibration)
    relation_text = f"relation {', '.join(relations)}" if relations else "all relations"
    if from_csv:
        fits = _fit_csv_series(_read_curve_csv(from_csv, models), m, cal)
        label = f"series of {from_csv}, weak prior, {calibration_name(cal)} calibration"

        def describe(scope_name: str) -> str:
            return f"series from {Path(from_csv).name}" + (
                "" if scope_name == "csv" else f", {scope_name}"
            )
    elif not models:
        raise UsageError("give one or more model ids, or --from-csv FILE")
    else:
        graph = _load_graph(db, as_of)
        if org:
            from lineage.graph.orgs import org_curves

            frame = org_curves(graph, list(models), scope=scope, relations=list(relations) or None)
            fits = _fit_csv_series(frame, m, cal)
            label = (
                f"{scope} derivatives of organisations, {relation_text}, weak prior, "
                f"{calibration_name(cal)} calibration"
            )
        else:
            from lineage.ranking import fit_model

            done = [
                fit_model(
                    graph, model, scope=scope, relations=relations or None, m=m, calibration=cal
                )
                for model in models
            ]
            fits = [
                (
                    d.model,
                    d.scope,
                    d.fitter,
                    _release_month(d.table["month"][0], d.table["age_months"][0])
                    if len(d.table)
                    else None,
                )
                for d in done
            ]
            label = done[0].label

        def describe(scope_name: str) -> str:
            return f"{scope_name} derivatives, {relation_text}"

    if plot:
        _fit_plot(
            fits,
            plot,
            horizon=horizon,
            interval=interval,
            log_y=log_y,
            overlay=overlay,
            describe=describe,
        )
        click.echo(f"wrote plot to {plot}", err=True)
    if fmt == "json":
        records = _fit_json(fits, horizon, interval, label)
        _write_text(_json_text(records), output, what=f"{len(fits):,} fits")
    elif fmt == "csv":
        _write_table(_fit_records(fits, horizon, interval, label), "csv", output)
    else:
        text = _fit_text(fits, horizon, interval, describe)
        _write_text(text, output, what=f"{len(fits):,} fits")


@main.command()
@db_option
@click.option(
    "--scope",
    type=click.Choice(["direct", "transitive"]),
    default="transitive",
    show_default=True,
    help="Children only, or all distinct descendants.",
)
@_relation_option
@click.option(
    "--by",
    "by",
    type=click.Choice(["fitness", "ultimate", "growth-12m"]),
    default="fitness",
    show_default=True,
    help="Rank by WSB fitness lambda or the ultimate count (the lower end of their 80% "
    "intervals: what the data supports), or the median forecast growth over the next 12 "
    "months.",
)
@click.option(
    "--min-derivatives",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Fit only models with at least this many derivatives.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many models to list.",
)
@click.option(
    "--calibration",
    type=click.Choice(["hub", "none"]),
    default="hub",
    show_default=True,
    help="Forecast corrections for growth-12m (see fit --help).",
)
@format_option()
@output_option()
@as_of_option
def rank(db, scope, relations, by, min_derivatives, top, calibration, fmt, output, as_of) -> None:
    """Rank the snapshot's models by fitted influence.

    Every model with enough derivatives is fitted on its complete months, on all cores, each
    with the same weak prior (a model's fit does not depend on --min-derivatives); fits
    pinned at a bound (column pinned) come after the others; --by ultimate ranks on the lower
    end of the ultimate's interval.

    \b
    Example:
      hf-lineage rank --by growth-12m --min-derivatives 50 --top 10
    """
    from lineage.ranking import rank_models

    graph = _load_graph(db, as_of)
    table = rank_models(
        graph,
        scope=scope,
        relations=relations,
        by=by,
        min_derivatives=min_derivatives,
        top=top,
        calibration=_calibration(calibration),
        progress=_progress_printer(),
    )
    why = table.attrs.get("empty_reason") if table.empty else None
    if why and fmt != "table":
        click.echo(why, err=True)
    if not table.empty:
        click.echo(f"ranked by {by}: {table.attrs['label']}", err=True)
    _write_table(
        table,
        fmt,
        output,
        empty=why,
        counts=("ultimate", "ultimate_lower", "ultimate_upper", "growth_12m"),
    )


# -- site (site) -------------------------------------------------------------------------------
@main.command("site")
@click.argument("out_dir", metavar="DIR", type=click.Path())
@db_option
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="How many of the largest families get a table row and a page.",
)
def site_command(out_dir, db, top) -> None:
    """Write a static site of the whole snapshot into DIR (works offline).

    Vital signs and charts, the largest families with their fitted growth, a search over
    every model with derivatives, and one lineage page per listed family.

    \b
    Example:
      hf-lineage site snapshot-site --top 50 --db hub.db
    """
    from lineage.graph import LineageGraph
    from lineage.hub.store import resolve_db_path
    from lineage.viz.site import check_site_dir, snapshot_status, write_site

    status = snapshot_status(db)
    check_site_dir(out_dir, snapshot=resolve_db_path(db))
    graph = LineageGraph.from_db(db)
    result = write_site(graph, out_dir, top=top, status=status, progress=_progress_printer())
    click.echo(
        f"wrote {len(result.files):,} files ({len(result.families):,} family pages)", err=True
    )
    click.echo(str(result.index))


# -- export, top, orgs (export) ----------------------------------------------------------------
_SUFFIX_FORMATS = {
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".edgelist": "edgelist",
    ".tsv": "edgelist",
    ".txt": "edgelist",
}


@main.command("export")
@click.argument("model", required=False)
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "gexf", "edgelist", "csv", "parquet"]),
    default=None,
    help="File format (default: from the -o suffix: .graphml, .gexf, .tsv); csv "
    "and parquet write nodes and edges tables into the directory -o.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    required=True,
    help="File to write, or directory for csv and parquet.",
)
@click.option(
    "--direction",
    type=click.Choice(["down", "up", "both"]),
    default="down",
    show_default=True,
    help="With MODEL: derivatives (down), base models (up) or both.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="With MODEL: at most this many hops from it (default: all).",
)
@_relation_option
@as_of_option
def export(model, db, fmt, output, direction, depth, relations, as_of) -> None:
    """Export the snapshot, or MODEL's family, as a graph file or tables.

    For networkx, igraph, Gephi, pandas: node attributes id, author, created_at,
    downloads, likes, pipeline_tag, library_name, missing, direct and transitive counts;
    edge attributes relation and source.

    \b
    Example:
      hf-lineage export meta-llama/Llama-2-7b-hf --format gexf -o llama.gexf
    """
    import pathlib

    from lineage.errors import UsageError
    from lineage.graph.export import export_graph

    if fmt is None:
        fmt = _SUFFIX_FORMATS.get(pathlib.Path(output).suffix.lower())
        if fmt is None:
            raise UsageError(
                f"cannot tell the format from {output!r}; give --format "
                "graphml|gexf|edgelist|csv|parquet"
            )
    graph = _load_graph(db, as_of)
    result = export_graph(
        graph,
        output,
        format=fmt,
        model=model,
        direction=direction,
        depth=depth,
        relations=list(relations) or None,
        progress=_progress_printer(),
    )
    click.echo(
        f"wrote {result.nodes:,} nodes and {result.edges:,} edges to "
        f"{', '.join(str(p) for p in result.paths)}",
        err=True,
    )


@main.command("top")
@db_option
@click.option(
    "--by",
    "by",
    type=click.Choice(["transitive", "direct"]),
    default="transitive",
    show_default=True,
    help="Rank by distinct descendants or by children.",
)
@_relation_option
@click.option("--author", default=None, help="Only this author's models (case-insensitive).")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many models to list.",
)
@format_option()
@output_option()
@as_of_option
def top_command(db, by, relations, author, top, fmt, output, as_of) -> None:
    """List the models with the most derivatives (counts only, no fitting).

    Columns: rank, model, author, created_at, direct, transitive.

    \b
    Example:
      hf-lineage top --by direct --relation finetune --top 10
    """
    from lineage.graph.export import top_models

    graph = _load_graph(db, as_of)
    table = top_models(graph, by=by, relations=list(relations) or None, author=author, top=top)
    _write_table(
        table,
        fmt,
        output,
        empty=f"no model by author {author} in this snapshot"
        if author
        else "no model in this snapshot",
    )


@main.command()
@db_option
@click.option(
    "--by",
    "by",
    type=click.Choice(
        ["transitive", "direct", "models", "transitive_by_others", "direct_by_others"]
    ),
    default="transitive",
    show_default=True,
    help="Rank by distinct derivatives of the author's models, or models released.",
)
@_relation_option
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many authors to list.",
)
@format_option()
@output_option()
@as_of_option
def orgs(db, by, relations, top, fmt, output, as_of) -> None:
    """Rank authors (organisations) by the derivatives of their models.

    Distinct derivatives, each counted once, split into those made by others and by the author
    itself.

    \b
    Example:
      hf-lineage orgs --by transitive_by_others --top 10
    """
    from lineage.graph.orgs import org_table

    graph = _load_graph(db, as_of)
    table = org_table(graph, relations=list(relations) or None, by=by).head(top)
    table.insert(0, "rank", range(1, len(table) + 1))
    _write_table(table, fmt, output, empty="no author in this snapshot")


# -- demo --------------------------------------------------------------------------------------
@main.command()
@click.option(
    "--models",
    "n_models",
    type=click.IntRange(min=1_000),
    default=30_000,
    show_default=True,
    help="Size of the simulated Hub.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Simulator seed.")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default="demo-out",
    show_default=True,
    help="Folder for the outputs.",
)
def demo(n_models, seed, out) -> None:
    """Run the whole pipeline offline on a simulated Hub.

    Simulates a Hub, serves it on 127.0.0.1, crawls it, counts, fits and ranks, and writes
    curves, fits, a plot and a lineage page into OUT.

    \b
    Example:
      hf-lineage demo --models 20000 --seed 1 --out demo-out
    """
    from lineage.demo import run_demo, truth_summary

    started = time.monotonic()
    result = run_demo(out, n_models=n_models, seed=seed, progress=_progress_printer(timed=True))
    click.echo(
        f"\nCrawled {result.n_models:,} models and {result.n_edges:,} lineage edges "
        f"(simulated up to {result.snapshot_time:%Y-%m-%d}); "
        f"largest families: {', '.join(result.families[:3])}."
    )
    click.echo("Wrote:")
    for path in result.files:
        click.echo(f"  {path}")
    truth = result.truth
    click.echo(
        f"\nFitted vs true WSB parameters of the generator's {len(truth)} WSB-driven "
        f"bases (direct derivatives; {(truth['status'] == 'ok').sum()} fits ok):"
    )
    click.echo(truth_summary(truth).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(
        f"\nOpen {result.out / 'lineage.html'} in a browser; "
        f"hf-lineage info --db {result.out / 'hub.db'} shows the snapshot."
    )
    click.echo(f"Done in {time.monotonic() - started:.1f} s.")


if __name__ == "__main__":
    main()
