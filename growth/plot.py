"""Figures of growth fits for papers: data, fitted curve, forecast and band.

Every PNG hf-lineage draws (``CurveFitter.plot``, ``hf-lineage fit --plot``, the demo's
``families.png``) comes from this module. It never touches matplotlib's global state: no
``pyplot``, no ``matplotlib.use``; figures are :class:`matplotlib.figure.Figure` objects
with their own Agg canvas, so a notebook's inline backend stays as the user set it.

Conventions of every figure:

- x is ``age_months`` (0 = the model's release month); a cumulative count observed at age
  ``a`` is the count at the end of that month, ``t = a + time_offset`` in the fitter's time.
  The fitted curve is drawn on a fine grid from the first observed month (on a log axis,
  the first with a positive count) to the last, the forecast from the last observed count
  (where it is anchored) month by month.
- Legends sit outside the axes, so they never cover data.
- The band is filled and edged, so it stays visible on linear and logarithmic axes; a
  logarithmic axis is a true log scale (zero counts are not drawn), not a symlog whose
  linear-to-log switch shows as a kink.
- The ultimate count is named only for fits whose status is ``ok`` (saturating).

>>> import numpy as np
>>> from growth.fit import WSBFitter
>>> fitter = WSBFitter().fit(np.arange(12), [0, 2, 5, 9, 14, 18, 21, 23, 25, 26, 27, 27])
>>> fig = fits_figure([[Panel(fitter, "example")]], horizon=6)
>>> [ax.get_title(loc="left") for ax in fig.axes]
['example']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw (0.6 s): `fit`
    # without --plot only describes its fits
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Points of the fitted curve's grid per observed month.
GRID_PER_MONTH = 8
#: Fill opacity of forecast bands (their edges are drawn opaque).
BAND_ALPHA = 0.28
_CURVE_NAMES = {
    "wsb": "WSB",
    "gompertz": "Gompertz",
    "bass": "Bass",
    "power-cutoff": "power law with cutoff",
}


@dataclass(frozen=True)
class Panel:
    """One axes of a figure: a fitted fitter and its title."""

    fitter: object
    title: str


def wrap_title(text: str, width_inches: float, *, fontsize: float = 9.0) -> str:
    """``text`` with each line wrapped (at ", " and spaces) to fit ``width_inches``.

    A title wider than its axes runs into the next panel's or off the figure; this keeps
    every title within its column (an average glyph is about 0.6 of the font size wide).

    >>> wrap_title("org/model: transitive derivatives, relations: all, weak prior", 3.0)
    'org/model: transitive derivatives,\\nrelations: all, weak prior'
    """
    import textwrap

    chars = max(20, int(width_inches * 72 / (0.6 * fontsize)))
    return "\n".join(
        "\n".join(textwrap.wrap(line, chars, break_on_hyphens=False)) or line
        for line in text.split("\n")
    )


def new_figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas (constrained layout), outside pyplot.

    >>> new_figure(4, 3).canvas.get_width_height()
    (400, 300)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike, *, dpi: int = 110) -> None:
    """Write ``fig`` as a PNG at ``path`` (legends outside the axes included)."""
    fig.savefig(path, dpi=dpi, format="png")


def _prior_name(prior) -> str:
    from growth.prior import WEAK_WSB_PRIOR

    if prior is None:
        return "flat prior"
    return "weak prior" if prior is WEAK_WSB_PRIOR else "population prior"


def _calibration_name(calibration) -> str:
    from growth.prior import HUB_CALIBRATION

    if calibration is None:
        return "raw forecast"
    return "Hub-calibrated forecast" if calibration is HUB_CALIBRATION else "calibrated forecast"


def _curve_name(fitter) -> str:
    return _CURVE_NAMES.get(fitter.curve.name, fitter.curve.name)


def describe_method(fitter) -> str:
    """How ``fitter`` was fitted: its curve, prior and forecast calibration.

    >>> from growth.fit import WSBFitter
    >>> describe_method(WSBFitter(prior=None))
    'WSB fit, flat prior, Hub-calibrated forecast'
    """
    return (
        f"{_curve_name(fitter)} fit, {_prior_name(fitter.prior)}, "
        f"{_calibration_name(fitter.calibration)}"
    )


def describe_result(fitter, *, interval: float = 0.8) -> str:
    """What ``fitter`` found: its status, and the ultimate count with its interval only when
    the fit is ``ok`` (saturating).

    >>> from growth.fit import WSBFitter
    >>> describe_result(WSBFitter().fit([0, 1, 2, 3], [0, 0, 0, 0]))
    'no-growth'
    """
    if fitter.status_ != "ok":
        return fitter.status_
    lo, hi = fitter.ultimate_interval(interval)
    return f"ok, ultimate {fitter.ultimate_:,.0f} ({interval:.0%}: {lo:,.0f}-{hi:,.0f})"


def describe_fit(fitter, *, interval: float = 0.8) -> str:
    """:func:`describe_method` and :func:`describe_result` in one line, for a title.

    >>> from growth.fit import WSBFitter
    >>> describe_fit(WSBFitter().fit([0, 1, 2, 3], [0, 0, 0, 0]))
    'WSB fit, weak prior, Hub-calibrated forecast: no-growth'
    """
    return f"{describe_method(fitter)}: {describe_result(fitter, interval=interval)}"


def draw_fit(
    ax: Axes,
    fitter,
    *,
    horizon: int,
    interval: float = 0.8,
    log_y: bool = False,
    color: str = "C0",
    data_color: str = "k",
    forecast_color: str = "C1",
    label: str | None = None,
) -> None:
    """Draw ``fitter``'s data, fitted curve, forecast and band on ``ax``.

    ``label`` prefixes the legend labels (for several fits in one axes); ``log_y`` leaves
    out the zero counts a logarithmic axis cannot show. Finish with :func:`style_axes`.
    """
    prefix = f"{label}: " if label else ""
    age, cum = fitter.age_, fitter.cum_
    first = float(age[0]) if age.size else 0.0
    last = float(age[-1]) if age.size else 0.0
    shown = cum > 0 if log_y and np.any(cum > 0) else np.ones(cum.size, bool)
    ax.plot(
        age[shown],
        cum[shown],
        "o",
        ms=3.5,
        color=data_color,
        mec=data_color,
        mfc=data_color if label is None else "white",
        label=f"{prefix}observed",
        zorder=3,
        gid="observed",
    )
    if np.all(np.isfinite(fitter.x_)) and age.size > 1:
        if log_y and np.any(cum > 0):
            first = float(age[np.argmax(cum > 0)])
        grid = np.linspace(first, last, max(2, int((last - first) * GRID_PER_MONTH) + 1))
        fitted = fitter.predict(grid, interval)["median"].to_numpy()
        keep = fitted > 0 if log_y else np.isfinite(fitted)
        ax.plot(
            grid[keep],
            fitted[keep],
            "-",
            lw=1.6,
            color=color,
            label=f"{prefix}{_curve_name(fitter)} fit",
        )
    if horizon > 0:
        ahead = last + np.arange(1, horizon + 1, dtype=float)
        fc = fitter.predict(ahead, interval)
        xs = np.r_[last, ahead]
        median = np.r_[fitter.c_last_, fc["median"]]
        lower = np.r_[fitter.c_last_, fc["lower"]]
        upper = np.r_[fitter.c_last_, fc["upper"]]
        ax.fill_between(
            xs,
            lower,
            upper,
            color=forecast_color,
            alpha=BAND_ALPHA,
            lw=0,
            label=f"{prefix}{interval:.0%} forecast band",
        )
        for edge in (lower, upper):
            ax.plot(xs, edge, "-", lw=0.7, color=forecast_color, alpha=0.9)
        ax.plot(xs, median, "--", lw=1.6, color=forecast_color, label=f"{prefix}forecast (median)")


def style_axes(ax: Axes, *, log_y: bool = False) -> None:
    """Labels, grid and y scale of a fit's axes; call once, after every :func:`draw_fit`.

    ``log_y``: a logarithmic y axis from just below the smallest positive observed count
    (a linear one when no count is positive: there is nothing a log axis could show).
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    ax.set_xlabel("months since release (0 = release month)")
    ax.set_ylabel("cumulative derivatives")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    observed = [
        np.asarray(line.get_ydata(), float)
        for line in ax.get_lines()
        if line.get_gid() == "observed"
    ]
    positive = np.concatenate(observed + [np.empty(0)])
    positive = positive[positive > 0]
    if log_y and positive.size:
        ax.set_yscale("log", nonpositive="mask")
        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
        )
        ax.yaxis.set_minor_formatter(NullFormatter())
        floor = 0.7 * float(positive.min())
        ax.set_ylim(floor, max(ax.get_ylim()[1], 10 * floor))
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(
            FuncFormatter(
                lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 or float(v).is_integer() else f"{v:g}"
            )
        )


