"""IAM-style string patterns: StringLike's `*` (any run, including empty) and `?` (one
character). IAM's escapes `${*}`, `${?}` and `${$}` stand for the literal characters; policy
variables (`${aws:username}`, `${org}` in a template) and unknown parts rendered as
placeholders (`⟨var.x⟩`) are opaque literal text, never wildcards.

Matching is linear-time in practice (the classic wildcard algorithm that backtracks only to
the last `*`), so hostile patterns like `*?*?*?…` cannot stall a scan as a regex would.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..lazy_re import lazy

_TOKENS = lazy(r"\u27e8[^\u27e9]*\u27e9|\$\{[*?$]\}|\$\{[^}]*\}|[*?]|[^*?$\u27e8]+|.", re.DOTALL)
STAR, ONE = "*", "?"


@lru_cache(maxsize=4096)
def tokens(pattern: str) -> tuple[str, ...]:
    """The pattern as tokens: STAR, ONE, or literal text (escapes resolved)."""
    out: list[str] = []
    for token in _TOKENS.findall(pattern):
        if token in (STAR, ONE):
            if token == STAR and out and out[-1] == STAR:
                continue  # '**' is '*'
            out.append(token)
            continue
        text = token[2] if token in ("${*}", "${?}", "${$}") else token
        if out and out[-1] not in (STAR, ONE) and isinstance(out[-1], str):
            out[-1] = _Literal(out[-1] + text)
        else:
            out.append(_Literal(text))
    return tuple(out)


class _Literal(str):
    """Literal text (a str subclass, so '*' as literal text is not taken for STAR)."""


def glob_match(pattern: str, value: str) -> bool:
    """True when `value` matches the IAM StringLike `pattern` (case-sensitive)."""
    parts = tokens(pattern)
    p = v = 0
    star_p, star_v = -1, 0
    while v < len(value) or p < len(parts):
        if p < len(parts):
            part = parts[p]
            if isinstance(part, _Literal):
                if value.startswith(part, v):
                    p, v = p + 1, v + len(part)
                    continue
            elif part == ONE:
                if v < len(value):
                    p, v = p + 1, v + 1
                    continue
            else:  # STAR: remember where, try matching nothing first
                star_p, star_v = p, v
                p += 1
                continue
        if star_p >= 0 and star_v < len(value):
            star_v += 1  # let the last '*' swallow one more character and retry
            p, v = star_p + 1, star_v
            continue
        return False
    return True


def has_wildcard(pattern: str) -> bool:
    """True when the pattern has a live `*` or `?` (not escaped, not inside a placeholder)."""
    return any(not isinstance(t, _Literal) for t in tokens(pattern))


def literal_prefix(pattern: str) -> str:
    """The literal text before the first wildcard."""
    parts = tokens(pattern)
    return str(parts[0]) if parts and isinstance(parts[0], _Literal) else ""
