"""Regular expressions compiled when first used.

Compiling is most of what a module-level pattern costs, and a pre-commit run of one file
compiled ~45 patterns it never used (~5 ms of a ~0.1 s run: patterns for other clouds, other
report formats, suppressions in files that have none). A LazyPattern compiles on the first
use and keeps each method it hands out, so later uses cost what a compiled pattern's do.
"""

from __future__ import annotations

import re


class LazyPattern:
    """re.compile(pattern, flags), done on first use; anything a Pattern has, it has."""

    def __init__(self, pattern: str | bytes, flags: int = 0):
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        if name.startswith("__"):  # pickle and copy ask for these: the class answers them
            raise AttributeError(name)
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self.__dict__["_compiled"] = re.compile(*self._source)
        value = getattr(compiled, name)
        self.__dict__[name] = value  # the next use finds it here, without this method
        return value

    def __reduce__(self):
        return LazyPattern, self._source

    def __repr__(self) -> str:
        return f"LazyPattern({self._source[0]!r}, {self._source[1]!r})"


def lazy(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    """A pattern compiled when first used (for module-level patterns a run may never need)."""
    return LazyPattern(pattern, flags)
