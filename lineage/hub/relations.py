"""The words of lineage: the relations the Hub derives and where an edge was declared.

Kept apart from :mod:`lineage.hub.client` so that reading a snapshot never loads the HTTP client.

>>> edge_sources("tags")
('relation_tag', 'base_model_tag')
"""

from __future__ import annotations

from lineage.errors import UsageError

#: Relations the Hub derives; any other word it emits is kept verbatim.
RELATIONS = ("finetune", "adapter", "quantized", "merge")
#: The relation of an edge whose declaration states none.
UNKNOWN_RELATION = "unknown"
#: Edge sources from the Hub's tags (the default lineage) and from cards (opt-in).
TAG_SOURCES = ("relation_tag", "base_model_tag")
CARD_SOURCE = "card"


def edge_sources(sources) -> tuple[str, ...]:
    """The stored edge sources a ``sources=`` choice names ("tags" is both tag kinds).

    Parameters
    ----------
    sources : str or iterable of str
        ``tags``, ``card``, ``relation_tag`` or ``base_model_tag``.

    Returns
    -------
    tuple of str
        The stored source names, in order, without repeats.

    Examples
    --------
    >>> edge_sources(["tags", "card"])
    ('relation_tag', 'base_model_tag', 'card')
    """
    names = [sources] if isinstance(sources, str) else list(sources)
    out: list[str] = []
    for name in names:
        expanded = TAG_SOURCES if name == "tags" else (name,)
        for source in expanded:
            if source not in (*TAG_SOURCES, CARD_SOURCE):
                raise UsageError(
                    f"sources must be among tags, card, relation_tag, base_model_tag, got {name!r}"
                )
            if source not in out:
                out.append(source)
    return tuple(out)
