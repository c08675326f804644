"""Plotly figures for the pages: a growth chart and a sunburst of a family's branches.

Each function returns a plain Plotly figure dict (``{"data": [...], "layout": {...}}``), ready
for ``json.dumps`` and ``Plotly.newPlot(div, fig.data, fig.layout, config)``; no Plotly object
is built in Python, so a figure costs only what it holds. :func:`plotly_js` gives the
plotly.js bundle that ships with the ``plotly`` package, ready to inline in a ``<script>``
so a page works offline.

Example:
    >>> fig = growth_figure([0, 1, 2], [0, 3, 5], fitted=[0.5, 2.8, 5.1],
    ...                     forecast={"age_months": [3, 4], "median": [6, 7],
    ...                               "lower": [5, 5], "upper": [8, 9]},
    ...                     title="transitive, all relations")
    >>> [t["name"] for t in fig["data"]]
    ['80% band', 'forecast', 'fit', 'observed']
    >>> sb = sunburst_figure(["r", "a"], ["root", "a"], ["", "r"], [2, 1], ["#000", "#0a0"])
    >>> sb["data"][0]["type"], sb["data"][0]["branchvalues"]
    ('sunburst', 'total')
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    #: A series of numbers: a sequence or a numpy array.
    Series = Sequence[float] | np.ndarray

#: The colours of a page: observed data, fitted curve, forecast and its band.
OBSERVED_COLOR = "#264653"
FIT_COLOR = "#2a6f97"
FORECAST_COLOR = "#e76f51"
BAND_COLOR = "rgba(231, 111, 81, 0.28)"

#: Options for ``Plotly.newPlot``: no link to Plotly's cloud, no logo, responsive.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": False,
    "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"],
}


@functools.cache
def plotly_js_bytes() -> bytes:
    """The plotly.js bundle shipped with the ``plotly`` package, safe inside ``<script>``,
    UTF-8 encoded: read as bytes from the package (without importing plotly), so a page
    that inlines it never decodes and re-encodes its 4.8 MB.

    Example:
        >>> js = plotly_js_bytes()
        >>> b"Plotly" in js[:5000] and b"</script" not in js
        True
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise ImportError("plotly is not installed: pip install plotly")
    bundle = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return bundle.read_bytes().replace(b"</script", b"<\\/script")


@functools.cache
def plotly_js() -> str:
    """The plotly.js bundle shipped with the ``plotly`` package, safe inside ``<script>``.

    Example:
        >>> js = plotly_js()
        >>> "Plotly" in js[:5000] and "</script" not in js
        True
    """
    return plotly_js_bytes().decode("utf-8")


def _floats(values: Series | None) -> list[float | None]:
    """JSON-safe floats (NaN and infinities become null: Plotly leaves a gap)."""
    out: list[float | None] = []
    for v in values if values is not None else []:
        f = float(v)
        out.append(f if f == f and abs(f) != float("inf") else None)
    return out


def _forecast_traces(forecast: dict[str, Sequence[float]], interval: float) -> list[dict]:
    """The forecast's band (a filled area between upper and lower) and its median line."""
    forecast_age = _floats(forecast["age_months"])
    band = {
        "type": "scatter",
        "mode": "lines",
        "name": f"{interval:.0%} band",
        "x": forecast_age + forecast_age[::-1],
        "y": _floats(forecast["upper"]) + _floats(forecast["lower"])[::-1],
        "fill": "toself",
        "fillcolor": BAND_COLOR,
        "line": {"width": 0},
        "hoverinfo": "skip",
    }
    median = {
        "type": "scatter",
        "mode": "lines",
        "name": "forecast",
        "x": forecast_age,
        "y": _floats(forecast["median"]),
        "line": {"color": FORECAST_COLOR, "dash": "dash", "width": 2},
        "hovertemplate": "month %{x}: %{y:,.0f} (forecast)<extra></extra>",
    }
    return [band, median]


