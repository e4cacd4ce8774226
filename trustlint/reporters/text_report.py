"""Human output: each finding with its source lines, the offending span underlined, like
ruff or zizmor. Colour (pygments) only on a terminal without NO_COLOR."""

from __future__ import annotations

import os
from collections import Counter

from ..findings import SEVERITIES
from . import escape_control

_COLOURS = {"critical": "\x1b[1;31m", "high": "\x1b[31m", "medium": "\x1b[33m", "low": "\x1b[36m", "info": "\x1b[37m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_CONTEXT = 1


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"

def _lexer_for(path: str):
    from pygments.lexers import JsonLexer, TerraformLexer, YamlLexer

    if path.endswith(".tf"):
        return TerraformLexer()
    if path.endswith(".json"):
        return JsonLexer()
    return YamlLexer()


def _highlight(lines: list[str], path: str) -> list[str]:
    from pygments import highlight
    from pygments.formatters import TerminalFormatter

    text = "\n".join(lines) + "\n"
    coloured = highlight(text, _lexer_for(path), TerminalFormatter()).rstrip("\n").split("\n")
    return coloured if len(coloured) == len(lines) else lines


def _read_lines(root: str, path: str, cache: dict) -> list[str]:
    """The file's lines for a snippet: only a regular file inside the repository, never
    through a symbolic link (a link to /proc/self/environ must not print the environment)."""
    if path not in cache:
        cache[path] = []
        full = os.path.join(root, path)
        real_root = os.path.realpath(root)
        try:
            inside = os.path.realpath(full).startswith(real_root + os.sep)
            if inside and not os.path.islink(full) and os.path.isfile(full) and os.path.getsize(full) <= 5 * 1024 * 1024:
                with open(full, encoding="utf-8-sig", errors="replace") as handle:
                    cache[path] = handle.read().split("\n")
        except OSError:
            pass
    return cache[path]


def _snippet(finding, lines: list[str], colour: bool) -> list[str]:
    span = finding.span
    if not lines or span.line > len(lines):
        return []
    first = max(1, span.line - _CONTEXT)
    last = min(len(lines), span.line + _CONTEXT)  # the start line is what a reader needs
    raw = [escape_control(lines[i - 1].rstrip("\r").expandtabs(4)) for i in range(first, last + 1)]
    shown = _highlight(raw, finding.path) if colour else raw
    width = len(str(last))
    out = []
    for offset, text in enumerate(shown):
        number = first + offset
        marker = ">" if number == span.line else " "
        gutter = f"{number:>{width}} {marker}| "
        out.append(f"  {_DIM + gutter + _RESET if colour else gutter}{text}")
        if number == span.line:
            original = lines[number - 1].rstrip("\r")
            end = span.end_column if span.end_line == span.line else len(original) + 1
            # Columns count characters; the shown line has tabs expanded, so measure it so.
            start = len(escape_control(original[: span.column - 1].expandtabs(4))) + 1
            length = len(escape_control(original[span.column - 1 : end - 1].expandtabs(4)))
            underline = " " * (start - 1) + "^" * max(1, length)
            pad = " " * (width + 2) + "| "
            out.append(f"  {pad}{_COLOURS['high'] + underline + _RESET if colour else underline}")
    return out


_RELATED_SHOWN = 5


def _related(finding) -> list[str]:
    """The other places the finding depends on (the provider, a module call, a workflow job)."""
    # The resource's own header in the same file is the snippet's neighbour: not repeated.
    related = [r for r in finding.related if not (r.label == "resource" and r.path == finding.path)]
    lines = [escape_control(f"  see: {r.path}:{r.span.line} ({r.label})") for r in related[:_RELATED_SHOWN]]
    if len(related) > _RELATED_SHOWN:
        lines.append(f"  see: … and {len(related) - _RELATED_SHOWN} more")
    return lines


def _hidden(findings) -> str:
    suppressed = sum(1 for f in findings if f.suppression is not None)
    baselined = sum(1 for f in findings if f.suppression is None and f.baseline == "unchanged")
    parts = [f"{suppressed} suppressed" if suppressed else "", f"{baselined} in the baseline" if baselined else ""]
    parts = [p for p in parts if p]
    return f" ({', '.join(parts)} not shown)" if parts else ""


def use_colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def render(result, colour: bool = False) -> str:
    cache: dict = {}
    out: list[str] = []
    shown = [f for f in result.findings if f.gating]
    for finding in shown:
        severity = finding.severity
        label = f"{finding.rule_id} [{severity}] {finding.rule_name}"
        if colour:
            label = f"{_COLOURS[severity]}{_BOLD}{label}{_RESET}"
        location = escape_control(f"{finding.path}:{finding.span.line}:{finding.span.column}")
        if location.startswith(":"):
            location = "./" + location  # a line starting with '::' would be a workflow command
        out.append(f"{location}: {label}")
        out.append(f"  {escape_control(finding.message)}")
        out.extend(_snippet(finding, _read_lines(result.root, finding.path, cache), colour))
        out.extend(_related(finding))
        if finding.fix:
            out.append(f"  fix: {escape_control(finding.fix)}")
        out.append("")
    counts = Counter(f.severity for f in shown)
    hidden = _hidden(result.findings)
    if shown:
        breakdown = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
        out.append(f"{len(shown)} finding{'s' if len(shown) != 1 else ''} ({breakdown}) in {_files(result.files_scanned)} scanned{hidden}.")
    else:
        out.append(f"No findings in {_files(result.files_scanned)} scanned{hidden}.")
    return "\n".join(out) + "\n"
