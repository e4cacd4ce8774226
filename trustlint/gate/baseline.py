"""Baselines: the fingerprints of accepted findings; a finding not in it is new."""

from __future__ import annotations

import json
from dataclasses import replace

from ..findings import Finding

BASELINE_VERSION = 1


def write_baseline(findings: list[Finding]) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.path, "resource": f.address} for f in findings if f.gating),
        key=lambda e: (e["path"], e["rule"], e["resource"], e["fingerprint"]),
    )
    return json.dumps({"version": BASELINE_VERSION, "tool": "trustlint", "findings": entries}, indent=2) + "\n"


class BaselineError(Exception):
    pass


def load_baseline(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return {entry["fingerprint"] for entry in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: not a trustlint baseline ({exc})") from None


def apply_baseline(findings: list[Finding], fingerprints: set[str]) -> list[Finding]:
    """Mark findings already in the baseline. An analysis error (TL000) is never "unchanged":
    while a file cannot be read, every later change to it would go unjudged."""
    return [replace(f, baseline="unchanged" if f.rule_id != "TL000" and f.fingerprint in fingerprints else "new")
            for f in findings]