def _fit_trace(age: Series, fitted: Series) -> dict[str, Any]:
    """The fitted curve (the median at each observed month) as a thin line."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": "fit",
        "x": _floats(age),
        "y": _floats(fitted),
        "line": {"color": FIT_COLOR, "width": 1.5},
        "hovertemplate": "month %{x}: %{y:,.1f} (fit)<extra></extra>",
    }


def _observed_trace(age: Series, cumulative: Series) -> dict[str, Any]:
    """The observed cumulative counts as a line with markers."""
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "observed",
        "x": _floats(age),
        "y": _floats(cumulative),
        "line": {"color": OBSERVED_COLOR, "width": 2},
        "marker": {"size": 4},
        "hovertemplate": "month %{x}: %{y:,.0f} derivatives<extra></extra>",
    }


def _growth_layout(title: str, *, height: int, log_y: bool) -> dict[str, Any]:
    """Axes, a left-aligned title with room for all its lines, and the legend below."""
    lines = title.count("<br>") + 1 if title else 0
    top = 12 + 16 * lines if title else 10  # room for every line of the title
    return {
        "title": {"text": title, "font": {"size": 12}, "x": 0, "xanchor": "left"},
        "height": height + top,
        "margin": {"l": 48, "r": 8, "t": top, "b": 40},
        "xaxis": {"title": {"text": "months since release"}, "zeroline": False},
        "yaxis": {
            "title": {"text": "cumulative derivatives"},
            "type": "log" if log_y else "linear",
            "rangemode": "tozero",
        },
        "legend": {"orientation": "h", "x": 0, "y": -0.25, "font": {"size": 10}},
        "font": {"size": 10},
        "hovermode": "closest",
    }


def growth_figure(
    age: Series,
    cumulative: Series,
    *,
    fitted: Series | None = None,
    fitted_age: Series | None = None,
    forecast: dict[str, Sequence[float]] | None = None,
    interval: float = 0.8,
    title: str = "",
    log_y: bool = False,
    height: int = 300,
) -> dict[str, Any]:
    """Observed cumulative counts, the fitted curve, the forecast and its band.

    Parameters
    ----------
    age, cumulative
        The observed series (months since release, cumulative derivatives).
    fitted, fitted_age
        The fitted curve (at ``fitted_age``, default ``age``); omitted when None.
    forecast
        ``age_months``, ``median``, ``lower``, ``upper`` (a fitter's ``predict`` columns),
        starting at the last observed month so the forecast joins the data.
    interval
        The band's coverage, for its legend entry.
    title
        The chart's title: name the scope, the relation filter and the prior here.
    log_y
        A log y axis (the band stays visible: it is a filled area between two lines).

    Returns
    -------
    dict
        A Plotly figure: traces band, forecast, fit, observed (drawn in that order, so the
        data stay on top), legend below the plot so it never covers data.
    """
    data: list[dict[str, Any]] = []
    if forecast is not None and len(forecast.get("age_months", [])):
        data += _forecast_traces(forecast, interval)
    if fitted is not None:
        data.append(_fit_trace(fitted_age if fitted_age is not None else age, fitted))
    data.append(_observed_trace(age, cumulative))
    return {"data": data, "layout": _growth_layout(title, height=height, log_y=log_y)}


def sunburst_figure(
    ids: Sequence[str],
    labels: Sequence[str],
    parents: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    *,
    hover: Sequence[str] | None = None,
    max_depth: int = 4,
    height: int = 340,
) -> dict[str, Any]:
    """A sunburst whose sectors are sized by ``values`` (each a subtree's total).

    ``ids`` are unique sector keys, ``parents`` the key of each sector's parent (``""`` for
    the centre); ``values`` must be totals (a sector's value at least the sum of its
    children's, Plotly's ``branchvalues="total"``); ``max_depth`` rings are drawn at once
    (clicking a sector zooms into it). Aggregate before calling: a few thousand sectors at
    most.

    Returns
    -------
    dict
        A Plotly figure with one ``sunburst`` trace; ``customdata`` holds the sector keys.
    """
    trace: dict[str, Any] = {
        "type": "sunburst",
        "ids": list(ids),
        "labels": list(labels),
        "parents": list(parents),
        "values": _floats(values),
        "branchvalues": "total",
        "marker": {"colors": list(colors), "line": {"width": 0.5, "color": "#ffffff"}},
        "maxdepth": max_depth,
        "customdata": list(ids),
        "insidetextorientation": "radial",
        "sort": False,
    }
    if hover is not None:
        trace["hovertext"] = list(hover)
        trace["hoverinfo"] = "text"
    layout = {"height": height, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "font": {"size": 10}}
    return {"data": [trace], "layout": layout}
