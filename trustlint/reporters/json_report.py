"""Machine output: a versioned, deterministic JSON document."""

from __future__ import annotations

import json

from .. import __version__

JSON_VERSION = 1


def finding_dict(finding) -> dict:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity,
        "message": finding.message,
        "path": finding.path,
        **finding.span.to_dict(),
        "address": finding.address,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "related": [{"path": r.path, **r.span.to_dict(), "label": r.label} for r in finding.related],
        "suppressed": finding.suppression is not None,
        "suppression": {"kind": finding.suppression_kind, "justification": finding.suppression} if finding.suppression is not None else None,
        "baseline": finding.baseline or None,
    }


def render(result, colour: bool = False) -> str:
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "trustlint", "version": __version__},
        "summary": {
            "files_scanned": result.files_scanned,
            "findings": len(result.findings),
            "gating": sum(1 for f in result.findings if f.gating),
            "suppressed": sum(1 for f in result.findings if f.suppression is not None),
        },
        "findings": [finding_dict(f) for f in result.findings],
    }
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
