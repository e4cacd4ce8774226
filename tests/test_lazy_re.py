"""trustlint.lazy_re: module-level patterns compiled on first use (start-up), with the same
answers as re, and none left to fail only when a rare input first needs it."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import re

import pytest

import trustlint
from trustlint.lazy_re import LazyPattern, lazy


def test_a_lazy_pattern_compiles_on_first_use_and_answers_as_re():
    pattern = lazy(r"repo:(?P<owner>[^/]+)/\*", re.IGNORECASE)
    assert "_compiled" not in pattern.__dict__
    assert pattern.search("REPO:acme/*").group("owner") == "acme"
    assert "_compiled" in pattern.__dict__
    assert pattern.sub("x", "a repo:b/* c") == re.sub(r"repo:(?P<owner>[^/]+)/\*", "x", "a repo:b/* c", flags=re.I)
    assert pattern.findall("repo:a/* repo:b/*") == ["a", "b"]
    assert pattern.groupindex["owner"] == 1 and pattern.flags & re.IGNORECASE


def test_a_lazy_pattern_survives_pickling_compiled_or_not():
    fresh, used = lazy(r"\d+"), lazy(r"\d+")
    used.search("1")
    for pattern in (fresh, used):
        copy = pickle.loads(pickle.dumps(pattern))
        assert isinstance(copy, LazyPattern) and copy.findall("a1b22") == ["1", "22"]


def test_an_invalid_pattern_fails_where_it_is_first_used():
    pattern = lazy(r"(unclosed")
    with pytest.raises(re.error):
        pattern.search("x")


def _all_modules():
    for info in pkgutil.walk_packages(trustlint.__path__, "trustlint."):
        if not info.name.endswith("__main__"):  # runs the command line when imported
            yield importlib.import_module(info.name)


def _lazy_patterns(value, depth=0):
    if isinstance(value, LazyPattern):
        yield value
    elif isinstance(value, (list, tuple)) and depth < 2:
        for item in value:
            yield from _lazy_patterns(item, depth + 1)


def test_every_module_level_pattern_compiles():
    """A typo in a pattern no longer fails at import: this finds it instead."""
    checked = 0
    for module in _all_modules():
        for name, value in vars(module).items():
            for pattern in _lazy_patterns(value):
                assert pattern.pattern is not None, f"{module.__name__}.{name}"
                checked += 1
    assert checked >= 100  # the patterns of discovery, the HCL reader, the trust modules, ...
