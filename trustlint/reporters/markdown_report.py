"""A Markdown summary (for $GITHUB_STEP_SUMMARY or a pull-request comment)."""

from __future__ import annotations

from collections import Counter

from ..findings import SEVERITIES

_LIMIT = 200  # rows; GitHub caps a step summary at 1 MiB


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ").replace("<", "&lt;")


def render(result, colour: bool = False) -> str:
    gating = [f for f in result.findings if f.gating]
    counts = Counter(f.severity for f in gating)
    out = ["## trustlint", ""]
    if not gating:
        out.append(f"No findings in {result.files_scanned} files scanned.")
    else:
        breakdown = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
        out += [f"**{len(gating)} findings** ({breakdown}) in {result.files_scanned} files scanned.", "",
                "| severity | rule | location | resource | finding |", "|---|---|---|---|---|"]
        for finding in gating[:_LIMIT]:
            out.append(f"| {finding.severity} | {finding.rule_id} {finding.rule_name} | `{_cell(finding.path)}:{finding.span.line}` "
                       f"| `{_cell(finding.address)}` | {_cell(finding.message)} |")
        if len(gating) > _LIMIT:
            out.append(f"\n… and {len(gating) - _LIMIT} more (see the SARIF or JSON report).")
    hidden = len(result.findings) - len(gating)
    if hidden:
        out += ["", f"{hidden} suppressed or baselined findings are not shown."]
    return "\n".join(out) + "\n"
