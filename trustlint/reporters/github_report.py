"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
finding, escaped so that text from scanned files cannot inject workflow commands."""

from __future__ import annotations

from . import escape_control

_COMMANDS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}


def escape_data(text: str) -> str:
    """Message escaping as @actions/core does it (% first, then CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property escaping: also ':' and ',' which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, colour: bool = False) -> str:
    lines = []
    for finding in result.findings:
        if not finding.gating:
            continue
        span = finding.span
        properties = ",".join([
            f"file={escape_property(escape_control(finding.path))}",  # a hostile file name (bidi, ESC) too
            f"line={span.line}",
            f"endLine={max(span.end_line, span.line)}",
            f"col={span.column}",
            f"title={escape_property(f'{finding.rule_id} {finding.rule_name} ({finding.severity})')}",
        ])
        message = escape_data(escape_control(f"{finding.message}. Fix: {finding.fix}"))
        lines.append(f"::{_COMMANDS[finding.severity]} {properties}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
