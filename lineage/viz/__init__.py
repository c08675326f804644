"""Interactive lineage pages: selection and folding, the pyvis network, the page around it.

- :mod:`lineage.viz.select`: which models a page draws and how lighter branches fold;
- :mod:`lineage.viz.network`: :func:`lineage_html`, the vis.js network through pyvis;
- :mod:`lineage.viz.page`: the self-contained page (legend, search, growth chart).
"""

from lineage.viz.network import lineage_html, pick_layout

__all__ = ["lineage_html", "pick_layout"]
