"""The CLI's output layer and input safety, and the plots: through the real commands, on a
snapshot crawled from a local Hub and on CSV files written here (issues 11 §4, 13, 15)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import hub_model

from cli import main
from growth.fit import DEFAULT_HORIZON, NotFittedError, WSBFitter
from growth.models import WSB
from growth.plot import Panel, fits_figure, overlay_figure
from lineage.graph import LineageGraph
from lineage.hub.crawl import crawl


def run(*args: str, **kwargs):
    return CliRunner(**kwargs).invoke(main, list(args), catch_exceptions=False)


def one_line_error(result, code: int = 2) -> str:
    """The single ``Error: ...`` line of a failed command (asserting there is just one)."""
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


def day(y: int, m: int, d: int = 10) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.fixture
def db(tmp_path, local_hub):
    """org/NaNo-7b (2023-01) with 45 fine-tunes over 2023; small/base with 3; lonely/base
    with none; fresh/base with 3 adapters in the running month."""
    models = [
        hub_model(0, "org/NaNo-7b", day(2023, 1, 2)),
        hub_model(1, "small/base", day(2023, 1)),
        hub_model(2, "lonely/base", day(2023, 2)),
    ]
    i = 3
    for month, n in enumerate([8, 10, 8, 6, 5, 3, 2, 1, 1, 1], start=1):
        for _ in range(n):
            models.append(
                hub_model(i, f"u{i}/ft", day(2023, month, 15), ["org/NaNo-7b"], "finetune")
            )
            i += 1
    for k in range(3):
        models.append(hub_model(i + k, f"s{k}/ft", day(2023, 3 + k), ["small/base"], "finetune"))
    now = datetime.now(UTC)  # fresh/base and its 3 adapters: all in the running month
    models.append(hub_model(80, "fresh/base", now))
    models += [hub_model(81 + k, f"f{k}/ad", now, ["fresh/base"], "adapter") for k in range(3)]
    path = tmp_path / "hub.db"
    crawl(path, endpoint=local_hub(models).endpoint)
    return str(path)


def write_series(path, rows: dict[str, list[float]], ages=None) -> str:
    """A model,age_months,cumulative CSV with one series per model."""
    parts = [
        pd.DataFrame(
            {
                "model": model,
                "age_months": ages if ages is not None else np.arange(len(cum)),
                "cumulative": cum,
            }
        )
        for model, cum in rows.items()
    ]
    pd.concat(parts).to_csv(path, index=False)
    return str(path)


def wsb_series(lam=3.0, mu=1.5, sigma=0.8, months=15) -> list[float]:
    wsb = WSB(m=30.0)
    return np.round(
        wsb.cumulative(np.arange(months) + 1.0, wsb.from_natural(lam, mu, sigma))
    ).tolist()


# -- issue 15 bugs ------------------------------------------------------------------------------
def test_fit_json_keeps_nan_inside_ids_and_nulls_missing_values(db):
    result = run("fit", "org/NaNo-7b", "lonely/base", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    fits = {f["model"]: f for f in json.loads(result.stdout)}
    assert set(fits) == {"org/NaNo-7b", "lonely/base"}
    assert "null" not in result.stdout.split('"org/NaNo-7b"')[0]
    assert fits["org/NaNo-7b"]["parameters"]["lambda"]["estimate"] > 0
    lonely = fits["lonely/base"]
    assert lonely["status"] == "no-growth"
    assert lonely["parameters"]["lambda"] == {"estimate": None, "lower": None, "upper": None}
    assert "NaN" not in result.stdout.replace("org/NaNo-7b", "")


def test_plots_never_switch_matplotlibs_backend(db, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        import matplotlib
        matplotlib.use("svg")
        from click.testing import CliRunner
        from cli import main
        from growth.fit import WSBFitter
        from lineage.demo import run_demo

        out = CliRunner().invoke(main, ["fit", "org/NaNo-7b", "--db", {db!r},
                                        "--plot", {str(tmp_path / "cli.png")!r}])
        assert out.exit_code == 0, out.output
        ax = WSBFitter().fit(range(6), [1, 3, 6, 8, 9, 9]).plot()
        ax.figure.savefig({str(tmp_path / "method.png")!r})
        run_demo({str(tmp_path / "demo")!r}, n_models=3_000, seed=1, n_families=2)
        print(matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["svg", "False"]
    for name in ("cli.png", "method.png", "demo/families.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predict_before_fit_is_a_not_fitted_error():
    fitter = WSBFitter()
    for call in (
        lambda: fitter.predict([3]),
        lambda: fitter.params_table(),
        lambda: fitter.ultimate_interval(),
        lambda: fitter.plot(),
    ):
        with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(\.\.\.\) before"):
            call()
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


# -- one output writer --------------------------------------------------------------------------
def test_fit_table_shows_parameters_apart_from_a_forecast_by_calendar_month(db):
    result = run("fit", "org/NaNo-7b", "--db", db, "--scope", "direct", "--horizon", "3")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0] == "org/NaNo-7b  (direct derivatives, all relations)  status: ok"
    params, forecast = text.split("\n\n")[1:3]
    assert params.split()[:4] == ["parameter", "estimate", "80%", "lower"]
    values = {line.split()[0]: line.split()[1:] for line in params.splitlines()[1:]}
    assert set(values) == {"lambda", "mu", "sigma", "ultimate"}
    for name in ("lambda", "mu", "sigma"):  # three significant digits
        for cell in values[name]:
            assert len(re.sub(r"[^0-9]", "", cell).lstrip("0")) <= 3, values
    graph = LineageGraph.from_db(db)
    first = pd.Period(graph.last_complete_month, "M") + 1
    rows = [line.split() for line in forecast.splitlines()]
    assert rows[0][:3] == ["month", "age", "forecast"]
    assert [r[0] for r in rows[1:]] == [str(first + k) for k in range(3)]
    ages = [int(r[1]) for r in rows[1:]]
    assert ages == list(range(ages[0], ages[0] + 3))
    assert all(re.fullmatch(r"[\d,]+", cell) for r in rows[1:] for cell in r[2:])


def test_fit_default_horizon_is_the_shared_constant(db):
    result = run("fit", "org/NaNo-7b", "--db", db, "--format", "csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    forecast = table[table["quantity"] == "cumulative"]
    assert len(forecast) == DEFAULT_HORIZON
    assert forecast["month"].iloc[0] == str(
        pd.Period(LineageGraph.from_db(db).last_complete_month, "M") + 1
    )


def test_every_data_command_speaks_table_csv_and_json(db, tmp_path):
    info = json.loads(run("info", "--db", db, "--format", "json").stdout)
    assert info["models"] == 55 and info["edges_by_relation"] == {"adapter": 3, "finetune": 48}
    fields = pd.read_csv(io.StringIO(run("info", "--db", db, "--format", "csv").stdout))
    assert fields.set_index("field").loc["edges_by_relation.finetune", "value"] == "48"
    assert "Models          55 listed" in run("info", "--db", db).stdout
    out = tmp_path / "info.json"
    assert run("info", "--db", db, "--format", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["models"] == 55

    curves = run("curves", "small/base", "--db", db, "--format", "table").stdout
    assert curves.split("\n")[0].split() == [
        "model",
        "scope",
        "month",
        "age_months",
        "count",
        "cumulative",
        "complete",
    ]
    family = json.loads(run("family", "small/base", "--db", db, "--format", "json").stdout)
    assert [r["depth"] for r in family] == [0, 1, 1, 1] and family[0]["parent"] is None
    ranked = pd.read_csv(
        io.StringIO(run("rank", "--db", db, "--min-derivatives", "3", "--format", "csv").stdout)
    )
    assert ranked["model"].tolist() == ["org/NaNo-7b", "small/base"]


def test_rank_table_rounds_and_an_empty_ranking_says_why(db):
    result = run("rank", "--db", db, "--min-derivatives", "3")
    assert result.exit_code == 0, result.output
    header, *rows = [line.split() for line in result.stdout.splitlines()]
    assert header[:4] == ["rank", "model", "derivatives", "status"]
    lam = header.index("lambda")
    assert all(len(re.sub(r"[^0-9]", "", r[lam]).lstrip("0")) <= 3 for r in rows)
    empty = run("rank", "--db", db, "--min-derivatives", "1000")
    assert empty.exit_code == 0 and empty.stdout == ""
    why = [line for line in empty.stderr.splitlines() if not line.startswith("counting")]
    assert len(why) == 1 and why[0].startswith("no model has 1000+ derivatives in scope transitive")
    assert "Empty DataFrame" not in empty.output
    as_csv = run("rank", "--db", db, "--min-derivatives", "1000", "--format", "csv")
    assert as_csv.stdout.startswith("rank,model,") and len(as_csv.stdout.splitlines()) == 1
    assert (
        json.loads(run("rank", "--db", db, "--min-derivatives", "1000", "--format", "json").stdout)
        == []
    )
    fresh = run("rank", "--db", db, "--min-derivatives", "3", "--relation", "adapter")
    assert fresh.exit_code == 0 and fresh.stdout == ""
    graph = LineageGraph.from_db(db)
    assert fresh.stderr.splitlines()[-1] == (
        "no model has 3+ derivatives in scope transitive (relations: adapter) by "
        f"{graph.last_complete_month}, the last complete month; 1 reach it counting the "
        f"running month {graph.snapshot_month}, which fits leave out"
    )


def test_help_first_sentences_examples_and_environment():
    top = run("-h").stdout
    commands = top.split("Commands:")[1]
    assert "..." not in commands and "…" not in commands
    entries = re.split(r"\n  (?=\w)", commands.strip())
    assert len(entries) >= 8
    for entry in entries:
        assert "\n" not in entry, entry  # one line in an 80-column terminal
        name, sentence = entry.split(None, 1)
        sentence = " ".join(sentence.split())
        assert sentence.endswith(".") and sentence.count(". ") == 0, entry
    for var in ("HF_LINEAGE_DB", "HF_ENDPOINT", "HF_TOKEN"):
        assert var in top
    fit_help = run("fit", "-h").stdout
    assert (
        "    hf-lineage fit org/a org/b --scope direct --overlay --plot ab.png --log-y\n"
        in fit_help
    )
    assert "$HF_LINEAGE_DB" in fit_help and f"default: {DEFAULT_HORIZON};" in fit_help


# -- issue 11 §4: safe exports and outputs --------------------------------------------------------
def test_csv_formula_cells_are_neutralised_and_numbers_stay_numbers(tmp_path):
    hostile = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
    series = {name: [20, 28, 30, 31, 31, 31, 31, 31] for name in hostile}
    path = write_series(tmp_path / "s.csv", series)
    out = tmp_path / "fits.csv"
    result = run("fit", "--from-csv", path, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_text()
    table = pd.read_csv(out)
    assert set(table["model"]) == {"'" + name for name in hostile}
    for line in raw.splitlines()[1:]:
        assert line[0] not in "=+-@", line
    mu = table[table["quantity"] == "mu"]
    assert mu["lower"].dtype == float and (mu["lower"] < 0).all()  # negatives stay numbers
    assert ",-" in raw


def test_table_output_strips_terminal_control_characters(tmp_path):
    evil = "org/evil\x1b[2J\x1b]0;pwned\x07\u202eblue"
    path = write_series(tmp_path / "s.csv", {evil: wsb_series()})
    result = run("fit", "--from-csv", path, "--horizon", "2")
    assert result.exit_code == 0, result.output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", result.stdout)
    assert result.stdout.startswith("org/evil[2J]0;pwnedblue  (series from s.csv)")
    as_json = json.loads(run("fit", "--from-csv", path, "--format", "json").stdout)
    assert as_json[0]["model"] == evil  # data formats keep the id exactly


def test_data_onto_a_terminal_has_no_control_characters_and_into_a_pipe_is_exact(tmp_path):
    import os
    import pty

    evil = "org/evil\x1b]0;pwned\x07"
    path = write_series(tmp_path / "s.csv", {evil: wsb_series()})
    args = [sys.executable, "-m", "cli", "fit", "--from-csv", path, "--format", "csv"]
    piped = subprocess.run(args, capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout.count(evil.encode()) == 4 + DEFAULT_HORIZON
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    assert b"org/evil]0;pwned," in shown and b"\x1b" not in shown and b"\x07" not in shown


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_outputs_naming_the_snapshot_are_refused(db, tmp_path, monkeypatch):
    before = digest(db)
    for args in (
        ["curves", "org/NaNo-7b", "--db", db, "-o", db],
        ["family", "small/base", "--db", db, "--output", db],
        ["info", "--db", db, "--format", "json", "-o", db],
        ["fit", "org/NaNo-7b", "--db", db, "--plot", db],
        ["rank", "--db", db, "-o", db + "-wal"],
        ["export", "--db", db, "--format", "graphml", "-o", db],
    ):
        message = one_line_error(CliRunner().invoke(main, args))
        assert "is the snapshot file" in message and "choose another file" in message
    monkeypatch.chdir(tmp_path)  # the default snapshot, from $HF_LINEAGE_DB, as a relative -o
    result = CliRunner(env={"HF_LINEAGE_DB": db}).invoke(
        main, ["curves", "org/NaNo-7b", "-o", "./hub.db"]
    )
    assert "is the snapshot file" in one_line_error(result)
    assert digest(db) == before
    assert run("info", "--db", db).exit_code == 0


@pytest.mark.parametrize(
    "target,needle",
    [
        ("missing/out.csv", "folder 'missing' does not exist; create it first"),
        (".", "is a folder; give a file name"),
        ("/dev/full", "cannot write /dev/full: No space left on device"),
    ],
)
def test_outputs_that_cannot_be_written_are_one_line_errors(
    db, tmp_path, monkeypatch, target, needle
):
    monkeypatch.chdir(tmp_path)
    assert needle in one_line_error(
        CliRunner().invoke(main, ["curves", "org/NaNo-7b", "--db", db, "-o", target])
    )
    plot_target = target if target != "/dev/full" else "/dev/full"
    result = CliRunner().invoke(main, ["fit", "org/NaNo-7b", "--db", db, "--plot", plot_target])
    assert needle.split(";")[0] in one_line_error(result)


@pytest.mark.parametrize(
    "option,value,needle",
    [
        ("--interval", "nan", "nan is not a finite number"),
        ("--interval", "1.5", "1.5 is not in the range 0.5 to 0.99"),
        ("--m", "inf", "inf is not a finite number"),
        ("--m", "nan", "nan is not a finite number"),
        ("--m", "1e308", "1e308 is not in the range 0.01 to 10000"),
        ("--m", "lots", "'lots' is not a number"),
    ],
)
def test_fit_refuses_bad_numbers_in_one_line(tmp_path, option, value, needle):
    path = write_series(tmp_path / "s.csv", {"org/a": wsb_series()})
    message = one_line_error(CliRunner().invoke(main, ["fit", "--from-csv", path, option, value]))
    assert needle in message and option in message


@pytest.mark.parametrize(
    "rows,needle",
    [
        ("org/a,-1,0\norg/a,0,1\n", "column age_months has a negative value '-1' (row 2)"),
        ("org/a,0,1\norg/a,1.5,2\n", "column age_months has a fractional value '1.5' (row 3)"),
        ("org/a,0,1\norg/a,1,2\norg/a,1,3\n", "column age_months has a repeated value '1' (row 4)"),
        ("org/a,0,1\norg/a,1,inf\n", "column cumulative has an infinite value 'inf' (row 3)"),
        ("org/a,0,1\norg/a,1,-4\n", "column cumulative has a negative value '-4' (row 3)"),
        ("org/a,0,1\norg/a,x,2\n", "column age_months has a non-numeric value 'x' (row 3)"),
        ("org/a,,\n,1,2\norg/a,nan,3\n", "has no data rows (3 row(s) dropped: empty model"),
    ],
)
def test_from_csv_bad_values_are_one_line_errors(tmp_path, rows, needle):
    path = tmp_path / "bad.csv"
    path.write_text("model,age_months,cumulative\n" + rows)
    assert needle in one_line_error(CliRunner().invoke(main, ["fit", "--from-csv", str(path)]))


def test_from_csv_repairs_are_stated_on_stderr(tmp_path):
    cum = wsb_series()
    lines = ["model,age_months,cumulative"] + [f"org/a,{a},{c:g}" for a, c in enumerate(cum)]
    lines += ["org/a,,", "org/a,15,NaN", ",16,40"]  # dropped: empty, NaN, no model
    lines += [f"org/b,{a},{c}" for a, c in enumerate([1, 5, 9, 8, 12, 14, 13, 15])]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run("fit", "--from-csv", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    notes = result.stderr.splitlines()
    assert notes == [
        f"note: {path}: 3 row(s) dropped: empty model, or empty or NaN age_months or cumulative",
        "note: org/b: cumulative decreases 2 time(s) (deleted derivatives?); its "
        "running maximum is fitted",
    ]
    table = pd.read_csv(io.StringIO(result.stdout))
    a = table[(table["model"] == "org/a") & (table["quantity"] == "cumulative")]
    assert a["age_months"].iloc[0] == len(cum)


# -- issue 13: plots for papers ------------------------------------------------------------------
def png_size(path) -> tuple[int, int]:
    image = matplotlib.image.imread(path)
    return image.shape[1], image.shape[0]


def test_fit_plot_panels_and_overlay_are_written(db, tmp_path):
    panels = tmp_path / "panels.png"
    result = run(
        "fit",
        "org/NaNo-7b",
        "small/base",
        "lonely/base",
        "--db",
        db,
        "--relation",
        "finetune",
        "--plot",
        str(panels),
        "--log-y",
    )
    assert result.exit_code == 0, result.output
    width, height = png_size(panels)
    assert width > 600 and height > 3 * 350  # a panel per model
    overlay = tmp_path / "overlay.png"
    result = run(
        "fit", "org/NaNo-7b", "small/base", "--db", db, "--overlay", "--plot", str(overlay)
    )
    assert result.exit_code == 0, result.output
    width, height = png_size(overlay)
    assert width > height > 400  # one axes, the legend beside it


def test_plot_options_without_plot_are_refused(db):
    for flag in ("--overlay", "--log-y"):
        message = one_line_error(CliRunner().invoke(main, ["fit", "org/NaNo-7b", "--db", db, flag]))
        assert f"{flag} draws in --plot FILE.png; give --plot too" in message


def boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_legends_sit_outside_every_axes_and_bands_have_edges():
    ages = np.arange(15)
    ok = WSBFitter().fit(ages, wsb_series())
    growing = WSBFitter().fit(ages, wsb_series(4.0, 2.8, 0.9))
    figures = [
        overlay_figure([("ok", ok), ("growing", growing)], horizon=12, log_y=True),
        fits_figure([[Panel(ok, "a"), Panel(growing, "b")]], horizon=12, log_y=True),
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legends = [legend.get_window_extent(renderer) for legend in fig.legends]
        legends += [
            ax.get_legend().get_window_extent(renderer)
            for ax in fig.axes
            if ax.get_legend() is not None
        ]
        assert legends
        for ax in fig.axes:
            assert ax.get_yscale() == "log"
            box = ax.get_window_extent(renderer)
            assert not any(boxes_overlap(box, legend) for legend in legends)
            assert len(ax.collections) >= 1  # the band's fill, and its two edge lines:
            edges = [
                line
                for line in ax.get_lines()
                if line.get_linestyle() == "-" and line.get_linewidth() < 1
            ]
            assert len(edges) >= 2


def test_fitted_curve_is_drawn_on_a_fine_grid_from_the_first_observed_month():
    ages = np.arange(3, 15)  # a series first observed at age 3
    fitter = WSBFitter().fit(ages, wsb_series()[3:])
    ax = fitter.plot(horizon=6)
    fit_line = next(line for line in ax.get_lines() if line.get_label() == "WSB fit")
    x = np.asarray(fit_line.get_xdata())
    assert x[0] == 3 and x[-1] == 14 and np.allclose(np.diff(x), np.diff(x)[0])
    assert len(x) >= 8 * 11


def test_ultimate_is_named_only_for_saturating_fits(db, tmp_path):
    ages = np.arange(15)
    ok = WSBFitter().fit(ages, wsb_series())
    growing = WSBFitter().fit(ages, wsb_series(4.0, 2.8, 0.9))
    assert (ok.status_, growing.status_) == ("ok", "not-yet-saturating")
    assert "ultimate 574 (80%: 524-634)" in ok.plot().get_title(loc="left")
    assert "ultimate" not in growing.plot().get_title(loc="left")
    fig = overlay_figure([("ok", ok), ("growing", growing)], horizon=6, title="x")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["ok", "growing"]


def test_plot_titles_carry_scope_relation_and_prior(db, tmp_path, monkeypatch):
    """The CLI's titles name the scope, the relation filter and the prior."""
    import matplotlib.figure

    titles = []
    save = matplotlib.figure.Figure.savefig

    def record_titles(fig, *args, **kwargs):
        titles.extend(ax.get_title(loc="left") for ax in fig.axes)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", record_titles)
    result = run(
        "fit",
        "org/NaNo-7b",
        "--db",
        db,
        "--scope",
        "direct",
        "--relation",
        "finetune",
        "--plot",
        str(tmp_path / "t.png"),
    )
    assert result.exit_code == 0, result.output
    (title,) = titles
    assert title.startswith("org/NaNo-7b: direct derivatives, relation finetune\n")
    assert "WSB fit, weak prior, Hub-calibrated forecast" in title
