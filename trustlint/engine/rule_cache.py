"""The built-in rule files as parsed data, kept between runs.

Importing PyYAML and reading fifteen rule files cost ~20 ms of every process, a tenth of a
pre-commit hook's budget, to get the same data each time. The parsed data is kept as JSON in
the private per-user cache (cache.cache_dir) under a key of every file's name, size and
modification time and trustlint's version; any change, or an unreadable cache, reads the YAML
again. TRUSTLINT_NO_CACHE turns it off.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Callable

FORMAT = 1  # bump when the cached shape changes


def _key(files: list[str]) -> list:
    from .. import __version__

    key: list = [FORMAT, __version__]
    for path in files:
        info = os.stat(path)
        key.append([str(path), info.st_size, info.st_mtime_ns])
    return key


def cached_rule_data(files: list[str], read: Callable[[str], dict]) -> list[dict]:
    """`read(path)` for every file, or the same data from the cache when no file changed."""
    from ..cache import cache_dir

    directory = cache_dir()
    if directory is None:
        return [read(path) for path in files]
    try:
        key = _key(files)
    except OSError:
        return [read(path) for path in files]
    # One file per installation (its paths are in the key): a pre-commit environment and a
    # development install used in turn do not overwrite each other's cache on every run.
    cache = os.path.join(directory, f"builtin-rules-{zlib.crc32(json.dumps(key).encode()):08x}.json")
    try:
        with open(cache, encoding="utf-8") as handle:
            stored = json.loads(handle.read())
        if stored.get("key") == key and len(stored.get("rules", [])) == len(files):
            return stored["rules"]
    except (OSError, ValueError, AttributeError):
        pass  # absent, unreadable or not ours: read the YAML and write it again
    data = [read(path) for path in files]
    _write(cache, {"key": key, "rules": data})
    return data


def _write(cache: str, content: dict) -> None:
    partial = f"{cache}.{os.getpid()}.tmp"
    try:
        text = json.dumps(content)
        if json.loads(text) != content:
            return  # YAML gave something JSON would change (a date, a number key): not cached
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, cache)  # readers see the old file or the new one, never half of one
    except (OSError, TypeError, ValueError):
        try:
            os.unlink(partial)
        except OSError:
            pass