def _legend_below(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=len(handles),
            frameon=False,
            fontsize=8,
        )


def fits_figure(
    panels: Sequence[Sequence[Panel]],
    *,
    horizon: int,
    interval: float = 0.8,
    log_y: bool = False,
    title: str | None = None,
    panel_size: tuple[float, float] = (7.0, 3.6),
) -> Figure:
    """A grid of fits, ``panels[row][column]``, with one legend below all of them.

    >>> import numpy as np
    >>> from growth.fit import WSBFitter
    >>> f = WSBFitter().fit(np.arange(10), np.arange(10) ** 2)
    >>> len(fits_figure([[Panel(f, "a"), Panel(f, "b")]], horizon=3).axes)
    2
    """
    n_rows = len(panels)
    n_cols = max(len(row) for row in panels)
    fig = new_figure(panel_size[0] * n_cols, panel_size[1] * n_rows + 0.4)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax_row, row in zip(axes, panels, strict=True):
        for ax, panel in zip(ax_row, row, strict=False):
            draw_fit(ax, panel.fitter, horizon=horizon, interval=interval, log_y=log_y)
            style_axes(ax, log_y=log_y)
            ax.set_title(wrap_title(panel.title, panel_size[0] * 0.85), fontsize=9, loc="left")
        for ax in ax_row[len(row) :]:
            ax.set_visible(False)
    if title:
        fig.suptitle(wrap_title(title, panel_size[0] * n_cols, fontsize=10), fontsize=10)
    _legend_below(fig, axes[0, 0])
    return fig


