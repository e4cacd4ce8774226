"""Regular expressions written in scanned files (GitLab `rules: if: =~`, Terraform's
`replace(s, "/re/", ...)`) run on RE2: linear in the text whatever the pattern, so a hostile
pattern cannot hang a scan as Python's backtracking `re` can. RE2 is also the syntax those
tools use (Go's regexp for Terraform, RE2 for GitLab), so a pattern RE2 rejects (a
backreference, a lookaround) is one the tool itself rejects: the answer is unknown (None).
"""

from __future__ import annotations

MAX_PATTERN = 4096  # characters; longer patterns are not evaluated (unknown)
_MAX_MEMORY = 8 << 20  # bytes RE2 may use to compile one pattern


def _compile(pattern: str, ignore_case: bool):
    import re2  # google-re2: imported only when a scanned file holds a regular expression

    if len(pattern) > MAX_PATTERN:
        return None
    options = re2.Options()
    options.log_errors = False  # a rejected pattern is an unknown, not a message on stderr
    options.case_sensitive = not ignore_case
    options.max_mem = _MAX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


def search(pattern: str, text: str, ignore_case: bool = False) -> bool | None:
    """Whether `pattern` is found in `text`; None when RE2 cannot take the pattern."""
    compiled = _compile(pattern, ignore_case)
    return None if compiled is None else compiled.search(text) is not None


def sub(pattern: str, replacement: str, text: str) -> str | None:
    """`text` with every match replaced (`\\1` names a group); None when RE2 cannot take it."""
    compiled = _compile(pattern, False)
    if compiled is None:
        return None
    import re2

    try:
        return compiled.sub(replacement, text)
    except (re2.error, IndexError, ValueError):
        return None
