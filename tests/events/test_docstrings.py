"""The worked examples in the event modules' docstrings hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from reelmint.events import batch, codec, slots


@pytest.mark.parametrize("module", [batch, codec, slots], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)

    assert result.attempted > 0 and result.failed == 0