def overlay_figure(
    series: Sequence[tuple[str, object]],
    *,
    horizon: int,
    interval: float = 0.8,
    log_y: bool = False,
    title: str | None = None,
    size: tuple[float, float] = (9.0, 5.0),
) -> Figure:
    """Several fits in one axes, by age: a colour per series, a legend outside the axes.

    ``series`` holds ``(label, fitter)`` pairs (a label may span lines). Each series draws
    its observed months (open circles), fitted curve (solid), forecast (dashed) and band in
    its colour.

    >>> import numpy as np
    >>> from growth.fit import WSBFitter
    >>> a = WSBFitter().fit(np.arange(10), np.arange(10) ** 2)
    >>> b = WSBFitter().fit(np.arange(6), 3 * np.arange(6))
    >>> fig = overlay_figure([("a", a), ("b", b)], horizon=4)
    >>> [t.get_text() for t in fig.legends[0].get_texts()][:2]
    ['a', 'b']
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = new_figure(*size)
    ax = fig.subplots()
    colors = [f"C{i % 10}" for i in range(len(series))]
    for (label, fitter), color in zip(series, colors, strict=True):
        draw_fit(
            ax,
            fitter,
            horizon=horizon,
            interval=interval,
            log_y=log_y,
            color=color,
            data_color=color,
            forecast_color=color,
            label=label,
        )
    style_axes(ax, log_y=log_y)
    handles: list[Artist] = [Line2D([], [], color=c, lw=2.5) for c in colors]
    labels = [label for label, _ in series]
    handles += [
        Line2D([], [], ls="", marker="o", mfc="white", mec="0.3", color="0.3"),
        Line2D([], [], color="0.3", lw=1.6),
        Line2D([], [], color="0.3", ls="--", lw=1.6),
        Patch(facecolor="0.3", alpha=BAND_ALPHA, edgecolor="0.3"),
    ]
    labels += ["observed", "fit", "forecast", f"{interval:.0%} forecast band"]
    fig.legend(
        handles, labels, loc="outside right upper", frameon=False, fontsize=8, labelspacing=0.8
    )
    if title:
        ax.set_title(wrap_title(title, size[0] * 0.7), fontsize=9, loc="left")
    return fig
