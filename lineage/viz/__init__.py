"""Interactive lineage pages: selection and folding, layout, the page, its charts.

- :mod:`lineage.viz.select`: a model's lineage as arrays, cut to a node budget;
- :mod:`lineage.viz.layout`: first-view positions whose boxes never overlap;
- :mod:`lineage.viz.network`: :func:`lineage_html`, the page's data;
- :mod:`lineage.viz.page`: the self-contained page (vis-network, folds, search, legend);
- :mod:`lineage.viz.charts`: Plotly figures (growth chart, sunburst) and plotly.js.
"""

from lineage.viz.network import lineage_html

__all__ = ["lineage_html"]
