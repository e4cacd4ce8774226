"""The private per-user cache directory: parsed rule data and cel-python's analysed grammar."""

from __future__ import annotations

import os

def cache_dir() -> str | None:
    """~/.cache/trustlint (or $XDG_CACHE_HOME/trustlint), created private; None when
    TRUSTLINT_NO_CACHE is set or it cannot be made safely."""
    if os.environ.get("TRUSTLINT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "trustlint")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.stat(path)
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None  # someone else could plant a cache file: do not load it
    except OSError:
        return None
    return path
