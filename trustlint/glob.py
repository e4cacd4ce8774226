"""IAM-style string patterns: StringLike's `*` (any run, including empty) and `?` (one
character). IAM's escapes `${*}`, `${?}` and `${$}` stand for the literal characters; an
unknown part rendered as a placeholder (`⟨var.x⟩`) is always literal text, never a wildcard."""

from __future__ import annotations

import re
from functools import lru_cache

_TOKENS = re.compile(r"\u27e8[^\u27e9]*\u27e9|\$\{[*?$]\}|[*?]|[^*?$\u27e8]+|.", re.DOTALL)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern:
    """Compile an IAM StringLike pattern into an anchored regular expression."""
    pieces = []
    for token in _TOKENS.findall(pattern):
        if token == "*":
            pieces.append(".*")
        elif token == "?":
            pieces.append(".")
        elif token in ("${*}", "${?}", "${$}"):
            pieces.append(re.escape(token[2]))
        else:
            pieces.append(re.escape(token))
    return re.compile("".join(pieces), re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """True when `value` matches the IAM StringLike `pattern` (case-sensitive)."""
    return compile_pattern(pattern).fullmatch(value) is not None


def has_wildcard(pattern: str) -> bool:
    """True when the pattern has a live `*` or `?` (not escaped, not inside a placeholder)."""
    return any(token in ("*", "?") for token in _TOKENS.findall(pattern))


def literal_prefix(pattern: str) -> str:
    """The literal text before the first wildcard."""
    prefix = []
    for token in _TOKENS.findall(pattern):
        if token in ("*", "?"):
            break
        prefix.append(token[2] if token in ("${*}", "${?}", "${$}") else token)
    return "".join(prefix)
