"""Reporters: one module per output format (text, json, sarif, github, markdown). Each exposes
`render(result, options) -> str`, and escapes everything that came from scanned files.

May import: the vocabulary (findings) and trustlint's version; never the analysis layers.
"""

from __future__ import annotations

import re

from ..lazy_re import lazy

# C0/C1 control characters and bidirectional overrides: a scanned file must not be able to
# move the cursor, recolour a terminal or reorder what a reviewer reads.
_UNSAFE = lazy("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                     "\ud800-\udfff]")  # and zero-width, Arabic letter mark, line/paragraph separators


def escape_control(text: str) -> str:
    """Make text from scanned files safe to print: control characters become \\xNN / \\uNNNN."""
    def replace(match: re.Match) -> str:
        code = ord(match.group(0))
        if code == 0x0A:
            return "\\n"  # one finding stays one line: nothing can start a new (command) line
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(replace, text)


def get_reporter(name: str):
    from importlib import import_module

    return import_module(f"trustlint.reporters.{name}_report")
