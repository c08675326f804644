"""Every command on a Hub-sized snapshot: wall, CPU and peak memory against the file's floor.

For each size a simulated Hub (``lineage.sim.simulate.simulate_frames``, rendered page by
page as the Hub's JSON: relation tags, 1% re-cased and 0.5% deleted references, a PEFT path
now and then) goes through the crawl's own ingest (``parse_page`` -> ``Store.commit_page``
-> ``Store.finish_run``, newest first, 1,000 models a page; no HTTP, which would only add
the server's time). Then every command of the CLI runs as a fresh process of
``hf-lineage`` (a user's workflow), and is measured by ``os.wait4``: wall seconds, CPU
seconds (user + system) and peak resident memory of that process.

The floor is what any reader of the file pays: one plain ``sqlite3`` pass over every row of
every table of the same file, in a fresh Python process (``floor``). ``x floor`` is a
command's CPU time over the floor's. ``networkx`` and ``igraph`` do the ``family`` job
(read the edges, build the graph, list the descendants of the largest family's root) and
must find the same number of descendants as ``hf-lineage family``.
``from_db`` is ``LineageGraph.from_db`` alone (plus the interpreter and the imports; the note
gives the call's own time and memory). ``html`` draws the largest family's page; ``export``
writes the whole snapshot as Parquet, ``graphml`` as GraphML.

Commands this branch does not have are reported as ``n/a on this branch``. Before measuring,
the package's modules are byte-compiled, as ``pip install`` leaves an installed package (an
editable install under ``PYTHONDONTWRITEBYTECODE`` would compile them in every process).

Usage: python bench/workflow_bench.py [--sizes 300k,1M] [--seed 0] [--repeat 1]
       [--keep DIR [--reuse]] [--skip rank,html]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

PAGE = 1_000

FLOOR = """
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
for table in tables:
    for _ in con.execute(f"SELECT * FROM {table}"):
        pass
