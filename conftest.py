"""The docstring examples' shared names, as pandas's own conftest gives them: ``np`` and ``pd``
(modules that load pandas only where a method needs it still show it in their examples)."""

import numpy
import pandas
import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict) -> None:
    doctest_namespace["np"] = numpy
    doctest_namespace["pd"] = pandas
