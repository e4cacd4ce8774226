"""A Markdown summary (for $GITHUB_STEP_SUMMARY or a pull-request comment)."""

from __future__ import annotations

import re
from collections import Counter

from ..findings import SEVERITIES
from . import escape_control
from ..lazy_re import lazy

_LIMIT = 200  # rows; GitHub caps a step summary at 1 MiB


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"

# Markdown punctuation that could make a link, an image, emphasis, a heading or HTML out of
# text from a scanned file; each is backslash-escaped (`&`, `<`, `>` become entities), and
# `:` too, so `https://…` in a file name or value is never turned into a link.
_MARKDOWN = lazy(r"[\\`*_~\[\]()!#|:@]|(?<=www)\.")  # `@`: a mention; `www.`: an autolink
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _cell(text: str) -> str:
    text = escape_control(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    text = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group(0)], text)
    return _MARKDOWN.sub(lambda m: "\\" + m.group(0), text)


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text (a longer fence); "-" when empty."""
    if not text:
        return "-"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    # Inside a code span backslashes are literal, except before `|`, which GitHub's tables
    # read as a cell boundary even there: only that and control characters are changed.
    return f"{fence}{escape_control(padded).replace('|', chr(92) + '|')}{fence}"


def render(result, colour: bool = False) -> str:
    gating = [f for f in result.findings if f.gating]
    counts = Counter(f.severity for f in gating)
    out = ["## trustlint", ""]
    if not gating:
        out.append(f"No findings in {_files(result.files_scanned)} scanned.")
    else:
        breakdown = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
        out += [f"**{len(gating)} finding{'s' if len(gating) != 1 else ''}** ({breakdown}) in {_files(result.files_scanned)} scanned.", "",
                "| severity | rule | location | resource | finding |", "|---|---|---|---|---|"]
        for finding in gating[:_LIMIT]:
            out.append(f"| {finding.severity} | {finding.rule_id} {finding.rule_name} | {_code(f'{finding.path}:{finding.span.line}')} "
                       f"| {_code(finding.address)} | {_cell(finding.message)} |")
        if len(gating) > _LIMIT:
            out.append(f"\n… and {len(gating) - _LIMIT} more (see the SARIF or JSON report).")
    hidden = len(result.findings) - len(gating)
    if hidden:
        out += ["", f"{hidden} suppressed or baselined findings are not shown."]
    return "\n".join(out) + "\n"
