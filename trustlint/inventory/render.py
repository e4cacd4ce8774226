"""The inventory as text (a table that fits a terminal), JSON, CSV, Markdown (metrics, tables,
the graph as Mermaid, the change), Mermaid and Graphviz DOT. Everything from scanned files is
escaped for where it lands: control characters in text, Markdown syntax, Mermaid and DOT
labels, spreadsheet formulas in CSV."""

from __future__ import annotations

import json
import re

FORMATS = ("text", "json", "csv", "markdown", "mermaid", "dot")

METRIC_LABELS = {
    "identities": "identities (roles, service accounts, managed identities, applications)",
    "static_credentials": "static credentials created in IaC",
    "ci_jobs_obtaining_credentials": "CI jobs obtaining cloud credentials",
    "federation_rate": "share of those jobs using federation, not stored keys",
    "strict_trust_share": "share of identities admitting only exact workloads",
    "lifetime_median_seconds": "credential lifetime, median (s)",
    "lifetime_p95_seconds": "credential lifetime, p95 (s)",
    "lifetime_max_seconds": "credential lifetime, max (s)",
    "non_production_reachable": "identities reachable from non-production contexts",
    "shared_across_tiers": "identities shared across tiers",
    "admin_identities_reachable_from_ci": "admin identities reachable from CI workloads",
}


def render(document: dict, fmt: str, delta: dict | None = None) -> str:
    """The document in one of FORMATS; `delta` (compare) is shown by text, JSON and Markdown."""
    if fmt in ("text", "json", "markdown"):
        return {"text": _text, "json": _json, "markdown": _markdown}[fmt](document, delta)
    return {"csv": _csv, "mermaid": mermaid, "dot": dot}[fmt](document)


def admitted_text(admitted: dict) -> str:
    if admitted["kind"] == "exact":
        workloads = admitted["workloads"]
        return "exact: " + (", ".join(workloads[:2]) + (f" (+{len(workloads) - 2})" if len(workloads) > 2 else "")
                            if workloads else "(none named)")
    if admitted["kind"] == "pattern":
        return f"pattern {', '.join(admitted['patterns'])}: {admitted['breadth']} (e.g. {admitted['witness']})"
    if admitted["kind"] == "unbounded":
        return f"ANY: {admitted['breadth']} (e.g. {admitted['witness']})"
    return "unknown"


def _lifetime(row: dict) -> str:
    seconds = int(row["max_lifetime_seconds"])
    text = f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"
    if not row.get("lifetime_known", True):
        return f"unknown (up to {text})"
    return text if row["lifetime_set"] else f"{text} (default)"


def _privileges(row: dict) -> str:
    level, why = row["privileges"]["level"], row["privileges"]["why"]
    return "none in scan" if level == "none" else f"{level}: {why}" if why else level


# --- text ---------------------------------------------------------------------------------

def _escape_control(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text)


def _cell(text: str, width: int) -> str:
    text = _escape_control(str(text))
    return (text[: width - 1] + "…") if len(text) > width else text.ljust(width)


def _text(document: dict, delta: dict | None) -> str:
    columns = (("CLOUD", 5), ("IDENTITY", 28), ("ADMITS", 44), ("LIFETIME", 19), ("TIER", 14), ("PRIVILEGES", 26),
               ("FINDINGS", 20))
    lines = ["  ".join(_cell(name, width) for name, width in columns).rstrip()]
    for row in document["identities"]:
        values = (row["cloud"], row["identity"], admitted_text(row["admitted"]), _lifetime(row), row["tier"],
                  _privileges(row), ", ".join(row["findings"]) or "-")
        lines.append("  ".join(_cell(v, w) for v, (_, w) in zip(values, columns)).rstrip())
    if document["credentials"]:
        lines += ["", "STATIC CREDENTIALS"]
        lines += [f"  {_escape_control(c['cloud'])}  {_escape_control(c['address'])}  {_escape_control(c['kind'])}"
                  f"  {_escape_control(c['path'])}:{c['line']}" for c in document["credentials"]]
    if document["jobs"]:
        lines += ["", "CI JOBS OBTAINING CREDENTIALS"]
        lines += [f"  {j['how']:<10}  {_escape_control(j['path'])} {_escape_control(j['job'])}"
                  + (f"  -> {_escape_control(', '.join(j['identities']))}" if j["identities"] else "")
                  for j in document["jobs"]]
    lines += ["", "METRICS"]
    lines += [f"  {_escape_control(METRIC_LABELS.get(k, k))}: {_metric(v)}" for k, v in document["metrics"].items()]
    if delta is not None:
        lines += ["", f"CHANGES SINCE {_escape_control(delta['since'])}"]
        lines += [f"  {_escape_control(change)}" for change in delta["changes"]] or ["  none"]
    return "\n".join(lines) + "\n"