"""

EDGE_SQL = (
    "SELECT lower(m.id), e.parent_lower FROM edges e JOIN models m"
    " ON m.gen = e.gen AND m.oid = e.child_oid"
    " WHERE e.gen = (SELECT value FROM meta WHERE key = 'live_gen')"
)

NETWORKX = f"""
import sqlite3, sys
import networkx as nx
con = sqlite3.connect(f"file:{{sys.argv[1]}}?mode=ro", uri=True)
G = nx.DiGraph()
G.add_edges_from((p, c) for c, p in con.execute({EDGE_SQL!r}))
print(len(nx.descendants(G, sys.argv[2].lower())))
"""

IGRAPH = f"""
import sqlite3, sys
import igraph as ig
con = sqlite3.connect(f"file:{{sys.argv[1]}}?mode=ro", uri=True)
g = ig.Graph.TupleList(((p, c) for c, p in con.execute({EDGE_SQL!r})), directed=True)
root = g.vs.find(name=sys.argv[2].lower()).index
print(len(g.subcomponent(root, mode="out")) - 1)
"""

FROM_DB = """
import resource, sys, time
from lineage.graph.lineage_graph import LineageGraph
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
wall, cpu = time.perf_counter(), time.process_time()
graph = LineageGraph.from_db(sys.argv[1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
print(f"the call: {wall:.2f} s wall, {cpu:.2f} s CPU, +{grown:.0f} MiB")
"""


def hub_pages(n: int, seed: int):
    """Pages of Hub JSON model objects, newest first, for a simulated Hub of ``n`` models."""
    from lineage.sim.simulate import simulate_frames

    models, edges, _ = simulate_frames(n, seed)
    rng = np.random.default_rng([seed, 7])
    ids = models["id"].to_numpy(dtype=object)
    refs = edges["parent"].to_numpy(dtype=object).copy()
    deleted = rng.random(len(refs)) < 0.005
    refs[deleted] = [
        f"{r.split('/')[0]}/deleted-{i}"
        for i, r in zip(np.flatnonzero(deleted), refs[deleted], strict=True)
    ]
    recased = ~deleted & (rng.random(len(refs)) < 0.01)
    refs[recased] = [r.upper() for r in refs[recased]]
    pos = pd.Index(ids).get_indexer(edges["child"])
    order = np.argsort(pos, kind="stable")
    ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(pos, minlength=len(ids)), out=ptr[1:])
    tags = [
        f"base_model:{rel}:{ref}"
        for rel, ref in zip(
            edges["relation"].to_numpy(dtype=object)[order], refs[order], strict=True
        )
    ]
    created_ns = models["created_at"].dt.as_unit("ns").astype("int64").to_numpy()
    stamps = [
        s[:23] + "Z"
        for s in np.datetime_as_string(
            created_ns.astype("datetime64[ns]").astype("datetime64[ms]"), unit="ms"
        )
    ]
    downloads = (rng.pareto(1.0, len(ids)) * 50).astype(np.int64).tolist()
    pipelines = rng.choice(
        [
            "text-generation",
            "text-classification",
            "image-classification",
            "automatic-speech-recognition",
        ],
        len(ids),
    ).tolist()
    peft = rng.random(len(ids)) < 0.002
    for end in range(len(ids), 0, -PAGE):
        page = []
        for i in range(end - 1, max(end - PAGE, 0) - 1, -1):
            mid = ids[i]
            model_tags = ["transformers", *tags[ptr[i] : ptr[i + 1]]]
            if peft[i]:
                model_tags.append("base_model:adapter:/workspace/out")
            page.append(
                {
                    "_id": f"{0x650000000000000000000000 + i * 7919:024x}",
                    "id": mid,
                    "author": mid.split("/")[0],
                    "createdAt": stamps[i],
                    "lastModified": stamps[i],
                    "downloads": downloads[i],
                    "likes": downloads[i] // 25,
                    "pipeline_tag": pipelines[i],
                    "library_name": "transformers",
                    "tags": model_tags,
                }
            )
        yield page


def build_snapshot(db: pathlib.Path, n: int, seed: int) -> tuple[float, float]:
    """Ingest a simulated Hub of ``n`` models into ``db`` as a full crawl does; returns
    (wall seconds of ingest, wall seconds of the final commit)."""
    from lineage.hub.client import parse_page
    from lineage.hub.store import Store

    started = time.perf_counter()
    with Store(db) as store:
        run = store.start_run(
            mode="full",
            endpoint="https://sim.invalid",
            phase="full",
            next_url="sim:0",
            hub_mark=None,
        )
        for k, page in enumerate(hub_pages(n, seed)):
            store.commit_page(run, parse_page(page), phase="full", next_url=f"sim:{k + 1}")
        committing = time.perf_counter()
        store.finish_run(run)
        done = time.perf_counter()
    return done - started, done - committing


# Linux keeps a process's peak RSS across exec, and a child forked from this (large)
# process starts with this process's RSS: a small Python shim spawns each command instead
# and reports the command's own rusage as JSON on its stderr's last line.
SHIM = """
import json, os, sys, time
t = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, u = os.wait4(pid, 0)
print(json.dumps({"wall": time.perf_counter() - t, "cpu": u.ru_utime + u.ru_stime,
                  "mib": u.ru_maxrss / 1024, "code": os.waitstatus_to_exitcode(status)}),
      file=sys.stderr)
"""


def measure(argv: list[str]) -> dict:
    """Run ``argv`` to completion: wall and CPU seconds, peak RSS (MiB), exit code, output."""
    import json

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        subprocess.run([sys.executable, "-c", SHIM, *argv], stdout=out, stderr=err, check=True)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    lines = stderr.rstrip().splitlines()
    return json.loads(lines[-1]) | {"stdout": stdout, "stderr": "\n".join(lines[:-1])}


def best(argv: list[str], repeat: int) -> dict:
    runs = [measure(argv) for _ in range(repeat)]
    return min(runs, key=lambda r: r["cpu"])


def available_commands(cli: str) -> set[str]:
    text = subprocess.run([cli, "--help"], capture_output=True, text=True, check=True).stdout
    section = text.split("Commands:", 1)[-1]
    return set(re.findall(r"^  (\S+)", section, flags=re.M))


def largest_root(db: pathlib.Path) -> tuple[str, int]:
    """The model with the most descendants (the largest family's root) and that number."""
    from lineage.graph import LineageGraph

    counts = LineageGraph.from_db(db).descendant_counts("transitive")
    return str(counts.idxmax()), int(counts.max())


def run_size(n: int, args, cli: str, commands: set[str]) -> list[dict]:
    folder = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="workflow-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"hub-{n}.db"
    if args.reuse and db.exists():
        print(f"# {n:,} models: the snapshot of an earlier run, {db}", flush=True)
    else:
        for stale in folder.glob(f"hub-{n}.db*"):
            if stale.is_dir():
                import shutil

                shutil.rmtree(stale)
            else:
                stale.unlink()
        ingest, commit = build_snapshot(db, n, args.seed)
        print(
            f"# {n:,} models: ingest {ingest:.1f} s (final commit {commit:.1f} s), "
            f"file {db.stat().st_size / 2**20:,.0f} MiB",
            flush=True,
        )
    root, size = largest_root(db)
    print(f"# largest family root {root} ({size:,} descendants)", flush=True)
    py = sys.executable
    out_html = folder / "page.html"
    parquet = folder / "export-parquet"
    jobs = {
        "floor": [py, "-c", FLOOR, str(db)],
        "from_db": [py, "-c", FROM_DB, str(db)],
        "info": [cli, "info", "--db", str(db)],
        "curves": [cli, "curves", root, "--db", str(db)],
        "family": [cli, "family", root, "--db", str(db), "--format", "csv"],
        "top": [cli, "top", "--db", str(db)],
        "fit": [cli, "fit", root, "--db", str(db)],
        "rank": [cli, "rank", "--db", str(db)],
        "html": [cli, "html", root, "--db", str(db), "-o", str(out_html)],
        "export": [cli, "export", "--db", str(db), "--format", "parquet", "-o", str(parquet)],
        "graphml": [cli, "export", "--db", str(db), "-o", str(folder / "export.graphml")],
        "networkx": [py, "-c", NETWORKX, str(db), root],
        "igraph": [py, "-c", IGRAPH, str(db), root],
    }
    skip = set(filter(None, args.skip.split(",")))
    rows = []
    floor = None
    for name, argv in jobs.items():
        row = {"models": n, "job": name}
        if argv[0] == cli and argv[1] not in commands:
            row["note"] = "n/a on this branch"
        elif name in skip:
            row["note"] = "skipped"
        else:
            r = best(argv, args.repeat)
            row.update(wall=r["wall"], cpu=r["cpu"], mib=r["mib"])
            if r["code"] != 0:
                row["note"] = f"exit {r['code']}: {r['stderr'].strip().splitlines()[-1][:60]}"
            elif name == "from_db":
                row["note"] = r["stdout"].strip().splitlines()[-1]
            elif name in ("networkx", "igraph"):
                found = int(r["stdout"].split()[-1])
                row["note"] = "same descendants" if found == size else f"found {found:,}"
            if name == "floor":
                floor = r
            row["x_floor"] = r["cpu"] / floor["cpu"] if floor else float("nan")
            row["x_floor_wall"] = r["wall"] / floor["wall"] if floor else float("nan")
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


def format_row(row: dict) -> str:
    if "cpu" not in row:
        return f"| {row['models']:>9,} | {row['job']:<8} | | | | | | {row.get('note', '')} |"
    return (
        f"| {row['models']:>9,} | {row['job']:<8} | {row['wall']:7.2f} | {row['cpu']:7.2f} | "
        f"{row['mib']:7.0f} | {row['x_floor']:6.2f} | {row['x_floor_wall']:6.2f} | "
        f"{row.get('note', '')} |"
    )


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def compile_package() -> list[str]:
    """Byte-compile lineage, growth and cli.py where they are imported from (``__pycache__``
    beside them, as ``pip install`` does); return the folders and files compiled."""
    import compileall
    import importlib.util

    done = []
    for name in ("lineage", "growth", "cli"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = pathlib.Path(spec.origin)
        if origin.name == "__init__.py":
            compileall.compile_dir(origin.parent, quiet=1)
            done.append(str(origin.parent))
        else:
            compileall.compile_file(origin, quiet=1)
            done.append(str(origin))
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300k,1M", help="comma-separated model counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs (CPU)")
    parser.add_argument("--keep", default=None, help="folder for the snapshots (kept)")
    parser.add_argument("--skip", default="", help="comma-separated jobs not to run")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the snapshots already in --keep instead of building them",
    )
    parser.add_argument(
        "--cli",
        default=str(pathlib.Path(sys.executable).parent / "hf-lineage"),
        help="the hf-lineage executable to measure",
    )
    args = parser.parse_args()
    compiled = compile_package()
    commands = available_commands(args.cli)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, load {load}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(f"# byte-compiled first, as pip install does: {', '.join(compiled)}")
    print("| models | job | wall s | CPU s | peak MiB | x floor (CPU) | x floor (wall) | note |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for size in (parse_size(s) for s in args.sizes.split(",")):
        run_size(size, args, args.cli, commands)


if __name__ == "__main__":
    main()
