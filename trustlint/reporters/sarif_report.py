"""SARIF 2.1.0 for GitHub code scanning (see docs/sarif-github.md): one run, rules with
help and security-severity, repo-relative URIs, exact regions, resource addresses as
logical locations, and line-free partial fingerprints."""

from __future__ import annotations

import json

from .. import __version__

_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# One decimal, away from GitHub's bucket edges (over 9.0 critical, 7.0-8.9 high, ...).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.5"}
_INFORMATION_URI = "https://github.com/trustlint/trustlint"


def _rule(rule) -> dict:
    help_markdown = f"{rule.docs.strip()}\n\n**Fix:** {rule.fix}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs.strip().split("\n\n")[0][:1000]},
        "help": {"text": f"{rule.docs.strip()}\n\nFix: {rule.fix}", "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {
            "tags": list(rule.tags or ["security"]),
            "precision": "high",
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        },
    }


def _region(span) -> dict:
    return {
        "startLine": span.line,
        "startColumn": max(1, span.column),
        "endLine": max(span.end_line, span.line),
        "endColumn": max(span.end_column, span.column + 1) if span.end_line == span.line else max(1, span.end_column),
    }


def _uri(path: str) -> str:
    """A repository-relative path as an RFC 3986 relative reference: `%`, space, `#`, `?` and
    other characters outside a path segment percent-encoded (UTF-8), `/` kept."""
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/")  # a non-UTF-8 name keeps its bytes


def _location(path: str, span, address: str | None = None) -> dict:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
            "region": _region(span),
        }
    }
    if address:
        location["logicalLocations"] = [{"fullyQualifiedName": address, "kind": "resource"}]
    return location


def _result(finding, rule_index: dict, with_suppressions: bool) -> dict:
    result = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index.get(finding.rule_id, 0),
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding.path, finding.span, finding.address or None)],
        "partialFingerprints": {"trustlintFinding/v1": finding.fingerprint},
        "properties": {"severity": finding.severity, "security-severity": _SECURITY_SEVERITY[finding.severity]},
    }
    if with_suppressions:  # SARIF: every result of the run has `suppressions`, or none does
        result["suppressions"] = [] if finding.suppression is None else [
            {"kind": finding.suppression_kind or "inSource", "justification": finding.suppression}]
    if finding.baseline:
        result["baselineState"] = finding.baseline
    if finding.related:
        # GitHub links a related location only when the message embeds it as [text](id).
        links = ", ".join(f"[{r.label}]({i + 1})" for i, r in enumerate(finding.related))
        result["message"]["text"] += f" (see {links})"
        result["relatedLocations"] = [
            dict(_location(r.path, r.span), id=i + 1, message={"text": r.label})
            for i, r in enumerate(finding.related)
        ]
    return result


def render(result, colour: bool = False) -> str:
    rules = sorted(result.rules, key=lambda r: r.id)
    known = {r.id for r in rules}
    rule_index = {r.id: i for i, r in enumerate(rules)}
    suppressed = any(f.suppression is not None for f in result.findings)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trustlint",
                "semanticVersion": __version__,
                "version": __version__,
                "informationUri": _INFORMATION_URI,
                "rules": [_rule(r) for r in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, rule_index, suppressed) for f in result.findings if f.rule_id in known],
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