def _metric(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


# --- JSON, CSV ------------------------------------------------------------------------------

def _json(document: dict, delta: dict | None) -> str:
    out = dict(document)
    if delta is not None:
        out["delta"] = delta
    return json.dumps(out, indent=2, sort_keys=False) + "\n"


def _spreadsheet_safe(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(document: dict) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "repository", "cloud", "name", "kind", "address", "path", "line", "issuers_or_how",
                     "admitted_kind", "admitted", "max_lifetime_seconds", "tier", "privilege_level", "privileges", "findings"])
    for r in document["identities"]:
        writer.writerow([_spreadsheet_safe(v) for v in (
            "identity", r["repository"], r["cloud"], r["identity"], r["kind"], r["address"], r["path"], r["line"],
            " ".join(r["issuers"]), r["admitted"]["kind"], admitted_text(r["admitted"]), r["max_lifetime_seconds"],
            r["tier"], r["privileges"]["level"], "; ".join(r["privileges"]["grants"]), " ".join(r["findings"]))])
    for c in document["credentials"]:
        writer.writerow([_spreadsheet_safe(v) for v in (
            "credential", c["repository"], c["cloud"], c["owner"], c["kind"], c["address"], c["path"], c["line"],
            "", "", "", "", "", "", "", " ".join(c["findings"]))])
    for j in document["jobs"]:
        writer.writerow([_spreadsheet_safe(v) for v in (
            "job", j["repository"], " ".join(j["clouds"]), j["job"], j["platform"], "", j["path"], j["line"], j["how"],
            "", " ".join(j["identities"]), "", j["environment"], "", "", "")])
    return buffer.getvalue()


# --- Markdown --------------------------------------------------------------------------------

def _md(text: str) -> str:
    """Scanned content in a Markdown table cell: no HTML, links, emphasis, code or pipes."""
    text = _escape_control(str(text))
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~:&])", r"\\\1", text)


def _markdown(document: dict, delta: dict | None) -> str:
    lines = ["## trustlint inventory", ""]
    if delta is not None:
        lines += [f"### What this change does (since {_md(delta['since'])})", ""]
        lines += [f"- {_md(change)}" for change in delta["changes"]] or ["- nothing: no identity, admission, privilege or "
                                                                         "lifetime changed"]
        lines.append("")
    lines += ["| metric | value |" if delta is None else "| metric | before | after |",
              "|---|---|" if delta is None else "|---|---|---|"]
    for key, value in document["metrics"].items():
        label = METRIC_LABELS.get(key, key)
        if delta is None:
            lines.append(f"| {label} | {_metric(value)} |")
        else:
            lines.append(f"| {label} | {_metric(delta['metrics_before'].get(key))} | {_metric(value)} |")
    lines += ["", "| cloud | identity | admits | lifetime | tier | privileges | findings |", "|---|---|---|---|---|---|---|"]
    for r in document["identities"]:
        lines.append("| " + " | ".join(_md(v) for v in (r["cloud"], r["identity"], admitted_text(r["admitted"]),
                                                      _lifetime(r), r["tier"], _privileges(r),
                                                      ", ".join(r["findings"]) or "-")) + " |")
    if document["credentials"]:
        lines += ["", "| static credential | kind | location |", "|---|---|---|"]
        lines += [f"| {_md(c['address'])} | {_md(c['kind'])} | {_md(c['path'])}\\:{c['line']} |" for c in document["credentials"]]
    if document["jobs"]:
        lines += ["", "| CI job | how | identities |", "|---|---|---|"]
        lines += [f"| {_md(j['path'])} {_md(j['job'])} | {j['how']} | {_md(', '.join(j['identities'])) or '-'} |"
                  for j in document["jobs"]]
    lines += ["", "```mermaid", mermaid(document).rstrip("\n"), "```", ""]
    return "\n".join(lines)


# --- graphs ----------------------------------------------------------------------------------

def _mermaid_label(text: str) -> str:
    """Mermaid entity codes for anything but plain characters: no quote, bracket, backtick or
    line break from a scanned file can end the label or the code block."""
    return "".join(c if re.match(r"[A-Za-z0-9 ._/@:*=,-]", c) else f"#{ord(c)};" for c in text)


def mermaid(document: dict) -> str:
    ids = {node["id"]: f"n{index}" for index, node in enumerate(document["graph"]["nodes"])}
    shapes = {"workload": ('(["', '"])'), "pattern": ('{{"', '"}}'), "job": ('["', '"]'), "identity": ('[["', '"]]'),
              "privilege": ('>"', '"]')}
    lines = ["flowchart LR"]
    for node in document["graph"]["nodes"]:
        left, right = shapes.get(node["kind"], ('["', '"]'))
        lines.append(f"  {ids[node['id']]}{left}{_mermaid_label(node['label'])}{right}")
    risky = []
    for index, edge in enumerate(document["graph"]["edges"]):
        lines.append(f"  {ids[edge['from']]} {'==>' if edge['risky'] else '-->'} {ids[edge['to']]}")
        if edge["risky"]:
            risky.append(str(index))
    if risky:
        lines.append(f"  linkStyle {','.join(risky)} stroke:#d73a49,stroke-width:3px")
    flagged = [ids[n["id"]] for n in document["graph"]["nodes"] if n["risky"]]
    if flagged:
        lines.append("  classDef risky fill:#ffeef0,stroke:#d73a49,color:#86181d")
        lines.append(f"  class {','.join(flagged)} risky")
    return "\n".join(lines) + "\n"


def _dot_label(text: str) -> str:
    return _escape_control(text).replace("\\", "\\\\").replace('"', '\\"')


def dot(document: dict) -> str:
    shapes = {"workload": "ellipse", "pattern": "hexagon", "job": "box", "identity": "box3d", "privilege": "note"}
    lines = ["digraph trustlint {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    ids = {node["id"]: f"n{index}" for index, node in enumerate(document["graph"]["nodes"])}
    for node in document["graph"]["nodes"]:
        style = ', color="#d73a49", style=bold' if node["risky"] else ""
        lines.append(f'  {ids[node["id"]]} [label="{_dot_label(node["label"])}", shape={shapes.get(node["kind"], "box")}{style}];')
    for edge in document["graph"]["edges"]:
        style = ' [color="#d73a49", penwidth=3]' if edge["risky"] else ""
        lines.append(f"  {ids[edge['from']]} -> {ids[edge['to']]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
