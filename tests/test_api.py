"""The public API: every name in ``lineage.__all__`` and ``growth.__all__`` resolves."""

import importlib
import inspect

import pytest

import growth
import lineage


@pytest.mark.parametrize("name", lineage.__all__)
def test_lineage_exports_resolve_to_their_module(name):
    obj = getattr(lineage, name)
    module = importlib.import_module(lineage._EXPORTS[name])
    assert obj is getattr(module, name)
    assert name in dir(lineage)


@pytest.mark.parametrize("name", growth.__all__)
def test_growth_exports_resolve(name):
    assert getattr(growth, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lineage.nope  # noqa: B018


@pytest.mark.parametrize(
    "func, options",
    [
        ("lineage.rank_models", ["relations", "progress"]),
        ("lineage.fit_model", ["relations"]),
        ("lineage.top_models", ["relations"]),
        ("lineage.org_table", ["relations"]),
        ("lineage.org_curves", ["relations"]),
        ("lineage.export_graph", ["relations", "progress"]),
        ("growth.fit_many", ["progress"]),
    ],
)
def test_options_are_keyword_only(func, options):
    module, name = func.split(".")
    params = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    for option in options:
        assert params[option].kind is inspect.Parameter.KEYWORD_ONLY, option
